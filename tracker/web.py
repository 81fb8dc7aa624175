"""The one way to serve an organiser page of an event: the role check, the event or 404, its children or 404.

Every organiser route under `/events/<int:event_id>/…` is decorated with `event_view`; a route that names a child
of the event (a group, an invitee, a door…) loads it with `child_or_404`. Who may see an event is decided here
and nowhere else.
"""
from functools import wraps

from flask import abort, g
from sqlalchemy import select

from .accounts.access import organiser_required
from .events.models import Event
from .extensions import db


def event_view(view):
    """An organiser page of one event: the URL's `event_id` becomes the loaded `event`, the view's first argument."""

    @wraps(view)
    @organiser_required
    def wrapped(*args, event_id: int, **kwargs):
        event = db.session.get(Event, event_id)
        if event is None:
            abort(404)
        g.event = event
        return view(event, *args, **kwargs)

    return wrapped


def child_or_404(model, child_id: int, event: Event):
    """The row of `model` with this id if it belongs to `event` (its `event_id`), else 404."""
    child = db.session.get(model, child_id)
    if child is None or child.event_id != event.id:
        abort(404)
    return child


def events_by_id(ids) -> dict[int, Event]:
    """The events with these ids that still exist, by id: for a page across events that names them."""
    return {event.id: event for event in db.session.scalars(select(Event).where(Event.id.in_(ids)))}
