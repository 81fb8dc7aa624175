"""An invitee's answer (hall, livestream, decline, cancel), the waiting list and tickets (their mails: `mails`).

Every change runs under the event's row lock, so seats are counted by one request at a time.
Services flush; the view commits once.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from ..audit.services import record
from ..database import lock_row, utcnow
from ..events.models import Event, Group
from ..events.services import on_seat_change
from ..extensions import db
from ..invitees.models import Invitee
from ..tickets.codes import new_ticket_code
from .mails import queue_confirmation, queue_promotion
from .models import ACTIVE_STATUSES, Mode, Registration, Status, Ticket
from .seats import HallSeats


class Choice(StrEnum):
    """What the invitee asks for on the personal page."""

    HALL = "hall"
    STREAM = "stream"
    DECLINE = "decline"
    CANCEL = "cancel"


class Phase(StrEnum):
    """Whether answers are accepted."""

    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"
    PAST_DEADLINE = "past_deadline"


class AnswerRefused(Exception):
    """The answer cannot be given now; the message says why in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


#: Called with the registration after every change of an answer in `answer()`, in the same transaction, under the
#: event's row lock. Higher areas register here instead of being imported (the livestream stops a viewer who may no
#: longer watch: tracker.stream.services).
ANSWER_CHANGE_HOOKS: list[Callable[[Registration], None]] = []


def on_answer_change(hook: Callable[[Registration], None]) -> Callable[[Registration], None]:
    """Register a hook to run after every change of an answer (at import time)."""
    ANSWER_CHANGE_HOOKS.append(hook)
    return hook


@dataclass
class Outcome:
    registration: Registration
    #: Whether the answer changed anything (a repeated click changes nothing).
    changed: bool
    #: Waiting registrations that got a hall seat because of this change.
    promoted: list[Registration] = field(default_factory=list)


def phase(event: Event, now: datetime | None = None) -> Phase:
    now = now or utcnow()
    if event.registration_closed:
        return Phase.CLOSED
    if event.registration_deadline is not None and now >= event.registration_deadline:
        return Phase.PAST_DEADLINE
    if event.registration_opens_at is not None and now < event.registration_opens_at:
        return Phase.NOT_YET_OPEN
    return Phase.OPEN


def _refusal(current: Phase):
    return {
        Phase.NOT_YET_OPEN: _l("Registration has not opened yet."),
        Phase.CLOSED: _l("Registration is closed. Your answer can no longer be changed."),
        Phase.PAST_DEADLINE: _l("The registration deadline has passed. Your answer can no longer be changed."),
    }[current]


