"""The role matrix: every route of the URL map, asked by every role, gives the answer decided for it here.

A new route without a line in EXPECTED fails the suite, so every route gets an explicit access decision.
Answers: ok (served, or refused for bad input: the role may use it), login (sent to the login page), 403, 404.
Roles: anonymous (no session; a wrong token where the address has one), invitee (the own personal link, else as
anonymous), door (door staff assigned to event A), organiser (manager of event A), reader (reads event A),
other organiser (manager of event B only: event A does not exist for them), admin.
"""

from tracker.extensions import db

from .conftest import login
from .support.world import build_world

ROLES = ("anonymous", "invitee", "door", "organiser", "reader", "other organiser", "admin")
PUBLIC = dict.fromkeys(ROLES, "ok")
NOT_LOGGED_IN = {"anonymous": "login", "invitee": "login", "door": "403"}
#: Organiser pages that belong to no event (the list, a new event, the series).
ORGANISERS = {**NOT_LOGGED_IN, "organiser": "ok", "reader": "ok", "other organiser": "ok", "admin": "ok"}
#: Pages of event A for its managers; readers are refused, everybody else outside the team finds nothing.
EVENT_PAGES = {**NOT_LOGGED_IN, "organiser": "ok", "reader": "403", "other organiser": "404", "admin": "ok"}
#: Pages of event A that its readers may open too: dashboard, live figures, report, PDF, exports.
READABLE = {**EVENT_PAGES, "reader": "ok"}
ADMINS = {**NOT_LOGGED_IN, "organiser": "403", "reader": "403", "other organiser": "403", "admin": "ok"}
STAFF = {**NOT_LOGGED_IN, "door": "ok", "organiser": "ok", "reader": "ok", "other organiser": "ok", "admin": "ok"}
#: The door of event A: its door staff and its managers scan there (organisers only where they manage); to an
#: organiser outside the team its doors do not exist, as the event does not.
SCANNER = {**STAFF, "reader": "403", "other organiser": "404"}
DOOR_API = {"anonymous": "403", "invitee": "403", "door": "ok", "organiser": "ok", "reader": "403",
            "other organiser": "404", "admin": "ok"}
PERSONAL = {**dict.fromkeys(ROLES, "404"), "invitee": "ok"}

EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("accounts.index", "GET"): {**STAFF, "door": "ok"},
    ("accounts.login", "GET"): PUBLIC,
    ("accounts.login", "POST"): PUBLIC,
    ("accounts.logout", "POST"): dict.fromkeys(ROLES, "login"),  # everyone ends on the login page
    ("i18n.switch_language", "GET"): PUBLIC,
    ("operations.healthz", "GET"): PUBLIC,
    ("privacy.notice", "GET"): PUBLIC,
    ("privacy.accessibility", "GET"): PUBLIC,
    ("static", "GET"): PUBLIC,
    ("stream.heartbeat", "POST"): PUBLIC,
    ("stream.goodbye", "POST"): PUBLIC,
    ("stream.public_watch", "GET"): PUBLIC,
    ("registration.sign_up", "GET"): PUBLIC,
    ("registration.sign_up", "POST"): PUBLIC,
    # Only a link signed by the server opens the confirmation; the walk uses a forged one.
    ("registration.confirm_sign_up", "GET"): dict.fromkeys(ROLES, "404"),
    ("registration.confirm_sign_up", "POST"): dict.fromkeys(ROLES, "404"),
    ("registration.personal", "GET"): PERSONAL,
    ("registration.personal", "POST"): PERSONAL,
    ("registration.calendar", "GET"): PERSONAL,
    ("registration.ticket", "GET"): PERSONAL,
    ("stream.watch", "GET"): PERSONAL,
    ("privacy.download", "GET"): PERSONAL,
    ("privacy.erase", "GET"): PERSONAL,
    ("privacy.erase", "POST"): PERSONAL,
    ("checkin.door_home", "GET"): STAFF,
    ("checkin.scanner", "GET"): SCANNER,
    ("checkin.pair_with_camera", "GET"): PUBLIC,
    ("checkin.pair", "GET"): PUBLIC,
    ("checkin.complete_pairing", "POST"): PUBLIC,
    ("checkin.api_scan", "POST"): DOOR_API,
    ("checkin.api_walk_in", "POST"): DOOR_API,
    ("checkin.api_undo", "POST"): DOOR_API,
    ("checkin.api_search", "GET"): DOOR_API,
    ("checkin.api_counts", "GET"): DOOR_API,
    ("admin.users", "GET"): ADMINS,
    ("admin.users", "POST"): ADMINS,
    ("admin.user", "GET"): ADMINS,
    ("admin.set_role", "POST"): ADMINS,
    ("admin.set_password", "POST"): ADMINS,
    ("admin.toggle_active", "POST"): ADMINS,
    ("admin.end_sessions", "POST"): ADMINS,
    ("audit.global_log", "GET"): ADMINS,
}
ORGANISER_ENDPOINTS = "dashboard.series GET | events.index GET | events.create GET | events.create POST"
READABLE_ENDPOINTS = """
    dashboard.dashboard GET | dashboard.live_figures GET | dashboard.report GET | dashboard.report_as_pdf GET
    dashboard.attendance GET | dashboard.figures_export GET
"""
EVENT_ENDPOINTS = """
    audit.event_log GET | checkin.manage GET | checkin.create_door POST | checkin.start_pairing POST
    checkin.revoke_device POST | checkin.assign_staff POST | checkin.unassign_staff POST | checkin.set_checkout POST
    checkin.revert_checkin POST | dashboard.copy GET | dashboard.copy POST
    events.show GET | events.edit GET | events.edit POST
    events.groups GET | events.groups POST | events.edit_group GET | events.edit_group POST | events.delete_group GET
    events.delete GET | events.team GET | events.team POST | events.change_team_role POST
    events.remove_team_member POST | invitations.index GET | invitations.start_batch POST
    invitations.advance_batch POST
    invitations.resend POST | invitations.requeue POST | invitees.index GET | invitees.create GET | invitees.create POST
    invitees.edit GET | invitees.edit POST | invitees.delete GET | invitees.upload GET | invitees.upload POST
    invitees.preview GET | invitees.cancel POST | invitees.confirm POST | registration.manage GET
    registration.manage_control POST | registration.manage_deadline POST | registration.manage_promote POST
    invitations.confirm_batch POST | invitations.text GET | invitations.text POST | invitations.batch_progress GET
"""
for endpoints, answers in ((ORGANISER_ENDPOINTS, ORGANISERS), (READABLE_ENDPOINTS, READABLE),
                           (EVENT_ENDPOINTS, EVENT_PAGES)):
    for pair in endpoints.replace("\n", "|").split("|"):
        if pair.strip():
            endpoint, method = pair.split()
            EXPECTED[(endpoint, method)] = answers
