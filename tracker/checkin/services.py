"""Door check-in: verdicts for scanned codes, device pairing, undo, walk-ins and the hall count.

Services add to the session and flush; the view commits once. The one-check-in-per-registration rule
is the partial unique index on checkins; an insert that breaks it raises IntegrityError, and the view
retries the whole request, which then sees the other door's check-in.

The scan API is the hot path: one statement (door_facts) reads the door, the device, the nonce's earlier
answer, the guest and the hall counts; the verdict is decided in Python; one more statement (record_scan)
writes the scan log and any new check-in. Its tables are used through SQLAlchemy Core, not the ORM.
"""
import hashlib
import json
import secrets
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import Insert, Row, Select, and_, bindparam, case, func, insert, null, select, update
from sqlalchemy.orm import joinedload

from ..accounts.models import Role, User
from ..audit.services import record
from ..database import is_postgres, lock_row, utcnow, writes_together
from ..events.models import Event, Group, GroupCounter
from ..extensions import db
from ..invitees.models import NO_ADDRESS_DOMAIN, Invitee, InviteeSource
from ..invitees.services import add_invitee
from ..registration.models import Mode, Registration, Status, Ticket
from ..registration.seats import free_seats_for
from ..tickets.codes import is_well_formed, normalize_scanned_code
from .models import CheckIn, Door, DoorDevice, DoorStaffAssignment, ScanAttempt

PAIRING_LIFETIME = timedelta(minutes=15)
UNDO_WINDOW = timedelta(minutes=5)

doors, door_devices, checkins, scan_attempts = (
    Door.__table__, DoorDevice.__table__, CheckIn.__table__, ScanAttempt.__table__
)
events, audience_groups, group_counters, invitees = (
    Event.__table__, Group.__table__, GroupCounter.__table__, Invitee.__table__
)
registrations, tickets = Registration.__table__, Ticket.__table__


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- Doors, devices and door staff ----------------------------------------------------------------------


def create_door(event: Event, name: str) -> Door:
    door = Door(event_id=event.id, name=name.strip())
    db.session.add(door)
    db.session.flush()
    record("checkin.door_created", event_id=event.id, door_id=door.id)
    return door


def start_pairing(door: Door, label: str) -> tuple[DoorDevice, str]:
    """A new device slot with a one-time pairing code (returned once, stored only as its hash)."""
    code = secrets.token_urlsafe(24)
    device = DoorDevice(
        door=door, label=label.strip(), pairing_hash=sha256(code), pairing_expires_at=utcnow() + PAIRING_LIFETIME
    )
    db.session.add(device)
    db.session.flush()
    record("checkin.pairing_started", event_id=door.event_id, door_id=door.id, device_id=device.id)
    return device, code


def complete_pairing(code: str) -> tuple[DoorDevice, str] | None:
    """Use a pairing code once: the device gets a credential for its cookie; None if the code is not valid now."""
    device = db.session.execute(
        select(DoorDevice).where(DoorDevice.pairing_hash == sha256(code)).options(joinedload(DoorDevice.door))
    ).scalar_one_or_none()
    if device is None or device.revoked_at or device.pairing_expires_at is None or device.pairing_expires_at < utcnow():
        return None
    credential = secrets.token_urlsafe(32)
    device.pairing_hash = None
    device.pairing_expires_at = None
    device.credential_hash = sha256(credential)
    device.paired_at = device.last_seen_at = utcnow()
    record("checkin.device_paired", event_id=device.door.event_id, actor=device.label, device_id=device.id)
    db.session.flush()
    return device, credential


def revoke_device(device: DoorDevice) -> None:
    if device.revoked_at is not None:
        return
    device.revoked_at = utcnow()
    device.pairing_hash = None
    device.credential_hash = None
    record("checkin.device_revoked", event_id=device.door.event_id, device_id=device.id)


def device_for_credential(credential: str | None) -> DoorDevice | None:
    """The paired, unrevoked device whose cookie this is."""
    if not credential:
        return None
    return db.session.execute(
        select(DoorDevice).where(DoorDevice.credential_hash == sha256(credential), DoorDevice.revoked_at.is_(None))
    ).scalar_one_or_none()


