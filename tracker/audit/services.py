"""Writing the audit trail, in the same transaction as the action it records."""
from flask import has_request_context
from flask_login import current_user

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
