"""The app factory, configuration, and the schema under migrations."""
import pytest

from tracker import create_app
from tracker.config import ConfigError, settings_from_env
from tracker.extensions import db
from tracker.navigation import EVENT_TABS


def test_config_comes_from_the_test_config(app):
    assert app.testing
    assert app.config["BABEL_DEFAULT_LOCALE"] == "de"


def test_event_tabs_have_their_own_places_in_a_fixed_order(app):
    assert len({tab.order for tab in EVENT_TABS}) == len(EVENT_TABS)
    endpoints = [tab.endpoint for tab in EVENT_TABS]
    assert endpoints[:5] == ["events.show", "events.groups", "registration.manage", "invitees.index", "invitations.index"]
    assert endpoints[-4:] == ["dashboard.dashboard", "dashboard.report", "audit.event_log", "events.team"]


def test_environment_settings_are_typed():
    env = {"TRACKER_MAIL_PORT": "2525", "TRACKER_MAIL_USE_TLS": "yes", "TRACKER_SECRET_KEY": "k" * 40}
    assert settings_from_env(env) == {"MAIL_PORT": 2525, "MAIL_USE_TLS": True, "SECRET_KEY": "k" * 40}


@pytest.mark.parametrize(
    "env, message",
    [
        ({"TRACKER_MAIL_PORT": "twenty-five"}, "TRACKER_MAIL_PORT must be a whole number"),
        ({"TRACKER_MAIL_USE_TLS": "maybe"}, "TRACKER_MAIL_USE_TLS must be true or false"),
    ],
)
def test_malformed_environment_stops_start_up(env, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_env(env)


@pytest.mark.parametrize(
    "config, message",
    [
        ({"SQLALCHEMY_DATABASE_URI": "mysql://x/y"}, "Unsupported database URL"),
        ({"SECRET_KEY": "short"}, "too short"),
        ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "either"),
    ],
)
def test_misconfiguration_stops_start_up(tmp_path, config, message):
    with pytest.raises(ConfigError, match=message):
        create_app({"SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", **config})


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    from tracker import config

    first = config.instance_secret_key(str(tmp_path))
    assert len(first) == 64
    assert config.instance_secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_urls_use_psycopg(tmp_path):
    app = create_app({"SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": "postgresql://u@127.0.0.1/db"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_wsgi_module_builds_the_app(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_SECRET_KEY", "w" * 40)
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path}/w.db")
    import importlib

    import wsgi

    importlib.reload(wsgi)
    assert wsgi.app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/w.db"
