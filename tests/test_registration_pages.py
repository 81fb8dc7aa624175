"""The personal page, self-registration and the organisers' tab over the test client (both databases)."""
import base64
import email
import re
from datetime import timedelta
from email import policy

from sqlalchemy import func, select

from tracker.audit.models import AuditEntry
from tracker.database import utcnow
from tracker.events.models import Event
from tracker.extensions import db
from tracker.invitees.links import assign_new_link, personal_token
from tracker.invitees.models import Invitee
from tracker.mail.models import OutboxMail
from tracker.registration.models import Registration

from .conftest import login
from .factories import make_event, make_group, make_invitee, make_registration, make_user


def arrange(app, **event_fields):
    """An event with one invitee; returns (event id, invitee id, personal token)."""
    with app.app_context():
        event = make_event(**event_fields)
        invitee = make_invitee(event, name="Anna Berger", email="anna.berger@muenchen.example")
        db.session.commit()
        return event.id, invitee.id, personal_token(invitee)


def registration_of(app, invitee_id):
    with app.app_context():
        return db.session.execute(select(Registration).filter_by(invitee_id=invitee_id)).scalar_one_or_none()


def outbox(app, kind):
    with app.app_context():
        return db.session.execute(select(OutboxMail).filter_by(kind=kind).order_by(OutboxMail.id)).scalars().all()


def text_of(mail):
    return email.message_from_bytes(mail.message, policy=policy.default).get_body(("plain",)).get_content()


