"""Security headers on every response, and a session cookie only where a request brought one.

Hand-written rather than Flask-Talisman: the watch page must add the configured stream's origin to the
Content-Security-Policy per request (Talisman's policies are fixed per view), and HSTS is sent only when the
request really came over HTTPS (directly or, with TRACKER_PROXY_FIX, through the reverse proxy).
"""
import re
from urllib.parse import urlsplit

from flask import Flask, Request, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext
from werkzeug.exceptions import BadRequest

from .errors import render_error

#: The policy every page gets; views may widen frame-src and media sources for one response only.
BASE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    # The door scanner's ZXing decoder is WebAssembly; compiling it needs 'wasm-unsafe-eval' (not 'unsafe-eval').
    "script-src": ("'self'", "'wasm-unsafe-eval'"),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    # hls.js feeds the <video> element from blob: URLs and may run a worker from one.
    "media-src": ("'self'", "blob:"),
    "worker-src": ("'self'", "blob:"),
    "connect-src": ("'self'",),
    "frame-src": ("'none'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)
HSTS = "max-age=31536000; includeSubDomains"
_HOSTNAME = re.compile(r"^[a-z0-9.-]+$|^[0-9a-f:.]+$")


def origin_of(url: str | None) -> str | None:
    """The scheme://host[:port] of an http(s) address, or None for anything else."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or not _HOSTNAME.match(host):
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}"


def _allow(directive: str, url: str | None) -> None:
    origin = origin_of(url)
    if origin:
        g.setdefault("csp_extra", {}).setdefault(directive, set()).add(origin)


def allow_frame_origin(url: str | None) -> None:
    """Let this response embed an iframe from the origin of url (the configured stream's player)."""
    _allow("frame-src", url)


def allow_media_origin(url: str | None) -> None:
    """Let this response load a video stream (HLS playlist and segments) from the origin of url."""
    _allow("media-src", url)
    _allow("connect-src", url)


def _policy(extra: dict[str, set[str]]) -> str:
    parts = []
    for directive, sources in BASE_POLICY.items():
        added = sorted(extra.get(directive, ()))
        if added and sources == ("'none'",):
            sources = ()
        parts.append(" ".join((directive, *sources, *added)))
    return "; ".join(parts)


#: The policy of every response whose view allowed no other origin, built once.
BASE_POLICY_HEADER = _policy({})


def content_security_policy() -> str:
    """The policy for the current response, with the origins the view allowed."""
    extra = g.get("csp_extra")
    return _policy(extra) if extra else BASE_POLICY_HEADER


def set_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy()
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    # Personal links carry their token in the address: no page ever tells another site where it came from.
    headers["Referrer-Policy"] = "no-referrer"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages may show personal data: shared caches and the back button of a shared device keep nothing.
        headers["Cache-Control"] = "no-store"
    return response


class SafeJsonRequest(Request):
    """A request whose JSON parsing turns absurdly deep nesting into a 400, not a RecursionError (500)."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            raise BadRequest("JSON nested too deeply") from None


_JSON_NUL = re.compile(rb"\\u0000", re.IGNORECASE)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul() -> bool:
    """Whether the query, a form value or a JSON body holds a NUL; reads only what the request has."""
    query = request.query_string
    if b"%00" in query or b"\x00" in query:  # the only ways a decoded query value can hold a NUL
        return True
    if request.is_json:
        body = request.get_data()
        return b"\x00" in body or _JSON_NUL.search(body) is not None
    return request.mimetype in _FORM_TYPES and any("\x00" in value for value in request.form.values())


def refuse_nul_characters():
    """No real input holds a NUL character; PostgreSQL cannot store one, so refuse it at the door with a 400."""
    if _holds_nul():
        return render_error(400, gettext("The input contains characters that are not allowed."))
    return None


class SessionCookieOnDemand(SecureCookieSessionInterface):
    """Flask's signed cookie session, whose signer is built only when a request brings a session cookie
    (APIs, heartbeats and first visits bring none)."""

    def open_session(self, app: Flask, request: Request):
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.request_class = SafeJsonRequest
    app.session_interface = SessionCookieOnDemand()
    app.before_request(refuse_nul_characters)
    app.after_request(set_security_headers)
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = app.config["SESSION_COOKIE_SAMESITE"]
