"""Invitee list operations."""
from collections.abc import Callable

from sqlalchemy import Select, func, or_, select

from ..audit.services import record
from ..database import contains_text, lock_row, unicode_lower
from ..events.models import Event, Group
from ..extensions import db
from .links import assign_new_link
from .models import Invitee, InviteeSource

#: The group filter's value for invitees outside every group.
NO_GROUP = "none"


class DuplicateEmail(ValueError):
    """The address is already on the event's list."""


def add_invitee(
    event: Event,
    *,
    name: str,
    email: str,
    unit: str | None = None,
    group: Group | None = None,
    language: str = "de",
    source: str = InviteeSource.MANUAL,
) -> Invitee:
    """Put one person on the event's list with a fresh personal link."""
    invitee = Invitee(
        event=event, name=name, email=email, unit=unit or None, group=group, language=language, source=source
    )
    assign_new_link(invitee)
    db.session.add(invitee)
    return invitee


def invitee_count(event_id: int) -> int:
    return db.session.execute(select(func.count()).where(Invitee.event_id == event_id)).scalar_one()


def email_taken(event_id: int, email: str, without_invitee_id: int | None = None) -> bool:
    query = select(Invitee.id).where(Invitee.event_id == event_id, func.lower(Invitee.email) == email.lower())
    if without_invitee_id is not None:
        query = query.where(Invitee.id != without_invitee_id)
    return db.session.execute(query).first() is not None


def save_invitee(event_id: int, values: dict, invitee: Invitee | None = None) -> Invitee:
    """Add one person by hand or change one; the address must stay unique on the list."""
    event = lock_row(Event, event_id)
    if email_taken(event_id, values["email"], invitee.id if invitee else None):
        raise DuplicateEmail(values["email"])
    group = db.session.get(Group, values["group_id"]) if values["group_id"] else None
    fields = {"name": values["name"], "email": values["email"], "unit": values["unit"] or None,
              "language": values["language"]}
    if invitee is None:
        invitee = add_invitee(event, group=group, **fields)
        db.session.flush()
        record("invitee.added", event_id=event_id, invitee_id=invitee.id)
        return invitee
    changed = sorted(name for name, value in fields.items() if getattr(invitee, name) != value)
    if invitee.group_id != (group.id if group else None):
        changed.append("group")
    for name, value in fields.items():
        setattr(invitee, name, value)
    invitee.group = group
    if changed:
        record("invitee.updated", event_id=event_id, invitee_id=invitee.id, fields=changed)
    return invitee


#: Called with the invitee just before an organiser takes them off the list, in the same transaction. Higher areas
#: register here instead of being imported (the livestream stops their viewer: tracker.stream.services).
REMOVAL_HOOKS: list[Callable[[Invitee], None]] = []


def on_invitee_removal(hook: Callable[[Invitee], None]) -> Callable[[Invitee], None]:
    """Register a hook to run before an invitee is taken off the list (at import time)."""
    REMOVAL_HOOKS.append(hook)
    return hook


def remove_invitee(invitee: Invitee) -> None:
    """Take a person off the list, with their answer and tickets."""
    record("invitee.removed", event_id=invitee.event_id, invitee_id=invitee.id)
    for hook in REMOVAL_HOOKS:
        hook(invitee)
    db.session.delete(invitee)


def invitee_query(event_id: int, search: str = "", group: str = "") -> Select:
    """The event's invitees matching a search in name, e-mail or unit, and a group filter, by name."""
    query = select(Invitee).where(Invitee.event_id == event_id)
    if group == NO_GROUP:
        query = query.where(Invitee.group_id.is_(None))
    elif group.isdigit():
        query = query.where(Invitee.group_id == int(group))
    words = search.split()
    for word in words[:5]:
        query = query.where(or_(*(contains_text(column, word) for column in (Invitee.name, Invitee.email, Invitee.unit))))
    return query.order_by(unicode_lower(Invitee.name), Invitee.id)
