"""The door's one read: who scans where, the guest and the hall counts, in one statement (door_facts).

The scan API is the hot path: door_facts reads the door, the device, the nonce's earlier answer, the guest and
the hall counts at once; the verdict is decided in Python (verdicts.py) and written in one more statement
(scan_log.record_scan). Its tables are used through SQLAlchemy Core, not the ORM.
"""
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, case, func, null, select

from ..accounts.models import User
from ..events.models import Event, Group, GroupCounter
from ..extensions import db
from ..invitees.models import Invitee
from ..registration.models import Registration, Ticket
from ..registration.seats import free_seats_for
from .devices import sha256
from .models import CheckIn, Door, DoorDevice, ScanAttempt

doors, door_devices, checkins, scan_attempts = (
    Door.__table__, DoorDevice.__table__, CheckIn.__table__, ScanAttempt.__table__
)
events, audience_groups, group_counters, invitees = (
    Event.__table__, Group.__table__, GroupCounter.__table__, Invitee.__table__
)
registrations, tickets = Registration.__table__, Ticket.__table__


class DoorFacts(NamedTuple):
    """What one door request needs; the guest's fields are None where no guest was found."""

    door_id: int
    door_name: str
    event_id: int
    hall_capacity: int
    checkout_enabled: bool
    #: People checked in to the hall and, where exits are scanned, inside now (else None).
    present: int
    inside: int | None
    #: The paired device whose credential the request carries, at this door only.
    device_id: int | None
    device_label: str | None
    #: The JSON answer already given to this nonce at this door.
    earlier_answer: str | None
    ticket_id: int | None
    ticket_revoked_at: datetime | None
    registration_id: int | None
    registration_event_id: int | None
    status: str | None
    mode: str | None
    invitee_id: int | None
    guest_name: str | None
    guest_unit: str | None
    group_name: str | None
    #: The guest's current (not reverted) check-in and the door it was made at.
    checkin_id: int | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    checkin_door: str | None


def door_facts(
    door_id: int, credential: str | None = None, *, nonce: str | None = None, code: str | None = None,
    invitee_id: int | None = None,
) -> DoorFacts | None:
    """Everything a door request needs, in one statement: the door, its event and hall counts, the paired device
    whose credential this is (only at its own door), the answer already given to the nonce, and the guest of the
    ticket code or of the invitee, with their current check-in. None for an unknown door."""
    parameters = {
        "door_id": door_id, "credential_hash": sha256(credential) if credential else None, "nonce": nonce,
        "code": code, "invitee_id": invitee_id,
    }
    row = db.session.connection().execute(_door_facts_query(invitee_id is not None), parameters).first()
    return None if row is None else DoorFacts(**row._mapping)


