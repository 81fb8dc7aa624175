"""events: running counts per audience group, kept by triggers on invitees, registrations and check-ins

They replace the hall counters per event (present and inside are now the sums over the event's groups) and the
pass over every invitee that the dashboard made on each computation.

Each invitee adds to the counters of its group: itself (invitees, invited), its registration (answered and the
counts by status) and its current check-in (present, inside, hall_present). A trigger takes a row's old part out
and puts its new part in. A group's counters are made by its first invitee, so the triggers of registrations
and check-ins only update them. Deleting a row takes out the part of everything beneath it, in a BEFORE DELETE
trigger, while that is still there; the rows beneath are then deleted by the foreign keys' cascade, when the
row above is gone already, so their own triggers find no group and change nothing. Nothing is counted for an
event that is being deleted: its counters go with it.

Revision ID: e03732309801
Revises: 4bb79be6d36a
Create Date: 2026-11-29 14:10:00

"""
from alembic import op
import sqlalchemy as sa

from tracker.migrations.revisions import revision_module


# revision identifiers, used by Alembic.
revision = 'e03732309801'
down_revision = '4bb79be6d36a'
branch_labels = None
depends_on = None

COUNTS = ("invitees", "invited", "answered", "hall", "stream", "waiting", "declined", "cancelled", "present",
          "inside", "hall_present")

# What each row adds to the counters of its group (an invitee without a group counts in group 0):
#   invitee:      invitees 1, invited 1 if invited_at is set;
#   registration: answered 1, and 1 in hall / stream (confirmed in that mode), waiting, declined or cancelled;
#   current (not reverted) check-in: present 1, inside 1 if not checked out, hall_present 1 if its registration
#                 holds a confirmed hall seat.
# Every statement below counts only while the event exists: while it is being deleted, nothing is changed (in the
# transaction that made them, an update would check the counters' foreign key to the event and fail).
# The statements are word for word what this revision first executed (then assembled in Python), hence the odd
# `1 = 1` conditions; databases already hold them.

#: Invitee NEW counts in its group; the group's first invitee makes the group's counter row.
COUNT_NEW_INVITEE = """
    INSERT INTO group_counters (event_id, group_key, invitees, invited, answered, hall, stream, waiting, declined,
                                cancelled, present, inside, hall_present)
    SELECT NEW.event_id, COALESCE(NEW.group_id, 0), 1, CASE WHEN NEW.invited_at IS NOT NULL THEN 1 ELSE 0 END,
           0, 0, 0, 0, 0, 0, 0, 0, 0
    WHERE EXISTS (SELECT 1 FROM events WHERE events.id = NEW.event_id)
    ON CONFLICT (event_id, group_key) DO UPDATE SET invitees = group_counters.invitees + excluded.invitees,
                                                    invited = group_counters.invited + excluded.invited;
"""

#: Invitee OLD no longer counts in its group.
UNCOUNT_OLD_INVITEE = """
    UPDATE group_counters SET invitees = group_counters.invitees - change.invitees,
                              invited = group_counters.invited - change.invited
    FROM (SELECT OLD.event_id AS event_id, COALESCE(OLD.group_id, 0) AS group_key, 1 AS invitees,
                 CASE WHEN OLD.invited_at IS NOT NULL THEN 1 ELSE 0 END AS invited
          WHERE 1 = 1 AND EXISTS (SELECT 1 FROM events WHERE events.id = OLD.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
"""

