"""Invitee import (preview, confirm, kept in the database between the two) and the list of invitees."""
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from tracker.audit.models import AuditEntry
from tracker.database import utcnow
from tracker.events.models import Event, Group
from tracker.extensions import db
from tracker.invitees.imports import MAX_IMPORT_BYTES
from tracker.invitees.links import find_by_token, personal_token
from tracker.invitees.models import Invitee, PendingImport
from tracker.registration.models import Registration

from .conftest import login
from .factories import join_team, make_event, make_group, make_invitee, make_registration, make_user

BAD_ROWS_CSV = "\r\n".join([
    "Vorname;Nachname;E-Mail;Gruppe;Referat;Sprache",
    "Anna;Berger;anna.berger@muenchen.example;Stadtrat;IT-Referat;de",
    "Bernd;Huber;kein-at-zeichen;Stadtrat;;",
    "Clara;Schmid;clara@muenchen.example;Feuerwehr;;",
    "Dora;Klein;Anna.Berger@muenchen.example;;;",
    "Emil;Wagner;vorhanden@muenchen.example;;;",
    ";;leer@muenchen.example;;;",
    "Fritz;Lang;fritz@muenchen.example;;" + "X" * 201 + ";",
    "Gina;Ba\x07d;gina@muenchen.example;;;",
    "Hans;Ott;hans@muenchen.example;;;klingonisch",
    "<script>alert(1)</script>;;script@muenchen.example;Beschäftigte;;en",
    '=HYPERLINK("https://evil.example","Klick");;formel@muenchen.example;;Kommunalreferat;',
]) + "\r\n"

#: The preview's one question for BAD_ROWS_CSV (the unknown group "Feuerwehr"), answered "no group".
FEUERWEHR_AS_NO_GROUP = {"group-0-value": "feuerwehr", "group-0": "none"}

EXPECTED_PROBLEMS = [
    (3, "E-Mail-Adresse", "Das ist keine gültige E-Mail-Adresse."),
    (5, "E-Mail-Adresse", "Doppelt: gleiche E-Mail-Adresse wie Zeile 2."),
    (6, "E-Mail-Adresse", "Diese E-Mail-Adresse steht bereits auf der Liste der Veranstaltung."),
    (7, "Name", "Der Name fehlt."),
    (8, "Dienststelle", "Der Eintrag ist zu lang."),
    (9, "Name", "Der Eintrag enthält Zeichen, die nicht gespeichert werden können (Steuerzeichen)."),
    (10, "Sprache", "Unbekannte Sprache: Verwenden Sie de oder en."),
]


@pytest.fixture
def setup(app, client):
    """An event with two groups and one invitee already on the list; an organiser logged in."""
    with app.app_context():
        user = make_user("organiser")
        event = make_event()
        make_group(event, "Stadtrat", 20)
        make_group(event, "Beschäftigte")
        make_invitee(event, name="Emil Wagner", email="Vorhanden@muenchen.example")
        db.session.commit()
    login(client, user)
    return event, user


def upload(client, event, content: bytes, filename="liste.csv"):
    return client.post(f"/events/{event.id}/invitees/import",
                       data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def pending_id(page: str) -> int:
    return int(re.search(r"/invitees/import/(\d+)/confirm", page).group(1))


def invitee_count(app, event) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Invitee).where(Invitee.event_id == event.id)).scalar_one()


