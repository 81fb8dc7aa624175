"""The demo data command: what it loads, --if-empty, determinism, weekdays, the printed logins, the door login."""
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tracker.accounts.models import User
from tracker.database import utcnow
from tracker.checkin.models import Door
from tracker.demo.builders import BERLIN, next_date, weekday_from
from tracker.demo.services import DEMO_ACCOUNTS, load_demo
from tracker.events.models import Event
from tracker.extensions import db
from tracker.invitees.models import Invitee
from tracker.registration.models import Registration

from .conftest import login
from .test_checkin_api import scan
from .factories import make_user


def test_demo_load_creates_the_seed_event_and_prints_the_logins(app, runner, client):
    with time_machine.travel(date(2026, 12, 12), tick=False):  # a Saturday: six weeks ago and 17 January 2027 too
        result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    doors = "doors: Eingang Landschaftstraße, Eingang Marienplatz"
    assert result.output.splitlines() == [
        f"Demo event loaded: 1. Infotag Digitalisierung on Fri 30 Oct 2026 (4 groups, 327 invitees, 268 answers; {doors}).",
        f"Demo event loaded: 2. Infotag Digitalisierung on Mon 18 Jan 2027 (4 groups, 327 invitees, 6 answers; {doors}).",
        "Demo logins at http://127.0.0.1:5000/login (for trying out only):",
        "  organiser  orga@demo.example  password: infotag-demo-orga",
        "  door       einlass@demo.example  password: infotag-demo-einlass  (scans at: 2. Infotag Digitalisierung)",
    ]
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


def test_weekday_from_moves_saturdays_and_sundays_only():
    friday, saturday, sunday, monday = (date(2027, 1, day) for day in (15, 16, 17, 18))
    assert [weekday_from(d) for d in (friday, saturday, sunday, monday)] == [friday, monday, monday, monday]
    assert [weekday_from(d, step=-1) for d in (friday, saturday, sunday, monday)] == [friday, friday, friday, monday]


@pytest.mark.parametrize("today", [date(2025, 12, 13), date(2026, 12, 13)])  # 17 Jan falls on Sat / Sun
def test_demo_days_fall_on_weekdays(app, today):
    """Loaded on a Saturday or Sunday whose six-weeks-ago and next 17 January are weekend days too."""
    with app.app_context(), time_machine.travel(today, tick=False):
        assert {today.weekday(), (today - timedelta(weeks=6)).weekday(), next_date(today, 1, 17).weekday()} <= {5, 6}
        days = [event.starts_at.astimezone(BERLIN).date() for event in load_demo()]
        db.session.rollback()
    assert all(day.weekday() < 5 for day in days), days
    assert (today - timedelta(weeks=6)) - days[0] <= timedelta(days=2) and days[1] > today


def test_the_demo_door_login_scans_at_the_upcoming_info_day(app, client):
    with app.app_context():
        events = load_demo()
        db.session.commit()
        upcoming = events[1]
        doors = db.session.execute(select(Door.id, Door.name).where(Door.event_id == upcoming.id)).all()
        codes = [r.active_ticket.code for r in db.session.execute(
            select(Registration).where(Registration.event_id == upcoming.id)).scalars()]
        other_door = db.session.execute(select(Door.id).where(Door.event_id == events[0].id)).scalars().first()
    assert len(doors) == 2 and len(codes) == 6
    door_account = next(account for account in DEMO_ACCOUNTS if account.role == "door")
    assert login(client, User(email=door_account.email), door_account.password).location.endswith("/door")
    home = client.get("/door").get_data(as_text=True)
    assert all(name in home for _, name in doors) and "2. Infotag Digitalisierung" in home
    assert client.get(f"/door/{doors[0].id}/scan").status_code == 200
    assert scan(client, doors[0].id, codes[0])["verdict"] == "valid"
    assert scan(client, doors[1].id, codes[0])["verdict"] == "already_checked_in"
    assert client.get(f"/door/{other_door}/scan").status_code == 403  # assigned to the upcoming day only
