"""Two app servers (gunicorn, separate processes, different ports) on one PostgreSQL database."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker.checkin.devices import complete_pairing, create_door, start_pairing
from tracker.extensions import db
from tracker.invitees.links import personal_token
from tracker.registration.models import Registration

from .factories import make_event, make_invitee
from .support.servers import AppServer, HttpClient

SCANNER = {"X-Tracker-Scanner": "1"}


@pytest.fixture
def two_servers(app, backend):
    if backend.kind != "postgresql":
        pytest.skip("scale-out runs several servers on one PostgreSQL database")
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://")
    with AppServer(url, workers=2, threads=4) as first, AppServer(url, workers=2, threads=4) as second:
        yield first, second


def arrange(app, capacity: int, people: int):
    """An event under way with `people` invitees, a door and one paired device per server."""
    with app.test_request_context():
        event = make_event("Infotag Skalierung", hall_capacity=capacity, starts_in=timedelta(minutes=-10))
        tokens = [personal_token(make_invitee(event)) for _ in range(people)]
        door = create_door(event, "Eingang Nord")
        credentials = []
        for label in ("Tablet A", "Tablet B"):
            _device, code = start_pairing(door, label)
            credentials.append(complete_pairing(code)[1])
        db.session.commit()
        return event.id, door.id, tokens, credentials


def device(server, credential) -> HttpClient:
    client = HttpClient(server.url)
    from http.cookiejar import Cookie

    client.jar.set_cookie(
        Cookie(0, "door_device", credential, None, False, "127.0.0.1", False, False, "/", True, False, None, True, None, None, {})
    )
    return client


def test_a_seat_taken_on_one_server_and_a_check_in_on_the_other_are_seen_by_both(app, two_servers):
    first, second = two_servers
    event_id, door_id, tokens, credentials = arrange(app, capacity=5, people=2)
    guest = HttpClient(first.url)
    status, _page = guest.form(f"/t/{tokens[0]}", {"choice": "hall"})
    assert status == 302
    for server in (first, second):
        status, page = HttpClient(server.url).request(f"/t/{tokens[0]}")
        assert status == 200 and "Sie haben einen Platz im Sitzungssaal" in page
    status, page = guest.request(f"/t/{tokens[0]}", base_url=second.url)
    code = page.split('class="ticket-code">')[1].split("<")[0]

    status, verdict = device(second, credentials[1]).json(
        "/api/checkin/scan", {"door": door_id, "code": code, "nonce": "scale-out-0001"}, SCANNER
    )
    assert (status, verdict["verdict"]) == (200, "valid")
    on_first = device(first, credentials[0])
    status, counts = on_first.request(f"/api/checkin/counts?door={door_id}")
    assert '"present":1' in counts.replace(" ", "")
    status, again = on_first.json("/api/checkin/scan", {"door": door_id, "code": code, "nonce": "scale-out-0002"}, SCANNER)
    assert again["verdict"] == "already_checked_in"


def test_capacity_holds_when_both_servers_are_hammered(app, two_servers):
    capacity, people = 8, 40
    event_id, _door_id, tokens, _credentials = arrange(app, capacity=capacity, people=people)
    statuses: list[int] = []
    lock = threading.Lock()

    def take_seat(index: int):
        server = two_servers[index % 2]
        status, _ = HttpClient(server.url).form(f"/t/{tokens[index]}", {"choice": "hall"})
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=take_seat, args=(i,)) for i in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses.count(302) == people
    with app.app_context():
        counts = dict(
            db.session.execute(
                select(Registration.status, func.count()).where(Registration.event_id == event_id).group_by(Registration.status)
            ).all()
        )
    assert counts == {"confirmed": capacity, "waiting": people - capacity}
