"""A viewer whose registration stops allowing the livestream stops counting at once (issue 17, item 8), on the
database store and with Redis in front: cancelled, declined, waiting without a livestream place, erased, removed."""
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tracker.events.models import Event
from tracker.extensions import db
from tracker.invitees.links import personal_token
from tracker.invitees.models import Invitee
from tracker.invitees.services import remove_invitee
from tracker.privacy.services import erase_invitee
from tracker.registration.models import Registration
from tracker.registration.services import Choice, answer
from tracker.stream.models import ViewerMinute

from .factories import make_invitee, make_registration
from .test_stream import at, beat, figures, make_stream_event, registered, stream_app  # noqa: F401  (fixture)

STOPPED_MESSAGE = (
    "Sie sind nicht mehr für den Livestream angemeldet. Auf Ihrer Anmeldeseite können Sie sich wieder anmelden."
)


def open_watch_page(client, link: str, moment) -> str:
    """The viewer token of the watch page the personal link opens at that moment."""
    with time_machine.travel(moment, tick=False):
        response = client.get(f"/t/{link}/watch")
    assert response.status_code == 200
    return re.search(r'data-viewer-token="([^"]+)"', response.get_data(as_text=True)).group(1)


def beat_at(client, token, moment) -> int:
    with time_machine.travel(moment, tick=False):
        return beat(client, token).status_code


def watching_guest(app, **event_fields):
    """A client, the event, the invitee's id and personal link, and the token of their watch page, counted once."""
    client = app.test_client()
    with app.app_context():
        event = make_stream_event(**event_fields)
        invitee = registered(event)
        ids, link = (event.id, invitee.id), personal_token(invitee)
        db.session.commit()
    token = open_watch_page(client, link, at(1))
    assert beat_at(client, token, at(1) + timedelta(seconds=5)) == 204
    assert figures(app, ids[0], at(1) + timedelta(seconds=10)).watching_now == 1
    return client, ids, link, token


def assert_refused(app, client, event_id, token, moment):
    """The old token's heartbeat is refused with the German message and is not recorded."""
    assert figures(app, event_id, moment).watching_now == 0
    with app.app_context():
        seen_before = db.session.scalars(select(ViewerMinute.last_seen_at)).all()
    with time_machine.travel(moment, tick=False):
        response = beat(client, token)
    assert response.status_code == 403
    assert response.get_json() == {"error": STOPPED_MESSAGE, "status": 403}
    assert figures(app, event_id, moment + timedelta(seconds=1)).watching_now == 0
    with app.app_context():
        assert db.session.scalars(select(ViewerMinute.last_seen_at)).all() == seen_before


def test_cancelling_on_the_personal_page_stops_the_viewer_and_re_registering_counts_again(stream_app):
    client, (event_id, _), link, token = watching_guest(stream_app)
    with time_machine.travel(at(1) + timedelta(seconds=20), tick=False):
        assert client.post(f"/t/{link}", data={"choice": "cancel"}).status_code == 302
    assert_refused(stream_app, client, event_id, token, at(1) + timedelta(seconds=35))
    assert beat_at(client, token, at(2) + timedelta(seconds=5)) == 403, "refused for good, not once"

    with time_machine.travel(at(2) + timedelta(seconds=10), tick=False):
        assert client.post(f"/t/{link}", data={"choice": "stream"}).status_code == 302
    new_token = open_watch_page(client, link, at(2) + timedelta(seconds=15))
    assert beat_at(client, new_token, at(2) + timedelta(seconds=20)) == 204
    result = figures(stream_app, event_id, at(2) + timedelta(seconds=25))
    assert (result.watching_now, result.unique_viewers, result.total_minutes) == (1, 1, 2)


def test_declining_stops_the_viewer(stream_app):
    client, (event_id, invitee_id), _, token = watching_guest(stream_app)
    with stream_app.test_request_context(), time_machine.travel(at(1) + timedelta(seconds=20), tick=False):
        answer(invitee_id, Choice.DECLINE)
        db.session.commit()
    assert_refused(stream_app, client, event_id, token, at(1) + timedelta(seconds=35))


