"""Invitations and reminders: queued in batches, a chunk at a time; each invitee's invitation state."""
from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default as default_policy
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_interval, format_time
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, select, update
from sqlalchemy.orm import aliased

from ..audit.services import record
from ..database import lock_row, utcnow
from ..events.models import Event
from ..extensions import db
from ..invitees.links import assign_new_link, personal_url
from ..invitees.models import Invitee
from ..mail.models import BatchKind, BatchScope, InvitationBatch, MailStatus, OutboxMail
from ..mail.outbox import uncertain, uncertain_before
from ..mail.sender import before_each_round
from ..mail.services import queue_mail
from ..registration.models import Registration
from ..web import paginate


class InvitationState(StrEnum):
    NOT_SENT = "not_sent"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


#: What the organiser reads for each invitation state (invitations page, audit log).
INVITATION_STATE_LABELS = {
    InvitationState.NOT_SENT: _l("Not sent"), InvitationState.QUEUED: _l("Queued"), InvitationState.SENT: _l("Sent"),
    InvitationState.FAILED: _l("Failed"), InvitationState.UNCERTAIN: _l("Uncertain"),
}


class BatchError(ValueError):
    """A batch that cannot be started; the message is shown to the organiser."""


def mail_state(mail: OutboxMail | None) -> InvitationState:
    """The state of one mail as organisers see it (a sending mail past the timeout is uncertain)."""
    if mail is None:
        return InvitationState.NOT_SENT
    if mail.status == MailStatus.SENDING and mail.claimed_at and mail.claimed_at < uncertain_before():
        return InvitationState.UNCERTAIN
    if mail.status in (MailStatus.SENT, MailStatus.FAILED):
        return InvitationState(mail.status)
    return InvitationState.QUEUED


# --- Mail content --------------------------------------------------------------------------------------


def event_details(event: Event, language: str) -> dict:
    """The event's date, time and deadline as text in the given language, in the event's time zone."""
    zone = ZoneInfo(event.timezone)
    starts, ends = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    if starts.date() == ends.date():
        when = f"{format_date(starts, 'full', locale=language)}, {format_interval(starts, ends, 'Hm', locale=language)}"
    else:
        when = format_interval(starts, ends, "yMMMMdHm", locale=language)
    deadline = event.registration_deadline.astimezone(zone) if event.registration_deadline else None
    return {
        "when": when,
        # As on the pages (registration's date_and_time): "10. Januar 2027, 23:59", no seconds, no zone name.
        "deadline": f"{format_date(deadline, 'long', locale=language)}, {format_time(deadline, 'short', locale=language)}"
        if deadline else None,
    }


def subject_for(kind: str, title: str):
    """The subject line, lazy so that it is rendered in the recipient's language."""
    if kind == BatchKind.INVITATION:
        return _l("Invitation: %(title)s", title=title)
    return _l("Reminder: %(title)s – please reply", title=title)


def queue_invitation_mail(invitee: Invitee, kind: str, event: Event) -> OutboxMail:
    """Queue the invitation or reminder for one invitee, in their language, with their personal link."""
    mail = queue_mail(
        kind=kind,
        recipient=invitee.email,
        recipient_name=invitee.name,
        language=invitee.language,
        subject=subject_for(kind, event.title),
        template=kind,
        context={"event": event, "invitee": invitee, "link": personal_url(invitee), **event_details(event, invitee.language)},
        event_id=event.id,
        invitee_id=invitee.id,
    )
    if kind == BatchKind.INVITATION:
        invitee.invited_at = invitee.invited_at or utcnow()
    else:
        invitee.reminded_at = utcnow()
    return mail


#: The stand-in addressee of a mail preview, so that the organiser sees no other person's data.
SAMPLE_NAME = "Erika Mustermann"


@dataclass(frozen=True)
class MailPreview:
    """A mail exactly as it would be queued: its language, subject and text part."""

    language: str
    subject: str
    text: str


def preview_mail(event: Event, kind: str, language: str) -> MailPreview:
    """The invitation or reminder as queue_invitation_mail() makes it, for a sample invitee; nothing is stored.

    The sample gets a fresh personal link that is stored nowhere, so it leads to no one's page.
    """
    sample = Invitee(name=SAMPLE_NAME, email="erika.mustermann@example.org", language=language)
    assign_new_link(sample)
    mail = queue_invitation_mail(sample, kind, event)
    db.session.expunge(mail)
    message = message_from_bytes(mail.message, policy=default_policy)
    return MailPreview(language, str(message["Subject"]), message.get_body(("plain",)).get_content())


# --- Invitation state of each invitee ------------------------------------------------------------------


