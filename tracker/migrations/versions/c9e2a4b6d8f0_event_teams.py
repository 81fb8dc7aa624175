"""events: teams (the organiser accounts that manage or read an event)

Revision ID: c9e2a4b6d8f0
Revises: b8d4f0e2a3c5
Create Date: 2026-12-04 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9e2a4b6d8f0'
down_revision = 'b8d4f0e2a3c5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'event_team_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=10), nullable=False),
        sa.CheckConstraint("role IN ('manager', 'reader')", name=op.f('ck_event_team_members_role')),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_team_members_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_team_members_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_event_team_members')),
        sa.UniqueConstraint('event_id', 'user_id', name='uq_event_team_members_event_user'),
    )
    op.create_index(op.f('ix_event_team_members_event_id'), 'event_team_members', ['event_id'])
    op.create_index(op.f('ix_event_team_members_user_id'), 'event_team_members', ['user_id'])
    # What existing events get: their creator as manager, where the audit log knows the creator (the account of the
    # entry "event.created", or "event.copied" for an event made as a copy) and that account is still an active
    # organiser or administrator. Every other event (made by the demo or another command, its creator's account deleted, turned
    # into door staff or deactivated) gets no team: only administrators see it until one of them adds a team.
    op.execute(
        "INSERT INTO event_team_members (event_id, user_id, role) "
        "SELECT DISTINCT a.event_id, a.user_id, 'manager' FROM audit_entries a "
        "JOIN events e ON e.id = a.event_id JOIN users u ON u.id = a.user_id "
        "WHERE a.action IN ('event.created', 'event.copied') AND u.role IN ('organiser', 'admin') AND u.active"
    )


def downgrade():
    op.drop_index(op.f('ix_event_team_members_user_id'), table_name='event_team_members')
    op.drop_index(op.f('ix_event_team_members_event_id'), table_name='event_team_members')
    op.drop_table('event_team_members')
