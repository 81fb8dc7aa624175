"""The organiser's Einlass tab and the door pages: doors, devices, door staff, reverting, exits, access."""
from sqlalchemy import select

from tracker.audit.models import AuditEntry
from tracker.checkin.devices import create_door, start_pairing
from tracker.checkin.models import CheckIn, Door, DoorDevice
from tracker.events.models import Event
from tracker.extensions import db

from .conftest import login
from .factories import make_event, make_invitee, make_registration, make_user


def _event_and_organiser(app):
    with app.app_context():
        organiser = make_user("organiser")
        event = make_event(title="Infotag Digitalisierung")
        staff = make_user("door", name="Dora Door")
        db.session.commit()
        return event.id, organiser, staff


def test_organiser_adds_doors_pairs_and_revokes_devices(app, client):
    event_id, organiser, _ = _event_and_organiser(app)
    login(client, organiser)
    page = client.get(f"/events/{event_id}/checkin").get_data(as_text=True)
    assert "Einlass" in page and "noch keine Eingänge" in page
    assert client.post(f"/events/{event_id}/checkin/doors", data={"name": "Eingang Nord"}).status_code == 302
    twice = client.post(f"/events/{event_id}/checkin/doors", data={"name": "eingang nord"})
    assert twice.status_code == 400 and "schon einen Eingang mit diesem Namen" in twice.get_data(as_text=True)
    empty = client.post(f"/events/{event_id}/checkin/doors", data={"name": ""})
    assert empty.status_code == 400
    with app.app_context():
        door_id = db.session.execute(select(Door.id)).scalar_one()
    no_label = client.post(f"/events/{event_id}/checkin/doors/{door_id}/devices", data={"label": ""})
    assert no_label.status_code == 302
    pairing = client.post(f"/events/{event_id}/checkin/doors/{door_id}/devices", data={"label": "Tablet 2"})
    html = pairing.get_data(as_text=True)
    assert pairing.status_code == 200 and "<svg" in html and "/door/pair/" in html
    with app.app_context():
        device = db.session.execute(select(DoorDevice)).scalar_one()
        assert device.pairing_hash and device.credential_hash is None
    revoke = client.post(f"/events/{event_id}/checkin/devices/{device.id}/revoke")
    assert revoke.status_code == 302
    with app.app_context():
        device = db.session.get(DoorDevice, device.id)
        assert device.revoked_at and device.pairing_hash is None
        actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
        assert actions == ["checkin.door_created", "checkin.pairing_started", "checkin.device_revoked"]


def test_door_staff_reach_only_their_own_events(app, client):
    event_id, organiser, staff = _event_and_organiser(app)
    with app.app_context():
        event = db.session.get(Event, event_id)
        door = create_door(event, "Eingang Nord")
        other_door = create_door(make_event(title="Infotag Mobilität"), "Haupteingang")
        db.session.commit()
        door_id, other_door_id = door.id, other_door.id
    login(client, organiser)
    assert client.post(f"/events/{event_id}/checkin/staff", data={"user_id": staff.id}).status_code == 302
    assert "Dora Door" in client.get(f"/events/{event_id}/checkin").get_data(as_text=True)

    door_client = app.test_client()
    login(door_client, staff)
    landing = door_client.get("/door").get_data(as_text=True)
    assert "Eingang wählen" in landing and f"/door/{door_id}/scan" in landing and "Haupteingang" not in landing
    assert door_client.get(f"/door/{door_id}/scan").status_code == 200
    assert door_client.get(f"/door/{other_door_id}/scan").status_code == 403
    assert door_client.get(f"/events/{event_id}/checkin").status_code == 403

    assert client.post(f"/events/{event_id}/checkin/staff/{staff.id}/remove").status_code == 302
    assert door_client.get(f"/door/{door_id}/scan").status_code == 403
    assert "noch keiner Veranstaltung zugeordnet" in door_client.get("/door").get_data(as_text=True)


def test_paired_device_lands_on_its_scanner_and_anonymous_visitors_log_in(app):
    event_id, _, _ = _event_and_organiser(app)
    with app.app_context():
        door = create_door(db.session.get(Event, event_id), "Eingang Nord")
        _, code = start_pairing(door, "Handy")
        db.session.commit()
        door_id = door.id
    anonymous = app.test_client()
    assert anonymous.get("/door").headers["Location"].startswith("/login")
    assert anonymous.get(f"/door/{door_id}/scan").headers["Location"].startswith("/login")
    assert anonymous.get("/door/pair/not-a-code").status_code == 404
    device = app.test_client()
    device.post(f"/door/pair/{code}")
    assert device.get("/door").headers["Location"] == f"/door/{door_id}/scan"
    page = device.get(f"/door/{door_id}/scan").get_data(as_text=True)
    assert 'id="scan-code"' in page and "<script>" not in page and "style=" not in page


def test_organiser_reverts_a_check_in_and_switches_exit_scans_on(app, client):
    event_id, organiser, _ = _event_and_organiser(app)
    with app.app_context():
        event = db.session.get(Event, event_id)
        door = create_door(event, "Eingang Nord")
        registration = make_registration(make_invitee(event, name="Erika Mustermann"))
        checkin = CheckIn(event_id=event.id, registration_id=registration.id, door=door)
        db.session.add(checkin)
        db.session.commit()
        checkin_id = checkin.id
    login(client, organiser)
    page = client.get(f"/events/{event_id}/checkin").get_data(as_text=True)
    assert "Erika Mustermann" in page and "1 / 130" in page
    assert client.post(f"/events/{event_id}/checkin/checkins/{checkin_id}/revert").status_code == 302
    assert client.post(f"/events/{event_id}/checkin/checkins/999/revert").status_code == 404
    assert client.post(f"/events/{event_id}/checkin/checkout", data={"checkout_enabled": "y"}).status_code == 302
    page = client.get(f"/events/{event_id}/checkin").get_data(as_text=True)
    assert "0 / 130" in page and "Zurückgenommen" in page and "Jetzt im Saal" in page
    with app.app_context():
        assert db.session.get(CheckIn, checkin_id).reverted_by_id == organiser.id
        assert db.session.get(Event, event_id).checkout_enabled
        actions = set(db.session.execute(select(AuditEntry.action)).scalars())
        assert {"checkin.reverted", "checkin.checkout_setting"} <= actions
