"""Importing an English list through the real upload page: one group question per unknown value, every problem
listed, the import with the organiser's mapping; the pages fit 320, 390 and 1280 px and pass axe."""
import pytest
from sqlalchemy import func, select

from tracker.events.models import Group
from tracker.extensions import db
from tracker.invitees.models import Invitee

from .conftest import PHONE, check_axe, screenshot
from .factories import PASSWORD, make_event, make_group, make_invitee, make_user

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 320, "height": 720}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def english_list(rows=300):
    """An English export: groups spelled council and staff, a duplicate, a formula and markup, a bad address."""
    lines = ["First name,Last name,Email,Group,Department"]
    for n in range(rows):
        lines.append(f"P{n},Doe,p{n}@city.example,{'council' if n % 3 == 0 else 'staff'},Unit {n}")
    lines.append("Anna,Again,p1@city.example,staff,IT")  # line rows + 2: duplicate of line 3
    lines.append("=HYPERLINK(x),Formula,formula@city.example,staff,IT")
    lines.append("<b>Bold</b>,Markup,markup@city.example,council,IT")
    lines.append("Bad,Address,not-an-address,staff,IT")
    return ("\r\n".join(lines) + "\r\n").encode()


def log_in(page, url, user):
    page.goto(url + "/login")
    page.get_by_label("E-Mail-Adresse").fill(user.email)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/events/")


def upload(page, url, event_id, path):
    page.goto(f"{url}/events/{event_id}/invitees/import")
    page.get_by_label("Datei mit den Eingeladenen (CSV oder Excel)").set_input_files(str(path))
    page.get_by_role("button", name="Datei prüfen").click()
    page.get_by_role("heading", name="Import prüfen").wait_for()


def test_an_english_list_is_imported_with_one_mapping_per_group_value(live_server, new_page, tmp_path):
    with live_server.app.app_context():
        user = make_user("organiser", email="orga@muenchen.example")
        event = make_event(title="2. Infotag Digitalisierung")
        make_group(event, "Stadtrat", 40)
        make_group(event, "Referats- und Betriebsleitungen", 15)
        make_group(event, "Beschäftigte", 40)
        make_invitee(event, name="Vorhanden", email="vorhanden@city.example")
        db.session.commit()
        event_id = event.id
    path = tmp_path / "invitees.csv"
    path.write_bytes(english_list())

    page = new_page()
    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/events/{event_id}/invitees/")
    page.get_by_role("link", name="Liste importieren").click()
    check_axe(page, "upload")
    screenshot(page, "invitees-upload-desktop")
    upload(page, live_server.url, event_id, path)
    assert page.get_by_text("302 Zeilen können importiert werden.").is_visible()
    assert page.get_by_text("2 Zeilen haben Fehler und werden übersprungen.").is_visible()
    kinds = page.get_by_role("list", name="Fehler und bereinigte Werte nach Art").inner_text()
    assert "Übersprungen: E-Mail-Adresse – Das ist keine gültige E-Mail-Adresse. 1 Zeile: Zeile 305" in kinds
    assert "Übersprungen: E-Mail-Adresse – Diese E-Mail-Adresse kommt in der Datei mehrfach vor. 1 Zeile: Zeile 302" in kinds
    assert "Importiert, bereinigt: Name – Ein =, +, - oder @ am Anfang wurde entfernt" in kinds
    notes = page.get_by_role("table", name="Jede Zeile mit Fehler oder bereinigtem Wert")
    duplicate = notes.get_by_role("row").filter(has_text="Doppelt")
    assert duplicate.inner_text().split("\t")[:3] == ["302", "E-Mail-Adresse", "Doppelt: gleiche E-Mail-Adresse wie Zeile 3."]
    mapping = page.get_by_role("group", name="Gruppen der Datei zuordnen")
    assert mapping.get_by_role("combobox").count() == 2, "one question per distinct value, not one per row"
    check_axe(page, "preview with group questions")
    screenshot(page, "invitees-preview-mapping-desktop")

    for options, name in ((NARROW, "narrow"), (PHONE, "phone")):
        phone = new_page(**options)
        log_in(phone, live_server.url, user)
        upload(phone, live_server.url, event_id, path)
        check_axe(phone, f"preview on a {name} screen")
        screenshot(phone, f"invitees-preview-mapping-{name}")

    page.get_by_role("button", name="302 Eingeladene importieren").click()
    summary = page.get_by_role("alert")
    assert "Bitte wählen Sie eine Gruppe für „council“." in summary.inner_text()
    assert "Bitte wählen Sie eine Gruppe für „staff“." in summary.inner_text()
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitee)) == 1, "nothing imported yet"
    check_axe(page, "preview with a missing answer")
    page.get_by_label("„council“ (101 Zeilen) wird zu").select_option(label="Stadtrat")
    page.get_by_label("„staff“ (201 Zeilen) wird zu").select_option(label="Keine Gruppe")
    page.get_by_role("button", name="302 Eingeladene importieren").click()
    page.wait_for_url("**/invitees/")
    assert "302 Eingeladene wurden importiert." in page.get_by_role("status").first.inner_text()
    with live_server.app.app_context():
        by_group = dict(db.session.execute(
            select(Group.name, func.count()).select_from(Invitee).outerjoin(Group, Invitee.group_id == Group.id)
            .where(Invitee.source == "import").group_by(Group.name)
        ).all())
        names = set(db.session.scalars(select(Invitee.name).where(Invitee.email.in_(["formula@city.example", "markup@city.example"]))))
    assert by_group == {"Stadtrat": 101, None: 201}
    assert names == {"HYPERLINK(x) Formula", "Bold Markup"}

    upload(phone, live_server.url, event_id, path)
    assert phone.get_by_text("Seite 1 von 4").is_visible(), "every row is now on the list: 304 problems, 100 a page"
    check_axe(phone, "long preview on a phone")
    phone.goto(f"{live_server.url}/events/{event_id}/invitees/import")
    check_axe(phone, "upload on a phone")
    screenshot(phone, "invitees-upload-phone")


def test_a_bad_file_gets_a_german_message_and_changes_nothing(live_server, new_page, tmp_path):
    with live_server.app.app_context():
        user = make_user("organiser", email="orga@muenchen.example")
        event = make_event()
        db.session.commit()
        event_id = event.id
    path = tmp_path / "wrong.csv"
    path.write_bytes(("Name;E-Mail;Gruppe\r\n" + "".join(f"P{n};p{n}@city.example;Wert {n}\r\n" for n in range(60))).encode())
    page = new_page(**PHONE)
    log_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/events/{event_id}/invitees/import")
    page.get_by_label("Datei mit den Eingeladenen (CSV oder Excel)").set_input_files(str(path))
    page.get_by_role("button", name="Datei prüfen").click()
    assert "Die Spalte „Gruppe“ enthält mehr als 50 verschiedene Werte" in page.get_by_role("alert").inner_text()
    check_axe(page, "upload refused")
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitee)) == 0
