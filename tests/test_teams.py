"""Event teams: only the team sees an event (managers everything, readers the figures), the Team tab, the audit."""
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.audit.models import AuditEntry
from tracker.events.models import Event
from tracker.events.teams import EventTeamMember
from tracker.extensions import db

from .conftest import login
from .factories import join_team, make_event, make_invitee, make_user
from .test_events import VALID


@dataclass
class Office:
    event_id: int
    other_id: int
    users: dict


@pytest.fixture
def office(app):
    """Event A managed by "manager" and read by "reader"; event B managed by "outsider"; an administrator."""
    with app.app_context():
        users = {name: make_user("admin" if name == "admin" else "organiser", name=name.title())
                 for name in ("manager", "reader", "outsider", "colleague", "admin")}
        users["door"] = make_user("door")
        event = make_event("Infotag A", starts_in=timedelta(hours=-1), team=[users["manager"]])
        join_team(event, users["reader"], "reader")
        make_invitee(event, name="Anna Gast")
        other = make_event("Infotag B", team=[users["outsider"]])
        db.session.commit()
        return Office(event.id, other.id, users)


def client_of(app, user):
    client = app.test_client()
    login(client, user)
    return client


def team_of(event_id: int) -> list[tuple[int, str]]:
    return db.session.execute(
        select(EventTeamMember.user_id, EventTeamMember.role).where(EventTeamMember.event_id == event_id)
    ).all()


READABLE = ("dashboard", "dashboard/figures", "report", "report.pdf", "exports/attendance.csv",
            "exports/attendance.xlsx", "exports/figures.json")
MANAGED = ("", "edit", "groups", "invitees/", "invitations", "registration", "checkin", "log", "team", "copy", "delete")


def test_outsiders_get_404_on_every_page_export_report_and_live_figures(app, office):
    client = client_of(app, office.users["outsider"])
    for path in READABLE + MANAGED:
        url = f"/events/{office.event_id}/{path}" if path else f"/events/{office.event_id}"
        assert client.get(url).status_code == 404, url
    assert client.post(f"/events/{office.event_id}/team", data={"email": "x@example.org"}).status_code == 404
    assert client.get(f"/events/{office.other_id}").status_code == 200


def test_readers_read_the_figures_but_change_nothing(app, office):
    client = client_of(app, office.users["reader"])
    for path in READABLE:
        assert client.get(f"/events/{office.event_id}/{path}").status_code == 200, path
    for path in MANAGED:
        url = f"/events/{office.event_id}/{path}" if path else f"/events/{office.event_id}"
        assert client.get(url).status_code == 403, url
    response = client.post(f"/events/{office.event_id}/team", data={"email": office.users["colleague"].email,
                                                                      "role": "manager"})
    assert response.status_code == 403
    page = client.get(f"/events/{office.event_id}/dashboard").get_data(as_text=True)
    assert f'href="/events/{office.event_id}/report"' in page
    assert f'href="/events/{office.event_id}/groups"' not in page, "the tabs show only what readers may open"
    assert f"/events/{office.event_id}/copy" not in client.get(f"/events/{office.event_id}/report").get_data(as_text=True)


def test_the_events_list_and_the_series_show_only_the_users_events(app, office):
    manager = client_of(app, office.users["manager"]).get("/events/").get_data(as_text=True)
    assert "Infotag A" in manager and "Infotag B" not in manager
    reader = client_of(app, office.users["reader"]).get("/events/").get_data(as_text=True)
    assert f'href="/events/{office.event_id}/dashboard">Infotag A' in reader, "readers are led to the dashboard"
    colleague = client_of(app, office.users["colleague"])
    page = colleague.get("/events/").get_data(as_text=True)
    assert "Infotag A" not in page and "Infotag B" not in page
    series = client_of(app, office.users["outsider"]).get("/events/series").get_data(as_text=True)
    assert "Infotag B" in series and "Infotag A" not in series
    reader_series = client_of(app, office.users["reader"]).get("/events/series").get_data(as_text=True)
    assert "Infotag A" in reader_series and f"/events/{office.event_id}/copy" not in reader_series


