"""The info day of issue 14, end to end: every invitee in a group, 150 ask for the hall, the hall fills with 130
without anybody touching the release, the door admits them, 70 others follow the livestream, the dashboard adds up.

Most answers are posted over HTTP as a browser would (personal page, then the form with its CSRF token); a few
are clicked in Chromium, and a few tickets are typed by a hand scanner into the real scanner page.
"""
import http.client
import re
import threading
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from sqlalchemy import func, select, update

from tracker.checkin.devices import create_door
from tracker.checkin.staff import assign_staff
from tracker.database import utcnow
from tracker.events.models import Event
from tracker.extensions import db
from tracker.invitees.links import personal_token
from tracker.invitees.models import Invitee
from tracker.registration.models import Registration
from tracker.stream.viewers import issue_token

from .conftest import PHONE, check_axe, screenshot
from .factories import make_event, make_group, make_invitee, make_registration, make_user
from .test_browser_events import log_in
from .test_checkin_browser import log_in as door_log_in
from .test_dashboard_browser import figure

pytestmark = pytest.mark.browser

#: Group: (reserved seats, invitees, of them asking for the hall).
GROUPS = {
    "Stadtrat": (40, 60, 40),
    "Referats- und Betriebsleitungen": (15, 30, 15),
    "Referent*innen": (6, 10, 6),
    "Beschäftigte": (40, 200, 89),
}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class PersonalPages:
    """One invitee's browser talking HTTP: open the personal page, then send its form (cookies and CSRF token)."""

    def __init__(self, base_url: str):
        address = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)

    def answer(self, token: str, choice: str) -> str:
        self.connection.request("GET", f"/t/{token}")
        page = self.connection.getresponse()
        [cookie] = [value.split(";", 1)[0] for name, value in page.getheaders()
                    if name == "Set-Cookie" and value.startswith("session=")]
        csrf = CSRF.search(page.read().decode()).group(1)
        body = urlencode({"csrf_token": csrf, "choice": choice})
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        self.connection.request("POST", f"/t/{token}", body, headers)
        answer = self.connection.getresponse()
        answer.read()
        assert answer.status == 302 and answer.getheader("Location") == f"/t/{token}", answer.status
        return answer.getheader("Location")


