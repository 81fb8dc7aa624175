"""The check-in API: every verdict, retries with the same nonce, bad bodies, access, undo, walk-ins, exits."""
import json
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker.accounts.models import User
from tracker.audit.models import AuditEntry
from tracker.checkin.corrections import revert_checkin
from tracker.checkin.devices import CREDENTIAL_COOKIE, create_door, revoke_device, sha256, start_pairing
from tracker.checkin.door_read import hall_counts
from tracker.checkin.models import CheckIn, Door, DoorDevice, ScanAttempt
from tracker.checkin.staff import assign_staff
from tracker.database import utcnow
from tracker.extensions import db
from tracker.registration.models import Registration

from .conftest import login
from .factories import make_event, make_group, make_invitee, make_registration, make_user

HEADERS = {"X-Tracker-Scanner": "1"}
_nonces = iter(range(10**6))


def nonce() -> str:
    return f"nonce-{next(_nonces):08d}"


def scan(client, door_id, code=None, **fields):
    body = {"door": door_id, "nonce": fields.pop("nonce", None) or nonce(), **fields}
    if code is not None:
        body["code"] = code
    response = client.post("/api/checkin/scan", json=body, headers=HEADERS)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def hall(app, client):
    """An event with two doors, a group and a logged-in organiser."""
    with app.app_context():
        event = make_event(hall_capacity=3)
        group = make_group(event, "Stadtrat")
        north = create_door(event, "Eingang Nord")
        south = create_door(event, "Eingang Süd")
        organiser = make_user("organiser")
        db.session.commit()
        ids = dict(event=event.id, group=group.id, north=north.id, south=south.id)
    login(client, organiser)
    return ids


def guest(app, hall, mode="hall", status="confirmed", group=True, **fields):
    """A registration of the hall event; returns (registration id, invitee id, ticket code)."""
    from tracker.events.models import Event, Group

    with app.app_context():
        event = db.session.get(Event, hall["event"])
        invitee = make_invitee(event, group=db.session.get(Group, hall["group"]) if group else None, **fields)
        registration = make_registration(invitee, mode=mode, status=status)
        code = registration.active_ticket.code if registration.active_ticket else None
        db.session.commit()
        return registration.id, invitee.id, code


def test_valid_ticket_then_already_checked_in_at_another_door(app, client, hall):
    _, _, code = guest(app, hall, name="Erika Mustermann")
    first = scan(client, hall["north"], code)
    assert (first["verdict"], first["tone"], first["title"]) == ("valid", "green", "Einlass gewährt")
    assert first["guest"]["name"] == "Erika Mustermann" and first["guest"]["group"] == "Stadtrat"
    assert first["counts"] == {"present": 1, "inside": None, "capacity": 3}
    again = scan(client, hall["south"], code.lower())
    assert (again["verdict"], again["tone"]) == ("already_checked_in", "red")
    assert "Eingang Nord" in again["reason"] and again["checked_in_door"] == "Eingang Nord"
    assert again["counts"]["present"] == 1


def test_livestream_guest_is_moved_to_a_free_hall_seat_with_one_tap(app, client, hall):
    _, invitee_id, code = guest(app, hall, mode="stream")
    answer = scan(client, hall["north"], code)
    assert (answer["verdict"], answer["tone"], answer["actions"]) == ("stream_only", "amber", ["move_to_hall"])
    assert "Freie Plätze im Sitzungssaal: 3." in answer["reason"]
    moved = scan(client, hall["north"], invitee=invitee_id, move_to_hall=True)
    assert moved["verdict"] == "valid" and moved["counts"]["present"] == 1
    with app.app_context():
        registration = db.session.execute(select(Registration).where(Registration.invitee_id == invitee_id)).scalar_one()
        assert (registration.mode, registration.status) == ("hall", "confirmed")
        assert db.session.execute(select(AuditEntry.action).where(AuditEntry.action == "checkin.moved_to_hall")).first()


