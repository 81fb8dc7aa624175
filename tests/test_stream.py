"""Livestream: watch pages, heartbeat API, presence (database and Redis), figures and retention, in controlled time."""
import json
import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import delete, func, select

from tracker.checkin.models import CheckIn
from tracker.events.models import Event
from tracker.extensions import db
from tracker.invitees.models import Invitee
from tracker.invitees.links import personal_token
from tracker.stream.figures import GroupFigures, stream_figures
from tracker.stream.models import StreamFigureSnapshot, ViewerMinute
from tracker.stream.presence import presence_store
from tracker.stream.viewers import issue_token

from .factories import make_event, make_group, make_invitee, make_registration

START = datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc)
END = START + timedelta(hours=2)
REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL")


@pytest.fixture(params=["database", "redis"])
def stream_app(request, app_factory):
    """The app with presence in the database, and again with Redis in front (when TRACKER_TEST_REDIS_URL is set)."""
    if request.param == "database":
        yield app_factory()
        return
    if not REDIS_URL:
        pytest.skip("Redis not configured: set TRACKER_TEST_REDIS_URL=redis://127.0.0.1:6379/15 (CI does)")
    prefix = f"test:{uuid.uuid4().hex}:"
    app = app_factory(REDIS_URL=REDIS_URL, STREAM_REDIS_PREFIX=prefix)
    yield app
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(prefix + "*"))
    if keys:
        client.delete(*keys)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def beat(client, token, url="/api/stream/heartbeat"):
    return client.post(url, data=json.dumps({"viewer": token}), content_type="application/json")


def watch(client, token, minutes: range, seconds=(5, 35), tabs: int = 1):
    """Heartbeats every 30 s (twice a minute) from `tabs` tabs during the given minutes after the start."""
    for minute in minutes:
        for second in seconds:
            with time_machine.travel(at(minute) + timedelta(seconds=second), tick=False):
                for _ in range(tabs):
                    assert beat(client, token).status_code == 204


def make_stream_event(**fields):
    values = dict(starts_at=START, ends_at=END, agenda="09:00 Begrüßung\n09:15 Digitale Verwaltung", online_threshold_minutes=10)
    values.update(fields)
    return make_event(**values)


def registered(event, mode="stream", group=None, **fields):
    invitee = make_invitee(event, group=group)
    make_registration(invitee, mode=mode, **fields)
    return invitee


# --- Watch pages ------------------------------------------------------------------------------------


def test_watch_page_shows_countdown_then_player_then_thanks(app, client):
    with app.app_context():
        event = make_stream_event(recording_url="https://video.example.org/aufzeichnung")
        token = personal_token(registered(event))
        db.session.commit()
    with time_machine.travel(START - timedelta(days=1), tick=False):
        page = client.get(f"/t/{token}/watch")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "Der Livestream beginnt bald" in html and 'role="timer"' in html and "Digitale Verwaltung" in html
    assert "<iframe" not in html and "Was wir messen" in html
    assert 'data-heartbeat-seconds="30"' in html
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        html = client.get(f"/t/{token}/watch").get_data(as_text=True)
    assert '<iframe src="https://stream.example.org/embed/infotag"' in html and 'data-phase="live"' in html
    assert 'role="timer"' not in html
    with time_machine.travel(END + timedelta(hours=1), tick=False):
        html = client.get(f"/t/{token}/watch").get_data(as_text=True)
    assert "Vielen Dank fürs Zuschauen" in html and "https://video.example.org/aufzeichnung" in html
    assert "<iframe" not in html


def test_hls_stream_gets_a_video_element_and_a_settable_interval(app_factory):
    app = app_factory(STREAM_HEARTBEAT_SECONDS=2)
    client = app.test_client()
    with app.app_context():
        event = make_stream_event(stream_kind="hls", stream_url="https://cdn.example.org/live/index.m3u8")
        token = personal_token(registered(event))
        db.session.commit()
    with time_machine.travel(at(1), tick=False):
        html = client.get(f"/t/{token}/watch").get_data(as_text=True)
    assert '<video class="player__video"' in html and 'data-heartbeat-seconds="2"' in html
    assert 'data-stream-url="https://cdn.example.org/live/index.m3u8"' in html and "vendor/hls.js/hls.min.js" in html


