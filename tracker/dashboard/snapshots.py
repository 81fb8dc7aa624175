"""The figures a purged event keeps: its dashboard figures, frozen just before its personal rows are deleted.

The purge (tracker.privacy) calls take_snapshot; the dashboard, the report and the exports read purged_figures.
"""
from datetime import datetime

from ..events.models import Event
from ..extensions import db
from .figures import EventFigures, compute_figures
from .models import EventFigureSnapshot


def take_snapshot(event: Event, now: datetime) -> None:
    """Store the event's figures (counts only, no person) before its purge."""
    db.session.add(EventFigureSnapshot(event_id=event.id, figures=compute_figures(event, now).to_dict(), taken_at=now))
    db.session.flush()


def purged_figures(event: Event) -> EventFigures | None:
    """The figures of a purged event, or None when the event still has its personal data."""
    if event.purged_at is None:
        return None
    snapshot = db.session.get(EventFigureSnapshot, event.id)
    return EventFigures.from_dict(snapshot.figures) if snapshot else None
