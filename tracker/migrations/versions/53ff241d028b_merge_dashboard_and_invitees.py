"""merge dashboard and invitees

Revision ID: 53ff241d028b
Revises: 6486e6a2a10d, 82b0db06cd84
Create Date: 2026-11-29 05:44:57.181223

"""
from alembic import op
import sqlalchemy as sa

import tracker.database


# revision identifiers, used by Alembic.
revision = '53ff241d028b'
down_revision = ('6486e6a2a10d', '82b0db06cd84')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
