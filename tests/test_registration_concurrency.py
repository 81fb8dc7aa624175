"""Seats under concurrent requests through real HTTP: two apps on one database, like two workers."""
import http.client
import threading
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from tracker.database import utcnow
from tracker.extensions import db
from tracker.invitees.models import Invitee
from tracker.invitees.links import personal_token
from tracker.mail.models import OutboxMail
from tracker.registration.models import Registration, Ticket

from .conftest import LiveServer
from .factories import make_event, make_group, make_invitee, make_registration


@pytest.fixture
def workers(app_factory):
    """Two apps on the test's database, each served over HTTP on its own loopback port.

    A hundred requests queue for each app's fifteen connections; on a busy machine that takes longer
    than the default 30-second pool timeout.
    """
    engine_options = {"pool_pre_ping": True, "pool_timeout": 180}
    servers = [LiveServer(app_factory(SQLALCHEMY_ENGINE_OPTIONS=engine_options)) for _ in range(2)]
    yield servers
    for server in servers:
        server.stop()


def post_concurrently(servers, posts):
    """Send every (path, form) POST at once from its own thread, spread over the servers; return the statuses."""
    barrier = threading.Barrier(len(posts))
    statuses = [None] * len(posts)

    def send(index, path, form):
        address = urlsplit(servers[index % len(servers)].url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        body = urlencode(form)
        barrier.wait()
        connection.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        statuses[index] = connection.getresponse().status
        connection.close()

    threads = [threading.Thread(target=send, args=(i, path, form)) for i, (path, form) in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    return statuses


def counts(app, event_id):
    with app.app_context():
        by_state = dict(
            ((status, mode, stream), number)
            for status, mode, stream, number in db.session.execute(
                select(Registration.status, Registration.mode, Registration.stream_while_waiting, func.count())
                .where(Registration.event_id == event_id)
                .group_by(Registration.status, Registration.mode, Registration.stream_while_waiting)
            )
        )
        valid_tickets = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.revoked_at.is_(None)))
        mails = db.session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "confirmation"))
    return by_state, valid_tickets, mails


def test_200_requests_for_the_last_10_seats(workers):
    app = workers[0].app
    with app.app_context():
        event = make_event(hall_capacity=60)
        for _ in range(50):
            make_registration(make_invitee(event))
        tokens = [personal_token(make_invitee(event)) for _ in range(200)]
        db.session.commit()
        event_id = event.id
    statuses = post_concurrently(workers, [(f"/t/{token}", {"choice": "hall"}) for token in tokens])
    assert statuses == [302] * 200
    by_state, valid_tickets, mails = counts(app, event_id)
    assert by_state == {("confirmed", "hall", False): 60, ("waiting", "hall", True): 190}
    assert valid_tickets == 250
    assert mails == 200


def test_200_requests_for_the_last_10_seats_of_a_group_maximum(workers):
    app = workers[0].app
    with app.app_context():
        event = make_event(hall_capacity=500)
        council = make_group(event, "Stadtrat", reserved_seats=15, max_seats=20)
        for _ in range(10):
            make_registration(make_invitee(event, group=council))
        tokens = [personal_token(make_invitee(event, group=council)) for _ in range(200)]
        db.session.commit()
        event_id = event.id
    statuses = post_concurrently(workers, [(f"/t/{token}", {"choice": "hall"}) for token in tokens])
    assert statuses == [302] * 200
    by_state, _, _ = counts(app, event_id)
    assert by_state == {("confirmed", "hall", False): 20, ("waiting", "hall", True): 190}