def last_seen(devices: list[DoorDevice]) -> dict[int, datetime | None]:
    """When each device last opened its scanner or scanned (scans are not written to the device row)."""
    scans = dict(
        db.session.execute(
            select(ScanAttempt.device_id, func.max(ScanAttempt.scanned_at))
            .where(ScanAttempt.device_id.in_([device.id for device in devices]))
            .group_by(ScanAttempt.device_id)
        ).all()
    )
    return {
        device.id: max((moment for moment in (device.last_seen_at, scans.get(device.id)) if moment), default=None)
        for device in devices
    }


def events_for_door_staff(user: User) -> list[Event]:
    query = select(Event).order_by(Event.starts_at)
    if not user.is_organiser:
        query = query.join(DoorStaffAssignment, DoorStaffAssignment.event_id == Event.id).where(
            DoorStaffAssignment.user_id == user.id
        )
    return list(db.session.execute(query).scalars())


def doors_of(event_ids: list[int]) -> dict[int, list[Door]]:
    doors: dict[int, list[Door]] = {event_id: [] for event_id in event_ids}
    for door in db.session.execute(
        select(Door).where(Door.event_id.in_(event_ids)).order_by(Door.name)
    ).scalars():
        doors[door.event_id].append(door)
    return doors


def door_staff_accounts() -> list[User]:
    return list(
        db.session.execute(select(User).where(User.role == Role.DOOR, User.active).order_by(User.name)).scalars()
    )


def assigned_staff(event: Event) -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .join(DoorStaffAssignment, DoorStaffAssignment.user_id == User.id)
            .where(DoorStaffAssignment.event_id == event.id)
            .order_by(User.name)
        ).scalars()
    )


def assign_staff(event: Event, user: User) -> None:
    if not is_assigned(user, event.id):
        db.session.add(DoorStaffAssignment(event_id=event.id, user_id=user.id))
        record("checkin.staff_assigned", event_id=event.id, staff_user_id=user.id)


def unassign_staff(event: Event, user: User) -> None:
    assignment = db.session.execute(
        select(DoorStaffAssignment).where(
            DoorStaffAssignment.event_id == event.id, DoorStaffAssignment.user_id == user.id
        )
    ).scalar_one_or_none()
    if assignment is not None:
        db.session.delete(assignment)
        record("checkin.staff_unassigned", event_id=event.id, staff_user_id=user.id)


# --- Counting ---------------------------------------------------------------------------------------------


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


def door_counts(facts: Row, present_change: int = 0, inside_change: int = 0) -> dict:
    """The hall counts door_facts read, moved by what the request changed since."""
    inside = facts.inside + inside_change if facts.checkout_enabled else None
    return {"present": facts.present + present_change, "inside": inside, "capacity": facts.hall_capacity}


# --- Who scans where: one statement ---------------------------------------------------------------------------


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


def door_facts(
    door_id: int, credential: str | None = None, *, nonce: str | None = None, code: str | None = None,
    invitee_id: int | None = None,
) -> Row | None:
    """Everything a door request needs, in one statement: the door, its event and hall counts, the paired device
    whose credential this is (only at its own door), the answer already given to the nonce, and the guest of the
    ticket code or of the invitee, with their current check-in. None for an unknown door."""
    parameters = {
        "door_id": door_id, "credential_hash": sha256(credential) if credential else None, "nonce": nonce,
        "code": code, "invitee_id": invitee_id,
    }
    return db.session.connection().execute(_door_facts_query(invitee_id is not None), parameters).first()


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


def is_assigned(user: User, event_id: int) -> bool:
    return db.session.execute(
        select(DoorStaffAssignment.id).where(
            DoorStaffAssignment.event_id == event_id, DoorStaffAssignment.user_id == user.id
        )
    ).first() is not None


