"""Invitations and reminders: batches queued in chunks, states, resend, delivery to a real SMTP server."""
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tracker.audit.models import AuditEntry
from tracker.database import utcnow
from tracker.extensions import db
from tracker.invitees.links import find_by_token
from tracker.invitees.models import Invitee
from tracker.invitations.services import advance_unfinished_batches, queue_invitation_mail
from tracker.mail.models import InvitationBatch, MailStatus, OutboxMail
from tracker.mail.sender import send_all_due
from tracker.mail.services import queue_mail

from .conftest import login
from .factories import make_event, make_group, make_invitee, make_registration, make_user

KEY = "0123456789abcdef0123456789abcdef"
LINK = re.compile(r"http://127\.0\.0\.1:5000/t/([A-Za-z0-9_-]+)")


@pytest.fixture
def organiser_client(mail_app):
    with mail_app.app_context():
        user = make_user("organiser")
        db.session.commit()
    client = mail_app.test_client()
    login(client, user)
    return client


def arrange(app, invitees=3, **event_fields):
    """An event with a council group; returns (event id, group id, invitee ids: first one in the group)."""
    with app.app_context():
        event = make_event(**event_fields)
        council = make_group(event, "Stadtrat", reserved_seats=10)
        people = [make_invitee(event, group=council if n == 0 else None) for n in range(invitees)]
        db.session.commit()
        return event.id, council.id, [person.id for person in people]


def start(client, event_id, key=KEY, follow_redirects=False, **fields):
    data = {"kind": "invitation", "scope": "all", "submission_key": key, **fields}
    return client.post(f"/events/{event_id}/invitations/batches", data=data, follow_redirects=follow_redirects)


def run_batch(client, event_id):
    """Drive the unfinished batch through its JSON endpoint, as the page's script does; returns the answers."""
    with client.application.app_context():
        batch_id = db.session.scalar(select(InvitationBatch.id).where(InvitationBatch.finished_at.is_(None)))
    answers = []
    while not answers or not answers[-1]["finished"]:
        response = client.post(f"/events/{event_id}/invitations/batches/{batch_id}/advance")
        assert response.status_code == 200
        answers.append(response.get_json())
        assert len(answers) < 100
    return answers


def outbox(app):
    with app.app_context():
        return db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars().all()


def test_invitation_arrives_with_a_working_personal_link_in_both_parts(mail_app, organiser_client, smtp_server):
    event_id, _group, (invitee_id, *_rest) = arrange(mail_app, invitees=1, title="Infotag Mobilität")
    assert start(organiser_client, event_id).status_code == 302
    run_batch(organiser_client, event_id)
    with mail_app.app_context():
        assert send_all_due().sent == 1
    (message,) = smtp_server.messages
    assert message["Subject"] == "Einladung: Infotag Mobilität"
    assert message["Content-Language"] == "de"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "wir laden Sie herzlich zur Veranstaltung „Infotag Mobilität“ ein." in text
    assert "Sitzungssaal, Rathaus" in text and "Sitzungssaal, Rathaus" in html
    (token,) = set(LINK.findall(text))
    assert f'href="http://127.0.0.1:5000/t/{token}"' in html
    with mail_app.app_context():
        assert find_by_token(token).id == invitee_id
        invitee = db.session.get(Invitee, invitee_id)
        assert invitee.invited_at is not None
    personal_page = mail_app.test_client().get(f"/t/{token}")
    assert personal_page.status_code == 200
    assert "Infotag Mobilität" in personal_page.get_data(as_text=True)


def test_english_invitee_gets_an_english_mail(mail_app, organiser_client, smtp_server):
    with mail_app.app_context():
        event = make_event(title="Info day Mobility", registration_deadline=utcnow() + timedelta(days=7))
        make_invitee(event, name="Jane Doe", language="en")
        make_invitee(event, name="Max Muster", language="de")
        db.session.commit()
        event_id = event.id
    start(organiser_client, event_id)
    run_batch(organiser_client, event_id)
    with mail_app.app_context():
        send_all_due()
    by_language = {m["Content-Language"]: m for m in smtp_server.messages}
    english, german = by_language["en"], by_language["de"]
    assert english["Subject"] == "Invitation: Info day Mobility"
    english_text = english.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Hello Jane Doe,\n\nYou are invited to Info day Mobility." in english_text
    assert "Please reply by" in english_text
    assert "<html lang=\"en\">" in english.get_body(("html",)).get_content()
    german_text = german.get_body(("plain",)).get_content()
    assert "Guten Tag Max Muster," in german_text
    assert "Bitte antworten Sie bis" in german_text


