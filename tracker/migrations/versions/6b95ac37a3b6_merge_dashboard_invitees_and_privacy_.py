"""merge dashboard, invitees and privacy heads

Revision ID: 6b95ac37a3b6
Revises: 6486e6a2a10d, 82b0db06cd84, a9f70d5239c9
Create Date: 2026-11-29 05:39:44.151319

"""
from alembic import op
import sqlalchemy as sa

import tracker.database


# revision identifiers, used by Alembic.
revision = '6b95ac37a3b6'
down_revision = ('6486e6a2a10d', '82b0db06cd84', 'a9f70d5239c9')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
