"""Hall seats: the one answer to "how many seats are free, and for whom".

Until the event's release, each group's reserved seats are held for it: nobody outside the group takes them.
The seats nobody reserved (capacity minus all reservations) are shared by everybody, members of reserving groups
included, first come first served. After the release every free seat is open to everybody. A group maximum, where
set, caps a group's hall seats at all times (its reserved ones counted). Callers hold the event's row lock
(tracker.database.lock_row) while they read and give seats, so the hall never has more seats taken than its
capacity.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, null, select, union_all

from ..database import utcnow
from ..events.models import Event, Group
from ..extensions import db
from ..invitees.models import Invitee
from .models import Registration, Status

#: Marks the rows with a group's reserved seats and maximum among the seat counts.
_LIMITS = "limits"


@dataclass
class HallSeats:
    """Seat usage of one event, read under the event's row lock and updated as seats are given."""

    capacity: int
    #: Hall seats taken per group id (None: people without a group).
    used: Counter
    #: Reserved seats per group id, only while reservations are held.
    reserved: dict[int, int]
    #: Group maximum per group id, where one is set.
    maximum: dict[int, int]
    #: Waiting registrations per group id.
    waiting: Counter

    @classmethod
    def load(cls, event: Event, now: datetime | None = None) -> "HallSeats":
        """Read the counts, the maxima and the reserved seats while they are held, in one statement."""
        counts = (
            select(Invitee.group_id, Registration.status, func.count(), null())
            .select_from(Registration)
            .join(Invitee, Invitee.id == Registration.invitee_id)
            .where(
                Registration.event_id == event.id,
                Registration.holds_hall_seat | (Registration.status == Status.WAITING),
            )
            .group_by(Invitee.group_id, Registration.status)
        )
        reserved = Group.reserved_seats if event.reservations_held(now or utcnow()) else null()
        limits = select(Group.id, literal(_LIMITS), reserved, Group.max_seats).where(
            Group.event_id == event.id, reserved.is_not(None) | Group.max_seats.is_not(None)
        )
        seats = cls(capacity=event.hall_capacity, used=Counter(), reserved={}, maximum={}, waiting=Counter())
        for group_id, kind, number, maximum in db.session.execute(union_all(counts, limits)):
            if kind == _LIMITS:
                if number is not None:
                    seats.reserved[group_id] = number
                if maximum is not None:
                    seats.maximum[group_id] = maximum
            else:
                (seats.used if kind == Status.CONFIRMED else seats.waiting)[group_id] = number
        return seats

    @property
    def taken(self) -> int:
        return sum(self.used.values())

    @property
    def free_in_hall(self) -> int:
        return max(0, self.capacity - self.taken)

    def held(self, group_id: int) -> int:
        """Reserved seats of the group that nobody of it has taken yet."""
        return max(0, self.reserved.get(group_id, 0) - self.used[group_id])

    def free_for(self, group_id: int | None) -> int:
        """Seats a person of this group (None: no group) could take right now."""
        held_for_others = sum(self.held(group) for group in self.reserved if group != group_id)
        free = self.free_in_hall - held_for_others
        if group_id in self.maximum:
            free = min(free, self.maximum[group_id] - self.used[group_id])
        return max(0, free)

    def groups_with_free_seats(self) -> tuple[list[int], bool]:
        """Groups with a reservation or a maximum that have somebody waiting and a seat for them, and whether
        everybody else (no group, or a group with neither) has a free seat."""
        limited = self.reserved.keys() | self.maximum.keys()
        eligible = [group for group in limited if self.waiting[group] and self.free_for(group) > 0]
        return eligible, self.free_for(None) > 0

    def anybody_waiting_may_take(self) -> bool:
        """Whether a waiting registration could take a free seat now (the waiting list would move first)."""
        return any(count > 0 and self.free_for(group) > 0 for group, count in self.waiting.items())

    def take(self, group_id: int | None) -> None:
        """A waiting person of this group got a seat."""
        self.used[group_id] += 1
        self.waiting[group_id] -= 1


def free_seats_for(event: Event, group_id: int | None, now: datetime | None = None) -> int:
    """Hall seats a person of this group (None: no group) could take right now."""
    return HallSeats.load(event, now).free_for(group_id)

