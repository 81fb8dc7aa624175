"""The /healthz probe and the structured request log (tracker.operations)."""
import json
import logging

import pytest
from sqlalchemy.pool import NullPool

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


def test_requests_meet_no_error_when_the_server_drops_the_connections(app_factory, backend):
    """Every pooled connection of the app terminated between requests (as by a restart or pg_terminate_backend):
    each request is still served, on a fresh connection (SQLAlchemy's pre-ping on checkout)."""
    if backend.kind != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    from sqlalchemy import create_engine, text

    app = app_factory()
    client = app.test_client()
    database = app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[1]
    admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT", poolclass=NullPool)
    failures, terminated = 0, 0
    try:
        for _round in range(20):
            failures += client.get("/healthz").status_code != 200
            failures += client.get("/login").status_code != 200
            with admin.connect() as connection:
                terminated += len(connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = :database AND pid <> pg_backend_pid()"),
                    {"database": database},
                ).all())
    finally:
        admin.dispose()
    assert failures == 0
    assert terminated >= 20, "every round dropped the connection the app had used"


def test_an_error_on_a_personal_link_logs_neither_the_token_nor_the_statements_values(app, monkeypatch):
    """The error log names the endpoint, never the path (it holds the token); SQL errors hide their parameters."""
    from sqlalchemy import text

    from tracker.extensions import db
    from tracker.invitees.links import personal_token
    from tracker.registration import views as registration_views

    from .factories import make_event, make_invitee

    with app.test_request_context():
        invitee = make_invitee(make_event(), name="Greta Geheim", email="greta.geheim@muenchen.example")
        token = personal_token(invitee)
        db.session.commit()

    def failing_form():
        db.session.execute(text("SELECT * FROM no_such_table WHERE :token IS NOT NULL AND :email IS NOT NULL"),
                           {"token": token, "email": "greta.geheim@muenchen.example"})

    monkeypatch.setattr(registration_views, "AnswerForm", failing_form)
    formatted: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            formatted.append(self.format(record))

    handler = Collect()
    logging.getLogger().addHandler(handler)
    try:
        response = app.test_client().get(f"/t/{token}")
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 500
    text_of_logs = "\n".join(formatted)
    assert "unhandled error on GET registration.personal" in text_of_logs
    assert "no_such_table" in text_of_logs and "[SQL parameters hidden" in text_of_logs
    assert token not in text_of_logs and token[:12] not in text_of_logs
    assert "greta" not in text_of_logs.lower()
