"""stream: room in the pages of the viewer totals, so that folding updates them in place

Every fold rewrites the row of every viewer who watched; with free room in its page the new row version stays
there (a heap-only update: no new index entries, and the old version is pruned with the page), so the table
stays about twice the size of its live rows instead of growing with every fold. PostgreSQL only; existing
pages get the room as they are rewritten.

Revision ID: 4bb79be6d36a
Revises: d4f2a6c8e1b3
Create Date: 2026-11-29 12:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '4bb79be6d36a'
down_revision = 'd4f2a6c8e1b3'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE stream_viewer_totals SET (fillfactor = 50)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE stream_viewer_totals RESET (fillfactor)')
