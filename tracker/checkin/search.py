"""The door's name search: guests without their ticket, told apart by unit and group, with their state at the door."""
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from ..database import contains_text
from ..extensions import db
from ..invitees.models import Invitee
from ..registration.models import Mode, Registration, Status
from .models import CheckIn
from .verdicts import time_of_day

SEARCH_LIMIT = 20


def search_guests(event_id: int, text: str) -> list[dict]:
    """Guests of this event whose name or e-mail contains the text (at most SEARCH_LIMIT), told apart by unit and
    group, with their state at the door; admissible is false for guests inside the hall now."""
    found = db.session.execute(
        select(Invitee)
        .where(
            Invitee.event_id == event_id,
            or_(contains_text(Invitee.name, text.strip()), contains_text(Invitee.email, text.strip())),
        )
        .options(joinedload(Invitee.group), joinedload(Invitee.registration))
        .order_by(Invitee.name, Invitee.unit, Invitee.id)
        .limit(SEARCH_LIMIT)
    ).scalars().all()
    registration_ids = [invitee.registration.id for invitee in found if invitee.registration]
    current = {
        checkin.registration_id: checkin
        for checkin in db.session.execute(
            select(CheckIn)
            .where(CheckIn.registration_id.in_(registration_ids), CheckIn.reverted_at.is_(None))
            .options(joinedload(CheckIn.door))
        ).scalars()
    }
    results = []
    for invitee in found:
        checkin = current.get(invitee.registration.id) if invitee.registration else None
        inside = checkin is not None and checkin.checked_out_at is None
        results.append(
            {
                "invitee": invitee.id,
                "name": invitee.name,
                "unit": invitee.unit,
                "group": invitee.group.name if invitee.group else None,
                "status": _status_label(invitee.registration),
                "state": _door_state(checkin),
                "admissible": not inside,
            }
        )
    return results


def _door_state(checkin: CheckIn | None) -> str | None:
    """Where a found guest stands at the door: present since when and where, or left the hall; None if never in."""
    if checkin is None:
        return None
    if checkin.checked_out_at is not None:
        return _("Left the hall at %(time)s.", time=time_of_day(checkin.checked_out_at))
    door = checkin.door.name if checkin.door else _("the organisers' desk")
    return _("Present: checked in at %(time)s at %(door)s.", time=time_of_day(checkin.checked_in_at), door=door)


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
