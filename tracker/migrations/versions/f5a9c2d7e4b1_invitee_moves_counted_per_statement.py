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

_MOVED = "o.group_id IS DISTINCT FROM n.group_id"
_CHANGED = f"{_MOVED} OR (o.invited_at IS NULL) <> (n.invited_at IS NULL)"


def _count_changed_invitees() -> str:
    """One statement: each changed invitee taken out of its old group (sign -1) and put into its new one (+1),
    with its registration and current check-in where the group changed, summed per group; the sums are added to
    the existing counter rows, and a group that invitees join for the first time gets its row. A deleted group's
    row is gone already when its invitees' move is counted (the group's delete trigger runs first, the cascade's
    statement trigger at the end of the DELETE): there is nothing to take them out of."""
    parts = [(counters._invitee_part("i"), "TRUE"), (counters._registration_part("r"), "r.id IS NOT NULL"),
             (counters._checkin_part("c", "r"), "c.id IS NOT NULL")]
    sums = [f"sum(i.sign * CASE WHEN {present} THEN {part[name]} ELSE 0 END) AS {name}"
            for name in counters.COUNTS for part, present in parts if name in part]
    columns = ", ".join(counters.COUNTS)
    added = ", ".join(f"{name} = group_counters.{name} + {{source}}.{name}" for name in counters.COUNTS)
    side = ("SELECT {row}.event_id, COALESCE({row}.group_id, 0) AS group_key, {sign} AS sign, {row}.id, "
            f"{{row}}.invited_at, {_MOVED} AS moved "
            f"FROM old_invitees o JOIN new_invitees n ON n.id = o.id WHERE {_CHANGED}")
    return (
        "WITH sides AS ("
        f"{side.format(row='o', sign=-1)} UNION ALL {side.format(row='n', sign=1)}"
        "), delta AS ("
        f"SELECT i.event_id, i.group_key, {', '.join(sums)} FROM sides i "
        "LEFT JOIN registrations r ON i.moved AND r.invitee_id = i.id "
        "LEFT JOIN checkins c ON c.registration_id = r.id AND c.reverted_at IS NULL "
        f"WHERE {counters._event_exists('i.event_id')} GROUP BY i.event_id, i.group_key"
        "), updated AS ("
        f"UPDATE group_counters SET {added.format(source='delta')} FROM delta "
        "WHERE group_counters.event_id = delta.event_id AND group_counters.group_key = delta.group_key "
        "RETURNING group_counters.event_id, group_counters.group_key"
        f") INSERT INTO group_counters (event_id, group_key, {columns}) "
        f"SELECT delta.event_id, delta.group_key, {', '.join(f'delta.{name}' for name in counters.COUNTS)} FROM delta "
        "WHERE delta.invitees > 0 AND NOT EXISTS (SELECT 1 FROM updated WHERE updated.event_id = delta.event_id "
        "AND updated.group_key = delta.group_key) "
        f"ON CONFLICT (event_id, group_key) DO UPDATE SET {added.format(source='excluded')};"
    )


def _invitees_function(with_update: bool) -> str:
    """The invitees' row trigger function: before a delete, and (before this revision) after an update."""
    _columns, _inserted, updated, deleted = counters.TRIGGERS["invitees"]
    on_update = f"IF TG_OP = 'UPDATE' THEN {' '.join(updated)} RETURN NULL; END IF; " if with_update else ""
    return (f"CREATE OR REPLACE FUNCTION invitees_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{on_update}{' '.join(deleted)} RETURN OLD; END $$")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER invitees_group_counters ON invitees")
    op.execute(_invitees_function(with_update=False))
    op.execute("CREATE FUNCTION changed_invitees_group_counters() RETURNS trigger LANGUAGE plpgsql AS $$ "
               f"BEGIN {_count_changed_invitees()} RETURN NULL; END $$")
    op.execute("CREATE TRIGGER invitees_group_counters_update AFTER UPDATE ON invitees "
               "REFERENCING OLD TABLE AS old_invitees NEW TABLE AS new_invitees "
               "FOR EACH STATEMENT EXECUTE FUNCTION changed_invitees_group_counters()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION changed_invitees_group_counters() CASCADE")
    op.execute(_invitees_function(with_update=True))
    columns = counters.TRIGGERS["invitees"][0]
    op.execute(f"CREATE TRIGGER invitees_group_counters AFTER UPDATE OF {columns} ON invitees "
               "FOR EACH ROW EXECUTE FUNCTION invitees_group_counters()")
