"""Dashboard figures against a scenario with known answers, the shared cache and its query count, access rules."""
import json
import os
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import event as sa_event
from sqlalchemy import insert

from tracker.checkin.models import CheckIn, Door
from tracker.dashboard.cache import current_figures
from tracker.dashboard.figures import compute_figures
from tracker.dashboard.models import FigureCache
from tracker.events.models import Event
from tracker.extensions import db
from tracker.stream.models import ViewerMinute

from .conftest import login
from .factories import make_event, make_group, make_invitee, make_registration, make_user

START = datetime(2026, 10, 15, 8, 0, tzinfo=timezone.utc)
END = START + timedelta(hours=3)
REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL")
GROUPS = ("Stadtrat", "Referats- und Betriebsleitungen", "Beschäftigte", "Referent*innen")


@dataclass
class Scenario:
    """What was built, tallied while building: the answers the figures must give."""

    event_id: int
    group_ids: dict[str, int]
    expected: dict[str, Counter] = field(default_factory=lambda: {name: Counter() for name in GROUPS})
    arrivals: Counter = field(default_factory=Counter)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def watch(event_id: int, viewer_key: str, invitee_id: int | None, first: int, minutes: int) -> None:
    db.session.execute(
        insert(ViewerMinute),
        [{"event_id": event_id, "viewer_key": viewer_key, "invitee_id": invitee_id, "minute": at(first + m)}
         for m in range(minutes)],
    )


def check_in(registration, door, minutes: float, checked_out: bool = False, reverted: bool = False) -> CheckIn:
    checkin = CheckIn(
        event_id=registration.event_id, registration_id=registration.id, door_id=door.id,
        checked_in_at=at(minutes),
        checked_out_at=at(minutes + 90) if checked_out else None,
        reverted_at=at(minutes + 1) if reverted else None,
    )
    db.session.add(checkin)
    return checkin


