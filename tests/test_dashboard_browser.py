"""The dashboard in real Chromium: it changes by itself while check-ins and heartbeats happen; report, series, copy."""
from datetime import timedelta

import pytest
from sqlalchemy import insert

from tracker.checkin.models import CheckIn
from tracker.database import utcnow
from tracker.extensions import db
from tracker.stream.models import ViewerMinute

from .conftest import PHONE, check_axe, screenshot
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
