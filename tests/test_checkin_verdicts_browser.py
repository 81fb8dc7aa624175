"""The scanner's verdicts with a keyboard and a hand scanner: a modal overlay that takes focus and gives it back to the
code field, Enter and Escape, holding a verdict open, the list of the last verdicts, repeats, name search, undo."""
import re

import pytest

from tracker.checkin.devices import create_door
from tracker.checkin.staff import assign_staff
from tracker.extensions import db

from .conftest import DESKTOP, PHONE, check_axe, screenshot
from .factories import make_event, make_group, make_invitee, make_registration, make_user
from .test_checkin_browser import log_in

pytestmark = pytest.mark.browser

NARROW = {**PHONE, "viewport": {"width": 320, "height": 568}}


@pytest.fixture
def door(live_server):
    """An event with a door, door staff, three hall guests, a livestream guest and three namesakes."""
    with live_server.app.app_context():
        event = make_event(title="2. Infotag Digitalisierung", hall_capacity=10)
        staff_group = make_group(event, "Beschäftigte")
        door = create_door(event, "Eingang Marienplatz")
        codes = [
            make_registration(make_invitee(event, name=name, group=staff_group, unit="Referat für Klima- und Umweltschutz"))
            .active_ticket.code
            for name in ("Anna Schmidt", "Berta Schmidtke", "Clara Schmitz")
        ]
        stream_code = make_registration(make_invitee(event, name="Carl Stream"), mode="stream").active_ticket.code
        namesakes = [
            make_registration(make_invitee(event, name="Ulrich Öztürk", group=group, unit=unit)).active_ticket.code
            for group, unit in ((staff_group, "Baureferat"), (None, "Kreisverwaltungsreferat"), (staff_group, "Sozialreferat"))
        ]
        staff = make_user("door", name="Dora Door")
        assign_staff(event, staff)
        db.session.commit()
        return {"id": door.id, "codes": codes, "stream": stream_code, "namesakes": namesakes, "staff": staff}


def open_scanner(live_server, new_page, door, **viewport):
    page = new_page(**(viewport or DESKTOP))
    log_in(page, live_server.url, door["staff"])
    page.goto(f"{live_server.url}/door/{door['id']}/scan")
    page.locator("#scan-code").wait_for()
    return page


def hand_scan(page, code, end="Enter"):
    """What a USB hand scanner does: type the code wherever the focus is, then Enter (or Tab)."""
    page.keyboard.type(code, delay=3)
    page.keyboard.press(end)


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


def recent(page) -> list[str]:
    return page.locator("#recent-verdicts li").all_inner_texts()


def test_the_overlay_takes_focus_enter_and_escape_continue_and_the_code_field_gets_it_back(live_server, new_page, door):
    page = open_scanner(live_server, new_page, door)
    verdict = page.locator("#verdict")
    assert focused(page) == "scan-code"
    assert page.locator("#recent-empty").inner_text() == "Noch nichts geprüft."

    hand_scan(page, door["stream"])
    page.locator("#verdict.verdict--amber").wait_for()
    assert verdict.get_attribute("role") == "dialog" and verdict.get_attribute("aria-modal") == "true"
    assert focused(page) == "verdict", "the amber overlay takes the focus"
    assert page.evaluate("document.getElementById('scanner').inert && document.querySelector('.site-header').inert")
    page.keyboard.press("Tab")
    assert focused(page) == "Freien Saalplatz geben und einlassen", "one Tab to the overlay's first button"
    page.keyboard.press("Tab")
    assert focused(page) == "Weiter scannen"
    page.keyboard.press("Tab")
    assert focused(page) == "Freien Saalplatz geben und einlassen", "Tab stays inside the overlay"
    page.keyboard.press("Escape")
    verdict.wait_for(state="hidden")
    assert focused(page) == "scan-code" and not page.evaluate("document.getElementById('scanner').inert")

    hand_scan(page, door["stream"])  # a repeat: the earlier amber again, and Enter continues
    page.locator("#verdict.verdict--amber").wait_for()
    assert page.locator(".verdict__repeat").is_visible() and focused(page) == "verdict"
    check_axe(page, "amber overlay open, a repeat")
    screenshot(page, "checkin-verdict-amber-repeat-desktop")
    page.keyboard.press("Enter")
    verdict.wait_for(state="hidden")
    assert focused(page) == "scan-code"

    # Held open, a green verdict stays past its 1.8 s; the hand scanner types through the open overlay.
    hand_scan(page, door["codes"][0])
    page.locator("#verdict.verdict--green").wait_for()
    assert focused(page) == "verdict"
    page.get_by_role("button", name="Anhalten").click()
    assert page.locator(".verdict__held").inner_text() == "Angehalten: Diese Anzeige bleibt, bis Sie weiter scannen."
    assert focused(page) == "Weiter scannen"
    page.wait_for_timeout(2500)
    assert verdict.is_visible() and verdict.locator(".verdict__name").inner_text() == "Anna Schmidt"
    check_axe(page, "held green verdict")
    screenshot(page, "checkin-verdict-held-desktop")
    with page.expect_response("**/api/checkin/scan"):
        hand_scan(page, door["codes"][1], end="Tab")
    page.locator("#verdict .verdict__name", has_text="Berta Schmidtke").wait_for()
    assert focused(page) == "verdict" and page.locator("#scan-code").input_value() == ""
    verdict.wait_for(state="hidden", timeout=4000)  # not held: closes by itself
    assert focused(page) == "scan-code"

    hand_scan(page, "T123")
    page.locator("#verdict.verdict--red").wait_for()
    check_axe(page, "red verdict")
    screenshot(page, "checkin-verdict-red-desktop")
    verdict.wait_for(state="hidden", timeout=7000)
    assert focused(page) == "scan-code", "after a verdict closes by itself the hand scanner types into the field"

    rows = recent(page)
    assert len(rows) == 5, rows
    assert re.fullmatch(r"\d\d:\d\d:\d\d ✗ Ungültiger Code Das ist kein gültiger Ticket-Code\. Nicht einlassen\.", rows[0])
    assert "✓ Einlass gewährt Berta Schmidtke" in rows[1] and "Anna Schmidt" in rows[2]
    assert "! Nur Livestream Erneut gescannt · Carl Stream" in rows[3] and "Erneut" not in rows[4]
    assert "Referat" not in "".join(rows) and "@" not in "".join(rows), "no more personal data than the overlay shows"
    hand_scan(page, door["codes"][2])
    page.locator("#verdict .verdict__name", has_text="Clara Schmitz").wait_for()
    page.keyboard.press("Escape")
    rows = recent(page)
    assert len(rows) == 5 and "Clara Schmitz" in rows[0] and "Erneut gescannt · Carl Stream" in rows[-1]
    assert "".join(rows).count("Carl Stream") == 1, "the last five, newest first"
    check_axe(page, "list of recent verdicts")
    screenshot(page, "checkin-recent-verdicts-desktop")