def ask_over_http(base_url: str, tokens: list[str], threads: int = 4) -> None:
    """The answers of many invitees at about the same time, from a few connections at once."""
    chunks = [tokens[n::threads] for n in range(threads)]
    errors = []

    def send(chunk):
        pages = PersonalPages(base_url)
        try:
            for token in chunk:
                pages.answer(token, "hall")
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    workers = [threading.Thread(target=send, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert not errors, errors


def test_the_second_info_day_fills_the_hall_and_the_figures_add_up(live_server, new_page):
    app = live_server.app
    with app.app_context():
        event = make_event(title="2. Infotag Digitalisierung", hall_capacity=130, starts_in=timedelta(days=7),
                           online_threshold_minutes=5)
        event.quota_release_at = event.starts_at
        hall_tokens, others = [], []
        for position, (name, (reserved, invited, asking)) in enumerate(GROUPS.items()):
            group = make_group(event, name, reserved_seats=reserved, position=position)
            members = [make_invitee(event, group=group) for _ in range(invited)]
            hall_tokens += [personal_token(member) for member in members[:asking]]
            others += [member.id for member in members[asking:]]
        organiser = make_user("organiser", email="orga@muenchen.example")
        door_staff = make_user("door", name="Dora Door")
        door = create_door(event, "Eingang Nord")
        assign_staff(event, door_staff)
        db.session.commit()
        event_id, door_id = event.id, door.id
        assert db.session.scalar(select(func.count()).select_from(Invitee).where(Invitee.group_id.is_(None))) == 0

    organiser_page = new_page()
    log_in(organiser_page, live_server.url, organiser.email)
    organiser_page.goto(f"{live_server.url}/events/{event_id}/groups")
    rule = organiser_page.locator("#seat-rule").inner_text()
    assert rule.startswith("130 Plätze im Saal: 101 für Gruppen reserviert, 29 für alle frei; reservierte Plätze "
                           "werden bis zur Freigabe am ")
    check_axe(organiser_page, "groups page")
    screenshot(organiser_page, "seats-info-day-groups-desktop")

    # Invitees answer: a few in Chromium, clicking on their personal page; the rest over HTTP, four at a time.
    by_browser = [hall_tokens[0], hall_tokens[45], hall_tokens[-1]]
    for token in by_browser:
        invitee_page = new_page(**PHONE)
        invitee_page.goto(f"{live_server.url}/t/{token}")
        invitee_page.get_by_role("button", name="Platz im Sitzungssaal nehmen").click()
        invitee_page.get_by_text("Ihr Platz im Sitzungssaal ist bestätigt.").wait_for()
        invitee_page.context.close()
    ask_over_http(live_server.url, [token for token in hall_tokens if token not in by_browser])

    with app.app_context():
        states = dict(db.session.execute(
            select(Registration.status, func.count()).where(Registration.event_id == event_id)
            .group_by(Registration.status)
        ).all())
        assert states == {"confirmed": 130, "waiting": 20}
        assert db.session.get(Event, event_id).quota_release_at > utcnow(), "the release was not touched"
    organiser_page.goto(f"{live_server.url}/events/{event_id}/registration")
    assert "130 / 130" in organiser_page.inner_text(".cards")
    assert organiser_page.get_by_role("button", name="Freie Plätze aus der Warteliste besetzen").count() == 0
    check_axe(organiser_page, "registration tab, hall full")
    screenshot(organiser_page, "seats-registration-full-desktop")

    # The day comes: the event is live; 50 other invitees follow the livestream, 20 wait with it.
    with app.app_context():
        now = utcnow().replace(microsecond=0)
        starts_at = now - timedelta(minutes=30)
        db.session.execute(update(Event).where(Event.id == event_id).values(
            starts_at=starts_at, ends_at=now + timedelta(hours=3), quota_release_at=starts_at))
        for invitee_id in others[:50]:
            make_registration(db.session.get(Invitee, invitee_id), mode="stream")
        db.session.commit()
        codes = db.session.scalars(
            select(Registration).where(Registration.event_id == event_id, Registration.holds_hall_seat)
        ).all()
        codes = [registration.active_ticket.code for registration in codes]
        watching = db.session.scalars(select(Registration.invitee_id).where(
            Registration.event_id == event_id, ~Registration.holds_hall_seat)).all()
        hall_watching = db.session.scalars(select(Registration.invitee_id).where(
            Registration.event_id == event_id, Registration.holds_hall_seat).limit(3)).all()
        event = db.session.get(Event, event_id)
        viewers = [issue_token(event, invitee_id) for invitee_id in watching + hall_watching]
    assert len(codes) == 130 and len(watching) == 70

    scanner = new_page()
    door_log_in(scanner, live_server.url, door_staff)
    scanner.goto(f"{live_server.url}/door/{door_id}/scan")
    for code in codes[:3]:  # a hand scanner types the code and Enter into the scanner page
        scanner.get_by_label("Ticket-Code (Handscanner oder Tastatur)").focus()
        with scanner.expect_response("**/api/checkin/scan") as scanned:
            scanner.keyboard.type(code, delay=2)
            scanner.keyboard.press("Enter")
        assert scanned.value.json()["verdict"] == "valid"
    scanner.locator("#verdict.verdict--green").wait_for(state="visible")
    for number, code in enumerate(codes[3:]):
        response = scanner.request.post(
            f"{live_server.url}/api/checkin/scan", headers={"X-Tracker-Scanner": "1", "Content-Type": "application/json"},
            data={"door": door_id, "nonce": f"day-scan-{number:05d}", "code": code},
        )
        assert response.json()["verdict"] == "valid", response.json()

    # The livestream: every viewer's watch page beats once a minute for six minutes (in the event's time).
    heartbeats = app.test_client()
    for minute in range(6):
        with time_machine.travel(starts_at + timedelta(minutes=minute, seconds=10), tick=False):
            for viewer in viewers:
                reply = heartbeats.post("/api/stream/heartbeat", json={"viewer": viewer})
                assert reply.status_code == 204, reply.get_data(as_text=True)

    organiser_page.goto(f"{live_server.url}/events/{event_id}/dashboard")
    assert figure(organiser_page, "total.present").inner_text() == "130"
    assert figure(organiser_page, "reached").inner_text() == "200"
    screenshot(organiser_page, "seats-info-day-dashboard-desktop")
    # "online dabei": the people followed online who are not in the hall (issue 14, part 2)
    assert figure(organiser_page, "online.followed").inner_text() == "70"


def test_organiser_sets_a_group_maximum_on_the_group_form(live_server, new_page):
    with live_server.app.app_context():
        event = make_event(title="2. Infotag Digitalisierung", hall_capacity=130)
        council = make_group(event, "Stadtrat", reserved_seats=40)
        organiser = make_user("organiser", email="orga@muenchen.example")
        db.session.commit()
        event_id, council_id = event.id, council.id
    for options, name in (({}, "desktop"), (PHONE, "phone")):
        page = new_page(**options)
        log_in(page, live_server.url, organiser.email)
        page.goto(f"{live_server.url}/events/{event_id}/groups/{council_id}/edit")
        page.get_by_label("Höchstzahl").fill("30")
        page.get_by_role("button", name="Gruppe speichern").click()
        page.locator("#max_seats-error").filter(has_text="mindestens so groß sein wie die reservierten Plätze (40)").wait_for()
        check_axe(page, "group form with an error")
        screenshot(page, f"seats-group-maximum-error-{name}")
        page.get_by_label("Höchstzahl").fill("50")
        page.get_by_role("button", name="Gruppe speichern").click()
        page.wait_for_url(f"**/events/{event_id}/groups")
        assert page.locator('td[data-label="Höchstzahl"]').inner_text() == "50"
        check_axe(page, "groups page with a maximum")
        screenshot(page, f"seats-groups-{name}")
        page.goto(f"{live_server.url}/events/{event_id}/registration")
        assert page.locator("table").first.locator("td").nth(2).inner_text() == "50"
        check_axe(page, "registration tab with a maximum")
        screenshot(page, f"seats-registration-{name}")