def answer(invitee_id: int, choice: Choice, now: datetime | None = None) -> Outcome:
    """Record the invitee's answer under the event lock; queue the confirmation and any promotion mails."""
    now = now or utcnow()
    invitee = db.session.get(Invitee, invitee_id)
    event = lock_row(Event, invitee.event_id)
    current = phase(event, now)
    if current is not Phase.OPEN:
        raise AnswerRefused(_refusal(current))
    if choice is Choice.STREAM and not event.livestream:
        raise AnswerRefused(_l("This event has no livestream."))
    registration = db.session.execute(
        select(Registration)
        .where(Registration.invitee_id == invitee.id)
        .options(joinedload(Registration.tickets))
        .execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()
    first_answer = registration is None
    if first_answer and choice is Choice.CANCEL:
        return Outcome(registration=None, changed=False)
    if first_answer:
        # Added to the session only once decided, so it is inserted once, as decided (no INSERT then UPDATE).
        registration = Registration(event_id=event.id, status=Status.DECLINED)
    elif _already(registration, choice):
        return Outcome(registration=registration, changed=False)

    held_hall_seat = registration.holds_hall_seat
    promoted: list[Registration] = []
    if choice is Choice.HALL:
        seats = HallSeats.load(event, now)
        promoted = fill_freed_seats(event, now, seats)
        if seats.free_for(invitee.group_id) > 0:
            _set(registration, Status.CONFIRMED, Mode.HALL)
        else:
            _set(registration, Status.WAITING, Mode.HALL, stream_while_waiting=event.livestream)
            registration.waiting_since = now
    elif choice is Choice.STREAM:
        _set(registration, Status.CONFIRMED, Mode.STREAM)
    elif choice is Choice.DECLINE:
        _set(registration, Status.DECLINED, None)
    else:
        _set(registration, Status.CANCELLED, registration.mode)
    _sync_ticket(registration, now)
    if first_answer:
        registration.invitee = invitee
        db.session.add(registration)
    db.session.flush()
    if held_hall_seat and not registration.holds_hall_seat:
        promoted += fill_freed_seats(event, now)
    queue_confirmation(registration)
    for hook in ANSWER_CHANGE_HOOKS:
        hook(registration)
    return Outcome(registration=registration, changed=True, promoted=promoted)


def _already(registration: Registration, choice: Choice) -> bool:
    """Whether the registration already is what the choice asks for (a repeated click)."""
    status, mode = registration.status, registration.mode
    return {
        Choice.HALL: status in ACTIVE_STATUSES and mode == Mode.HALL,
        Choice.STREAM: status == Status.CONFIRMED and mode == Mode.STREAM,
        Choice.DECLINE: status == Status.DECLINED,
        Choice.CANCEL: status not in ACTIVE_STATUSES,
    }[choice]


def _set(registration: Registration, status: Status, mode: Mode | None, *, stream_while_waiting: bool = False) -> None:
    registration.status = status
    registration.mode = mode
    registration.stream_while_waiting = stream_while_waiting
    if status != Status.WAITING:
        registration.waiting_since = None


def _sync_ticket(registration: Registration, now: datetime) -> None:
    """One valid ticket while the registration is active; none otherwise."""
    ticket = registration.active_ticket
    if registration.status in ACTIVE_STATUSES and ticket is None:
        registration.tickets.append(Ticket(code=new_ticket_code(), issued_at=now))
    elif registration.status not in ACTIVE_STATUSES and ticket is not None:
        ticket.revoked_at = now


def _priority():
    return func.coalesce(Group.waiting_priority, 0)


def _waiting_query(event: Event):
    """Waiting registrations in promotion order: group priority (highest first), then time of joining."""
    return (
        select(Registration)
        .join(Invitee, Invitee.id == Registration.invitee_id)
        .outerjoin(Group, Group.id == Invitee.group_id)
        .where(Registration.event_id == event.id, Registration.status == Status.WAITING)
        .order_by(_priority().desc(), Registration.waiting_since, Registration.id)
        .options(contains_eager(Registration.invitee))
        .execution_options(populate_existing=True)
    )


def waiting_list(event: Event) -> list[Registration]:
    return list(db.session.execute(_waiting_query(event)).scalars())


def fill_freed_seats(event: Event, now: datetime | None = None, seats: HallSeats | None = None) -> list[Registration]:
    """Give free hall seats to the waiting list in order, as many as fit; the caller holds the event lock.

    Call this after anything that frees seats: a cancellation, a change to the livestream,
    a decline, more capacity, a quota release. Seats already read under the lock may be
    passed in; they are updated with the promotions.
    """
    now = now or utcnow()
    seats = seats or HallSeats.load(event, now)
    limited_groups, pool_open = seats.groups_with_free_seats()
    if not limited_groups and not pool_open:
        return []
    eligible = Invitee.group_id.in_(limited_groups)
    if pool_open:
        limited = list(seats.reserved.keys() | seats.maximum.keys())
        eligible = eligible | Invitee.group_id.is_(None) | Invitee.group_id.not_in(limited or [-1])
    promoted = []
    for registration in db.session.execute(_waiting_query(event).where(eligible)).scalars():
        group_id = registration.invitee.group_id
        if seats.free_for(group_id) == 0:
            continue
        seats.take(group_id)
        _set(registration, Status.CONFIRMED, Mode.HALL)
        registration.promoted_at = now
        _sync_ticket(registration, now)
        promoted.append(registration)
        if seats.free_in_hall == 0:
            break
    db.session.flush()
    for registration in promoted:
        queue_promotion(registration)
    return promoted


def waiting_position(registration: Registration) -> int:
    """1 for the first on the waiting list."""
    mine = db.session.scalar(
        select(_priority()).select_from(Invitee).outerjoin(Group, Group.id == Invitee.group_id)
        .where(Invitee.id == registration.invitee_id)
    )
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .join(Invitee, Invitee.id == Registration.invitee_id)
        .outerjoin(Group, Group.id == Invitee.group_id)
        .where(
            Registration.event_id == registration.event_id,
            Registration.status == Status.WAITING,
            (_priority() > mine)
            | (
                (_priority() == mine)
                & (
                    (Registration.waiting_since < registration.waiting_since)
                    | ((Registration.waiting_since == registration.waiting_since) & (Registration.id < registration.id))
                )
            ),
        )
    )
    return ahead + 1