def may_scan_for(user, event_id: int) -> bool:
    """Organisers at every event; door staff at the events they are assigned to (paired devices: see door_facts)."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_organiser or (user.role == Role.DOOR and is_assigned(user, event_id))


def scanner_of(facts: Row, user: User | None) -> Scanner:
    return Scanner(
        facts.door_id, facts.door_name, facts.event_id, facts.hall_capacity, facts.checkout_enabled,
        facts.device_id, facts.device_label, user,
    )


# --- Verdicts ---------------------------------------------------------------------------------------------

GREEN, AMBER, RED = "green", "amber", "red"


@dataclass
class Verdict:
    """What the door sees: a verdict code, its colour, a plain reason and the guest it concerns.

    admission holds the columns of a new check-in, written together with the scan log (record_scan); the
    changes say how this verdict moves the hall counts read before it.
    """

    code: str
    tone: str
    title: str
    reason: str
    guest: dict | None = None
    checkin_id: int | None = None
    checked_in_at: datetime | None = None
    checked_in_door: str | None = None
    actions: list[str] = field(default_factory=list)
    admission: dict | None = None
    present_change: int = 0
    inside_change: int = 0

    def as_json(self, facts: Row, nonce: str | None) -> dict:
        return {
            "verdict": self.code,
            "tone": self.tone,
            "title": self.title,
            "reason": self.reason,
            "guest": self.guest,
            "checked_in_at": self.checked_in_at.isoformat() if self.checked_in_at else None,
            "checked_in_door": self.checked_in_door,
            "actions": self.actions,
            "admitted": self.admission is not None,
            "counts": door_counts(facts, self.present_change, self.inside_change),
            "nonce": nonce,
        }


def _guest(facts: Row) -> dict | None:
    if facts.invitee_id is None:
        return None
    return {"invitee": facts.invitee_id, "name": facts.guest_name, "unit": facts.guest_unit, "group": facts.group_name}


def time_of_day(moment: datetime) -> str:
    return format_datetime(moment, "HH:mm")


def _forged() -> Verdict:
    return Verdict("forged", RED, _("Invalid code"), _("This is not a valid ticket code. Do not admit."))


def _unknown() -> Verdict:
    return Verdict(
        "unknown", RED, _("Unknown ticket"), _("No event has a ticket with this code. Search for the guest's name.")
    )


def ticket_code(raw_code: str) -> str | None:
    """The canonical ticket code of what was scanned, or None if it cannot be one (a forged or misread code)."""
    code = normalize_scanned_code(raw_code)
    return code if code is not None and is_well_formed(code) else None


def scan(
    scanner: Scanner, facts: Row, code: str | None, *, move_to_hall: bool = False, exit_scan: bool = False
) -> Verdict:
    """The verdict for a scanned ticket code (door_facts looked it up); admits the guest when the ticket is valid."""
    if code is None:
        return _forged()
    if facts.ticket_id is None:
        return _unknown()
    if facts.registration_event_id != scanner.event_id:
        title = db.session.execute(select(events.c.title).where(events.c.id == facts.registration_event_id)).scalar_one()
        return Verdict(
            "wrong_event", RED, _("Ticket for another event"),
            _("This ticket is for “%(title)s”, not for this event.", title=title),
        )
    if facts.status in (Status.CANCELLED, Status.DECLINED):
        return _not_admitted(facts)
    if facts.ticket_revoked_at is not None:
        return Verdict(
            "replaced", RED, _("Ticket replaced"),
            _("This ticket was replaced by a newer one. Ask for the current ticket or search for the name."),
            _guest(facts),
        )
    return _admit(scanner, facts, ticket_id=facts.ticket_id, method="scan", move_to_hall=move_to_hall,
                  exit_scan=exit_scan)


def admit_invitee(
    scanner: Scanner, facts: Row, *, move_to_hall: bool = False, exit_scan: bool = False
) -> Verdict:
    """The verdict for a guest found by name search (no ticket at hand; door_facts looked up the invitee)."""
    if facts.invitee_id is None:
        return Verdict("unknown", RED, _("Unknown guest"), _("This guest is not on the list of this event."))
    if facts.registration_id is None or facts.status in (Status.CANCELLED, Status.DECLINED):
        if exit_scan:
            return _not_inside(_guest(facts))
        free = scanner.free_hall_seats(facts.invitee_id)
        reason = _("%(name)s has no valid registration.", name=facts.guest_name) + " " + _seats_sentence(free)
        return Verdict(
            "not_registered", AMBER, _("Not registered"), reason, _guest(facts), actions=["walk_in"] if free else []
        )
    return _admit(scanner, facts, ticket_id=None, method="search", move_to_hall=move_to_hall, exit_scan=exit_scan)


def _not_admitted(facts: Row) -> Verdict:
    if facts.status == Status.CANCELLED:
        return Verdict(
            "cancelled", RED, _("Registration cancelled"),
            _("This registration was cancelled. The ticket is no longer valid."), _guest(facts),
        )
    return Verdict(
        "declined", RED, _("Declined"), _("This person declined the invitation. The ticket is not valid."),
        _guest(facts),
    )


def _not_inside(guest: dict | None) -> Verdict:
    return Verdict(
        "not_inside", RED, _("Not inside"), _("This guest is not checked in, so there is nothing to check out."), guest
    )


def _seats_sentence(free: int) -> str:
    return _("Free hall seats: %(free)s.", free=free) if free else _("No hall seat is free.")


def _admit(
    scanner: Scanner, facts: Row, *, ticket_id: int | None, method: str, move_to_hall: bool, exit_scan: bool
) -> Verdict:
    guest = _guest(facts)
    if exit_scan:
        return _check_out(scanner, facts, guest)
    if facts.checkin_id is not None and facts.checked_out_at is None:
        door = facts.checkin_door or _("the organisers' desk")
        return Verdict(
            "already_checked_in", RED, _("Already checked in"),
            _("This ticket was already checked in at %(time)s at %(door)s.", time=time_of_day(facts.checked_in_at), door=door),
            guest, facts.checkin_id, facts.checked_in_at, facts.checkin_door,
        )
    if facts.checkin_id is not None:
        writes_together()
        db.session.execute(
            update(checkins).where(checkins.c.id == facts.checkin_id).values(checked_out_at=None, door_id=scanner.door_id)
        )
        return Verdict(
            "valid", GREEN, _("Welcome back"), _("Re-entry after leaving the hall."), guest, facts.checkin_id,
            facts.checked_in_at, scanner.door_name, inside_change=1,
        )
    if facts.status == Status.WAITING or facts.mode == Mode.STREAM:
        verdict = _needs_hall_seat(scanner, facts, move_to_hall)
        if verdict is not None:
            return verdict
    now = utcnow()
    admission = {
        "event_id": scanner.event_id, "registration_id": facts.registration_id, "ticket_id": ticket_id,
        "door_id": scanner.door_id, "device_id": scanner.device_id,
        "user_id": scanner.user.id if scanner.user else None, "method": method, "checked_in_at": now,
    }
    return Verdict(
        "valid", GREEN, _("Admitted"), _welcome(method), guest, None, now, scanner.door_name,
        admission=admission, present_change=1, inside_change=1,
    )


def _welcome(method: str) -> str:
    """The reason of a green verdict, by how the guest was admitted (a walk-in has no ticket to call valid)."""
    if method == "walk_in":
        return _("Registered at the door: welcome!")
    if method == "search":
        return _("Found by name with a valid registration: welcome!")
    return _("Valid ticket: welcome!")


def _needs_hall_seat(scanner: Scanner, facts: Row, move_to_hall: bool) -> Verdict | None:
    """Amber for livestream-only and waiting guests; with move_to_hall, give them a free seat (None = admit)."""
    if move_to_hall:
        lock_row(Event, scanner.event_id)
        if scanner.free_hall_seats(facts.invitee_id) > 0:
            db.session.execute(
                update(registrations)
                .where(registrations.c.id == facts.registration_id)
                .values(status=Status.CONFIRMED, mode=Mode.HALL, stream_while_waiting=False, promoted_at=utcnow())
            )
            record(
                "checkin.moved_to_hall", event_id=scanner.event_id, actor=scanner.actor,
                registration_id=facts.registration_id, before=f"{facts.status}/{facts.mode}",
            )
            return None
        return Verdict(
            "no_seat", RED, _("No hall seat free"), _("The hall is full. The guest can follow the livestream."),
            _guest(facts),
        )
    free = scanner.free_hall_seats(facts.invitee_id)
    actions = ["move_to_hall"] if free else []
    if facts.status == Status.WAITING:
        return Verdict(
            "waiting", AMBER, _("On the waiting list"),
            _("This guest is on the waiting list and has no hall seat yet.") + " " + _seats_sentence(free),
            _guest(facts), actions=actions,
        )
    return Verdict(
        "stream_only", AMBER, _("Livestream only"),
        _("This guest registered for the livestream, not for the hall.") + " " + _seats_sentence(free),
        _guest(facts), actions=actions,
    )


def _check_out(scanner: Scanner, facts: Row, guest: dict | None) -> Verdict:
    if not scanner.checkout_enabled:
        return Verdict("checkout_off", RED, _("No exit scans"), _("This event does not record exits."), guest)
    if facts.checkin_id is None or facts.checked_out_at is not None:
        return _not_inside(guest)
    writes_together()
    db.session.execute(update(checkins).where(checkins.c.id == facts.checkin_id).values(checked_out_at=utcnow()))
    return Verdict(
        "checked_out", GREEN, _("Checked out"), _("Goodbye! The exit is recorded."), guest, facts.checkin_id,
        facts.checked_in_at, facts.checkin_door, inside_change=-1,
    )


def walk_in(scanner: Scanner, *, name: str, email: str | None, invitee_id: int | None) -> Verdict:
    """Register a guest at the door (on the list or not) and check them in, if a hall seat is free."""
    event = lock_row(Event, scanner.event_id)
    invitee = db.session.get(Invitee, invitee_id) if invitee_id else None
    if invitee_id and (invitee is None or invitee.event_id != event.id):
        return Verdict("unknown", RED, _("Unknown guest"), _("This guest is not on the list of this event."))
    if invitee is None and email:
        invitee = db.session.execute(
            select(Invitee).where(Invitee.event_id == event.id, func.lower(Invitee.email) == email.lower())
        ).scalar_one_or_none()
    registration = invitee.registration if invitee else None
    if registration is None or not registration.holds_hall_seat:
        if scanner.free_hall_seats(invitee.id if invitee else None) <= 0:
            guest = _guest(door_facts(scanner.door_id, invitee_id=invitee.id)) if invitee else None
            return Verdict(
                "no_seat", RED, _("No hall seat free"), _("The hall is full. The guest can follow the livestream."), guest
            )
        if invitee is None:
            invitee = add_invitee(
                event, name=name, email=email or f"walk-in-{uuid.uuid4().hex}@{NO_ADDRESS_DOMAIN}", source=InviteeSource.WALK_IN
            )
            db.session.flush()
        if registration is None:
            registration = Registration(event_id=event.id, invitee=invitee, mode=Mode.HALL, status=Status.CONFIRMED)
            db.session.add(registration)
        else:
            registration.status = Status.CONFIRMED
            registration.mode = Mode.HALL
            registration.stream_while_waiting = False
        db.session.flush()
        record("checkin.walk_in", event_id=event.id, actor=scanner.actor, invitee_id=invitee.id)
    guest = door_facts(scanner.door_id, invitee_id=invitee.id)
    return _admit(scanner, guest, ticket_id=None, method="walk_in", move_to_hall=False, exit_scan=False)


_SQLITE_WRITER = threading.Lock()


@contextmanager
def one_writer_per_process():
    """On SQLite, let this process's threads queue for the single write lock here, in order.

    Every SQLite transaction takes the write lock (BEGIN IMMEDIATE); threads that wait for it inside
    SQLite poll with growing sleeps and starve under load. PostgreSQL locks rows and needs no queue.
    """
    if is_postgres():
        yield
        return
    with _SQLITE_WRITER:
        yield


# --- The scan log, which also makes retries safe --------------------------------------------------------------


def record_scan(scanner: Scanner, facts: Row, nonce: str, scanned: str, verdict: Verdict) -> str:
    """Keep the scan with its verdict and JSON answer (returned), and write the verdict's new check-in with it.

    The (door, nonce) key makes a retry find this answer; on PostgreSQL the check-in and the log row go in one
    statement (the check-in's INSERT … RETURNING as a CTE).
    """
    answer = json.dumps(verdict.as_json(facts, nonce))
    attempt = {
        "event_id": scanner.event_id, "door_id": scanner.door_id, "device_id": scanner.device_id, "nonce": nonce,
        "scanned": scanned[:64], "verdict": verdict.code, "response": answer, "scanned_at": utcnow(),
    }
    connection = db.session.connection()
    if verdict.admission is None:
        connection.execute(insert(scan_attempts), {**attempt, "checkin_id": verdict.checkin_id})
    elif connection.dialect.name == "postgresql":
        connection.execute(
            _admit_and_log(tuple(verdict.admission), tuple(attempt)),
            {**verdict.admission, **{f"attempt_{name}": value for name, value in attempt.items()}},
        )
    else:
        checkin_id = connection.execute(insert(checkins).returning(checkins.c.id), verdict.admission).scalar_one()
        connection.execute(insert(scan_attempts), {**attempt, "checkin_id": checkin_id})
    return answer


@cache
def _admit_and_log(checkin_columns: tuple[str, ...], attempt_columns: tuple[str, ...]) -> Insert:
    """INSERT the check-in and, with its new id, the scan log row, in one PostgreSQL statement (built once)."""
    new = (
        insert(checkins)
        .values({name: bindparam(name, type_=checkins.c[name].type) for name in checkin_columns})
        .returning(checkins.c.id)
        .cte("new_checkin")
    )
    attempt = (bindparam(f"attempt_{name}", type_=scan_attempts.c[name].type) for name in attempt_columns)
    return insert(scan_attempts).from_select([*attempt_columns, "checkin_id"], select(*attempt, new.c.id))


# --- Undo and revert --------------------------------------------------------------------------------------------


def undo_last(scanner: Scanner, nonce: str) -> CheckIn | None:
    """Undo the check-in that this page's scan with the nonce made at this door, if it is at most UNDO_WINDOW old.

    The nonce names the scan of one device or browser, so another device at the same door never undoes it.
    """
    checkin = db.session.execute(
        select(CheckIn)
        .join(ScanAttempt, ScanAttempt.checkin_id == CheckIn.id)
        .where(
            ScanAttempt.door_id == scanner.door_id, ScanAttempt.nonce == nonce, ScanAttempt.verdict == "valid",
            CheckIn.reverted_at.is_(None), CheckIn.checked_in_at >= utcnow() - UNDO_WINDOW,
        )
    ).scalar_one_or_none()
    if checkin is None:
        return None
    checkin.reverted_at = utcnow()
    checkin.reverted_by_id = scanner.user.id if scanner.user else None
    record(
        "checkin.undone", event_id=scanner.event_id, actor=scanner.actor, checkin_id=checkin.id,
        door_id=scanner.door_id,
    )
    db.session.flush()
    return checkin


def revert_checkin(checkin: CheckIn, user: User) -> None:
    """An organiser takes back any check-in; the guest no longer counts as present."""
    if checkin.reverted_at is not None:
        return
    checkin.reverted_at = utcnow()
    checkin.reverted_by_id = user.id
    record("checkin.reverted", event_id=checkin.event_id, checkin_id=checkin.id, registration_id=checkin.registration_id)


def guest_name(checkin: CheckIn) -> str:
    return db.session.get(Registration, checkin.registration_id).invitee.name


def set_checkout(event: Event, enabled: bool) -> None:
    """Switch exit scans on or off for the event."""
    if event.checkout_enabled != enabled:
        event.checkout_enabled = enabled
        record("checkin.checkout_setting", event_id=event.id, enabled=enabled)


def recent_checkins(event: Event, limit: int = 50) -> list[tuple[CheckIn, Invitee]]:
    rows = db.session.execute(
        select(CheckIn, Invitee)
        .join(Registration, Registration.id == CheckIn.registration_id)
        .join(Invitee, Invitee.id == Registration.invitee_id)
        .where(CheckIn.event_id == event.id)
        .options(joinedload(CheckIn.door), joinedload(Invitee.group))
        .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())
        .limit(limit)
    ).all()
    return [(checkin, invitee) for checkin, invitee in rows]
