"""The organisers' view of the outbox: mails whose delivery failed or is uncertain, and sending them again."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from ..audit.services import record
from ..database import utcnow
from ..extensions import db
from .models import MailStatus, OutboxMail


def uncertain_before() -> datetime:
    """Mails claimed before this moment and still sending have lost their sender."""
    return utcnow() - timedelta(seconds=current_app.config["MAIL_SENDING_TIMEOUT"])


def uncertain(mail=OutboxMail):
    """SQL condition: the mail is still sending after the timeout (its sender is gone)."""
    return and_(mail.status == MailStatus.SENDING, mail.claimed_at < uncertain_before())


def _can_be_sent_again():
    return and_(OutboxMail.message.is_not(None), or_(OutboxMail.status == MailStatus.FAILED, uncertain()))


def problem_mails(event_id: int, *, except_kind: str, limit: int = 100) -> list[OutboxMail]:
    """The event's failed and uncertain mails (other than `except_kind`), newest first."""
    query = (
        select(OutboxMail)
        .where(
            OutboxMail.event_id == event_id,
            OutboxMail.kind != except_kind,
            _can_be_sent_again(),
        )
        .order_by(OutboxMail.id.desc())
        .limit(limit)
    )
    return db.session.execute(query).scalars().all()


def requeue_mail(mail_id: int, event_id: int) -> bool:
    """Queue a failed or uncertain mail again, unchanged (same Message-ID); False if it is neither."""
    requeued = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            OutboxMail.event_id == event_id,
            _can_be_sent_again(),
        )
        .values(status=MailStatus.QUEUED, attempts=0, next_attempt_at=utcnow(), claimed_at=None)
    ).rowcount
    if requeued:
        record("mail.requeued", event_id=event_id, mail_id=mail_id)
    return bool(requeued)
