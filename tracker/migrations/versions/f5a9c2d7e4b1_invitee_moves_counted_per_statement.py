"""events: on PostgreSQL, changed invitees are counted in the group counters once per statement

Deleting an audience group moves all its invitees to "no group" in one statement (the foreign key's SET NULL).
A row trigger then updated the same two counter rows once per invitee, and PostgreSQL follows each updated
row's chain of versions made earlier in the transaction, so the time grew with the square of the invitees
(1,000: 0.4 s; 4,000: 2.6 s). One trigger per statement adds up what its rows change, from the statement's
old and new rows, and updates each counter row once. SQLite updates rows in place and keeps its row triggers.

A trigger with transition tables cannot name columns, so it runs after every UPDATE of invitees and counts only
the rows whose group or invitation changed.

Revision ID: f5a9c2d7e4b1
Revises: e03732309801
Create Date: 2026-11-29 17:20:00

"""
from alembic import op

from tracker.migrations.revisions import revision_module

# revision identifiers, used by Alembic.
revision = 'f5a9c2d7e4b1'
down_revision = 'e03732309801'
branch_labels = None
depends_on = None

counters = revision_module("e03732309801_group_counters.py")

#: One statement: each changed invitee taken out of its old group (sign -1) and put into its new one (+1), with its
#: registration and current check-in where the group changed, summed per group; the sums are added to the existing
#: counter rows, and a group that invitees join for the first time gets its row. A deleted group's row is gone
#: already when its invitees' move is counted (the group's delete trigger runs first, the cascade's statement
#: trigger at the end of the DELETE): there is nothing to take them out of. (Word for word what this revision
#: first executed, assembled in Python then, hence `CASE WHEN TRUE`.)
COUNT_CHANGED_INVITEES = """
    WITH sides AS (
        SELECT o.event_id, COALESCE(o.group_id, 0) AS group_key, -1 AS sign, o.id, o.invited_at,
               o.group_id IS DISTINCT FROM n.group_id AS moved
        FROM old_invitees o JOIN new_invitees n ON n.id = o.id
        WHERE o.group_id IS DISTINCT FROM n.group_id OR (o.invited_at IS NULL) <> (n.invited_at IS NULL)
        UNION ALL
        SELECT n.event_id, COALESCE(n.group_id, 0) AS group_key, 1 AS sign, n.id, n.invited_at,
               o.group_id IS DISTINCT FROM n.group_id AS moved
        FROM old_invitees o JOIN new_invitees n ON n.id = o.id
        WHERE o.group_id IS DISTINCT FROM n.group_id OR (o.invited_at IS NULL) <> (n.invited_at IS NULL)
    ), delta AS (
        SELECT i.event_id, i.group_key,
               sum(i.sign * CASE WHEN TRUE THEN 1 ELSE 0 END) AS invitees,
               sum(i.sign * CASE WHEN TRUE THEN CASE WHEN i.invited_at IS NOT NULL THEN 1 ELSE 0 END ELSE 0 END)
                   AS invited,
               sum(i.sign * CASE WHEN r.id IS NOT NULL THEN 1 ELSE 0 END) AS answered,
               sum(i.sign * CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'confirmed' AND r.mode = 'hall'
                   THEN 1 ELSE 0 END ELSE 0 END) AS hall,
               sum(i.sign * CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'confirmed' AND r.mode = 'stream'
                   THEN 1 ELSE 0 END ELSE 0 END) AS stream,
               sum(i.sign * CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'waiting' THEN 1 ELSE 0 END
                   ELSE 0 END) AS waiting,
               sum(i.sign * CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END
                   ELSE 0 END) AS declined,
               sum(i.sign * CASE WHEN r.id IS NOT NULL THEN CASE WHEN r.status = 'cancelled' THEN 1 ELSE 0 END
                   ELSE 0 END) AS cancelled,
               sum(i.sign * CASE WHEN c.id IS NOT NULL THEN 1 ELSE 0 END) AS present,
               sum(i.sign * CASE WHEN c.id IS NOT NULL THEN CASE WHEN c.checked_out_at IS NULL THEN 1 ELSE 0 END
                   ELSE 0 END) AS inside,
               sum(i.sign * CASE WHEN c.id IS NOT NULL THEN CASE WHEN r.status = 'confirmed' AND r.mode = 'hall'
                   THEN 1 ELSE 0 END ELSE 0 END) AS hall_present
        FROM sides i
        LEFT JOIN registrations r ON i.moved AND r.invitee_id = i.id
        LEFT JOIN checkins c ON c.registration_id = r.id AND c.reverted_at IS NULL
        WHERE EXISTS (SELECT 1 FROM events WHERE events.id = i.event_id)
        GROUP BY i.event_id, i.group_key
    ), updated AS (
        UPDATE group_counters SET invitees = group_counters.invitees + delta.invitees,
                                  invited = group_counters.invited + delta.invited,
                                  answered = group_counters.answered + delta.answered,
                                  hall = group_counters.hall + delta.hall,
                                  stream = group_counters.stream + delta.stream,
                                  waiting = group_counters.waiting + delta.waiting,
                                  declined = group_counters.declined + delta.declined,
                                  cancelled = group_counters.cancelled + delta.cancelled,
                                  present = group_counters.present + delta.present,
                                  inside = group_counters.inside + delta.inside,
                                  hall_present = group_counters.hall_present + delta.hall_present
        FROM delta
        WHERE group_counters.event_id = delta.event_id AND group_counters.group_key = delta.group_key
        RETURNING group_counters.event_id, group_counters.group_key
    ) INSERT INTO group_counters (event_id, group_key, invitees, invited, answered, hall, stream, waiting, declined,
                                  cancelled, present, inside, hall_present)
    SELECT delta.event_id, delta.group_key, delta.invitees, delta.invited, delta.answered, delta.hall, delta.stream,
           delta.waiting, delta.declined, delta.cancelled, delta.present, delta.inside, delta.hall_present
    FROM delta
    WHERE delta.invitees > 0
      AND NOT EXISTS (SELECT 1 FROM updated WHERE updated.event_id = delta.event_id
                      AND updated.group_key = delta.group_key)
    ON CONFLICT (event_id, group_key) DO UPDATE SET invitees = group_counters.invitees + excluded.invitees,
                                                    invited = group_counters.invited + excluded.invited,
                                                    answered = group_counters.answered + excluded.answered,
                                                    hall = group_counters.hall + excluded.hall,
                                                    stream = group_counters.stream + excluded.stream,
                                                    waiting = group_counters.waiting + excluded.waiting,
                                                    declined = group_counters.declined + excluded.declined,
                                                    cancelled = group_counters.cancelled + excluded.cancelled,
                                                    present = group_counters.present + excluded.present,
                                                    inside = group_counters.inside + excluded.inside,
                                                    hall_present = group_counters.hall_present + excluded.hall_present;
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER invitees_group_counters ON invitees")
    # The invitees' row function keeps counting deleted invitees (its trigger before a delete stays).
    op.execute(f"""
        CREATE OR REPLACE FUNCTION invitees_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            {counters.INVITEE_DELETED} RETURN OLD;
        END $$
    """)
    # Changed invitees are counted once per UPDATE statement, from its old and new rows.
    op.execute(f"""
        CREATE FUNCTION changed_invitees_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {COUNT_CHANGED_INVITEES} RETURN NULL; END $$
    """)
    op.execute("CREATE TRIGGER invitees_group_counters_update AFTER UPDATE ON invitees "
               "REFERENCING OLD TABLE AS old_invitees NEW TABLE AS new_invitees "
               "FOR EACH STATEMENT EXECUTE FUNCTION changed_invitees_group_counters()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION changed_invitees_group_counters() CASCADE")
    # Back to counting each changed invitee in its row trigger, as e03732309801 made it.
    op.execute(f"""
        CREATE OR REPLACE FUNCTION invitees_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            IF TG_OP = 'UPDATE' THEN {counters.INVITEE_CHANGED} RETURN NULL; END IF;
            {counters.INVITEE_DELETED} RETURN OLD;
        END $$
    """)
    op.execute("CREATE TRIGGER invitees_group_counters AFTER UPDATE OF group_id, invited_at ON invitees "
               "FOR EACH ROW EXECUTE FUNCTION invitees_group_counters()")