def test_waiting_list_keeps_a_viewer_with_a_livestream_place_and_stops_one_without(stream_app):
    client, (event_id, invitee_id), _, token = watching_guest(stream_app, hall_capacity=1)
    with stream_app.app_context():
        make_registration(make_invitee(db.session.get(Event, event_id)), mode="hall")  # the hall is full
        db.session.commit()
    with stream_app.test_request_context(), time_machine.travel(at(1) + timedelta(seconds=20), tick=False):
        assert answer(invitee_id, Choice.HALL).registration.stream_while_waiting
        db.session.commit()
    assert beat_at(client, token, at(1) + timedelta(seconds=35)) == 204

    with stream_app.test_request_context(), time_machine.travel(at(1) + timedelta(seconds=40), tick=False):
        answer(invitee_id, Choice.STREAM)
        db.session.get(Event, event_id).livestream = False  # the organisers drop the livestream meanwhile
        db.session.commit()
    with stream_app.test_request_context(), time_machine.travel(at(1) + timedelta(seconds=45), tick=False):
        registration = answer(invitee_id, Choice.HALL).registration
        assert (registration.status, registration.stream_while_waiting) == ("waiting", False)
        db.session.commit()
    assert_refused(stream_app, client, event_id, token, at(1) + timedelta(seconds=50))


@pytest.mark.parametrize("registration_closed", [False, True], ids=["open", "closed"])
def test_erasure_stops_the_viewer(stream_app, registration_closed):
    """Also while answers are closed, when erasure withdraws the registration without the answer's own path."""
    client, (event_id, invitee_id), _, token = watching_guest(stream_app, registration_closed=registration_closed)
    with stream_app.test_request_context(), time_machine.travel(at(1) + timedelta(seconds=20), tick=False):
        erase_invitee(invitee_id, at(1) + timedelta(seconds=20))
        db.session.commit()
    assert_refused(stream_app, client, event_id, token, at(1) + timedelta(seconds=35))


def test_removing_the_invitee_stops_the_viewer(stream_app):
    client, (event_id, invitee_id), _, token = watching_guest(stream_app)
    with stream_app.test_request_context(), time_machine.travel(at(1) + timedelta(seconds=20), tick=False):
        remove_invitee(db.session.get(Invitee, invitee_id))
        db.session.commit()
    assert_refused(stream_app, client, event_id, token, at(1) + timedelta(seconds=35))


def test_a_cancellation_rolled_back_stops_nobody(stream_app):
    client, (event_id, invitee_id), _, token = watching_guest(stream_app)
    with stream_app.test_request_context(), time_machine.travel(at(1) + timedelta(seconds=20), tick=False):
        answer(invitee_id, Choice.CANCEL)
        db.session.rollback()
    assert beat_at(client, token, at(1) + timedelta(seconds=35)) == 204
    assert figures(stream_app, event_id, at(1) + timedelta(seconds=40)).watching_now == 1


@pytest.mark.parametrize("status, mode, stream_while_waiting", [
    ("confirmed", "stream", False), ("confirmed", "hall", False), ("waiting", "hall", True),
    ("waiting", "hall", False), ("cancelled", "hall", False), ("cancelled", "stream", False), ("declined", None, False),
])
def test_may_watch_says_the_same_in_python_and_in_sql(app, status, mode, stream_while_waiting):
    with app.app_context():
        invitee = make_invitee(make_stream_event())
        registration = make_registration(invitee, mode=mode, status=status, stream_while_waiting=stream_while_waiting)
        in_sql = db.session.scalar(select(Registration.may_watch).where(Registration.id == registration.id))
        assert bool(in_sql) == registration.may_watch == (status == "confirmed" or stream_while_waiting)


def test_a_heartbeat_that_was_on_its_way_during_the_cancellation_does_not_count(app):
    """Database store: a heartbeat whose statement started before the cancellation's commit may still write its
    last-seen time; "watching now" counts only invitees who may watch, so it does not count them."""
    client, (event_id, _), link, token = watching_guest(app)
    with time_machine.travel(at(1) + timedelta(seconds=20), tick=False):
        assert client.post(f"/t/{link}", data={"choice": "cancel"}).status_code == 302
    with app.app_context():
        for minute in db.session.scalars(select(ViewerMinute)):
            minute.last_seen_at = at(1) + timedelta(seconds=25)  # what the late heartbeat wrote
        db.session.commit()
    assert figures(app, event_id, at(1) + timedelta(seconds=30)).watching_now == 0
