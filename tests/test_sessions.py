"""Logins the server ends: a copy of the session cookie is worthless after logout, a new password, deactivation or
an administrator's "end all sessions" — at once, whichever worker serves the next request."""
import re

import pytest
import time_machine

from tracker.accounts.models import LoginSession
from tracker.extensions import db

from .conftest import PASSWORD, login
from .factories import make_user


@pytest.fixture
def accounts(app):
    with app.app_context():
        admin, organiser = make_user("admin"), make_user("organiser")
        db.session.commit()
        return {"admin": (admin.id, admin.email), "organiser": (organiser.id, organiser.email)}


class Account:
    def __init__(self, user_id, email):
        self.id, self.email = user_id, email


def logged_in(app, accounts, role):
    client = app.test_client()
    login(client, Account(*accounts[role]))
    return client


def cookie_copy(app, client):
    """A second client holding a copy of the first one's session cookie (as stolen from a shared computer)."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def test_a_copy_of_the_cookie_opens_nothing_after_logout(app, accounts):
    client = logged_in(app, accounts, "admin")
    thief = cookie_copy(app, client)
    assert thief.get("/admin/users/").status_code == 200
    assert client.post("/logout").status_code == 302
    response = thief.get("/admin/users/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.query(LoginSession).count() == 0


def test_each_login_is_its_own_session(app, accounts):
    phone, desk = logged_in(app, accounts, "organiser"), logged_in(app, accounts, "organiser")
    phone.post("/logout")
    assert desk.get("/events/").status_code == 200, "logging out on the phone keeps the desk logged in"
    assert phone.get("/events/").status_code == 302


@pytest.mark.parametrize("change", ["password", "active", "sessions/end"])
def test_an_administrators_change_ends_every_session_of_the_account(app, accounts, change):
    organiser = logged_in(app, accounts, "organiser")
    admin = logged_in(app, accounts, "admin")
    user_id = accounts["organiser"][0]
    data = {"password": "ein-neues-Passwort-2026"} if change == "password" else {}
    assert admin.post(f"/admin/users/{user_id}/{change}", data=data).status_code == 302
    assert organiser.get("/events/").status_code == 302
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert re.search(r"0 offene Sitzungen", page)
    assert admin.get("/admin/users/").status_code == 200, "the administrator stays logged in"


def test_the_administrators_own_new_password_keeps_this_session_only(app, accounts):
    here, elsewhere = logged_in(app, accounts, "admin"), logged_in(app, accounts, "admin")
    user_id = accounts["admin"][0]
    assert here.post(f"/admin/users/{user_id}/password", data={"password": "ein-neues-Passwort-2026"}).status_code == 302
    assert here.get("/admin/users/").status_code == 200
    assert elsewhere.get("/admin/users/").status_code == 302


def test_the_page_counts_open_sessions_and_the_end_is_audited(app, accounts):
    logged_in(app, accounts, "organiser"), logged_in(app, accounts, "organiser")
    admin = logged_in(app, accounts, "admin")
    user_id = accounts["organiser"][0]
    assert "2 offene Sitzungen" in admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    admin.post(f"/admin/users/{user_id}/sessions/end")
    assert "Alle Sitzungen beendet" in admin.get("/admin/log").get_data(as_text=True)


def test_a_login_past_its_absolute_lifetime_is_over_and_its_row_goes(app, accounts):
    client = logged_in(app, accounts, "organiser")
    lifetime = app.config["SESSION_ABSOLUTE_LIFETIME"]
    with _later(lifetime + 60):
        assert client.get("/events/").status_code == 302
        logged_in(app, accounts, "admin")  # a new login clears the expired rows
        with app.app_context():
            assert db.session.query(LoginSession).count() == 1


def _later(seconds):
    from datetime import datetime, timedelta, timezone

    return time_machine.travel(datetime.now(timezone.utc) + timedelta(seconds=seconds), tick=True)


def test_the_token_is_not_stored(app, accounts):
    client = logged_in(app, accounts, "organiser")
    with app.app_context():
        stored = db.session.query(LoginSession.token_hash).scalar()
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    token = serializer.loads(client.get_cookie("session").value)["_user_id"]
    assert stored != token and len(stored) == 64 and PASSWORD not in stored
