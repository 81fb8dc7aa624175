"""Bad input everywhere: random and hostile values into every form and JSON API find no 500, and input that is
refused changes nothing in the database. Bounded in count so the suite stays fast."""
import hashlib
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from tracker.extensions import db
from tracker.tickets.codes import TICKET_CODE_LENGTH, is_well_formed, normalize_scanned_code

from .conftest import login
from .support.world import build_world

HOSTILE_TEXT = [
    "",
    " \t ",
    "x" * 20_000,
    "\x00\x01\x02\x1b[31m",
    "\u202eevil\u200b\ufeff",
    "'; DROP TABLE invitees; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "../../../etc/passwd",
    "-1",
    "99999999999999999999999",
    "1e309",
    "２０２６-１３-４５",
    "\ufffd\ufffd",
]
HOSTILE_BODIES = [
    b"",
    b"\xff\xfe\x00\x00",
    b"{",
    b"[" * 5000 + b"]" * 5000,
    b'{"door": ' + b"9" * 5000 + b"}",
    b'{"door": 1, "door": "x"}',
    "{\"code\": \"\u0000\"}".encode(),
]
HOSTILE_JSON = [
    None, [], "text", 12, 1.5, True,
    {"door": "1"}, {"door": -1}, {"door": 0}, {"door": 2**70}, {"door": True}, {"door": None},
    {"door": 1, "nonce": "x" * 1000, "code": ["a"]},
    {"door": 1, "nonce": "abcdefgh", "code": "\x00" * 100},
    {"door": 1, "nonce": "abcdefgh", "code": "A" * 100_000},
    {"door": 1, "nonce": "abcdefgh", "invitee": "1"},
    {"door": 1, "nonce": "abcdefgh", "name": {"$ne": 1}},
    {"door": 1, "nonce": "abcdefgh", "name": "Ok", "email": "not an address"},
    {"viewer": {"a": 1}}, {"viewer": "x" * 5000}, {"viewer": None},
]
#: Reads and caches that a GET may write; everything else must stay as it was when input is refused.
VOLATILE_TABLES = {"dashboard_figure_cache"}
#: Posting these is an action without input (nothing to refuse), or signs the client in or out.
NO_INPUT_ACTIONS = {"accounts.logout", "admin.toggle_active", "admin.end_sessions", "checkin.complete_pairing", "checkin.revoke_device",
                    "checkin.unassign_staff", "checkin.revert_checkin", "invitees.cancel", "invitees.confirm",
                    "invitations.advance_batch", "invitations.resend", "invitations.requeue",
                    "events.delete", "events.delete_group", "invitees.delete"}
FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"[^>]*>')
FILE_FIELD = re.compile(r'<input[^>]*type="file"[^>]*\bname="([^"]+)"|<input[^>]*\bname="([^"]+)"[^>]*type="file"')


def fingerprint(app) -> str:
    """A digest of every row of every table (except caches), to prove that nothing changed."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            order = [column for column in table.primary_key.columns]
            for row in db.session.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
        db.session.remove()
    return digest.hexdigest()


def assert_refused_changes_nothing(app, response, before: str, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        assert fingerprint(app) == before, f"{what}: refused with {response.status_code} but the database changed"


@pytest.fixture
def world_client(app):
    world = build_world(app)
    client = app.test_client()
    login(client, world.users["admin"])
    with app.app_context():
        db.session.execute(text("SELECT 1"))
    return world, client


def form_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint not in NO_INPUT_ACTIONS and not rule.rule.startswith("/api/"):
            yield rule


def test_every_form_refuses_hostile_values_without_error_or_change(app, world_client):
    world, client = world_client
    tried = 0
    for rule in sorted(form_routes(app), key=lambda rule: rule.rule):
        with app.test_request_context():
            path = app.url_for(rule.endpoint, **{name: world.values[name] for name in rule.arguments})
        page = client.get(path).get_data(as_text=True) if "GET" in rule.methods else ""
        fields = sorted(set(FIELD_NAME.findall(page)) - {"csrf_token"}) or ["name", "email", "title", "choice", "role"]
        file_fields = {a or b for a, b in FILE_FIELD.findall(page)}
        for value in HOSTILE_TEXT:
            before = fingerprint(app)
            data = {name: value for name in fields if name not in file_fields}
            for name in file_fields:
                data[name] = (io.BytesIO(value.encode("utf-8", "replace") * 3), "liste.csv")
            response = client.post(path, data=data, content_type="multipart/form-data")
            assert_refused_changes_nothing(app, response, before, f"{rule.endpoint} with {value[:30]!r}")
            tried += 1
    assert tried > 100


API_ROUTES = ["/api/checkin/scan", "/api/checkin/walk-in", "/api/checkin/undo", "/api/stream/heartbeat", "/api/stream/goodbye"]


@pytest.mark.parametrize("path", API_ROUTES)
def test_every_api_refuses_hostile_bodies_without_error_or_change(app, world_client, path):
    world, client = world_client
    headers = {"X-Tracker-Scanner": "1"}
    for body in HOSTILE_JSON:
        before = fingerprint(app)
        response = client.post(path, json=body, headers=headers)
        assert_refused_changes_nothing(app, response, before, f"{path} with {str(body)[:60]}")
        if response.status_code >= 400 and path.startswith("/api/checkin"):
            assert response.is_json and response.get_json()["error"], "a clear message"
    for raw in HOSTILE_BODIES:
        before = fingerprint(app)
        response = client.post(path, data=raw, headers={**headers, "Content-Type": "application/json"})
        assert_refused_changes_nothing(app, response, before, f"{path} with raw {raw[:40]!r}")
    for query in ({"door": "x"}, {"door": "-5"}, {"door": "1" * 400}, {"q": "\x00" * 50, "door": world.values["door_id"]}):
        for get_path in ("/api/checkin/counts", "/api/checkin/search"):
            assert client.get(get_path, query_string=query, headers=headers).status_code < 500


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(
        st.sampled_from(["door", "code", "nonce", "invitee", "name", "email", "exit", "move_to_hall", "viewer"])
        | st.text(max_size=6),
        children,
        max_size=6,
    ),
    max_leaves=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(API_ROUTES), body=JSON_VALUES)
def test_json_apis_take_any_json_without_error(app, world_client, path, body):
    world, client = world_client
    before = fingerprint(app)
    response = client.post(path, json=body, headers={"X-Tracker-Scanner": "1"})
    assert_refused_changes_nothing(app, response, before, f"{path} with {str(body)[:80]}")


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_scanned_text_normalizes_to_a_code_shape_or_nothing(raw):
    code = normalize_scanned_code(raw)
    assert code is None or (len(code) == TICKET_CODE_LENGTH and code == normalize_scanned_code(code))
    if code is not None and is_well_formed(code):
        assert code.isalnum() and code.isupper() or code.isdigit()