def test_a_group_batch_reaches_only_that_group(mail_app, organiser_client):
    event_id, group_id, (member, *others) = arrange(mail_app)
    start(organiser_client, event_id, scope="group", group_id=str(group_id))
    run_batch(organiser_client, event_id)
    assert [mail.invitee_id for mail in outbox(mail_app)] == [member]


def test_selected_invitees_who_were_invited_already_are_skipped(mail_app, organiser_client):
    event_id, group_id, ids = arrange(mail_app)
    start(organiser_client, event_id, scope="group", group_id=str(group_id))
    run_batch(organiser_client, event_id)
    organiser_client.post(
        f"/events/{event_id}/invitations/batches",
        data={"kind": "invitation", "scope": "selected", "submission_key": "1" * 32, "invitee_id": [str(i) for i in ids]},
    )
    run_batch(organiser_client, event_id)
    assert sorted(mail.invitee_id for mail in outbox(mail_app)) == sorted(ids)


def test_a_large_batch_is_queued_in_chunks_with_progress(mail_app, organiser_client):
    mail_app.config["MAIL_INVITATION_CHUNK"] = 4
    event_id, _group, ids = arrange(mail_app, invitees=10)
    response = start(organiser_client, event_id)
    assert response.headers["Location"].endswith("#batch-progress")
    page = organiser_client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    assert 'id="batch-progress"' in page
    assert re.search(r'Eingereiht</dt><dd><span data-figure="queued">0</span> / <span data-figure="total">10</span>', page)
    answers = run_batch(organiser_client, event_id)
    assert [(a["queued"], a["total"], a["finished"]) for a in answers] == [(4, 10, False), (8, 10, False), (10, 10, True)]
    assert len(outbox(mail_app)) == 10
    with mail_app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["invitations.invitation_batch_started", "invitations.invitation_batch_finished"]
    page = organiser_client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    assert 'id="batch-progress"' in page and 'data-finished="true"' in page, "the delivery is followed further"
    assert "<button" in page.split('id="invitees-heading"')[0] and " disabled>" not in page, "a new batch may start"


def test_the_progress_counts_sent_and_failed_mails_of_the_batch(mail_app, organiser_client, smtp_server):
    event_id, _group, ids = arrange(mail_app, invitees=3)
    with mail_app.app_context():  # an older invitation, sent before the batch: not part of its figures
        queue_invitation_mail(db.session.get(Invitee, ids[2]), "invitation", db.session.get(Invitee, ids[2]).event)
        db.session.commit()
        send_all_due()
    start(organiser_client, event_id)
    (answer,) = run_batch(organiser_client, event_id)
    assert (answer["queued"], answer["total"], answer["sent"], answer["failed"], answer["delivered"]) == (2, 2, 0, 0, False)
    with mail_app.app_context():
        db.session.execute(update(OutboxMail).where(OutboxMail.invitee_id == ids[1]).values(status=MailStatus.FAILED))
        db.session.commit()
        send_all_due()
        batch_id = db.session.scalar(select(InvitationBatch.id))
    response = organiser_client.get(f"/events/{event_id}/invitations/batches/{batch_id}/progress")
    assert response.status_code == 200
    assert {k: response.get_json()[k] for k in ("queued", "sent", "failed", "delivered")} == {
        "queued": 2, "sent": 1, "failed": 1, "delivered": True
    }
    page = organiser_client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    assert '<dd data-figure="sent">1</dd>' in page and '<dd data-figure="failed">1</dd>' in page
    assert "Alle Mails dieses Versands sind an den Mailserver übergeben oder fehlgeschlagen." in page
    assert organiser_client.get(f"/events/{event_id + 1}/invitations/batches/{batch_id}/progress").status_code == 404


