"""Operations: the /healthz probe and the structured request log (one JSON line per request)."""
import json
import logging
import sys
import time

import redis
from flask import Blueprint, Flask, current_app, g, request
from sqlalchemy import text

from .database import utcnow
from .extensions import db, limiter

bp = Blueprint("operations", __name__)
request_log = logging.getLogger("tracker.requests")


def _database_reachable() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001  (any failure means "not reachable"; the probe must answer)
        logging.getLogger("tracker.health").warning("database not reachable", exc_info=True)
        return False
    finally:
        db.session.rollback()


def _redis_reachable(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        logging.getLogger("tracker.health").warning("Redis not reachable", exc_info=True)
        return False


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 when every configured backend answers, 503 otherwise; names no person and no address."""
    checks = {"database": "ok" if _database_reachable() else "unreachable"}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = "ok" if _redis_reachable(redis_url) else "unreachable"
    healthy = all(state == "ok" for state in checks.values())
    return {"status": "ok" if healthy else "unavailable", **checks}, 200 if healthy else 503


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response):
    """One line per request: method, endpoint name (never the path, which may carry a token), status, duration."""
    started = g.pop("request_started", None)
    if started is None:
        return response
    request_log.info(
        json.dumps(
            {
                "time": utcnow().isoformat(timespec="milliseconds"),
                "method": request.method,
                "endpoint": request.endpoint or "unmatched",
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
            separators=(",", ":"),
        )
    )
    return response


def _not_an_access_line(record: logging.LogRecord) -> bool:
    """Drop the development server's access line (it repeats the request log and names the raw path)."""
    return not str(record.msg).endswith('"%s" %s %s')


def init_app(app: Flask) -> None:
    if app.config["LOG_FORMAT"] != "json":
        return
    logging.getLogger("werkzeug").addFilter(_not_an_access_line)
    if not request_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.propagate = False
    request_log.setLevel(logging.INFO)
    app.before_request(_start_timer)
    app.after_request(_log_request)
