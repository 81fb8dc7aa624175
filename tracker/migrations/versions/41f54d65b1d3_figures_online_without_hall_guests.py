"""figures: "online dabei" no longer counts hall guests who also watched, in the kept snapshots too

The figures kept for purged events (event_figure_snapshots) and for events whose viewer minutes were deleted
(stream_figure_snapshots) counted a hall guest who also watched online in "followed_online" as well as in
"present". They now count them as present only (tracker.stream.figures.figures_from_rows): "followed_online" loses
"both" in all and in the totals of the invitees. The split by audience group cannot be corrected (the snapshots do
not say in which group the hall guests who watched were) and stays as it was. The shared figure cache is emptied.

Revision ID: 41f54d65b1d3
Revises: f5a9c2d7e4b1
Create Date: 2026-12-04 04:19:49

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '41f54d65b1d3'
down_revision = 'f5a9c2d7e4b1'
branch_labels = None
depends_on = None

event_snapshots = sa.table("event_figure_snapshots", sa.column("event_id", sa.Integer), sa.column("figures", sa.JSON))
stream_snapshots = sa.table("stream_figure_snapshots", sa.column("event_id", sa.Integer), sa.column("figures", sa.Text))


def _shift(sign: int) -> None:
    """Take "both" out of the online figures (sign -1), or put it back (sign +1)."""
    connection = op.get_bind()
    for event_id, figures in connection.execute(sa.select(event_snapshots.c.event_id, event_snapshots.c.figures)).all():
        figures = dict(figures)
        both = figures.get("both", 0)
        figures["followed_online"] += sign * both
        figures["totals"] = {**figures["totals"], "followed_online": figures["totals"]["followed_online"] + sign * both}
        connection.execute(
            event_snapshots.update().where(event_snapshots.c.event_id == event_id).values(figures=figures)
        )
    for event_id, text in connection.execute(sa.select(stream_snapshots.c.event_id, stream_snapshots.c.figures)).all():
        figures = json.loads(text)
        figures["followed_online"] += sign * figures.get("both", 0)
        connection.execute(
            stream_snapshots.update().where(stream_snapshots.c.event_id == event_id).values(figures=json.dumps(figures))
        )
    op.execute("DELETE FROM dashboard_figure_cache")


def upgrade():
    _shift(-1)


def downgrade():
    _shift(+1)
