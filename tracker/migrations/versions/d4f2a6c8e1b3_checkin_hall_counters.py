"""checkin: hall counters per event, kept by triggers on the check-ins

Revision ID: d4f2a6c8e1b3
Revises: a88078705a95
Create Date: 2026-11-29 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f2a6c8e1b3'
down_revision = 'a88078705a95'
branch_labels = None
depends_on = None

#: What one check-in row adds to its event's counters.
PRESENT = "(CASE WHEN {row}.reverted_at IS NULL THEN 1 ELSE 0 END)"
INSIDE = "(CASE WHEN {row}.reverted_at IS NULL AND {row}.checked_out_at IS NULL THEN 1 ELSE 0 END)"


def _add(row: str) -> str:
    """Add a check-in row (NEW) to its event's counters, making them if the event has none yet."""
    return (
        f"INSERT INTO hall_counters (event_id, present, inside) "
        f"VALUES ({row}.event_id, {PRESENT.format(row=row)}, {INSIDE.format(row=row)}) "
        "ON CONFLICT (event_id) DO UPDATE SET present = hall_counters.present + excluded.present, "
        "inside = hall_counters.inside + excluded.inside;"
    )


def _subtract(row: str) -> str:
    """Take a check-in row (OLD) out of its event's counters (none left if the event is being deleted)."""
    return (
        f"UPDATE hall_counters SET present = present - {PRESENT.format(row=row)}, "
        f"inside = inside - {INSIDE.format(row=row)} WHERE event_id = {row}.event_id;"
    )


def upgrade():
    # The counters replace the index the counts were read from (dropped first: on SQLite a batch operation on
    # check-ins may copy the table, which would lose its triggers).
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_event_current', sqlite_where=sa.text('reverted_at IS NULL'), postgresql_where=sa.text('reverted_at IS NULL'))
    create_counters()


def create_counters():
    """The counters, counted from the check-ins, and their triggers (also used by the downgrade of e03732309801)."""
    op.create_table(
        'hall_counters',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('present', sa.Integer(), nullable=False),
        sa.Column('inside', sa.Integer(), nullable=False),
        sa.CheckConstraint('present >= 0 AND inside >= 0 AND inside <= present', name=op.f('ck_hall_counters_counts')),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_hall_counters_event_id_events'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_hall_counters')),
    )
    op.execute(
        f"INSERT INTO hall_counters (event_id, present, inside) "
        f"SELECT event_id, SUM({PRESENT.format(row='checkins')}), SUM({INSIDE.format(row='checkins')}) "
        "FROM checkins GROUP BY event_id"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION hall_counters_follow_checkins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_subtract('OLD')} END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_add('NEW')} END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER checkins_hall_counters AFTER INSERT OR DELETE OR UPDATE OF event_id, reverted_at, "
            "checked_out_at ON checkins FOR EACH ROW EXECUTE FUNCTION hall_counters_follow_checkins()"
        )
    else:
        op.execute(f"CREATE TRIGGER checkins_hall_counters_insert AFTER INSERT ON checkins BEGIN {_add('NEW')} END")
        op.execute(
            "CREATE TRIGGER checkins_hall_counters_update AFTER UPDATE OF event_id, reverted_at, checked_out_at "
            f"ON checkins BEGIN {_subtract('OLD')} {_add('NEW')} END"
        )
        op.execute(f"CREATE TRIGGER checkins_hall_counters_delete AFTER DELETE ON checkins BEGIN {_subtract('OLD')} END")


def downgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_event_current', ['event_id', 'checked_out_at'], unique=False, sqlite_where=sa.text('reverted_at IS NULL'), postgresql_where=sa.text('reverted_at IS NULL'))
    drop_counters()


def drop_counters():
    """The counters and their triggers (also used by the upgrade of e03732309801, which replaces them)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER checkins_hall_counters ON checkins")
        op.execute("DROP FUNCTION hall_counters_follow_checkins()")
    else:
        for kind in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER checkins_hall_counters_{kind}")
    op.drop_table('hall_counters')
