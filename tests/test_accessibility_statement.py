"""The accessibility statement (BITV 2.0, BayBITV): its parts, its settings, both languages, in the browser."""
import pytest

from .conftest import PHONE, check_axe, screenshot

BODY = "Durchsetzungs- und Überwachungsstelle für barrierefreie Informationstechnik"


def test_the_statement_names_compliance_date_feedback_and_enforcement_from_the_settings(app_factory):
    client = app_factory(
        ACCESSIBILITY_CONTACT="barrierefreiheit@muenchen.example", OFFICE_NAME="Landeshauptstadt München, IT-Referat",
        ACCESSIBILITY_ENFORCEMENT_BODY=f"LDBV – {BODY}", ACCESSIBILITY_ENFORCEMENT_URL="https://ldbv.example/bitv",
    ).test_client()
    page = client.get("/barrierefreiheit").get_data(as_text=True)
    assert "<h1>Erklärung zur Barrierefreiheit</h1>" in page
    for heading in ("Stand der Vereinbarkeit mit den Anforderungen", "Erstellung dieser Erklärung",
                    "Feedback und Kontakt", "Durchsetzungsverfahren"):
        assert f"<h2>{heading}</h2>" in page
    assert "teilweise mit den Anforderungen vereinbar" in page and "am 4. Dezember 2026" in page
    assert "Diese Seiten werden von Landeshauptstadt München, IT-Referat betrieben" in page and "BayBITV" in page
    assert '<a href="mailto:barrierefreiheit@muenchen.example">barrierefreiheit@muenchen.example</a>' in page
    assert f'<a href="https://ldbv.example/bitv">LDBV – {BODY}</a>' in page
    client.get("/lang/en")
    english = client.get("/barrierefreiheit").get_data(as_text=True)
    assert "<h1>Accessibility statement</h1>" in english and "<h2>Enforcement procedure</h2>" in english
    assert "on 4 December 2026" in english or "on December 4, 2026" in english


def test_a_contact_that_is_no_address_is_shown_as_text(app_factory):
    client = app_factory(ACCESSIBILITY_CONTACT="Telefon 089 233-00000").test_client()
    page = client.get("/barrierefreiheit").get_data(as_text=True)
    assert "Telefon 089 233-00000" in page and "mailto:" not in page


@pytest.mark.browser
def test_the_statement_is_reached_from_the_footer_in_the_browser(live_server, new_page):
    for name, options in (("phone", PHONE), ("desktop", {})):
        page = new_page(**options)
        page.goto(f"{live_server.url}/login")
        page.locator("footer").get_by_role("link", name="Erklärung zur Barrierefreiheit").click()
        assert page.locator("h1").inner_text() == "Erklärung zur Barrierefreiheit"
        check_axe(page, "accessibility statement")
        screenshot(page, f"accessibility-statement-{name}")
        page.get_by_role("link", name="English").click()
        assert page.locator("h1").inner_text() == "Accessibility statement"
        check_axe(page, "accessibility statement in English")
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
