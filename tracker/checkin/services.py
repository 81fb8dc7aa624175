"""Door check-in: verdicts for scanned codes, device pairing, undo, walk-ins and the hall count.

Services add to the session and flush; the view commits once. The one-check-in-per-registration rule
is the partial unique index on checkins; a flush that breaks it raises IntegrityError, and the view
retries the whole request, which then sees the other door's check-in.
"""
import hashlib
import json
import secrets
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..accounts.models import Role, User
from ..audit.services import record
from ..database import is_postgres, lock_row, utcnow
from ..events.models import Event
from ..extensions import db
from ..invitees.models import Invitee, InviteeSource
from ..invitees.services import add_invitee
from ..registration.models import Mode, Registration, Status, Ticket
from ..tickets.codes import is_well_formed, normalize_scanned_code
from .models import CheckIn, Door, DoorDevice, DoorStaffAssignment, ScanAttempt

PAIRING_LIFETIME = timedelta(minutes=15)
UNDO_WINDOW = timedelta(minutes=5)
SEARCH_LIMIT = 20


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


def door_with_event(door_id: int) -> Door | None:
    return db.session.execute(
        select(Door).where(Door.id == door_id).options(joinedload(Door.event))
    ).scalar_one_or_none()


def is_assigned(user: User, event_id: int) -> bool:
    return db.session.execute(
        select(DoorStaffAssignment.id).where(
            DoorStaffAssignment.event_id == event_id, DoorStaffAssignment.user_id == user.id
        )
    ).first() is not None


def may_scan_at(door: Door, user, device: DoorDevice | None) -> bool:
    """Organisers everywhere; door staff at their events; a paired device only at its own door."""
    if device is not None and device.door_id == door.id:
        return True
    if user is None or not user.is_authenticated:
        return False
    return user.is_organiser or (user.role == Role.DOOR and is_assigned(user, door.event_id))


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
    current = select(func.count(CheckIn.id)).where(CheckIn.event_id == event.id, CheckIn.reverted_at.is_(None))
    present = db.session.execute(current).scalar_one()
    inside = None
    if event.checkout_enabled:
        inside = db.session.execute(current.where(CheckIn.checked_out_at.is_(None))).scalar_one()
    return {"present": present, "inside": inside, "capacity": event.hall_capacity}


def free_hall_seats(event: Event) -> int:
    taken = db.session.execute(
        select(func.count(Registration.id)).where(
            Registration.event_id == event.id, Registration.status == Status.CONFIRMED, Registration.mode == Mode.HALL
        )
    ).scalar_one()
    return max(0, event.hall_capacity - taken)


# --- Verdicts ---------------------------------------------------------------------------------------------

GREEN, AMBER, RED = "green", "amber", "red"


@dataclass
class Verdict:
    """What the door sees: a verdict code, its colour, a plain reason and the guest it concerns."""

    code: str
    tone: str
    title: str
    reason: str
    registration: Registration | None = None
    invitee: Invitee | None = None
    checkin: CheckIn | None = None
    actions: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.tone != GREEN

    def as_json(self, event: Event, nonce: str | None = None) -> dict:
        invitee = self.invitee or (self.registration.invitee if self.registration else None)
        guest = None
        if invitee is not None:
            guest = {"invitee": invitee.id, "name": invitee.name, "group": invitee.group.name if invitee.group else None}
        checkin = self.checkin
        return {
            "verdict": self.code,
            "tone": self.tone,
            "title": self.title,
            "reason": self.reason,
            "guest": guest,
            "checked_in_at": checkin.checked_in_at.isoformat() if checkin else None,
            "checked_in_door": checkin.door.name if checkin and checkin.door else None,
            "actions": self.actions,
            "counts": hall_counts(event),
            "nonce": nonce,
        }


def _time(moment: datetime) -> str:
    return format_datetime(moment, "HH:mm")


def _forged() -> Verdict:
    return Verdict("forged", RED, _("Invalid code"), _("This is not a valid ticket code. Do not admit."))


def _unknown() -> Verdict:
    return Verdict(
        "unknown", RED, _("Unknown ticket"), _("No event has a ticket with this code. Search for the guest's name.")
    )