def test_administrators_see_and_manage_every_event(app, office):
    client = client_of(app, office.users["admin"])
    page = client.get("/events/").get_data(as_text=True)
    assert "Infotag A" in page and "Infotag B" in page
    for path in ("", "/edit", "/team", "/dashboard"):
        assert client.get(f"/events/{office.other_id}{path}").status_code == 200, path


def test_managers_add_change_and_remove_members_and_every_change_is_audited(app, office):
    client = client_of(app, office.users["manager"])
    colleague = office.users["colleague"]
    response = client.post(f"/events/{office.event_id}/team", data={"email": colleague.email.upper(), "role": "reader"})
    assert response.status_code == 302
    page = client.get(f"/events/{office.event_id}/team").get_data(as_text=True)
    assert "Colleague ist jetzt im Team." in page and "Lesezugriff" in page
    assert client_of(app, colleague).get(f"/events/{office.event_id}/dashboard").status_code == 200
    response = client.post(f"/events/{office.event_id}/team/{colleague.id}/role",
                           data={f"member-{colleague.id}-role": "manager"})
    assert response.status_code == 302
    assert client_of(app, colleague).get(f"/events/{office.event_id}/edit").status_code == 200
    assert client.post(f"/events/{office.event_id}/team/{colleague.id}/remove").status_code == 302
    assert client_of(app, colleague).get(f"/events/{office.event_id}/dashboard").status_code == 404
    with app.app_context():
        entries = db.session.execute(
            select(AuditEntry).where(AuditEntry.action.like("team.%")).order_by(AuditEntry.id)
        ).scalars().all()
        assert [(e.action, e.event_id, e.actor) for e in entries] == [
            ("team.member_added", office.event_id, "Manager"),
            ("team.role_changed", office.event_id, "Manager"),
            ("team.member_removed", office.event_id, "Manager"),
        ]
        assert entries[1].details == {"member_user_id": colleague.id, "team_role": "manager",
                                      "previous_team_role": "reader"}
    log = client.get(f"/events/{office.event_id}/log").get_data(as_text=True)
    assert "Teammitglied hinzugefügt" in log and "Rolle im Team geändert" in log


