"""Abuse limits (tracker.limits): named, tunable, keyed so a shared address does not share a budget."""
import uuid
from datetime import timedelta

import pytest
import redis

from tracker import limits
from tracker.extensions import limiter

REDIS_URL = "redis://127.0.0.1:6379/14"


# Decorated once: Flask-Limiter keeps route limits on the limiter, by the view function's name.
@limits.door_api
def scan():
    return "scanned"


@limits.self_registration
def register():
    return "registered"


@limits.personal_link
def link_page(token):
    return "page"


@limits.personal_link
def not_found(token):
    return "unknown link", 404


def limited_app(app_factory, **config):
    """An app with limits on and probe routes decorated like the real ones."""
    app = app_factory(RATELIMIT_ENABLED=True, **config)
    app.add_url_rule("/t/<token>/probe", "probe_link", link_page)
    app.add_url_rule("/t/<token>/missing", "probe_missing", not_found)
    app.add_url_rule("/api/probe/scan", "probe_scan", scan, methods=["POST"])
    app.add_url_rule("/probe/register", "probe_register", register, methods=["GET", "POST"])
    return app


def test_login_posts_are_limited_with_a_german_429(app_factory):
    client = limited_app(app_factory, RATELIMIT_LOGIN="3 per minute").test_client()
    for _ in range(3):
        assert client.post("/login", data={"email": "a@example.org", "password": "x"}).status_code == 401
    response = client.post("/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 429
    assert "Zu viele Anfragen" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    assert client.get("/login").status_code == 200, "reading the form is not limited"


def test_failed_logins_are_throttled_per_address_and_account_not_by_locking_the_account(app_factory):
    """Five failures from one address for one account throttle that pair only: the colleague logs in from their
    own desk, and an address without an account is throttled exactly alike."""
    from tracker.extensions import db

    from .conftest import PASSWORD
    from .factories import make_user

    app = limited_app(app_factory, RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_FAILURES="5 per 15 minutes")
    with app.app_context():
        email = make_user("organiser").email
        db.session.commit()
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    for target in (email, "niemand@muenchen.example"):
        for _ in range(5):
            assert attacker.post("/login", data={"email": target, "password": "falsch"}).status_code == 401
        throttled = attacker.post("/login", data={"email": target, "password": PASSWORD})
        assert throttled.status_code == 429 and throttled.headers["Retry-After"]
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.0.0.7"
    assert owner.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_successful_logins_do_not_count_as_failures(app_factory):
    from tracker.extensions import db

    from .conftest import PASSWORD
    from .factories import make_user

    app = limited_app(app_factory, RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_FAILURES="2 per 15 minutes")
    with app.app_context():
        email = make_user("organiser").email
        db.session.commit()
    for _ in range(4):
        assert app.test_client().post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_the_429_answer_of_an_api_is_german_json(app_factory):
    client = limited_app(app_factory, RATELIMIT_CHECKIN="1 per minute").test_client()
    first = client.post("/api/probe/scan")
    assert first.status_code == 200 and "X-RateLimit-Remaining" not in first.headers, "no window read for headers"
    response = client.post("/api/probe/scan")
    assert response.status_code == 429
    assert response.get_json()["error"].startswith("Zu viele Anfragen")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_door_devices_behind_one_address_have_their_own_budgets(app_factory):
    client = limited_app(app_factory, RATELIMIT_CHECKIN="5 per minute").test_client()
    north = {"Authorization": "Bearer device-north-credential"}
    south = {"Authorization": "Bearer device-south-credential"}
    assert [client.post("/api/probe/scan", headers=north).status_code for _ in range(5)] == [200] * 5
    assert client.post("/api/probe/scan", headers=north).status_code == 429
    assert client.post("/api/probe/scan", headers=south).status_code == 200
    client.set_cookie(limits.DOOR_CREDENTIAL_COOKIE, "device-east-cookie")
    assert client.post("/api/probe/scan").status_code == 200


def test_the_default_door_limit_outlasts_a_busy_door(app_factory):
    """A door admitting a guest every second for a minute, each scan retried once, stays under the limit."""
    client = limited_app(app_factory).test_client()
    headers = {"Authorization": "Bearer busy-door"}
    statuses = {client.post("/api/probe/scan", headers=headers).status_code for _ in range(120)}
    assert statuses == {200}


def test_personal_links_count_per_link_and_unknown_links_per_address(app_factory):
    client = limited_app(
        app_factory, RATELIMIT_PERSONAL_LINK="3 per minute", RATELIMIT_UNKNOWN_LINK="2 per minute"
    ).test_client()
    assert [client.get("/t/alpha/probe").status_code for _ in range(3)] == [200] * 3
    assert client.get("/t/alpha/probe").status_code == 429
    assert client.get("/t/beta/probe").status_code == 200, "another invitee behind the same address"
    assert [client.get(f"/t/guess{i}/missing").status_code for i in range(2)] == [404, 404]
    assert client.get("/t/guess9/missing").status_code == 429, "guessing links is slowed down per address"


@pytest.mark.parametrize("presence", ["database", "redis"])
def test_heartbeats_count_per_viewer(app_factory, presence):
    """The real heartbeat API: one budget per viewer, whoever shares their address, counted by the presence store
    (in Redis: in its heartbeat script); bad bodies are refused unread."""
    from tracker.extensions import db
    from tracker.stream.viewers import issue_token

    from .factories import make_event

    settings = {}
    if presence == "redis":
        redis_or_skip()
        settings = {"REDIS_URL": REDIS_URL, "STREAM_REDIS_PREFIX": f"test:{uuid.uuid4().hex}:"}
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_HEARTBEAT="2 per minute;50 per hour", **settings)
    with app.app_context():
        event = make_event(starts_in=timedelta(minutes=-10))
        db.session.commit()
        first, second = issue_token(event), issue_token(event)
    client = app.test_client()

    def beat(token):
        return client.post("/api/stream/heartbeat", json={"viewer": token})

    assert [beat(first).status_code for _ in range(2)] == [204, 204]
    refused = beat(first)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["error"].startswith("Zu viele Anfragen")
    assert beat(second).status_code == 204, "another viewer behind the same address"
    assert client.post("/api/stream/heartbeat", data=b"\xff\xfe not json").status_code == 400


