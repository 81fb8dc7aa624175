"""events: group maximum (an optional cap on a group's hall seats, at least its reserved seats)

Revision ID: b4eb2ce8d9d7
Revises: 41f54d65b1d3
Create Date: 2026-12-04 04:30:00

On SQLite the column comes with its checks in one ALTER TABLE ADD COLUMN, so the table is not rebuilt and keeps
its trigger (audience_groups_group_counters, migration e03732309801). Waiting registrations that the new seat
rule would seat move up on the event's next seat change (an answer, a cancellation, a group or event edit, or the
organiser's button), with the promotion mail; a migration sends no mail.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4eb2ce8d9d7'
down_revision = '41f54d65b1d3'
branch_labels = None
depends_on = None

NOT_NEGATIVE = "max_seats IS NULL OR max_seats >= 0"
HOLDS_RESERVED = "max_seats IS NULL OR reserved_seats IS NULL OR max_seats >= reserved_seats"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.add_column('audience_groups', sa.Column('max_seats', sa.Integer(), nullable=True))
        op.create_check_constraint('ck_audience_groups_max_seats_not_negative', 'audience_groups', NOT_NEGATIVE)
        op.create_check_constraint('ck_audience_groups_max_seats_hold_reserved', 'audience_groups', HOLDS_RESERVED)
    else:
        op.execute(
            "ALTER TABLE audience_groups ADD COLUMN max_seats INTEGER"
            f" CONSTRAINT ck_audience_groups_max_seats_not_negative CHECK ({NOT_NEGATIVE})"
            f" CONSTRAINT ck_audience_groups_max_seats_hold_reserved CHECK ({HOLDS_RESERVED})"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('ck_audience_groups_max_seats_hold_reserved', 'audience_groups', type_='check')
        op.drop_constraint('ck_audience_groups_max_seats_not_negative', 'audience_groups', type_='check')
    op.execute("ALTER TABLE audience_groups DROP COLUMN max_seats")
