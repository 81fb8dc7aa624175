"""The dashboard in real Chromium: it changes by itself while check-ins and heartbeats happen; report, series, copy."""
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from tracker.checkin.models import CheckIn
from tracker.database import utcnow
from tracker.extensions import db
from tracker.registration.models import Registration
from tracker.stream.models import ViewerMinute

from .conftest import AXE_JS, PHONE, check_axe, screenshot
from .test_browser_events import log_in
from .factories import make_event, make_group, make_invitee, make_registration, make_user

pytestmark = pytest.mark.browser


def figure(page, key: str):
    return page.locator(f'#dashboard .dashboard__cards [data-figure="{key}"], #dashboard dl [data-figure="{key}"]').first


def test_dashboard_follows_check_ins_and_viewers_live_then_report(live_server, new_page):
    app = live_server.app
    app.config["DASHBOARD_REFRESH_SECONDS"] = 1
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        event = make_event(starts_in=timedelta(minutes=-20), hall_capacity=40, online_threshold_minutes=3)
        council, staff = make_group(event, "Stadtrat", reserved_seats=10), make_group(event, "Beschäftigte")
        hall = [make_registration(make_invitee(event, group=council if i < 5 else staff)) for i in range(12)]
        online = [make_registration(make_invitee(event, group=staff), mode="stream") for _ in range(4)]
        make_invitee(event, group=staff)
        organiser = make_user("organiser", email="orga@muenchen.example")
        db.session.commit()
        event_id, hall_ids = event.id, [r.id for r in hall]
        online_invitees = [r.invitee_id for r in online]

    page = new_page()
    log_in(page, live_server.url, organiser.email)
    page.goto(f"{live_server.url}/events/{event_id}/dashboard")
    assert figure(page, "total.present").inner_text() == "0"
    assert figure(page, "total.hall").inner_text() == "12"
    check_axe(page, "dashboard")

    with app.app_context():
        for registration_id in hall_ids[:7]:
            db.session.add(CheckIn(event_id=event_id, registration_id=registration_id, checked_in_at=now))
        db.session.commit()
    page.wait_for_function("() => document.querySelector('#dashboard .card [data-figure=\"total.present\"]').textContent === '7'")
    assert figure(page, "total.not_arrived").inner_text() == "5"
    assert page.locator('[data-figure="group.%d.present"]' % council.id).inner_text() == "5"
    assert page.locator('[data-chart="arrivals"] svg title').text_content() == "Ankünfte im Sitzungssaal"

    with app.app_context():
        minute = now.replace(second=0)
        rows = [{"event_id": event_id, "viewer_key": f"i{invitee_id}", "invitee_id": invitee_id,
                 "minute": minute - timedelta(minutes=m), "last_seen_at": now if m == 0 else None}
                for invitee_id in online_invitees[:3] for m in range(4)]
        db.session.execute(insert(ViewerMinute), rows)
        db.session.commit()
    page.wait_for_function("() => document.querySelector('[data-figure=\"online.followed\"]').textContent === '3'")
    assert figure(page, "online.watching_now").inner_text() == "3"
    assert figure(page, "reached").inner_text() == "10"
    assert page.locator('[data-chart="viewers"] svg').count() == 1
    check_axe(page, "dashboard with charts")
    screenshot(page, "dashboard-desktop")
    assert page.evaluate("""() => { const wrap = document.querySelector('.figures-table').closest('.table-wrap');
                                    return wrap.scrollWidth <= wrap.clientWidth; }"""), "the group table fits a laptop"

    page.get_by_role("button", name="Live-Aktualisierung anhalten").click()
    assert page.locator("[data-dashboard-state]").inner_text() == "Angehalten."
    with app.app_context():
        db.session.add(CheckIn(event_id=event_id, registration_id=hall_ids[7], checked_in_at=now))
        db.session.commit()
    page.wait_for_timeout(2500)
    assert figure(page, "total.present").inner_text() == "7", "paused: no update"
    page.get_by_role("button", name="Live-Aktualisierung fortsetzen").click()
    page.wait_for_function("() => document.querySelector('#dashboard .card [data-figure=\"total.present\"]').textContent === '8'")

    phone = new_page(**PHONE)
    log_in(phone, live_server.url, organiser.email)
    phone.goto(f"{live_server.url}/events/{event_id}/dashboard")
    check_axe(phone, "dashboard on a phone")
    screenshot(phone, "dashboard-phone")

    page.get_by_role("link", name="Auswertung", exact=True).first.click()
    page.wait_for_url(f"**/events/{event_id}/report")
    assert "8 Gäste im Sitzungssaal und 3 weitere Personen im Livestream." in page.inner_text("main")
    check_axe(page, "report")
    screenshot(page, "report-desktop")
    page.get_by_role("link", name="Mit den anderen Veranstaltungen vergleichen").click()
    check_axe(page, "series")
    screenshot(page, "series-desktop")
    page.goto(f"{live_server.url}/events/{event_id}/copy")
    page.get_by_label("Titel der neuen Veranstaltung").fill("")
    page.get_by_role("button", name="Kopie anlegen").click()
    check_axe(page, "copy with errors")
    page.get_by_label("Titel der neuen Veranstaltung").fill("2. Infotag")
    page.get_by_role("button", name="Kopie anlegen").click()
    page.wait_for_url("**/dashboard")
    assert "Die Veranstaltung wurde als Kopie" in page.inner_text("main")
    check_axe(page, "dashboard of the copy (no data)")
    screenshot(page, "dashboard-empty-copy")