def test_preview_lists_every_bad_row_with_line_and_german_reason(app, client, setup):
    event, _ = setup
    response = upload(client, event, BAD_ROWS_CSV.encode())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for line, column, reason in EXPECTED_PROBLEMS:
        row = rf'<td data-label="Zeile" class="num">{line}</td>\s*<td data-label="Spalte">{column}</td>\s*<td data-label="Problem">{re.escape(reason)}</td>'
        assert re.search(row, page), (line, reason)
    assert "4 Zeilen können importiert werden." in page
    assert "7 Zeilen haben Fehler und werden übersprungen." in page
    assert "2 Zeilen werden mit einem bereinigten Wert importiert." in page
    assert "4 Eingeladene importieren" in page
    assert "„Feuerwehr“ (1 Zeile) wird zu" in page
    for line, column, text, value, cleaned in [
        (11, "Name", "Auszeichnungen (HTML-Tags) wurden entfernt.", "&lt;script&gt;alert(1)&lt;/script&gt;", "alert(1)"),
        (12, "Name", "Ein =, +, - oder @ am Anfang wurde entfernt", "=HYPERLINK(", "HYPERLINK("),
    ]:
        row = (rf'<td data-label="Zeile" class="num">{line}</td>\s*<td data-label="Spalte">{column}</td>\s*'
               rf'<td data-label="Problem">{re.escape(text)}.*?<code>{re.escape(value)}.*?Importiert als <code>{re.escape(cleaned)}')
        assert re.search(row, page, re.DOTALL), line
    assert "<script>alert" not in page
    assert invitee_count(app, event) == 1, "nothing is imported before the organiser confirms"
    with app.app_context():
        pending = db.session.execute(select(PendingImport)).scalar_one()
        assert pending.data == BAD_ROWS_CSV.encode() and (pending.good_rows, pending.row_errors) == (4, 7)


def group_choice(app, event, name):
    with app.app_context():
        return str(db.session.execute(select(Group.id).where(Group.event_id == event.id, Group.name == name)).scalar_one())


def test_confirm_imports_the_good_rows_with_personal_links(app, client, setup):
    event, _ = setup
    page = upload(client, event, BAD_ROWS_CSV.encode()).get_data(as_text=True)
    response = client.post(f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm",
                           data={"group-0-value": "feuerwehr", "group-0": group_choice(app, event, "Beschäftigte")})
    assert response.status_code == 302
    assert "4 Eingeladene wurden importiert." in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        imported = db.session.execute(select(Invitee).where(Invitee.source == "import").order_by(Invitee.id)).scalars().all()
        assert [i.name for i in imported] == ["Anna Berger", "Clara Schmid", "alert(1)", 'HYPERLINK("https://evil.example","Klick")']
        assert imported[0].group.name == "Stadtrat" and imported[0].unit == "IT-Referat"
        assert imported[1].group.name == "Beschäftigte", "Feuerwehr as the organiser mapped it"
        assert imported[2].group.name == "Beschäftigte" and imported[2].language == "en"
        assert imported[3].group is None and imported[3].language == "de"
        assert len({i.token_hash for i in imported}) == 4
        assert all(find_by_token(personal_token(i)).id == i.id for i in imported)
        assert db.session.execute(select(PendingImport)).first() is None
        audit = db.session.execute(select(AuditEntry).where(AuditEntry.action == "invitees.imported")).scalar_one()
        assert audit.details == {"count": 4, "skipped_rows": 7, "cleaned_values": 2, "mapped_group_values": 1}


ENGLISH_CSV = "First name,Last name,Email,Group\r\n" + "".join(
    f"P{n},Doe,p{n}@city.example,{'council' if n % 3 == 0 else 'staff'}\r\n" for n in range(300)
)


def test_an_english_file_is_one_question_per_group_value_then_imported_with_the_mapping(app, client, setup):
    event, _ = setup
    response = upload(client, event, ENGLISH_CSV.encode())
    page = response.get_data(as_text=True)
    assert "300 Zeilen können importiert werden." in page and "0 Zeilen haben Fehler" in page
    assert "„council“ (100 Zeilen) wird zu" in page and "„staff“ (200 Zeilen) wird zu" in page
    assert "Fehler und bereinigte Werte nach Art" not in page
    url = f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm"
    incomplete = client.post(url, data={"group-0-value": "council", "group-0": group_choice(app, event, "Stadtrat"),
                                        "group-1-value": "staff", "group-1": ""})
    assert incomplete.status_code == 422
    assert "Bitte wählen Sie eine Gruppe für „staff“." in incomplete.get_data(as_text=True)
    assert invitee_count(app, event) == 1
    response = client.post(url, data={"group-0-value": "council", "group-0": group_choice(app, event, "Stadtrat"),
                                      "group-1-value": "staff", "group-1": "none"})
    assert response.status_code == 302
    with app.app_context():
        groups = dict(db.session.execute(
            select(Group.name, func.count()).select_from(Invitee).outerjoin(Group, Invitee.group_id == Group.id)
            .where(Invitee.source == "import").group_by(Group.name)
        ).all())
    assert groups == {"Stadtrat": 100, None: 200}


