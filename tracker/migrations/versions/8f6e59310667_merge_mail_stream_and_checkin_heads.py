"""merge mail, stream and checkin heads

Revision ID: 8f6e59310667
Revises: 35f9bd0bb6dc, 58cd441ec42c, a4b8fe392f56
Create Date: 2026-11-29 05:19:54.319617

"""
from alembic import op
import sqlalchemy as sa

import tracker.database


# revision identifiers, used by Alembic.
revision = '8f6e59310667'
down_revision = ('35f9bd0bb6dc', '58cd441ec42c', 'a4b8fe392f56')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
