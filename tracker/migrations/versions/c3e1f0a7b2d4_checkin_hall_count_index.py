"""checkin: index for the hall counts (current check-ins per event, inside or not)

Revision ID: c3e1f0a7b2d4
Revises: a9f70d5239c9
Create Date: 2026-11-29 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e1f0a7b2d4'
down_revision = 'a9f70d5239c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.create_index('ix_checkins_event_current', ['event_id', 'checked_out_at'], unique=False, sqlite_where=sa.text('reverted_at IS NULL'), postgresql_where=sa.text('reverted_at IS NULL'))


def downgrade():
    with op.batch_alter_table('checkins', schema=None) as batch_op:
        batch_op.drop_index('ix_checkins_event_current', sqlite_where=sa.text('reverted_at IS NULL'), postgresql_where=sa.text('reverted_at IS NULL'))
