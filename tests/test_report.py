"""Report (page and PDF), exports with their guard against formula injection, series overview and copying an event."""
import re
import csv
import io
import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageStat
from sqlalchemy import func, select

from tracker.audit.models import AuditEntry
from tracker.dashboard.exports import defuse
from tracker.database import utcnow
from tracker.events.models import Event, Group
from tracker.extensions import db
from tracker.invitees.models import Invitee
from tracker.registration.models import Registration

from .conftest import ARTIFACTS, login
from .factories import make_event, make_group, make_invitee, make_registration, make_user
from .test_dashboard import build_scenario


@pytest.fixture
def organiser_client(app, client):
    with app.app_context():
        organiser = make_user("organiser")
        scenario = build_scenario()
        db.session.commit()
    login(client, organiser)
    client.scenario = scenario
    return client


def test_report_states_the_headline_from_the_data_in_german_and_english(organiser_client):
    event_id = organiser_client.scenario.event_id
    page = organiser_client.get(f"/events/{event_id}/report").get_data(as_text=True).replace("\xa0", " ")
    assert "130 Gäste im Sitzungssaal und 70 weitere Personen im Livestream." in page
    assert "130 guests in the council hall and 70 more people on the livestream." in page
    assert "5 Personen im Sitzungssaal haben zusätzlich online zugeschaut; sie zählen einmal, beim Saal." in page
    assert "Insgesamt wurden 200 Personen erreicht." in page
    assert "Online zählt, wer mindestens 10 Minuten zugeschaut hat, ohne im Sitzungssaal zu sein." in page
    for step, count in (("Auf der Liste", 240), ("Eingeladen", 238), ("Geantwortet", 233), ("Angemeldet", 220),
                        ("Teilgenommen (Saal oder online)", 199)):
        assert re.search(rf'<th scope="row">{re.escape(step)}</th>\s*<td class="num">{count}</td>', page), step
    assert "7 %" in page  # no-show rate 10 of 140
    assert page.count("<svg") == 2


def test_report_pdf_has_content(organiser_client):
    event_id = organiser_client.scenario.event_id
    response = organiser_client.get(f"/events/{event_id}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith('-auswertung.pdf"')
    pdf = response.data
    assert pdf.startswith(b"%PDF")
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm missing: apt-get install poppler-utils (the CI script does)")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "90", str(ARTIFACTS / "report.pdf"), str(ARTIFACTS / "report-pdf")],
                   check=True, timeout=120)
    pages = sorted(ARTIFACTS.glob("report-pdf-*.png"))
    assert pages, "pdftoppm made no page"
    first = Image.open(pages[0]).convert("L")
    assert ImageStat.Stat(first).stddev[0] > 20, "the first page is blank"
    text = subprocess.run(["pdftotext", str(ARTIFACTS / "report.pdf"), "-"], capture_output=True, text=True,
                          timeout=60).stdout if shutil.which("pdftotext") else ""
    if text:
        assert "130 Gäste im Sitzungssaal" in text
        assert "Check-ins je 5 Minuten" in text
        assert "Donnerstag, 15. Oktober 2026, 10:00 bis 13:00 Uhr" in text, "dates in full"
        pages_in_all = len(pages)
        assert all(f"Seite {n} von {pages_in_all}" in text for n in range(1, pages_in_all + 1)), "page numbers"
        assert "Stadtverwaltung, IT-Referat" in text and "Marienplatz 8, 80331 München" in text, "the issuing office"
        assert "noch nicht zu Ende" not in text, "the event has ended"
    info = subprocess.run(["pdfinfo", str(ARTIFACTS / "report.pdf")], capture_output=True, text=True, timeout=60).stdout
    assert "Tagged:          yes" in info, info
    assert "Title:           Auswertung: Infotag Digitalisierung" in info, info


def test_a_pdf_made_before_the_end_says_so(app, organiser_client):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext missing: apt-get install poppler-utils (the CI script does)")
    event_id = organiser_client.scenario.event_id
    with app.app_context():
        db.session.get(Event, event_id).ends_at = utcnow() + timedelta(hours=1)
        db.session.commit()
    pdf = organiser_client.get(f"/events/{event_id}/report.pdf").data
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-live.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(ARTIFACTS / "report-live.pdf"), "-"], capture_output=True, text=True,
                          timeout=60).stdout
    assert "Die Veranstaltung ist noch nicht zu Ende: Dies sind die bisherigen Zahlen." in text