def build_scenario(hall_capacity: int = 150) -> Scenario:
    """240 invitees in four groups: 130 checked in (5 of them online too), 70 more online, no-shows and the rest.

    - hall: 140 confirmed; 130 checked in (2 checked out again, 5 also watched 15 minutes);
      10 no-shows (one with a reverted check-in, 3 watched 30 minutes instead)
    - livestream: 80 confirmed; 66 watched 10 to 75 minutes, 8 watched 5 minutes, 6 never came
    - 1 anonymous viewer watched 20 minutes and 1 watched 3 minutes
    - 4 on the waiting list, 6 declined, 3 cancelled, 7 did not answer; 2 self-registered (not invited)
    """
    event = make_event(starts_at=START, ends_at=END, hall_capacity=hall_capacity, checkout_enabled=True,
                       online_threshold_minutes=10, starts_in=timedelta(0))
    groups = {name: make_group(event, name, reserved_seats=20 if name == "Stadtrat" else None, position=i)
              for i, name in enumerate(GROUPS)}
    north = Door(event_id=event.id, name="Eingang Nord")
    db.session.add(north)
    db.session.flush()
    scenario = Scenario(event.id, {name: group.id for name, group in groups.items()})
    sequence = iter(range(10_000))

    def person(kind: str, mode=None, status=None, invited=True, **fields):
        number = next(sequence)
        name = GROUPS[number % 4]
        invitee = make_invitee(event, group=groups[name], name=f"{kind.title()} {number:03d}", unit=f"Referat {number % 7}")
        invitee.invited_at = START - timedelta(days=30) if invited else None
        tally = scenario.expected[name]
        tally["invitees"] += 1
        tally["invited"] += invited
        registration = None
        if status:
            registration = make_registration(invitee, mode=mode, status=status, **fields)
        else:
            tally["not_answered"] += 1
        return name, invitee, registration, tally

    for number in range(140):
        name, invitee, registration, tally = person("hall", "hall", "confirmed")
        tally["hall"] += 1
        if number < 130:
            minute = -45 + (number * 65) // 130
            check_in(registration, north, minute, checked_out=number < 2)
            scenario.arrivals[int(at(minute).timestamp()) // 60] += 1
            tally["present"] += 1
            tally["inside"] += number >= 2
            if number >= 125:  # watched as well: counted as present, not as followed online
                watch(event.id, f"i{invitee.id}", invitee.id, 30, 15)
                tally["viewers"] += 1
        else:
            tally["not_arrived"] += 1
            if number == 130:
                check_in(registration, north, -10, reverted=True)
            if number >= 137:
                watch(event.id, f"i{invitee.id}", invitee.id, 0, 30)
                tally["viewers"] += 1
                tally["followed_online"] += 1
    for number in range(80):
        name, invitee, registration, tally = person("online", "stream", "confirmed", invited=number >= 2)
        tally["stream"] += 1
        if number < 66:
            watch(event.id, f"i{invitee.id}", invitee.id, number % 20, 10 + number % 66)
            tally["viewers"] += 1
            tally["followed_online"] += 1
        elif number < 74:
            watch(event.id, f"i{invitee.id}", invitee.id, 40, 5)
            tally["viewers"] += 1
    for _ in range(4):
        _name, _invitee, _registration, tally = person("waiting", "hall", "waiting", waiting_since=START - timedelta(days=3))
        tally["waiting"] += 1
    for _ in range(6):
        _name, _invitee, _registration, tally = person("declined", None, "declined")
        tally["declined"] += 1
    for _ in range(3):
        _name, _invitee, _registration, tally = person("cancelled", "hall", "cancelled", with_ticket=False)
        tally["cancelled"] += 1
    for _ in range(7):
        person("silent")
    watch(event.id, "a" + uuid.uuid4().hex[:12], None, 5, 20)
    watch(event.id, "a" + uuid.uuid4().hex[:12], None, 5, 3)
    db.session.flush()
    return scenario


def test_every_figure_against_the_scenario(app):
    with app.app_context():
        scenario = build_scenario()
        db.session.commit()
        figures = compute_figures(db.session.get(Event, scenario.event_id), at(60 * 4))
    totals = figures.totals
    assert (totals.invitees, totals.invited, totals.not_answered) == (240, 238, 7)
    assert (totals.hall, totals.stream, totals.waiting, totals.declined, totals.cancelled) == (140, 80, 4, 6, 3)
    assert (totals.present, totals.inside, totals.not_arrived) == (130, 128, 10)
    assert totals.no_show_rate == pytest.approx(10 / 140)
    assert figures.phase == "after" and figures.hall_capacity == 150 and figures.hall_free == 20
    assert (figures.unique_viewers, figures.anonymous_viewers) == (84, 2)
    assert (figures.followed_online, figures.both) == (70, 5)
    assert figures.hall_registered_watched_online == 3
    assert figures.reached == 200
    assert (totals.viewers, totals.followed_online) == (82, 69)
    anonymous_followed = figures.followed_online - totals.followed_online
    assert sum(g.counts.present + g.counts.followed_online for g in figures.groups) + anonymous_followed == 200, \
        "hall and online add up per group: nobody counted twice"
    assert sum(count for _minute, count in figures.arrivals) == 130
    assert dict(figures.arrivals) == dict(scenario.arrivals)
    assert figures.peak_viewers == max(count for _minute, count in figures.viewers_per_minute)
    by_group = {group.name: group.counts for group in figures.groups}
    assert list(by_group) == list(GROUPS)
    for name in GROUPS:
        expected = scenario.expected[name]
        counts = by_group[name]
        for figure in ("invitees", "invited", "not_answered", "hall", "stream", "waiting", "declined", "cancelled",
                       "present", "inside", "not_arrived", "viewers", "followed_online"):
            assert getattr(counts, figure) == expected[figure], (name, figure)


def test_figures_of_an_empty_event_are_zero(app):
    with app.app_context():
        event = make_event()
        figures = compute_figures(event)
    assert figures.phase == "before"
    assert figures.totals.invitees == figures.totals.present == figures.reached == 0
    assert figures.totals.no_show_rate is None
    assert figures.arrivals == [] and figures.viewers_per_minute == []


def test_figures_survive_the_cache_round_trip(app):
    from tracker.dashboard.figures import EventFigures

    with app.app_context():
        scenario = build_scenario()
        db.session.commit()
        figures = compute_figures(db.session.get(Event, scenario.event_id), at(300))
    assert EventFigures.from_dict(json.loads(json.dumps(figures.to_dict()))) == figures


# --- The shared cache and what 50 open dashboards cost -------------------------------------------------------------

FIGURE_TABLES = ("registrations", "checkins", "viewer_minutes", "invitees", "group_counters")


class StatementLog:
    """Every SQL statement the app's engine runs, for counting."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.statements: list[str] = []
        sa_event.listen(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)

    def aggregate(self) -> list[str]:
        """Statements that read the event's invitees, registrations, check-ins, counters or viewer minutes."""
        return [s for s in self.statements if s.lstrip().upper().startswith(("SELECT", "WITH"))
                and any(f" {table}" in s for table in FIGURE_TABLES)]

    def figures(self) -> list[str]:
        """The statements that compute the figures (one UNION ALL of every part)."""
        return [s for s in self.statements if "UNION ALL" in s and "FROM group_counters" in s]

    def computations(self) -> int:
        """How often the hall figures were computed (one read of the group counters each)."""
        return sum("FROM group_counters" in s for s in self.statements)

    def close(self):
        sa_event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture(params=["database", "redis"])
def cache_apps(request, app_factory):
    """Two apps on the same database, like two workers; the cache in the database or in Redis."""
    if request.param == "database":
        yield [app_factory(), app_factory()]
        return
    if not REDIS_URL:
        pytest.skip("Redis not configured: set TRACKER_TEST_REDIS_URL=redis://127.0.0.1:6379/15 (CI does)")
    prefix = f"test:{uuid.uuid4().hex}:"
    config = dict(REDIS_URL=REDIS_URL, STREAM_REDIS_PREFIX=prefix + "stream:", DASHBOARD_REDIS_PREFIX=prefix)
    yield [app_factory(**config), app_factory(**config)]
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(prefix + "*"))
    if keys:
        client.delete(*keys)