# --- Every state of the event at a laptop's width, charts on a phone, keyboard focus during live updates -------------

GROUP_NAMES = ("Stadtrat", "Referats- und Betriebsleitungen", "Referent*innen", "Beschäftigte")


def busy_event(app, starts_in: timedelta, checked_in: int = 30) -> tuple[int, str]:
    """An event with the info day's four groups, check-ins and viewers (some of them hall guests): (id, login)."""
    now = utcnow().replace(second=0, microsecond=0)
    with app.app_context():
        event = make_event(starts_in=starts_in, hall_capacity=130, online_threshold_minutes=3, checkout_enabled=True)
        groups = [make_group(event, name, reserved_seats=seats) for name, seats in zip(GROUP_NAMES, (40, 15, 6, 40))]
        hall = [make_registration(make_invitee(event, group=groups[i % 4])) for i in range(60)]
        online = [make_registration(make_invitee(event, group=groups[i % 4]), mode="stream") for i in range(20)]
        moment = min(now, event.starts_at + timedelta(minutes=30))
        for number, registration in enumerate(hall[:checked_in]):
            db.session.add(CheckIn(event_id=event.id, registration_id=registration.id,
                                   checked_in_at=moment - timedelta(minutes=40 - number)))
        watchers = [r.invitee_id for r in online] + [r.invitee_id for r in hall[:3]]
        db.session.execute(insert(ViewerMinute), [
            {"event_id": event.id, "viewer_key": f"i{invitee_id}", "invitee_id": invitee_id,
             "minute": moment - timedelta(minutes=m)} for invitee_id in watchers for m in range(5)])
        organiser = make_user("organiser", email=f"orga{event.id}@muenchen.example")
        db.session.commit()
        return event.id, organiser.email


def assert_group_table_fits(page, context: str) -> None:
    fits = page.evaluate("""() => {
        const wrap = document.querySelector('.figures-table').closest('.table-wrap');
        const last = document.querySelector('.figures-table thead th:last-child').getBoundingClientRect();
        return {scroll: wrap.scrollWidth, client: wrap.clientWidth, right: last.right,
                edge: wrap.getBoundingClientRect().right};
    }""")
    assert fits["scroll"] <= fits["client"] and fits["right"] <= fits["edge"] + 0.5, (context, fits)


@pytest.mark.parametrize("state, starts_in", [("before", timedelta(days=2)), ("live", timedelta(minutes=-30)),
                                             ("after", timedelta(hours=-6))])