def test_the_confirmation_names_how_many_and_shows_the_real_mail_in_both_languages(mail_app, organiser_client):
    event_id, group_id, ids = arrange(mail_app, invitees=5, title="Infotag Mobilität")
    response = organiser_client.post(f"/events/{event_id}/invitations/batches/confirm",
                                     data={"kind": "invitation", "scope": "all", "submission_key": KEY})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Einladung an 5 Personen senden?" in page and "Ja, an 5 Personen senden" in page
    assert "Betreff:</strong> Einladung: Infotag Mobilität" in page
    assert "Betreff:</strong> Invitation: Infotag Mobilität" in page
    assert "Guten Tag Erika Mustermann," in page and "Hello Erika Mustermann," in page
    with mail_app.app_context():
        names = db.session.scalars(select(Invitee.name).where(Invitee.event_id == event_id)).all()
    assert not any(name in page for name in names), "no invitee's data on the preview"
    assert f'name="submission_key" value="{KEY}"' in page
    assert outbox(mail_app) == [], "nothing is queued before the organiser confirms"
    group = organiser_client.post(f"/events/{event_id}/invitations/batches/confirm",
                                  data={"kind": "invitation", "scope": "group", "group_id": str(group_id), "submission_key": KEY})
    assert "Einladung an 1 Person senden?" in group.get_data(as_text=True)
    assert "die Gruppe Stadtrat" in group.get_data(as_text=True)


def test_the_confirmation_refuses_what_the_batch_would_refuse(mail_app, organiser_client):
    event_id, _group, _ids = arrange(mail_app, invitees=1)
    start(organiser_client, event_id)
    run_batch(organiser_client, event_id)
    response = organiser_client.post(f"/events/{event_id}/invitations/batches/confirm", follow_redirects=True,
                                     data={"kind": "invitation", "scope": "all", "submission_key": "2" * 32})
    assert "Alle Ausgewählten sind bereits eingeladen." in response.get_data(as_text=True)
    bad = organiser_client.post(f"/events/{event_id}/invitations/batches/confirm", follow_redirects=True,
                                data={"kind": "spam", "scope": "all", "submission_key": "2" * 32})
    assert "Das Formular ist abgelaufen" in bad.get_data(as_text=True)


def test_the_events_invitation_text_is_in_the_preview_and_in_the_mail(mail_app, organiser_client, smtp_server):
    event_id, _group, _ids = arrange(mail_app, invitees=1)
    url = f"/events/{event_id}/invitations/text"
    assert "Die Mail, wie sie versendet wird" in organiser_client.get(url).get_data(as_text=True)
    too_long = organiser_client.post(url, data={"text": "x" * 5001})
    assert too_long.status_code == 422
    response = organiser_client.post(url, data={"text": "  Wir freuen uns auf Sie!\nBringen Sie Fragen mit.  "},
                                     follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Der Einladungstext wurde gespeichert." in page
    assert page.count("Wir freuen uns auf Sie!\nBringen Sie Fragen mit.") == 3, "the field and both previews"
    start(organiser_client, event_id)
    run_batch(organiser_client, event_id)
    with mail_app.app_context():
        send_all_due()
    (message,) = smtp_server.messages
    assert "Wir freuen uns auf Sie!" in message.get_body(("plain",)).get_content()
    assert "Wir freuen uns auf Sie!" in message.get_body(("html",)).get_content()
    organiser_client.post(url, data={"text": ""})
    with mail_app.app_context():
        from tracker.events.models import Event
        assert db.session.get(Event, event_id).invitation_text is None


def test_the_mail_sender_also_advances_batches(mail_app, organiser_client):
    mail_app.config["MAIL_INVITATION_CHUNK"] = 2
    event_id, _group, _ids = arrange(mail_app, invitees=5)
    start(organiser_client, event_id)
    with mail_app.app_context():
        rounds = 0
        while advance_unfinished_batches():
            rounds += 1
        assert rounds == 3
    assert len(outbox(mail_app)) == 5


def test_a_double_submit_queues_one_batch(mail_app, organiser_client):
    event_id, _group, _ids = arrange(mail_app)
    assert start(organiser_client, event_id).status_code == 302
    assert start(organiser_client, event_id).status_code == 302
    run_batch(organiser_client, event_id)
    with mail_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InvitationBatch)) == 1
    assert len(outbox(mail_app)) == 3


def test_concurrent_double_submits_make_one_batch(app_factory, smtp_server):
    first, second = app_factory(**smtp_server.config), app_factory(**smtp_server.config)
    with first.app_context():
        user = make_user("organiser")
        db.session.commit()
    event_id, _group, _ids = arrange(first)
    clients = [first.test_client(), second.test_client()]
    for client in clients:
        login(client, user)
    barrier = threading.Barrier(2)
    statuses = []

    def submit(client):
        barrier.wait()
        statuses.append(start(client, event_id).status_code)

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [302, 302]
    with first.app_context():
        assert db.session.scalar(select(func.count()).select_from(InvitationBatch)) == 1