#: When invitee OLD moved to another group: its registration and current check-in leave the old group ...
UNCOUNT_MOVED_ANSWERS = """
    UPDATE group_counters SET answered = group_counters.answered - change.answered,
                              hall = group_counters.hall - change.hall,
                              stream = group_counters.stream - change.stream,
                              waiting = group_counters.waiting - change.waiting,
                              declined = group_counters.declined - change.declined,
                              cancelled = group_counters.cancelled - change.cancelled
    FROM (SELECT OLD.event_id AS event_id, COALESCE(OLD.group_id, 0) AS group_key, 1 AS answered,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END AS hall,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'stream' THEN 1 ELSE 0 END AS stream,
                 CASE WHEN r.status = 'waiting' THEN 1 ELSE 0 END AS waiting,
                 CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END AS declined,
                 CASE WHEN r.status = 'cancelled' THEN 1 ELSE 0 END AS cancelled
          FROM registrations r
          WHERE r.invitee_id = OLD.id AND COALESCE(OLD.group_id, 0) <> COALESCE(NEW.group_id, 0)
            AND EXISTS (SELECT 1 FROM events WHERE events.id = OLD.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
    UPDATE group_counters SET present = group_counters.present - change.present,
                              inside = group_counters.inside - change.inside,
                              hall_present = group_counters.hall_present - change.hall_present
    FROM (SELECT OLD.event_id AS event_id, COALESCE(OLD.group_id, 0) AS group_key, 1 AS present,
                 CASE WHEN c.checked_out_at IS NULL THEN 1 ELSE 0 END AS inside,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END AS hall_present
          FROM registrations r JOIN checkins c ON c.registration_id = r.id AND c.reverted_at IS NULL
          WHERE r.invitee_id = OLD.id AND COALESCE(OLD.group_id, 0) <> COALESCE(NEW.group_id, 0)
            AND EXISTS (SELECT 1 FROM events WHERE events.id = OLD.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
"""

#: ... and join the new group.
COUNT_MOVED_ANSWERS = """
    UPDATE group_counters SET answered = group_counters.answered + change.answered,
                              hall = group_counters.hall + change.hall,
                              stream = group_counters.stream + change.stream,
                              waiting = group_counters.waiting + change.waiting,
                              declined = group_counters.declined + change.declined,
                              cancelled = group_counters.cancelled + change.cancelled
    FROM (SELECT NEW.event_id AS event_id, COALESCE(NEW.group_id, 0) AS group_key, 1 AS answered,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END AS hall,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'stream' THEN 1 ELSE 0 END AS stream,
                 CASE WHEN r.status = 'waiting' THEN 1 ELSE 0 END AS waiting,
                 CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END AS declined,
                 CASE WHEN r.status = 'cancelled' THEN 1 ELSE 0 END AS cancelled
          FROM registrations r
          WHERE r.invitee_id = NEW.id AND COALESCE(OLD.group_id, 0) <> COALESCE(NEW.group_id, 0)
            AND EXISTS (SELECT 1 FROM events WHERE events.id = NEW.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
    UPDATE group_counters SET present = group_counters.present + change.present,
                              inside = group_counters.inside + change.inside,
                              hall_present = group_counters.hall_present + change.hall_present
    FROM (SELECT NEW.event_id AS event_id, COALESCE(NEW.group_id, 0) AS group_key, 1 AS present,
                 CASE WHEN c.checked_out_at IS NULL THEN 1 ELSE 0 END AS inside,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END AS hall_present
          FROM registrations r JOIN checkins c ON c.registration_id = r.id AND c.reverted_at IS NULL
          WHERE r.invitee_id = NEW.id AND COALESCE(OLD.group_id, 0) <> COALESCE(NEW.group_id, 0)
            AND EXISTS (SELECT 1 FROM events WHERE events.id = NEW.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
"""

#: The registration and current check-in of invitee OLD, which is being deleted, leave its group (before the
#: cascade deletes them: their own triggers then find no invitee and change nothing).
UNCOUNT_OLD_ANSWERS = """
    UPDATE group_counters SET answered = group_counters.answered - change.answered,
                              hall = group_counters.hall - change.hall,
                              stream = group_counters.stream - change.stream,
                              waiting = group_counters.waiting - change.waiting,
                              declined = group_counters.declined - change.declined,
                              cancelled = group_counters.cancelled - change.cancelled
    FROM (SELECT OLD.event_id AS event_id, COALESCE(OLD.group_id, 0) AS group_key, 1 AS answered,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END AS hall,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'stream' THEN 1 ELSE 0 END AS stream,
                 CASE WHEN r.status = 'waiting' THEN 1 ELSE 0 END AS waiting,
                 CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END AS declined,
                 CASE WHEN r.status = 'cancelled' THEN 1 ELSE 0 END AS cancelled
          FROM registrations r
          WHERE r.invitee_id = OLD.id AND 1 = 1
            AND EXISTS (SELECT 1 FROM events WHERE events.id = OLD.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
    UPDATE group_counters SET present = group_counters.present - change.present,
                              inside = group_counters.inside - change.inside,
                              hall_present = group_counters.hall_present - change.hall_present
    FROM (SELECT OLD.event_id AS event_id, COALESCE(OLD.group_id, 0) AS group_key, 1 AS present,
                 CASE WHEN c.checked_out_at IS NULL THEN 1 ELSE 0 END AS inside,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END AS hall_present
          FROM registrations r JOIN checkins c ON c.registration_id = r.id AND c.reverted_at IS NULL
          WHERE r.invitee_id = OLD.id AND 1 = 1
            AND EXISTS (SELECT 1 FROM events WHERE events.id = OLD.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
"""

