"""The audit log viewer and the administrators' user management (every change audited)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tracker.accounts.models import User
from tracker.audit.models import AuditEntry
from tracker.audit.services import record
from tracker.extensions import db

from .conftest import PHONE, check_axe, login, screenshot
from .factories import PASSWORD, make_event, make_user


def add_entry(event_id, action, actor, at, **details):
    entry = record(action, event_id=event_id, actor=actor, **details)
    entry.at = at
    return entry


@pytest.fixture
def logged(app):
    """Two events with entries, an organiser, door staff and an administrator."""
    berlin_noon = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
    with app.app_context():
        users = {role: make_user(role) for role in ("organiser", "door", "admin")}
        first, second = make_event("Infotag A"), make_event("Infotag B")
        add_entry(first.id, "invitees.imported", "Anna Berger", berlin_noon, added=120)
        add_entry(first.id, "invitations.sent", "Anna Berger", berlin_noon + timedelta(days=1), count=120)
        add_entry(first.id, "checkin.reverted", "Ben Kraus", berlin_noon + timedelta(days=2), checkin_id=7)
        add_entry(second.id, "invitees.imported", "Cleo Yilmaz", berlin_noon, added=5)
        db.session.commit()
        return {"first": first.id, "second": second.id, **users}


def rows(response) -> int:
    """Entries shown (table rows without the header row; no table at all when nothing matches)."""
    return max(response.get_data(as_text=True).count("<tr>") - 1, 0)


def test_organiser_sees_only_this_events_entries(client, logged):
    login(client, logged["organiser"])
    response = client.get(f"/events/{logged['first']}/log")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 Einträge" in page
    assert "Cleo Yilmaz" not in page
    assert "Protokoll" in page
    assert page.index("Check-in zurückgenommen") < page.index("Einladungsliste importiert"), "newest first"
    assert "invitations.sent" in page, "a code without a label is shown as it is"


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"action": "invitations.sent"}, 1),
        ({"actor": "anna"}, 2),
        ({"actor": "BEN"}, 1),
        ({"actor": "%"}, 0),
        ({"since": "2026-05-05"}, 2),
        ({"until": "2026-05-04"}, 1),
        ({"since": "2026-05-05", "until": "2026-05-05"}, 1),
    ],
)
def test_the_log_filters_by_action_actor_and_local_date(client, logged, query, expected):
    login(client, logged["organiser"])
    response = client.get(f"/events/{logged['first']}/log", query_string=query)
    assert response.status_code == 200
    assert rows(response) == expected


@pytest.mark.parametrize(
    "query, message",
    [
        ({"since": "4.5.2026"}, "Kein gültiges Datum"),
        ({"since": "2026-05-06", "until": "2026-05-04"}, "Das Enddatum darf nicht vor dem Startdatum liegen"),
        ({"action": "<script>alert(1)</script>"}, "Bitte wählen Sie eine Aktion aus der Liste"),
        ({"actor": "x" * 500}, "nicht länger als 200 Zeichen"),
    ],
)
def test_a_bad_filter_is_explained_in_german_and_shows_everything(client, logged, query, message):
    login(client, logged["organiser"])
    response = client.get(f"/events/{logged['first']}/log", query_string=query)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "<script>alert(1)</script>" not in page
    assert rows(response) == 3


def test_the_log_is_paginated(app_factory, backend):
    app = app_factory(PAGE_SIZE=2)
    with app.app_context():
        organiser = make_user("organiser")
        event = make_event()
        for number in range(5):
            record("export.downloaded", event_id=event.id, actor="Anna", number=number)
        db.session.commit()
    client = app.test_client()
    login(client, organiser)
    first = client.get(f"/events/{event.id}/log?actor=Anna")
    assert rows(first) == 2
    assert "Seite 1 von 3" in first.get_data(as_text=True)
    assert f"/events/{event.id}/log?page=2&amp;actor=Anna" in first.get_data(as_text=True)
    assert rows(client.get(f"/events/{event.id}/log?page=3&actor=Anna")) == 1
    beyond = client.get(f"/events/{event.id}/log?page=99&actor=Anna")
    assert rows(beyond) == 1 and "Seite 3 von 3" in beyond.get_data(as_text=True), "beyond the end: the last page"


def test_who_may_read_which_log(client, logged):
    assert client.get(f"/events/{logged['first']}/log").status_code == 302
    login(client, logged["door"])
    assert client.get(f"/events/{logged['first']}/log").status_code == 403
    assert client.get("/admin/log").status_code == 403
    client.post("/logout")
    login(client, logged["organiser"])
    assert client.get("/admin/log").status_code == 403
    assert client.get("/events/999999/log").status_code == 404
    client.post("/logout")
    login(client, logged["admin"])
    response = client.get("/admin/log")
    assert response.status_code == 200
    assert "4 Einträge" in response.get_data(as_text=True)
    assert "Infotag B" in response.get_data(as_text=True)


def audit_actions(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.action, e.actor) for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_administrator_creates_an_account_and_it_is_audited(app, client, logged):
    login(client, logged["admin"])
    response = client.post(
        "/admin/users/",
        data={"name": "Dora Door", "email": "dora@example.org", "role": "door", "password": "a-long-password"},
    )
    assert response.status_code == 302
    assert ("users.created", logged["admin"].name) in audit_actions(app)
    with app.app_context():
        dora = db.session.execute(select(User).where(User.email == "dora@example.org")).scalar_one()
        assert dora.role == "door"
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "users.created")).scalar_one()
        assert entry.details == {"account_id": dora.id, "role": "door"}
        assert entry.user_id == logged["admin"].id


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "X", "email": "ORGANISER{n}@example.org", "role": "door", "password": "a-long-password"}, "existiert bereits"),
        ({"name": "X", "email": "x@example.org", "role": "door", "password": "short"}, "zwischen 10 und 200 Zeichen"),
        ({"name": "X", "email": "not-an-address", "role": "door", "password": "a-long-password"}, "E-Mail"),
        ({"name": "X", "email": "x@example.org", "role": "superuser", "password": "a-long-password"}, "Keine gültige Auswahl"),
        ({"name": "", "email": "x@example.org", "role": "door", "password": "a-long-password"}, "Dieses Feld wird benötigt"),
    ],
)
def test_a_refused_account_changes_nothing(app, client, logged, data, message):
    login(client, logged["admin"])
    organiser_number = logged["organiser"].email.removeprefix("organiser").split("@")[0]
    data = {key: value.replace("{n}", organiser_number) for key, value in data.items()}
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/admin/users/", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert not [a for a, _ in audit_actions(app) if a.startswith("users.")]


def test_deactivating_an_account_ends_its_sessions_and_is_audited(app, logged):
    organiser_client, admin_client = app.test_client(), app.test_client()
    login(organiser_client, logged["organiser"])
    assert organiser_client.get("/events/").status_code == 200
    login(admin_client, logged["admin"])
    assert admin_client.post(f"/admin/users/{logged['organiser'].id}/active").status_code == 302
    assert organiser_client.get("/events/").status_code == 302
    response = organiser_client.post("/login", data={"email": logged["organiser"].email, "password": PASSWORD})
    assert response.status_code == 401
    assert admin_client.post(f"/admin/users/{logged['organiser'].id}/active").status_code == 302
    assert [a for a, _ in audit_actions(app) if a.startswith("users.")] == ["users.deactivated", "users.reactivated"]


def test_role_change_and_password_reset_take_effect_and_are_audited(app, client, logged):
    login(client, logged["admin"])
    target = logged["door"]
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "organiser"}).status_code == 302
    assert client.post(f"/admin/users/{target.id}/password", data={"password": "a-new-long-password"}).status_code == 302
    other = app.test_client()
    login(other, target, password="a-new-long-password")
    assert other.get("/events/").status_code == 200
    assert [a for a, _ in audit_actions(app) if a.startswith("users.")] == ["users.role_changed", "users.password_reset"]
    response = client.post(f"/admin/users/{target.id}/password", data={"password": "short"})
    assert response.status_code == 400
    assert "zwischen 10 und 200 Zeichen" in response.get_data(as_text=True)


def test_a_password_reset_ends_the_accounts_other_sessions(app, client, logged):
    organiser_client, second_admin_client = app.test_client(), app.test_client()
    login(organiser_client, logged["organiser"])
    login(second_admin_client, logged["admin"])
    login(client, logged["admin"])
    assert client.post(f"/admin/users/{logged['organiser'].id}/password", data={"password": "a-new-long-password"}).status_code == 302
    assert organiser_client.get("/events/").status_code == 302, "signed in with the old password: signed out"
    assert client.post(f"/admin/users/{logged['admin'].id}/password", data={"password": "another-long-password"}).status_code == 302
    assert client.get("/admin/users/").status_code == 200, "who reset their own password stays signed in"
    assert second_admin_client.get("/admin/users/").status_code == 302, "their other sessions end"


def test_an_administrator_cannot_lock_themselves_out(app, client, logged):
    login(client, logged["admin"])
    me = logged["admin"].id
    client.post(f"/admin/users/{me}/active")
    client.post(f"/admin/users/{me}/role", data={"role": "organiser"})
    page = client.get(f"/admin/users/{me}").get_data(as_text=True)
    assert page.count("Sie können sich den Administrationszugang nicht selbst entziehen.") == 2
    with app.app_context():
        admin = db.session.get(User, me)
        assert (admin.role, admin.active) == ("admin", True)
    assert not [a for a, _ in audit_actions(app) if a.startswith("users.")]


def test_user_pages_are_for_administrators_only(client, logged):
    login(client, logged["organiser"])
    for path in ("/admin/users/", f"/admin/users/{logged['door'].id}"):
        assert client.get(path).status_code == 403
    assert client.post(f"/admin/users/{logged['door'].id}/role", data={"role": "admin"}).status_code == 403


@pytest.mark.browser
def test_administrator_manages_accounts_in_the_browser(live_server, new_page):
    with live_server.app.app_context():
        admin = make_user("admin", email="it@muenchen.example", name="IT-Betrieb")
        event = make_event("Infotag Mobilität")
        record("invitees.imported", event_id=event.id, actor="Anna Berger", added=120, skipped=2)
        db.session.commit()
    for done, (name, options) in enumerate((("phone", PHONE), ("desktop", {})), start=1):
        page = new_page(**options)
        page.goto(live_server.url + "/login")
        page.get_by_label("E-Mail-Adresse").fill(admin.email)
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.get_by_role("link", name="Benutzer").click()
        check_axe(page, "users")
        page.get_by_label("Name").fill(f"Dora {name}")
        page.get_by_label("E-Mail-Adresse").fill(f"dora-{name}@muenchen.example")
        page.get_by_label("Rolle").select_option("door")
        page.get_by_label("Erstes Passwort").fill("a-long-password")
        page.get_by_role("button", name="Konto anlegen").click()
        assert "wurde angelegt" in page.get_by_role("status").first.inner_text()
        screenshot(page, f"trust-users-{name}")
        page.get_by_role("link", name=f"Dora {name}").click()
        page.get_by_role("button", name="Konto deaktivieren").click()
        check_axe(page, "user")
        page.get_by_role("link", name="Protokoll").first.click()
        page.get_by_label("Aktion").select_option(label="Benutzerkonto deaktiviert")
        page.get_by_role("button", name="Filtern").click()
        assert page.locator("tbody tr").count() == done
        check_axe(page, "global log")
        screenshot(page, f"trust-log-{name}")
        page.goto(live_server.url + f"/events/{event.id}/log")
        check_axe(page, "event log")
        screenshot(page, f"trust-event-log-{name}")


def test_every_recorded_action_has_a_label(app):
    """Each action code the code records (literal or built from a batch kind or an account change) has a label."""
    from pathlib import Path
    import re

    import tracker
    from tracker.audit.actions import ACTION_LABELS

    package = Path(tracker.__file__).parent
    source = "\n".join(path.read_text() for path in package.rglob("*.py"))
    codes = set(re.findall(r'record\(\s*"([a-z_]+\.[a-z_]+)"', source))
    codes |= set(re.findall(r'"(users\.[a-z_]+)"', (package / "accounts" / "admin.py").read_text()))
    codes |= {f"invitations.{kind}_batch_{step}" for kind in ("invitation", "reminder") for step in ("started", "finished")}
    assert len(codes) > 30
    assert codes == set(ACTION_LABELS)


def test_every_recorded_detail_has_a_label(app):
    """Each keyword the code records as a detail has a label; `**details` are checked where they are made."""
    import ast
    from pathlib import Path

    import tracker
    from tracker.audit.actions import DETAIL_LABELS

    package = Path(tracker.__file__).parent
    keys, spread = set(), []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record":
                keys |= {keyword.arg for keyword in node.keywords if keyword.arg}
                spread += [str(path.relative_to(package)) for keyword in node.keywords if keyword.arg is None]
    keys -= {"event_id", "actor"}
    assert len(keys) > 30
    assert keys <= set(DETAIL_LABELS), keys - set(DETAIL_LABELS)
    assert spread == ["privacy/services.py"], "only the privacy purge records a dict of its own (checked in its test)"


def test_details_are_shown_in_words(app, client, logged):
    """Keys, codes, field names, yes/no and times appear in German; a key of an older version as it is."""
    from tracker.audit.actions import SHOWN_TEXT_LENGTH

    with app.app_context():
        record("event.updated", event_id=logged["first"], actor="Anna Berger",
               changes={"title": ["Infotag", "Infotag 2027"], "livestream": [False, True],
                        "registration_deadline": [None, "2026-05-01T10:00:00+00:00"],
                        "agenda": ["", "Begrüßung " * 100], "venue": "Sitzungssaal"})
        record("invitee.updated", event_id=logged["first"], actor="Anna Berger", invitee_id=4, fields=["email", "group"])
        record("checkin.moved_to_hall", event_id=logged["first"], actor="Gerät Nord", before="confirmed/stream")
        db.session.commit()
    login(client, logged["organiser"])
    page = client.get(f"/events/{logged['first']}/log").get_data(as_text=True)
    assert "<dt>Änderungen</dt>" in page
    assert "Titel: Infotag → Infotag 2027" in page
    assert "Die Vorträge werden im Livestream übertragen: nein → ja" in page
    assert "Anmeldeschluss: – → 01.05.26, 12:00" in page, "in the event's zone"
    cut = ("Begrüßung " * 100)[: SHOWN_TEXT_LENGTH - 1].rstrip()
    assert f"Programm: – → {cut}…;" in page and len(cut) < 200, "long texts are cut"
    assert "Ort: Sitzungssaal" in page, "a value that is not a pair is shown as it is"
    assert "<dt>Geänderte Felder</dt><dd>E-Mail-Adresse, Gruppe</dd>" in page
    assert "<dt>Vorher</dt><dd>Livestream</dd>" in page
    assert "<dt>added</dt><dd>120</dd>" in page