def test_a_mapping_to_another_events_group_is_refused(app, client, setup):
    event, _ = setup
    with app.app_context():
        other = make_group(make_event(title="Anderer Tag"), "Stadtrat")
        db.session.commit()
        other_id = str(other.id)
    page = upload(client, event, ENGLISH_CSV.encode()).get_data(as_text=True)
    response = client.post(f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm",
                           data={"group-0-value": "council", "group-0": other_id, "group-1-value": "staff", "group-1": "none"})
    assert response.status_code == 422 and "Bitte wählen Sie eine Gruppe für „council“." in response.get_data(as_text=True)
    assert invitee_count(app, event) == 1


def test_a_group_made_meanwhile_that_changes_the_outcome_shows_a_new_preview(app, client, setup):
    event, _ = setup
    page = upload(client, event, ENGLISH_CSV.encode()).get_data(as_text=True)
    with app.app_context():
        make_group(db.session.get(type(event), event.id), "Staff")
        db.session.commit()
    response = client.post(f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm",
                           data={"group-0-value": "council", "group-0": "none", "group-1-value": "staff", "group-1": "none"})
    assert response.status_code == 409, "the list of questions changed: the old answers do not fit"
    assert "„council“ (100 Zeilen) wird zu" in response.get_data(as_text=True)
    assert "„staff“" not in response.get_data(as_text=True)
    assert invitee_count(app, event) == 1


def test_every_problem_is_listed_grouped_with_all_line_numbers_and_paged(app, client, setup):
    event, _ = setup
    rows = ["Name;E-Mail"] + [f"P{n};kaputt{n}" if n % 2 else f"=P{n};p{n}@stadt.example" for n in range(2, 402)]
    page = upload(client, event, ("\r\n".join(rows) + "\r\n").encode()).get_data(as_text=True)
    bad = ", ".join(str(n) for n in range(3, 402, 2))
    assert f"Zeilen {bad}" in page, "every bad line is named in the summary"
    assert "Zeilen 2, 4, 6" in page
    assert page.count('<td data-label="Zeile" class="num">') == 100 + 10, "one page of the list, and the sample"
    assert "Seite 1 von 4" in page
    last = client.get(f"/events/{event.id}/invitees/import/{pending_id(page)}?page=4").get_data(as_text=True)
    assert '<td data-label="Zeile" class="num">401</td>' in last
    assert client.get(f"/events/{event.id}/invitees/import/{pending_id(page)}?page=99").status_code == 200


def test_another_worker_confirms_the_upload_from_the_database(app_factory, setup):
    """The upload is kept in the database, so a different app instance (worker or host) can finish it."""
    event, user = setup
    first, second = app_factory(), app_factory()
    client_a, client_b = first.test_client(), second.test_client()
    login(client_a, user)
    page = upload(client_a, event, BAD_ROWS_CSV.encode()).get_data(as_text=True)
    with client_a.session_transaction() as session_a, client_b.session_transaction() as session_b:
        session_b.update(dict(session_a))
    url = f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm"
    assert client_b.post(url, data=FEUERWEHR_AS_NO_GROUP).status_code == 302
    assert invitee_count(second, event) == 5


def test_only_the_uploader_may_confirm(app, client, setup):
    event, _ = setup
    page = upload(client, event, BAD_ROWS_CSV.encode()).get_data(as_text=True)
    with app.app_context():
        other = make_user("organiser")
        join_team(db.session.get(Event, event.id), other)
        db.session.commit()
    other_client = app.test_client()
    login(other_client, other)
    response = other_client.post(f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm", data=FEUERWEHR_AS_NO_GROUP)
    assert response.status_code == 302 and response.headers["Location"].endswith("/invitees/import")
    assert invitee_count(app, event) == 1


def test_expired_upload_is_not_imported_and_is_cleared(app, client, setup):
    event, _ = setup
    page = upload(client, event, BAD_ROWS_CSV.encode()).get_data(as_text=True)
    with app.app_context():
        pending = db.session.execute(select(PendingImport)).scalar_one()
        pending.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.post(f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm", data=FEUERWEHR_AS_NO_GROUP,
                           follow_redirects=True)
    assert "abgelaufen" in response.get_data(as_text=True)
    assert invitee_count(app, event) == 1
    upload(client, event, BAD_ROWS_CSV.encode())
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(PendingImport)).scalar_one() == 1


