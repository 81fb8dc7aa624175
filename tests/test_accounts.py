"""Accounts, login, roles and the users CLI."""
from sqlalchemy import select

from tracker.accounts.models import User
from tracker.extensions import db

from .conftest import login
from .factories import PASSWORD, make_user


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/events/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_organiser_logs_in_and_out(app, client):
    with app.app_context():
        user = make_user("organiser")
        db.session.commit()
    login(client, user)
    assert client.get("/events/").status_code == 200
    client.post("/logout")
    assert client.get("/events/").status_code == 302


def test_door_staff_gets_403_on_organiser_pages(app, client):
    with app.app_context():
        user = make_user("door")
        db.session.commit()
    response = login(client, user)
    assert response.headers["Location"].endswith("/door")
    assert client.get("/events/").status_code == 403


def test_wrong_password_is_refused_in_german(app, client):
    with app.app_context():
        user = make_user("organiser")
        db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch" in response.get_data(as_text=True)


def test_every_failure_reads_the_same_and_costs_the_same(app, client):
    """Unknown address, deactivated account, wrong password: one message, one status, and about the same time
    (a hash check each), so the login form tells nobody which addresses have an account."""
    import statistics
    import time

    with app.app_context():
        user = make_user("organiser")
        inactive = make_user("organiser")
        inactive.active = False
        db.session.commit()
    attempts = {"wrong password": user.email, "deactivated": inactive.email, "unknown": "niemand@muenchen.example"}
    durations = {kind: [] for kind in attempts}
    for _ in range(7):  # the kinds take turns, so a busy machine slows each of them alike
        for kind, email in attempts.items():
            started = time.perf_counter()
            response = client.post("/login", data={"email": email, "password": "falsch-falsch"})
            durations[kind].append(time.perf_counter() - started)
            assert response.status_code == 401
            assert "E-Mail-Adresse oder Passwort ist falsch" in response.get_data(as_text=True)
    timings = {kind: statistics.median(values) for kind, values in durations.items()}
    fastest, slowest = min(timings.values()), max(timings.values())
    assert slowest < 2 * fastest, timings


def test_login_ignores_email_case(app, client):
    with app.app_context():
        user = make_user("organiser", email="Anna.Berger@Muenchen.example")
        db.session.commit()
    response = client.post("/login", data={"email": "anna.berger@muenchen.example", "password": PASSWORD})
    assert response.status_code == 302


def test_login_never_redirects_to_another_site(app, client):
    with app.app_context():
        user = make_user("organiser")
        db.session.commit()
    response = client.post("/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/events/"


def test_passwords_are_hashed(app):
    with app.app_context():
        user = make_user("organiser")
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith("scrypt:")


def test_cli_creates_the_first_organiser(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "orga@example.org", "--name", "Orga", "--password", "a-long-password"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(select(User)).scalar_one()
        assert (user.email, user.role) == ("orga@example.org", "organiser")


def test_cli_refuses_short_password_and_duplicates(app, runner):
    args = ["users", "create", "--email", "o@example.org", "--name", "O"]
    assert runner.invoke(args=args + ["--password", "short"]).exit_code != 0
    assert runner.invoke(args=args + ["--password", "a-long-password"]).exit_code == 0
    result = runner.invoke(args=["users", "create", "--email", "O@EXAMPLE.org", "--name", "O", "--password", "a-long-password"])
    assert result.exit_code != 0
    assert "exists already" in result.output


def test_csrf_is_enforced_on_forms(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400
    assert "Formular ist abgelaufen" in response.get_data(as_text=True)


def test_language_switch_to_english(client):
    client.get("/lang/en?next=/login")
    assert "Log in" in client.get("/login").get_data(as_text=True)
    client.get("/lang/de?next=/login")
    assert "Anmelden" in client.get("/login").get_data(as_text=True)


def test_signed_in_account_sees_its_own_language(app, client):
    with app.app_context():
        user = make_user("organiser")
        user.language = "en"
        db.session.commit()
    assert "Anmelden" in client.get("/login").get_data(as_text=True)
    login(client, user)
    assert "Log out" in client.get("/events/").get_data(as_text=True)


def test_unknown_page_is_a_friendly_german_404(client):
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "Diese Seite gibt es nicht" in response.get_data(as_text=True)
