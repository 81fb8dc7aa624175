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


def _when(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _invitee_part(i: str) -> dict:
    """What invitee row `i` adds by itself."""
    return {"invitees": "1", "invited": _when(f"{i}.invited_at IS NOT NULL")}


def _hall_seat(r: str) -> str:
    return f"{r}.status = 'confirmed' AND {r}.mode = 'hall'"


def _registration_part(r: str) -> dict:
    """What registration row `r` adds."""
    return {
        "answered": "1",
        "hall": _when(_hall_seat(r)),
        "stream": _when(f"{r}.status = 'confirmed' AND {r}.mode = 'stream'"),
        "waiting": _when(f"{r}.status = 'waiting'"),
        "declined": _when(f"{r}.status = 'declined'"),
        "cancelled": _when(f"{r}.status = 'cancelled'"),
    }


def _checkin_part(c: str, r: str) -> dict:
    """What current check-in row `c` of registration row `r` adds."""
    return {"present": "1", "inside": _when(f"{c}.checked_out_at IS NULL"), "hall_present": _when(_hall_seat(r))}


def _change(sign: str, part: dict, event: str, group: str, source: str = "", where: str = "1 = 1") -> str:
    """Add (sign '+') or take out ('-') `part` in the counters of `group` for each row of `source` matching
    `where` (one row without a source). The counters exist, made by the group's first invitee (_add_invitee),
    except while the event is being deleted: then nothing is changed (in the transaction that made them, an
    update would check their event's foreign key and fail)."""
    values = ", ".join(f"{expression} AS {name}" for name, expression in part.items())
    updates = ", ".join(f"{name} = group_counters.{name} {sign} change.{name}" for name in part)
    return (f"UPDATE group_counters SET {updates} FROM (SELECT {event} AS event_id, {group} AS group_key, {values} "
            f"{source} WHERE {where} AND {_event_exists(event)}) AS change "
            "WHERE group_counters.event_id = change.event_id AND group_counters.group_key = change.group_key;")


def _add_invitee(i: str) -> str:
    """Count invitee row `i` in its group, making the group's counters if it has none yet, unless the event is
    gone (a group deleted with its event moves its invitees to no group: nothing to count any more)."""
    part = _invitee_part(i)
    values = ", ".join(part.get(name, "0") for name in COUNTS)
    updates = ", ".join(f"{name} = group_counters.{name} + excluded.{name}" for name in part)
    return (f"INSERT INTO group_counters (event_id, group_key, {', '.join(COUNTS)}) "
            f"SELECT {i}.event_id, {_group(i)}, {values} "
            f"WHERE {_event_exists(f'{i}.event_id')} "
            f"ON CONFLICT (event_id, group_key) DO UPDATE SET {updates};")


def _event_exists(event: str) -> str:
    return f"EXISTS (SELECT 1 FROM events WHERE events.id = {event})"


def _group(i: str) -> str:
    return f"COALESCE({i}.group_id, 0)"


def _invitee_parts(sign: str, i: str, where: str = "1 = 1") -> list[str]:
    """The changes for the registration and current check-in of invitee row `i`, in `i`'s group."""
    return [
        _change(sign, _registration_part("r"), f"{i}.event_id", _group(i), "FROM registrations r",
                f"r.invitee_id = {i}.id AND {where}"),
        _change(sign, _checkin_part("c", "r"), f"{i}.event_id", _group(i),
                "FROM registrations r JOIN checkins c ON c.registration_id = r.id AND c.reverted_at IS NULL",
                f"r.invitee_id = {i}.id AND {where}"),
    ]


def _registration_parts(sign: str, r: str) -> list[str]:
    """The changes for registration row `r` with its current check-in, in its invitee's group (none if the
    invitee is gone)."""
    return [
        _change(sign, _registration_part(r), f"{r}.event_id", _group("i"), "FROM invitees i", f"i.id = {r}.invitee_id"),
        _change(sign, _checkin_part("c", r), f"{r}.event_id", _group("i"),
                f"FROM invitees i JOIN checkins c ON c.registration_id = {r}.id AND c.reverted_at IS NULL",
                f"i.id = {r}.invitee_id"),
    ]


def _checkin_change(sign: str, c: str) -> str:
    """The change for check-in row `c`, if current, in its guest's group (none if the registration is gone)."""
    return _change(sign, _checkin_part(c, "r"), f"{c}.event_id", _group("i"),
                   "FROM registrations r JOIN invitees i ON i.id = r.invitee_id",
                   f"r.id = {c}.registration_id AND {c}.reverted_at IS NULL")


#: Per table: (columns whose update changes the counts, statements after an insert, after an update, before a delete).
TRIGGERS = {
    "invitees": (
        "group_id, invited_at",
        [_add_invitee("NEW")],
        [
            _change("-", _invitee_part("OLD"), "OLD.event_id", _group("OLD")),
            _add_invitee("NEW"),
            *_invitee_parts("-", "OLD", f"{_group('OLD')} <> {_group('NEW')}"),
            *_invitee_parts("+", "NEW", f"{_group('OLD')} <> {_group('NEW')}"),
        ],
        [_change("-", _invitee_part("OLD"), "OLD.event_id", _group("OLD")), *_invitee_parts("-", "OLD")],
    ),
    "registrations": (
        "status, mode",
        _registration_parts("+", "NEW")[:1],
        [*_registration_parts("-", "OLD"), *_registration_parts("+", "NEW")],
        _registration_parts("-", "OLD"),
    ),
    "checkins": (
        "reverted_at, checked_out_at",
        [_checkin_change("+", "NEW")],
        [_checkin_change("-", "OLD"), _checkin_change("+", "NEW")],
        [_checkin_change("-", "OLD")],
    ),
}

#: On PostgreSQL new invitees are counted once per statement, from its transition table: an import of 40,000
#: (one COPY) adds to each group's counters once instead of 40,000 times.
COUNT_NEW_INVITEES = (
    f"INSERT INTO group_counters (event_id, group_key, {', '.join(COUNTS)}) "
    f"SELECT n.event_id, {_group('n')}, count(*), count(n.invited_at), {', '.join('0' for _ in COUNTS[2:])} "
    f"FROM new_invitees n WHERE {_event_exists('n.event_id')} GROUP BY n.event_id, {_group('n')} "
    "ON CONFLICT (event_id, group_key) DO UPDATE SET invitees = group_counters.invitees + excluded.invitees, "
    "invited = group_counters.invited + excluded.invited;"
)

#: The row of a deleted audience group, once its invitees have moved to 0 (none other than 0 exists then).
DROP_GROUP_ROW = "DELETE FROM group_counters WHERE event_id = OLD.event_id AND group_key = OLD.id;"

def _recount() -> str:
    """The counters of every event and group, counted afresh."""
    parts = [(_invitee_part("i"), "1 = 1"), (_registration_part("r"), "r.id IS NOT NULL"),
             (_checkin_part("c", "r"), "c.id IS NOT NULL")]
    sums = [f"sum(CASE WHEN {present} THEN {part[name]} ELSE 0 END)"
            for name in COUNTS for part, present in parts if name in part]
    return (
        f"INSERT INTO group_counters (event_id, group_key, {', '.join(COUNTS)}) "
        f"SELECT i.event_id, {_group('i')}, {', '.join(sums)} "
        "FROM invitees i LEFT JOIN registrations r ON r.invitee_id = i.id "
        "LEFT JOIN checkins c ON c.registration_id = r.id AND c.reverted_at IS NULL "
        f"GROUP BY i.event_id, {_group('i')}"
    )


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
    op.execute(_recount())
    _hall_counters_migration().drop_counters()
    if op.get_bind().dialect.name == "postgresql":
        for table, (columns, inserted, updated, deleted) in TRIGGERS.items():
            per_row = table != "invitees"  # new invitees are counted per statement (COUNT_NEW_INVITEES)
            on_insert = f"IF TG_OP = 'INSERT' THEN {' '.join(inserted)} ELS" if per_row else ""
            op.execute(
                f"CREATE FUNCTION {table}_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"{on_insert}IF TG_OP = 'UPDATE' THEN {' '.join(updated)} "
                f"ELSE {' '.join(deleted)} RETURN OLD; END IF; RETURN NULL; END $$"
            )
            events = f"INSERT OR UPDATE OF {columns}" if per_row else f"UPDATE OF {columns}"
            op.execute(f"CREATE TRIGGER {table}_group_counters AFTER {events} ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_group_counters()")
            op.execute(f"CREATE TRIGGER {table}_group_counters_delete BEFORE DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {table}_group_counters()")
        op.execute("CREATE FUNCTION new_invitees_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {COUNT_NEW_INVITEES} RETURN NULL; END $$")
        op.execute("CREATE TRIGGER invitees_group_counters_insert AFTER INSERT ON invitees "
                   "REFERENCING NEW TABLE AS new_invitees FOR EACH STATEMENT EXECUTE FUNCTION new_invitees_group_counters()")
        op.execute("CREATE FUNCTION audience_groups_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {DROP_GROUP_ROW} RETURN NULL; END $$")
        op.execute("CREATE TRIGGER audience_groups_group_counters AFTER DELETE ON audience_groups "
                   "FOR EACH ROW EXECUTE FUNCTION audience_groups_group_counters()")
    else:
        for table, (columns, inserted, updated, deleted) in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {table}_group_counters_insert AFTER INSERT ON {table} "
                       f"BEGIN {' '.join(inserted)} END")
            op.execute(f"CREATE TRIGGER {table}_group_counters_update AFTER UPDATE OF {columns} ON {table} "
                       f"BEGIN {' '.join(updated)} END")
            op.execute(f"CREATE TRIGGER {table}_group_counters_delete BEFORE DELETE ON {table} "
                       f"BEGIN {' '.join(deleted)} END")
        op.execute(f"CREATE TRIGGER audience_groups_group_counters AFTER DELETE ON audience_groups "
                   f"BEGIN {DROP_GROUP_ROW} END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in (*TRIGGERS, "new_invitees", "audience_groups"):
            op.execute(f"DROP FUNCTION {table}_group_counters() CASCADE")
    else:
        for table in TRIGGERS:
            for kind in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_group_counters_{kind}")
        op.execute("DROP TRIGGER audience_groups_group_counters")
    op.drop_table('group_counters')
    _hall_counters_migration().create_counters()


def _hall_counters_migration():
    """Migration d4f2a6c8e1b3, whose hall counters per event the group counters replace."""
    return revision_module("d4f2a6c8e1b3_checkin_hall_counters.py")