def test_a_second_batch_waits_for_the_first(mail_app, organiser_client):
    event_id, group_id, _ids = arrange(mail_app)
    start(organiser_client, event_id, scope="group", group_id=str(group_id))
    response = start(organiser_client, event_id, key="2" * 32, follow_redirects=True)
    assert "Für diese Veranstaltung werden noch Mails in die Warteschlange gestellt" in response.get_data(as_text=True)
    with mail_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InvitationBatch)) == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "spam"}, "Das Formular ist abgelaufen"),
        ({"submission_key": "short"}, "Das Formular ist abgelaufen"),
        ({"scope": "group", "group_id": "999"}, "Bitte wählen Sie eine Gruppe."),
        ({"scope": "selected"}, "Bitte wählen Sie mindestens eine Person in der Liste aus."),
        ({"scope": "selected", "invitee_id": ["x", "²"]}, "Bitte wählen Sie mindestens eine Person in der Liste aus."),
        ({"scope": "selected", "invitee_id": [str(n) for n in range(1, 1002)]}, "höchstens 1000 Personen auf einmal"),
        ({"scope": None}, "Das Formular ist abgelaufen"),
    ],
)
def test_bad_batch_input_gets_a_message_and_changes_nothing(mail_app, organiser_client, fields, message):
    event_id, _group, _ids = arrange(mail_app)
    response = start(organiser_client, event_id, follow_redirects=True, **fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with mail_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(InvitationBatch)) == 0


def test_nobody_left_to_invite_is_said_plainly(mail_app, organiser_client):
    event_id, _group, _ids = arrange(mail_app)
    start(organiser_client, event_id)
    run_batch(organiser_client, event_id)
    response = start(organiser_client, event_id, key="3" * 32, follow_redirects=True)
    assert "Alle Ausgewählten sind bereits eingeladen." in response.get_data(as_text=True)


def test_a_walk_in_without_an_address_is_never_mailed(mail_app, organiser_client):
    """A guest registered at the door without an e-mail address has a stand-in address that no batch, no resend
    and no page shows or uses; the invitations page leaves them out, the list of invitees says they have none."""
    from tracker.checkin import devices, door_read, walk_ins
    from tracker.events.models import Event

    event_id, _group, ids = arrange(mail_app)
    with mail_app.test_request_context():
        event = db.session.get(Event, event_id)
        door = devices.create_door(event, "Eingang Nord")
        db.session.flush()
        scanner = door_read.Scanner(door.id, door.name, event.id, event.hall_capacity, False)
        verdict = walk_ins.walk_in(scanner, name="Spontan Gast", email=None, invitee_id=None)
        db.session.commit()
        walk_in = db.session.scalar(select(Invitee.id).where(Invitee.name == "Spontan Gast"))
        assert verdict.code == "valid" and not db.session.get(Invitee, walk_in).reachable_by_mail
    start(organiser_client, event_id)
    run_batch(organiser_client, event_id)
    assert sorted(mail.invitee_id for mail in outbox(mail_app)) == sorted(ids)
    page = organiser_client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    assert "Spontan Gast" not in page and "door.invalid" not in page, "nothing to send: not on the mail page"
    response = organiser_client.post(f"/events/{event_id}/invitations/invitees/{walk_in}/resend", follow_redirects=True)
    assert "Dieser Gast wurde am Einlass ohne E-Mail-Adresse erfasst." in response.get_data(as_text=True)
    assert len(outbox(mail_app)) == len(ids)
    listed = organiser_client.get(f"/events/{event_id}/invitees/").get_data(as_text=True)
    assert "Spontan Gast" in listed and "keine (am Einlass erfasst)" in listed and "door.invalid" not in listed


def test_reminders_go_to_invited_people_without_an_answer(mail_app, organiser_client, smtp_server):
    event_id, _group, (answered, silent, not_invited) = arrange(mail_app)
    with mail_app.app_context():
        for invitee_id in (answered, silent):
            db.session.get(Invitee, invitee_id).invited_at = utcnow()
        make_registration(db.session.get(Invitee, answered))
        db.session.commit()
    organiser_client.post(
        f"/events/{event_id}/invitations/batches", data={"kind": "reminder", "scope": "all", "submission_key": KEY}
    )
    run_batch(organiser_client, event_id)
    assert [(mail.kind, mail.invitee_id) for mail in outbox(mail_app)] == [("reminder", silent)]
    with mail_app.app_context():
        assert db.session.get(Invitee, silent).reminded_at is not None
        send_all_due()
    (message,) = smtp_server.messages
    assert message["Subject"].startswith("Erinnerung: ")
    assert LINK.search(message.get_body(("plain",)).get_content())


