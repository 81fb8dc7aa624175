"""Open registration for staff, with double opt-in.

Nothing is stored before the address is confirmed: the request travels in the confirmation link as an
encrypted, authenticated and expiring token (Fernet) carrying name, e-mail, unit and language, so that a link
that ends up in a proxy's log or a browser's history shows nobody's data. Only the confirmation creates the
invitee, and only confirmed invitees exist.
"""
import base64
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..invitees.links import personal_url
from ..invitees.models import Invitee, InviteeSource
from ..invitees.services import add_invitee
from ..mail.services import queue_mail

#: How long the confirmation link in the mail works.
CONFIRMATION_HOURS = 48
#: Sets the link key apart from every other key derived from the app's secret key.
_KEY_PURPOSE = b"tracker self-registration link"


@dataclass(frozen=True)
class SignUpRequest:
    event_id: int
    name: str
    email: str
    unit: str
    language: str


def _cipher() -> Fernet:
    """Fernet with a key derived from the app's secret key (HKDF-SHA256)."""
    secret = current_app.config["SECRET_KEY"].encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def link_token(request: "SignUpRequest") -> str:
    """The confirmation link's token: the request, encrypted."""
    fields = {"e": request.event_id, "n": request.name, "m": request.email, "u": request.unit, "l": request.language}
    return _cipher().encrypt(json.dumps(fields).encode()).decode()


def domain_allowed(event: Event, email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].strip().lower()
    return domain in event.allowed_domains


def existing_invitee(event_id: int, email: str) -> Invitee | None:
    return db.session.execute(
        select(Invitee).where(Invitee.event_id == event_id, func.lower(Invitee.email) == email.strip().lower())
    ).scalar_one_or_none()


def request_sign_up(event: Event, request: SignUpRequest):
    """Queue the opt-in mail: a confirmation link, or the personal link for someone already on the list."""
    known = existing_invitee(event.id, request.email)
    context = {"event": event, "name": request.name, "hours": CONFIRMATION_HOURS}
    if known is not None:
        context["personal_link"] = personal_url(known)
    else:
        path = url_for("registration.confirm_sign_up", public_token=event.public_token, signed=link_token(request))
        context["confirm_link"] = current_app.config["BASE_URL"] + path
    return queue_mail(
        kind="opt_in",
        recipient=request.email,
        recipient_name=request.name,
        language=request.language,
        subject=_l("Please confirm your registration: %(title)s", title=event.title),
        template="opt_in",
        context=context,
        event_id=event.id,
    )


def read_sign_up(event: Event, signed: str) -> SignUpRequest | None:
    """The request inside a confirmation link, or None if it is forged, for another event or expired."""
    try:
        data = json.loads(_cipher().decrypt(signed.encode(), ttl=CONFIRMATION_HOURS * 3600))
    except (InvalidToken, ValueError):
        return None
    if not isinstance(data, dict) or data.get("e") != event.id:
        return None
    return SignUpRequest(event.id, data["n"], data["m"], data["u"], data["l"])


def confirm_sign_up(event: Event, request: SignUpRequest) -> tuple[Invitee, bool]:
    """The invitee for this confirmed request, created now unless the address is already on the list.

    Returns (invitee, created). A concurrent confirmation of the same address (in any letter case)
    is settled by the unique index: the insert is tried in a savepoint.
    """
    known = existing_invitee(event.id, request.email)
    if known is not None:
        return known, False
    try:
        with db.session.begin_nested():
            invitee = add_invitee(
                event,
                name=request.name,
                email=request.email,
                unit=request.unit,
                language=request.language,
                source=InviteeSource.SELF,
            )
            invitee.email_confirmed_at = utcnow()
    except IntegrityError:
        return existing_invitee(event.id, request.email), False
    return invitee, True
