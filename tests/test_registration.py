"""The seat rules, the waiting list, tickets and the confirmation mails (services, both databases)."""
import email
from datetime import timedelta
from email import policy

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from tracker.audit.models import AuditEntry
from tracker.database import utcnow
from tracker.extensions import db
from tracker.mail.models import OutboxMail
from tracker.mail.services import complete_message
from tracker.registration import services
from tracker.registration.models import Registration, Ticket
from tracker.registration.services import AnswerRefused, Choice

from .factories import make_event, make_group, make_invitee, make_registration


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def answer(invitee, choice):
    outcome = services.answer(invitee.id, Choice(choice))
    db.session.commit()
    return outcome


def state(invitee):
    db.session.refresh(invitee)
    registration = invitee.registration
    db.session.refresh(registration)
    return registration.status, registration.mode


def mails(kind=None, recipient=None):
    query = select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        query = query.where(OutboxMail.kind == kind)
    if recipient:
        query = query.where(OutboxMail.recipient == recipient)
    return db.session.execute(query).scalars().all()


def parse(mail: OutboxMail):
    """The mail as the sender delivers it (QR image and calendar file made from the stored recipe)."""
    return email.message_from_bytes(complete_message(mail.message, mail.later_parts), policy=policy.default)


def fill_hall(event, count, group=None):
    for _ in range(count):
        make_registration(make_invitee(event, group=group))


def test_hall_seat_gives_a_ticket_and_a_confirmation_with_qr_and_calendar(app, ctx):
    event = make_event(hall_capacity=5)
    anna = make_invitee(event, name="Anna Berger", language="en")
    db.session.commit()
    outcome = answer(anna, "hall")
    assert outcome.changed and state(anna) == ("confirmed", "hall")
    ticket = anna.registration.active_ticket
    assert ticket is not None and ticket.code.startswith("T")
    [mail] = mails("confirmation")
    assert mail.recipient == anna.email and mail.invitee_id == anna.id
    message = parse(mail)
    assert '<html lang="en">' in message.get_body(("html",)).get_content()
    assert "seat in the hall" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert ticket.code in text and "/t/" in text
    html_part = message.get_body(("html",))
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert f'cid:{image["Content-ID"].strip("<>")}' in html_part.get_content()
    assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    [ics] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "infotag.ics"
    calendar = Calendar.from_ical(ics.get_content())
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.title
    assert vevent["DTSTART"].dt == event.starts_at