def test_with_the_smtp_server_down_the_request_succeeds_and_mail_arrives_later(mail_app, organiser_client, smtp_server):
    smtp_server.stop()
    event_id, _group, _ids = arrange(mail_app)
    assert start(organiser_client, event_id).status_code == 302
    run_batch(organiser_client, event_id)
    with mail_app.app_context():
        assert send_all_due().retrying == 3
    page = organiser_client.get(f"/events/{event_id}/invitations")
    assert page.status_code == 200
    smtp_server.start()
    with mail_app.app_context():
        db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert send_all_due().sent == 3
    assert len(smtp_server.messages) == 3


def set_states(app, ids):
    """Give five invitees the five invitation states: not sent, queued, sent, failed, uncertain."""
    with app.app_context():
        event = db.session.get(Invitee, ids[0]).event
        mails = [queue_invitation_mail(db.session.get(Invitee, i), "invitation", event) for i in ids[1:]]
        db.session.flush()
        _queued, sent, failed, uncertain = mails
        sent.status, sent.sent_at, sent.message = MailStatus.SENT, utcnow(), None
        failed.status, failed.last_error, failed.attempts = MailStatus.FAILED, "550 5.1.1 No such user", 1
        uncertain.status, uncertain.claimed_at = MailStatus.SENDING, utcnow() - timedelta(hours=2)
        db.session.commit()


def test_each_invitees_state_is_shown_and_filtered(mail_app, organiser_client):
    event_id, _group, ids = arrange(mail_app, invitees=5)
    set_states(mail_app, ids)
    page = organiser_client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    for label in ("Nicht versendet", "In der Warteschlange", "Versendet", "Fehlgeschlagen", "Unklar"):
        assert label in page
    assert "550 5.1.1 No such user" in page
    with mail_app.app_context():
        names = {i.id: i.name for i in db.session.scalars(select(Invitee))}
    for state, invitee_id in zip(("not_sent", "queued", "sent", "failed", "uncertain"), ids):
        filtered = organiser_client.get(f"/events/{event_id}/invitations?state={state}").get_data(as_text=True)
        shown = {i for i, name in names.items() if f">{name}<" in filtered}
        assert shown == {invitee_id}, state


def test_resend_replaces_an_uncertain_mail_and_refuses_a_queued_one(mail_app, organiser_client, smtp_server):
    event_id, _group, ids = arrange(mail_app, invitees=5)
    set_states(mail_app, ids)
    not_sent, queued, sent, failed, uncertain = ids
    for invitee_id in (not_sent, sent, failed, uncertain):
        response = organiser_client.post(f"/events/{event_id}/invitations/invitees/{invitee_id}/resend")
        assert response.status_code == 302
    response = organiser_client.post(
        f"/events/{event_id}/invitations/invitees/{queued}/resend", follow_redirects=True
    )
    assert "Eine Einladung an diese Person ist bereits unterwegs." in response.get_data(as_text=True)
    with mail_app.app_context():
        old_uncertain = db.session.scalars(
            select(OutboxMail).where(OutboxMail.invitee_id == uncertain).order_by(OutboxMail.id)
        ).first()
        assert old_uncertain.status == MailStatus.FAILED
        assert old_uncertain.message is None
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "invitations.resent")) == 4
        report = send_all_due()
        addresses = sorted(db.session.get(Invitee, i).email for i in ids)
    assert report.sent == 5, "four resent, and the one that was queued already"
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages) == addresses
    page = organiser_client.get(f"/events/{event_id}/invitations?state=sent").get_data(as_text=True)
    assert page.count('class="badge badge--ok"') == 5


