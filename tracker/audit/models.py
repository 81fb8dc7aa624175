"""The audit trail of organiser and door actions."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_event_at", "event_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Account that acted; none for a paired door device or the system.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Who acted, as shown in the log (account name, "Gerät Eingang Nord", "System").
    actor: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    #: What happened, a stable code such as invitees.imported or checkin.reverted.
    action: Mapped[str] = mapped_column(String(50), index=True)
    #: Details without personal data beyond ids (counts, ids, old and new values).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
