"""GDPR: purge an ended event's personal data (keeping its totals), an invitee's data export and erasure."""
import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from ..audit.services import record
from ..checkin.models import CheckIn, ScanAttempt
from ..dashboard.snapshots import take_snapshot
from ..database import lock_row
from ..events.models import Event, GroupCounter
from ..extensions import db
from ..invitees.links import assign_new_link
from ..invitees.models import Invitee, PendingImport
from ..mail.models import InvitationBatch, OutboxMail
from ..registration.models import ACTIVE_STATUSES, Registration, Status, Ticket
from ..registration.services import AnswerRefused, Choice, answer
from ..stream.models import ViewerMinute
from ..stream.services import replace_minutes_by_snapshot, stop_viewer

#: Keys of a stored door answer that name a person; removed when that person's data is erased.
PERSONAL_ANSWER_KEYS = ("name", "unit", "email")


def retention_days() -> int:
    return int(current_app.config["PRIVACY_RETENTION_DAYS"])


def due_for_purge(now: datetime, days: int) -> list[Event]:
    """Events that ended more than `days` days ago and still hold personal data."""
    return list(
        db.session.execute(
            select(Event).where(Event.ends_at < now - timedelta(days=days), Event.purged_at.is_(None)).order_by(Event.id)
        ).scalars()
    )


def purge_event(event_id: int, now: datetime) -> dict:
    """Snapshot the event's totals, then delete every personal row of it; returns the rows deleted per table."""
    event = lock_row(Event, event_id)
    if event.purged_at is not None:
        return {}
    replace_minutes_by_snapshot(event, now)
    take_snapshot(event, now)
    registrations = select(Registration.id).where(Registration.event_id == event.id)
    # The group counters go first, as they would end at zero: each row deleted below would otherwise update them
    # again, in one transaction, which grows with the square of the rows (35 s for 20,000 invitees).
    db.session.execute(delete(GroupCounter).where(GroupCounter.event_id == event.id))
    deleted = {}
    for name, statement in (
        ("scan_attempts", delete(ScanAttempt).where(ScanAttempt.event_id == event.id)),
        ("checkins", delete(CheckIn).where(CheckIn.event_id == event.id)),
        ("tickets", delete(Ticket).where(Ticket.registration_id.in_(registrations))),
        ("registrations", delete(Registration).where(Registration.event_id == event.id)),
        ("outbox_mails", delete(OutboxMail).where(OutboxMail.event_id == event.id)),
        ("viewer_minutes", delete(ViewerMinute).where(ViewerMinute.event_id == event.id)),
        ("pending_imports", delete(PendingImport).where(PendingImport.event_id == event.id)),
        ("invitees", delete(Invitee).where(Invitee.event_id == event.id)),
    ):
        deleted[name] = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        update(InvitationBatch).where(InvitationBatch.event_id == event.id).values(invitee_ids=None)
    )
    event.purged_at = now
    record("privacy.purged", event_id=event.id, actor="System", **deleted)
    db.session.flush()
    db.session.expire_all()
    return deleted


def export_invitee(invitee: Invitee) -> dict:
    """Everything stored about one invitee, for their own download (GDPR Art. 15 and 20)."""
    registration = invitee.registration
    mails = db.session.execute(
        select(OutboxMail).where(OutboxMail.invitee_id == invitee.id).order_by(OutboxMail.created_at)
    ).scalars()
    checkins = (
        db.session.execute(select(CheckIn).where(CheckIn.registration_id == registration.id).order_by(CheckIn.id)).scalars()
        if registration
        else []
    )
    minutes = db.session.scalar(select(func.count()).where(ViewerMinute.invitee_id == invitee.id)) or 0

    def when(moment):
        return moment.isoformat() if moment else None

    return {
        "event": {"title": invitee.event.title, "starts_at": when(invitee.event.starts_at), "venue": invitee.event.venue},
        "person": {
            "name": invitee.name,
            "email": invitee.email,
            "unit": invitee.unit,
            "group": invitee.group.name if invitee.group else None,
            "language": invitee.language,
            "source": invitee.source,
            "added_at": when(invitee.created_at),
            "email_confirmed_at": when(invitee.email_confirmed_at),
            "invited_at": when(invitee.invited_at),
            "reminded_at": when(invitee.reminded_at),
        },
        "registration": {
            "status": registration.status,
            "mode": registration.mode,
            "answered_at": when(registration.created_at),
            "changed_at": when(registration.updated_at),
            "waiting_since": when(registration.waiting_since),
            "promoted_at": when(registration.promoted_at),
            "tickets": [
                {"code": t.code, "issued_at": when(t.issued_at), "revoked_at": when(t.revoked_at)} for t in registration.tickets
            ],
        }
        if registration
        else None,
        "checkins": [
            {"at": when(c.checked_in_at), "left_at": when(c.checked_out_at), "reverted_at": when(c.reverted_at)}
            for c in checkins
        ],
        "livestream_minutes_watched": minutes,
        "mails": [{"kind": m.kind, "subject": m.subject, "status": m.status, "sent_at": when(m.sent_at)} for m in mails],
    }


def _withdraw(invitee: Invitee, now: datetime) -> None:
    """Give up an active registration before the event, freeing the seat for the waiting list."""
    registration = invitee.registration
    if registration is None or registration.status not in ACTIVE_STATUSES or invitee.event.ends_at < now:
        return
    try:
        answer(invitee.id, Choice.CANCEL, now)
    except AnswerRefused:
        lock_row(Event, invitee.event_id)
        registration.status = Status.CANCELLED
        for ticket in registration.tickets:
            ticket.revoked_at = ticket.revoked_at or now


def erase_invitee(invitee_id: int, now: datetime) -> None:
    """Erase one invitee on their request (GDPR Art. 17): withdraw, then anonymise.

    The row stays, nameless, so that the event's totals (answers, check-ins) do not change; the
    personal link stops working, so does their livestream viewer, and mails and door answers naming the person are
    deleted or redacted.
    """
    invitee = db.session.get(Invitee, invitee_id)
    _withdraw(invitee, now)
    stop_viewer(invitee)
    email = invitee.email
    registration = invitee.registration
    db.session.execute(
        delete(OutboxMail)
        .where(
            OutboxMail.event_id == invitee.event_id,
            or_(OutboxMail.invitee_id == invitee.id, func.lower(OutboxMail.recipient) == email.lower()),
        )
        .execution_options(synchronize_session=False)
    )
    if registration is not None:
        attempts = db.session.execute(
            select(ScanAttempt).join(CheckIn, CheckIn.id == ScanAttempt.checkin_id).where(
                CheckIn.registration_id == registration.id
            )
        ).scalars()
        for attempt in attempts:
            attempt.response = redact_answer(attempt.response)
    invitee.name = "–"
    invitee.email = f"erased-{invitee.id}@invalid"
    invitee.unit = None
    assign_new_link(invitee)
    record("privacy.erased", event_id=invitee.event_id, actor="Invitee", invitee_id=invitee.id)
    db.session.flush()


def redact_answer(stored: str) -> str:
    """A stored door answer without the keys that name the person."""
    try:
        answer_data = json.loads(stored)
    except ValueError:
        return "{}"
    return json.dumps(_without_personal_keys(answer_data))


def _without_personal_keys(value):
    if isinstance(value, dict):
        return {k: _without_personal_keys(v) for k, v in value.items() if k not in PERSONAL_ANSWER_KEYS}
    if isinstance(value, list):
        return [_without_personal_keys(v) for v in value]
    return value
