"""Writing the audit trail, in the same transaction as the action it records."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import Select, select

from ..database import contains_text
from ..extensions import db
from .models import AuditEntry


def record(action: str, *, event_id: int | None = None, actor: str | None = None, **details) -> AuditEntry:
    """Add an audit entry to the current transaction; the caller's commit writes both or neither."""
    user = current_user if has_request_context() and current_user.is_authenticated else None
    entry = AuditEntry(
        action=action,
        event_id=event_id,
        user_id=user.id if user else None,
        actor=actor or (user.name if user else "System"),
        details=details,
    )
    db.session.add(entry)
    return entry


def entries_query(
    *,
    event_id: int | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
    zone: str = "Europe/Berlin",
) -> Select:
    """Audit entries, newest first, narrowed by event, action, actor (part of the name) and local dates."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if event_id is not None:
        query = query.where(AuditEntry.event_id == event_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(contains_text(AuditEntry.actor, actor))
    tz = ZoneInfo(zone)
    if since:
        query = query.where(AuditEntry.at >= datetime.combine(since, time.min, tz))
    if until:
        query = query.where(AuditEntry.at < datetime.combine(until + timedelta(days=1), time.min, tz))
    return query


def known_actions(event_id: int | None = None) -> list[str]:
    """The action codes that occur (in one event's log, or anywhere), for the filter's choices."""
    query = select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    if event_id is not None:
        query = query.where(AuditEntry.event_id == event_id)
    return list(db.session.execute(query).scalars())