def test_200_requests_for_the_last_10_seats_with_reserving_groups(workers):
    """Every invitee in a group; of the last 10 seats 5 are held for the council, 3 for staff and 2 are shared, and
    the council's maximum lets it take only one of the shared seats."""
    app = workers[0].app
    with app.app_context():
        event = make_event(hall_capacity=60, quota_release_at=utcnow() + timedelta(days=3))
        council = make_group(event, "Stadtrat", reserved_seats=10, max_seats=11)
        staff = make_group(event, "Beschäftigte", reserved_seats=5)
        speakers = make_group(event, "Referent*innen")
        for group, seated in ((council, 5), (staff, 2), (speakers, 43)):
            for _ in range(seated):
                make_registration(make_invitee(event, group=group))
        tokens = [personal_token(make_invitee(event, group=(council, staff, speakers)[i % 3])) for i in range(200)]
        db.session.commit()
        event_id, group_ids = event.id, (council.id, staff.id, speakers.id)
    statuses = post_concurrently(workers, [(f"/t/{token}", {"choice": "hall"}) for token in tokens])
    assert statuses == [302] * 200
    by_state, _, _ = counts(app, event_id)
    assert by_state == {("confirmed", "hall", False): 60, ("waiting", "hall", True): 190}
    with app.app_context():
        seated = dict(db.session.execute(
            select(Invitee.group_id, func.count()).join(Registration, Registration.invitee_id == Invitee.id)
            .where(Registration.event_id == event_id, Registration.holds_hall_seat).group_by(Invitee.group_id)
        ).all())
    council_seats, staff_seats, speaker_seats = (seated.get(group_id, 0) for group_id in group_ids)
    assert 10 <= council_seats <= 11 and 5 <= staff_seats <= 7 and 43 <= speaker_seats <= 45
    assert council_seats + staff_seats + speaker_seats == 60


def test_one_person_clicking_many_times_gets_one_registration(workers):
    app = workers[0].app
    with app.app_context():
        event = make_event()
        token = personal_token(make_invitee(event))
        db.session.commit()
        event_id = event.id
    statuses = post_concurrently(workers, [(f"/t/{token}", {"choice": "hall"})] * 12)
    assert statuses == [302] * 12
    by_state, valid_tickets, mails = counts(app, event_id)
    assert by_state == {("confirmed", "hall", False): 1}
    assert valid_tickets == 1 and mails == 1


def test_concurrent_cancellations_promote_the_waiting_list_in_order(workers):
    app = workers[0].app
    with app.app_context():
        event = make_event(hall_capacity=4)
        council = make_group(event, "Stadtrat", waiting_priority=1)
        holders = [make_invitee(event) for _ in range(4)]
        for holder in holders:
            make_registration(holder)
        db.session.commit()
        waiting = [make_invitee(event) for _ in range(4)]
        first_by_priority = make_invitee(event, group=council)
        db.session.commit()
        holder_tokens = [personal_token(h) for h in holders]
        waiting_tokens = [personal_token(w) for w in waiting]
        order = [first_by_priority.id] + [w.id for w in waiting]
        priority_token = personal_token(first_by_priority)
        event_id = event.id
    for token in waiting_tokens + [priority_token]:  # one after another: waiting_since gives the order
        assert post_concurrently(workers[:1], [(f"/t/{token}", {"choice": "hall"})]) == [302]
    assert post_concurrently(workers, [(f"/t/{t}", {"choice": "cancel"}) for t in holder_tokens[:3]]) == [302] * 3
    with app.app_context():
        confirmed = set(
            db.session.execute(
                select(Registration.invitee_id).where(
                    Registration.event_id == event_id, Registration.status == "confirmed", Registration.mode == "hall"
                )
            ).scalars()
        )
        promotions = db.session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.kind == "promotion"))
    assert confirmed == {holders[3].id, *order[:3]}
    assert promotions == 3


def test_concurrent_confirmations_of_case_variants_make_one_invitee(workers):
    from tracker.invitees.models import Invitee
    from tracker.registration.self_registration import SignUpRequest, link_token

    app = workers[0].app
    with app.app_context(), app.test_request_context():
        event = make_event(self_registration=True, self_registration_domains="muenchen.example")
        db.session.commit()
        variants = ["clara@muenchen.example", "Clara@muenchen.example", "CLARA@MUENCHEN.EXAMPLE", "clara@Muenchen.Example"]
        links = [
            f"/anmeldung/{event.public_token}/confirm/"
            + link_token(SignUpRequest(event.id, "Clara", address, "IT", "de"))
            for address in variants * 3
        ]
        event_id = event.id
    statuses = post_concurrently(workers, [(link, {}) for link in links])
    assert statuses == [302] * len(links)
    with app.app_context():
        invitees = db.session.execute(select(Invitee).where(Invitee.event_id == event_id)).scalars().all()
    assert len(invitees) == 1 and invitees[0].email.lower() == "clara@muenchen.example"