def test_report_of_an_event_without_data_is_fine(app, client):
    with app.app_context():
        organiser = make_user()
        event = make_event()
        db.session.commit()
    login(client, organiser)
    page = client.get(f"/events/{event.id}/report").get_data(as_text=True)
    assert "0 Gäste im Sitzungssaal und 0 weitere Personen im Livestream." in page
    assert "Es gab keine Check-ins und keine Zuschauer*innen." in page
    assert client.get(f"/events/{event.id}/report.pdf").data.startswith(b"%PDF")


def test_attendance_csv_lists_everybody_and_is_audited(app, organiser_client):
    event_id = organiser_client.scenario.event_id
    response = organiser_client.get(f"/events/{event_id}/exports/attendance.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0] == ["Name", "E-Mail", "Gruppe", "Dienststelle", "Antwort", "Check-in um", "Einlass",
                       "Ausgang um", "Minuten zugeschaut"]
    body = rows[1:]
    assert len(body) == 240
    by_name = {row[0]: row for row in body}
    checked = by_name["Hall 000"]
    assert checked[4] == "Saal" and checked[5] == "2026-10-15 09:15" and checked[6] == "Eingang Nord"
    assert checked[7] == "2026-10-15 10:45"  # checked out 90 minutes later
    both = by_name["Hall 125"]
    assert both[5] and both[8] == "15"
    assert by_name["Online 140"][4] == "Livestream" and by_name["Online 140"][8] == "10"
    assert sum(1 for row in body if row[5]) == 130
    assert sum(1 for row in body if row[4] == "keine Antwort") == 7
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "export.attendance")).scalar_one()
        assert entry.details == {"format": "csv"} and entry.event_id == event_id


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"])
def test_formula_injection_is_defused(value):
    assert defuse(value) == "'" + value
    assert defuse("Müller-Lüdenscheidt") == "Müller-Lüdenscheidt"
    assert defuse(42) == 42


def test_exports_defuse_names_and_units_that_look_like_formulas(app, client):
    with app.app_context():
        organiser = make_user()
        event = make_event()
        group = make_group(event, "=Gruppe")
        invitee = make_invitee(event, name="=cmd|' /C calc'!A0", group=group, unit="@Referat")
        make_registration(invitee, mode="stream")
        db.session.commit()
    login(client, organiser)
    rows = list(csv.reader(io.StringIO(client.get(f"/events/{event.id}/exports/attendance.csv").data.decode()[1:]),
                           delimiter=";"))
    assert rows[1][:4] == ["'=cmd|' /C calc'!A0", invitee.email, "'=Gruppe", "'@Referat"]
    workbook = load_workbook(io.BytesIO(client.get(f"/events/{event.id}/exports/attendance.xlsx").data))
    sheet = workbook.active
    assert sheet.title == "Anwesenheit"
    values = [cell.value for cell in sheet[2]]
    assert values[0] == "'=cmd|' /C calc'!A0" and values[2] == "'=Gruppe" and values[3] == "'@Referat"
    assert sheet[2][0].data_type == "s", "stored as text, not as a formula"


def test_attendance_xlsx_has_every_invitee(organiser_client):
    event_id = organiser_client.scenario.event_id
    response = organiser_client.get(f"/events/{event_id}/exports/attendance.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 241
    assert sum(1 for row in rows[1:] if row[5]) == 130
    assert sum(row[8] for row in rows[1:]) == (5 * 15 + 3 * 30 + sum(10 + n % 66 for n in range(66)) + 8 * 5)


def test_figures_json_for_the_citys_reporting(app, organiser_client):
    event_id = organiser_client.scenario.event_id
    response = organiser_client.get(f"/events/{event_id}/exports/figures.json")
    assert response.mimetype == "application/json"
    data = json.loads(response.data)
    assert data["headline"]["de"] == "130 Gäste im Sitzungssaal und 70 weitere Personen im Livestream."
    assert data["hall"] == {"capacity": 150, "present": 130, "inside_now": 128}
    assert data["livestream"]["followed_online"] == 70 and data["livestream"]["online_threshold_minutes"] == 10
    assert (data["hall_and_online"], data["reached"]) == (5, 200)
    assert data["totals"]["followed_online"] == sum(group["followed_online"] for group in data["groups"]) == 69
    assert data["totals"]["no_shows"] == 10 and data["totals"]["no_show_rate"] == round(10 / 140, 4)
    assert [group["name"] for group in data["groups"]] == ["Stadtrat", "Referats- und Betriebsleitungen",
                                                          "Beschäftigte", "Referent*innen"]
    assert "@" not in response.get_data(as_text=True), "no e-mail address, no personal data"
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "export.figures")) == 1