def test_no_seat_for_livestream_or_waiting_guest_when_the_hall_is_full(app, client, hall):
    for _ in range(3):
        guest(app, hall)
    _, _, stream_code = guest(app, hall, mode="stream")
    _, _, waiting_code = guest(app, hall, status="waiting")
    waiting = scan(client, hall["north"], waiting_code)
    assert (waiting["verdict"], waiting["tone"], waiting["actions"]) == ("waiting", "amber", [])
    assert "Kein Platz im Sitzungssaal frei." in waiting["reason"]
    refused = scan(client, hall["north"], stream_code, move_to_hall=True)
    assert (refused["verdict"], refused["tone"]) == ("no_seat", "red")
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_waiting_guest_takes_a_free_seat(app, client, hall):
    _, _, code = guest(app, hall, status="waiting")
    answer = scan(client, hall["north"], code)
    assert (answer["verdict"], answer["actions"]) == ("waiting", ["move_to_hall"])
    assert scan(client, hall["north"], code, move_to_hall=True)["verdict"] == "valid"


def test_cancelled_declined_replaced_wrong_event_unknown_and_forged(app, client, hall):
    from tracker.registration.models import Ticket
    from tracker.tickets.codes import new_ticket_code

    registration_id, _, cancelled_code = guest(app, hall)
    _, _, replaced_code = guest(app, hall)
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        registration.status = "cancelled"
        registration.active_ticket.revoked_at = utcnow()
        old = db.session.execute(select(Ticket).where(Ticket.code == replaced_code)).scalar_one()
        old.revoked_at = utcnow()
        db.session.flush()
        db.session.add(Ticket(registration_id=old.registration_id, code=new_ticket_code()))
        other = make_event(title="Infotag Mobilität")
        declined = make_registration(make_invitee(other), status="declined", with_ticket=False)
        declined.tickets.append(Ticket(code=new_ticket_code(), revoked_at=utcnow()))
        elsewhere = make_registration(make_invitee(other)).active_ticket.code
        declined_code = declined.tickets[0].code
        db.session.commit()
    assert scan(client, hall["north"], cancelled_code)["verdict"] == "cancelled"
    assert scan(client, hall["north"], replaced_code)["verdict"] == "replaced"
    wrong = scan(client, hall["north"], elsewhere)
    assert wrong["verdict"] == "wrong_event" and "Infotag Mobilität" in wrong["reason"]
    assert scan(client, hall["north"], declined_code)["verdict"] == "wrong_event"
    assert scan(client, hall["north"], new_ticket_code())["verdict"] == "unknown"
    mistyped = cancelled_code[:5] + ("A" if cancelled_code[5] != "A" else "B") + cancelled_code[6:]
    forged = scan(client, hall["north"], mistyped)
    assert (forged["verdict"], forged["tone"], forged["title"]) == ("forged", "red", "Ungültiger Code")
    assert scan(client, hall["north"], "<script>alert(1)</script>")["verdict"] == "forged"
    with app.app_context():
        logged = db.session.execute(select(ScanAttempt.verdict).order_by(ScanAttempt.id)).scalars().all()
        assert logged == ["cancelled", "replaced", "wrong_event", "wrong_event", "unknown", "forged", "forged"]
        assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_declined_guest_of_this_event(app, client, hall):
    from tracker.events.models import Event
    from tracker.registration.models import Ticket
    from tracker.tickets.codes import new_ticket_code

    with app.app_context():
        registration = make_registration(make_invitee(db.session.get(Event, hall["event"])), status="declined")
        registration.tickets.append(Ticket(code=new_ticket_code(), revoked_at=utcnow()))
        db.session.commit()
        code = registration.tickets[0].code
    answer = scan(client, hall["north"], code)
    assert (answer["verdict"], answer["tone"]) == ("declined", "red")


def test_a_retried_request_gets_the_same_answer_and_never_a_second_check_in(app, client, hall):
    _, _, code = guest(app, hall)
    first = scan(client, hall["north"], code, nonce="retry-0001")
    retried = scan(client, hall["north"], code, nonce="retry-0001")
    assert retried == first and first["verdict"] == "valid"
    assert scan(client, hall["north"], code, nonce="retry-0002")["verdict"] == "already_checked_in"
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 1
        assert db.session.scalar(select(func.count(ScanAttempt.id))) == 2


