"""The seat rule: reserved seats are a guarantee, the rest is shared, a group maximum caps (services and pages)."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker.audit.models import AuditEntry
from tracker.checkin.devices import create_door
from tracker.database import utcnow
from tracker.events.models import Event, Group
from tracker.extensions import db
from tracker.invitees.models import Invitee
from tracker.mail.models import OutboxMail
from tracker.registration import services
from tracker.registration.models import Registration
from tracker.events.services import taken_seats
from tracker.registration.seats import HallSeats, free_seats_for
from tracker.registration.services import Choice

from .conftest import login
from .factories import make_event, make_group, make_invitee, make_registration, make_user
from .test_checkin_api import scan

LATER = timedelta(days=3)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def ask_for_the_hall(people) -> list[str]:
    statuses = []
    for person in people:
        statuses.append(services.answer(person.id, Choice.HALL).registration.status)
        db.session.commit()
    return statuses


def hall_seats_of(group) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Registration).join(Invitee, Invitee.id == Registration.invitee_id)
        .where(Registration.holds_hall_seat, Invitee.group_id == group.id)
    )


def test_every_invitee_in_a_group_and_the_hall_still_fills(app, ctx):
    """The info day of issue 14 in small: reserving groups take the shared seats too, the hall fills up."""
    event = make_event(hall_capacity=13, quota_release_at=utcnow() + LATER)
    council = make_group(event, "Stadtrat", reserved_seats=4)
    heads = make_group(event, "Referats- und Betriebsleitungen", reserved_seats=2)
    staff = make_group(event, "Beschäftigte", reserved_seats=4)
    staff_members = [make_invitee(event, group=staff) for _ in range(8)]
    council_members = [make_invitee(event, group=council) for _ in range(5)]
    db.session.commit()
    # staff: its 4 reserved and the 3 shared seats, then the seats held for the council and the heads stay held
    assert ask_for_the_hall(staff_members) == ["confirmed"] * 7 + ["waiting"]
    assert ask_for_the_hall(council_members) == ["confirmed"] * 4 + ["waiting"]
    assert taken_seats(event.id) == 11
    seats = HallSeats.load(event)
    assert (seats.free_in_hall, seats.free_for(heads.id), seats.free_for(staff.id), seats.free_for(None)) == (2, 2, 0, 0)
    assert event.shared_seats == 3


def test_unused_reserved_seats_open_to_everybody_at_the_release(app, ctx):
    event = make_event(hall_capacity=4, quota_release_at=utcnow() + LATER)
    council = make_group(event, "Stadtrat", reserved_seats=3)
    outsiders = [make_invitee(event) for _ in range(3)]
    db.session.commit()
    assert ask_for_the_hall(outsiders) == ["confirmed", "waiting", "waiting"]
    assert free_seats_for(event, council.id) == 3 and free_seats_for(event, None) == 0
    event.quota_release_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert free_seats_for(event, None) == 3
    promoted = services.promote_waiting(event.id)
    db.session.commit()
    assert [r.invitee_id for r in promoted] == [p.id for p in outsiders[1:]]


def test_a_group_maximum_caps_the_group_also_after_the_release(app, ctx):
    event = make_event(hall_capacity=10, quota_release_at=utcnow() + LATER)
    council = make_group(event, "Stadtrat", reserved_seats=2, max_seats=3)
    members = [make_invitee(event, group=council) for _ in range(5)]
    db.session.commit()
    assert ask_for_the_hall(members) == ["confirmed"] * 3 + ["waiting"] * 2
    event.quota_release_at = utcnow() - timedelta(minutes=1)
    assert services.promote_waiting(event.id) == []
    assert hall_seats_of(council) == 3 and free_seats_for(event, None) == 7


def test_waiting_list_skips_a_group_at_its_maximum_for_the_next_in_line(app, ctx):
    event = make_event(hall_capacity=3)
    council = make_group(event, "Stadtrat", max_seats=1, waiting_priority=5)
    holders = [make_invitee(event, group=council), make_invitee(event), make_invitee(event)]
    council_members = [make_invitee(event, group=council) for _ in range(2)]
    newcomer = make_invitee(event)
    db.session.commit()
    assert ask_for_the_hall(holders + council_members + [newcomer]) == ["confirmed"] * 3 + ["waiting"] * 3
    outcome = services.answer(holders[1].id, Choice.CANCEL)
    db.session.commit()
    # the council comes first on the waiting list but is at its maximum: the newcomer gets the seat
    assert [r.invitee_id for r in outcome.promoted] == [newcomer.id]
    assert hall_seats_of(council) == 1


def test_the_groups_page_explains_the_rule_with_the_events_numbers(app, client):
    with app.app_context():
        event = make_event(hall_capacity=130, quota_release_at=utcnow() + LATER)
        for name, seats in (("Stadtrat", 40), ("Referats- und Betriebsleitungen", 15), ("Referent*innen", 6),
                            ("Beschäftigte", 40)):
            make_group(event, name, reserved_seats=seats)
        login(client, make_user("organiser"))
        db.session.commit()
        event_id = event.id
    page = client.get(f"/events/{event_id}/groups").get_data(as_text=True)
    assert "130 Plätze im Saal: 101 für Gruppen reserviert, 29 für alle frei; reservierte Plätze werden bis zur " \
           "Freigabe am " in page
    assert "eine Höchstzahl begrenzt alle Plätze einer Gruppe" in page
    with app.app_context():
        db.session.get(Event, event_id).quota_release_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    page = client.get(f"/events/{event_id}/groups").get_data(as_text=True)
    assert "freigegeben, jeder freie Platz steht nun allen offen" in page


def test_group_maximum_is_saved_shown_and_checked(app, client):
    with app.app_context():
        event = make_event(hall_capacity=20)
        login(client, make_user("organiser"))
        db.session.commit()
        event_id = event.id
    base = {"name": "Stadtrat", "reserved_seats": "5", "waiting_priority": "0", "position": "0"}
    refused = client.post(f"/events/{event_id}/groups", data=base | {"max_seats": "4"})
    assert refused.status_code == 422
    assert "Die Höchstzahl muss mindestens so groß sein wie die reservierten Plätze (5)." in refused.get_data(as_text=True)
    assert client.post(f"/events/{event_id}/groups", data=base | {"max_seats": "-1"}).status_code == 422
    assert client.post(f"/events/{event_id}/groups", data=base | {"max_seats": "8"}).status_code == 302
    with app.app_context():
        group = db.session.execute(select(Group)).scalar_one()
        assert group.max_seats == 8
        for _ in range(6):
            make_registration(make_invitee(db.session.get(Event, event_id), group=group))
        db.session.commit()
        group_id = group.id
    page = client.get(f"/events/{event_id}/groups").get_data(as_text=True)
    assert "Höchstzahl" in page and '<td data-label="Höchstzahl" class="num">8</td>' in page
    lower = client.post(f"/events/{event_id}/groups/{group_id}/edit", data=base | {"max_seats": "5"})
    assert lower.status_code == 422
    assert "6 Personen dieser Gruppe haben bereits einen Platz im Saal" in lower.get_data(as_text=True)
    assert client.post(f"/events/{event_id}/groups/{group_id}/edit", data=base | {"max_seats": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(Group, group_id).max_seats is None


def test_the_database_refuses_a_maximum_below_the_reservation(app):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        event = make_event()
        with pytest.raises(IntegrityError):
            make_group(event, "Stadtrat", reserved_seats=5, max_seats=4)
        db.session.rollback()


def test_edits_that_free_seats_promote_at_once_with_the_mail(app, client):
    with app.app_context():
        event = make_event(hall_capacity=4, quota_release_at=utcnow() + LATER)
        council = make_group(event, "Stadtrat", reserved_seats=3)
        staff = make_group(event, "Beschäftigte")
        for _ in range(2):
            make_registration(make_invitee(event, group=staff), status="waiting", waiting_since=utcnow())
        make_registration(make_invitee(event, group=staff))
        login(client, make_user("organiser"))
        db.session.commit()
        event_id, council_id, staff_id = event.id, council.id, staff.id
    edit = {"name": "Stadtrat", "reserved_seats": "2", "waiting_priority": "0", "position": "0"}
    response = client.post(f"/events/{event_id}/groups/{council_id}/edit", data=edit, follow_redirects=True)
    assert "1 Person ist von der Warteliste nachgerückt." in response.get_data(as_text=True)
    response = client.post(f"/events/{event_id}/groups/{council_id}/delete", follow_redirects=True)
    assert "1 Person ist von der Warteliste nachgerückt." in response.get_data(as_text=True)
    with app.app_context():
        assert hall_seats_of(db.session.get(Group, staff_id)) == 3
        assert db.session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "promotion")) == 2
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["group.updated", "registration.promoted", "group.deleted", "registration.promoted"]


def test_a_larger_hall_promotes_at_once(app, ctx):
    from tracker.events.services import EDITABLE_FIELDS, update_event

    event = make_event(hall_capacity=1)
    holder, waiting = make_invitee(event), make_invitee(event)
    db.session.commit()
    ask_for_the_hall([holder, waiting])
    promoted = update_event(event.id, {name: getattr(event, name) for name in EDITABLE_FIELDS} | {"hall_capacity": 2})
    db.session.commit()
    assert [r.invitee_id for r in promoted] == [waiting.id]


def test_the_door_gives_no_seat_held_for_another_group(app, client):
    with app.app_context():
        event = make_event(hall_capacity=2, quota_release_at=utcnow() + LATER)
        council = make_group(event, "Stadtrat", reserved_seats=1)
        door = create_door(event, "Eingang Nord")
        make_registration(make_invitee(event))
        outsider = make_registration(make_invitee(event), mode="stream").active_ticket.code
        member = make_registration(make_invitee(event, group=council), mode="stream").active_ticket.code
        login(client, make_user("organiser"))
        db.session.commit()
        door_id = door.id
    amber = scan(client, door_id, outsider)
    assert (amber["verdict"], amber["actions"]) == ("stream_only", [])
    assert "Kein Platz im Sitzungssaal frei." in amber["reason"]
    assert scan(client, door_id, outsider, move_to_hall=True)["verdict"] == "no_seat"
    assert scan(client, door_id, member)["actions"] == ["move_to_hall"]
    assert scan(client, door_id, member, move_to_hall=True)["verdict"] == "valid"
