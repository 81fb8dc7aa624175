"""The running counters per audience group, kept by database triggers, always equal a recount from the rows."""
import secrets
from collections import Counter
from datetime import timedelta

from sqlalchemy import and_, case, delete, insert, select, update

from tracker.checkin.models import CheckIn
from tracker.database import utcnow
from tracker.events.models import COUNTER_NAMES, Event, Group, GroupCounter
from tracker.extensions import db
from tracker.invitees.models import Invitee
from tracker.registration.models import Registration

from .factories import make_event, make_group, make_invitee, make_registration


def counters(event_id: int) -> dict[int, dict[str, int]]:
    """The event's counters by group key, rows that count nothing left out."""
    rows = db.session.scalars(select(GroupCounter).where(GroupCounter.event_id == event_id).execution_options(
        populate_existing=True))
    found = {row.group_key: {name: getattr(row, name) for name in COUNTER_NAMES} for row in rows}
    return {key: values for key, values in found.items() if any(values.values())}


def recount(event_id: int) -> dict[int, dict[str, int]]:
    """What the counters should hold, counted one invitee at a time."""
    rows = db.session.execute(
        select(Invitee.group_id, Invitee.invited_at, Registration.id, Registration.status, Registration.mode,
               CheckIn.id, CheckIn.checked_out_at)
        .outerjoin(Registration, Registration.invitee_id == Invitee.id)
        .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.reverted_at.is_(None)))
        .where(Invitee.event_id == event_id)
    ).all()
    found: dict[int, Counter] = {}
    for group_id, invited_at, registration_id, status, mode, checkin_id, checked_out_at in rows:
        count = found.setdefault(group_id or 0, Counter())
        hall_seat = status == "confirmed" and mode == "hall"
        count.update(
            invitees=1, invited=invited_at is not None, answered=registration_id is not None, hall=hall_seat,
            stream=status == "confirmed" and mode == "stream", waiting=status == "waiting",
            declined=status == "declined", cancelled=status == "cancelled", present=checkin_id is not None,
            inside=checkin_id is not None and checked_out_at is None, hall_present=checkin_id is not None and hall_seat,
        )
    return {key: {name: int(count[name]) for name in COUNTER_NAMES} for key, count in found.items()}


def check_in(registration, **fields):
    checkin = CheckIn(event_id=registration.event_id, registration_id=registration.id, **fields)
    db.session.add(checkin)
    db.session.flush()
    return checkin


def test_counters_equal_a_recount_after_every_kind_of_change(app):
    with app.app_context():
        event, other_event = make_event(), make_event(title="Zweiter Infotag")
        council, staff = make_group(event, "Stadtrat"), make_group(event, "Beschäftigte")
        people = [make_invitee(event, group=group) for group in (council, council, staff, staff, None, None)]
        elsewhere = make_registration(make_invitee(other_event))
        check_in(elsewhere)
        db.session.commit()
        ids = [person.id for person in people]

        def settled():
            db.session.flush()
            assert counters(event.id) == recount(event.id)
            assert counters(other_event.id) == recount(other_event.id)

        settled()
        imported = [  # several rows in one statement (on PostgreSQL counted per statement)
            dict(event_id=event.id, group_id=group_id, name=f"Import {number}", email=f"import{number}@muenchen.example",
                 language="de", source="import", link_nonce=secrets.token_hex(16), token_hash=secrets.token_hex(32),
                 invited_at=utcnow() if number % 2 else None, created_at=utcnow())
            for number, group_id in enumerate([council.id, staff.id, None, staff.id, None])
        ]
        db.session.execute(insert(Invitee).values(imported))
        settled()
        for person in people[:4]:
            person.invited_at = utcnow()
        settled()
        hall = [make_registration(person) for person in people[:3]]
        stream = make_registration(people[3], mode="stream")
        waiting = make_registration(people[4], status="waiting")
        make_registration(people[5], status="declined")
        settled()
        first, second, third = (check_in(registration) for registration in hall)
        settled()
        assert counters(event.id)[council.id]["hall_present"] == 2
        first.checked_out_at = utcnow()
        settled()
        first.checked_out_at = None
        second.reverted_at = utcnow()
        settled()
        check_in(hall[1], checked_in_at=utcnow() + timedelta(minutes=1))  # re-entry after an undo
        settled()
        stream.mode = "hall"  # moved to a free hall seat at the door
        check_in(stream)
        settled()
        waiting.status, waiting.mode = "confirmed", "hall"  # promoted
        settled()
        hall[0].status = "cancelled"  # after the check-in: present, no longer a hall seat
        settled()
        people[0].group_id = staff.id  # moved with their registration and check-in
        settled()
        people[4].group_id = council.id
        settled()
        db.session.execute(update(Invitee).where(Invitee.id == ids[5]).values(group_id=staff.id, invited_at=utcnow()))
        settled()
        # Several rows in one statement (on PostgreSQL counted per statement): into a group that has no counters
        # yet, between groups with invitations changing at once, and a change that moves no count.
        speakers = make_group(event, "Referierende")
        db.session.execute(update(Invitee).where(Invitee.event_id == event.id, Invitee.group_id == staff.id)
                           .values(group_id=speakers.id))
        settled()
        db.session.execute(
            update(Invitee).where(Invitee.event_id == event.id).values(
                group_id=case((Invitee.group_id == speakers.id, staff.id), (Invitee.group_id.is_(None), speakers.id),
                              else_=Invitee.group_id),
                invited_at=case((Invitee.invited_at.is_(None), utcnow()), else_=None),
            )
        )
        settled()
        before = counters(event.id)
        db.session.execute(update(Invitee).where(Invitee.event_id == event.id).values(unit="Amt für Informationstechnik"))
        settled()
        assert counters(event.id) == before
        db.session.delete(db.session.get(Registration, hall[2].id))  # with its check-in
        settled()
        db.session.execute(delete(CheckIn).where(CheckIn.id == first.id))
        settled()
        db.session.delete(db.session.get(Invitee, ids[1]))  # with registration and check-in
        settled()
        db.session.delete(db.session.get(Group, council.id))  # its invitees move to "no group"
        settled()
        assert council.id not in counters(event.id) and db.session.get(GroupCounter, (event.id, council.id)) is None
        walk_in = make_registration(make_invitee(event, group=staff))
        check_in(walk_in, method="walk_in")
        settled()
        db.session.commit()
        assert counters(event.id) == recount(event.id) != {}

        db.session.delete(db.session.get(Event, event.id))
        db.session.commit()
        assert db.session.scalars(select(GroupCounter).where(GroupCounter.event_id == event.id)).all() == []
        assert counters(other_event.id) == recount(other_event.id) == {
            0: dict(invitees=1, invited=0, answered=1, hall=1, stream=0, waiting=0, declined=0, cancelled=0,
                    present=1, inside=1, hall_present=1)
        }
