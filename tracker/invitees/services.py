"""Invitee list operations."""
from ..events.models import Event, Group
from ..extensions import db
from .links import assign_new_link
from .models import Invitee, InviteeSource


def add_invitee(
    event: Event,
    *,
    name: str,
    email: str,
    unit: str | None = None,
    group: Group | None = None,
    language: str = "de",
    source: str = InviteeSource.MANUAL,
) -> Invitee:
    """Put one person on the event's list with a fresh personal link."""
    invitee = Invitee(
        event=event, name=name, email=email, unit=unit or None, group=group, language=language, source=source
    )
    assign_new_link(invitee)
    db.session.add(invitee)
    return invitee
