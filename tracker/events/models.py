"""Events (info days) and their audience groups."""
import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db


class StreamKind(StrEnum):
    IFRAME = "iframe"
    HLS = "hls"


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("hall_capacity >= 0", name="hall_capacity_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("online_threshold_minutes > 0", name="online_threshold_positive"),
        CheckConstraint("stream_kind IN ('iframe', 'hls')", name="stream_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Title shown to guests, e.g. "1. Infotag Digitalisierung".
    title: Mapped[str] = mapped_column(String(200))
    #: Free text for the invitation and the guest page.
    description: Mapped[str] = mapped_column(Text, default="")
    #: The organisers' own words at the top of the invitation mail (not on the guest page); none for no such text.
    invitation_text: Mapped[str | None] = mapped_column(Text)
    #: Agenda shown on the guest and watch pages.
    agenda: Mapped[str] = mapped_column(Text, default="")
    #: Start of the talks (UTC).
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: End of the talks (UTC).
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: IANA time zone the event is shown in.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    #: Where the hall is, e.g. "Sitzungssaal, Rathaus".
    venue: Mapped[str] = mapped_column(String(200))
    #: Seats in the hall; never more hall registrations than this.
    hall_capacity: Mapped[int]
    #: Whether the talks are livestreamed.
    livestream: Mapped[bool] = mapped_column(default=True)
    #: How the stream is embedded: iframe address or HLS playlist.
    stream_kind: Mapped[str] = mapped_column(String(10), default=StreamKind.IFRAME)
    #: The stream's embed or playlist address.
    stream_url: Mapped[str | None] = mapped_column(String(500))
    #: Address of the recording, shown after the event.
    recording_url: Mapped[str | None] = mapped_column(String(500))
    #: Whether anonymous viewers may watch through the public watch page.
    public_stream: Mapped[bool] = mapped_column(default=False)
    #: Random token in the public watch page's address (kept apart from the id).
    public_token: Mapped[str] = mapped_column(String(43), unique=True, default=lambda: secrets.token_urlsafe(24))
    #: Minutes of watching after which a viewer counts as "followed online".
    online_threshold_minutes: Mapped[int] = mapped_column(default=10)
    #: Registration opens at this moment (UTC); none means open now.
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Answers can be changed until this moment (UTC).
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Registration closed by an organiser, whatever the deadline says.
    registration_closed: Mapped[bool] = mapped_column(default=False)
    #: Until this moment (UTC), reserved seats are held for their group.
    quota_release_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether staff may register themselves (double opt-in).
    self_registration: Mapped[bool] = mapped_column(default=False)
    #: Comma-separated e-mail domains allowed to self-register.
    self_registration_domains: Mapped[str] = mapped_column(String(500), default="")
    #: Whether exit scans are recorded, to show people inside now.
    checkout_enabled: Mapped[bool] = mapped_column(default=False)
    #: When personal data of this event was purged (GDPR); figures remain.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    groups: Mapped[list["Group"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Group.position, Group.id"
    )

    @property
    def reserved_seats(self) -> int:
        return sum(group.reserved_seats or 0 for group in self.groups)

    @property
    def shared_seats(self) -> int:
        """The seats nobody reserved, open to everybody."""
        return max(0, self.hall_capacity - self.reserved_seats)

    def reservations_held(self, now: datetime) -> bool:
        """Reserved seats stay with their group until the release moment (for good when none is set)."""
        return self.quota_release_at is None or now < self.quota_release_at

    @property
    def allowed_domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.self_registration_domains.split(",") if d.strip()]


class Group(db.Model):
    __tablename__ = "audience_groups"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("reserved_seats IS NULL OR reserved_seats >= 0", name="reserved_seats_not_negative"),
        CheckConstraint("max_seats IS NULL OR max_seats >= 0", name="max_seats_not_negative"),
        CheckConstraint("max_seats IS NULL OR reserved_seats IS NULL OR max_seats >= reserved_seats",
                        name="max_seats_hold_reserved"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: Name shown to organisers and on the door verdict, e.g. "Stadtrat".
    name: Mapped[str] = mapped_column(String(100))
    #: Hall seats held for this group until the event's quota release; none means no reservation.
    reserved_seats: Mapped[int | None]
    #: The group maximum: never more hall seats for this group (its reserved ones counted); none means no cap.
    max_seats: Mapped[int | None]
    #: Higher numbers are promoted from the waiting list first (e.g. the council).
    waiting_priority: Mapped[int] = mapped_column(default=0)
    #: Order of the groups in lists and reports.
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="groups")


#: The counts of a GroupCounter.
COUNTER_NAMES = ("invitees", "invited", "answered", "hall", "stream", "waiting", "declined", "cancelled", "present",
                 "inside", "hall_present")


class GroupCounter(db.Model):
    """The running counts of one audience group of an event, kept by database triggers on invitees,
    registrations and check-ins (see migrations e03732309801 and f5a9c2d7e4b1), so they are exact whichever code writes, and the
    dashboard and every scan read a few rows instead of counting every invitee. A migration that rebuilds one of
    those tables on SQLite must create its triggers again."""

    __tablename__ = "group_counters"
    __table_args__ = (
        # Each count on its own: an addition is checked as the row it would insert before it is added to the
        # existing one, so relations between the counts (inside <= present) cannot be checked.
        CheckConstraint(" AND ".join(f"{name} >= 0" for name in COUNTER_NAMES), name="counts"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: The audience group's id; 0 for invitees outside every group (no foreign key: the row of a deleted group
    #: is deleted by a trigger once its invitees have moved to 0).
    group_key: Mapped[int] = mapped_column(primary_key=True)
    #: People on the list, and those of them whose invitation was sent.
    invitees: Mapped[int] = mapped_column(default=0)
    invited: Mapped[int] = mapped_column(default=0)
    #: People with a registration, whatever its status.
    answered: Mapped[int] = mapped_column(default=0)
    #: Registrations by status (hall and stream: confirmed in that mode).
    hall: Mapped[int] = mapped_column(default=0)
    stream: Mapped[int] = mapped_column(default=0)
    waiting: Mapped[int] = mapped_column(default=0)
    declined: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    #: Current (not reverted) check-ins, those of them not checked out, and those holding a confirmed hall seat.
    present: Mapped[int] = mapped_column(default=0)
    inside: Mapped[int] = mapped_column(default=0)
    hall_present: Mapped[int] = mapped_column(default=0)
