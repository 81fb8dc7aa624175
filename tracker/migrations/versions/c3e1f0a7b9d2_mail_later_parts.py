"""mail: later parts (QR image, calendar file) made by the sender

Revision ID: c3e1f0a7b9d2
Revises: c3e1f0a7b2d4
Create Date: 2026-11-29 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e1f0a7b9d2'
down_revision = 'c3e1f0a7b2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('later_parts', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_column('later_parts')