# --- Series of events ------------------------------------------------------------------------------------------


def test_series_compares_events_side_by_side(app, organiser_client):
    with app.app_context():
        make_event(title="2. Infotag Digitalisierung", starts_in=timedelta(days=60))
        db.session.commit()
    page = organiser_client.get("/events/series").get_data(as_text=True).replace("\xa0", " ")
    first, second = page.index("Infotag Digitalisierung</a>"), page.index("2. Infotag Digitalisierung</a>")
    assert first < second, "oldest first"
    row = page[first:second]
    for label, value in (("Eingeladen", "238"), ("Anwesend im Sitzungssaal", "130"), ("Online dabei", "70"),
                         ("Insgesamt erreicht", "200"), ("No-Show-Quote", "7 %")):
        assert re.search(rf'data-label="{label}"( class="num")?>{value}</td>', row), label


def test_copy_makes_groups_and_invitees_with_new_links_and_no_registrations(app, organiser_client):
    source_id = organiser_client.scenario.event_id
    form = organiser_client.get(f"/events/{source_id}/copy").get_data(as_text=True)
    assert 'value="2027-01-14T09:00"' in form, "suggests the same weekday 13 weeks later, in Berlin time"
    response = organiser_client.post(f"/events/{source_id}/copy", data={
        "title": "2. Infotag Digitalisierung", "starts_at": "2027-01-14T09:00", "ends_at": "2027-01-14T12:00",
        "with_invitees": "y"})
    assert response.status_code == 302
    with app.app_context():
        source = db.session.get(Event, source_id)
        copy = db.session.execute(select(Event).where(Event.title == "2. Infotag Digitalisierung")).scalar_one()
        assert response.headers["Location"].endswith(f"/events/{copy.id}/dashboard")
        assert copy.starts_at.isoformat() == "2027-01-14T08:00:00+00:00"
        assert (copy.hall_capacity, copy.venue, copy.checkout_enabled) == (source.hall_capacity, source.venue, True)
        assert copy.public_token != source.public_token
        groups = db.session.execute(select(Group.name, Group.reserved_seats).where(Group.event_id == copy.id)
                                    .order_by(Group.position)).all()
        assert groups == [("Stadtrat", 20), ("Referats- und Betriebsleitungen", None), ("Beschäftigte", None),
                          ("Referent*innen", None)]
        old = {i.email: i for i in db.session.execute(select(Invitee).where(Invitee.event_id == source_id)).scalars()}
        new = db.session.execute(select(Invitee).where(Invitee.event_id == copy.id)).scalars().all()
        assert len(new) == len(old) == 240
        for invitee in new:
            original = old[invitee.email]
            assert invitee.token_hash != original.token_hash
            assert (invitee.name, invitee.unit, invitee.group.name) == (original.name, original.unit, original.group.name)
            assert invitee.invited_at is None
        assert db.session.scalar(select(func.count()).where(Registration.event_id == copy.id)) == 0
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "event.copied")).scalar_one()
        assert entry.details == {"source_event_id": source_id, "groups": 4, "invitees": 240}


def test_copy_without_invitees_and_bad_input(app, organiser_client):
    source_id = organiser_client.scenario.event_id
    response = organiser_client.post(f"/events/{source_id}/copy", data={
        "title": "", "starts_at": "2027-01-14T09:00", "ends_at": "2027-01-14T08:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Das Ende muss nach dem Beginn liegen." in page
    response = organiser_client.post(f"/events/{source_id}/copy", data={
        "title": "Kopie", "starts_at": "morgen", "ends_at": "2027-01-14T08:00"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Event)) == 1
    organiser_client.post(f"/events/{source_id}/copy", data={
        "title": "Kopie", "starts_at": "2027-01-14T09:00", "ends_at": "2027-01-14T12:00"})
    with app.app_context():
        copy = db.session.execute(select(Event).where(Event.title == "Kopie")).scalar_one()
        assert db.session.scalar(select(func.count()).where(Invitee.event_id == copy.id)) == 0
        assert db.session.scalar(select(func.count()).where(Group.event_id == copy.id)) == 4
