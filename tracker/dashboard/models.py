"""The computed figures of an event, shared by every worker for a few seconds (when no Redis is configured)."""
from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
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
