"""Hall seats: who may take one now, given the capacity and the groups' reserved seats.

Until the event's quota release, a group with reserved seats has exactly those seats (its quota),
and everybody else (no group, or a group without reservation) shares the seats nobody reserved.
After the release only the hall capacity counts: unused reserved seats are open to everybody.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, select, union_all

from ..events.models import Event, Group
from ..extensions import db
from ..invitees.models import Invitee
from .models import Mode, Registration, Status


#: Marks the rows with a group's reserved seats among the seat counts.
_RESERVED = "reserved"


def reservations_held(event: Event, now: datetime) -> bool:
    """Reserved seats stay with their group until the release moment (for good when none is set)."""
    return event.quota_release_at is None or now < event.quota_release_at


@dataclass
class HallSeats:
    """Seat usage of one event, read under the event's row lock and updated as seats are given."""

    capacity: int
    #: Confirmed hall seats per group id (None: people without a group).
    used: Counter
    #: Reserved seats per group id, only while reservations are held.
    reserved: dict[int, int]
    #: Waiting registrations per group id.
    waiting: Counter

    @classmethod
    def load(cls, event: Event, now: datetime) -> "HallSeats":
        """Read the counts, and the reserved seats while they are held, in one statement."""
        query = (
            select(Invitee.group_id, Registration.status, func.count())
            .select_from(Registration)
            .join(Invitee, Invitee.id == Registration.invitee_id)
            .where(
                Registration.event_id == event.id,
                Registration.status.in_((Status.CONFIRMED, Status.WAITING)),
                Registration.mode == Mode.HALL,
            )
            .group_by(Invitee.group_id, Registration.status)
        )
        if reservations_held(event, now):
            query = union_all(
                query,
                select(Group.id, literal(_RESERVED), Group.reserved_seats).where(
                    Group.event_id == event.id, Group.reserved_seats.is_not(None)
                ),
            )
        used, waiting, reserved = Counter(), Counter(), {}
        for group_id, kind, number in db.session.execute(query):
            if kind == _RESERVED:
                reserved[group_id] = number
            else:
                (used if kind == Status.CONFIRMED else waiting)[group_id] = number
        return cls(capacity=event.hall_capacity, used=used, reserved=reserved, waiting=waiting)

    @property
    def free_in_hall(self) -> int:
        return max(0, self.capacity - sum(self.used.values()))

    def free_for(self, group_id: int | None) -> int:
        """Seats a person of this group (None: no group) could take right now."""
        if group_id in self.reserved:
            return max(0, min(self.reserved[group_id] - self.used[group_id], self.free_in_hall))
        held_for_groups = sum(max(0, seats - self.used[group]) for group, seats in self.reserved.items())
        return max(0, self.free_in_hall - held_for_groups)

    def groups_with_free_seats(self) -> tuple[list[int], bool]:
        """Reserving groups with a free seat and somebody waiting for it, and whether everybody else has one."""
        reserving = [group for group in self.reserved if self.waiting[group] and self.free_for(group) > 0]
        others_waiting = any(count for group, count in self.waiting.items() if group not in self.reserved)
        return reserving, others_waiting and self.free_for(None) > 0

    def take(self, group_id: int | None) -> None:
        """A waiting person of this group got a seat."""
        self.used[group_id] += 1
        self.waiting[group_id] -= 1