@cache
def _door_facts_query(by_invitee: bool) -> Select:
    """door_facts' statement, built once per kind (guest by ticket code or by invitee); a None matches nothing."""
    device, current, checkin_door = door_devices.c, checkins.alias("current_checkin"), doors.alias("checkin_door")
    query = doors.join(events, events.c.id == doors.c.event_id).outerjoin(
        door_devices,
        and_(
            device.door_id == doors.c.id, device.credential_hash == bindparam("credential_hash"),
            device.revoked_at.is_(None),
        ),
    )
    if by_invitee:
        query = query.outerjoin(
            invitees, and_(invitees.c.id == bindparam("invitee_id"), invitees.c.event_id == doors.c.event_id)
        ).outerjoin(registrations, registrations.c.invitee_id == invitees.c.id)
        ticket_columns = [null().label("ticket_id"), null().label("ticket_revoked_at")]
    else:
        query = (
            query.outerjoin(tickets, tickets.c.code == bindparam("code"))
            .outerjoin(registrations, registrations.c.id == tickets.c.registration_id)
            .outerjoin(invitees, invitees.c.id == registrations.c.invitee_id)
        )
        ticket_columns = [tickets.c.id.label("ticket_id"), tickets.c.revoked_at.label("ticket_revoked_at")]
    query = (
        query.outerjoin(audience_groups, audience_groups.c.id == invitees.c.group_id)
        .outerjoin(current, and_(current.c.registration_id == registrations.c.id, current.c.reverted_at.is_(None)))
        .outerjoin(checkin_door, checkin_door.c.id == current.c.door_id)
    )
    earlier = select(scan_attempts.c.response).where(
        scan_attempts.c.door_id == doors.c.id, scan_attempts.c.nonce == bindparam("nonce")
    )
    return select(
        doors.c.id.label("door_id"), doors.c.name.label("door_name"), doors.c.event_id,
        events.c.hall_capacity, events.c.checkout_enabled,
        _event_hall_total(group_counters.c.present).label("present"),
        case((events.c.checkout_enabled, _event_hall_total(group_counters.c.inside))).label("inside"),
        device.id.label("device_id"), device.label.label("device_label"),
        earlier.scalar_subquery().label("earlier_answer"),
        *ticket_columns,
        registrations.c.id.label("registration_id"), registrations.c.event_id.label("registration_event_id"),
        registrations.c.status, registrations.c.mode,
        invitees.c.id.label("invitee_id"), invitees.c.name.label("guest_name"), invitees.c.unit.label("guest_unit"),
        audience_groups.c.name.label("group_name"),
        current.c.id.label("checkin_id"), current.c.checked_in_at, current.c.checked_out_at,
        checkin_door.c.name.label("checkin_door"),
    ).select_from(query).where(doors.c.id == bindparam("door_id"))


# --- Who scans where ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scanner:
    """Who scans where: the door and its event, and the paired device or the logged-in account."""

    door_id: int
    door_name: str
    event_id: int
    hall_capacity: int
    checkout_enabled: bool
    device_id: int | None = None
    device_label: str | None = None
    user: User | None = None

    @property
    def actor(self) -> str:
        if self.user is not None:
            return self.user.name
        return _("Device %(label)s", label=self.device_label) if self.device_id else "System"

    def free_hall_seats(self, invitee_id: int | None) -> int:
        """Hall seats this guest may take (None: a walk-in who is not on the list), by the seat rule."""
        group_id = None
        if invitee_id is not None:
            group_id = db.session.scalar(select(invitees.c.group_id).where(invitees.c.id == invitee_id))
        return free_seats_for(db.session.get(Event, self.event_id), group_id)


def scanner_of(facts: DoorFacts, user: User | None) -> Scanner:
    return Scanner(
        door_id=facts.door_id, door_name=facts.door_name, event_id=facts.event_id,
        hall_capacity=facts.hall_capacity, checkout_enabled=facts.checkout_enabled,
        device_id=facts.device_id, device_label=facts.device_label, user=user,
    )


# --- Counting ----------------------------------------------------------------------------------------------------


def hall_counts(event: Event) -> dict:
    """People checked in (present) and, where exits are scanned, people inside now, against the capacity."""
    present, inside = db.session.execute(
        select(_hall_total(group_counters.c.present), _hall_total(group_counters.c.inside))
        .where(group_counters.c.event_id == event.id)
    ).one()
    return {"present": present, "inside": inside if event.checkout_enabled else None, "capacity": event.hall_capacity}


def _hall_total(column):
    """The sum of a hall count over an event's group counters."""
    return func.coalesce(func.sum(column), 0)


def _event_hall_total(column):
    """The sum of a hall count over the group counters of the door's event, as a column of door_facts."""
    return select(_hall_total(column)).where(group_counters.c.event_id == doors.c.event_id).scalar_subquery()


def door_counts(facts: DoorFacts, present_change: int = 0, inside_change: int = 0) -> dict:
    """The hall counts door_facts read, moved by what the request changed since."""
    inside = facts.inside + inside_change if facts.checkout_enabled else None
    return {"present": facts.present + present_change, "inside": inside, "capacity": facts.hall_capacity}
