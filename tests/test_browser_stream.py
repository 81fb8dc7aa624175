"""The watch page in real Chromium: a test HLS stream served here plays, the viewer is counted, then gone."""
import threading
import time
from datetime import timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tracker.events.models import Event
from tracker.extensions import db
from tracker.invitees.links import personal_url
from tracker.stream.figures import stream_figures

from .conftest import PHONE, check_axe, screenshot
from .factories import make_event, make_invitee, make_registration
from .support.hls import playlist, segment

pytestmark = pytest.mark.browser

SEGMENTS = 40
FRAMES_PER_SEGMENT = 77  # about 2 seconds of silent MP3 per segment


class _HlsHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.rsplit("/", 1)[-1]
        if name == "index.m3u8":
            body, kind = playlist(SEGMENTS, FRAMES_PER_SEGMENT).encode(), "application/vnd.apple.mpegurl"
        elif name.endswith(".ts") and name[:-3].isdigit() and int(name[:-3]) < SEGMENTS:
            body, kind = segment(int(name[:-3]), FRAMES_PER_SEGMENT), "video/mp2t"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def hls_stream():
    """The address of a small HLS stream served on a free loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HlsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/live/index.m3u8"
    server.shutdown()
    thread.join(5)


def _figures(app, event_id):
    with app.app_context():
        return stream_figures(db.session.get(Event, event_id))


def _wait_for(app, event_id, check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        result = _figures(app, event_id)
        if check(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def _live_event(app, stream_url, **fields):
    with app.app_context():
        event = make_event(starts_in=timedelta(minutes=-5), stream_kind="hls", stream_url=stream_url,
                           agenda="09:00 Begrüßung\n09:15 Digitale Verwaltung", **fields)
        invitee = make_invitee(event)
        make_registration(invitee, mode="stream")
        url = personal_url(invitee, "/watch")
        db.session.commit()
        return event.id, url


def _play(page):
    page.locator("h1").click()  # a user gesture, so the browser lets the video play
    page.evaluate("() => document.getElementById('player-video').play()")


def test_invitee_watches_the_hls_stream_is_counted_and_gone_after_closing(live_server, new_page, hls_stream):
    live_server.app.config["STREAM_HEARTBEAT_SECONDS"] = 1
    event_id, url = _live_event(live_server.app, hls_stream)
    page = new_page()
    page.goto(url)
    assert page.locator("[data-heartbeat-seconds]").get_attribute("data-heartbeat-seconds") == "1"
    check_axe(page, "watch page, live")
    assert _figures(live_server.app, event_id).watching_now == 0  # the page alone does not count: it must play
    _play(page)
    counted = _wait_for(live_server.app, event_id, lambda f: f.watching_now == 1)
    assert (counted.watching_now, counted.unique_viewers) == (1, 1)
    page.wait_for_function("() => document.getElementById('player-video').currentTime > 0")  # it really plays
    screenshot(page, "stream-watch-desktop")
    page.close(run_before_unload=True)
    gone = _wait_for(live_server.app, event_id, lambda f: f.watching_now == 0, timeout=10)
    assert gone.watching_now == 0 and gone.unique_viewers == 1  # the goodbye beacon, well before 90 s


def test_hls_js_plays_where_the_browser_lacks_native_hls(live_server, new_page, hls_stream):
    live_server.app.config["STREAM_HEARTBEAT_SECONDS"] = 1
    event_id, url = _live_event(live_server.app, hls_stream)
    page = new_page(**PHONE)
    page.add_init_script(
        "HTMLMediaElement.prototype.canPlayType = function (type) { return /mpegurl/i.test(type) ? '' : 'maybe'; };"
    )
    scripts = []
    page.on("request", lambda request: scripts.append(request.url) if request.url.endswith(".js") else None)
    page.goto(url)
    _play(page)
    assert _wait_for(live_server.app, event_id, lambda f: f.watching_now == 1).watching_now == 1
    assert any(script.endswith("/vendor/hls.js/hls.min.js") for script in scripts)
    check_axe(page, "watch page, phone")
    screenshot(page, "stream-watch-phone")


def test_the_public_watch_page_stores_nothing_on_the_device(live_server, new_page, hls_stream):
    """No identifier is kept in the browser (that would need consent, TDDDG section 25): each open page is a
    viewer of its own."""
    live_server.app.config["STREAM_HEARTBEAT_SECONDS"] = 1
    event_id, _ = _live_event(live_server.app, hls_stream, public_stream=True)
    with live_server.app.app_context():
        public_url = f"{live_server.url}/live/{db.session.get(Event, event_id).public_token}"
    first = new_page()
    first.goto(public_url)
    _play(first)
    assert _wait_for(live_server.app, event_id, lambda f: f.watching_now == 1).watching_now == 1
    second = first.context.new_page()
    second.goto(public_url)
    _play(second)
    result = _wait_for(live_server.app, event_id, lambda f: f.watching_now == 2)
    assert (result.watching_now, result.unique_viewers, result.anonymous_viewers) == (2, 2, 2)
    for page in (first, second):
        assert page.evaluate("[localStorage.length, sessionStorage.length, document.cookie]") == [0, 0, ""]
    check_axe(second, "public watch page")


def test_countdown_and_agenda_before_the_start(live_server, new_page):
    with live_server.app.app_context():
        event = make_event(starts_in=timedelta(days=2, hours=1, minutes=30), agenda="09:00 Begrüßung\n09:15 Digitale Verwaltung")
        invitee = make_invitee(event)
        make_registration(invitee, mode="hall")
        url = personal_url(invitee, "/watch")
        db.session.commit()
    for options, name in (({}, "stream-countdown-desktop"), (PHONE, "stream-countdown-phone")):
        page = new_page(**options)
        page.goto(url)
        page.wait_for_function("() => /Tage/.test(document.getElementById('countdown').textContent)")
        assert "2 Tage, 1 Stunde, 29 Minuten" in page.get_by_role("timer").inner_text()
        assert "Digitale Verwaltung" in page.locator(".agenda").inner_text()
        assert page.locator("video, iframe").count() == 0
        check_axe(page, "watch page before the start")
        screenshot(page, name)


def test_people_without_a_stream_place_get_a_clear_message(live_server, new_page):
    with live_server.app.app_context():
        event = make_event(starts_in=timedelta(minutes=-5))
        invitee = make_invitee(event)
        make_registration(invitee, mode="hall", status="declined")
        url = personal_url(invitee, "/watch")
        db.session.commit()
    page = new_page(**PHONE)
    page.goto(url)
    assert "Sie haben derzeit keine solche Anmeldung" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Zu Ihrer Anmeldung").get_attribute("href").endswith("/t/" + url.split("/t/")[1].split("/")[0])
    check_axe(page, "watch page refused")
    screenshot(page, "stream-refused-phone")
    page.goto(live_server.url + "/t/no-such-token/watch")
    assert "Dieser Link ist nicht gültig" in page.locator("h1").inner_text()
    check_axe(page, "watch page with a bad link")


def test_after_cancelling_in_another_tab_the_watch_page_stops_counting_and_links_back(live_server, new_page, hls_stream):
    live_server.app.config["STREAM_HEARTBEAT_SECONDS"] = 1
    event_id, url = _live_event(live_server.app, hls_stream)
    watching = new_page()
    watching.goto(url)
    notice = watching.locator("#watch-stopped")
    assert notice.is_hidden()
    _play(watching)
    assert _wait_for(live_server.app, event_id, lambda f: f.watching_now == 1).watching_now == 1

    personal_page = watching.context.new_page()
    personal_page.goto(url.removesuffix("/watch"))
    personal_page.get_by_text("Meine Anmeldung stornieren", exact=True).click()
    personal_page.get_by_role("button", name="Ja, Anmeldung stornieren").click()
    personal_page.wait_for_load_state()
    # The cancellation's request may still be on its way when the click returns: wait for it, not for 90 s.
    assert _wait_for(live_server.app, event_id, lambda f: f.watching_now == 0).watching_now == 0

    notice.wait_for(state="visible", timeout=10_000)
    assert notice.get_attribute("role") == "alert"
    assert "nicht mehr als Zuschauer*in" in notice.inner_text()
    link = notice.get_by_role("link", name="Auf Ihrer Anmeldeseite wieder anmelden")
    assert link.get_attribute("href") == "/t/" + url.split("/t/")[1].removesuffix("/watch")
    refused = []
    watching.on("response", lambda response: refused.append(response.status) if "heartbeat" in response.url else None)
    watching.wait_for_timeout(2500)
    assert refused == [], "no heartbeats after the refusal"
    assert _figures(live_server.app, event_id).watching_now == 0
    check_axe(watching, "watch page after a cancellation")
    screenshot(watching, "stream-stopped-desktop")
    link.click()
    watching.wait_for_url(url.removesuffix("/watch"))
    assert "stornier" in watching.locator("main").inner_text()