@pytest.mark.parametrize(
    "mode, status, fields, allowed",
    [
        ("stream", "confirmed", {}, True),
        ("hall", "confirmed", {}, True),
        ("hall", "waiting", {"stream_while_waiting": True}, True),
        ("hall", "waiting", {}, False),
        ("stream", "cancelled", {}, False),
        ("hall", "declined", {}, False),
    ],
)
def test_who_may_watch(app, client, mode, status, fields, allowed):
    with app.app_context():
        event = make_stream_event()
        invitee = make_invitee(event)
        make_registration(invitee, mode=mode, status=status, **fields)
        token = personal_token(invitee)
        db.session.commit()
    with time_machine.travel(at(1), tick=False):
        page = client.get(f"/t/{token}/watch")
    html = page.get_data(as_text=True)
    assert page.status_code == (200 if allowed else 403)
    assert ("<iframe" in html) is allowed
    assert ("Sie haben derzeit keine solche Anmeldung" in html) is not allowed


def test_watch_page_without_registration_or_stream_explains(app, client):
    with app.app_context():
        event = make_stream_event()
        unregistered = personal_token(make_invitee(event))
        no_stream_event = make_stream_event(livestream=False)
        no_stream = personal_token(registered(no_stream_event))
        db.session.commit()
    for token, message in ((unregistered, "keine solche Anmeldung"), (no_stream, "Diese Veranstaltung hat keinen Livestream.")):
        page = client.get(f"/t/{token}/watch")
        assert page.status_code == 403 and message in page.get_data(as_text=True)
        assert page.headers["Referrer-Policy"] == "no-referrer"


def test_bad_personal_token_gets_a_friendly_404(client):
    page = client.get("/t/not-a-real-token/watch")
    assert page.status_code == 404 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "Dieser Link ist nicht gültig" in page.get_data(as_text=True)


def test_public_watch_page_only_when_the_event_allows_it(app, client):
    with app.app_context():
        closed = make_stream_event()
        open_event = make_stream_event(public_stream=True)
        db.session.commit()
    with time_machine.travel(at(1), tick=False):
        assert client.get(f"/live/{closed.public_token}").status_code == 404
        assert client.get("/live/unknown").status_code == 404
        page = client.get(f"/live/{open_event.public_token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "in Ihrem Browser wird nichts gespeichert" in html and "<iframe" in html


# --- Heartbeat API ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        (b"not json", "JSON-Objekt"),
        (b"[1, 2]", "JSON-Objekt"),
        (b"{}", "Zuschauer-Kennung fehlt oder ist ungültig"),
        (b'{"viewer": 42}', "Zuschauer-Kennung fehlt oder ist ungültig"),
        (b'{"viewer": "forged.token"}', "Zuschauer-Kennung fehlt oder ist ungültig"),
        (b'{"viewer": "' + b"x" * 2000 + b'"}', "zu groß"),
    ],
)
def test_bad_heartbeats_get_a_clear_400_and_store_nothing(app, client, body, message):
    for url in ("/api/stream/heartbeat", "/api/stream/goodbye"):
        with time_machine.travel(at(1), tick=False):
            response = client.post(url, data=body, content_type="text/plain")
        assert response.status_code == 400
        assert message in response.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ViewerMinute)) == 0


def test_token_of_another_app_key_is_refused(app_factory):
    other = app_factory(SECRET_KEY="another-secret-key-" + "y" * 32)
    app = app_factory()
    with other.app_context():
        event = make_stream_event()
        db.session.commit()
        forged = issue_token(event)
    with time_machine.travel(at(1), tick=False):
        assert beat(app.test_client(), forged).status_code == 400


def test_heartbeats_outside_the_stream_window_are_refused(app, client):
    with app.app_context():
        event = make_stream_event()
        token = issue_token(event)
        db.session.commit()
    for moment in (START - timedelta(minutes=16), END + timedelta(minutes=31)):
        with time_machine.travel(moment, tick=False):
            response = beat(client, token)
        assert response.status_code == 400 and "läuft gerade nicht" in response.get_json()["error"]
    with time_machine.travel(START - timedelta(minutes=14), tick=False):
        assert beat(client, token).status_code == 204


