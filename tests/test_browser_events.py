"""An organiser in a real browser: log in, create an event, add groups, import a list with a bad row, confirm."""
import pytest

from tracker.extensions import db

from .conftest import PHONE, check_axe, screenshot
from .factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

LIST_CSV = (
    "Vorname;Nachname;E-Mail;Gruppe;Referat\r\n"
    "Anna;Berger;anna.berger@muenchen.example;Stadtrat;IT-Referat\r\n"
    "Bernd;Huber;bernd.huber@muenchen.example;Beschäftigte;Baureferat\r\n"
    "Clara;Schmid;kein-at-zeichen;Beschäftigte;Sozialreferat\r\n"
    "<script>alert(1)</script>;;script@muenchen.example;;Kulturreferat\r\n"
)


def log_in(page, url, email):
    page.goto(url + "/login")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/events/")


def upload_list(page, csv_file):
    """From the invitee list, upload the file and wait for the preview (the upload page is checked on the way)."""
    page.get_by_role("link", name="Liste importieren").click()
    check_axe(page, "upload")
    page.get_by_label("Datei mit den Eingeladenen (CSV oder Excel)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Datei prüfen").click()
    page.get_by_role("heading", name="Import prüfen").wait_for()


def test_organiser_creates_an_event_adds_groups_and_imports_a_list(live_server, new_page, tmp_path):
    with live_server.app.app_context():
        user = make_user("organiser", email="orga@muenchen.example")
        db.session.commit()
    csv_file = tmp_path / "eingeladene.csv"
    csv_file.write_bytes(LIST_CSV.encode())

    page = new_page()
    log_in(page, live_server.url, user.email)
    check_axe(page, "events")
    page.get_by_role("link", name="Neue Veranstaltung").click()
    check_axe(page, "new event")
    page.get_by_label("Titel", exact=True).fill("2. Infotag Digitalisierung")
    page.get_by_label("Beginn", exact=True).fill("2027-01-17T09:30")
    page.get_by_label("Ende", exact=True).fill("2027-01-17T09:00")
    page.get_by_label("Ort", exact=True).fill("Sitzungssaal, Rathaus")
    page.get_by_label("Plätze im Saal", exact=True).fill("150")
    page.get_by_label("Anmeldeschluss", exact=True).fill("2027-01-10T23:59")
    page.get_by_label("Stream-Adresse", exact=True).fill("https://stream.example.org/embed/2")
    page.get_by_role("button", name="Speichern").click()
    assert "Das Ende muss nach dem Beginn liegen." in page.get_by_role("alert").inner_text()
    check_axe(page, "new event with errors")
    screenshot(page, "events-form-error-desktop")
    page.get_by_label("Ende", exact=True).fill("2027-01-17T13:00")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url("**/groups")
    check_axe(page, "groups")

    for name, seats in (("Stadtrat", "40"), ("Beschäftigte", "")):
        page.get_by_label("Name", exact=True).fill(name)
        page.get_by_label("Reservierte Plätze im Saal").fill(seats)
        page.get_by_role("button", name="Gruppe speichern").click()
        page.wait_for_load_state()
    page.get_by_label("Name", exact=True).fill("Speaker")
    page.get_by_label("Reservierte Plätze im Saal").fill("111")
    page.get_by_role("button", name="Gruppe speichern").click()
    assert "Die Gruppen reservieren 151 Plätze, aber der Saal hat nur 150." in page.get_by_role("alert").inner_text()
    check_axe(page, "groups with quota error")
    screenshot(page, "events-groups-desktop")

    page.get_by_role("link", name="Eingeladene").click()
    check_axe(page, "empty invitee list")
    upload_list(page, csv_file)
    problems = page.get_by_role("table", name="Jede Zeile mit Fehler oder bereinigtem Wert")
    assert problems.get_by_role("row").nth(1).inner_text().split("\t")[:3] == [
        "4", "E-Mail-Adresse", "Das ist keine gültige E-Mail-Adresse."
    ]
    check_axe(page, "preview")
    screenshot(page, "invitees-preview-desktop")
    page.get_by_role("button", name="3 Eingeladene importieren").click()
    page.wait_for_url("**/invitees/")
    assert "3 Eingeladene wurden importiert." in page.get_by_role("status").first.inner_text()
    table = page.get_by_role("table", name="Eingeladene")
    assert table.get_by_role("cell", name="alert(1)", exact=True).count() == 1, "imported with its markup removed"
    check_axe(page, "invitee list")
    screenshot(page, "invitees-list-desktop")

    phone = new_page(**PHONE)
    log_in(phone, live_server.url, user.email)
    phone.get_by_role("link", name="2. Infotag Digitalisierung").click()
    check_axe(phone, "overview on a phone")
    screenshot(phone, "events-overview-phone")
    phone.get_by_role("link", name="Eingeladene").click()
    phone.get_by_label("Name, E-Mail oder Dienststelle suchen").fill("berger")
    phone.get_by_role("button", name="Anzeigen").click()
    assert "1 eingeladene Person gefunden." in phone.get_by_role("status").inner_text()
    check_axe(phone, "filtered list on a phone")
    screenshot(phone, "invitees-list-phone")
    upload_list(phone, csv_file)
    check_axe(phone, "preview on a phone")
    screenshot(phone, "invitees-preview-phone")
    phone.get_by_role("link", name="Gruppen").click()
    screenshot(phone, "events-groups-phone")
    phone.goto(live_server.url + "/events/new")
    check_axe(phone, "event form on a phone")
    screenshot(phone, "events-form-phone")
