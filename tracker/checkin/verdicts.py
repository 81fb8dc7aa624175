"""What the door says to a scanned ticket or a guest found by name: admit, re-admit, check out, or why not.

Verdicts add to the session; the scan log (scan_log.record_scan) writes a new check-in together with the scan,
and the API commits once. The one-check-in-per-registration rule is the partial unique index on checkins; an
insert that breaks it raises IntegrityError, and the API retries the whole request, which then sees the other
door's check-in.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..audit.services import record
from ..database import lock_row, utcnow, writes_together
from ..events.models import Event
from ..extensions import db
from ..registration.models import Mode, Registration, Status
from ..tickets.codes import is_well_formed, normalize_scanned_code
from .door_read import DoorFacts, Scanner, door_counts
from .models import CheckIn

checkins, events, registrations = CheckIn.__table__, Event.__table__, Registration.__table__

GREEN, AMBER, RED = "green", "amber", "red"


@dataclass(kw_only=True)
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

    def as_json(self, facts: DoorFacts, nonce: str | None) -> dict:
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


def guest_of(facts: DoorFacts) -> dict | None:
    """The guest door_facts found, as the verdict shows them."""
    if facts.invitee_id is None:
        return None
    return {"invitee": facts.invitee_id, "name": facts.guest_name, "unit": facts.guest_unit, "group": facts.group_name}


def time_of_day(moment: datetime) -> str:
    return format_datetime(moment, "HH:mm")


def ticket_code(raw_code: str) -> str | None:
    """The canonical ticket code of what was scanned, or None if it cannot be one (a forged or misread code)."""
    code = normalize_scanned_code(raw_code)
    return code if code is not None and is_well_formed(code) else None


def unknown_guest() -> Verdict:
    return Verdict(
        code="unknown", tone=RED, title=_("Unknown guest"), reason=_("This guest is not on the list of this event.")
    )


def no_seat(guest: dict | None) -> Verdict:
    return Verdict(
        code="no_seat", tone=RED, title=_("No hall seat free"),
        reason=_("The hall is full. The guest can follow the livestream."), guest=guest,
    )


def seats_sentence(free: int) -> str:
    return _("Free hall seats: %(free)s.", free=free) if free else _("No hall seat is free.")


def scan(
    scanner: Scanner, facts: DoorFacts, code: str | None, *, move_to_hall: bool = False, exit_scan: bool = False
) -> Verdict:
    """The verdict for a scanned ticket code (door_facts looked it up); admits the guest when the ticket is valid."""
    if code is None:
        return Verdict(
            code="forged", tone=RED, title=_("Invalid code"), reason=_("This is not a valid ticket code. Do not admit.")
        )
    if facts.ticket_id is None:
        return Verdict(
            code="unknown", tone=RED, title=_("Unknown ticket"),
            reason=_("No event has a ticket with this code. Search for the guest's name."),
        )
    if facts.registration_event_id != scanner.event_id:
        title = db.session.execute(select(events.c.title).where(events.c.id == facts.registration_event_id)).scalar_one()
        return Verdict(
            code="wrong_event", tone=RED, title=_("Ticket for another event"),
            reason=_("This ticket is for “%(title)s”, not for this event.", title=title),
        )
    if facts.status in (Status.CANCELLED, Status.DECLINED):
        return _not_admitted(facts)
    if facts.ticket_revoked_at is not None:
        return Verdict(
            code="replaced", tone=RED, title=_("Ticket replaced"),
            reason=_("This ticket was replaced by a newer one. Ask for the current ticket or search for the name."),
            guest=guest_of(facts),
        )
    return admit(scanner, facts, ticket_id=facts.ticket_id, method="scan", move_to_hall=move_to_hall,
                 exit_scan=exit_scan)


def admit_invitee(
    scanner: Scanner, facts: DoorFacts, *, move_to_hall: bool = False, exit_scan: bool = False
) -> Verdict:
    """The verdict for a guest found by name search (no ticket at hand; door_facts looked up the invitee)."""
    if facts.invitee_id is None:
        return unknown_guest()
    if facts.registration_id is None or facts.status in (Status.CANCELLED, Status.DECLINED):
        if exit_scan:
            return _not_inside(guest_of(facts))
        free = scanner.free_hall_seats(facts.invitee_id)
        reason = _("%(name)s has no valid registration.", name=facts.guest_name) + " " + seats_sentence(free)
        return Verdict(
            code="not_registered", tone=AMBER, title=_("Not registered"), reason=reason, guest=guest_of(facts),
            actions=["walk_in"] if free else [],
        )
    return admit(scanner, facts, ticket_id=None, method="search", move_to_hall=move_to_hall, exit_scan=exit_scan)


def _not_admitted(facts: DoorFacts) -> Verdict:
    if facts.status == Status.CANCELLED:
        return Verdict(
            code="cancelled", tone=RED, title=_("Registration cancelled"),
            reason=_("This registration was cancelled. The ticket is no longer valid."), guest=guest_of(facts),
        )
    return Verdict(
        code="declined", tone=RED, title=_("Declined"),
        reason=_("This person declined the invitation. The ticket is not valid."), guest=guest_of(facts),
    )


def _not_inside(guest: dict | None) -> Verdict:
    return Verdict(
        code="not_inside", tone=RED, title=_("Not inside"),
        reason=_("This guest is not checked in, so there is nothing to check out."), guest=guest,
    )


def admit(
    scanner: Scanner, facts: DoorFacts, *, ticket_id: int | None, method: str, move_to_hall: bool, exit_scan: bool
) -> Verdict:
    """Admit (or, with exit_scan, check out) the registered guest door_facts found, unless they are inside."""
    guest = guest_of(facts)
    if exit_scan:
        return _check_out(scanner, facts, guest)
    if facts.checkin_id is not None and facts.checked_out_at is None:
        door = facts.checkin_door or _("the organisers' desk")
        return Verdict(
            code="already_checked_in", tone=RED, title=_("Already checked in"),
            reason=_("This ticket was already checked in at %(time)s at %(door)s.",
                     time=time_of_day(facts.checked_in_at), door=door),
            guest=guest, checkin_id=facts.checkin_id, checked_in_at=facts.checked_in_at,
            checked_in_door=facts.checkin_door,
        )
    if facts.checkin_id is not None:
        writes_together()
        db.session.execute(
            update(checkins).where(checkins.c.id == facts.checkin_id).values(checked_out_at=None, door_id=scanner.door_id)
        )
        return Verdict(
            code="valid", tone=GREEN, title=_("Welcome back"), reason=_("Re-entry after leaving the hall."),
            guest=guest, checkin_id=facts.checkin_id, checked_in_at=facts.checked_in_at,
            checked_in_door=scanner.door_name, inside_change=1,
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
        code="valid", tone=GREEN, title=_("Admitted"), reason=_welcome(method), guest=guest, checked_in_at=now,
        checked_in_door=scanner.door_name, admission=admission, present_change=1, inside_change=1,
    )


def _welcome(method: str) -> str:
    """The reason of a green verdict, by how the guest was admitted (a walk-in has no ticket to call valid)."""
    if method == "walk_in":
        return _("Registered at the door: welcome!")
    if method == "search":
        return _("Found by name with a valid registration: welcome!")
    return _("Valid ticket: welcome!")


def _needs_hall_seat(scanner: Scanner, facts: DoorFacts, move_to_hall: bool) -> Verdict | None:
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
        return no_seat(guest_of(facts))
    free = scanner.free_hall_seats(facts.invitee_id)
    actions = ["move_to_hall"] if free else []
    if facts.status == Status.WAITING:
        return Verdict(
            code="waiting", tone=AMBER, title=_("On the waiting list"),
            reason=_("This guest is on the waiting list and has no hall seat yet.") + " " + seats_sentence(free),
            guest=guest_of(facts), actions=actions,
        )
    return Verdict(
        code="stream_only", tone=AMBER, title=_("Livestream only"),
        reason=_("This guest registered for the livestream, not for the hall.") + " " + seats_sentence(free),
        guest=guest_of(facts), actions=actions,
    )


def _check_out(scanner: Scanner, facts: DoorFacts, guest: dict | None) -> Verdict:
    if not scanner.checkout_enabled:
        return Verdict(
            code="checkout_off", tone=RED, title=_("No exit scans"), reason=_("This event does not record exits."),
            guest=guest,
        )
    if facts.checkin_id is None or facts.checked_out_at is not None:
        return _not_inside(guest)
    writes_together()
    db.session.execute(update(checkins).where(checkins.c.id == facts.checkin_id).values(checked_out_at=utcnow()))
    return Verdict(
        code="checked_out", tone=GREEN, title=_("Checked out"), reason=_("Goodbye! The exit is recorded."),
        guest=guest, checkin_id=facts.checkin_id, checked_in_at=facts.checked_in_at,
        checked_in_door=facts.checkin_door, inside_change=-1,
    )