@pytest.mark.parametrize(
    "body, headers, message",
    [
        ("not json", {"Content-Type": "application/json", **HEADERS}, "kein gültiges JSON-Objekt"),
        ("[1, 2]", {"Content-Type": "application/json", **HEADERS}, "kein gültiges JSON-Objekt"),
        ('{"door": 1, "nonce": "abcdefgh", "code": "X"}', {"Content-Type": "text/plain", **HEADERS}, "als JSON"),
        ('{"door": 1, "nonce": "abcdefgh", "code": "X"}', {"Content-Type": "application/json"}, "X-Tracker-Scanner"),
        ('{"door": "1", "nonce": "abcdefgh", "code": "X"}', {"Content-Type": "application/json", **HEADERS}, "„door“"),
        ('{"door": 1, "nonce": "short", "code": "X"}', {"Content-Type": "application/json", **HEADERS}, "„nonce“"),
        ('{"door": 1, "nonce": "abcdefgh"}', {"Content-Type": "application/json", **HEADERS}, "entweder"),
        ('{"door": 1, "nonce": "abcdefgh", "code": 5}', {"Content-Type": "application/json", **HEADERS}, "„code“"),
        ('{"door": 1, "nonce": "abcdefgh", "code": "X", "exit": "yes"}', {"Content-Type": "application/json", **HEADERS}, "„exit“"),
    ],
)
def test_bad_requests_get_a_clear_400_and_change_nothing(app, client, hall, body, headers, message):
    response = client.post("/api/checkin/scan", data=body, headers=headers)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(select(func.count(ScanAttempt.id))) == 0


def test_unknown_door_is_404_json(app, client, hall):
    response = client.post("/api/checkin/scan", json={"door": 999, "nonce": nonce(), "code": "X"}, headers=HEADERS)
    assert response.status_code == 404 and response.get_json()["error"] == "Diesen Eingang gibt es nicht."


def _pair(app, door_id, label="Tablet"):
    with app.app_context():
        _, code = start_pairing(db.session.get(Door, door_id), label)
        db.session.commit()
    return code


def paired_client(app, door_id):
    client = app.test_client()
    code = _pair(app, door_id)
    response = client.post(f"/door/pair/{code}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/door/{door_id}/scan")
    return client


def test_access_devices_and_door_staff(app, hall):
    _, _, code = guest(app, hall)
    anonymous = app.test_client()
    assert anonymous.post("/api/checkin/scan", json={"door": hall["north"], "nonce": nonce(), "code": code},
                          headers=HEADERS).status_code == 403
    device = paired_client(app, hall["north"])
    assert device.get_cookie(CREDENTIAL_COOKIE).http_only
    body = {"door": hall["south"], "nonce": nonce(), "code": code}
    assert device.post("/api/checkin/scan", json=body, headers=HEADERS).status_code == 403
    assert scan(device, hall["north"], code)["verdict"] == "valid"
    with app.app_context():
        checkin = db.session.execute(select(CheckIn)).scalar_one()
        assert checkin.device_id is not None and checkin.door_id == hall["north"]
        revoke_device(db.session.get(DoorDevice, checkin.device_id))
        db.session.commit()
    assert device.post("/api/checkin/scan", json={**body, "door": hall["north"]}, headers=HEADERS).status_code == 403

    with app.app_context():
        staff = make_user("door")
        db.session.commit()
    staff_client = app.test_client()
    login(staff_client, staff)
    assert staff_client.post("/api/checkin/scan", json=body, headers=HEADERS).status_code == 403
    with app.app_context():
        from tracker.events.models import Event

        assign_staff(db.session.get(Event, hall["event"]), staff)
        db.session.commit()
    assert scan(staff_client, hall["south"], code)["verdict"] == "already_checked_in"