@dataclass
class Scanner:
    """Who scans: the door, and the paired device or the logged-in account."""

    door: Door
    event: Event
    device: DoorDevice | None = None
    user: User | None = None

    @property
    def actor(self) -> str:
        if self.user is not None:
            return self.user.name
        return _("Device %(label)s", label=self.device.label) if self.device else "System"


def _current_checkin(registration_id: int) -> CheckIn | None:
    return db.session.execute(
        select(CheckIn)
        .where(CheckIn.registration_id == registration_id, CheckIn.reverted_at.is_(None))
        .options(joinedload(CheckIn.door))
    ).scalar_one_or_none()


def _ticket_for(code: str) -> Ticket | None:
    return db.session.execute(
        select(Ticket)
        .where(Ticket.code == code)
        .options(joinedload(Ticket.registration).joinedload(Registration.invitee).joinedload(Invitee.group))
    ).scalar_one_or_none()


def scan(scanner: Scanner, raw_code: str, *, move_to_hall: bool = False, exit_scan: bool = False) -> Verdict:
    """The verdict for a scanned or typed code; admits the guest when the ticket is valid."""
    code = normalize_scanned_code(raw_code)
    if code is None or not is_well_formed(code):
        return _forged()
    ticket = _ticket_for(code)
    if ticket is None:
        return _unknown()
    registration = ticket.registration
    if registration.event_id != scanner.event.id:
        other = db.session.get(Event, registration.event_id)
        return Verdict(
            "wrong_event", RED, _("Ticket for another event"),
            _("This ticket is for “%(title)s”, not for this event.", title=other.title),
        )
    if registration.status in (Status.CANCELLED, Status.DECLINED):
        return _not_admitted(registration)
    if ticket.revoked_at is not None:
        return Verdict(
            "replaced", RED, _("Ticket replaced"),
            _("This ticket was replaced by a newer one. Ask for the current ticket or search for the name."),
            registration=registration,
        )
    return _admit(scanner, registration, ticket=ticket, method="scan", move_to_hall=move_to_hall, exit_scan=exit_scan)


def admit_invitee(scanner: Scanner, invitee_id: int, *, move_to_hall: bool = False, exit_scan: bool = False) -> Verdict:
    """The verdict for a guest found by name search (no ticket at hand)."""
    invitee = db.session.get(Invitee, invitee_id)
    if invitee is None or invitee.event_id != scanner.event.id:
        return Verdict("unknown", RED, _("Unknown guest"), _("This guest is not on the list of this event."))
    registration = invitee.registration
    if registration is None or registration.status in (Status.CANCELLED, Status.DECLINED):
        if exit_scan:
            return _not_inside(invitee=invitee)
        free = free_hall_seats(scanner.event)
        reason = _("%(name)s has no valid registration.", name=invitee.name) + " " + _seats_sentence(free)
        return Verdict(
            "not_registered", AMBER, _("Not registered"), reason, invitee=invitee,
            actions=["walk_in"] if free else [],
        )
    return _admit(scanner, registration, ticket=None, method="search", move_to_hall=move_to_hall, exit_scan=exit_scan)


def _not_admitted(registration: Registration) -> Verdict:
    if registration.status == Status.CANCELLED:
        return Verdict(
            "cancelled", RED, _("Registration cancelled"),
            _("This registration was cancelled. The ticket is no longer valid."), registration=registration,
        )
    return Verdict(
        "declined", RED, _("Declined"), _("This person declined the invitation. The ticket is not valid."),
        registration=registration,
    )


def _not_inside(registration: Registration | None = None, invitee: Invitee | None = None) -> Verdict:
    return Verdict(
        "not_inside", RED, _("Not inside"), _("This guest is not checked in, so there is nothing to check out."),
        registration=registration, invitee=invitee,
    )


def _seats_sentence(free: int) -> str:
    return _("Free hall seats: %(free)s.", free=free) if free else _("No hall seat is free.")