def test_only_organisers_reach_the_invitations(mail_app, organiser_client):
    event_id, _group, ids = arrange(mail_app)
    door = mail_app.test_client()
    with mail_app.app_context():
        staff = make_user("door")
        db.session.commit()
    login(door, staff)
    assert door.get(f"/events/{event_id}/invitations").status_code == 403
    assert door.post(f"/events/{event_id}/invitations/invitees/{ids[0]}/resend").status_code == 403
    anonymous = mail_app.test_client()
    assert anonymous.get(f"/events/{event_id}/invitations").status_code == 302
    assert organiser_client.get(f"/events/{event_id + 1}/invitations").status_code == 404
    other_event, _g, other_ids = arrange(mail_app)
    assert organiser_client.post(f"/events/{event_id}/invitations/invitees/{other_ids[0]}/resend").status_code == 404
    start(organiser_client, other_event)
    with mail_app.app_context():
        batch_id = db.session.scalar(select(InvitationBatch.id))
    response = organiser_client.post(
        f"/events/{event_id}/invitations/batches/{batch_id}/advance", headers={"Accept": "application/json"}
    )
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_other_failed_or_uncertain_mails_can_be_sent_again_unchanged(mail_app, organiser_client, smtp_server):
    event_id, _group, (first, second, third) = arrange(mail_app)
    with mail_app.app_context():
        mails = []
        for invitee_id in (first, second, third):
            invitee = db.session.get(Invitee, invitee_id)
            mails.append(queue_mail(
                kind="confirmation", recipient=invitee.email, language="de", subject="Ihr Platz im Saal",
                template="reminder", context={"event": invitee.event, "invitee": invitee, "link": "x", "when": "morgen",
                                              "deadline": None},
                event_id=event_id, invitee_id=invitee_id,
            ))
        db.session.flush()
        failed, uncertain, fresh = mails
        failed.status, failed.last_error = MailStatus.FAILED, "550 5.1.1 No such user"
        uncertain.status, uncertain.claimed_at = MailStatus.SENDING, utcnow() - timedelta(hours=1)
        fresh.status, fresh.claimed_at = MailStatus.SENDING, utcnow()
        db.session.commit()
        ids = failed.id, uncertain.id, fresh.id
        message_ids = {failed.message_id, uncertain.message_id}
    page = organiser_client.get(f"/events/{event_id}/invitations").get_data(as_text=True)
    assert "Andere Mails mit Problemen" in page and "550 5.1.1 No such user" in page
    assert f"/mails/{ids[2]}/requeue" not in page, "a mail being sent right now is not offered"
    for mail_id in ids[:2]:
        response = organiser_client.post(f"/events/{event_id}/invitations/mails/{mail_id}/requeue", follow_redirects=True)
        assert "Die Mail steht wieder in der Warteschlange." in response.get_data(as_text=True)
    response = organiser_client.post(f"/events/{event_id}/invitations/mails/{ids[2]}/requeue", follow_redirects=True)
    assert "Diese Mail kann nicht erneut gesendet werden" in response.get_data(as_text=True)
    with mail_app.app_context():
        assert send_all_due().sent == 2
        assert db.session.scalar(select(func.count()).where(AuditEntry.action == "mail.requeued")) == 2
    assert {m["Message-ID"] for m in smtp_server.messages} == message_ids


def test_mail_send_once_finishes_a_batch_left_by_a_closed_page_and_delivers_it(mail_app, organiser_client, smtp_server):
    mail_app.config["MAIL_INVITATION_CHUNK"] = 2
    event_id, _group, _ids = arrange(mail_app, invitees=5)
    start(organiser_client, event_id)
    result = mail_app.test_cli_runner().invoke(args=["mail", "send"])
    assert "5 sent, 0 to retry, 0 failed." in result.output
    assert len(smtp_server.messages) == 5


@pytest.mark.parametrize("choice, message", [
    ("hall", "Ihr Platz im Sitzungssaal ist bestätigt. Ihr Ticket kommt in wenigen Minuten per E-Mail."),
    ("stream", "Ihr Platz im Livestream ist bestätigt. Der Link kommt in wenigen Minuten per E-Mail."),
])
def test_after_an_answer_the_page_says_the_mail_is_on_its_way_while_it_is_queued(mail_app, choice, message):
    from tracker.invitees.links import personal_token

    with mail_app.app_context():
        invitee = make_invitee(make_event())
        db.session.commit()
        token = personal_token(invitee)
    client = mail_app.test_client()
    client.post(f"/t/{token}", data={"choice": choice})
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert message in page and "gesendet" not in page
    assert [mail.status for mail in outbox(mail_app)] == [MailStatus.QUEUED], "the mail is only queued yet"


def test_the_reply_by_date_reads_as_on_the_pages_without_seconds(app):
    from datetime import datetime, timezone

    from tracker.invitations.services import event_details

    with app.app_context():
        event = make_event(registration_deadline=datetime(2027, 1, 10, 22, 59, tzinfo=timezone.utc))
        assert event_details(event, "de")["deadline"] == "10. Januar 2027, 23:59"
        assert event_details(event, "en")["deadline"] == "January 10, 2027, 11:59\u202fPM"
