"""The one way to serve an organiser page of an event: the role check, the event or 404, its children or 404.

Every organiser route under `/events/<int:event_id>/…` is decorated with `event_view`; a route that names a child
of the event (a group, an invitee, a door…) loads it with `child_or_404`. Who may see an event is decided here
and nowhere else.
"""
from functools import wraps

from flask import Flask, abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from .accounts.access import organiser_required
from .events.models import Event
from .events.teams import TeamRole, role_of
from .extensions import db


#: The largest id a table can hold (PostgreSQL's integer); a larger number in a URL matches no route: 404.
LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a whole number from 0 to LARGEST_ID, so a huge id is a 404, not a database error."""

    def __init__(self, url_map, fixed_digits=0, min=0, max=LARGEST_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter


def event_view(view=None, *, readers: bool = False):
    """An organiser page of one event: the URL's `event_id` becomes the loaded `event`, the view's first argument.

    Only the event's team sees it (administrators: every event): to anybody else the event does not exist (404).
    The team's readers may open the pages marked `@event_view(readers=True)` (dashboard, report, exports); every
    other page of the event answers them 403 — they know the event already, so the answer hides nothing and says
    truthfully that they lack the right. `g.team_role` holds the viewer's role for the tabs.
    """
    if view is None:
        return lambda view: event_view(view, readers=readers)

    @wraps(view)
    @organiser_required
    def wrapped(*args, event_id: int, **kwargs):
        event = db.session.get(Event, event_id)
        role = role_of(current_user, event_id) if event is not None else None
        if role is None:
            abort(404)
        if role == TeamRole.READER and not readers:
            abort(403)
        g.event, g.team_role = event, role
        return view(event, *args, **kwargs)

    return wrapped


def hidden_from(user, event_id: int) -> bool:
    """Whether the event does not exist for this account: an organiser outside its team (door staff are refused
    by their own assignment rule, administrators see every event)."""
    return user.is_authenticated and user.is_organiser and role_of(user, event_id) is None


def child_or_404(model, child_id: int, event: Event):
    """The row of `model` with this id if it belongs to `event` (its `event_id`), else 404."""
    child = db.session.get(model, child_id)
    if child is None or child.event_id != event.id:
        abort(404)
    return child


def whole_number(value: str | None) -> int | None:
    """The id or page number written in a form or query value: 1 to LARGEST_ID, else None (none, no number, too big)."""
    return int(value) if value and value.isascii() and value.isdigit() and 0 < int(value) <= LARGEST_ID else None


def query_number(name: str) -> int | None:
    """whole_number of a query string value."""
    return whole_number(request.args.get(name))


def paginate(query, per_page: int | None = None):
    """The page of the query that the query string asks for: the first if none or no number, the last if beyond it."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    page = db.paginate(query, page=query_number("page") or 1, per_page=per_page, error_out=False)
    if page.page > 1 and page.page > page.pages:
        page = db.paginate(query, page=max(page.pages, 1), per_page=per_page, error_out=False)
    return page


def events_by_id(ids) -> dict[int, Event]:
    """The events with these ids that still exist, by id: for a page across events that names them."""
    return {event.id: event for event in db.session.scalars(select(Event).where(Event.id.in_(ids)))}
