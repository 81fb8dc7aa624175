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

#: Check-in NEW joins its event's counters (present if not reverted, inside if not reverted nor checked out);
#: the event's row is made by its first check-in.
COUNT_NEW_CHECKIN = """
    INSERT INTO hall_counters (event_id, present, inside)
    VALUES (NEW.event_id,
            (CASE WHEN NEW.reverted_at IS NULL THEN 1 ELSE 0 END),
            (CASE WHEN NEW.reverted_at IS NULL AND NEW.checked_out_at IS NULL THEN 1 ELSE 0 END))
    ON CONFLICT (event_id) DO UPDATE SET present = hall_counters.present + excluded.present,
                                         inside = hall_counters.inside + excluded.inside;
"""

#: Check-in OLD leaves its event's counters (no row left when the event is being deleted: nothing happens).
UNCOUNT_OLD_CHECKIN = """
    UPDATE hall_counters
    SET present = present - (CASE WHEN OLD.reverted_at IS NULL THEN 1 ELSE 0 END),
        inside = inside - (CASE WHEN OLD.reverted_at IS NULL AND OLD.checked_out_at IS NULL THEN 1 ELSE 0 END)
    WHERE event_id = OLD.event_id;
"""

#: The counters of every event, counted afresh from its check-ins.
RECOUNT = """
    INSERT INTO hall_counters (event_id, present, inside)
    SELECT event_id,
           SUM((CASE WHEN checkins.reverted_at IS NULL THEN 1 ELSE 0 END)),
           SUM((CASE WHEN checkins.reverted_at IS NULL AND checkins.checked_out_at IS NULL THEN 1 ELSE 0 END))
    FROM checkins GROUP BY event_id
"""

#: Per database: the triggers that keep each event's hall_counters equal to the sums over its check-ins (RECOUNT)
#: whenever a check-in is added, reverted, checked out, moved or deleted; and the statements that drop them.
TRIGGERS = {
    "postgresql": [
        f"""
        CREATE FUNCTION hall_counters_follow_checkins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN {UNCOUNT_OLD_CHECKIN} END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN {COUNT_NEW_CHECKIN} END IF;
            RETURN NULL;
        END $$
        """,
        """
        CREATE TRIGGER checkins_hall_counters
        AFTER INSERT OR DELETE OR UPDATE OF event_id, reverted_at, checked_out_at ON checkins
        FOR EACH ROW EXECUTE FUNCTION hall_counters_follow_checkins()
        """,
    ],
    "sqlite": [
        f"CREATE TRIGGER checkins_hall_counters_insert AFTER INSERT ON checkins BEGIN {COUNT_NEW_CHECKIN} END",
        f"""
        CREATE TRIGGER checkins_hall_counters_update AFTER UPDATE OF event_id, reverted_at, checked_out_at
        ON checkins BEGIN {UNCOUNT_OLD_CHECKIN} {COUNT_NEW_CHECKIN} END
        """,
        f"CREATE TRIGGER checkins_hall_counters_delete AFTER DELETE ON checkins BEGIN {UNCOUNT_OLD_CHECKIN} END",
    ],
}
DROP_TRIGGERS = {
    "postgresql": ["DROP TRIGGER checkins_hall_counters ON checkins", "DROP FUNCTION hall_counters_follow_checkins()"],
    "sqlite": [
        "DROP TRIGGER checkins_hall_counters_insert",
        "DROP TRIGGER checkins_hall_counters_update",
        "DROP TRIGGER checkins_hall_counters_delete",
    ],
}


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
    op.execute(RECOUNT)
    for statement in TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_event_current', ['event_id', 'checked_out_at'], unique=False, sqlite_where=sa.text('reverted_at IS NULL'), postgresql_where=sa.text('reverted_at IS NULL'))
    drop_counters()


def drop_counters():
    """The counters and their triggers (also used by the upgrade of e03732309801, which replaces them)."""
    for statement in DROP_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table('hall_counters')
