"""The mails of a registration (confirmation, promotion) and its calendar entry with the personal link."""
from flask_babel import lazy_gettext as _l

from ..invitees.links import personal_url
from ..invitees.models import Invitee
from ..mail.services import CalendarFile, LaterParts, TicketImage, new_content_id, queue_mail
from ..tickets.calendar import event_ics
from .models import ACTIVE_STATUSES, Mode, Registration, Status


def calendar_event(invitee: Invitee) -> dict:
    """event_ics() arguments: the event with the personal link (and the livestream link where it applies)."""
    event = invitee.event
    registration = invitee.registration
    watching = registration is not None and (
        registration.mode == Mode.STREAM or registration.stream_while_waiting
    ) and registration.status in ACTIVE_STATUSES
    lines = [event.description.strip()] if event.description.strip() else []
    if watching:
        lines.append(f"Livestream: {personal_url(invitee, '/watch')}")
    lines.append(personal_url(invitee))
    return {
        "uid": f"event-{event.id}-invitee-{invitee.id}@tracker",
        "title": event.title,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "location": event.venue,
        "description": "\n\n".join(lines),
        "url": personal_url(invitee),
        "tzid": event.timezone,
    }


def calendar_file(invitee: Invitee) -> bytes:
    """The event as an .ics file, as the confirmation mail attaches it."""
    return event_ics(**calendar_event(invitee))


def _queue_registration_mail(registration: Registration, kind: str, subject):
    """Queue templates/mail/<kind>.* for the invitee: QR ticket inline for a hall seat, .ics while active.

    The QR image and the .ics are made by the sender (LaterParts), from what is decided here.
    """
    invitee = registration.invitee
    context = {
        "invitee": invitee,
        "event": invitee.event,
        "registration": registration,
        "personal_link": personal_url(invitee),
        "watch_link": personal_url(invitee, "/watch"),
        "ticket_link": personal_url(invitee, "/ticket"),
    }
    images = ()
    attachments = ()
    if registration.status in ACTIVE_STATUSES:
        attachments = (CalendarFile("infotag.ics", calendar_event(invitee)),)
    if registration.holds_hall_seat:
        code = registration.active_ticket.code
        cid = new_content_id()
        context.update(ticket_code=code, qr_cid=cid)
        images = (TicketImage(cid=cid, code=code),)
    return queue_mail(
        kind=kind,
        recipient=invitee.email,
        recipient_name=invitee.name,
        language=invitee.language,
        subject=subject,
        template=kind,
        context=context,
        event_id=invitee.event_id,
        invitee_id=invitee.id,
        later_parts=LaterParts(images=images, attachments=attachments) if images or attachments else None,
    )


def _confirmation_subject(registration: Registration):
    if registration.holds_hall_seat:
        return _l("Your seat in the hall: %(title)s", title=registration.invitee.event.title)
    if registration.status == Status.CONFIRMED:
        return _l("Your livestream place: %(title)s", title=registration.invitee.event.title)
    if registration.status == Status.WAITING:
        return _l("You are on the waiting list: %(title)s", title=registration.invitee.event.title)
    if registration.status == Status.DECLINED:
        return _l("Your decline has been recorded: %(title)s", title=registration.invitee.event.title)
    return _l("Your registration has been cancelled: %(title)s", title=registration.invitee.event.title)


def queue_confirmation(registration: Registration):
    """The confirmation mail of the registration's current state, in the invitee's language."""
    return _queue_registration_mail(registration, "confirmation", _confirmation_subject(registration))


def queue_promotion(registration: Registration):
    """The mail that tells a waiting person they now have a hall seat."""
    title = registration.invitee.event.title
    return _queue_registration_mail(registration, "promotion", _l("You have moved up: a seat in the hall for %(title)s", title=title))