def test_a_code_scanned_again_shows_its_earlier_verdict_marked_as_a_repeat(live_server, new_page, door):
    page = open_scanner(live_server, new_page, door, **PHONE)
    scans = []
    page.on("request", lambda request: scans.append(request.url) if "/api/checkin/scan" in request.url else None)
    hand_scan(page, door["codes"][0])
    page.locator("#verdict.verdict--green").wait_for()
    assert not page.locator(".verdict__repeat").is_visible()
    hand_scan(page, door["codes"][0].lower())  # handed back over the barrier a second later
    repeat = page.locator(".verdict__repeat")
    repeat.wait_for()
    assert re.fullmatch(
        r"ERNEUT GESCANNT\s+Derselbe Code wie um \d\d:\d\d:\d\d Uhr: Das ist das Ergebnis von eben\.", repeat.inner_text()
    )
    assert page.locator("#verdict .verdict__title").inner_text() == "Einlass gewährt"
    assert page.locator("#verdict .verdict__name").inner_text() == "Anna Schmidt"
    assert focused(page) == "verdict"
    assert len(scans) == 1, "a repeat is not checked again"
    check_axe(page, "repeat verdict on a phone")
    screenshot(page, "checkin-verdict-repeat-phone")
    page.get_by_role("button", name="Weiter scannen").click()
    assert recent(page)[0].startswith(tuple("0123456789")) and "Erneut gescannt · Anna Schmidt" in recent(page)[0]
    page.wait_for_timeout(3100)  # after the repeat window the server answers again: already checked in
    hand_scan(page, door["codes"][0])
    page.locator("#verdict.verdict--red").wait_for()
    assert re.search(r"bereits um \d\d:\d\d Uhr an Eingang Marienplatz", page.locator(".verdict__reason").inner_text())
    assert len(scans) == 2
    page.get_by_role("button", name="Anhalten").click()
    check_axe(page, "red verdict on a phone")
    screenshot(page, "checkin-verdict-red-phone")
    page.keyboard.press("Escape")

    hand_scan(page, door["codes"][1])
    page.locator("#verdict.verdict--green").wait_for()
    page.get_by_role("button", name="Anhalten").click()
    check_axe(page, "green verdict on a phone")
    screenshot(page, "checkin-verdict-green-phone")
    page.keyboard.press("Escape")
    hand_scan(page, door["stream"])
    page.locator("#verdict.verdict--amber").wait_for()
    check_axe(page, "amber verdict on a phone")
    screenshot(page, "checkin-verdict-amber-phone")
    page.keyboard.press("Escape")
    check_axe(page, "scanner with recent verdicts on a phone")
    screenshot(page, "checkin-recent-verdicts-phone")


