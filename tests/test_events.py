"""Events and groups in the organiser UI: list, create, edit, delete, seat quotas, roles, audit."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tracker.audit.models import AuditEntry
from tracker.events.models import Event, Group
from tracker.extensions import db

from .conftest import login
from .factories import make_event, make_group, make_invitee, make_registration, make_user

VALID = {
    "title": "2. Infotag Digitalisierung",
    "description": "Vorträge und Diskussion",
    "agenda": "09:30 Begrüßung",
    "starts_at": "2027-01-17T09:30",
    "ends_at": "2027-01-17T13:00",
    "venue": "Sitzungssaal, Rathaus",
    "hall_capacity": "150",
    "registration_opens_at": "2026-12-01T08:00",
    "registration_deadline": "2027-01-10T23:59",
    "quota_release_at": "2027-01-12T12:00",
    "self_registration": "y",
    "self_registration_domains": "@Muenchen.de, stadtwerke-muenchen.de",
    "livestream": "y",
    "stream_kind": "iframe",
    "stream_url": "https://stream.example.org/embed/2",
    "recording_url": "",
    "online_threshold_minutes": "10",
}


@pytest.fixture
def organiser(app, client):
    with app.app_context():
        user = make_user("organiser")
        db.session.commit()
    login(client, user)
    return user


def audit_actions(app):
    with app.app_context():
        return [entry.action for entry in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def test_list_links_each_event_and_splits_upcoming_from_past(app, client, organiser):
    with app.app_context():
        coming = make_event("Kommender Infotag")
        gone = make_event("Vergangener Infotag", starts_in=timedelta(days=-30))
        db.session.commit()
    page = client.get("/events/").get_data(as_text=True)
    assert f'href="/events/{coming.id}"' in page and f'href="/events/{gone.id}"' in page
    upcoming_part, past_part = page.split("<h2>Vergangene Veranstaltungen</h2>")
    assert "Kommender Infotag" in upcoming_part and "Vergangener Infotag" in past_part


def test_create_event_stores_berlin_times_as_utc(app, client, organiser):
    response = client.post("/events/new", data=VALID)
    assert response.status_code == 302
    with app.app_context():
        event = db.session.execute(select(Event)).scalar_one()
        assert event.starts_at == datetime(2027, 1, 17, 8, 30, tzinfo=timezone.utc)  # CET = UTC+1
        assert event.registration_opens_at == datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)
        assert event.self_registration_domains == "muenchen.de, stadtwerke-muenchen.de"
        assert event.allowed_domains == ["muenchen.de", "stadtwerke-muenchen.de"]
        assert event.recording_url is None and event.timezone == "Europe/Berlin"
    assert response.headers["Location"] == f"/events/{event.id}/groups"
    assert audit_actions(app) == ["event.created"]


def test_summer_time_is_converted_too(app, client, organiser):
    data = VALID | {"starts_at": "2027-07-01T10:00", "ends_at": "2027-07-01T12:00", "registration_opens_at": "",
                    "registration_deadline": "", "quota_release_at": ""}
    assert client.post("/events/new", data=data).status_code == 302
    with app.app_context():
        assert db.session.execute(select(Event.starts_at)).scalar_one() == datetime(2027, 7, 1, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"ends_at": "2027-01-17T09:00"}, "Das Ende muss nach dem Beginn liegen."),
        ({"registration_deadline": "2027-01-17T10:00"}, "Der Anmeldeschluss muss vor dem Beginn liegen."),
        ({"hall_capacity": "-1"}, "Seats in the hall"),
        ({"stream_url": "http://stream.example.org/x"}, "Geben Sie eine vollständige Adresse ein, die mit https:// beginnt."),
        ({"stream_url": "javascript:alert(1)"}, "mit https:// beginnt"),
        ({"recording_url": "ftp://example.org/x"}, "mit https:// beginnt"),
        ({"online_threshold_minutes": "0"}, "Minuten"),
        ({"self_registration_domains": "muenchen..de, gut.de"}, "Keine gültige Domain: muenchen..de"),
        ({"self_registration_domains": ""}, "Nennen Sie mindestens eine Domain"),
        ({"title": "  "}, "Titel"),
        ({"starts_at": "17.01.2027"}, "Beginn"),
        ({"registration_opens_at": "2027-01-11T08:00"}, "Die Anmeldung muss vor dem Anmeldeschluss öffnen."),
        ({"quota_release_at": "2027-01-18T08:00"}, "spätestens zum Beginn"),
        ({"public_stream": "y", "stream_url": ""}, "Ein öffentlicher Livestream braucht"),
    ],
)
def test_invalid_event_is_refused_with_a_german_reason(app, client, organiser, changes, message):
    response = client.post("/events/new", data=VALID | changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bitte korrigieren Sie" in page
    assert message.replace("Seats in the hall", "Plätze im Saal") in page
    with app.app_context():
        assert db.session.execute(select(Event)).first() is None


def test_loopback_http_stream_is_allowed_for_tests(app, client, organiser):
    assert client.post("/events/new", data=VALID | {"stream_url": "http://127.0.0.1:8080/live.m3u8"}).status_code == 302


def test_edit_form_shows_local_times_and_saves_changes(app, client, organiser):
    with app.app_context():
        event = make_event(starts_at=datetime(2027, 1, 17, 8, 30, tzinfo=timezone.utc),
                           ends_at=datetime(2027, 1, 17, 12, 0, tzinfo=timezone.utc))
        db.session.commit()
    page = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2027-01-17T09:30"' in page
    response = client.post(f"/events/{event.id}/edit", data=VALID | {"title": "Neuer Titel", "hall_capacity": "140"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Event, event.id).title == "Neuer Titel"
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "event.updated")).scalar_one()
        assert entry.details["changes"]["title"][1] == "Neuer Titel"


def test_delete_needs_confirmation_and_removes_everything(app, client, organiser):
    with app.app_context():
        event = make_event()
        group = make_group(event, "Stadtrat", 10)
        make_registration(make_invitee(event, group=group))
        db.session.commit()
    confirm = client.get(f"/events/{event.id}/delete")
    assert "Wollen Sie" in confirm.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Event, event.id) is not None
    assert client.post(f"/events/{event.id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Event, event.id) is None
        assert db.session.execute(select(Group)).first() is None
    assert "event.deleted" in audit_actions(app)


def test_overview_has_the_german_tabs_and_berlin_times(app, client, organiser):
    with app.app_context():
        event = make_event(starts_at=datetime(2027, 1, 17, 8, 30, tzinfo=timezone.utc),
                           ends_at=datetime(2027, 1, 17, 12, 0, tzinfo=timezone.utc))
        db.session.commit()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Sonntag, 17. Januar 2027, 09:30" in page and "Sonntag, 17. Januar 2027, 13:00" in page
    assert "Übersicht" in page and "Gruppen" in page and "Eingeladene" in page
    assert page.index("Übersicht") < page.index("Gruppen") < page.index("Eingeladene")


def test_unknown_event_is_404(client, organiser):
    assert client.get("/events/999").status_code == 404
    assert client.get("/events/999/groups").status_code == 404


def test_groups_are_added_edited_and_deleted(app, client, organiser):
    with app.app_context():
        event = make_event(hall_capacity=150)
        db.session.commit()
    data = {"name": "Stadtrat", "reserved_seats": "40", "waiting_priority": "3", "position": "1"}
    assert client.post(f"/events/{event.id}/groups", data=data).status_code == 302
    assert client.post(f"/events/{event.id}/groups", data={"name": "Beschäftigte", "waiting_priority": "0", "position": "3"}).status_code == 302
    with app.app_context():
        council = db.session.execute(select(Group).where(Group.name == "Stadtrat")).scalar_one()
        staff = db.session.execute(select(Group).where(Group.name == "Beschäftigte")).scalar_one()
        assert (council.reserved_seats, council.waiting_priority, staff.reserved_seats) == (40, 3, None)
    page = client.get(f"/events/{event.id}/groups").get_data(as_text=True)
    assert "150 Plätze im Saal: 40 für Gruppen reserviert, 110 für alle frei; reservierte Plätze werden für ihre " \
           "Gruppe freigehalten (es ist keine Freigabe festgelegt)" in page
    response = client.post(f"/events/{event.id}/groups/{council.id}/edit", data=data | {"reserved_seats": "50"})
    assert response.status_code == 302
    assert "Wollen" not in client.get(f"/events/{event.id}/groups/{staff.id}/delete").get_data(as_text=True)
    assert client.post(f"/events/{event.id}/groups/{staff.id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Group, council.id).reserved_seats == 50
        assert db.session.get(Group, staff.id) is None
    assert audit_actions(app) == ["group.created", "group.created", "group.updated", "group.deleted"]


def test_deleting_a_group_keeps_its_invitees(app, client, organiser):
    with app.app_context():
        event = make_event()
        group = make_group(event, "Speaker", 6)
        invitee = make_invitee(event, group=group)
        db.session.commit()
    assert "1 eingeladene Person gehört" in client.get(f"/events/{event.id}/groups/{group.id}/delete").get_data(as_text=True)
    client.post(f"/events/{event.id}/groups/{group.id}/delete")
    with app.app_context():
        from tracker.invitees.models import Invitee

        assert db.session.get(Invitee, invitee.id).group_id is None


def test_group_quotas_may_not_exceed_the_hall(app, client, organiser):
    with app.app_context():
        event = make_event(hall_capacity=100)
        make_group(event, "Stadtrat", 80)
        db.session.commit()
    response = client.post(f"/events/{event.id}/groups", data={"name": "Speaker", "reserved_seats": "21", "waiting_priority": "0", "position": "0"})
    assert response.status_code == 422
    assert "Die Gruppen reservieren 101 Plätze, aber der Saal hat nur 100." in response.get_data(as_text=True)
    ok = client.post(f"/events/{event.id}/groups", data={"name": "Speaker", "reserved_seats": "20", "waiting_priority": "0", "position": "0"})
    assert ok.status_code == 302


def test_group_name_is_unique_per_event_regardless_of_case(app, client, organiser):
    with app.app_context():
        event = make_event()
        make_group(event, "Stadtrat", 10)
        db.session.commit()
    response = client.post(f"/events/{event.id}/groups", data={"name": "stadtrat", "waiting_priority": "0", "position": "0"})
    assert response.status_code == 422
    assert "gibt es bereits eine Gruppe" in response.get_data(as_text=True)


def test_lowering_the_capacity_below_the_quotas_is_refused(app, client, organiser):
    with app.app_context():
        event = make_event(hall_capacity=150)
        make_group(event, "Stadtrat", 60)
        make_group(event, "Referats- und Betriebsleitungen", 40)
        db.session.commit()
    response = client.post(f"/events/{event.id}/edit", data=VALID | {"hall_capacity": "99"})
    assert response.status_code == 422
    assert "Die Gruppen reservieren 100 Plätze, aber der Saal hat nur 99." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Event, event.id).hall_capacity == 150
    assert client.post(f"/events/{event.id}/edit", data=VALID | {"hall_capacity": "100"}).status_code == 302


def test_capacity_cannot_drop_below_confirmed_hall_seats(app, client, organiser):
    with app.app_context():
        event = make_event(hall_capacity=10)
        for _ in range(3):
            make_registration(make_invitee(event))
        db.session.commit()
    response = client.post(f"/events/{event.id}/edit", data=VALID | {"hall_capacity": "2"})
    assert response.status_code == 422
    assert "3 Personen haben bereits einen Platz im Saal" in response.get_data(as_text=True)


def test_concurrent_group_additions_never_overbook_the_hall(app_factory):
    """Two workers add a group each; both fit alone, together they would exceed the hall: one is refused."""
    first, second = app_factory(), app_factory()
    with first.app_context():
        user = make_user("organiser")
        event = make_event(hall_capacity=100)
        db.session.commit()
    clients = [first.test_client(), second.test_client()]
    for client in clients:
        login(client, user)
    barrier = threading.Barrier(2)
    statuses = []

    def add(client, name):
        barrier.wait()
        response = client.post(f"/events/{event.id}/groups", data={"name": name, "reserved_seats": "60", "waiting_priority": "0", "position": "0"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=add, args=(c, n)) for c, n in zip(clients, ("A", "B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [302, 422]
    with first.app_context():
        assert db.session.execute(select(Group)).scalar_one().reserved_seats == 60


ORGANISER_PAGES = ["/events/", "/events/new", "/events/{id}", "/events/{id}/edit", "/events/{id}/delete",
                   "/events/{id}/groups", "/events/{id}/groups/{group}/edit", "/events/{id}/groups/{group}/delete"]
GET_ONLY = {"/events/", "/events/{id}"}


@pytest.fixture
def event_and_group(app):
    with app.app_context():
        event = make_event()
        group = make_group(event, "Stadtrat", 5)
        db.session.commit()
    return event, group


@pytest.mark.parametrize("path", ORGANISER_PAGES)
def test_door_staff_gets_403_and_anonymous_goes_to_login(app, client, event_and_group, path):
    event, group = event_and_group
    url = path.format(id=event.id, group=group.id)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.headers["Location"]
    accepts_post = path not in GET_ONLY
    if accepts_post:
        assert client.post(url).status_code == 302
    with app.app_context():
        door = make_user("door")
        db.session.commit()
    login(client, door)
    assert client.get(url).status_code == 403
    if accepts_post:
        assert client.post(url).status_code == 403
    with app.app_context():
        assert db.session.get(Event, event.id) is not None and db.session.get(Group, group.id) is not None
