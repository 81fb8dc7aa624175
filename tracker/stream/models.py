"""Livestream presence, kept per viewer per minute, and the figures kept after the minutes are deleted."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class ViewerMinute(db.Model):
    """One row per viewer and minute watched; the primary key makes duplicate heartbeats no-ops."""

    __tablename__ = "viewer_minutes"
    __table_args__ = (Index("ix_viewer_minutes_event_minute", "event_id", "minute"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: "i<invitee id>" for invitees, "a<random id>" for anonymous viewers.
    viewer_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: The minute (UTC, seconds zero) in which a heartbeat arrived.
    minute: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    #: The invitee behind the viewer, for per-group figures; none for anonymous viewers.
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("invitees.id", ondelete="SET NULL"), index=True)
    #: Time of the viewer's last heartbeat in this minute, for "watching now" when no Redis is configured;
    #: none after a goodbye, and always none when Redis keeps the presence.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StreamFigureSnapshot(db.Model):
    """The event's livestream figures, kept when the per-viewer minutes are deleted after the retention period."""

    __tablename__ = "stream_figure_snapshots"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: The figures as JSON (see tracker.stream.figures.StreamFigures); no viewer can be told apart in them.
    figures: Mapped[str] = mapped_column(Text)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
