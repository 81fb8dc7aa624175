"""Who may watch, what the watch page shows when, heartbeats, and the deletion of minutes after retention."""
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import delete, select

from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..invitees.models import Invitee
from ..invitees.services import on_invitee_removal
from ..limits import heartbeat_budgets
from ..registration.models import Registration
from ..registration.services import on_answer_change
from .figures import figures_to_json, stream_figures
from .models import MinuteTotal, StreamFigureSnapshot, ViewerMinute, ViewerTotal
from .presence import presence_store
from .viewers import CLOSES_AFTER_END, OPENS_BEFORE_START, Viewer, invitee_viewer_key

#: Seconds between two heartbeats of a watching page, unless STREAM_HEARTBEAT_SECONDS says otherwise.
DEFAULT_HEARTBEAT_SECONDS = 30


class Phase(StrEnum):
    BEFORE = "before"
    LIVE = "live"
    AFTER = "after"


def watch_phase(event: Event, now: datetime) -> Phase:
    """Countdown before the player opens, the player while live, thanks afterwards."""
    if now < event.starts_at - OPENS_BEFORE_START:
        return Phase.BEFORE
    if now < event.ends_at + CLOSES_AFTER_END:
        return Phase.LIVE
    return Phase.AFTER


def may_watch(registration: Registration | None) -> bool:
    """Whether the registration's person may watch (`Registration.may_watch`); nobody without one."""
    return registration is not None and registration.may_watch


def stop_viewer(invitee: Invitee) -> None:
    """The invitee's viewer stops counting at once: out of "watching now", and its heartbeats are refused (403)
    until the watch page lets them watch again (`resume_viewer`)."""
    event = invitee.event
    presence_store().stop(event.id, invitee_viewer_key(invitee.id), utcnow(), event.ends_at + CLOSES_AFTER_END)


def resume_viewer(invitee: Invitee) -> None:
    """The watch page found that the invitee may watch: their heartbeats count again."""
    presence_store().resume(invitee.event_id, invitee_viewer_key(invitee.id))


@on_answer_change
def _stop_viewer_who_may_not_watch(registration: Registration) -> None:
    """A cancellation, a decline, or the waiting list without a livestream place."""
    if not may_watch(registration):
        stop_viewer(registration.invitee)


on_invitee_removal(stop_viewer)


def heartbeat_seconds() -> int:
    return int(current_app.config.get("STREAM_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS))


def record_heartbeat(viewer: Viewer, now: datetime) -> int | None:
    """Record that the viewer watches; if their heartbeat budget is spent, only when its window ends."""
    return presence_store().heartbeat(viewer, now, heartbeat_budgets(viewer.key, now.timestamp()))


def record_goodbye(viewer: Viewer, now: datetime) -> None:
    presence_store().goodbye(viewer, now)


def retention_days() -> int:
    return int(current_app.config["STREAM_RETENTION_DAYS"])


def purge_expired_minutes(now: datetime) -> list[int]:
    """Replace the minutes of events ended more than the retention period ago by a figure snapshot.

    Returns the ids of the events purged. Flushes Redis first, so no queued minute is lost.
    """
    store = presence_store()
    store.flush()
    cutoff = now - timedelta(days=retention_days())
    events = db.session.execute(
        select(Event)
        .where(Event.ends_at < cutoff, select(ViewerMinute.event_id).where(ViewerMinute.event_id == Event.id).exists())
        .order_by(Event.id)
    ).scalars().all()
    for event in events:
        replace_minutes_by_snapshot(event, now, store)
    return [event.id for event in events]


def replace_minutes_by_snapshot(event: Event, now: datetime, store=None) -> None:
    """Keep the event's livestream figures as a snapshot, then delete its per-viewer minutes and their totals."""
    store = store or presence_store()
    store.flush(event.id)
    if db.session.get(StreamFigureSnapshot, event.id) is None:
        db.session.add(StreamFigureSnapshot(event_id=event.id, figures=figures_to_json(stream_figures(event, now))))
        db.session.flush()
    for model in (ViewerMinute, ViewerTotal, MinuteTotal):
        db.session.execute(delete(model).where(model.event_id == event.id))
    store.forget(event.id)
