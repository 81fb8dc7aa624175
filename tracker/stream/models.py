"""Livestream presence, kept per viewer per minute."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..extensions import db


class ViewerMinute(db.Model):
    """One row per viewer and minute watched; the primary key makes duplicate heartbeats no-ops."""

    __tablename__ = "viewer_minutes"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: "i<invitee id>" for invitees, "a<random id>" for anonymous viewers.
    viewer_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: The minute (UTC, seconds zero) in which a heartbeat arrived.
    minute: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    #: The invitee behind the viewer, for per-group figures; none for anonymous viewers.
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("invitees.id", ondelete="SET NULL"), index=True)
