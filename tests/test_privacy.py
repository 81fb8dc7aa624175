"""GDPR: the privacy notice, the scheduled purge that keeps the totals, and the invitee's download and erasure."""
import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy import func, select

from tracker.audit.actions import DETAIL_LABELS
from tracker.audit.models import AuditEntry
from tracker.checkin.devices import create_door
from tracker.checkin.staff import assign_staff
from tracker.dashboard.figures import compute_figures
from tracker.events.models import Event, GroupCounter
from tracker.extensions import db
from tracker.invitees.links import personal_token
from tracker.invitees.models import Invitee
from tracker.registration.models import Registration
from tracker.registration.services import Choice, answer
from tracker.stream.viewers import issue_token

from .conftest import login
from .factories import join_team, make_event, make_group, make_invitee, make_user

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
PEOPLE = [
    ("Jörg Übermuth", "joerg.uebermuth@muenchen.example", "hall"),
    ("Ayşe Demir", "ayse.demir@muenchen.example", "hall"),
    ("Zoë O'Brien", "zoe.obrien@partner.example", "hall"),
    ("Wilma Widerruf", "wilma.widerruf@muenchen.example", "cancel"),
    ("Stream Stefan", "stefan.stream@muenchen.example", "stream"),
    ("Absage Anton", "anton.absage@muenchen.example", "decline"),
]
WALK_IN = ("Walter Spontan", "walter.spontan@example.net")


