"""The Team tab in a real browser: a manager adds a colleague with read access, changes the role, removes them."""
import pytest

from tracker.extensions import db

from .conftest import PHONE, check_axe, screenshot
from .factories import make_event, make_user
from .test_browser_events import log_in

pytestmark = pytest.mark.browser


def test_a_manager_runs_the_team_tab(live_server, new_page):
    with live_server.app.app_context():
        manager = make_user("organiser", email="leitung@muenchen.example", name="Lena Leitung")
        colleague = make_user("organiser", email="kollege@muenchen.example", name="Karl Kollege")
        event = make_event("Infotag Team", team=[manager])
        db.session.commit()
        event_id = event.id

    page = new_page()
    log_in(page, live_server.url, manager.email)
    page.goto(f"{live_server.url}/events/{event_id}")
    page.get_by_role("link", name="Team", exact=True).click()
    page.get_by_role("heading", name="Team", exact=True).wait_for()
    check_axe(page, "team")

    email = page.get_by_label("E-Mail-Adresse des Kontos (Veranstalter*in)")
    email.fill("unbekannt@muenchen.example")
    page.get_by_role("button", name="Zum Team hinzufügen").click()
    assert "kein aktives Konto für Veranstalter*innen" in page.get_by_role("alert").inner_text()
    check_axe(page, "team with error")

    page.get_by_label("E-Mail-Adresse des Kontos (Veranstalter*in)").fill(colleague.email)
    page.get_by_label("Rolle im Team", exact=True).select_option("reader")
    page.get_by_role("button", name="Zum Team hinzufügen").click()
    page.get_by_text("Karl Kollege ist jetzt im Team.").wait_for()
    table = page.get_by_role("table", name="Mitglieder des Teams")
    assert "Karl Kollege" in table.inner_text()
    page.get_by_label("Rolle von Karl Kollege im Team").select_option("manager")
    page.get_by_role("button", name="Rolle ändern Karl Kollege").click()
    page.get_by_text("Die Rolle von Karl Kollege wurde geändert.").wait_for()
    check_axe(page, "team with two managers")
    screenshot(page, "team-desktop")

    page.get_by_role("button", name="Aus dem Team entfernen Karl Kollege").click()
    page.get_by_text("Karl Kollege gehört nicht mehr zum Team.").wait_for()
    page.get_by_role("button", name="Aus dem Team entfernen Lena Leitung").click()
    assert "mindestens eine Person, die sie verwaltet" in page.inner_text("main")

    phone = new_page(**PHONE)
    log_in(phone, live_server.url, manager.email)
    phone.goto(f"{live_server.url}/events/{event_id}/team")
    check_axe(phone, "team on a phone")
    screenshot(phone, "team-phone")