def test_only_the_views_check_their_limits(app_factory):
    """Flask-Limiter's pass before every request is dropped: this app has no default or blueprint limits."""
    app = limited_app(app_factory)
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    assert not app.config.get("RATELIMIT_DEFAULT") and not app.config.get("RATELIMIT_APPLICATION")


def test_self_registration_counts_per_mail_address(app_factory):
    client = limited_app(app_factory, RATELIMIT_SELF_REGISTRATION="2 per hour").test_client()
    for _ in range(2):
        assert client.post("/probe/register", data={"email": "Anna@example.org"}).status_code == 200
    assert client.post("/probe/register", data={"email": " anna@EXAMPLE.org"}).status_code == 429
    assert client.post("/probe/register", data={"email": "ben@example.org"}).status_code == 200
    assert client.get("/probe/register").status_code == 200, "reading the form is not limited"


def test_self_registration_has_a_ceiling_per_address(app_factory):
    client = limited_app(app_factory, RATELIMIT_SELF_REGISTRATION_PER_ADDRESS="3 per hour").test_client()
    assert [client.post("/probe/register", data={"email": f"p{i}@example.org"}).status_code for i in range(3)] == [
        200
    ] * 3
    assert client.post("/probe/register", data={"email": "p9@example.org"}).status_code == 429


def test_storage_is_memory_without_redis(app_factory):
    limited_app(app_factory)
    assert type(limiter.storage).__name__ == "MemoryStorage"


def redis_or_skip():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return client


def test_counters_live_in_redis_when_configured_and_hold_no_secret(app_factory):
    store = redis_or_skip()
    app = limited_app(app_factory, REDIS_URL=REDIS_URL, RATELIMIT_CHECKIN="2 per minute")
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert type(limiter.storage).__name__ == "RedisStorage"
    client = app.test_client()
    credential = "secret-device-credential-" + uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {credential}"}
    before = set(store.scan_iter("LIMITS:*probe_scan*"))
    try:
        assert [client.post("/api/probe/scan", headers=headers).status_code for _ in range(3)] == [200, 200, 429]
        added = [key.decode() for key in set(store.scan_iter("LIMITS:*probe_scan*")) - before]
        assert len(added) == 1
        assert credential not in added[0] and "device:" in added[0]
    finally:
        for key in set(store.scan_iter("LIMITS:*probe_scan*")) - before:
            store.delete(key)


def test_the_real_check_in_api_counts_per_paired_device(app_factory):
    """Two paired devices behind one address: one device reaching its limit does not stop the other door."""
    from tracker.checkin.devices import complete_pairing, create_door, start_pairing
    from tracker.extensions import db

    from .factories import make_event

    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_CHECKIN="3 per minute")
    with app.app_context():
        event = make_event(starts_in=timedelta(minutes=-10))
        door = create_door(event, "Eingang Nord")
        credentials = []
        for label in ("Handy 1", "Handy 2"):
            _device, code = start_pairing(door, label)
            credentials.append(complete_pairing(code)[1])
        db.session.commit()
        door_id = door.id
    first, second = app.test_client(), app.test_client()
    first.set_cookie(limits.DOOR_CREDENTIAL_COOKIE, credentials[0])
    second.set_cookie(limits.DOOR_CREDENTIAL_COOKIE, credentials[1])
    headers = {"X-Tracker-Scanner": "1"}

    def scan(client, number):
        body = {"door": door_id, "code": "UNKNOWN1", "nonce": f"nonce-{number:05d}"}
        return client.post("/api/checkin/scan", json=body, headers=headers).status_code

    assert [scan(first, n) for n in range(3)] == [200] * 3
    assert scan(first, 3) == 429
    assert scan(second, 4) == 200