def test_heartbeat_sent_as_beacon_text_is_accepted(app, client):
    with app.app_context():
        event = make_stream_event()
        token = issue_token(event)
        db.session.commit()
    with time_machine.travel(at(1), tick=False):
        response = client.post("/api/stream/heartbeat", data=json.dumps({"viewer": token}), content_type="text/plain;charset=UTF-8")
    assert response.status_code == 204
    assert "Set-Cookie" not in response.headers


# --- Presence and figures, on both databases and both stores -------------------------------------------


def figures(app, event_id, moment):
    with app.app_context(), time_machine.travel(moment, tick=False):
        return stream_figures(db.session.get(Event, event_id))


def one_invitee_viewer(app):
    """A test client, a live event and the viewer token of one invitee registered for its stream."""
    with app.app_context():
        event = make_stream_event()
        token = issue_token(event, registered(event).id)
        db.session.commit()
    return app.test_client(), event, token


def test_watching_now_expires_90_seconds_after_the_last_heartbeat(stream_app):
    client, event, token = one_invitee_viewer(stream_app)
    with time_machine.travel(at(3), tick=False):
        assert beat(client, token).status_code == 204
    assert figures(stream_app, event.id, at(3) + timedelta(seconds=89)).watching_now == 1
    assert figures(stream_app, event.id, at(3) + timedelta(seconds=90)).watching_now == 1
    assert figures(stream_app, event.id, at(3) + timedelta(seconds=91)).watching_now == 0
    assert figures(stream_app, event.id, at(3) + timedelta(seconds=91)).unique_viewers == 1


def test_several_tabs_and_duplicate_heartbeats_are_one_viewer_one_row_per_minute(stream_app):
    client, event, token = one_invitee_viewer(stream_app)
    watch(client, token, range(0, 4), seconds=(5, 6, 35, 36), tabs=3)
    result = figures(stream_app, event.id, at(3) + timedelta(seconds=40))
    assert (result.watching_now, result.unique_viewers, result.total_minutes) == (1, 1, 4)
    assert [viewers for _, viewers in result.per_minute] == [1, 1, 1, 1]
    with stream_app.app_context():
        presence_store().flush()
        assert db.session.scalar(select(func.count()).select_from(ViewerMinute)) == 4


def test_database_presence_rewrites_the_minute_row_only_when_last_seen_moves_forward(app):
    """A late heartbeat of another tab never moves last-seen back; a heartbeat after a goodbye brings the viewer back."""
    client, event, token = one_invitee_viewer(app)

    def last_seen():
        with app.app_context():
            return db.session.scalars(select(ViewerMinute.last_seen_at)).all()

    for second in (35, 20, 35):  # the second tab's heartbeat of :20 arrives late, then a duplicate of :35
        with time_machine.travel(at(1) + timedelta(seconds=second), tick=False):
            assert beat(client, token).status_code == 204
    assert last_seen() == [at(1) + timedelta(seconds=35)]
    with time_machine.travel(at(1) + timedelta(seconds=40), tick=False):
        assert beat(client, token, "/api/stream/goodbye").status_code == 204
    assert last_seen() == [None]
    with time_machine.travel(at(1) + timedelta(seconds=38), tick=False):  # the other tab, still open
        assert beat(client, token).status_code == 204
    assert last_seen() == [at(1) + timedelta(seconds=38)]
    assert figures(app, event.id, at(1) + timedelta(seconds=45)).watching_now == 1


def test_goodbye_ends_watching_now_at_once_but_keeps_the_minutes(stream_app):
    client = stream_app.test_client()
    with stream_app.app_context():
        event = make_stream_event()
        tokens = [issue_token(event, registered(event).id), issue_token(event)]
        db.session.commit()
    watch(client, tokens[0], range(0, 2))
    watch(client, tokens[1], range(0, 2))
    assert figures(stream_app, event.id, at(1) + timedelta(seconds=40)).watching_now == 2
    with time_machine.travel(at(1) + timedelta(seconds=45), tick=False):
        assert beat(client, tokens[1], "/api/stream/goodbye").status_code == 204
    result = figures(stream_app, event.id, at(1) + timedelta(seconds=46))
    assert (result.watching_now, result.unique_viewers, result.total_minutes) == (1, 2, 4)


