"""The outbox: every mail is stored in the transaction that causes it, then delivered by the sender."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMail(db.Model):
    __tablename__ = "outbox_mails"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_mails_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("invitees.id", ondelete="SET NULL"), index=True)
    #: What the mail is: invitation, reminder, confirmation, promotion, opt_in, ...
    kind: Mapped[str] = mapped_column(String(30))
    #: Recipient address.
    recipient: Mapped[str] = mapped_column(String(254))
    #: Subject line, for the organisers' overview.
    subject: Mapped[str] = mapped_column(String(300))
    #: The complete MIME message; cleared once sent, as it holds the personal link.
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Message-ID header, the same on every attempt.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    #: queued, sending, sent or failed (gave up).
    status: Mapped[str] = mapped_column(String(10), default=MailStatus.QUEUED)
    #: Delivery attempts so far.
    attempts: Mapped[int] = mapped_column(default=0)
    #: The SMTP error of the last failed attempt.
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Not to be tried before this moment (back-off).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
