"""The watch pages (personal link and public) and the heartbeat API."""
import json

from flask import Blueprint, g, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import limits
from ..database import utcnow
from ..errors import render_error
from ..events.models import Event, StreamKind
from ..extensions import csrf, db
from ..invitees.links import find_by_token
from ..security import allow_frame_origin, allow_media_origin
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from .presence import ViewerStopped
from .services import (
    Phase, heartbeat_seconds, may_watch, record_goodbye, record_heartbeat, resume_viewer, watch_phase,
)
from .viewers import InvalidViewerToken, issue_token, read_token

bp = Blueprint("stream", __name__)

#: A heartbeat body is a small JSON object; anything longer is refused unread.
MAX_BODY_BYTES = 1024


def _no_referrer(page):
    """Personal and public tokens stay out of the Referer sent to the streaming service."""
    response = make_response(page)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _watch_page(event: Event, viewer_token: str | None, personal_token: str | None = None):
    now = utcnow()
    if event.stream_kind == StreamKind.HLS:
        allow_media_origin(event.stream_url)
    else:
        allow_frame_origin(event.stream_url)
    return render_template(
        "stream/watch.html",
        event=event,
        phase=watch_phase(event, now),
        phases=Phase,
        now=now,
        viewer_token=viewer_token,
        anonymous=personal_token is None,
        personal_token=personal_token,
        heartbeat_seconds=heartbeat_seconds(),
    )


@bp.get("/t/<token>/watch")
def watch(token: str):
    invitee = find_by_token(token)
    if invitee is None:
        return _no_referrer(
            render_error(404, _("This link is not valid. Please use the link from your most recent invitation."))
        )
    g.page_language = invitee.language
    event = invitee.event
    if not event.livestream:
        response = render_template("stream/not_allowed.html", event=event, token=token, reason="no_stream"), 403
    elif not may_watch(invitee.registration):
        response = render_template("stream/not_allowed.html", event=event, token=token, reason="not_registered"), 403
    else:
        resume_viewer(invitee)
        response = _watch_page(event, issue_token(event, invitee.id), personal_token=token)
    return _no_referrer(response)


@bp.get("/live/<public_token>")
def public_watch(public_token: str):
    event = None
    if len(public_token) <= 64:
        event = db.session.execute(select(Event).where(Event.public_token == public_token)).scalar_one_or_none()
    if event is None or not event.public_stream or not event.livestream:
        return _no_referrer(render_error(404, _("There is no public livestream at this address.")))
    return _no_referrer(_watch_page(event, issue_token(event)))


def _viewer_from_body():
    """The viewer named in a heartbeat body, or an error response with a clear message."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None, render_error(400, _("The heartbeat is too large."))
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY_BYTES:
        return None, render_error(400, _("The heartbeat is too large."))
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = None
    if not isinstance(body, dict):
        return None, render_error(400, _('The heartbeat must be a JSON object such as {"viewer": "<token>"}.'))
    try:
        return read_token(body.get("viewer")), None
    except InvalidViewerToken:
        return None, render_error(400, _("The viewer token is missing or not valid. Please reload the page."))


# sendBeacon cannot send a CSRF header and the API uses no cookie: the signed viewer token in the body is
# the credential, and a cross-site page has no way to read it (see tracker.stream.viewers).
@bp.post("/api/stream/heartbeat")
@csrf.exempt
def heartbeat():
    viewer, error = _viewer_from_body()
    if error:
        return error
    now = utcnow()
    if not viewer.accepts(now):
        return render_error(400, _("The livestream is not running now. Please reload the page."))
    try:
        spent_until = record_heartbeat(viewer, now)
    except ViewerStopped:
        return render_error(403, _("You are no longer registered for the livestream. Your registration page shows how "
                                   "to register again."))
    if spent_until is not None:
        return limits.too_many_requests(spent_until - int(now.timestamp()))
    db.session.commit()
    return "", 204


@bp.post("/api/stream/goodbye")
@csrf.exempt
def goodbye():
    viewer, error = _viewer_from_body()
    if error:
        return error
    record_goodbye(viewer, utcnow())
    db.session.commit()
    return "", 204

