"""The door in a real Chromium: organiser pairs a device, a fake camera reads a real ticket, a hand scanner types."""
import re

import pytest
from sqlalchemy import func, select

from tracker.checkin.devices import create_door
from tracker.checkin.door_read import hall_counts
from tracker.checkin.models import CheckIn
from tracker.checkin.staff import assign_staff
from tracker.extensions import db

from .conftest import DESKTOP, PHONE, check_axe, screenshot
from .factories import PASSWORD, make_event, make_group, make_invitee, make_registration, make_user

pytestmark = pytest.mark.browser


def log_in(page, base_url, user):
    page.goto(base_url + "/login")
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_organiser_pairs_a_device_whose_fake_camera_admits_a_real_ticket(live_server, new_page, camera_browser):
    browser, code = camera_browser
    with live_server.app.app_context():
        event = make_event(title="Infotag Digitalisierung", hall_capacity=130)
        council = make_group(event, "Stadtrat")
        registration = make_registration(make_invitee(event, name="Erika Mustermann", group=council))
        registration.active_ticket.code = code
        organiser = make_user("organiser")
        db.session.commit()
        event_id = event.id

    page = new_page()
    log_in(page, live_server.url, organiser)
    page.goto(f"{live_server.url}/events/{event_id}/checkin")
    page.get_by_label("Name des Eingangs").fill("Eingang Nord")
    page.get_by_role("button", name="Eingang hinzufügen").click()
    page.get_by_label("Name des Geräts").fill("Handy 1")
    check_axe(page, "Einlass tab")
    screenshot(page, "checkin-manage-desktop")
    page.get_by_role("button", name="Gerät verbinden").click()
    link = page.locator("a.pairing-link").inner_text()
    assert re.fullmatch(re.escape(live_server.url) + r"/door/pair/[A-Za-z0-9_-]+", link)
    check_axe(page, "pairing QR")
    screenshot(page, "checkin-pairing-desktop")

    context = browser.new_context(locale="de-DE", permissions=["camera"], **PHONE)
    context.set_default_timeout(20_000)
    errors = []
    device = context.new_page()
    device.on("pageerror", lambda error: errors.append(str(error)))
    device.goto(link)
    check_axe(device, "pairing confirmation")
    device.get_by_role("button", name="Verbinden und Scanner öffnen").click()
    device.wait_for_url("**/scan")
    check_axe(device, "scanner")
    device.get_by_role("button", name="Kamera starten").click()
    verdict = device.locator("#verdict.verdict--green")
    verdict.wait_for(state="visible")
    assert device.evaluate("document.activeElement.id") == "verdict"
    assert verdict.locator(".verdict__title").inner_text() == "Einlass gewährt"
    assert verdict.locator(".verdict__name").inner_text() == "Erika Mustermann"
    assert verdict.locator(".verdict__group").inner_text() == "Stadtrat"
    assert device.locator('[data-count="present"]').inner_text() == "1"
    screenshot(device, "checkin-camera-green-phone")
    check_axe(device, "green verdict")
    scan_ms = int(verdict.get_attribute("data-scan-ms"))
    assert 0 <= scan_ms < 5000
    wasm_requests = [r for r in device.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
                     if r.endswith(".wasm")]
    assert all(r.startswith(live_server.url + "/static/vendor/barcode-detector/") for r in wasm_requests)
    # The code stays in front of the camera: the verdict closes after its time and is not shown again as a repeat.
    device.locator("#verdict").wait_for(state="hidden")
    device.wait_for_timeout(1500)
    assert device.locator("#verdict").is_hidden() and device.locator("#recent-verdicts li").count() == 1
    assert device.evaluate("document.activeElement.id") == "scan-code"
    # Camera off and on again: the code read once more gets a visible verdict, never silence (its earlier verdict
    # as a repeat within 3 s, else the server's "already checked in").
    device.get_by_role("button", name="Kamera stoppen").click()
    device.get_by_role("button", name="Kamera starten").click()
    device.locator("#verdict").wait_for(state="visible")
    again = device.locator("#verdict").get_attribute("class"), device.locator(".verdict__repeat").is_visible()
    assert again in (("verdict verdict--green", True), ("verdict verdict--red", False)), again
    check_axe(device, "verdict of a code read again")
    device.get_by_role("button", name="Kamera stoppen").click()
    context.close()
    assert not errors, errors

    with live_server.app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id)).where(CheckIn.reverted_at.is_(None))) == 1
        assert hall_counts(db.session.get(type(event), event_id))["present"] == 1