def test_personal_page_shows_the_event_in_berlin_time(app, client):
    with app.app_context():
        event = make_event(agenda="14:00 Begrüßung\n14:15 Digitale Verwaltung")
        event.starts_at = event.starts_at.replace(month=7, day=1, hour=12, minute=0)
        event.ends_at = event.starts_at + timedelta(hours=4)
        invitee = make_invitee(event, name="Anna Berger")
        db.session.commit()
        token = personal_token(invitee)
    response = client.get(f"/t/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Persönliche Seite von Anna Berger" in page
    assert "14:00 bis 18:00 Uhr" in page  # 12:00 to 16:00 UTC in a Berlin summer
    assert "Sitzungssaal, Rathaus" in page and "Digitale Verwaltung" in page
    assert "Sie haben noch nicht geantwortet." in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response.headers["Cache-Control"]


def test_page_opens_in_the_invitees_language(app, client):
    with app.app_context():
        event = make_event()
        invitee = make_invitee(event, language="en")
        db.session.commit()
        token = personal_token(invitee)
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert '<html lang="en">' in page and "Take a seat in the hall" in page


def test_taking_a_seat_shows_the_ticket(app, client):
    _, invitee_id, token = arrange(app)
    response = client.post(f"/t/{token}", data={"choice": "hall"})
    assert response.status_code == 302 and response.headers["Location"] == f"/t/{token}"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert "Ihr Platz im Sitzungssaal ist bestätigt." in page
    code = registration_of(app, invitee_id).status and re.search(r'class="ticket-code">(T[0-9A-Z]{18})<', page).group(1)
    assert "<svg" in page and f"QR-Code Ihres Tickets {code}" in page
    ticket_page = client.get(f"/t/{token}/ticket").get_data(as_text=True)
    assert code in ticket_page and "Ticket drucken" in ticket_page
    [mail] = outbox(app, "confirmation")
    assert code in text_of(mail)


def test_calendar_download(app, client):
    _, _, token = arrange(app)
    response = client.get(f"/t/{token}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in response.data and b"TZID=Europe/Berlin" in response.data
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_no_ticket_page_without_a_hall_seat(app, client):
    _, _, token = arrange(app)
    response = client.get(f"/t/{token}/ticket")
    assert response.status_code == 302 and response.headers["Location"] == f"/t/{token}"


def test_switch_to_stream_and_cancel(app, client):
    _, invitee_id, token = arrange(app)
    client.post(f"/t/{token}", data={"choice": "hall"})
    client.post(f"/t/{token}", data={"choice": "stream"})
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert "Sie verfolgen die Veranstaltung im Livestream." in page
    assert f"/t/{token}/watch" in page
    client.post(f"/t/{token}", data={"choice": "cancel"})
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert "Sie haben Ihre Anmeldung storniert." in page
    registration = registration_of(app, invitee_id)
    assert registration.status == "cancelled"


def test_full_hall_offers_waiting_list_and_livestream(app, client):
    with app.app_context():
        event = make_event(hall_capacity=1)
        make_registration(make_invitee(event))
        invitee = make_invitee(event)
        db.session.commit()
        token = personal_token(invitee)
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert "Auf die Warteliste für den Sitzungssaal" in page
    assert "Platz im Livestream" in page
    client.post(f"/t/{token}", data={"choice": "hall"})
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert "Warteliste für den Sitzungssaal, Position 1." in page
    assert "Nur Livestream (Warteliste verlassen)" in page


def test_bad_choice_changes_nothing(app, client):
    _, invitee_id, token = arrange(app)
    response = client.post(f"/t/{token}", data={"choice": "everything"}, follow_redirects=True)
    assert "Bitte wählen Sie eine der angebotenen Antworten." in response.get_data(as_text=True)
    assert registration_of(app, invitee_id) is None


def test_after_the_deadline_the_answer_shows_but_cannot_change(app, client):
    with app.app_context():
        event = make_event(registration_deadline=utcnow() - timedelta(hours=1))
        invitee = make_invitee(event)
        make_registration(invitee, mode="stream")
        db.session.commit()
        token, invitee_id = personal_token(invitee), invitee.id
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert "Sie verfolgen die Veranstaltung im Livestream." in page
    assert 'name="choice"' not in page
    response = client.post(f"/t/{token}", data={"choice": "cancel"}, follow_redirects=True)
    assert "Der Anmeldeschluss ist vorbei." in response.get_data(as_text=True)
    assert registration_of(app, invitee_id).status == "confirmed"


def test_unknown_mistyped_and_revoked_links_get_a_friendly_404(app, client):
    _, invitee_id, token = arrange(app)
    with app.app_context():
        invitee = db.session.get(Invitee, invitee_id)
        old_token = token
        token = assign_new_link(invitee)
        db.session.commit()
    for bad in (old_token, token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 200, "nothing"):
        for suffix in ("", "/ticket", "/calendar.ics"):
            response = client.get(f"/t/{bad}{suffix}")
            assert response.status_code == 404
            page = response.get_data(as_text=True)
            assert "Dieser Link funktioniert nicht" in page and "This link does not work" in page
            assert "Traceback" not in page
            assert response.headers["Referrer-Policy"] == "no-referrer"
        assert client.post(f"/t/{bad}", data={"choice": "hall"}).status_code == 404
    assert client.get(f"/t/{token}").status_code == 200
    assert registration_of(app, invitee_id) is None


def test_guessing_links_is_rate_limited(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    with app.app_context():
        event = make_event()
        invitee = make_invitee(event)
        db.session.commit()
        token = personal_token(invitee)
    client = app.test_client()
    for _ in range(5):
        assert client.get(f"/t/{token}").status_code == 200  # real invitees never count
    codes = [client.get(f"/t/guess{number:04d}").status_code for number in range(25)]
    assert codes[:20] == [404] * 20
    assert set(codes[20:]) == {429}
    assert "Zu viele Anfragen" in client.get("/t/guess").get_data(as_text=True)


# --- self-registration --------------------------------------------------------------------------


def self_event(app, **fields):
    with app.app_context():
        event = make_event(self_registration=True, self_registration_domains="muenchen.example, stadtwerke.example", **fields)
        db.session.commit()
        return event.public_token, event.id


def test_self_registration_with_double_opt_in(app, client):
    public_token, event_id = self_event(app)
    page = client.get(f"/anmeldung/{public_token}").get_data(as_text=True)
    assert "Datenschutz" in page and "@muenchen.example" in page
    response = client.post(
        f"/anmeldung/{public_token}",
        data={"name": "Bernd Huber", "email": "Bernd.Huber@Muenchen.example", "unit": "IT-Referat"},
    )
    assert response.status_code == 200 and "Bernd.Huber@Muenchen.example" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitee)) == 0  # nothing stored before confirming
    [mail] = outbox(app, "opt_in")
    assert mail.recipient == "Bernd.Huber@Muenchen.example"
    link = re.search(r"http://127\.0\.0\.1:5000(/anmeldung/\S+/confirm/\S+)", text_of(mail)).group(1)
    token = link.rsplit("/", 1)[1]
    decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"Huber" not in decoded and b"IT-Referat" not in decoded, "the link shows nobody's data, even decoded"
    confirm_page = client.get(link)
    assert confirm_page.status_code == 200 and "IT-Referat" in confirm_page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitee)) == 0  # a GET confirms nothing
    response = client.post(link)
    assert response.status_code == 302 and response.headers["Location"].startswith("/t/")
    with app.app_context():
        invitee = db.session.execute(select(Invitee)).scalar_one()
        assert (invitee.source, invitee.unit, invitee.event_id) == ("self", "IT-Referat", event_id)
        assert invitee.email_confirmed_at is not None
    assert "Ihre E-Mail-Adresse ist bestätigt." in client.get(response.headers["Location"]).get_data(as_text=True)
    # the same link again, or a case variant of the address, gives no second invitee
    assert client.post(link).status_code == 302
    client.post(
        f"/anmeldung/{public_token}",
        data={"name": "Bernd Huber", "email": "bernd.huber@muenchen.example", "unit": "IT-Referat"},
    )
    second = outbox(app, "opt_in")[1]
    assert "bereits angemeldet" in text_of(second) and "/t/" in text_of(second)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitee)) == 1