def test_a_device_scan_costs_one_lookup_and_one_write(app, hall):
    """The hot path stays lean: one SELECT for everything a scan needs, one INSERT for the check-in and the log."""
    from sqlalchemy import event

    _, _, code = guest(app, hall)
    device = paired_client(app, hall["north"])
    with app.app_context():
        engine = db.engine
        postgres = engine.dialect.name == "postgresql"
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        sent.append(statement.split(None, 1)[0].upper())

    def statements_of(**body):
        sent.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            answer = scan(device, hall["north"], **body)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return answer["verdict"], sent if postgres else [s for s in sent if s != "BEGIN"]

    # PostgreSQL writes the check-in and the log row in one statement (a CTE); SQLite needs two INSERTs.
    assert statements_of(code=code, nonce="cost-0001") == (
        "valid", ["SELECT", "WITH"] if postgres else ["SELECT", "INSERT", "INSERT"]
    )
    assert statements_of(code=code, nonce="cost-0002") == ("already_checked_in", ["SELECT", "INSERT"])
    assert statements_of(code="T" + "0" * 17 + "1", nonce="cost-0003") == ("forged", ["SELECT", "INSERT"])
    assert statements_of(code=code, nonce="cost-0001") == ("valid", ["SELECT"])


def test_a_pairing_code_works_once_and_not_after_expiry(app, hall):
    code = _pair(app, hall["north"])
    client = app.test_client()
    assert "Eingang Nord" in client.get(f"/door/pair/{code}").get_data(as_text=True)
    assert client.post(f"/door/pair/{code}").status_code == 302
    assert app.test_client().post(f"/door/pair/{code}").status_code == 404
    late = _pair(app, hall["north"])
    with app.app_context():
        device = db.session.execute(
            select(DoorDevice).where(DoorDevice.pairing_hash == sha256(late))
        ).scalar_one()
        device.pairing_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert app.test_client().get(f"/door/pair/{late}").status_code == 404


def undo(client, door_id, nonce_of_scan):
    return client.post("/api/checkin/undo", json={"door": door_id, "nonce": nonce_of_scan}, headers=HEADERS).get_json()


def test_undo_takes_back_this_pages_last_check_in_within_minutes(app, client, hall):
    _, _, old_code = guest(app, hall)
    _, _, code = guest(app, hall, name="Max Muster")
    _, _, other_code = guest(app, hall, name="Olga Andere")
    old = scan(client, hall["north"], old_code)
    assert old["admitted"] and old["nonce"]
    with app.app_context():
        db.session.execute(select(CheckIn)).scalar_one().checked_in_at = utcnow() - timedelta(minutes=10)
        db.session.commit()
    assert not undo(client, hall["north"], old["nonce"])["undone"], "older than the undo window"
    mine = scan(client, hall["north"], code)
    # Another device at the same door checks in later; this page's undo still takes back its own check-in.
    other = scan(client, hall["north"], other_code)
    assert not undo(client, hall["south"], mine["nonce"])["undone"], "a scan of another door"
    assert not undo(client, hall["north"], scan(client, hall["north"], code)["nonce"])["undone"], "not an admission"
    response = undo(client, hall["north"], mine["nonce"])
    assert response["undone"] and response["message"] == "Einlass von Max Muster rückgängig gemacht."
    assert response["counts"]["present"] == 2
    assert not undo(client, hall["north"], mine["nonce"])["undone"]
    missing = client.post("/api/checkin/undo", json={"door": hall["north"]}, headers=HEADERS)
    assert missing.status_code == 400 and "nonce" in missing.get_json()["error"]
    assert scan(client, hall["north"], code)["verdict"] == "valid"
    assert scan(client, hall["north"], other_code)["verdict"] == "already_checked_in", other
    with app.app_context():
        assert db.session.execute(select(AuditEntry.action).where(AuditEntry.action == "checkin.undone")).first()