#: Registration NEW counts in its invitee's group (none if the invitee is gone).
COUNT_NEW_REGISTRATION = """
    UPDATE group_counters SET answered = group_counters.answered + change.answered,
                              hall = group_counters.hall + change.hall,
                              stream = group_counters.stream + change.stream,
                              waiting = group_counters.waiting + change.waiting,
                              declined = group_counters.declined + change.declined,
                              cancelled = group_counters.cancelled + change.cancelled
    FROM (SELECT NEW.event_id AS event_id, COALESCE(i.group_id, 0) AS group_key, 1 AS answered,
                 CASE WHEN NEW.status = 'confirmed' AND NEW.mode = 'hall' THEN 1 ELSE 0 END AS hall,
                 CASE WHEN NEW.status = 'confirmed' AND NEW.mode = 'stream' THEN 1 ELSE 0 END AS stream,
                 CASE WHEN NEW.status = 'waiting' THEN 1 ELSE 0 END AS waiting,
                 CASE WHEN NEW.status = 'declined' THEN 1 ELSE 0 END AS declined,
                 CASE WHEN NEW.status = 'cancelled' THEN 1 ELSE 0 END AS cancelled
          FROM invitees i
          WHERE i.id = NEW.invitee_id AND EXISTS (SELECT 1 FROM events WHERE events.id = NEW.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
"""

#: The current check-in of registration NEW counts in the invitee's group (its hall_present follows NEW's seat).
COUNT_NEW_REGISTRATION_CHECKIN = """
    UPDATE group_counters SET present = group_counters.present + change.present,
                              inside = group_counters.inside + change.inside,
                              hall_present = group_counters.hall_present + change.hall_present
    FROM (SELECT NEW.event_id AS event_id, COALESCE(i.group_id, 0) AS group_key, 1 AS present,
                 CASE WHEN c.checked_out_at IS NULL THEN 1 ELSE 0 END AS inside,
                 CASE WHEN NEW.status = 'confirmed' AND NEW.mode = 'hall' THEN 1 ELSE 0 END AS hall_present
          FROM invitees i JOIN checkins c ON c.registration_id = NEW.id AND c.reverted_at IS NULL
          WHERE i.id = NEW.invitee_id AND EXISTS (SELECT 1 FROM events WHERE events.id = NEW.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
"""

#: Registration OLD, with its current check-in, no longer counts in its invitee's group (none if the invitee
#: is gone).
UNCOUNT_OLD_REGISTRATION = """
    UPDATE group_counters SET answered = group_counters.answered - change.answered,
                              hall = group_counters.hall - change.hall,
                              stream = group_counters.stream - change.stream,
                              waiting = group_counters.waiting - change.waiting,
                              declined = group_counters.declined - change.declined,
                              cancelled = group_counters.cancelled - change.cancelled
    FROM (SELECT OLD.event_id AS event_id, COALESCE(i.group_id, 0) AS group_key, 1 AS answered,
                 CASE WHEN OLD.status = 'confirmed' AND OLD.mode = 'hall' THEN 1 ELSE 0 END AS hall,
                 CASE WHEN OLD.status = 'confirmed' AND OLD.mode = 'stream' THEN 1 ELSE 0 END AS stream,
                 CASE WHEN OLD.status = 'waiting' THEN 1 ELSE 0 END AS waiting,
                 CASE WHEN OLD.status = 'declined' THEN 1 ELSE 0 END AS declined,
                 CASE WHEN OLD.status = 'cancelled' THEN 1 ELSE 0 END AS cancelled
          FROM invitees i
          WHERE i.id = OLD.invitee_id AND EXISTS (SELECT 1 FROM events WHERE events.id = OLD.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
    UPDATE group_counters SET present = group_counters.present - change.present,
                              inside = group_counters.inside - change.inside,
                              hall_present = group_counters.hall_present - change.hall_present
    FROM (SELECT OLD.event_id AS event_id, COALESCE(i.group_id, 0) AS group_key, 1 AS present,
                 CASE WHEN c.checked_out_at IS NULL THEN 1 ELSE 0 END AS inside,
                 CASE WHEN OLD.status = 'confirmed' AND OLD.mode = 'hall' THEN 1 ELSE 0 END AS hall_present
          FROM invitees i JOIN checkins c ON c.registration_id = OLD.id AND c.reverted_at IS NULL
          WHERE i.id = OLD.invitee_id AND EXISTS (SELECT 1 FROM events WHERE events.id = OLD.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
"""

