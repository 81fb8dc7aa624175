"""Registrations (an invitee's answer) and the tickets scanned at the door."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, and_, or_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..invitees.models import Invitee


class Mode(StrEnum):
    HALL = "hall"
    STREAM = "stream"


class Status(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"
    DECLINED = "declined"


#: Statuses that hold or wait for a place.
ACTIVE_STATUSES = (Status.CONFIRMED, Status.WAITING)


class Registration(db.Model):
    """One row per invitee: their current answer. One invitee, one registration, by a unique key."""

    __tablename__ = "registrations"
    __table_args__ = (
        CheckConstraint("status IN ('confirmed', 'waiting', 'cancelled', 'declined')", name="status"),
        CheckConstraint("mode IS NULL OR mode IN ('hall', 'stream')", name="mode"),
        CheckConstraint("status NOT IN ('confirmed', 'waiting') OR mode IS NOT NULL", name="active_has_mode"),
        CheckConstraint("status <> 'waiting' OR mode = 'hall'", name="waiting_is_for_hall"),
        CheckConstraint("status = 'waiting' OR NOT stream_while_waiting", name="stream_while_waiting_only_waiting"),
        Index("ix_registrations_event_status_mode", "event_id", "status", "mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitees.id", ondelete="CASCADE"), unique=True)
    #: hall or stream; none for declined.
    mode: Mapped[str | None] = mapped_column(String(10))
    #: confirmed, waiting (for a hall seat), cancelled or declined.
    status: Mapped[str] = mapped_column(String(10))
    #: A waiting registration that meanwhile holds a livestream place.
    stream_while_waiting: Mapped[bool] = mapped_column(default=False)
    #: When the person joined the waiting list; orders promotion.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a waiting registration was given a freed hall seat.
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the person first answered.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the answer last changed.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    invitee: Mapped[Invitee] = relationship(back_populates="registration")
    tickets: Mapped[list["Ticket"]] = relationship(back_populates="registration", cascade="all, delete-orphan")

    @hybrid_property
    def holds_hall_seat(self) -> bool:
        """Confirmed for the hall: the registration takes one of the hall's seats (in Python and in SQL)."""
        return self.status == Status.CONFIRMED and self.mode == Mode.HALL

    @holds_hall_seat.inplace.expression
    @classmethod
    def _holds_hall_seat_expression(cls):
        return and_(cls.status == Status.CONFIRMED, cls.mode == Mode.HALL)

    @hybrid_property
    def may_watch(self) -> bool:
        """Confirmed for the livestream or the hall (hall guests may follow online), or waiting with a stream place
        (in Python and in SQL)."""
        if self.status == Status.CONFIRMED:
            return self.mode in (Mode.STREAM, Mode.HALL)
        return self.status == Status.WAITING and self.stream_while_waiting

    @may_watch.inplace.expression
    @classmethod
    def _may_watch_expression(cls):
        return or_(
            and_(cls.status == Status.CONFIRMED, cls.mode.in_((Mode.STREAM, Mode.HALL))),
            and_(cls.status == Status.WAITING, cls.stream_while_waiting),
        )

    @property
    def active_ticket(self) -> "Ticket | None":
        return next((t for t in self.tickets if t.revoked_at is None), None)


class Ticket(db.Model):
    """What the door scans: a random code, no personal data. One valid ticket per registration."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index(
            "uq_tickets_active_per_registration",
            "registration_id",
            unique=True,
            sqlite_where=db.text("revoked_at IS NULL"),
            postgresql_where=db.text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    #: The code in the QR image (digits and upper-case letters only).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the registration is cancelled or declined; the ticket no longer admits.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship(back_populates="tickets")
