"""The info day as a series: events side by side, and a new event made as a copy of an earlier one."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from ..audit.services import record
from ..events.models import Event, Group
from ..extensions import db
from ..invitees.models import Invitee, InviteeSource
from ..invitees.services import add_invitee
from .cache import current_figures
from .figures import EventFigures

#: Event settings a copy takes over unchanged.
COPIED_SETTINGS = (
    "description", "agenda", "timezone", "venue", "hall_capacity", "livestream", "stream_kind", "stream_url",
    "public_stream", "online_threshold_minutes", "self_registration", "self_registration_domains",
    "checkout_enabled",
)
#: Moments that move with the event: the same distance before the start as in the original.
SHIFTED_MOMENTS = ("registration_opens_at", "registration_deadline", "quota_release_at")


@dataclass(frozen=True)
class SeriesRow:
    event: Event
    figures: EventFigures


def series_rows(events: Select) -> list[SeriesRow]:
    """These events (a select of Event, e.g. those the viewer may see), oldest first, with their (cached) figures."""
    events = db.session.execute(events.order_by(Event.starts_at, Event.id)).scalars().all()
    return [SeriesRow(event, current_figures(event)) for event in events]


def copy_event(source: Event, *, title: str, starts_at: datetime, ends_at: datetime, with_invitees: bool) -> Event:
    """A new event with the source's settings and groups and, if asked, its invitees with new personal links.

    Registrations, tickets, check-ins and viewing are not copied: everybody answers afresh.
    """
    shift = starts_at - source.starts_at
    copy = Event(title=title, starts_at=starts_at, ends_at=ends_at,
                 **{name: getattr(source, name) for name in COPIED_SETTINGS})
    for name in SHIFTED_MOMENTS:
        moment = getattr(source, name)
        setattr(copy, name, moment + shift if moment else None)
    db.session.add(copy)
    groups = {}
    for group in source.groups:
        groups[group.id] = Group(event=copy, name=group.name, reserved_seats=group.reserved_seats,
                                 waiting_priority=group.waiting_priority, position=group.position)
        db.session.add(groups[group.id])
    db.session.flush()
    copied = 0
    if with_invitees:
        invitees = db.session.execute(
            select(Invitee).where(Invitee.event_id == source.id).order_by(Invitee.id)
        ).scalars()
        for invitee in invitees:
            add_invitee(
                copy, name=invitee.name, email=invitee.email, unit=invitee.unit, language=invitee.language,
                group=groups.get(invitee.group_id),
                source=InviteeSource.MANUAL if invitee.source == InviteeSource.WALK_IN else invitee.source,
            )
            copied += 1
        db.session.flush()
    record("event.copied", event_id=copy.id, source_event_id=source.id, groups=len(groups), invitees=copied)
    return copy