def test_every_figure_with_groups_hall_guests_and_anonymous_viewers(stream_app):
    client = stream_app.test_client()
    with stream_app.app_context():
        event = make_stream_event(online_threshold_minutes=10)
        council = make_group(event, "Stadtrat")
        staff = make_group(event, "Beschäftigte")
        online_council = registered(event, group=council)                  # 12 minutes: followed online
        hall_stayed_home = registered(event, mode="hall", group=staff)     # 10 minutes, no check-in
        hall_and_online = registered(event, mode="hall", group=staff)      # 15 minutes and checked in
        short_visit = registered(event)                                    # 3 minutes, no group
        registration = make_registration(make_invitee(event), mode="hall")
        db.session.add(CheckIn(event_id=event.id, registration_id=hall_and_online.registration.id))
        db.session.add(CheckIn(event_id=event.id, registration_id=registration.id, reverted_at=START))
        tokens = {
            "council": issue_token(event, online_council.id),
            "home": issue_token(event, hall_stayed_home.id),
            "both": issue_token(event, hall_and_online.id),
            "short": issue_token(event, short_visit.id),
            "anonymous_long": issue_token(event),
            "anonymous_short": issue_token(event),
        }
        db.session.commit()
    watch(client, tokens["council"], range(0, 12), tabs=2)
    watch(client, tokens["home"], range(5, 15))
    watch(client, tokens["both"], range(0, 15))
    watch(client, tokens["short"], range(1, 4))
    watch(client, tokens["anonymous_long"], range(2, 13))
    watch(client, tokens["anonymous_short"], range(14, 16))

    result = figures(stream_app, event.id, at(15) + timedelta(seconds=50))
    assert result.watching_now == 3  # last heartbeats at 14:35 (two invitees) and 15:35 (anonymous)
    assert figures(stream_app, event.id, at(16) + timedelta(seconds=10)).watching_now == 1
    assert result.unique_viewers == 6
    assert result.followed_online == 3, "the hall guest who watched as well counts in the hall only"
    assert result.total_minutes == 12 + 10 + 15 + 3 + 11 + 2
    assert result.average_minutes == round(53 / 6, 1)
    assert result.median_minutes == 10.5  # of 2, 3, 10, 11, 12, 15
    per_minute = dict(result.per_minute)
    assert per_minute[at(0)] == 2 and per_minute[at(5)] == 4 and per_minute[at(2)] == 4 and per_minute[at(14)] == 3 and per_minute[at(15)] == 1
    assert len(result.per_minute) == 16
    assert (result.peak_concurrent, result.peak_at) == (4, at(2))
    assert result.per_group == {council.id: GroupFigures(1, 1), staff.id: GroupFigures(2, 1), None: GroupFigures(1, 0)}
    assert (result.anonymous_viewers, result.anonymous_followed_online) == (2, 1)
    assert result.hall_registered_watched_online == 1
    assert result.both == 1


def test_figures_without_viewers_are_zero(stream_app):
    with stream_app.app_context():
        event = make_stream_event()
        db.session.commit()
    result = figures(stream_app, event.id, at(5))
    assert (result.unique_viewers, result.peak_concurrent, result.peak_at, result.median_minutes) == (0, 0, None, 0.0)
    assert result.per_minute == [] and result.per_group == {}


