"""accounts: no lock-out columns (failed logins are throttled per address and account by the rate limiter)

Revision ID: b8d4f0e2a3c5
Revises: a7c3e9d1f2b4
Create Date: 2026-12-04 19:05:00

"""
from alembic import op
import sqlalchemy as sa

import tracker.database


# revision identifiers, used by Alembic.
revision = 'b8d4f0e2a3c5'
down_revision = 'a7c3e9d1f2b4'
branch_labels = None
depends_on = None


def upgrade():
    # A lock of the account itself let anybody who typed a colleague's address five times keep them out; the
    # counts of failures now live in the rate limiter's storage, per address and account (tracker.limits.login).
    # Plain DROP COLUMN on both databases (SQLite 3.35 and later): no table rebuild.
    op.drop_column('users', 'locked_until')
    op.drop_column('users', 'failed_logins')


def downgrade():
    op.add_column('users', sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
    op.add_column('users', sa.Column('locked_until', tracker.database.UTCDateTime(timezone=True), nullable=True))
