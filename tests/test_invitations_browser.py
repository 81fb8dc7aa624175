"""The invitations tab in a real browser: send to a group, watch the progress, see each invitee's state."""
import pytest
from playwright.sync_api import expect

from tracker.extensions import db
from tracker.mail.sender import send_all_due

from .conftest import PHONE, check_axe, screenshot
from .factories import PASSWORD, make_event, make_group, make_invitee, make_user

pytestmark = pytest.mark.browser


def log_in(page, url, user):
    page.goto(url + "/login")
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/events/")


def test_organiser_invites_a_group_and_follows_the_progress(live_server, smtp_server, new_page):
    app = live_server.app
    app.config.update(smtp_server.config, MAIL_INVITATION_CHUNK=7)
    with app.app_context():
        user = make_user("organiser", email="orga@muenchen.example")
        event = make_event(title="Infotag Digitalisierung")
        council = make_group(event, "Stadtrat", reserved_seats=20)
        staff = make_group(event, "Beschäftigte")
        for number in range(3):
            make_invitee(event, name=f"Stadtrat {number}", group=council)
        for number in range(40):
            make_invitee(event, name=f"Beschäftigte {number:02d}", group=staff, language="en" if number % 4 == 0 else "de")
        db.session.commit()
        event_id = event.id
    page = new_page()
    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/events/{event_id}/invitations")
    assert page.get_by_role("link", name="Einladungen").get_attribute("aria-current") == "page"
    check_axe(page, "invitations")
    screenshot(page, "invitations-desktop")

    form = page.locator("form", has=page.get_by_role("button", name="Einladungen senden"))
    form.get_by_label("Nur eine Gruppe:").check()
    form.get_by_label("Gruppe", exact=True).select_option(label="Beschäftigte")
    form.get_by_role("button", name="Einladungen senden").click()
    page.get_by_role("heading", name="Einladung an 40 Personen senden?").wait_for()
    previews = page.get_by_role("region", name="Die Mail, wie sie versendet wird")
    assert "Betreff: Einladung: Infotag Digitalisierung" in previews.get_by_role("article", name="Auf Deutsch").inner_text()
    assert "Hello Erika Mustermann," in previews.get_by_role("article", name="Auf Englisch").inner_text()
    check_axe(page, "confirmation")
    screenshot(page, "invitations-confirm-desktop")
    page.get_by_role("button", name="Ja, an 40 Personen senden").click()
    assert page.get_by_role("heading", name="Letzter Versand von Einladungen").is_visible()
    figures = page.locator(".batch-figures")
    expect(page.locator("[data-figure=queued]")).to_have_text("40")
    assert figures.get_attribute("aria-live") == "polite"
    assert figures.inner_text().split() == ["Eingereiht", "40", "/", "40", "Versendet", "0", "Fehlgeschlagen", "0"]
    update_link = page.get_by_role("link", name="Übersicht aktualisieren")
    update_link.focus()
    with app.app_context():
        assert send_all_due().sent == 40
    assert len(smtp_server.messages) == 40
    # The page follows the delivery by itself, changing the figures in place: focus stays where it was.
    page.get_by_text("Alle Mails dieses Versands sind an den Mailserver übergeben oder fehlgeschlagen.").wait_for()
    assert page.locator("[data-figure=sent]").inner_text() == "40"
    assert page.locator("#batch-progress-bar").evaluate("bar => [bar.value, bar.max]") == [40, 40]
    assert update_link.evaluate("link => document.activeElement === link")
    check_axe(page, "invitations with progress")
    screenshot(page, "invitations-progress-done")
    phone = new_page(**PHONE)
    log_in(phone, live_server.url, user)
    phone.goto(f"{live_server.url}/events/{event_id}/invitations")
    phone.get_by_label("Stand der Einladung", exact=True).select_option(label="Versendet")
    phone.get_by_role("button", name="Filtern").click()
    rows = phone.locator("tbody tr")
    assert rows.count() == 40
    assert rows.first.get_by_text("Versendet").is_visible()
    check_axe(phone, "invitations filtered on a phone")
    screenshot(phone, "invitations-sent-phone")

    phone.get_by_role("button", name="Einladung an Beschäftigte 00 erneut senden").click()
    assert phone.get_by_role("status").first.inner_text() == (
        "Eine neue Einladung an Beschäftigte 00 steht in der Warteschlange."
    )
    phone.get_by_label("Stand der Einladung", exact=True).select_option(label="Nicht versendet")
    phone.get_by_role("button", name="Filtern").click()
    assert phone.locator("tbody tr").count() == 3
    check_axe(phone, "invitations not sent on a phone")


def test_invitation_pages_fit_320_390_and_1280_px_and_the_text_reaches_the_preview(live_server, new_page):
    with live_server.app.app_context():
        user = make_user("organiser", email="orga@muenchen.example")
        event = make_event(title="2. Infotag Digitalisierung mit einem langen Titel")
        make_group(event, "Referats- und Betriebsleitungen", reserved_seats=15)
        for number in range(3):
            make_invitee(event, name=f"Person {number}")
        db.session.commit()
        event_id = event.id
    narrow = {"viewport": {"width": 320, "height": 720}, "is_mobile": True, "has_touch": True}
    for name, options in (("narrow", narrow), ("phone", PHONE), ("desktop", {})):
        page = new_page(**options)
        log_in(page, live_server.url, user)
        page.goto(f"{live_server.url}/events/{event_id}/invitations")
        check_axe(page, f"invitations at {name}")
        screenshot(page, f"invitations-{name}")
        page.get_by_role("link", name="Einladungstext und die Mail, wie sie versendet wird").click()
        page.get_by_label("Einladungstext").fill(f"Wir freuen uns auf Sie ({name}).")
        page.get_by_role("button", name="Text speichern").click()
        assert page.get_by_role("status").first.inner_text() == "Der Einladungstext wurde gespeichert."
        previews = page.get_by_role("region", name="Die Mail, wie sie versendet wird")
        assert previews.get_by_text(f"Wir freuen uns auf Sie ({name}).").count() == 2, "German and English"
        check_axe(page, f"invitation text at {name}")
        screenshot(page, f"invitations-text-{name}")
        page.get_by_role("link", name="Zurück zu den Einladungen").click()
        form = page.locator("form", has=page.get_by_role("button", name="Einladungen senden"))
        form.get_by_role("button", name="Einladungen senden").click()
        page.get_by_role("heading", name="Einladung an 3 Personen senden?").wait_for()
        check_axe(page, f"confirmation at {name}")
        screenshot(page, f"invitations-confirm-{name}")
        page.get_by_role("link", name="Abbrechen").click()
        page.get_by_role("heading", name="Einladungen", exact=True).wait_for()