def test_retention_deletes_minutes_and_keeps_the_same_totals(stream_app):
    client = stream_app.test_client()
    runner = stream_app.test_cli_runner()
    with stream_app.app_context():
        event = make_stream_event()
        group = make_group(event, "Stadtrat")
        token = issue_token(event, registered(event, group=group).id)
        anonymous = issue_token(event)
        later_event = make_stream_event(starts_at=START + timedelta(days=20), ends_at=END + timedelta(days=20))
        later = issue_token(later_event)
        db.session.commit()
    watch(client, token, range(0, 11))
    watch(client, anonymous, range(3, 5))
    with time_machine.travel(later_event.starts_at + timedelta(minutes=1), tick=False):
        assert beat(client, later).status_code == 204
    before = figures(stream_app, event.id, END + timedelta(days=1))

    with time_machine.travel(END + timedelta(days=29), tick=False):
        result = runner.invoke(args=["stream", "purge"])
    assert "No event ended more than 30 days ago" in result.output
    with time_machine.travel(END + timedelta(days=31), tick=False):
        result = runner.invoke(args=["stream", "purge"])
    assert result.exit_code == 0 and f"1 event(s) ended more than 30 days ago: {event.id}." in result.output

    with stream_app.app_context():
        assert db.session.scalar(select(func.count()).where(ViewerMinute.event_id == event.id)) == 0
        assert db.session.scalar(select(func.count()).where(ViewerMinute.event_id == later_event.id)) == 1
        assert db.session.get(StreamFigureSnapshot, event.id) is not None
    after = figures(stream_app, event.id, END + timedelta(days=31))
    assert after.from_snapshot and not before.from_snapshot
    for name in ("unique_viewers", "followed_online", "peak_concurrent", "peak_at", "total_minutes", "average_minutes",
                 "median_minutes", "per_minute", "per_group", "anonymous_viewers", "hall_registered_watched_online", "both"):
        assert getattr(after, name) == getattr(before, name), name
    assert after.per_group == {group.id: GroupFigures(1, 1)}


def test_concurrent_heartbeats_from_two_workers_make_one_row(stream_app, app_factory):
    """Tabs of one person hitting two workers at the same moment: the primary key keeps one row per minute."""
    from concurrent.futures import ThreadPoolExecutor

    other_worker = app_factory(**{key: stream_app.config[key] for key in ("REDIS_URL", "STREAM_REDIS_PREFIX")
                                  if key in stream_app.config})
    _, event, token = one_invitee_viewer(stream_app)
    clients = [stream_app.test_client(), other_worker.test_client()]
    with time_machine.travel(at(2) + timedelta(seconds=10), tick=False):
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda n: beat(clients[n % 2], token).status_code, range(40)))
    assert statuses == [204] * 40
    result = figures(stream_app, event.id, at(2) + timedelta(seconds=20))
    assert (result.watching_now, result.unique_viewers, result.total_minutes) == (1, 1, 1)
    with stream_app.app_context():
        presence_store().flush()
        assert db.session.scalar(select(func.count()).select_from(ViewerMinute)) == 1


def test_queued_minutes_of_a_deleted_invitee_still_count_without_the_person(stream_app):
    """An invitee deleted between heartbeat and flush (e.g. on request): the minutes stay, the link to them goes."""
    client, event, token = one_invitee_viewer(stream_app)
    watch(client, token, range(0, 2))
    with stream_app.app_context():
        db.session.execute(delete(Invitee).where(Invitee.event_id == event.id))
        db.session.commit()
    result = figures(stream_app, event.id, at(1) + timedelta(seconds=40))
    assert (result.unique_viewers, result.total_minutes, result.per_group) == (1, 2, {})
    with stream_app.app_context():
        presence_store().flush()
        assert db.session.scalar(select(func.count()).where(ViewerMinute.invitee_id.is_(None))) == 2


def test_flush_command_writes_what_redis_queued(stream_app):
    client, event, token = one_invitee_viewer(stream_app)
    with stream_app.app_context():
        anonymous = issue_token(db.session.get(Event, event.id))
    watch(client, token, range(0, 1))  # the minute's first heartbeat also writes what is queued so far
    watch(client, anonymous, range(0, 1))  # queued until the next minute's first heartbeat, or the command
    result = stream_app.test_cli_runner().invoke(args=["stream", "flush"])
    queued = 1 if stream_app.config.get("REDIS_URL") else 0  # without Redis every heartbeat is written at once
    assert result.exit_code == 0 and f"Wrote {queued} queued viewer minutes." in result.output
    with stream_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ViewerMinute)) == 2
