"""The demo's finished first info day tells the seed's story on the dashboard and in the report."""
from datetime import date

from sqlalchemy import select

from tracker.dashboard.figures import compute_figures
from tracker.dashboard.report import headlines
from tracker.demo.services import load_demo
from tracker.events.models import Event
from tracker.extensions import db

from .conftest import login
from .factories import make_user


def test_the_finished_info_day_has_the_seeds_outcome(app):
    with app.app_context():
        load_demo(today=date(2026, 11, 29))
        db.session.commit()
        finished = db.session.execute(select(Event).where(Event.title == "1. Infotag Digitalisierung")).scalar_one()
        figures = compute_figures(finished)
    assert figures.phase == "after"
    assert figures.totals.present == 130 and figures.hall_capacity == 150
    assert figures.followed_online == 70 and figures.both == 6
    assert figures.totals.not_arrived == 15 and figures.hall_registered_watched_online == 4
    assert (figures.totals.hall, figures.totals.stream, figures.totals.waiting) == (145, 90, 5)
    assert (figures.totals.declined, figures.totals.cancelled, figures.totals.not_answered) == (23, 5, 59)
    with app.test_request_context():
        assert headlines(figures) == {"de": "130 Gäste im Sitzungssaal und 70 weitere Personen im Livestream.",
                                      "en": "130 guests in the council hall and 70 more people on the livestream."}
    first_arrival, last_arrival = figures.arrivals[0][0], figures.arrivals[-1][0]
    start = int(finished.starts_at.timestamp()) // 60
    assert start - 90 < first_arrival < start and start < last_arrival < start + 120
    assert 10 < figures.median_minutes < 200


def test_demo_report_opens_for_the_organiser(app, client):
    with app.app_context():
        events = load_demo(today=date(2026, 11, 29))
        organiser = make_user()
        db.session.commit()
    login(client, organiser)
    page = client.get(f"/events/{events[0].id}/report").get_data(as_text=True)
    assert "130 Gäste im Sitzungssaal und 70 weitere Personen im Livestream." in page
    assert client.get(f"/events/{events[1].id}/dashboard").status_code == 200
