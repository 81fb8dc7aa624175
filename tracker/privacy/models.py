"""The anonymous figures of an event, kept when its personal data is purged."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class EventFigureSnapshot(db.Model):
    """Totals of one event (see tracker.privacy.figures.event_totals), taken just before its purge."""

    __tablename__ = "event_figure_snapshots"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: Counts only: no id, name or address of any person.
    figures: Mapped[dict] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
