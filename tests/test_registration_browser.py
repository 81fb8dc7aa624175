"""The invitee's path and the staff self-registration in real Chromium on a phone, with axe-core on every page."""
import email
import re
from email import policy

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.invitees.links import personal_token
from tracker.mail.models import OutboxMail
from tracker.registration.models import Registration

from .conftest import PHONE, check_axe, screenshot
from .factories import PASSWORD, make_event, make_group, make_invitee, make_registration, make_user

pytestmark = pytest.mark.browser

AGENDA = "14:00 Begrüßung durch den Oberbürgermeister\n14:20 Digitale Verwaltung 2030\n15:30 Pause\n16:00 Mobilität in der Stadt"


def test_invitee_takes_a_seat_sees_the_ticket_switches_to_livestream_and_cancels(live_server, new_page):
    with live_server.app.app_context():
        event = make_event(title="1. Infotag Digitalisierung", agenda=AGENDA, description="Die Stadt stellt ihre Vorhaben vor.")
        invitee = make_invitee(event, name="Anna Berger")
        db.session.commit()
        url = f"{live_server.url}/t/{personal_token(invitee)}"
        invitee_id = invitee.id
    page = new_page(**PHONE)
    page.goto(url)
    assert page.locator("h1").inner_text() == "1. Infotag Digitalisierung"
    check_axe(page, "personal page, no answer yet")
    screenshot(page, "signup-1-personal-phone")

    page.get_by_role("button", name="Platz im Sitzungssaal nehmen").click()
    page.get_by_text("Ihr Platz im Sitzungssaal ist bestätigt.").wait_for()
    qr = page.get_by_role("img", name=re.compile("QR-Code Ihres Tickets T"))
    assert qr.is_visible() and qr.bounding_box()["width"] >= 200
    check_axe(page, "personal page with ticket")
    screenshot(page, "signup-2-ticket-phone")

    page.get_by_role("link", name="Ticket zum Ausdrucken").click()
    page.get_by_role("button", name="Ticket drucken").wait_for()
    check_axe(page, "printable ticket")
    screenshot(page, "signup-3-printable-ticket-phone")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    screenshot(page, "signup-3b-printable-ticket-print")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Zurück zu Ihrer persönlichen Seite").click()

    page.get_by_role("button", name="Im Livestream verfolgen").click()
    page.get_by_text("Ihr Platz im Livestream ist bestätigt.").wait_for()
    assert page.get_by_role("link", name="Livestream-Seite öffnen").get_attribute("href").endswith("/watch")
    check_axe(page, "personal page, livestream")
    screenshot(page, "signup-4-livestream-phone")

    page.get_by_text("Meine Anmeldung stornieren").click()
    page.get_by_role("button", name="Ja, Anmeldung stornieren").click()
    page.get_by_text("Ihre Anmeldung ist storniert.").wait_for()
    check_axe(page, "personal page, cancelled")
    screenshot(page, "signup-5-cancelled-phone")
    with live_server.app.app_context():
        registration = db.session.execute(select(Registration).filter_by(invitee_id=invitee_id)).scalar_one()
        assert registration.status == "cancelled" and registration.active_ticket is None


def test_full_hall_leads_to_the_waiting_list(live_server, new_page):
    with live_server.app.app_context():
        event = make_event(hall_capacity=1, agenda=AGENDA)
        make_registration(make_invitee(event))
        invitee = make_invitee(event, name="Bernd Huber")
        db.session.commit()
        url = f"{live_server.url}/t/{personal_token(invitee)}"
    page = new_page(**PHONE)
    page.goto(url)
    button = page.get_by_role("button", name="Auf die Warteliste für den Sitzungssaal")
    assert "bis dahin einen Platz im Livestream" in page.locator("#hall-full-hint").inner_text()
    check_axe(page, "personal page, hall full")
    button.click()
    page.get_by_text("Position 1.").wait_for()
    assert page.get_by_role("link", name="Livestream-Seite öffnen").is_visible()
    check_axe(page, "personal page, waiting")
    screenshot(page, "signup-6-waiting-list-phone")