def hall_seat_free_for(invitee: Invitee, now: datetime | None = None) -> bool:
    """Whether a hall request right now would get a seat (a hint for the page; the answer decides)."""
    seats = HallSeats.load(invitee.event, now)
    return seats.free_for(invitee.group_id) > 0 and not seats.anybody_waiting_may_take()


# --- Organiser controls --------------------------------------------------------------------------


def close_registration(event_id: int) -> Event:
    event = lock_row(Event, event_id)
    if not event.registration_closed:
        event.registration_closed = True
        record("registration.closed", event_id=event.id)
    return event


def reopen_registration(event_id: int) -> Event:
    event = lock_row(Event, event_id)
    if event.registration_closed:
        event.registration_closed = False
        record("registration.reopened", event_id=event.id)
    return event


@on_seat_change
def promote_waiting(event_id: int) -> list[Registration]:
    """Fill free hall seats from the waiting list now, e.g. after more capacity or the quota release (and after every
    event or group change that can free seats: tracker.events.services.on_seat_change)."""
    event = lock_row(Event, event_id)
    promoted = fill_freed_seats(event)
    if promoted:
        record("registration.promoted", event_id=event.id, registrations=[r.id for r in promoted])
    return promoted


def set_deadline(event_id: int, deadline: datetime | None) -> Event:
    """Move the deadline (none: answers accepted until an organiser closes)."""
    event = lock_row(Event, event_id)
    if event.registration_deadline != deadline:
        record(
            "registration.deadline_changed",
            event_id=event.id,
            old=event.registration_deadline.isoformat() if event.registration_deadline else None,
            new=deadline.isoformat() if deadline else None,
        )
        event.registration_deadline = deadline
    return event


@dataclass(frozen=True)
class GroupSeats:
    name: str
    reserved: int | None
    maximum: int | None
    used: int
    waiting_priority: int


@dataclass(frozen=True)
class Summary:
    capacity: int
    hall: int
    stream: int
    waiting: int
    declined: int
    cancelled: int
    reservations_held: bool
    groups: list[GroupSeats]

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.hall)


def summary(event: Event, now: datetime | None = None) -> Summary:
    """Answers of an event in figures, for the organisers."""
    now = now or utcnow()
    counts = dict(
        ((status, mode), number)
        for status, mode, number in db.session.execute(
            select(Registration.status, Registration.mode, func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.status, Registration.mode)
        )
    )
    seats = HallSeats.load(event, now)
    return Summary(
        capacity=event.hall_capacity,
        hall=seats.taken,
        stream=counts.get((Status.CONFIRMED, Mode.STREAM), 0),
        waiting=counts.get((Status.WAITING, Mode.HALL), 0),
        declined=sum(n for (status, _), n in counts.items() if status == Status.DECLINED),
        cancelled=sum(n for (status, _), n in counts.items() if status == Status.CANCELLED),
        reservations_held=event.reservations_held(now),
        groups=[GroupSeats(g.name, g.reserved_seats, g.max_seats, seats.used[g.id], g.waiting_priority)
                for g in event.groups],
    )