#: Destructive confirmations are answered by GET only in the matrix (their POST is tested in their area).
NOT_WALKED = {("events.delete", "POST"), ("events.delete_group", "POST"), ("invitees.delete", "POST")}


#: Walked last, because they change who the client is (pairing signs a device in, logout signs out).
WALKED_LAST = ("checkin.complete_pairing", "accounts.logout")


def routes(app):
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint in WALKED_LAST, WALKED_LAST.index(rule.endpoint) if rule.endpoint in WALKED_LAST else 0, rule.rule))
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def api_body(path: str, door_id: int, role: str) -> dict | None:
    """A well-formed body, so that the answer is the access decision and not a complaint about the input."""
    nonce = f"matrix-{role.replace(' ', '-')}-0001"
    if path.endswith("/scan"):
        return {"door": door_id, "code": "UNKNOWN1", "nonce": nonce}
    if path.endswith("/walk-in"):
        return {"door": door_id, "name": "Walter Spontan", "nonce": nonce}
    if path.endswith("/undo"):
        return {"door": door_id}
    return None


def answer_kind(response) -> str:
    assert response.status_code < 500, f"{response.status_code}: {response.get_data(as_text=True)[:300]}"
    if response.status_code in (302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code in (403, 404):
        return str(response.status_code)
    return "ok"


def test_every_route_has_a_decision(app):
    walked = {(rule.endpoint, method) for rule, method in routes(app)}
    assert walked - set(EXPECTED) - NOT_WALKED == set(), "routes without an access decision in EXPECTED"
    assert set(EXPECTED) - walked == set(), "decisions for routes that no longer exist"


def test_every_role_gets_the_decided_answer_on_every_route(app):
    world = build_world(app)
    observed: dict[tuple[str, str], dict[str, str]] = {}
    for role in ROLES:
        client = app.test_client()
        if role in world.users:
            login(client, world.users[role])
        world.values["code"] = fresh_pairing_code(app, world.values["door_id"])
        for rule, method in routes(app):
            if (rule.endpoint, method) in NOT_WALKED:
                continue
            values = {name: world.values[name] for name in rule.arguments}
            if "token" in values and role != "invitee":
                values["token"] = "unknown-token-" + "x" * 20
            with app.test_request_context():
                path = app.url_for(rule.endpoint, **values)
            query = {"door": world.values["door_id"]} if rule.endpoint in ("checkin.api_counts", "checkin.api_search") else None
            headers = {"X-Tracker-Scanner": "1"}
            if method == "GET":
                response = client.get(path, query_string=query, headers=headers)
            else:
                response = client.post(path, json=api_body(path, world.values["door_id"], role), headers=headers)
            observed.setdefault((rule.endpoint, method), {})[role] = answer_kind(response)
        with app.app_context():
            db.session.remove()
    wrong = {
        key: {"expected": EXPECTED[key], "observed": answers}
        for key, answers in observed.items()
        if answers != EXPECTED[key]
    }
    assert not wrong, "\n".join(f"{key}: {value}" for key, value in sorted(wrong.items()))


def fresh_pairing_code(app, door_id: int) -> str:
    from tracker.checkin.devices import start_pairing
    from tracker.checkin.models import Door

    with app.app_context():
        _device, code = start_pairing(db.session.get(Door, door_id), "Matrix")
        db.session.commit()
        return code


def test_door_staff_cannot_scan_at_another_events_door(app):
    world = build_world(app)
    client = app.test_client()
    login(client, world.users["door"])
    headers = {"X-Tracker-Scanner": "1"}
    body = {"door": world.other_door_id, "code": "ABC", "nonce": "other-door-0001"}
    assert client.post("/api/checkin/scan", json=body, headers=headers).status_code == 403
    assert client.get(f"/door/{world.other_door_id}/scan").status_code == 403
    assert client.get(f"/api/checkin/counts?door={world.other_door_id}", headers=headers).status_code == 403
