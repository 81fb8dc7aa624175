"""merge heads after dashboard

Revision ID: f7a423b76b0d
Revises: 53ff241d028b, 6b95ac37a3b6
Create Date: 2026-11-29 05:55:01.596046

"""
from alembic import op
import sqlalchemy as sa

import tracker.database


# revision identifiers, used by Alembic.
revision = 'f7a423b76b0d'
down_revision = ('53ff241d028b', '6b95ac37a3b6')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
