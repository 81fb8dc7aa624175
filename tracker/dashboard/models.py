"""An event's computed figures, shared by every worker for a few seconds (when no Redis is configured), and the
figures frozen when its personal data is purged."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class FigureCache(db.Model):
    """One row per event: its figures as JSON, when they were computed, and who is computing them now."""

    __tablename__ = "dashboard_figure_cache"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: EventFigures as JSON; empty until the first computation finishes.
    figures: Mapped[str] = mapped_column(Text, default="")
    #: When the figures were computed; they are fresh for DASHBOARD_REFRESH_SECONDS.
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A worker has claimed the next computation until this moment; the others serve the old figures.
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventFigureSnapshot(db.Model):
    """Figures of one event (tracker.dashboard.snapshots), taken just before its personal data is purged."""

    __tablename__ = "event_figure_snapshots"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: Counts only: no id, name or address of any person.
    figures: Mapped[dict] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
