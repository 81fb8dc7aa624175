"""The /healthz probe and the structured request log (tracker.operations)."""
import json
import logging

import pytest

from tracker import create_app
from tracker.operations import request_log

from .conftest import base_config


def test_healthz_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_checks_redis_when_configured(app_factory):
    reachable = app_factory(REDIS_URL="redis://127.0.0.1:6379/14").test_client().get("/healthz")
    if reachable.get_json()["redis"] != "ok":
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    assert reachable.status_code == 200
    broken = app_factory(REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/healthz")
    assert broken.status_code == 503
    assert broken.get_json() == {"status": "unavailable", "database": "ok", "redis": "unreachable"}


def test_healthz_answers_503_when_the_database_is_gone(tmp_path):
    config = base_config(f"sqlite:///{tmp_path}/missing-dir/none.sqlite", tmp_path)
    response = create_app(config).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}


@pytest.fixture
def log_lines():
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Collect()
    request_log.addHandler(handler)
    yield lines
    request_log.removeHandler(handler)


def test_one_json_line_per_request_without_path_or_personal_data(client, log_lines):
    client.get("/lang/en?next=/t/SECRET-TOKEN-123/watch")
    client.post("/login", data={"email": "anna.berger@example.org", "password": "hunter2-secret"})
    client.get("/t/SECRET-TOKEN-123")
    assert len(log_lines) == 3
    entries = [json.loads(line) for line in log_lines]
    assert [(e["method"], e["endpoint"], e["status"]) for e in entries] == [
        ("GET", "i18n.switch_language", 302),
        ("POST", "accounts.login", 401),
        ("GET", "registration.personal", 404),
    ]
    assert all(set(e) == {"time", "method", "endpoint", "status", "duration_ms"} for e in entries)
    assert all(isinstance(e["duration_ms"], float) and e["duration_ms"] >= 0 for e in entries)
    text = "\n".join(log_lines)
    for secret in ("SECRET-TOKEN", "anna", "hunter2", "127.0.0.1"):
        assert secret not in text


def test_the_log_can_be_switched_off(app_factory, log_lines):
    app_factory(LOG_FORMAT="off").test_client().get("/login")
    assert log_lines == []


def test_gunicorn_serves_the_app_with_the_production_config(backend, tmp_path):
    """make serve's configuration starts, answers /healthz and serves pages with their headers."""
    import urllib.request

    from .support.servers import AppServer

    with AppServer(backend.fresh(), workers=2, threads=2) as server:
        with urllib.request.urlopen(server.url + "/login", timeout=5) as response:
            assert response.status == 200
            assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
            assert "Anmelden" in response.read().decode()


@pytest.mark.parametrize("idle_seconds, healthy_after_drop", [(0.0, True), (3600.0, False)])
def test_a_pooled_connection_dropped_while_idle_is_replaced_before_use(app_factory, backend, idle_seconds,
                                                                        healthy_after_drop):
    """Pinged after idle_seconds in the pool: a connection the server dropped meanwhile is replaced unnoticed.
    Within idle_seconds it is used unpinged (no round trip), and the one request that meets it fails."""
    if backend.kind != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    from sqlalchemy import create_engine, text

    from tracker.extensions import db

    app = app_factory(DATABASE_PING_AFTER_IDLE_SECONDS=idle_seconds)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # the pool now holds one connection
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        db.session.rollback()
    admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    assert (client.get("/healthz").status_code == 200) is healthy_after_drop
    assert client.get("/healthz").status_code == 200, "a dropped connection is never used twice"
