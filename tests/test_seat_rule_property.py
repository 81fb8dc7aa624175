"""The seat rule against a brute-force model (hypothesis): random halls, reservations, maxima, arrivals,
cancellations, releases and larger halls.

The model knows nothing of tracker.registration.seats: it labels every seat of the hall (held for a group while
reservations are held, else shared) and asks whether all the people could sit at once, by trying every way
(augmenting paths of a bipartite matching), within every group maximum.
"""
from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tracker.database import utcnow
from tracker.events.services import EDITABLE_FIELDS, update_event
from tracker.extensions import db
from tracker.invitees.models import Invitee
from tracker.registration import services
from tracker.registration.models import Registration, Status
from tracker.registration.seats import HallSeats
from tracker.registration.services import Choice

from .factories import make_event, make_group, make_invitee

SHARED = object()
#: A group of the event with neither a reservation nor a maximum.
PLAIN = "plain"


def everybody_fits(people: list, capacity: int, reserved: dict, maximum: dict, held: bool) -> bool:
    """Whether these people (their groups) can all have a hall seat at once under the rule, tried every way."""
    if any(Counter(people)[group] > cap for group, cap in maximum.items()):
        return False
    labels = [group for group, seats in reserved.items() if held for _ in range(seats)]
    labels += [SHARED] * (capacity - len(labels))
    if len(people) > len(labels):
        return False
    seat_of: dict[int, int] = {}  # seat -> person

    def place(person: int, tried: set) -> bool:
        for seat, label in enumerate(labels):
            if seat not in tried and (label is SHARED or label == people[person]):
                tried.add(seat)
                if seat not in seat_of or place(seat_of[seat], tried):
                    seat_of[seat] = person
                    return True
        return False

    return all(place(person, set()) for person in range(len(people)))


def seats_for(seated: list, group, capacity: int, reserved: dict, maximum: dict, held: bool) -> int:
    """How many more people of the group could sit down now, by the model."""
    more = 0
    while everybody_fits(seated + [group] * (more + 1), capacity, reserved, maximum, held):
        more += 1
    return more


@st.composite
def halls(draw):
    """A capacity, groups with reservations (fitting into the hall) and maxima (at least the reservation)."""
    capacity = draw(st.integers(0, 9))
    reserved, maximum = {}, {}
    for group in range(draw(st.integers(1, 3))):
        seats = draw(st.integers(0, capacity - sum(reserved.values()))) if draw(st.booleans()) else None
        if seats is not None:
            reserved[group] = seats
        if draw(st.booleans()):
            maximum[group] = draw(st.integers(seats or 0, (seats or 0) + 4))
    return capacity, reserved, maximum


@given(hall=halls(), held=st.booleans(), arrivals=st.lists(st.sampled_from([None, PLAIN, 0, 1, 2]), max_size=14))
@settings(max_examples=300, deadline=None)
def test_free_seats_for_every_group_match_the_model(hall, held, arrivals):
    capacity, reserved, maximum = hall
    seated = []
    for group in arrivals:  # people arrive one after another and sit down where the model lets them
        if everybody_fits(seated + [group], capacity, reserved, maximum, held):
            seated.append(group)
    seats = HallSeats(capacity, Counter(seated), reserved if held else {}, maximum, Counter())
    assert seats.taken <= capacity
    for group in (None, PLAIN, 0, 1, 2):
        assert seats.free_for(group) == seats_for(seated, group, capacity, reserved, maximum, held), group


# --- The real services, on both databases ---------------------------------------------------------------

people = st.lists(st.sampled_from([None, 0, 1, 2]), min_size=2, max_size=10)
steps = st.lists(
    st.tuples(st.sampled_from(["hall", "hall", "hall", "cancel", "stream", "release", "larger"]), st.integers(0, 9)),
    min_size=3, max_size=16,
)


@given(hall=halls(), members=people, script=steps, priorities=st.lists(st.integers(0, 2), min_size=3, max_size=3))
@example(hall=(3, {0: 1}, {}), members=[0, 0, None], script=[("hall", 0), ("hall", 1), ("hall", 2)], priorities=[0, 0, 0])
@example(hall=(3, {}, {0: 2}), members=[None, None, 0, 0, 0], script=[("hall", 0), ("hall", 1), ("hall", 2),
         ("hall", 3), ("hall", 4), ("larger", 1)], priorities=[0, 0, 0])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_answers_and_promotions_follow_the_model(app, hall, members, script, priorities):
    capacity, reserved, maximum = hall
    with app.test_request_context():
        event = make_event(hall_capacity=capacity, quota_release_at=utcnow() + timedelta(days=3))
        groups = [make_group(event, f"Gruppe {n}", reserved_seats=reserved.get(n), max_seats=maximum.get(n),
                             waiting_priority=priorities[n]) for n in range(3)]
        invitees = [make_invitee(event, group=groups[g] if g is not None else None) for g in members]
        db.session.commit()
        ids = {group.id: n for n, group in enumerate(groups)}
        for step, number in script:
            person = invitees[number % len(invitees)]
            before = registrations(event, ids)
            if step == "release":
                edit(event, quota_release_at=utcnow() - timedelta(minutes=1))
            elif step == "larger":
                edit(event, hall_capacity=event.hall_capacity + number % 3 + 1)
            else:
                outcome = services.answer(person.id, {"hall": Choice.HALL, "cancel": Choice.CANCEL,
                                                      "stream": Choice.STREAM}[step])
            db.session.commit()
            held = event.quota_release_at > utcnow()
            after = registrations(event, ids)
            seated = [group for _, group, status in after.values() if status == "seated"]
            rule = (event.hall_capacity, reserved, maximum, held)
            assert everybody_fits(seated, *rule), "never above the capacity, a maximum or a held reservation"
            for _, group, status in after.values():
                assert status != "waiting" or seats_for(seated, group, *rule) == 0, "nobody waits for a free seat"
            if held:
                for group, seats in reserved.items():
                    asking = [g for _, g, status in after.values() if g == group and status in ("seated", "waiting")]
                    assert Counter(seated)[group] >= min(seats, len(asking)), "a group keeps its guarantee"
            if step == "hall" and before.get(person.id, (None, None, None))[2] not in ("seated", "waiting"):
                was_seated = [group for _, group, status in before.values() if status == "seated"]
                may_sit = seats_for(was_seated, members[number % len(invitees)], event.hall_capacity, reserved,
                                    maximum, held) > 0
                assert (outcome.registration.status == Status.CONFIRMED) == may_sit, "first come, first served"


def registrations(event, ids: dict) -> dict:
    """Each answer of the event: invitee id -> (registration id, model group, seated / waiting / other)."""
    rows = db.session.execute(
        select(Registration.invitee_id, Registration.id, Invitee.group_id, Registration.holds_hall_seat,
               Registration.status)
        .join(Invitee, Invitee.id == Registration.invitee_id).where(Registration.event_id == event.id)
    )
    return {
        invitee_id: (registration_id, ids.get(group_id), "seated" if seated else status)
        for invitee_id, registration_id, group_id, seated, status in rows
    }


def edit(event, **changes) -> None:
    update_event(event.id, {name: getattr(event, name) for name in EDITABLE_FIELDS} | changes)