@pytest.mark.parametrize("email, message", [
    ("niemand@example.org", "Zu dieser E-Mail-Adresse gibt es kein aktives Konto für Veranstalter*innen."),
    ("door", "Zu dieser E-Mail-Adresse gibt es kein aktives Konto für Veranstalter*innen."),
    ("reader", "Reader gehört schon zum Team."),
])
def test_unknown_door_staff_and_present_accounts_are_refused_in_german(app, office, email, message):
    client = client_of(app, office.users["manager"])
    address = office.users[email].email if email in office.users else email
    response = client.post(f"/events/{office.event_id}/team", data={"email": address, "role": "manager"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_last_manager_can_be_neither_removed_nor_made_a_reader(app, office):
    client = client_of(app, office.users["manager"])
    manager_id = office.users["manager"].id
    page = client.post(f"/events/{office.event_id}/team/{manager_id}/remove", follow_redirects=True)
    assert "Die Veranstaltung braucht mindestens eine Person, die sie verwaltet." in page.get_data(as_text=True)
    page = client.post(f"/events/{office.event_id}/team/{manager_id}/role",
                       data={f"member-{manager_id}-role": "reader"}, follow_redirects=True)
    assert "Die Veranstaltung braucht mindestens eine Person, die sie verwaltet." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(EventTeamMember.role).where(
            EventTeamMember.user_id == manager_id)).scalar_one() == "manager"
    assert client.post(f"/events/{office.event_id}/team/{office.users['outsider'].id}/remove").status_code == 404


def test_the_creator_manages_a_new_event_and_a_copy(app, office):
    client = client_of(app, office.users["colleague"])
    response = client.post("/events/new", data={**VALID, "title": "Infotag C"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        created = db.session.execute(select(Event).where(Event.title == "Infotag C")).scalar_one()
        assert team_of(created.id) == [(office.users["colleague"].id, "manager")]
    assert client.get(f"/events/{created.id}/team").status_code == 200
    assert client_of(app, office.users["manager"]).get(f"/events/{created.id}").status_code == 404
    manager = client_of(app, office.users["manager"])
    response = manager.post(f"/events/{office.event_id}/copy", data={
        "title": "Infotag A, zweiter Teil", "starts_at": "2027-02-01T09:00", "ends_at": "2027-02-01T12:00"})
    assert response.status_code == 302
    with app.app_context():
        copy = db.session.execute(select(Event).where(Event.title == "Infotag A, zweiter Teil")).scalar_one()
        assert team_of(copy.id) == [(office.users["manager"].id, "manager")]
    assert client.post(f"/events/{office.event_id}/copy", data={
        "title": "Fremde Kopie", "starts_at": "2027-02-01T09:00", "ends_at": "2027-02-01T12:00"}).status_code == 404


def test_organisers_scan_only_at_the_events_they_manage(app, office):
    from tracker.checkin.devices import create_door

    with app.app_context():
        door = create_door(db.session.get(Event, office.event_id), "Eingang Nord")
        db.session.commit()
        door_id = door.id
    headers = {"X-Tracker-Scanner": "1"}
    for name, status in (("manager", 200), ("reader", 403), ("outsider", 404)):  # to outsiders the door does not exist
        client = client_of(app, office.users[name])
        assert client.get(f"/door/{door_id}/scan").status_code == status, name
        assert client.get(f"/api/checkin/counts?door={door_id}", headers=headers).status_code == status, name
    home = client_of(app, office.users["outsider"]).get("/door").get_data(as_text=True)
    assert "Eingang Nord" not in home


def test_the_demo_organiser_manages_the_demo_events(app):
    from tracker.accounts.services import find_user
    from tracker.demo.services import DEMO_ACCOUNTS, load_demo

    with app.app_context():
        events = [event.id for event in load_demo()]
        db.session.commit()
        organiser = find_user(DEMO_ACCOUNTS[0].email)
    client = app.test_client()
    login(client, organiser, DEMO_ACCOUNTS[0].password)
    for event_id in events:
        assert client.get(f"/events/{event_id}/team").status_code == 200


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_makes_each_known_creator_the_manager_of_their_event(kind, tmp_path):
    """Existing events: the creator named by the audit log, if still an active organiser; else no team."""
    from flask_migrate import downgrade, upgrade

    from tracker import create_app
    from tracker.audit.models import AuditEntry

    from .conftest import POSTGRES_URL, Backend, base_config

    if kind == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set TRACKER_TEST_POSTGRES_URL")
    database = Backend(kind, tmp_path)
    app = create_app(base_config(database.url if kind == "postgresql" else f"sqlite:///{database.template}", tmp_path))
    try:
        with app.app_context():
            downgrade(revision="b8d4f0e2a3c5")
            creator, gone_to_the_door = make_user(office=False), make_user(office=False)
            gone_to_the_door.role = "door"
            made, copied, by_the_door, by_nobody = (make_event(title, team=[]) for title in "ABCD")
            for event, user, action in ((made, creator, "event.created"), (copied, creator, "event.copied"),
                                        (by_the_door, gone_to_the_door, "event.created"), (by_nobody, None, "event.created")):
                db.session.add(AuditEntry(action=action, event_id=event.id, user_id=user and user.id, actor="x"))
            db.session.commit()
            ids = made.id, copied.id, creator.id
            db.session.remove()
            upgrade()
            rows = db.session.execute(select(EventTeamMember.event_id, EventTeamMember.user_id, EventTeamMember.role)
                                      .order_by(EventTeamMember.event_id)).all()
            assert rows == [(ids[0], ids[2], "manager"), (ids[1], ids[2], "manager")]
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop()
