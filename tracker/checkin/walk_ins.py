"""Walk-ins: a guest registered at the door (on the list or not) and checked in, if a hall seat is free."""
import uuid

from sqlalchemy import func, select

from ..audit.services import record
from ..database import lock_row
from ..events.models import Event
from ..extensions import db
from ..invitees.models import NO_ADDRESS_DOMAIN, Invitee, InviteeSource
from ..invitees.services import add_invitee
from ..registration.models import Mode, Registration, Status
from .door_read import Scanner, door_facts
from .verdicts import Verdict, admit, guest_of, no_seat, unknown_guest


def walk_in(scanner: Scanner, *, name: str, email: str | None, invitee_id: int | None) -> Verdict:
    """Register a guest at the door (on the list or not) and check them in, if a hall seat is free."""
    event = lock_row(Event, scanner.event_id)
    invitee = db.session.get(Invitee, invitee_id) if invitee_id else None
    if invitee_id and (invitee is None or invitee.event_id != event.id):
        return unknown_guest()
    if invitee is None and email:
        invitee = db.session.execute(
            select(Invitee).where(Invitee.event_id == event.id, func.lower(Invitee.email) == email.lower())
        ).scalar_one_or_none()
    registration = invitee.registration if invitee else None
    if registration is None or not registration.holds_hall_seat:
        if scanner.free_hall_seats(invitee.id if invitee else None) <= 0:
            return no_seat(guest_of(door_facts(scanner.door_id, invitee_id=invitee.id)) if invitee else None)
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
    return admit(scanner, guest, ticket_id=None, method="walk_in", move_to_hall=False, exit_scan=False)
