"""The organisers' corrections at the Einlass tab: revert a check-in, switch exit scans, the recent check-ins."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..audit.services import record
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..invitees.models import Invitee
from ..registration.models import Registration
from .models import CheckIn


def revert_checkin(checkin: CheckIn, user: User) -> None:
    """An organiser takes back any check-in; the guest no longer counts as present."""
    if checkin.reverted_at is not None:
        return
    checkin.reverted_at = utcnow()
    checkin.reverted_by_id = user.id
    record("checkin.reverted", event_id=checkin.event_id, checkin_id=checkin.id, registration_id=checkin.registration_id)


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
