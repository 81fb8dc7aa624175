"""events: the organisers' invitation text

Revision ID: ccb95cb5aded
Revises: b4eb2ce8d9d7
Create Date: 2026-12-04 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ccb95cb5aded'
down_revision = 'b4eb2ce8d9d7'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases (nullable, no default): SQLite needs no table rebuild, so the
    # counter triggers stay as they are.
    op.add_column('events', sa.Column('invitation_text', sa.Text(), nullable=True))


def downgrade():
    # A plain DROP COLUMN on both databases (SQLite 3.35 and later): a table rebuild would break the triggers
    # that name the events table.
    op.drop_column('events', 'invitation_text')
