"""Livestream presence, kept per viewer per minute, its running totals, and the figures kept after the minutes
are deleted."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class ViewerMinute(db.Model):
    """One row per viewer and minute watched; the primary key makes duplicate heartbeats no-ops."""

    __tablename__ = "viewer_minutes"
    __table_args__ = (
        Index("ix_viewer_minutes_event_minute", "event_id", "minute"),
        Index("ix_viewer_minutes_unfolded", "event_id", "minute",
              postgresql_where=text("NOT folded"), sqlite_where=text("folded = 0")),
    )

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
    #: Counted in the running totals (ViewerTotal, MinuteTotal); set once, by tracker.stream.figures.fold_minutes.
    folded: Mapped[bool] = mapped_column(default=False, server_default=false())


class ViewerTotal(db.Model):
    """Minutes watched per viewer, summed from the folded viewer minutes (personal data, like them)."""

    __tablename__ = "stream_viewer_totals"
    #: Room in every page, so that each fold's update of a row stays in its page (heap-only, no index entries).
    __table_args__ = {"postgresql_with": {"fillfactor": 50}}

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    viewer_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("invitees.id", ondelete="SET NULL"), index=True)
    minutes: Mapped[int]


class MinuteTotal(db.Model):
    """Viewers per minute, summed from the folded viewer minutes."""

    __tablename__ = "stream_minute_totals"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    minute: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    viewers: Mapped[int]


class StreamFigureSnapshot(db.Model):
    """The event's livestream figures, kept when the per-viewer minutes are deleted after the retention period."""

    __tablename__ = "stream_figure_snapshots"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: The figures as JSON (see tracker.stream.figures.StreamFigures); no viewer can be told apart in them.
    figures: Mapped[str] = mapped_column(Text)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