def test_self_registration_refuses_other_domains_and_bad_input(app, client):
    public_token, _ = self_event(app)
    response = client.post(
        f"/anmeldung/{public_token}", data={"name": "Eve", "email": "eve@muenchen.example.evil.org", "unit": "X"}
    )
    assert response.status_code == 422
    assert "Bitte verwenden Sie Ihre dienstliche Adresse (@muenchen.example, @stadtwerke.example)." in response.get_data(as_text=True)
    response = client.post(f"/anmeldung/{public_token}", data={"name": "", "email": "kein-at", "unit": ""})
    assert response.status_code == 422
    assert outbox(app, "opt_in") == []


def test_forged_expired_or_foreign_confirmation_links_store_nothing(app, client):
    public_token, _ = self_event(app)
    other_token, _ = self_event(app)
    client.post(f"/anmeldung/{other_token}", data={"name": "B", "email": "b@muenchen.example", "unit": "U"})
    link = re.search(r"/confirm/(\S+)", text_of(outbox(app, "opt_in")[0])).group(1)
    for signed in (link, link[:-2] + "xx", "garbage"):
        response = client.post(f"/anmeldung/{public_token}/confirm/{signed}")
        assert response.status_code == 404
        assert "Dieser Bestätigungslink funktioniert nicht" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitee)) == 0


def test_expired_confirmation_link(app, client, monkeypatch):
    public_token, _ = self_event(app)
    client.post(f"/anmeldung/{public_token}", data={"name": "B", "email": "b@muenchen.example", "unit": "U"})
    link = re.search(r"http://127\.0\.0\.1:5000(\S+/confirm/\S+)", text_of(outbox(app, "opt_in")[0])).group(1)
    import time

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 49 * 3600)
    assert client.post(link).status_code == 404


def test_self_registration_off_or_closed(app, client):
    with app.app_context():
        event = make_event()
        db.session.commit()
        token = event.public_token
    assert client.get(f"/anmeldung/{token}").status_code == 404
    closed_token, _ = self_event(app, registration_closed=True)
    response = client.post(f"/anmeldung/{closed_token}", data={"name": "B", "email": "b@muenchen.example", "unit": "U"})
    assert "Die Anmeldung für diese Veranstaltung ist geschlossen." in response.get_data(as_text=True)
    assert outbox(app, "opt_in") == []