def test_walk_ins_on_the_list_or_not(app, client, hall):
    _, listed_id, _ = guest(app, hall, status="declined")
    found = scan(client, hall["north"], invitee=listed_id)
    assert (found["verdict"], found["tone"], found["actions"]) == ("not_registered", "amber", ["walk_in"])
    body = {"door": hall["north"], "nonce": nonce(), "invitee": listed_id}
    listed = client.post("/api/checkin/walk-in", json=body, headers=HEADERS).get_json()
    assert listed["verdict"] == "valid"
    stranger = {"door": hall["north"], "nonce": nonce(), "name": "Spontan Gast"}
    answer = client.post("/api/checkin/walk-in", json=stranger, headers=HEADERS).get_json()
    assert answer["verdict"] == "valid" and answer["guest"]["name"] == "Spontan Gast"
    assert answer["reason"] == "An der Tür angemeldet: herzlich willkommen!", "a walk-in has no ticket to call valid"
    assert client.post("/api/checkin/walk-in", json=stranger, headers=HEADERS).get_json() == answer
    guest(app, hall)
    full = client.post("/api/checkin/walk-in", json={**stranger, "nonce": nonce(), "name": "Zu spät"}, headers=HEADERS)
    assert full.get_json()["verdict"] == "no_seat"
    bad = client.post("/api/checkin/walk-in", json={**stranger, "nonce": nonce(), "email": "kein-mail"}, headers=HEADERS)
    assert bad.status_code == 400 and "E-Mail" in bad.get_json()["error"]
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 2
        sources = db.session.execute(select(Registration)).scalars().all()
        assert sum(1 for r in sources if r.invitee.source == "walk_in") == 1


def test_exit_scans_count_the_people_inside(app, client, hall):
    from tracker.events.models import Event

    _, _, code = guest(app, hall)
    assert scan(client, hall["north"], code, exit=True)["verdict"] == "checkout_off"
    with app.app_context():
        db.session.get(Event, hall["event"]).checkout_enabled = True
        db.session.commit()
    assert scan(client, hall["north"], code)["counts"] == {"present": 1, "inside": 1, "capacity": 3}
    out = scan(client, hall["north"], code, exit=True)
    assert out["verdict"] == "checked_out" and out["counts"] == {"present": 1, "inside": 0, "capacity": 3}
    assert scan(client, hall["north"], code, exit=True)["verdict"] == "not_inside"
    back = scan(client, hall["south"], code)
    assert back["verdict"] == "valid" and back["title"] == "Willkommen zurück" and back["counts"]["inside"] == 1


def test_hall_counts_equal_a_recount_after_every_kind_of_door_change(app, client, hall):
    """The group counters keep present and inside exact through check-in, exit, re-entry, undo, revert, walk-in and
    the deletion of a registration and of the event itself (see also tests/test_group_counters.py)."""
    from tracker.events.models import Event, GroupCounter

    def counters_and_recount():
        with app.app_context():
            counts = hall_counts(db.session.get(Event, hall["event"]))
            current = select(func.count(CheckIn.id)).where(CheckIn.event_id == hall["event"], CheckIn.reverted_at.is_(None))
            recount = (db.session.scalar(current), db.session.scalar(current.where(CheckIn.checked_out_at.is_(None))))
            return (counts["present"], counts["inside"]), recount

    with app.app_context():
        db.session.get(Event, hall["event"]).checkout_enabled = True
        db.session.commit()
    codes = [guest(app, hall)[2] for _ in range(2)]
    assert counters_and_recount() == ((0, 0), (0, 0))
    _first, second = [scan(client, hall["north"], code) for code in codes]
    assert counters_and_recount() == ((2, 2), (2, 2))
    scan(client, hall["north"], codes[0], exit=True)
    assert counters_and_recount() == ((2, 1), (2, 1))
    scan(client, hall["south"], codes[0])
    assert counters_and_recount() == ((2, 2), (2, 2))
    assert undo(client, hall["north"], second["nonce"])["undone"]
    assert counters_and_recount() == ((1, 1), (1, 1))
    stranger = {"door": hall["north"], "nonce": nonce(), "name": "Spontan Gast"}
    assert client.post("/api/checkin/walk-in", json=stranger, headers=HEADERS).get_json()["verdict"] == "valid"
    assert counters_and_recount() == ((2, 2), (2, 2))
    with app.app_context():
        checkin = db.session.execute(select(CheckIn).order_by(CheckIn.id)).scalars().first()
        revert_checkin(checkin, db.session.execute(select(User)).scalars().first())
        db.session.commit()
    assert counters_and_recount() == ((1, 1), (1, 1))
    with app.app_context():
        registration = db.session.get(Registration, db.session.scalars(
            select(CheckIn.registration_id).where(CheckIn.reverted_at.is_(None))).one())
        db.session.delete(registration)
        db.session.commit()
    assert counters_and_recount() == ((0, 0), (0, 0))
    with app.app_context():
        db.session.delete(db.session.get(Event, hall["event"]))
        db.session.commit()
        assert db.session.scalars(select(GroupCounter).where(GroupCounter.event_id == hall["event"])).all() == []


