"""The demo data command: what it loads, --if-empty, determinism, and the printed logins."""
from datetime import date

from sqlalchemy import func, select

from tracker.accounts.models import User
from tracker.database import utcnow
from tracker.demo.services import load_demo, next_date
from tracker.events.models import Event
from tracker.extensions import db
from tracker.invitees.models import Invitee

from .conftest import login
from .factories import make_user


def test_demo_load_creates_the_seed_event_and_prints_the_logins(app, runner, client):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Demo event loaded: 1. Infotag Digitalisierung (4 groups, 327 invitees)." in result.output
    assert "Demo event loaded: 2. Infotag Digitalisierung (4 groups, 327 invitees)." in result.output
    assert "orga@demo.example  password: infotag-demo-orga" in result.output
    assert "einlass@demo.example  password: infotag-demo-einlass" in result.output
    with app.app_context():
        event = db.session.execute(select(Event).where(Event.title == "2. Infotag Digitalisierung")).scalar_one()
        assert event.venue.startswith("Sitzungssaal") and event.hall_capacity == 150 and event.livestream
        groups = {g.name: g for g in event.groups}
        assert list(groups) == ["Stadtrat", "Referats- und Betriebsleitungen", "Speaker", "Beschäftigte"]
        assert groups["Stadtrat"].waiting_priority == max(g.waiting_priority for g in event.groups)
        assert groups["Stadtrat"].reserved_seats and groups["Referats- und Betriebsleitungen"].reserved_seats
        assert groups["Beschäftigte"].reserved_seats is None
        assert event.reserved_seats <= event.hall_capacity
        speakers = db.session.execute(select(Invitee.unit).where(Invitee.group_id == groups["Speaker"].id)).scalars()
        assert sorted(speakers) == sorted(["ADAC", "BMW", "UnternehmerTUM", "Siemens",
                                           "IHK für München und Oberbayern", "Münchener Rück"])
        emails = list(db.session.execute(select(Invitee.email).where(Invitee.event_id == event.id)).scalars())
        assert len(emails) == len({e.lower() for e in emails}) == 327
        assert all(e.split("@")[1].endswith(".example") for e in emails)
        assert event.starts_at > utcnow()
    organiser = User(email="orga@demo.example")
    login(client, organiser, "infotag-demo-orga")
    assert "2. Infotag Digitalisierung" in client.get("/events/").get_data(as_text=True)


def test_if_empty_leaves_a_used_database_alone(app, runner):
    with app.app_context():
        make_user("organiser")
        db.session.commit()
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0 and "not loaded" in result.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Event)).scalar_one() == 0


def test_loading_twice_is_refused_but_if_empty_still_prints_the_logins(app, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code != 0 and "loaded already" in again.output
    quiet = runner.invoke(args=["demo", "load", "--if-empty"])
    assert quiet.exit_code == 0 and "infotag-demo-orga" in quiet.output


def test_demo_is_deterministic(app):
    def snapshot():
        with app.app_context():
            load_demo(today=date(2026, 11, 29))
            rows = db.session.execute(select(Invitee.name, Invitee.email, Invitee.unit, Invitee.language)
                                      .order_by(Invitee.id)).all()
            db.session.rollback()
            return rows

    assert snapshot() == snapshot()


def test_demo_event_is_upcoming():
    assert next_date(date(2026, 11, 29), 1, 17) == date(2027, 1, 17)
    assert next_date(date(2027, 1, 1), 1, 17) == date(2028, 1, 17)