def _admit(
    scanner: Scanner, registration: Registration, *, ticket: Ticket | None, method: str, move_to_hall: bool,
    exit_scan: bool,
) -> Verdict:
    current = _current_checkin(registration.id)
    if exit_scan:
        return _check_out(scanner, registration, current)
    if current is not None and current.checked_out_at is None:
        door = current.door.name if current.door else _("the organisers' desk")
        return Verdict(
            "already_checked_in", RED, _("Already checked in"),
            _("This ticket was already checked in at %(time)s at %(door)s.", time=_time(current.checked_in_at), door=door),
            registration=registration, checkin=current,
        )
    if current is not None:
        current.checked_out_at = None
        current.door = scanner.door
        db.session.flush()
        return Verdict("valid", GREEN, _("Welcome back"), _("Re-entry after leaving the hall."), registration, checkin=current)
    if registration.status == Status.WAITING or registration.mode == Mode.STREAM:
        verdict = _needs_hall_seat(scanner, registration, move_to_hall)
        if verdict is not None:
            return verdict
    checkin = CheckIn(
        event_id=registration.event_id, registration_id=registration.id, ticket_id=ticket.id if ticket else None,
        door=scanner.door, device_id=scanner.device.id if scanner.device else None,
        user_id=scanner.user.id if scanner.user else None, method=method,
    )
    db.session.add(checkin)
    db.session.flush()
    return Verdict("valid", GREEN, _("Admitted"), _("Valid ticket: welcome!"), registration, checkin=checkin)


def _needs_hall_seat(scanner: Scanner, registration: Registration, move_to_hall: bool) -> Verdict | None:
    """Amber for livestream-only and waiting guests; with move_to_hall, give them a free seat (None = admit)."""
    if move_to_hall:
        lock_row(Event, scanner.event.id)
        if free_hall_seats(scanner.event) > 0:
            old = f"{registration.status}/{registration.mode}"
            registration.status = Status.CONFIRMED
            registration.mode = Mode.HALL
            if registration.stream_while_waiting:
                registration.stream_while_waiting = False
            registration.promoted_at = utcnow()
            record(
                "checkin.moved_to_hall", event_id=scanner.event.id, actor=scanner.actor,
                registration_id=registration.id, before=old,
            )
            return None
        return Verdict(
            "no_seat", RED, _("No hall seat free"), _("The hall is full. The guest can follow the livestream."),
            registration,
        )
    free = free_hall_seats(scanner.event)
    actions = ["move_to_hall"] if free else []
    if registration.status == Status.WAITING:
        return Verdict(
            "waiting", AMBER, _("On the waiting list"),
            _("This guest is on the waiting list and has no hall seat yet.") + " " + _seats_sentence(free),
            registration, actions=actions,
        )
    return Verdict(
        "stream_only", AMBER, _("Livestream only"),
        _("This guest registered for the livestream, not for the hall.") + " " + _seats_sentence(free),
        registration, actions=actions,
    )


def _check_out(scanner: Scanner, registration: Registration, current: CheckIn | None) -> Verdict:
    if not scanner.event.checkout_enabled:
        return Verdict("checkout_off", RED, _("No exit scans"), _("This event does not record exits."), registration)
    if current is None or current.checked_out_at is not None:
        return _not_inside(registration)
    current.checked_out_at = utcnow()
    db.session.flush()
    return Verdict("checked_out", GREEN, _("Checked out"), _("Goodbye! The exit is recorded."), registration, checkin=current)


