"""Viewer tokens: who a heartbeat comes from, signed with the app key, carrying no personal data.

A token names the event, a viewer key ("i<invitee id>" for an invitee, "a<random>" for an anonymous
viewer) and the time window in which heartbeats are accepted. The watch page issues it after checking
who may watch; heartbeats then need no session, no cookie and no database read. Because the token is
the only credential and a cross-site page cannot read it, the heartbeat API needs no CSRF cookie
(which `navigator.sendBeacon` could not send with a header anyway).
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from ..events.models import Event

SALT = "stream-viewer"
#: The player opens this long before the start, for the pre-show.
OPENS_BEFORE_START = timedelta(minutes=15)
#: Heartbeats are accepted this long after the planned end, for talks that run late.
CLOSES_AFTER_END = timedelta(minutes=30)


class InvalidViewerToken(ValueError):
    """The token was forged, mangled or made for another app."""


@dataclass(frozen=True)
class Viewer:
    event_id: int
    key: str
    invitee_id: int | None
    #: Heartbeats count from this moment (seconds since the epoch) ...
    valid_from: int
    #: ... until this one.
    valid_until: int

    def accepts(self, now: datetime) -> bool:
        return self.valid_from <= now.timestamp() <= self.valid_until


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def invitee_viewer_key(invitee_id: int) -> str:
    return f"i{invitee_id}"


def anonymous_viewer_key() -> str:
    return "a" + secrets.token_hex(12)


def issue_token(event: Event, invitee_id: int | None = None) -> str:
    """A signed token for the watch page: the invitee's, or a fresh anonymous viewer's."""
    key = invitee_viewer_key(invitee_id) if invitee_id is not None else anonymous_viewer_key()
    opens = int((event.starts_at - OPENS_BEFORE_START).timestamp())
    closes = int((event.ends_at + CLOSES_AFTER_END).timestamp())
    return _serializer().dumps([event.id, key, invitee_id, opens, closes])


def read_token(token: object) -> Viewer:
    """The viewer a token names, or InvalidViewerToken."""
    if not isinstance(token, str) or not 0 < len(token) <= 300:
        raise InvalidViewerToken(token)
    try:
        event_id, key, invitee_id, opens, closes = _serializer().loads(token)
    except (BadData, TypeError, ValueError):
        raise InvalidViewerToken(token) from None
    return Viewer(event_id, key, invitee_id, opens, closes)
