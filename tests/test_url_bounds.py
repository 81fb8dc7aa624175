"""Numbers out of range in a URL: every id too large for a table is a 404, every page number a page, on both databases."""
import pytest

from .conftest import login
from .support.world import build_world
from .test_role_matrix import routes

HUGE = (2**31, 2**63, 10**20)


@pytest.fixture
def admin_client(app):
    world = build_world(app)
    client = app.test_client()
    login(client, world.users["admin"])
    return world, client


@pytest.mark.parametrize("huge", HUGE)
def test_every_id_in_a_url_out_of_range_is_not_found(app, admin_client, huge):
    world, client = admin_client
    walked = 0
    for rule, method in routes(app):
        numbers = [name for name, converter in rule._converters.items() if converter.__class__.__name__ == "IdConverter"]
        if not numbers:
            continue
        values = {name: world.values[name] for name in rule.arguments}
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(huge if name in numbers else values[name]))
            path = path.replace(f"<{name}>", str(values[name])).replace(f"<path:{name}>", str(values[name]))
        response = client.open(path, method=method, headers={"X-Tracker-Scanner": "1"})
        assert response.status_code == 404, f"{method} {rule.rule}: {response.status_code}"
        walked += 1
    assert walked > 30


@pytest.mark.parametrize("number", ["99999999999999999999", str(2**63), "-5", "0", "1e9", "x"])
def test_page_and_filter_numbers_out_of_range_answer_a_page(app, admin_client, number):
    world, client = admin_client
    for rule, method in routes(app):
        if method != "GET" or rule.endpoint in ("static", "accounts.logout") or "<path:" in rule.rule:
            continue
        if rule.endpoint.startswith(("checkin.api", "stream.", "registration.", "privacy.", "checkin.pair")):
            continue
        values = {name: world.values[name] for name in rule.arguments}
        with app.test_request_context():
            path = app.url_for(rule.endpoint, **values)
        response = client.get(path, query_string={"page": number, "group": number, "door": number})
        assert response.status_code < 500, f"GET {path}?page={number}: {response.status_code}"