def walk_in(scanner: Scanner, *, name: str, email: str | None, invitee_id: int | None) -> Verdict:
    """Register a guest at the door (on the list or not) and check them in, if a hall seat is free."""
    event = lock_row(Event, scanner.event.id)
    invitee = db.session.get(Invitee, invitee_id) if invitee_id else None
    if invitee_id and (invitee is None or invitee.event_id != event.id):
        return Verdict("unknown", RED, _("Unknown guest"), _("This guest is not on the list of this event."))
    if invitee is None and email:
        invitee = db.session.execute(
            select(Invitee).where(Invitee.event_id == event.id, func.lower(Invitee.email) == email.lower())
        ).scalar_one_or_none()
    registration = invitee.registration if invitee else None
    if registration is not None and registration.status == Status.CONFIRMED and registration.mode == Mode.HALL:
        return _admit(scanner, registration, ticket=None, method="walk_in", move_to_hall=False, exit_scan=False)
    if free_hall_seats(event) <= 0:
        return Verdict("no_seat", RED, _("No hall seat free"), _("The hall is full. The guest can follow the livestream."), invitee=invitee)
    if invitee is None:
        invitee = add_invitee(
            event, name=name, email=email or f"walk-in-{uuid.uuid4().hex}@door.invalid", source=InviteeSource.WALK_IN
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
    return _admit(scanner, registration, ticket=None, method="walk_in", move_to_hall=False, exit_scan=False)


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


# --- Idempotency and the scan log ---------------------------------------------------------------------------


def earlier_answer(door_id: int, nonce: str) -> dict | None:
    """The answer already given to this door's nonce, for a retried request."""
    response = db.session.execute(
        select(ScanAttempt.response).where(ScanAttempt.door_id == door_id, ScanAttempt.nonce == nonce)
    ).scalar_one_or_none()
    return json.loads(response) if response is not None else None


def log_scan(scanner: Scanner, nonce: str, scanned: str, verdict: Verdict, answer: dict) -> None:
    """Keep every scan with its verdict and answer; the (door, nonce) key makes retries safe."""
    db.session.add(
        ScanAttempt(
            event_id=scanner.event.id, door_id=scanner.door.id, device_id=scanner.device.id if scanner.device else None,
            nonce=nonce, scanned=scanned[:64], verdict=verdict.code,
            checkin_id=verdict.checkin.id if verdict.checkin else None, response=json.dumps(answer),
        )
    )
    db.session.flush()


# --- Undo, revert and search -----------------------------------------------------------------------------------


def undo_last(scanner: Scanner) -> CheckIn | None:
    """Undo the latest check-in at this door if it is at most UNDO_WINDOW old."""
    checkin = db.session.execute(
        select(CheckIn)
        .where(
            CheckIn.door_id == scanner.door.id, CheckIn.reverted_at.is_(None),
            CheckIn.checked_in_at >= utcnow() - UNDO_WINDOW,
        )
        .order_by(CheckIn.checked_in_at.desc(), CheckIn.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if checkin is None:
        return None
    checkin.reverted_at = utcnow()
    checkin.reverted_by_id = scanner.user.id if scanner.user else None
    record(
        "checkin.undone", event_id=scanner.event.id, actor=scanner.actor, checkin_id=checkin.id,
        door_id=scanner.door.id,
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


def search_guests(event: Event, text: str) -> list[dict]:
    """Guests of this event whose name or e-mail contains the text (at most SEARCH_LIMIT)."""
    pattern = "%" + text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    invitees = db.session.execute(
        select(Invitee)
        .where(
            Invitee.event_id == event.id,
            or_(func.lower(Invitee.name).like(pattern, escape="\\"), func.lower(Invitee.email).like(pattern, escape="\\")),
        )
        .options(joinedload(Invitee.group), joinedload(Invitee.registration))
        .order_by(Invitee.name)
        .limit(SEARCH_LIMIT)
    ).scalars()
    present = set(
        db.session.execute(
            select(CheckIn.registration_id).where(CheckIn.event_id == event.id, CheckIn.reverted_at.is_(None))
        ).scalars()
    )
    results = []
    for invitee in invitees:
        registration = invitee.registration
        results.append(
            {
                "invitee": invitee.id,
                "name": invitee.name,
                "group": invitee.group.name if invitee.group else None,
                "status": _status_label(registration),
                "present": bool(registration and registration.id in present),
            }
        )
    return results


def _status_label(registration: Registration | None) -> str:
    if registration is None:
        return _("No answer")
    if registration.status == Status.WAITING:
        return _("Waiting list")
    if registration.status == Status.CANCELLED:
        return _("Cancelled")
    if registration.status == Status.DECLINED:
        return _("Declined")
    return _("Hall") if registration.mode == Mode.HALL else _("Livestream")