def _with_invitation_state(query, event_id: int):
    """Join each invitee's latest invitation mail; returns the query, the mail alias and the state expression.

    Only invitees who can get mail: a walk-in registered without an address has no invitation state.
    """
    latest = (
        select(OutboxMail.invitee_id, func.max(OutboxMail.id).label("mail_id"))
        .where(OutboxMail.event_id == event_id, OutboxMail.kind == BatchKind.INVITATION)
        .group_by(OutboxMail.invitee_id)
        .subquery()
    )
    mail = aliased(OutboxMail, name="invitation_mail")
    state = case(
        (mail.id.is_(None), InvitationState.NOT_SENT.value),
        (mail.status == MailStatus.SENT, InvitationState.SENT.value),
        (mail.status == MailStatus.FAILED, InvitationState.FAILED.value),
        (uncertain(mail), InvitationState.UNCERTAIN.value),
        else_=InvitationState.QUEUED.value,
    )
    query = (
        query.outerjoin(latest, latest.c.invitee_id == Invitee.id)
        .outerjoin(mail, mail.id == latest.c.mail_id)
        .where(Invitee.event_id == event_id, Invitee.reachable_by_mail)
    )
    return query, mail, state


def state_counts(event_id: int) -> dict[str, int]:
    """How many invitees are in each invitation state."""
    query, _mail, state = _with_invitation_state(select(Invitee.id).select_from(Invitee), event_id)
    rows = db.session.execute(
        query.with_only_columns(state, func.count()).select_from(Invitee).group_by(state)
    ).all()
    counts = {state.value: 0 for state in InvitationState}
    counts.update({row[0]: row[1] for row in rows})
    return counts


def unanswered_count(event_id: int) -> int:
    """Invited people who have not answered yet (the ones a reminder goes to)."""
    return db.session.scalar(
        select(func.count()).select_from(Invitee).where(_eligible(BatchKind.REMINDER), Invitee.event_id == event_id)
    )


def invitee_page(event_id: int, *, state: str | None, group_id: int | None):
    """One page of the event's invitees, filtered by invitation state and group, with each one's mail."""
    query, mail, state_expression = _with_invitation_state(select(Invitee).select_from(Invitee), event_id)
    if state:
        query = query.where(state_expression == state)
    if group_id:
        query = query.where(Invitee.group_id == group_id)
    pagination = paginate(query.order_by(Invitee.name, Invitee.id))
    ids = [invitee.id for invitee in pagination.items]
    mails_query, mail, _state = _with_invitation_state(select(Invitee.id).select_from(Invitee), event_id)
    mails = dict(db.session.execute(mails_query.add_columns(mail).where(Invitee.id.in_(ids))).all())
    return pagination, mails


# --- Batches -------------------------------------------------------------------------------------------


def _eligible(kind: str):
    """Who a mail of this kind is for: invitations to those not yet invited, reminders to those not answered;
    never walk-ins registered at the door without an e-mail address."""
    if kind == BatchKind.INVITATION:
        return and_(Invitee.invited_at.is_(None), Invitee.reachable_by_mail)
    answered = exists().where(Registration.invitee_id == Invitee.id)
    return and_(Invitee.invited_at.is_not(None), ~answered, Invitee.reachable_by_mail)


def _in_scope(batch: InvitationBatch):
    conditions = [Invitee.event_id == batch.event_id, _eligible(batch.kind)]
    if batch.scope == BatchScope.GROUP:
        conditions.append(Invitee.group_id == batch.group_id)
    elif batch.scope == BatchScope.SELECTED:
        conditions.append(Invitee.id.in_(batch.invitee_ids or []))
    return and_(*conditions)


def batch_size(event_id: int, kind: str, scope: str, group_id: int | None, invitee_ids: list[int]) -> int:
    """How many people a batch of this kind and scope would reach now."""
    batch = InvitationBatch(event_id=event_id, kind=kind, scope=scope, group_id=group_id, invitee_ids=invitee_ids)
    return db.session.scalar(select(func.count()).select_from(Invitee).where(_in_scope(batch)))


def latest_batch(event_id: int) -> InvitationBatch | None:
    """The event's most recent batch, running or finished: the one whose delivery the page follows."""
    return db.session.execute(
        select(InvitationBatch).where(InvitationBatch.event_id == event_id).order_by(InvitationBatch.id.desc()).limit(1)
    ).scalar_one_or_none()


def nobody_left_message(kind: str):
    """Why a batch of this kind would reach nobody."""
    if kind == BatchKind.INVITATION:
        return _l("Everybody you chose has already been invited.")
    return _l("Everybody you chose has already answered or has not been invited yet.")


def unfinished_batch(event_id: int) -> InvitationBatch | None:
    return db.session.execute(
        select(InvitationBatch).where(InvitationBatch.event_id == event_id, InvitationBatch.finished_at.is_(None))
    ).scalar_one_or_none()