#: Check-in NEW, if current, counts in its guest's group (none if the registration is gone).
COUNT_NEW_CHECKIN = """
    UPDATE group_counters SET present = group_counters.present + change.present,
                              inside = group_counters.inside + change.inside,
                              hall_present = group_counters.hall_present + change.hall_present
    FROM (SELECT NEW.event_id AS event_id, COALESCE(i.group_id, 0) AS group_key, 1 AS present,
                 CASE WHEN NEW.checked_out_at IS NULL THEN 1 ELSE 0 END AS inside,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END AS hall_present
          FROM registrations r JOIN invitees i ON i.id = r.invitee_id
          WHERE r.id = NEW.registration_id AND NEW.reverted_at IS NULL
            AND EXISTS (SELECT 1 FROM events WHERE events.id = NEW.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
"""

#: Check-in OLD, if it was current, no longer counts in its guest's group.
UNCOUNT_OLD_CHECKIN = """
    UPDATE group_counters SET present = group_counters.present - change.present,
                              inside = group_counters.inside - change.inside,
                              hall_present = group_counters.hall_present - change.hall_present
    FROM (SELECT OLD.event_id AS event_id, COALESCE(i.group_id, 0) AS group_key, 1 AS present,
                 CASE WHEN OLD.checked_out_at IS NULL THEN 1 ELSE 0 END AS inside,
                 CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END AS hall_present
          FROM registrations r JOIN invitees i ON i.id = r.invitee_id
          WHERE r.id = OLD.registration_id AND OLD.reverted_at IS NULL
            AND EXISTS (SELECT 1 FROM events WHERE events.id = OLD.event_id)) AS change
    WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;
"""

#: A changed invitee (group or invitation): out of its old group, into its new one, with its answers if it moved.
INVITEE_CHANGED = f"{UNCOUNT_OLD_INVITEE} {COUNT_NEW_INVITEE} {UNCOUNT_MOVED_ANSWERS} {COUNT_MOVED_ANSWERS}"
#: A deleted invitee: out of its group, with its answers.
INVITEE_DELETED = f"{UNCOUNT_OLD_INVITEE} {UNCOUNT_OLD_ANSWERS}"

#: On PostgreSQL new invitees are counted once per statement, from its transition table: an import of 40,000
#: (one COPY) adds to each group's counters once instead of 40,000 times.
COUNT_NEW_INVITEES = """
    INSERT INTO group_counters (event_id, group_key, invitees, invited, answered, hall, stream, waiting, declined,
                                cancelled, present, inside, hall_present)
    SELECT n.event_id, COALESCE(n.group_id, 0), count(*), count(n.invited_at), 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM new_invitees n WHERE EXISTS (SELECT 1 FROM events WHERE events.id = n.event_id)
    GROUP BY n.event_id, COALESCE(n.group_id, 0)
    ON CONFLICT (event_id, group_key) DO UPDATE SET invitees = group_counters.invitees + excluded.invitees,
                                                    invited = group_counters.invited + excluded.invited;
"""

#: The row of a deleted audience group, once its invitees have moved to 0 (none other than 0 exists then).
DROP_GROUP_ROW = "DELETE FROM group_counters WHERE event_id = OLD.event_id AND group_key = OLD.id;"

