"""The outbox: every mail is stored in the transaction that causes it, then delivered by the sender."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
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
    #: Parts the sender makes and adds at delivery (QR image, calendar file): a recipe, see LaterParts.
    #: Cleared once sent, like the message, as it holds the personal link.
    later_parts: Mapped[dict | None] = mapped_column(JSON)
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
    #: When a sender marked it sending; a mail sending for too long lost its sender and is uncertain.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BatchKind(StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"


class BatchScope(StrEnum):
    ALL = "all"
    GROUP = "group"
    SELECTED = "selected"


class InvitationBatch(db.Model):
    """Invitations or reminders being queued for many invitees, a chunk at a time.

    The state lives here, not in a worker: whoever advances the batch (the organiser's page
    or the mail sender) locks this row, queues the next chunk of invitees after `last_invitee_id`, and
    commits; so a batch survives restarts and two advancers never queue the same invitee twice.
    """

    __tablename__ = "invitation_batches"
    __table_args__ = (
        CheckConstraint("kind IN ('invitation', 'reminder')", name="kind"),
        CheckConstraint("scope IN ('all', 'group', 'selected')", name="scope"),
        Index("ix_invitation_batches_unfinished", "finished_at", "event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: invitation or reminder.
    kind: Mapped[str] = mapped_column(String(10))
    #: Who is addressed: all, one group, or selected invitees.
    scope: Mapped[str] = mapped_column(String(10))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("audience_groups.id", ondelete="SET NULL"))
    #: Invitee ids for the scope "selected".
    invitee_ids: Mapped[list | None] = mapped_column(JSON)
    #: Random key of the form that asked for the batch: a second submit of the same form finds this batch.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: Invitees in scope when the batch was made (for the progress bar).
    total: Mapped[int] = mapped_column(default=0)
    #: Mails queued so far.
    queued: Mapped[int] = mapped_column(default=0)
    #: Highest invitee id handled; the next chunk starts after it.
    last_invitee_id: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