def test_german_is_used_for_german_invitees(app, ctx):
    event = make_event()
    person = make_invitee(event)
    db.session.commit()
    answer(person, "stream")
    message = parse(mails("confirmation")[0])
    assert message["Subject"].startswith("Ihr Platz im Livestream")
    text = message.get_body(("plain",)).get_content()
    assert "/watch" in text
    assert not [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert [p for p in message.walk() if p.get_content_type() == "text/calendar"]


def test_clicking_twice_changes_nothing_the_second_time(app, ctx):
    event = make_event()
    person = make_invitee(event)
    db.session.commit()
    answer(person, "hall")
    again = answer(person, "hall")
    assert not again.changed
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    assert len(mails("confirmation")) == 1


def test_full_hall_puts_people_on_the_waiting_list_with_the_livestream(app, ctx):
    event = make_event(hall_capacity=2)
    fill_hall(event, 2)
    person = make_invitee(event)
    db.session.commit()
    outcome = answer(person, "hall")
    registration = outcome.registration
    assert (registration.status, registration.mode) == ("waiting", "hall")
    assert registration.stream_while_waiting and registration.waiting_since is not None
    assert registration.active_ticket is not None
    message = parse(mails("confirmation")[0])
    assert "Warteliste" in message["Subject"]
    assert "/watch" in message.get_body(("plain",)).get_content()


def test_without_a_livestream_waiting_holds_no_stream_place(app, ctx):
    event = make_event(hall_capacity=0, livestream=False)
    person = make_invitee(event)
    db.session.commit()
    assert not answer(person, "hall").registration.stream_while_waiting
    with pytest.raises(AnswerRefused):
        services.answer(person.id, Choice.STREAM)


def test_cancelling_revokes_the_ticket_and_promotes_the_first_waiting(app, ctx):
    event = make_event(hall_capacity=1)
    holder = make_invitee(event)
    first, second = make_invitee(event), make_invitee(event)
    db.session.commit()
    answer(holder, "hall")
    answer(first, "hall")
    answer(second, "hall")
    old_ticket = holder.registration.active_ticket
    outcome = answer(holder, "cancel")
    assert [r.invitee_id for r in outcome.promoted] == [first.id]
    assert state(holder) == ("cancelled", "hall")
    db.session.refresh(old_ticket)
    assert old_ticket.revoked_at is not None and holder.registration.active_ticket is None
    registration = first.registration
    assert (registration.status, registration.mode) == ("confirmed", "hall")
    assert not registration.stream_while_waiting and registration.promoted_at is not None
    assert state(second) == ("waiting", "hall")
    [promotion] = mails("promotion")
    assert promotion.recipient == first.email
    message = parse(promotion)
    assert [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert registration.active_ticket.code in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("choice", ["stream", "decline"])
def test_leaving_the_hall_frees_the_seat(app, ctx, choice):
    event = make_event(hall_capacity=1)
    holder, waiting = make_invitee(event), make_invitee(event)
    db.session.commit()
    answer(holder, "hall")
    answer(waiting, "hall")
    answer(holder, choice)
    assert state(waiting) == ("confirmed", "hall")


def test_switching_stream_to_hall_keeps_the_ticket(app, ctx):
    event = make_event()
    person = make_invitee(event)
    db.session.commit()
    answer(person, "stream")
    code = person.registration.active_ticket.code
    answer(person, "hall")
    assert state(person) == ("confirmed", "hall")
    assert person.registration.active_ticket.code == code


def test_cancelled_person_may_answer_again_with_a_new_ticket(app, ctx):
    event = make_event()
    person = make_invitee(event)
    db.session.commit()
    answer(person, "hall")
    first_code = person.registration.active_ticket.code
    answer(person, "cancel")
    answer(person, "hall")
    assert state(person) == ("confirmed", "hall")
    assert person.registration.active_ticket.code != first_code
    assert len(person.registration.tickets) == 2


def test_waiting_list_order_is_priority_then_time(app, ctx):
    event = make_event(hall_capacity=3)
    council = make_group(event, "Stadtrat", waiting_priority=10)
    holders = [make_invitee(event) for _ in range(3)]
    early, late_council, later = make_invitee(event), make_invitee(event, group=council), make_invitee(event)
    db.session.commit()
    for person in holders + [early, late_council, later]:
        answer(person, "hall")
    assert [r.invitee_id for r in services.waiting_list(event)] == [late_council.id, early.id, later.id]
    assert services.waiting_position(early.registration) == 2
    outcome = answer(holders[0], "cancel")
    assert [r.invitee_id for r in outcome.promoted] == [late_council.id]


def test_several_seats_promote_several_at_once_in_order(app, ctx):
    event = make_event(hall_capacity=2)
    holders = [make_invitee(event) for _ in range(2)]
    waiting = [make_invitee(event) for _ in range(4)]
    db.session.commit()
    for person in holders + waiting:
        answer(person, "hall")
    event.hall_capacity = 5
    promoted = services.fill_freed_seats(event)
    db.session.commit()
    assert [r.invitee_id for r in promoted] == [p.id for p in waiting[:3]]
    assert state(waiting[3]) == ("waiting", "hall")
    assert len(mails("promotion")) == 3


def test_reserved_seats_are_held_for_their_group(app, ctx):
    event = make_event(hall_capacity=4, quota_release_at=utcnow() + timedelta(days=3))
    council = make_group(event, "Stadtrat", reserved_seats=2)
    staff = make_group(event, "Beschäftigte")
    others = [make_invitee(event, group=staff) for _ in range(3)] + [make_invitee(event)]
    members = [make_invitee(event, group=council) for _ in range(3)]
    db.session.commit()
    results = [answer(person, "hall").registration.status for person in others + members]
    # two unreserved seats for staff and people without a group, two held for the council
    assert results == ["confirmed", "confirmed", "waiting", "waiting", "confirmed", "confirmed", "waiting"]


def test_reserved_seats_open_to_everybody_after_release(app, ctx):
    event = make_event(hall_capacity=3, quota_release_at=utcnow() + timedelta(days=3))
    council = make_group(event, "Stadtrat", reserved_seats=2)
    waiting = [make_invitee(event) for _ in range(3)]
    member = make_invitee(event, group=council)
    db.session.commit()
    assert [answer(p, "hall").registration.status for p in waiting] == ["confirmed", "waiting", "waiting"]
    assert answer(member, "hall").registration.status == "confirmed"
    event.quota_release_at = utcnow() - timedelta(minutes=1)
    promoted = services.fill_freed_seats(event)
    db.session.commit()
    assert [r.invitee_id for r in promoted] == [waiting[1].id]
    assert state(waiting[2]) == ("waiting", "hall")


def test_a_new_request_does_not_jump_the_waiting_list(app, ctx):
    event = make_event(hall_capacity=1, quota_release_at=utcnow() + timedelta(days=3))
    council = make_group(event, "Stadtrat", reserved_seats=1)
    holder, queued, newcomer = make_invitee(event), make_invitee(event), make_invitee(event)
    db.session.commit()
    # reserved seat held: nobody outside the council gets in
    assert answer(holder, "hall").registration.status == "waiting"
    assert answer(queued, "hall").registration.status == "waiting"
    event.quota_release_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert answer(newcomer, "hall").registration.status == "waiting"
    assert state(holder) == ("confirmed", "hall")
    assert council.id


def test_group_quota_does_not_exceed_the_hall(app, ctx):
    event = make_event(hall_capacity=1)
    council = make_group(event, "Stadtrat", reserved_seats=5)
    members = [make_invitee(event, group=council) for _ in range(2)]
    db.session.commit()
    assert [answer(p, "hall").registration.status for p in members] == ["confirmed", "waiting"]


def test_decline_before_any_answer(app, ctx):
    event = make_event()
    person = make_invitee(event)
    db.session.commit()
    outcome = answer(person, "decline")
    assert state(person) == ("declined", None)
    assert outcome.registration.tickets == []
    assert "Absage" in parse(mails("confirmation")[0])["Subject"]


def test_cancel_without_registration_changes_nothing(app, ctx):
    event = make_event()
    person = make_invitee(event)
    db.session.commit()
    assert not answer(person, "cancel").changed
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"registration_closed": True}, "geschlossen"),
        ({"registration_deadline": utcnow() - timedelta(minutes=1)}, "Anmeldeschluss"),
        ({"registration_opens_at": utcnow() + timedelta(days=1)}, "noch nicht"),
    ],
)
def test_no_changes_outside_the_registration_period(app, ctx, fields, message):
    event = make_event(**fields)
    person = make_invitee(event)
    make_registration(person, mode="stream")
    db.session.commit()
    with pytest.raises(AnswerRefused) as refused:
        services.answer(person.id, Choice.CANCEL)
    db.session.rollback()
    assert message in str(refused.value.message)
    assert state(person) == ("confirmed", "stream")


def test_organiser_controls_are_audited(app, ctx):
    event = make_event()
    db.session.commit()
    services.close_registration(event.id)
    services.close_registration(event.id)
    services.reopen_registration(event.id)
    deadline = utcnow() + timedelta(days=2)
    services.set_deadline(event.id, deadline)
    db.session.commit()
    actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert actions == ["registration.closed", "registration.reopened", "registration.deadline_changed"]
    assert event.registration_deadline == deadline


def test_summary_counts_answers(app, ctx):
    event = make_event(hall_capacity=10)
    council = make_group(event, "Stadtrat", reserved_seats=3)
    make_registration(make_invitee(event, group=council))
    make_registration(make_invitee(event), mode="stream")
    make_registration(make_invitee(event), status="declined")
    db.session.commit()
    summary = services.summary(event)
    assert (summary.hall, summary.stream, summary.declined, summary.free) == (1, 1, 1, 9)
    assert summary.groups[0].used == 1 and summary.groups[0].reserved == 3