#: The counters of every event and group, counted afresh.
RECOUNT = """
    INSERT INTO group_counters (event_id, group_key, invitees, invited, answered, hall, stream, waiting, declined,
                                cancelled, present, inside, hall_present)
    SELECT i.event_id, COALESCE(i.group_id, 0),
           sum(CASE WHEN 1 = 1 THEN 1 ELSE 0 END),
           sum(CASE WHEN 1 = 1 THEN CASE WHEN i.invited_at IS NOT NULL THEN 1 ELSE 0 END ELSE 0 END),
           sum(CASE WHEN r.id IS NOT NULL THEN 1 ELSE 0 END),
           sum(CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END
               ELSE 0 END),
           sum(CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'confirmed' AND r.mode = 'stream' THEN 1 ELSE 0 END
               ELSE 0 END),
           sum(CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'waiting' THEN 1 ELSE 0 END ELSE 0 END),
           sum(CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END ELSE 0 END),
           sum(CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'cancelled' THEN 1 ELSE 0 END ELSE 0 END),
           sum(CASE WHEN c.id IS NOT NULL THEN 1 ELSE 0 END),
           sum(CASE WHEN c.id IS NOT NULL THEN CASE WHEN c.checked_out_at IS NULL THEN 1 ELSE 0 END ELSE 0 END),
           sum(CASE WHEN c.id IS NOT NULL THEN CASE WHEN r.status = 'confirmed' AND r.mode = 'hall' THEN 1 ELSE 0 END
               ELSE 0 END)
    FROM invitees i LEFT JOIN registrations r ON r.invitee_id = i.id
    LEFT JOIN checkins c ON c.registration_id = r.id AND c.reverted_at IS NULL
    GROUP BY i.event_id, COALESCE(i.group_id, 0)
"""