def test_list_changed_since_preview_shows_a_new_preview(app, client, setup):
    event, _ = setup
    page = upload(client, event, BAD_ROWS_CSV.encode()).get_data(as_text=True)
    with app.app_context():
        make_invitee(db.session.get(type(event), event.id), name="Anna", email="ANNA.BERGER@muenchen.example")
        db.session.commit()
    response = client.post(f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm", data=FEUERWEHR_AS_NO_GROUP)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Die Liste hat sich seit der Vorschau geändert" in text and "3 Zeilen können importiert werden." in text
    assert invitee_count(app, event) == 2
    url = f"/events/{event.id}/invitees/import/{pending_id(text)}/confirm"
    assert client.post(url, data=FEUERWEHR_AS_NO_GROUP).status_code == 302
    assert invitee_count(app, event) == 5


def test_discarding_deletes_the_upload(app, client, setup):
    event, _ = setup
    page = upload(client, event, BAD_ROWS_CSV.encode()).get_data(as_text=True)
    number = pending_id(page)
    assert client.post(f"/events/{event.id}/invitees/import/{number}/cancel").status_code == 302
    with app.app_context():
        assert db.session.execute(select(PendingImport)).first() is None
    assert client.get(f"/events/{event.id}/invitees/import/{number}").status_code == 302


def test_preview_can_be_shown_again(client, setup):
    event, _ = setup
    number = pending_id(upload(client, event, BAD_ROWS_CSV.encode()).get_data(as_text=True))
    again = client.get(f"/events/{event.id}/invitees/import/{number}").get_data(as_text=True)
    assert "4 Zeilen können importiert werden." in again


def test_xlsx_and_windows_csv_are_read(app, client, setup):
    event, _ = setup
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "E-Mail", "Dienststelle", "Gruppe"])
    workbook.active.append(["Jürgen Müller", "juergen.mueller@muenchen.example", "Baureferat", "Stadtrat"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = upload(client, event, buffer.getvalue(), "liste.xlsx").get_data(as_text=True)
    assert "1 Zeile kann importiert werden." in page
    client.post(f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm")
    windows = "Name,E-Mail\r\nBärbel Größ,baerbel@muenchen.example\r\n".encode("cp1252")
    page = upload(client, event, windows).get_data(as_text=True)
    assert "Bärbel Größ" in page
    client.post(f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm")
    with app.app_context():
        names = set(db.session.execute(select(Invitee.name)).scalars())
    assert {"Jürgen Müller", "Bärbel Größ"} <= names


@pytest.mark.parametrize(
    "content, filename, message",
    [
        (b"", "", "Bitte wählen Sie eine Datei aus."),
        (b"", "leer.csv", "Die Datei enthält unter der Kopfzeile keine Eingeladenen."),
        (b"Name;E-Mail\r\n", "leer.csv", "Die Datei enthält unter der Kopfzeile keine Eingeladenen."),
        (b"Vorname;Telefon\r\nA;1\r\n", "liste.csv", "In der Kopfzeile fehlen die Spalten: Name, E-Mail-Adresse."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "alt.xls", "Bitte laden Sie eine CSV-Datei"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "alt.csv", "Alte Excel-Dateien (.xls)"),
        (b"PK\x03\x04kaputt", "liste.xlsx", "Die Datei kann nicht gelesen werden."),
        (b"Name;E-Mail\r\n" + b"x" * (MAX_IMPORT_BYTES), "gross.csv", "Die Datei ist größer als 10 MB."),
    ],
)
def test_unusable_files_are_refused_and_nothing_is_kept(app, client, setup, content, filename, message):
    event, _ = setup
    response = upload(client, event, content, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(PendingImport)).first() is None
    assert invitee_count(app, event) == 1


def test_single_invitee_is_added_edited_and_removed(app, client, setup):
    event, _ = setup
    with app.app_context():
        council = db.session.execute(select(Group).where(Group.name == "Stadtrat")).scalar_one()
    data = {"name": "  Jana   Novak ", "email": "jana.novak@muenchen.example", "unit": "Sozialreferat",
            "group_id": str(council.id), "language": "en"}
    assert client.post(f"/events/{event.id}/invitees/new", data=data).status_code == 302
    with app.app_context():
        jana = db.session.execute(select(Invitee).where(Invitee.email == "jana.novak@muenchen.example")).scalar_one()
        assert (jana.name, jana.group_id, jana.language, jana.source) == ("Jana Novak", council.id, "en", "manual")
        token_before = jana.token_hash
    edit = client.post(f"/events/{event.id}/invitees/{jana.id}/edit", data=data | {"unit": "", "group_id": ""})
    assert edit.status_code == 302
    with app.app_context():
        jana = db.session.get(Invitee, jana.id)
        assert (jana.unit, jana.group_id, jana.token_hash) == (None, None, token_before)
        make_registration(jana)
        db.session.commit()
    confirm = client.get(f"/events/{event.id}/invitees/{jana.id}/delete").get_data(as_text=True)
    assert "Wollen Sie Jana Novak (jana.novak@muenchen.example) wirklich von der Liste entfernen?" in confirm
    assert "bereits geantwortet" in confirm
    assert client.post(f"/events/{event.id}/invitees/{jana.id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Invitee, jana.id) is None
        assert db.session.execute(select(Registration)).first() is None
        actions = list(db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())
    assert actions == ["invitee.added", "invitee.updated", "invitee.removed"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"email": "VORHANDEN@muenchen.example"}, "Diese E-Mail-Adresse steht bereits auf der Liste."),
        ({"email": "kein-at-zeichen"}, "Das ist keine gültige E-Mail-Adresse."),
        ({"name": "   "}, "Name"),
        ({"name": "x" * 201}, "Name"),
        ({"name": "Tab\x1bEscape"}, "Steuerzeichen"),
        ({"group_id": "99999"}, "Gruppe"),
        ({"language": "fr"}, "Sprache"),
    ],
)
def test_invalid_single_invitee_is_refused(app, client, setup, changes, message):
    event, _ = setup
    data = {"name": "Jana Novak", "email": "jana@muenchen.example", "unit": "", "group_id": "", "language": "de"}
    response = client.post(f"/events/{event.id}/invitees/new", data=data | changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert invitee_count(app, event) == 1


def test_editing_keeps_other_events_apart(app, client, setup):
    event, _ = setup
    with app.app_context():
        other = make_event("Anderer Infotag")
        stranger = make_invitee(other)
        db.session.commit()
    assert client.get(f"/events/{event.id}/invitees/{stranger.id}/edit").status_code == 404
    assert client.post(f"/events/{event.id}/invitees/{stranger.id}/delete").status_code == 404


def test_list_is_paginated_filtered_and_searchable(app_factory):
    app = app_factory(PAGE_SIZE=5)
    client = app.test_client()
    with app.app_context():
        user = make_user("organiser")
        event = make_event()
        council = make_group(event, "Stadtrat", 10)
        for number in range(12):
            make_invitee(event, name=f"Person {number:02d}", email=f"p{number}@muenchen.example",
                         unit="Baureferat" if number % 3 == 0 else "Kulturreferat", group=council if number < 4 else None)
        make_invitee(event, name="Özlem Yılmaz", email="oezlem@it-referat.example", unit="IT-Referat")
        db.session.commit()
    login(client, user)
    base = f"/events/{event.id}/invitees/"
    first = client.get(base).get_data(as_text=True)
    assert "13 Eingeladene gefunden." in first and "Seite 1 von 3" in first and first.count('data-label="Name"') == 5
    third = client.get(base + "?page=3").get_data(as_text=True)
    assert third.count('data-label="Name"') == 3
    assert "4 Eingeladene gefunden." in client.get(base + f"?group={council.id}").get_data(as_text=True)
    assert "9 Eingeladene gefunden." in client.get(base + "?group=none").get_data(as_text=True)
    assert "4 Eingeladene gefunden." in client.get(base + "?q=baureferat").get_data(as_text=True)
    assert "1 eingeladene Person gefunden." in client.get(base + "?q=it-referat.example").get_data(as_text=True)
    assert "1 eingeladene Person gefunden." in client.get(base + "?q=Yılmaz").get_data(as_text=True)
    assert "4 Eingeladene gefunden." in client.get(base + f"?q=person+0&group={council.id}").get_data(as_text=True)
    assert "0 Eingeladene gefunden." in client.get(base + "?q=%25").get_data(as_text=True)
    assert "1 eingeladene Person gefunden." in client.get(base + "?q=person+11").get_data(as_text=True)
    paged = client.get(base + "?q=person&page=2").get_data(as_text=True)
    assert "q=person" in paged and "Seite 2 von 3" in paged
    assert client.get(base + "?page=99&group=nonsense").status_code == 200


INVITEE_PAGES = ["/", "/new", "/{invitee}/edit", "/{invitee}/delete", "/import", "/import/1"]
GET_ONLY = {"/", "/import/1"}


@pytest.mark.parametrize("path", INVITEE_PAGES + ["/import/1/confirm", "/import/1/cancel"])
def test_invitee_pages_are_for_organisers_only(app, client, path):
    with app.app_context():
        event = make_event()
        invitee = make_invitee(event)
        door = make_user("door")
        db.session.commit()
    url = f"/events/{event.id}/invitees" + path.format(invitee=invitee.id)
    post_only = path.endswith(("confirm", "cancel"))
    anonymous = client.post(url) if post_only else client.get(url)
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.headers["Location"]
    login(client, door)
    if not post_only:
        assert client.get(url).status_code == 403
    if path not in GET_ONLY:
        assert client.post(url).status_code == 403
    assert invitee_count(app, event) == 1


def test_every_parser_reason_has_a_german_message(app):
    from tracker.invitees.messages import reason_messages
    from tracker.invitees.parsing import REASONS

    with app.test_request_context():
        messages = reason_messages()
    assert set(messages) == set(REASONS)
    assert all(text and not text.startswith("This") for text in messages.values())


def test_double_confirmation_imports_once(app_factory, setup):
    """Two workers receive the same confirmation at once (a double click): one imports, the other finds it done."""
    import threading

    event, user = setup
    apps = [app_factory(), app_factory()]
    clients = [a.test_client() for a in apps]
    login(clients[0], user)
    page = upload(clients[0], event, BAD_ROWS_CSV.encode()).get_data(as_text=True)
    with clients[0].session_transaction() as first, clients[1].session_transaction() as second:
        second.update(dict(first))
    barrier, statuses = threading.Barrier(2), []

    def confirm(client):
        barrier.wait()
        url = f"/events/{event.id}/invitees/import/{pending_id(page)}/confirm"
        statuses.append(client.post(url, data=FEUERWEHR_AS_NO_GROUP).status_code)

    threads = [threading.Thread(target=confirm, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [302, 302]
    assert invitee_count(apps[0], event) == 5


def test_line_numbers_are_listed_compactly():
    from tracker.invitees.preview import compact_lines

    assert compact_lines([9, 2, 3, 4, 4, 7, 8]) == "2–4, 7–9"
    assert compact_lines([5]) == "5" and compact_lines([]) == ""


def test_a_duplicate_names_the_line_it_repeats_in_german(app):
    from tracker.invitees.messages import problem_text, reason_messages
    from tracker.invitees.parsing import RowError

    with app.test_request_context():
        reasons = reason_messages()
        assert problem_text(RowError(14, "duplicate_in_file", "email", "a@b.de", 3), reasons) == (
            "Doppelt: gleiche E-Mail-Adresse wie Zeile 3."
        )
        assert problem_text(RowError(14, "duplicate_in_event", "email", "a@b.de"), reasons) == (
            "Diese E-Mail-Adresse steht bereits auf der Liste der Veranstaltung."
        )
