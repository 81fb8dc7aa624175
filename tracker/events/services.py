"""Events and their groups: local times, seat quotas under the event's row lock, audit."""
from collections.abc import Callable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from ..accounts.models import User
from ..audit.services import record
from ..database import lock_row, utcnow
from ..extensions import db
from .models import Event, Group, GroupCounter
from .teams import add_creator

#: Event columns the organiser form edits, in the order they are audited.
EDITABLE_FIELDS = (
    "title", "description", "agenda", "starts_at", "ends_at", "venue", "hall_capacity",
    "registration_opens_at", "registration_deadline", "registration_closed", "quota_release_at",
    "self_registration", "self_registration_domains", "livestream", "stream_kind", "stream_url",
    "recording_url", "public_stream", "online_threshold_minutes", "checkout_enabled",
)


#: Event columns whose change can free hall seats for the waiting list.
SEAT_FIELDS = {"hall_capacity", "quota_release_at"}

#: Called with the event's id after every change here that can free hall seats (a larger hall, the release moved, a
#: group changed or deleted), in the same transaction, under the event's row lock; each returns the registrations
#: it seated. The waiting list (tracker.registration.services.promote_waiting) registers itself.
SEAT_CHANGE_HOOKS: list[Callable[[int], list]] = []


def on_seat_change(hook: Callable[[int], list]) -> Callable[[int], list]:
    """Register a hook to run after every event or group change that can free hall seats (at import time)."""
    SEAT_CHANGE_HOOKS.append(hook)
    return hook


def _seats_changed(event_id: int) -> list:
    """Run the seat-change hooks; the registrations they seated."""
    return [seated for hook in SEAT_CHANGE_HOOKS for seated in hook(event_id)]


class MaximumError(ValueError):
    """A group maximum below the hall seats the group already holds."""

    def __init__(self, used: int):
        super().__init__(used)
        self.used = used


class QuotaError(ValueError):
    """Seat quotas would not fit into the hall; the message names the numbers."""

    def __init__(self, capacity: int, reserved: int, confirmed_in_hall: int = 0):
        super().__init__(capacity, reserved, confirmed_in_hall)
        self.capacity = capacity
        self.reserved = reserved
        self.confirmed_in_hall = confirmed_in_hall


def local_to_utc(value: datetime | None, zone: str) -> datetime | None:
    """A wall-clock time entered in the event's zone, as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def utc_to_local(value: datetime | None, zone: str) -> datetime | None:
    """An aware UTC time as naive wall-clock time of the event's zone, for a form field."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def upcoming_and_past(events: Select, now: datetime | None = None) -> tuple[list[Event], list[Event]]:
    """Of these events (a select of Event), those not yet over (soonest first) and the finished (latest first)."""
    now = now or utcnow()
    upcoming = db.session.execute(events.where(Event.ends_at >= now).order_by(Event.starts_at)).scalars()
    past = db.session.execute(events.where(Event.ends_at < now).order_by(Event.starts_at.desc())).scalars()
    return list(upcoming), list(past)


def reserved_seats_sum(event_id: int, without_group_id: int | None = None) -> int:
    query = select(func.coalesce(func.sum(Group.reserved_seats), 0)).where(Group.event_id == event_id)
    if without_group_id is not None:
        query = query.where(Group.id != without_group_id)
    return db.session.execute(query).scalar_one()


def taken_seats(event_id: int, group_id: int | None = None) -> int:
    """Hall seats held by confirmed registrations (of one group), from the event's group counters."""
    query = select(func.coalesce(func.sum(GroupCounter.hall), 0)).where(GroupCounter.event_id == event_id)
    if group_id is not None:
        query = query.where(GroupCounter.group_key == group_id)
    return db.session.execute(query).scalar_one()


def create_event(values: dict, creator: User) -> Event:
    """A new event from the form's values (times already in UTC); its creator becomes the team's manager."""
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    record("event.created", event_id=event.id, title=event.title)
    add_creator(event, creator)
    return event


def update_event(event_id: int, values: dict) -> list:
    """Change an event; a lower hall capacity must still hold the reserved and the confirmed seats.

    Returns the waiting registrations that a larger hall or the release seated."""
    event = lock_row(Event, event_id)
    capacity = values["hall_capacity"]
    if capacity < event.hall_capacity:
        reserved = reserved_seats_sum(event_id)
        confirmed = taken_seats(event_id)
        if reserved > capacity or confirmed > capacity:
            raise QuotaError(capacity, reserved, confirmed)
    changed = {}
    for name in EDITABLE_FIELDS:
        old, new = getattr(event, name), values[name]
        if old != new:
            changed[name] = [_audit_value(old), _audit_value(new)]
            setattr(event, name, new)
    if changed:
        record("event.updated", event_id=event.id, changes=changed)
    return _seats_changed(event.id) if changed.keys() & SEAT_FIELDS else []


def delete_event(event: Event) -> None:
    """Remove the event with its groups, invitees and registrations; the audit keeps the title."""
    record("event.deleted", event_id=None, deleted_event_id=event.id, title=event.title)
    db.session.delete(event)


def save_group(event_id: int, values: dict, group: Group | None = None) -> list:
    """Add a group or change one; the reserved seats of all groups must fit into the hall, and a group maximum
    must hold the seats the group already has.

    Returns the waiting registrations that the change seated (e.g. a lower reservation)."""
    event = lock_row(Event, event_id)
    reserved = values.get("reserved_seats") or 0
    others = reserved_seats_sum(event_id, without_group_id=group.id if group else None)
    if others + reserved > event.hall_capacity:
        raise QuotaError(event.hall_capacity, others + reserved)
    maximum = values.get("max_seats")
    used = taken_seats(event_id, group.id) if group is not None and maximum is not None else 0
    if maximum is not None and maximum < used:
        raise MaximumError(used)
    if group is None:
        group = Group(event_id=event_id, **values)
        db.session.add(group)
        db.session.flush()
        record("group.created", event_id=event_id, group_id=group.id, name=group.name,
               reserved_seats=group.reserved_seats, max_seats=group.max_seats)
    else:
        changed = {k: [getattr(group, k), v] for k, v in values.items() if getattr(group, k) != v}
        for name, (_old, new) in changed.items():
            setattr(group, name, new)
        if changed:
            record("group.updated", event_id=event_id, group_id=group.id, changes=changed)
    db.session.flush()
    return _seats_changed(event_id)


def group_name_taken(event_id: int, name: str, without_group_id: int | None = None) -> bool:
    query = select(Group.id).where(Group.event_id == event_id, func.lower(Group.name) == name.strip().lower())
    if without_group_id is not None:
        query = query.where(Group.id != without_group_id)
    return db.session.execute(query).first() is not None


def delete_group(group: Group) -> list:
    """Remove a group; its invitees stay on the list without a group. Returns the waiting registrations that
    the group's freed reservation seated."""
    event_id = group.event_id
    record("group.deleted", event_id=event_id, group_id=group.id, name=group.name)
    db.session.delete(group)
    db.session.flush()
    return _seats_changed(event_id)


def _audit_value(value):
    return value.isoformat() if isinstance(value, datetime) else value
