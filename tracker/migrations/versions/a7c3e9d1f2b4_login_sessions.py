"""accounts: logins the server can end (login_sessions)

Revision ID: a7c3e9d1f2b4
Revises: ccb95cb5aded
Create Date: 2026-12-04 18:50:00

"""
from alembic import op
import sqlalchemy as sa

import tracker.database


# revision identifiers, used by Alembic.
revision = 'a7c3e9d1f2b4'
down_revision = 'ccb95cb5aded'
branch_labels = None
depends_on = None


def upgrade():
    # One row per login; the session cookie holds a token whose SHA-256 is token_hash. Sessions signed in before
    # this migration referred to the account's password stamp and find no row: everybody logs in once more.
    op.create_table(
        'login_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', tracker.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_sessions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash')),
    )
    op.create_index(op.f('ix_login_sessions_user_id'), 'login_sessions', ['user_id'], unique=False)
    op.create_index(op.f('ix_login_sessions_created_at'), 'login_sessions', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_login_sessions_created_at'), table_name='login_sessions')
    op.drop_index(op.f('ix_login_sessions_user_id'), table_name='login_sessions')
    op.drop_table('login_sessions')