@pytest.mark.parametrize("viewport", [NARROW, PHONE], ids=["320px", "390px"])
def test_every_verdict_fits_a_small_phone(live_server, new_page, door, viewport):
    page = open_scanner(live_server, new_page, door, **viewport)
    check_axe(page, "scanner")
    width, height = viewport["viewport"]["width"], viewport["viewport"]["height"]

    def check_state(tone, repeat=False):
        page.locator(f"#verdict.verdict--{tone}").wait_for()
        assert page.locator(".verdict__repeat").is_visible() == repeat
        if tone != "amber":
            page.get_by_role("button", name="Anhalten").click()
        check_axe(page, f"{tone} verdict" + (", a repeat" if repeat else ""))
        buttons = page.locator("#verdict button:visible")
        for index in range(buttons.count()):
            box = buttons.nth(index).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] >= 44
        page.locator("#verdict").evaluate("box => box.scrollTo(0, box.scrollHeight)")
        last = page.get_by_role("button", name="Weiter scannen").bounding_box()
        assert last["y"] + last["height"] <= height, "an overlay taller than the screen scrolls to its last button"
        page.keyboard.press("Escape")

    for code, tone in ((door["stream"], "amber"), (door["codes"][0], "green"), ("T123", "red")):
        hand_scan(page, code)
        check_state(tone)
    hand_scan(page, "T124")
    page.locator("#verdict.verdict--red").wait_for()
    hand_scan(page, "T124")
    check_state("red", repeat=True)
    if viewport is NARROW:
        screenshot(page, "checkin-recent-verdicts-320px")
        hand_scan(page, door["stream"])
        page.locator("#verdict.verdict--amber").wait_for()
        screenshot(page, "checkin-verdict-amber-320px")


def test_name_search_shows_unit_and_state_and_undo_appears_only_after_a_check_in_here(live_server, new_page, door):
    page = open_scanner(live_server, new_page, door)
    other_device = open_scanner(live_server, new_page, door, **PHONE)
    undo = page.get_by_role("button", name="Letzten Einlass rückgängig machen")
    assert undo.is_hidden(), "no check-in at this door yet"
    hand_scan(page, door["namesakes"][2])
    page.locator("#verdict.verdict--green").wait_for()
    assert page.locator("#verdict .verdict__group").inner_text() == "Sozialreferat · Beschäftigte"
    page.keyboard.press("Escape")
    listed_at = recent(page)[0][:2]
    assert undo.is_visible()

    page.get_by_text("Gast ohne Ticket: Namenssuche").click()
    page.get_by_label("Name oder E-Mail-Adresse").fill("öztürk")
    page.get_by_role("button", name="Suchen", exact=True).click()
    results = page.locator("#search-results li")
    results.nth(2).wait_for()
    texts = results.all_inner_texts()
    assert [t.split("\n")[1] for t in texts] == ["Baureferat · Beschäftigte", "Kreisverwaltungsreferat", "Sozialreferat · Beschäftigte"]
    state = re.search(r"Sitzungssaal · Anwesend: um (\d\d):\d\d Uhr an Eingang Marienplatz eingelassen\.", texts[2])
    assert state and state.group(1) == listed_at, "the list's times are in the server's time zone"
    assert results.nth(2).get_by_role("button").count() == 0, "no check-in button on a guest who is present"
    check_axe(page, "name search with namesakes")
    screenshot(page, "checkin-search-namesakes-desktop")
    page.get_by_role("button", name="Einlassen: Ulrich Öztürk, Kreisverwaltungsreferat").click()
    page.locator("#verdict.verdict--green").wait_for()
    assert page.locator("#verdict .verdict__group").inner_text() == "Kreisverwaltungsreferat"
    page.keyboard.press("Escape")
    assert focused(page) == "scan-code"
    results.nth(1).filter(has_text="Anwesend").wait_for()
    assert page.get_by_role("button", name=re.compile("^Einlassen")).count() == 1, "only Baureferat is left to admit"

    undo.click()
    page.get_by_text("Einlass von Ulrich Öztürk rückgängig gemacht.").wait_for()
    assert undo.is_hidden(), "hidden again after the undo"
    page.get_by_role("button", name="Einlassen: Ulrich Öztürk, Kreisverwaltungsreferat").wait_for()
    assert page.locator('[data-count="present"]').inner_text() == "1", "the first check-in stays"
    assert other_device.get_by_role("button", name="Letzten Einlass rückgängig machen").is_hidden()

    other_device.get_by_text("Gast ohne Ticket: Namenssuche").click()
    other_device.get_by_label("Name oder E-Mail-Adresse").fill("öztürk")
    other_device.get_by_role("button", name="Suchen", exact=True).click()
    other_device.locator("#search-results li").nth(2).wait_for()
    check_axe(other_device, "name search on a phone")
    screenshot(other_device, "checkin-search-namesakes-phone")