def test_unknown_link_page(live_server, new_page):
    page = new_page(**PHONE)
    response = page.goto(f"{live_server.url}/t/not-a-real-link")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Dieser Link funktioniert nicht"
    check_axe(page, "unknown link")
    screenshot(page, "signup-7-unknown-link-phone")


def test_staff_register_themselves_with_double_opt_in(live_server, new_page):
    with live_server.app.app_context():
        event = make_event(self_registration=True, self_registration_domains="muenchen.example", agenda=AGENDA)
        db.session.commit()
        url = f"{live_server.url}/anmeldung/{event.public_token}"
    page = new_page(**PHONE)
    page.goto(url)
    check_axe(page, "self-registration form")
    page.get_by_role("button", name="Bestätigungslink senden").click()
    page.get_by_role("alert").wait_for()
    check_axe(page, "self-registration form with errors")
    screenshot(page, "signup-8-self-registration-errors-phone")
    page.get_by_label("Name").fill("Clara Schmidt")
    page.get_by_label("Dienstliche E-Mail-Adresse").fill("clara.schmidt@gmail.example")
    page.get_by_label("Dienststelle").fill("Mobilitätsreferat")
    page.get_by_role("button", name="Bestätigungslink senden").click()
    assert "Bitte verwenden Sie Ihre dienstliche Adresse (@muenchen.example)." in page.locator("#email-error").inner_text()
    page.get_by_label("Dienstliche E-Mail-Adresse").fill("Clara.Schmidt@muenchen.example")
    page.get_by_role("button", name="Bestätigungslink senden").click()
    page.get_by_role("heading", name="Bitte sehen Sie in Ihr E-Mail-Postfach").wait_for()
    check_axe(page, "confirmation sent")
    with live_server.app.app_context():
        mail = db.session.execute(select(OutboxMail).filter_by(kind="opt_in")).scalar_one()
        text = email.message_from_bytes(mail.message, policy=policy.default).get_body(("plain",)).get_content()
    link = re.search(r"(http://127\.0\.0\.1:\d+/anmeldung/\S+)", text).group(1)
    page.goto(link)
    check_axe(page, "confirm registration")
    screenshot(page, "signup-9-confirm-phone")
    page.get_by_role("button", name="Anmeldung bestätigen").click()
    page.get_by_text("Ihre E-Mail-Adresse ist bestätigt.").wait_for()
    assert "/t/" in page.url
    page.get_by_role("button", name="Platz im Sitzungssaal nehmen").click()
    page.get_by_text("Ihr Platz im Sitzungssaal ist bestätigt.").wait_for()


def test_organiser_closes_the_registration(live_server, new_page):
    with live_server.app.app_context():
        organiser = make_user("organiser")
        event = make_event(hall_capacity=3, self_registration=True, self_registration_domains="muenchen.example")
        council = make_group(event, "Stadtrat", reserved_seats=2, waiting_priority=5)
        make_registration(make_invitee(event, group=council))
        make_registration(make_invitee(event, name="Dora Wagner"), status="waiting")
        db.session.commit()
        event_id, email_address = event.id, organiser.email
    page = new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-Mail-Adresse").fill(email_address)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.goto(f"{live_server.url}/events/{event_id}/registration")
    check_axe(page, "organiser registration tab")
    page.get_by_role("button", name="Anmeldung jetzt schließen").click()
    page.get_by_text("Vom Organisationsteam geschlossen").wait_for()
    page.get_by_label("Anmeldeschluss").fill("2031-03-01T18:00")
    page.get_by_role("button", name="Anmeldeschluss speichern").click()
    page.get_by_text("Der Anmeldeschluss wurde gespeichert.").wait_for()
    check_axe(page, "organiser registration tab after changes")
    screenshot(page, "signup-10-organiser-desktop")
