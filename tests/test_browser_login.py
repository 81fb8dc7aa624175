"""The login page in a real browser, on a phone and a desktop, with an accessibility check."""
import pytest

from tracker.extensions import db

from .conftest import PHONE, check_axe, screenshot
from .factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_organiser_logs_in_through_the_browser(live_server, new_page):
    with live_server.app.app_context():
        user = make_user("organiser", email="orga@muenchen.example")
        db.session.commit()
    page = new_page(**PHONE)
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Anmelden"
    check_axe(page, "login")
    page.get_by_label("Passwort").fill("wrong")
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_role("button", name="Anmelden").click()
    assert page.get_by_role("alert").inner_text() == "E-Mail-Adresse oder Passwort ist falsch."
    check_axe(page, "login with error")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/events/")
    screenshot(page, "login-events-phone")
    check_axe(page, "events")
    page.get_by_role("link", name="English").click()
    assert page.locator("h1").inner_text() == "Events"