def test_fifty_open_dashboards_cost_one_computation_per_interval(cache_apps):
    first, second = cache_apps
    with first.app_context():
        organiser = make_user("organiser")
        scenario = build_scenario()
        db.session.commit()
        event = db.session.get(Event, scenario.event_id)
        log = StatementLog(first)
        compute_figures(event, at(300))
        one_computation = len(log.aggregate())
        assert len(log.figures()) == 1, "every figure of the dashboard comes from one aggregate statement"
        log.close()
    clients = []
    for app in (first, second):
        client = app.test_client()
        login(client, organiser)
        clients.append(client)
    url = f"/events/{scenario.event_id}/dashboard/figures"
    logs = [StatementLog(first), StatementLog(second)]
    try:
        moment = datetime.now(timezone.utc) + timedelta(minutes=1)
        for interval in range(3):
            with time_machine.travel(moment + timedelta(seconds=2 * interval), tick=False):
                for poll in range(50):
                    response = clients[poll % 2].get(url)
                    assert response.status_code == 200
                    assert response.get_json()["values"]["total.present"] == "130"
        computations = sum(log.computations() for log in logs)
        aggregate = sum(len(log.aggregate()) for log in logs)
        figure_statements = sum(len(log.figures()) for log in logs)
    finally:
        for log in logs:
            log.close()
    assert computations == 3, "one computation per event per 2-second interval, whoever polls"
    assert aggregate == 3 * one_computation and figure_statements == 3
    print(f"\n150 polls of 2 workers in 3 intervals: {computations} computations, "
          f"{figure_statements} figure statements, {aggregate} statements reading the figure tables "
          f"({one_computation} per computation: the figures, and the fold and watching now where they use SQL)")


def test_a_claimed_computation_is_not_repeated_by_other_workers(app):
    """While one worker computes, the others serve the previous figures instead of running the same queries."""
    with app.app_context():
        scenario = build_scenario()
        event = db.session.get(Event, scenario.event_id)
        old = compute_figures(event, at(-100))
        db.session.add(FigureCache(event_id=event.id, figures=json.dumps(old.to_dict()), computed_at=at(-100),
                                   refreshing_until=datetime.now(timezone.utc) + timedelta(seconds=15)))
        db.session.commit()
        log = StatementLog(app)
        served = current_figures(event)
        log.close()
        assert served.computed_at == at(-100)
        assert log.computations() == 0
        db.session.execute(db.update(FigureCache).values(refreshing_until=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
        assert current_figures(event).totals.present == 130, "an abandoned claim expires and the figures are renewed"


# --- Pages and access ---------------------------------------------------------------------------------------------

PAGES = ("/dashboard", "/dashboard/figures", "/report", "/report.pdf", "/exports/attendance.csv",
         "/exports/attendance.xlsx", "/exports/figures.json", "/copy")


@pytest.mark.parametrize("suffix", PAGES)
def test_only_organisers_see_dashboard_reports_and_exports(app, client, suffix):
    with app.app_context():
        event = make_event()
        door = make_user("door")
        db.session.commit()
    url = f"/events/{event.id}{suffix}"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, door)
    assert client.get(url).status_code == 403


def test_series_overview_is_for_organisers_only(app, client):
    with app.app_context():
        door = make_user("door")
        db.session.commit()
    assert client.get("/events/series").status_code == 302
    login(client, door)
    assert client.get("/events/series").status_code == 403


def test_unknown_event_is_a_friendly_404(app, client):
    with app.app_context():
        organiser = make_user()
        db.session.commit()
    login(client, organiser)
    response = client.get("/events/999/dashboard")
    assert response.status_code == 404
    assert "Diese Seite gibt es nicht" in response.get_data(as_text=True)
    assert client.get("/events/999/dashboard/figures", headers={"Accept": "application/json"}).get_json()["status"] == 404


def test_dashboard_page_shows_the_figures_in_german(app, client):
    with app.app_context():
        organiser = make_user()
        scenario = build_scenario()
        db.session.commit()
    login(client, organiser)
    page = client.get(f"/events/{scenario.event_id}/dashboard").get_data(as_text=True)
    assert "Anwesend im Sitzungssaal" in page
    assert 'data-figure="total.present">130<' in page
    assert page.count('data-figure="online.followed">70<') == 2, "the tile and the group table's total say the same"
    online_column = re.findall(r'data-figure="(group\.\d+|anonymous)\.followed_online">(\d+)<', page)
    assert sum(int(count) for _key, count in online_column) == 70 and ("anonymous", "1") in online_column
    assert 'data-figure="both">5<' in page and "Im Saal und zusätzlich online zugeschaut" in page
    assert "mindestens 10 Minuten, nicht im Saal" in page
    assert 'data-figure="reached">200<' in page
    assert "Nicht erschienen" in page
    assert "<svg" in page and "<title id=\"chart-arrivals-title\">" in page
    assert "<script>" not in page and "style=" not in page