def start_batch(
    event_id: int,
    *,
    kind: str,
    scope: str,
    submission_key: str,
    group_id: int | None = None,
    invitee_ids: list[int] | None = None,
    created_by_id: int | None = None,
) -> InvitationBatch:
    """Record a batch of invitations or reminders; its mails are queued by advance_batch().

    A second submit of the same form (same key) returns the batch already made. Only one batch
    per event runs at a time (the event row is locked while checking).
    """
    lock_row(Event, event_id)
    existing = db.session.execute(
        select(InvitationBatch).where(InvitationBatch.submission_key == submission_key)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    if unfinished_batch(event_id) is not None:
        raise BatchError(_l("Mails are still being queued for this event. Please wait until that has finished."))
    batch = InvitationBatch(
        event_id=event_id,
        kind=kind,
        scope=scope,
        group_id=group_id if scope == BatchScope.GROUP else None,
        invitee_ids=sorted(set(invitee_ids)) if scope == BatchScope.SELECTED else None,
        submission_key=submission_key,
        created_by_id=created_by_id,
        queued=0,
        last_invitee_id=0,
    )
    batch.total = batch_size(event_id, kind, batch.scope, batch.group_id, batch.invitee_ids)
    if batch.total == 0:
        raise BatchError(nobody_left_message(kind))
    db.session.add(batch)
    db.session.flush()
    record(
        f"invitations.{kind}_batch_started",
        event_id=event_id,
        batch_id=batch.id,
        scope=scope,
        group_id=batch.group_id,
        total=batch.total,
    )
    return batch


def advance_batch(batch_id: int) -> InvitationBatch | None:
    """Queue the next chunk of a batch's mails under a lock on the batch; finish it after the last chunk."""
    batch = lock_row(InvitationBatch, batch_id)
    if batch is None or batch.finished_at is not None:
        return batch
    event = db.session.get(Event, batch.event_id)
    chunk_size = current_app.config["MAIL_INVITATION_CHUNK"]
    invitees = db.session.execute(
        select(Invitee)
        .where(_in_scope(batch), Invitee.id > batch.last_invitee_id)
        .order_by(Invitee.id)
        .limit(chunk_size)
    ).scalars().all()
    for invitee in invitees:
        queue_invitation_mail(invitee, batch.kind, event)
    if invitees:
        batch.last_invitee_id = invitees[-1].id
        batch.queued += len(invitees)
    if len(invitees) < chunk_size:
        batch.finished_at = utcnow()
        record(f"invitations.{batch.kind}_batch_finished", event_id=batch.event_id, batch_id=batch.id, queued=batch.queued)
    db.session.flush()
    return batch


@before_each_round
def advance_unfinished_batches() -> bool:
    """Queue one chunk of every unfinished batch, committing each; True when there was work."""
    ids = db.session.scalars(select(InvitationBatch.id).where(InvitationBatch.finished_at.is_(None))).all()
    db.session.rollback()
    for batch_id in ids:
        advance_batch(batch_id)
        db.session.commit()
    return bool(ids)


def batch_progress(batch: InvitationBatch) -> dict:
    """The figures the organiser's page shows while a batch is queued and delivered.

    Sent and failed count the event's mails of the batch's kind queued since the batch started
    (batches of an event run one after the other, and the page follows only the latest one); a
    single invitation sent again meanwhile counts too.
    """
    delivered = dict(db.session.execute(
        select(OutboxMail.status, func.count())
        .where(
            OutboxMail.event_id == batch.event_id,
            OutboxMail.kind == batch.kind,
            OutboxMail.created_at >= batch.created_at,
            OutboxMail.status.in_((MailStatus.SENT, MailStatus.FAILED)),
        )
        .group_by(OutboxMail.status)
    ).all())
    total = max(batch.total, batch.queued)
    sent, failed = delivered.get(MailStatus.SENT, 0), delivered.get(MailStatus.FAILED, 0)
    finished = batch.finished_at is not None
    return {
        "id": batch.id,
        "kind": batch.kind,
        "queued": batch.queued,
        "total": total,
        "sent": sent,
        "failed": failed,
        "finished": finished,
        "delivered": finished and sent + failed >= batch.queued,
    }


# --- Single invitees -----------------------------------------------------------------------------------


def latest_invitation_mail(invitee: Invitee) -> OutboxMail | None:
    return db.session.execute(
        select(OutboxMail)
        .where(OutboxMail.invitee_id == invitee.id, OutboxMail.kind == BatchKind.INVITATION)
        .order_by(OutboxMail.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def resend_invitation(invitee: Invitee) -> OutboxMail:
    """Queue a new invitation for one invitee (address and language as they are now).

    A previous mail whose delivery is uncertain is given up, so it is not shown as pending any more.
    Raises BatchError while an invitation to this person is still queued, or for a walk-in without an address.
    """
    if not invitee.reachable_by_mail:
        raise BatchError(_l("This guest was registered at the door without an e-mail address."))
    lock_row(Invitee, invitee.id)
    previous = latest_invitation_mail(invitee)
    state = mail_state(previous)
    if state == InvitationState.QUEUED:
        raise BatchError(_l("An invitation to this person is already on its way."))
    if state == InvitationState.UNCERTAIN:
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == previous.id, OutboxMail.status == MailStatus.SENDING)
            .values(status=MailStatus.FAILED, message=None, last_error="Delivery uncertain; replaced by a new mail.")
        )
    mail = queue_invitation_mail(invitee, BatchKind.INVITATION, invitee.event)
    db.session.flush()
    record("invitations.resent", event_id=invitee.event_id, invitee_id=invitee.id, previous_state=state.value, mail_id=mail.id)
    return mail
