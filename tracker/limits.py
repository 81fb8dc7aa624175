"""Abuse limits: named, tunable limit strings and the keys they count by.

Every limit's text lives in the configuration (RATELIMIT_LOGIN, RATELIMIT_PERSONAL_LINK, ...), so operations
can tune it without a code change. Counters live in Redis when TRACKER_REDIS_URL is set (shared by every worker
and server), else in each process's memory. Keys are chosen so that people behind one address (the city's
network, all door devices behind one NAT) do not share a budget: door APIs count per device credential,
personal-link pages per link, heartbeats per viewer. Decorate a view with the ready-made decorators below.

The informational X-RateLimit-* headers are off by default (RATELIMIT_HEADERS_ENABLED): reading a window's state
for them costs two more storage round trips on every limited request. A refused request still says when to come
back (Retry-After).

Heartbeats, the most frequent requests of all, are counted by the presence store (see `heartbeat_budgets`).
"""
import hashlib
import logging
import time
from functools import cache
from typing import NamedTuple

from flask import Flask, current_app, request, session
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from .errors import render_error
from .extensions import limiter

#: Header or cookie a paired door device sends its credential in (see the check-in area).
DOOR_CREDENTIAL_COOKIE = "door_device"


def named_limit(setting: str):
    """The limit text of one setting, read at request time so tests and instances can change it."""
    return lambda: current_app.config[setting]


def _digest(kind: str, secret: str) -> str:
    """A short hash, so that no credential or token is ever written to the limiter's storage."""
    return kind + ":" + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def client_address() -> str:
    """The client's address (the proxy's X-Forwarded-For when TRACKER_PROXY_FIX is on)."""
    return get_remote_address() or "unknown"


def door_client_key() -> str:
    """One budget per door device: its credential (bearer header or cookie), else its account, else its address."""
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer ") and authorization[7:].strip():
        return _digest("device", authorization[7:].strip())
    cookie = request.cookies.get(DOOR_CREDENTIAL_COOKIE)
    if cookie:
        return _digest("device", cookie)
    user_id = session.get("_user_id")
    if user_id:
        return f"user:{user_id}"
    return "address:" + client_address()


def personal_token_key() -> str:
    """One budget per personal link (the token in the address), whoever opens it."""
    token = (request.view_args or {}).get("token")
    return _digest("link", token) if token else "address:" + client_address()


def submitted_email_key() -> str:
    """One budget per e-mail address typed into a form, so nobody can flood one person's mailbox."""
    email = request.form.get("email", "")
    return _digest("email", email.strip().lower()) if email.strip() else "address:" + client_address()


def _is_not_found(response) -> bool:
    return response.status_code == 404


#: Guessing links: one budget per address shared by every token page; only unknown links (404) count.
unknown_link = limiter.shared_limit(
    named_limit("RATELIMIT_UNKNOWN_LINK"), scope="personal-link", key_func=client_address, deduct_when=_is_not_found
)


def personal_link(view):
    """Pages under /t/<token>: a budget per link, and the shared budget per address for unknown links."""
    view = limiter.limit(named_limit("RATELIMIT_PERSONAL_LINK"), key_func=personal_token_key)(view)
    return unknown_link(view)


def self_registration(view):
    """Self-registration (sends a confirmation mail): per e-mail address and, as a ceiling, per address."""
    view = limiter.limit(named_limit("RATELIMIT_SELF_REGISTRATION"), key_func=submitted_email_key, methods=["POST"])(
        view
    )
    return limiter.limit(
        named_limit("RATELIMIT_SELF_REGISTRATION_PER_ADDRESS"), key_func=client_address, methods=["POST"]
    )(view)


def door_api(view):
    """Check-in and other door APIs: per device, generous enough that a busy door never meets it."""
    return limiter.limit(named_limit("RATELIMIT_CHECKIN"), key_func=door_client_key)(view)


def address_and_account_key() -> str:
    """One budget per address and typed account: failures from one place do not lock the account elsewhere."""
    email = request.form.get("email", "").strip().lower()
    return _digest("login", f"{client_address()} {email}")


def _is_refused_login(response) -> bool:
    return response.status_code == 401


def login(view):
    """The login form's POST: per address, and its failures per address and account. There is no lock of the
    account itself: whoever types someone's address elsewhere cannot keep them out; the answer to a throttled
    attempt is the same whether the account exists or not."""
    view = limiter.limit(
        named_limit("RATELIMIT_LOGIN_FAILURES"), key_func=address_and_account_key, methods=["POST"],
        deduct_when=_is_refused_login,
    )(view)
    return limiter.limit(named_limit("RATELIMIT_LOGIN"), key_func=client_address, methods=["POST"])(view)


@cache
def _limit_items(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


class Budget(NamedTuple):
    """One fixed window of a limit that a request counts in."""

    #: The counter of this client in this window (no credential or token in it).
    key: str
    #: Requests allowed in the window.
    amount: int
    #: When the window ends (seconds since the epoch), and its counter with it.
    ends_at: int


def heartbeat_budgets(viewer_key: str, now: float) -> list[Budget]:
    """The windows of RATELIMIT_HEARTBEAT that a heartbeat of this viewer counts in (none with limits off).

    The presence store counts them in the same step as the heartbeat (in Redis: in the same script, so a
    heartbeat costs one round trip), in the limiter's storage when it has no Redis; not through Flask-Limiter,
    whose per-request machinery cost about as much as the rest of a heartbeat.
    """
    if not current_app.config["RATELIMIT_ENABLED"]:
        return []
    prefix = f"{current_app.config['RATELIMIT_KEY_PREFIX']}/heartbeat/{_digest('viewer', viewer_key)}"
    budgets = []
    for item in _limit_items(current_app.config["RATELIMIT_HEARTBEAT"]):
        seconds = item.get_expiry()
        starts_at = int(now) // seconds * seconds
        budgets.append(Budget(f"{prefix}/{item.amount}/{seconds}/{starts_at}", item.amount, starts_at + seconds))
    return budgets


def count_in_limiter_storage(budgets: list[Budget]) -> int | None:
    """Count a request in each budget; the end of a spent window, else None. Like Flask-Limiter, it lets the
    request through if the storage fails."""
    try:
        for budget in budgets:
            if limiter.storage.incr(budget.key, max(1, budget.ends_at - int(time.time()))) > budget.amount:
                return budget.ends_at
    except Exception:  # noqa: BLE001  (storage unreachable: counting is not worth refusing the request)
        logging.getLogger("tracker.limits").warning("Budget not counted", exc_info=True)
    return None


def too_many_requests(retry_after: int):
    """The usual 429 answer, saying when to come back."""
    response = current_app.make_response(render_error(429))
    response.headers["Retry-After"] = str(max(1, retry_after))
    return response


def _refused(error: RateLimitExceeded):
    """Flask-Limiter's refusal, with Retry-After: the one time a window's state is worth reading."""
    try:
        retry_after = int(limiter.current_limit.reset_at - time.time())
    except Exception:  # noqa: BLE001  (storage gone since the hit: the answer goes out with the shortest hint)
        logging.getLogger("tracker.limits").warning("Retry-After not known", exc_info=True)
        retry_after = 1
    return too_many_requests(retry_after)


def init_app(app: Flask) -> None:
    limiter.init_app(app)
    # Flask-Limiter checks default, application and blueprint limits before every request. This app has none (its
    # limits are per view, checked by their decorators), so that pass only cost time: about 0.15 ms per request.
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # not there when limits are off (RATELIMIT_ENABLED)
        hooks.remove(limiter._check_request_limit)
    app.register_error_handler(RateLimitExceeded, _refused)