def test_search_finds_guests_by_name(app, client, hall):
    guest(app, hall, name="Anna Schmidt")
    guest(app, hall, name="Berta Schmidtke", mode="stream")
    response = client.get(f"/api/checkin/search?door={hall['north']}&q=schmidt")
    names = [(r["name"], r["status"]) for r in response.get_json()["results"]]
    assert names == [("Anna Schmidt", "Sitzungssaal"), ("Berta Schmidtke", "Livestream")]
    assert client.get(f"/api/checkin/search?door={hall['north']}&q=a").status_code == 400
    assert client.get("/api/checkin/search?door=x&q=anna").status_code == 400


def test_search_tells_namesakes_apart_and_offers_check_in_only_to_guests_not_inside(app, client, hall):
    from tracker.events.models import Event

    with app.app_context():
        db.session.get(Event, hall["event"]).checkout_enabled = True
        db.session.commit()
    _, _, inside_code = guest(app, hall, name="Ulrich Öztürk", unit="Referat für Arbeit und Wirtschaft")
    _, _, left_code = guest(app, hall, name="Ulrich Öztürk", unit="Baureferat", group=False)
    guest(app, hall, name="Ulrich Öztürk", unit="Kreisverwaltungsreferat", mode="stream")
    scan(client, hall["south"], inside_code)
    scan(client, hall["north"], left_code)
    scan(client, hall["north"], left_code, exit=True)
    results = client.get(f"/api/checkin/search?door={hall['north']}&q=öztürk").get_json()["results"]
    by_unit = {r["unit"]: r for r in results}
    assert [r["unit"] for r in results] == ["Baureferat", "Kreisverwaltungsreferat", "Referat für Arbeit und Wirtschaft"]
    inside = by_unit["Referat für Arbeit und Wirtschaft"]
    assert (inside["group"], inside["admissible"]) == ("Stadtrat", False)
    assert re.fullmatch(r"Anwesend: um \d\d:\d\d Uhr an Eingang Süd eingelassen\.", inside["state"])
    left = by_unit["Baureferat"]
    assert left["group"] is None and left["admissible"]
    assert re.fullmatch(r"Hat den Saal um \d\d:\d\d Uhr verlassen\.", left["state"])
    streaming = by_unit["Kreisverwaltungsreferat"]
    assert (streaming["status"], streaming["state"], streaming["admissible"]) == ("Livestream", None, True)


def test_search_ignores_the_case_of_every_letter_and_takes_wildcards_literally(app, client, hall):
    guest(app, hall, name="ÖZDEMIR, Ayşe")
    guest(app, hall, name="Jürgen Äbelé")
    guest(app, hall, name="Pia 100%_Sicher")

    def found(text):
        return [r["name"] for r in client.get(f"/api/checkin/search?door={hall['north']}&q={text}").get_json()["results"]]

    assert found("özdemir") == ["ÖZDEMIR, Ayşe"] and found("ÄBELÉ") == ["Jürgen Äbelé"]
    assert found("0%_s") == ["Pia 100%_Sicher"] and found("%25%25") == [] and found("__") == []