#: Per database: the triggers that keep group_counters equal to RECOUNT after every change of an invitee's group
#: or invitation, a registration's status or mode, a check-in's reversal or check-out, and every insert and
#: delete; and a deleted audience group's row removed.
TRIGGERS = {
    "postgresql": [
        f"""
        CREATE FUNCTION invitees_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            IF TG_OP = 'UPDATE' THEN {INVITEE_CHANGED}
            ELSE {INVITEE_DELETED} RETURN OLD; END IF;
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER invitees_group_counters AFTER UPDATE OF group_id, invited_at ON invitees "
        "FOR EACH ROW EXECUTE FUNCTION invitees_group_counters()",
        "CREATE TRIGGER invitees_group_counters_delete BEFORE DELETE ON invitees "
        "FOR EACH ROW EXECUTE FUNCTION invitees_group_counters()",
        f"""
        CREATE FUNCTION registrations_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            IF TG_OP = 'INSERT' THEN {COUNT_NEW_REGISTRATION}
            ELSIF TG_OP = 'UPDATE' THEN
                {UNCOUNT_OLD_REGISTRATION} {COUNT_NEW_REGISTRATION} {COUNT_NEW_REGISTRATION_CHECKIN}
            ELSE {UNCOUNT_OLD_REGISTRATION} RETURN OLD; END IF;
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER registrations_group_counters AFTER INSERT OR UPDATE OF status, mode ON registrations "
        "FOR EACH ROW EXECUTE FUNCTION registrations_group_counters()",
        "CREATE TRIGGER registrations_group_counters_delete BEFORE DELETE ON registrations "
        "FOR EACH ROW EXECUTE FUNCTION registrations_group_counters()",
        f"""
        CREATE FUNCTION checkins_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            IF TG_OP = 'INSERT' THEN {COUNT_NEW_CHECKIN}
            ELSIF TG_OP = 'UPDATE' THEN {UNCOUNT_OLD_CHECKIN} {COUNT_NEW_CHECKIN}
            ELSE {UNCOUNT_OLD_CHECKIN} RETURN OLD; END IF;
            RETURN NULL;
        END $$
        """,
        "CREATE TRIGGER checkins_group_counters AFTER INSERT OR UPDATE OF reverted_at, checked_out_at ON checkins "
        "FOR EACH ROW EXECUTE FUNCTION checkins_group_counters()",
        "CREATE TRIGGER checkins_group_counters_delete BEFORE DELETE ON checkins "
        "FOR EACH ROW EXECUTE FUNCTION checkins_group_counters()",
        "CREATE FUNCTION new_invitees_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {COUNT_NEW_INVITEES} RETURN NULL; END $$",
        "CREATE TRIGGER invitees_group_counters_insert AFTER INSERT ON invitees "
        "REFERENCING NEW TABLE AS new_invitees FOR EACH STATEMENT EXECUTE FUNCTION new_invitees_group_counters()",
        "CREATE FUNCTION audience_groups_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {DROP_GROUP_ROW} RETURN NULL; END $$",
        "CREATE TRIGGER audience_groups_group_counters AFTER DELETE ON audience_groups "
        "FOR EACH ROW EXECUTE FUNCTION audience_groups_group_counters()",
    ],
    "sqlite": [
        f"CREATE TRIGGER invitees_group_counters_insert AFTER INSERT ON invitees BEGIN {COUNT_NEW_INVITEE} END",
        "CREATE TRIGGER invitees_group_counters_update AFTER UPDATE OF group_id, invited_at ON invitees "
        f"BEGIN {INVITEE_CHANGED} END",
        f"CREATE TRIGGER invitees_group_counters_delete BEFORE DELETE ON invitees BEGIN {INVITEE_DELETED} END",
        "CREATE TRIGGER registrations_group_counters_insert AFTER INSERT ON registrations "
        f"BEGIN {COUNT_NEW_REGISTRATION} END",
        "CREATE TRIGGER registrations_group_counters_update AFTER UPDATE OF status, mode ON registrations "
        f"BEGIN {UNCOUNT_OLD_REGISTRATION} {COUNT_NEW_REGISTRATION} {COUNT_NEW_REGISTRATION_CHECKIN} END",
        "CREATE TRIGGER registrations_group_counters_delete BEFORE DELETE ON registrations "
        f"BEGIN {UNCOUNT_OLD_REGISTRATION} END",
        f"CREATE TRIGGER checkins_group_counters_insert AFTER INSERT ON checkins BEGIN {COUNT_NEW_CHECKIN} END",
        "CREATE TRIGGER checkins_group_counters_update AFTER UPDATE OF reverted_at, checked_out_at ON checkins "
        f"BEGIN {UNCOUNT_OLD_CHECKIN} {COUNT_NEW_CHECKIN} END",
        f"CREATE TRIGGER checkins_group_counters_delete BEFORE DELETE ON checkins BEGIN {UNCOUNT_OLD_CHECKIN} END",
        f"CREATE TRIGGER audience_groups_group_counters AFTER DELETE ON audience_groups BEGIN {DROP_GROUP_ROW} END",
    ],
}
DROP_TRIGGERS = {
    "postgresql": [
        "DROP FUNCTION invitees_group_counters() CASCADE",
        "DROP FUNCTION registrations_group_counters() CASCADE",
        "DROP FUNCTION checkins_group_counters() CASCADE",
        "DROP FUNCTION new_invitees_group_counters() CASCADE",
        "DROP FUNCTION audience_groups_group_counters() CASCADE",
    ],
    "sqlite": [
        "DROP TRIGGER invitees_group_counters_insert",
        "DROP TRIGGER invitees_group_counters_update",
        "DROP TRIGGER invitees_group_counters_delete",
        "DROP TRIGGER registrations_group_counters_insert",
        "DROP TRIGGER registrations_group_counters_update",
        "DROP TRIGGER registrations_group_counters_delete",
        "DROP TRIGGER checkins_group_counters_insert",
        "DROP TRIGGER checkins_group_counters_update",
        "DROP TRIGGER checkins_group_counters_delete",
        "DROP TRIGGER audience_groups_group_counters",
    ],
}


def upgrade():
    op.create_table(
        'group_counters',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('group_key', sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.CheckConstraint(' AND '.join(f'{name} >= 0' for name in COUNTS), name=op.f('ck_group_counters_counts')),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_group_counters_event_id_events'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'group_key', name=op.f('pk_group_counters')),
    )
    op.execute(RECOUNT)
    _hall_counters_migration().drop_counters()
    for statement in TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade():
    for statement in DROP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table('group_counters')
    _hall_counters_migration().create_counters()


def _hall_counters_migration():
    """Migration d4f2a6c8e1b3, whose hall counters per event the group counters replace."""
    return revision_module("d4f2a6c8e1b3_checkin_hall_counters.py")