# --- organisers -----------------------------------------------------------------------------


def test_organiser_closes_reopens_and_extends(app, client):
    with app.app_context():
        organiser = make_user("organiser")
        event = make_event(hall_capacity=1)
        council = make_group(event, "Stadtrat", reserved_seats=1, waiting_priority=5)
        make_registration(make_invitee(event, group=council))
        make_registration(make_invitee(event, name="Wartende Person"), status="waiting", waiting_since=utcnow())
        db.session.commit()
        event_id = event.id
    login(client, organiser)
    page = client.get(f"/events/{event_id}/registration").get_data(as_text=True)
    assert 'aria-current="page">Anmeldung<' in page and "Wartende Person" in page and "Stadtrat" in page
    client.post(f"/events/{event_id}/registration/control", data={"action": "close"})
    client.post(f"/events/{event_id}/registration/control", data={"action": "reopen"})
    response = client.post(f"/events/{event_id}/registration/deadline", data={"deadline": "2031-03-01T18:00"})
    assert response.status_code == 302
    bad = client.post(f"/events/{event_id}/registration/deadline", data={"deadline": "morgen"})
    assert bad.status_code == 422
    assert client.post(f"/events/{event_id}/registration/control", data={"action": "explode"}).status_code == 400
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event.registration_deadline.isoformat() == "2031-03-01T17:00:00+00:00"  # 18:00 in Berlin winter
        assert not event.registration_closed
        actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert actions == ["registration.closed", "registration.reopened", "registration.deadline_changed"]


def test_registration_tab_is_for_organisers_only(app, client):
    with app.app_context():
        door = make_user("door")
        event = make_event()
        db.session.commit()
        event_id = event.id
    assert client.get(f"/events/{event_id}/registration").status_code == 302
    login(client, door)
    assert client.get(f"/events/{event_id}/registration").status_code == 403


def test_organiser_fills_free_seats_after_raising_the_capacity(app, client):
    with app.app_context():
        organiser = make_user("organiser")
        event = make_event(hall_capacity=1)
        make_registration(make_invitee(event))
        waiting = [make_registration(make_invitee(event), status="waiting", waiting_since=utcnow()) for _ in range(3)]
        event.hall_capacity = 3
        db.session.commit()
        event_id = event.id
    login(client, organiser)
    assert "Freie Plätze aus der Warteliste besetzen" in client.get(f"/events/{event_id}/registration").get_data(as_text=True)
    page = client.post(f"/events/{event_id}/registration/promote", follow_redirects=True).get_data(as_text=True)
    assert "2 Personen sind von der Warteliste nachgerückt." in page
    with app.app_context():
        statuses = [db.session.get(Registration, r.id).status for r in waiting]
        entry = db.session.execute(select(AuditEntry).filter_by(action="registration.promoted")).scalar_one()
        assert len(db.session.execute(select(OutboxMail).filter_by(kind="promotion")).scalars().all()) == 2
    assert statuses == ["confirmed", "confirmed", "waiting"]
    assert entry.details["registrations"] == [waiting[0].id, waiting[1].id]
    page = client.post(f"/events/{event_id}/registration/promote", follow_redirects=True).get_data(as_text=True)
    assert "Niemand ist nachgerückt" in page


def test_confirmation_after_closing_or_a_domain_change_stores_nothing(app, client):
    public_token, event_id = self_event(app)
    client.post(f"/anmeldung/{public_token}", data={"name": "B", "email": "b@stadtwerke.example", "unit": "U"})
    link = re.search(r"http://127\.0\.0\.1:5000(\S+/confirm/\S+)", text_of(outbox(app, "opt_in")[0])).group(1)
    with app.app_context():
        db.session.get(Event, event_id).registration_closed = True
        db.session.commit()
    response = client.post(link)
    assert response.status_code == 409
    assert "Die Anmeldung für diese Veranstaltung ist geschlossen." in response.get_data(as_text=True)
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.registration_closed = False
        event.self_registration_domains = "muenchen.example"
        db.session.commit()
    assert client.post(link).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitee)) == 0