def test_four_doors_scanning_the_same_thousand_tickets_admit_each_exactly_once(app_factory):
    app = app_factory()
    with app.app_context():
        event = make_event(hall_capacity=1000)
        doors = [create_door(event, f"Eingang {n}") for n in range(4)]
        codes = [make_registration(make_invitee(event)).active_ticket.code for _ in range(1000)]
        db.session.commit()
        door_ids = [door.id for door in doors]
    clients = [paired_client(app, door_id) for door_id in door_ids]
    verdicts: list[str] = []
    lock = threading.Lock()

    def scanner(client, door_id, number):
        mine = []
        for index, code in enumerate(codes):
            body = {"door": door_id, "nonce": f"d{number}-{index:06d}", "code": code}
            response = client.post("/api/checkin/scan", json=body, headers=HEADERS)
            mine.append(response.get_json()["verdict"])
        with lock:
            verdicts.extend(mine)

    threads = [threading.Thread(target=scanner, args=(c, d, n)) for n, (c, d) in enumerate(zip(clients, door_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert verdicts.count("valid") == 1000
    assert verdicts.count("already_checked_in") == 3000
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckIn.id))) == 1000
        assert db.session.scalar(select(func.count(func.distinct(CheckIn.registration_id)))) == 1000
        assert db.session.scalar(select(func.count(ScanAttempt.id))) == 4000
        stored = db.session.execute(select(ScanAttempt.response).limit(1)).scalar_one()
        assert json.loads(stored)["verdict"] in ("valid", "already_checked_in")


def test_on_postgresql_each_scan_writes_one_statement_or_holds_its_writes_in_a_transaction(app, client, hall):
    """Scans commit each statement alone (no BEGIN and COMMIT round trips) only where they write one statement;
    every verdict that writes more, or locks a row, opens a transaction first."""
    from sqlalchemy import event as sa_event

    from tracker.events.models import Event

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs every request in one transaction")
        event = db.session.get(Event, hall["event"])
        event.checkout_enabled, event.hall_capacity = True, 10
        db.session.commit()
        engine = db.engine
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement.lstrip().upper())

    def written(call) -> tuple[int, bool]:
        """Statements that write or lock, and whether a BEGIN came before the first of them."""
        statements.clear()
        call()
        writes = [i for i, s in enumerate(statements)
                  if s.startswith(("INSERT", "UPDATE", "DELETE", "WITH")) or "FOR UPDATE" in s]
        return len(writes), bool(writes) and "BEGIN" in statements[:writes[0]]

    _, _, code = guest(app, hall)
    _, _, stream_code = guest(app, hall, mode="stream")
    cancelled_id, _, cancelled_code = guest(app, hall)
    with app.app_context():
        db.session.get(Registration, cancelled_id).status = "cancelled"
        db.session.commit()
    _, found_id, _ = guest(app, hall)
    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        for call in (
            lambda: scan(client, hall["north"], code),  # admitted
            lambda: scan(client, hall["south"], code),  # already checked in
            lambda: scan(client, hall["north"], "NOT-A-TICKET"),  # forged
            lambda: scan(client, hall["north"], cancelled_code),  # cancelled
            lambda: scan(client, hall["north"], stream_code),  # livestream only
            lambda: scan(client, hall["north"], invitee=found_id),  # found by name
        ):
            assert written(call) == (1, False)
        for call in (
            lambda: scan(client, hall["north"], code, exit=True),  # checked out
            lambda: scan(client, hall["north"], code),  # re-entry
            lambda: scan(client, hall["north"], stream_code, move_to_hall=True),  # moved to a hall seat
            lambda: client.post("/api/checkin/walk-in", json={"door": hall["north"], "nonce": nonce(),
                                                              "name": "Spontan Gast"}, headers=HEADERS),
        ):
            writes, in_transaction = written(call)
            assert writes > 1 and in_transaction, statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
    with app.app_context():
        assert hall_counts(db.session.get(Event, hall["event"]))["present"] == 4