def test_hand_scanner_keystrokes_search_and_walk_in(live_server, new_page):
    with live_server.app.app_context():
        event = make_event(title="Infotag Digitalisierung", hall_capacity=4)
        staff_group = make_group(event, "Beschäftigte")
        door = create_door(event, "Eingang Süd")
        codes = [
            make_registration(make_invitee(event, name=name, group=staff_group)).active_ticket.code
            for name in ("Anna Schmidt", "Berta Schmidtke")
        ]
        stream_guest = make_registration(make_invitee(event, name="Carl Stream"), mode="stream")
        staff = make_user("door", name="Dora Door")
        assign_staff(event, staff)
        other = make_event(title="Infotag Mobilität")
        other_door = create_door(other, "Haupteingang")
        db.session.commit()
        door_id, other_door_id = door.id, other_door.id
        stream_code = stream_guest.active_ticket.code

    page = new_page(**DESKTOP)
    log_in(page, live_server.url, staff)
    page.wait_for_url("**/door")
    assert page.locator("h1").inner_text() == "Eingang wählen"
    check_axe(page, "door landing")
    screenshot(page, "checkin-door-landing-desktop")
    assert page.request.get(f"{live_server.url}/door/{other_door_id}/scan").status == 403
    assert page.request.get(f"{live_server.url}/events/{event.id}/checkin").status == 403
    page.get_by_role("link", name="Eingang Süd").click()
    page.wait_for_url(f"**/door/{door_id}/scan")
    code_input = page.get_by_label("Ticket-Code (Handscanner oder Tastatur)")
    assert page.evaluate("document.activeElement.id") == "scan-code"

    undo = page.get_by_role("button", name="Letzten Einlass rückgängig machen")
    assert undo.is_hidden(), "nothing to undo before a check-in at this door"
    page.keyboard.type(codes[0], delay=4)
    page.keyboard.press("Enter")
    verdict = page.locator("#verdict")
    page.locator("#verdict.verdict--green").wait_for(state="visible")
    assert verdict.locator(".verdict__name").inner_text() == "Anna Schmidt"
    assert page.evaluate("document.activeElement.id") == "verdict" and undo.is_visible()
    screenshot(page, "checkin-hand-scanner-green-desktop")
    # The same code again within seconds is not checked again (no red "already checked in"): the overlay shows the
    # earlier verdict, marked as a repeat; the next code, typed through the open overlay, is checked at once.
    with page.expect_response("**/api/checkin/scan") as forged_response:
        page.keyboard.type(codes[0], delay=4)
        page.keyboard.press("Tab")
        verdict.locator(".verdict__repeat").wait_for()
        assert verdict.locator(".verdict__name").inner_text() == "Anna Schmidt"
        page.keyboard.type("T123", delay=4)
        page.keyboard.press("Enter")
    assert forged_response.value.json()["verdict"] == "forged"
    page.locator("#verdict.verdict--red").wait_for(state="visible")
    assert verdict.locator(".verdict__title").inner_text() == "Ungültiger Code"
    assert verdict.locator(".verdict__repeat").is_hidden()
    check_axe(page, "red verdict")
    screenshot(page, "checkin-forged-red-desktop")
    # Never stuck: the next code is checked at once, though the red verdict has the focus.
    assert page.evaluate("document.activeElement.id") == "verdict"
    page.keyboard.type(codes[1], delay=4)
    page.keyboard.press("Enter")
    verdict.locator(".verdict__name", has_text="Berta Schmidtke").wait_for()
    assert page.locator('[data-count="present"]').inner_text() == "2"
    verdict.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == "scan-code"

    page.keyboard.type(stream_code, delay=4)
    page.keyboard.press("Enter")
    page.locator("#verdict.verdict--amber").wait_for(state="visible")
    assert verdict.locator(".verdict__title").inner_text() == "Nur Livestream"
    check_axe(page, "amber verdict")
    screenshot(page, "checkin-stream-amber-desktop")
    page.get_by_role("button", name="Freien Saalplatz geben und einlassen").click()
    page.locator("#verdict.verdict--green").wait_for(state="visible")
    assert page.locator('[data-count="present"]').inner_text() == "3"
    page.get_by_role("button", name="Weiter scannen").click()

    undo.click()
    page.get_by_text("Einlass von Carl Stream rückgängig gemacht.").wait_for()
    assert page.locator('[data-count="present"]').inner_text() == "2"
    assert undo.is_hidden(), "only the last check-in of this page can be undone, once"

    page.get_by_text("Gast ohne Ticket: Namenssuche").click()
    page.get_by_label("Name oder E-Mail-Adresse").fill("schmidt")
    page.get_by_role("button", name="Suchen", exact=True).click()
    results = page.locator("#search-results li")
    results.nth(1).wait_for()
    assert "Anwesend: um" in results.nth(1).inner_text() and "Berta Schmidtke" in results.nth(1).inner_text()
    assert results.get_by_role("button").count() == 0, "both are present: nobody to check in"

    phone = new_page(**PHONE)
    log_in(phone, live_server.url, staff)
    phone.goto(f"{live_server.url}/door/{door_id}/scan")
    phone.get_by_text("Gast am Einlass anmelden").click()
    phone.get_by_label("Name", exact=True).fill("Spontan Gast")
    phone.get_by_role("button", name="Anmelden und einlassen").click()
    phone.locator("#verdict.verdict--green").wait_for(state="visible")
    assert phone.locator("#verdict .verdict__name").inner_text() == "Spontan Gast"
    screenshot(phone, "checkin-walk-in-green-phone")
    phone.get_by_role("button", name="Weiter scannen").click()
    check_axe(phone, "scanner on a phone")
    screenshot(phone, "checkin-scanner-phone")


def test_pairing_page_without_a_camera_points_to_the_link(live_server, new_page):
    page = new_page(**PHONE)
    page.goto(live_server.url + "/door/pair")
    assert page.locator("h1").inner_text() == "Dieses Gerät verbinden"
    status = page.locator(".camera__status")
    status.filter(has_text="Öffnen Sie stattdessen den Verbindungslink").wait_for()
    check_axe(page, "pairing with the camera")
    screenshot(page, "checkin-pair-camera-phone")
