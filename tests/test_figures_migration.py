"""The migration that takes hall guests who also watched out of "online dabei" in the kept snapshots."""
import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from tracker.extensions import db

from .factories import make_event

BEFORE = "f5a9c2d7e4b1"


def test_kept_snapshots_count_hall_guests_who_watched_in_the_hall_only(app):
    with app.app_context():
        event_id = make_event().id
        db.session.commit()
        downgrade(revision=BEFORE)
        legacy = {"followed_online": 75, "both": 5, "totals": {"followed_online": 74, "present": 130}, "groups": []}
        db.session.execute(text("INSERT INTO event_figure_snapshots (event_id, figures, taken_at) "
                                "VALUES (:id, :figures, CURRENT_TIMESTAMP)"), {"id": event_id, "figures": json.dumps(legacy)})
        db.session.execute(text("INSERT INTO stream_figure_snapshots (event_id, figures, taken_at) "
                                "VALUES (:id, :figures, CURRENT_TIMESTAMP)"),
                           {"id": event_id, "figures": json.dumps({"followed_online": 75, "both": 5})})
        db.session.commit()
        upgrade()
        kept = db.session.execute(text("SELECT figures FROM event_figure_snapshots")).scalar_one()
        kept = kept if isinstance(kept, dict) else json.loads(kept)  # PostgreSQL's driver parses JSON itself
        stream = json.loads(db.session.execute(text("SELECT figures FROM stream_figure_snapshots")).scalar_one())
    assert (kept["followed_online"], kept["totals"]["followed_online"], kept["both"]) == (70, 69, 5)
    assert (stream["followed_online"], stream["both"]) == (70, 5)
