"""Doors, the devices paired to them, check-ins and the log of every scan."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..events.models import Event
from ..extensions import db


class Door(db.Model):
    __tablename__ = "doors"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Name shown on the scanner and in verdicts, e.g. "Eingang Nord".
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()


class DoorDevice(db.Model):
    """A phone, tablet or laptop allowed to scan at one door."""

    __tablename__ = "door_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    door_id: Mapped[int] = mapped_column(ForeignKey("doors.id", ondelete="CASCADE"), index=True)
    #: Label to tell devices apart, e.g. "Tablet 2".
    label: Mapped[str] = mapped_column(String(100))
    #: SHA-256 of the one-time pairing code; cleared once used.
    pairing_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The pairing code stops working after this moment.
    pairing_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: SHA-256 of the device's credential, kept in its cookie after pairing.
    credential_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Door-staff account that paired the device by logging in, if any.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    door: Mapped[Door] = relationship()

    @property
    def event_id(self) -> int:
        """The event of the device's door (so that tracker.web.child_or_404 can check a device)."""
        return self.door.event_id


class CheckIn(db.Model):
    """One admitted registration; the partial unique index allows at most one that is not reverted."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index(
            "uq_checkins_registration_current",
            "registration_id",
            unique=True,
            sqlite_where=db.text("reverted_at IS NULL"),
            postgresql_where=db.text("reverted_at IS NULL"),
        ),
        Index("ix_checkins_event_time", "event_id", "checked_in_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    #: The ticket scanned; none when found by name or registered at the door.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    door_id: Mapped[int | None] = mapped_column(ForeignKey("doors.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("door_devices.id", ondelete="SET NULL"))
    #: Account that checked the guest in, when not a paired device.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: scan, search or walk_in.
    method: Mapped[str] = mapped_column(String(10), default="scan")
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Last exit scan, where the event records exits; none while inside.
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the check-in was undone; it then no longer counts.
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reverted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    door: Mapped[Door | None] = relationship()


class ScanAttempt(db.Model):
    """Every scan with its verdict; the nonce makes a retried request return the same answer."""

    __tablename__ = "scan_attempts"
    __table_args__ = (
        UniqueConstraint("door_id", "nonce"),
        Index("ix_scan_attempts_event_time", "event_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    door_id: Mapped[int] = mapped_column(ForeignKey("doors.id", ondelete="CASCADE"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("door_devices.id", ondelete="SET NULL"))
    #: Client-generated idempotency key of the request.
    nonce: Mapped[str] = mapped_column(String(64))
    #: What was scanned, cut to 64 characters (a ticket code carries no personal data).
    scanned: Mapped[str] = mapped_column(String(64))
    #: Verdict code, e.g. valid, already_checked_in, stream_only, forged.
    verdict: Mapped[str] = mapped_column(String(30))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    #: The JSON answer given, replayed for a retried nonce.
    response: Mapped[str] = mapped_column(String(2000))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checkin: Mapped[CheckIn | None] = relationship()


class DoorStaffAssignment(db.Model):
    """A door-staff account allowed to scan at the doors of one event."""

    __tablename__ = "door_staff_assignments"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