def test_the_group_table_fits_a_laptop_in_every_state_and_charts_read_on_a_phone(live_server, new_page, state,
                                                                                starts_in):
    event_id, email = busy_event(live_server.app, starts_in, checked_in=0 if state == "before" else 30)
    for width in (1280, 1366):
        page = new_page(viewport={"width": width, "height": 900})
        log_in(page, live_server.url, email)
        page.goto(f"{live_server.url}/events/{event_id}/dashboard")
        assert page.locator("#dashboard").get_attribute("data-phase") in (None, state)
        screenshot(page, f"dashboard-{state}-{width}")
        assert_group_table_fits(page, f"dashboard {state} at {width} px")
        check_axe(page, f"dashboard {state} at {width} px")
        page.goto(f"{live_server.url}/events/{event_id}/report")
        assert_group_table_fits(page, f"report {state} at {width} px")
        if width == 1280:
            screenshot(page, f"report-{state}-{width}")
    phone = new_page(**PHONE)
    log_in(phone, live_server.url, email)
    phone.goto(f"{live_server.url}/events/{event_id}/dashboard")
    check_axe(phone, f"dashboard {state} on a phone")
    smallest = phone.evaluate("""() => Math.min(...[...document.querySelectorAll('.chart__svg text')].map(
        text => parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a))""")
    assert smallest >= 12, f"chart labels are {smallest:.1f} px on a phone"
    screenshot(phone, f"dashboard-{state}-phone")
    phone.goto(f"{live_server.url}/events/{event_id}/report")
    check_axe(phone, f"report {state} on a phone")
    screenshot(phone, f"report-{state}-phone")


def test_report_landmarks_are_unique(live_server, page):
    event_id, email = busy_event(live_server.app, timedelta(hours=-6))
    log_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/events/{event_id}/report")
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate("() => axe.run(document, {runOnly: {type: 'rule', values: ['landmark-unique']}})")
    assert result["violations"] == [], [node["target"] for v in result["violations"] for node in v["nodes"]]


def test_keyboard_focus_survives_live_updates(live_server, page):
    """Focus on the table toggle, then inside an open chart table, stays put through three updates each."""
    app = live_server.app
    app.config["DASHBOARD_REFRESH_SECONDS"] = 1
    event_id, email = busy_event(app, timedelta(minutes=-30), checked_in=10)
    with app.app_context():
        waiting = [r.id for r in db.session.execute(
            select(Registration).where(Registration.event_id == event_id, Registration.mode == "hall")
            .order_by(Registration.id).offset(10)).scalars()]
    log_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/events/{event_id}/dashboard")
    present = 10

    def three_updates():
        nonlocal present
        for _ in range(3):
            with app.app_context():
                db.session.add(CheckIn(event_id=event_id, registration_id=waiting[present - 10]))
                db.session.commit()
            present += 1
            page.wait_for_function(
                "n => document.querySelector('.card [data-figure=\"total.present\"]').textContent === String(n)", arg=present)
            page.wait_for_function(
                "n => document.querySelector('[data-chart=\"arrivals\"] tbody tr:last-child td:last-child')"
                ".textContent.trim() === String(n)", arg=present)

    page.get_by_role("button", name="Live-Aktualisierung anhalten").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.closest('[data-chart=\"arrivals\"]') !== null"):
            break
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    page.evaluate("() => { window.toggle = document.activeElement; }")
    three_updates()
    assert page.evaluate("() => document.activeElement === window.toggle && document.contains(window.toggle)"), \
        page.evaluate("() => document.activeElement.tagName")

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('[data-chart=\"arrivals\"] .table-wrap[role=region]')")
    page.evaluate("() => { window.region = document.activeElement;"
                  " window.cell = document.querySelector('[data-chart=\"arrivals\"] tbody tr th'); }")
    three_updates()
    assert page.evaluate("() => document.activeElement === window.region && document.contains(window.cell)"), \
        page.evaluate("() => document.activeElement.tagName")
    assert page.locator('[data-chart="arrivals"] details').get_attribute("open") is not None, "the table stays open"
    screenshot(page, "dashboard-focus-in-chart-table")