def text_values(connection) -> list[tuple[str, str, str]]:
    """Every text-like value in every table, as (table, column, text)."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text, sa.JSON, sa.LargeBinary))]
        if not columns:
            continue
        for row in connection.execute(select(*columns)):
            for column, value in zip(columns, row):
                if value is None:
                    continue
                if isinstance(value, (bytes, memoryview)):
                    value = bytes(value).decode("utf-8", "replace")
                elif not isinstance(value, str):
                    value = json.dumps(value, ensure_ascii=False)
                found.append((table.name, column.name, value.lower()))
    return found


def personal_traces(app, people) -> list[str]:
    needles = [part.lower() for name, email, *_ in people for part in (name, email, email.split("@")[0])]
    with app.app_context(), db.engine.connect() as connection:
        return [f"{table}.{column}: {needle}" for table, column, text in text_values(connection) for needle in needles if needle in text]


@pytest.fixture
def held_event(app, client):
    """An event that happened: answers, a cancellation, check-ins, a walk-in, refused scans, livestream minutes, mails."""
    with time_machine.travel(T0, tick=False), app.test_request_context():
        event = make_event("Infotag Datenschutz", hall_capacity=4, starts_in=timedelta(hours=1))
        council = make_group(event, "Stadtrat", reserved_seats=1)
        invitees = [make_invitee(event, name=name, email=email, group=council if i == 0 else None) for i, (name, email, _) in enumerate(PEOPLE)]
        for invitee, (_, _, choice) in zip(invitees, PEOPLE):
            if choice == "cancel":
                answer(invitee.id, Choice.HALL)
            answer(invitee.id, Choice(choice))
        door = create_door(event, "Eingang Nord")
        staff = make_user("door", name="Doris Tür")
        assign_staff(event, staff)
        codes = [invitee.registration.active_ticket.code for invitee in invitees[:2]]
        viewer = issue_token(event, invitees[4].id)
        anonymous_viewer = issue_token(event)
        db.session.commit()
        ids = {"event": event.id, "door": door.id, "invitees": [i.id for i in invitees], "staff": staff}
    with time_machine.travel(T0 + timedelta(minutes=90), tick=False):
        login(client, staff)
        headers = {"X-Tracker-Scanner": "1"}
        for number, code in enumerate(codes + [codes[0], "FORGED-CODE-1"]):
            response = client.post("/api/checkin/scan", json={"door": door.id, "code": code, "nonce": f"nonce-{number:04d}"}, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)
        client.post(
            "/api/checkin/walk-in",
            json={"door": door.id, "name": WALK_IN[0], "email": WALK_IN[1], "nonce": "walk-in-0001"},
            headers=headers,
        )
        for minute in range(12):
            with time_machine.travel(T0 + timedelta(minutes=70 + minute), tick=False):
                for token in (viewer, anonymous_viewer):
                    assert client.post("/api/stream/heartbeat", json={"viewer": token}).status_code == 204
        client.post("/logout")
    return ids


def dashboard_figures(client, organiser, event_id) -> dict:
    """The figures export and the report as the organiser gets them (the time of computation left out)."""
    login(client, organiser)
    assert client.get(f"/events/{event_id}/report").status_code == 200
    response = client.get(f"/events/{event_id}/exports/figures.json")
    client.post("/logout")
    assert response.status_code == 200
    data = json.loads(response.data)
    data.pop("computed_at")
    return data


def counts_without_time(figures) -> dict:
    data = figures.to_dict()
    data.pop("computed_at")
    return data


def test_purge_keeps_the_totals_and_leaves_no_name_or_address(app, client, runner, held_event):
    people = PEOPLE + [WALK_IN]
    assert personal_traces(app, people), "the arranged event holds personal data"
    with time_machine.travel(T0 + timedelta(days=100), tick=False):
        with app.app_context():
            organiser = make_user("organiser")
            join_team(db.session.get(Event, held_event["event"]), organiser)
            other = make_event("Infotag später", starts_in=timedelta(days=-20))
            make_invitee(other, name="Bleibt Bestehen", email="bleibt@muenchen.example")
            db.session.commit()
        before = dashboard_figures(client, organiser, held_event["event"])
        assert before["hall"]["present"] == 3, before
        assert before["livestream"]["followed_online"] >= 1
        result = runner.invoke(args=["privacy", "purge"])
        assert result.exit_code == 0, result.output
        assert f"Event {held_event['event']}: personal data deleted" in result.output
        after = dashboard_figures(client, organiser, held_event["event"])
    assert after == before
    assert personal_traces(app, people) == []
    assert personal_traces(app, [("Bleibt Bestehen", "bleibt@muenchen.example")]), "a recent event is kept"
    with app.app_context():
        event = db.session.get(Event, held_event["event"])
        assert event.purged_at is not None
        assert db.session.scalar(select(func.count()).select_from(Invitee).where(Invitee.event_id == event.id)) == 0
        assert db.session.scalar(select(func.count()).where(GroupCounter.event_id == event.id)) == 0
        assert db.session.scalar(select(func.sum(GroupCounter.invitees)).where(GroupCounter.event_id == other.id)) == 1
        assert db.session.get(type(held_event["staff"]), held_event["staff"].id) is not None, "staff accounts stay"
        purged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.purged")).one()
        assert purged.details["invitees"] == len(people) and set(purged.details) <= set(DETAIL_LABELS)
    again = runner.invoke(args=["privacy", "purge", "--days", "0"])
    assert "1 event(s) purged" in again.output, "only the later event was still due"


def test_purge_waits_for_the_retention_period(app, runner, held_event):
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        assert "0 event(s) purged; retention 90 days" in runner.invoke(args=["privacy", "purge"]).output
        assert "1 event(s) purged; retention 20 days" in runner.invoke(args=["privacy", "purge", "--days", "20"]).output
    assert runner.invoke(args=["privacy", "purge", "--days", "-1"]).exit_code != 0


def test_the_privacy_notice_is_linked_from_every_page_and_configurable(app_factory):
    client = app_factory().test_client()
    page = client.get("/datenschutz").get_data(as_text=True)
    assert "Datenschutzhinweise" in page and "90 Tage" in page and "Datenschutzbeauftragte" in page
    for path in ("/login", "/does-not-exist", "/barrierefreiheit"):
        footer = client.get(path).get_data(as_text=True).split('<footer class="site-footer">')[1]
        assert 'href="/datenschutz"' in footer and 'href="/barrierefreiheit"' in footer
    custom = app_factory(PRIVACY_NOTICE_DE="Eigener Text der Stadt.\n\nZweiter Absatz.").test_client()
    page = custom.get("/datenschutz").get_data(as_text=True)
    assert "<p>Eigener Text der Stadt.</p>" in page and "<p>Zweiter Absatz.</p>" in page


def test_every_mail_links_the_privacy_notice(app):
    from tracker.mail.models import OutboxMail

    with app.test_request_context():
        event = make_event()
        invitee = make_invitee(event)
        answer(invitee.id, Choice.HALL)
        db.session.commit()
        mail = db.session.execute(select(OutboxMail)).scalars().first()
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(mail.message)
    for part in ("plain", "html"):
        assert "http://127.0.0.1:5000/datenschutz" in message.get_body(preferencelist=(part,)).get_content()


def arrange_invitee(app, choice=Choice.HALL, **event_fields):
    with app.test_request_context():
        event = make_event(hall_capacity=1, **event_fields)
        invitee = make_invitee(event, name="Jörg Übermuth", email="joerg@muenchen.example")
        waiting = make_invitee(event, name="Wilma Wartend", email="wilma@muenchen.example")
        answer(invitee.id, choice)
        answer(waiting.id, Choice.HALL)
        db.session.commit()
        return personal_token(invitee), invitee.id, waiting.id


def test_invitee_downloads_their_data(app, client):
    token, invitee_id, _ = arrange_invitee(app)
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert f"/t/{token}/privacy/data.json" in page and f"/t/{token}/privacy/erase" in page
    response = client.get(f"/t/{token}/privacy/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    data = response.get_json()
    assert data["person"]["name"] == "Jörg Übermuth" and data["person"]["email"] == "joerg@muenchen.example"
    assert data["registration"]["status"] == "confirmed" and len(data["registration"]["tickets"]) == 1
    assert data["mails"][0]["kind"]
    assert "Wilma" not in response.get_data(as_text=True), "nobody else's data"
    assert client.get("/t/not-a-token/privacy/data.json").status_code == 404


def test_erasure_needs_confirmation_then_frees_the_seat_and_forgets_the_person(app, client):
    token, invitee_id, waiting_id = arrange_invitee(app)
    unconfirmed = client.post(f"/t/{token}/privacy/erase", data={})
    assert unconfirmed.status_code == 400
    assert "Bitte bestätigen Sie" in unconfirmed.get_data(as_text=True)
    assert client.get(f"/t/{token}").status_code == 200, "nothing changed"
    response = client.post(f"/t/{token}/privacy/erase", data={"confirm": "y"})
    assert response.status_code == 200
    assert "Ihre Daten wurden gelöscht" in response.get_data(as_text=True)
    assert client.get(f"/t/{token}").status_code == 404, "the link no longer works"
    with app.app_context():
        assert db.session.get(Registration, db.session.get(Invitee, invitee_id).registration.id).status == "cancelled"
        assert db.session.get(Invitee, waiting_id).registration.status == "confirmed", "the waiting list moved up"
    traces = personal_traces(app, [("Jörg Übermuth", "joerg@muenchen.example")])
    assert traces == []
    assert personal_traces(app, [("Wilma Wartend", "wilma@muenchen.example")])


def test_erasure_after_the_event_keeps_the_totals(app, client):
    with time_machine.travel(T0, tick=False):
        token, invitee_id, _ = arrange_invitee(app, choice=Choice.STREAM, starts_in=timedelta(hours=1))
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        with app.app_context():
            before = counts_without_time(compute_figures(db.session.get(Invitee, invitee_id).event))
        assert client.post(f"/t/{token}/privacy/erase", data={"confirm": "y"}).status_code == 200
        with app.app_context():
            invitee = db.session.get(Invitee, invitee_id)
            assert counts_without_time(compute_figures(invitee.event)) == before
            assert (invitee.name, invitee.email, invitee.unit) == ("–", f"erased-{invitee_id}@invalid", None)


@pytest.mark.browser
def test_invitee_reads_the_notice_and_erases_their_data_in_the_browser(live_server, new_page):
    from .conftest import PHONE, check_axe, screenshot

    tokens = []
    for number in range(2):
        with live_server.app.test_request_context():
            event = make_event(f"Infotag Datenschutz {number}")
            invitee = make_invitee(event, name="Jörg Übermuth", email=f"joerg{number}@muenchen.example")
            answer(invitee.id, Choice.HALL)
            db.session.commit()
            tokens.append(personal_token(invitee))
    for token, (name, options) in zip(tokens, (("phone", PHONE), ("desktop", {}))):
        page = new_page(**options)
        page.goto(f"{live_server.url}/t/{token}")
        page.get_by_role("link", name="Datenschutzhinweise").first.click()
        assert page.locator("h1").inner_text() == "Datenschutzhinweise"
        check_axe(page, "privacy notice")
        screenshot(page, f"trust-privacy-notice-{name}")
        page.go_back()
        page.get_by_role("link", name="Meine Daten löschen").click()
        check_axe(page, "erase")
        page.get_by_role("button", name="Meine Daten löschen").click()
        assert "Bitte bestätigen Sie" in page.get_by_role("alert").inner_text()
        check_axe(page, "erase with error")
        page.get_by_label("Ja, meine Daten löschen").check()
        screenshot(page, f"trust-privacy-erase-{name}")
        page.get_by_role("button", name="Meine Daten löschen").click()
        assert page.locator("h1").inner_text() == "Ihre Daten wurden gelöscht"
        check_axe(page, "erased")
        page.goto(f"{live_server.url}/t/{token}")
        assert page.locator("h1").count() == 1 and "Übermuth" not in page.content()
