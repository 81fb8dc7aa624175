"""The door's JSON API: scan, walk-in, undo, name search and hall counts, each answered once per nonce."""
import re

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import limits
from ..database import statements_commit_alone
from ..extensions import csrf, db
from ..forms import has_forbidden_characters
from ..web import LARGEST_ID, hidden_from
from . import bp, staff
from .devices import CREDENTIAL_COOKIE
from .door_read import DoorFacts, Scanner, door_counts, door_facts, scanner_of
from .scan_log import guest_name, one_writer_per_process, record_scan, undo_last
from .search import search_guests
from .verdicts import admit_invitee, scan, ticket_code
from .walk_ins import walk_in

#: Header every API request must carry: browsers cannot send it cross-site without a CORS preflight we never allow.
SCANNER_HEADER = "X-Tracker-Scanner"
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_MAX_CODE_LENGTH = 200
#: Ids are 32-bit in the database; anything larger cannot name a row (and would overflow the driver).


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    db.session.rollback()
    return jsonify(error=error.message, status=error.status), error.status


def _json_request() -> dict:
    """The JSON object of a POST, after the checks that keep other sites from forging it."""
    if request.headers.get(SCANNER_HEADER) != "1":
        raise ApiError(400, _("The header %(header)s: 1 is missing.", header=SCANNER_HEADER))
    if request.mimetype != "application/json":
        raise ApiError(400, _("Send the request body as JSON (Content-Type: application/json)."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, _("The request body is not a valid JSON object."))
    return data


def _whole_number(data: dict, name: str, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LARGEST_ID:
        raise ApiError(400, _("“%(name)s” must be a positive whole number.", name=name))
    return value


def _flag(data: dict, name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise ApiError(400, _("“%(name)s” must be true or false.", name=name))
    return value


def _text(data: dict, name: str, max_length: int, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_length:
        raise ApiError(400, ngettext("“%(name)s” must be a text of at most %(num)s character.",
                                 "“%(name)s” must be a text of at most %(num)s characters.", max_length, name=name))
    if has_forbidden_characters(value):
        raise ApiError(400, _("“%(name)s” must not hold control characters or direction marks.", name=name))
    return value.strip()


def _nonce(data: dict) -> str:
    nonce = data.get("nonce")
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise ApiError(400, _("“nonce” must be 8 to 64 letters, digits, “-” or “_”."))
    return nonce


def _door_facts(door_id: int, **lookup) -> DoorFacts:
    """door_facts for this request's device cookie; 404 for an unknown door."""
    facts = door_facts(door_id, request.cookies.get(CREDENTIAL_COOKIE), **lookup)
    if facts is None:
        raise ApiError(404, _("This door does not exist."))
    return facts


def _scanner(facts: DoorFacts) -> Scanner:
    """The paired device at its own door; else the logged-in account, if it may scan at this door's event."""
    if facts.device_id is not None:
        return scanner_of(facts, None)
    if not staff.may_scan_for(current_user, facts.event_id):
        if hidden_from(current_user, facts.event_id):
            raise ApiError(404, _("This door does not exist."))
        raise ApiError(403, _("This device or account may not scan at this door."))
    return scanner_of(facts, current_user._get_current_object())


def _answer_once(door_id: int, nonce: str, scanned: str, decide, **guest):
    """Run decide() once per (door, nonce): a retry gets the stored answer; a lost race is re-decided."""
    for _attempt in range(5):
        with one_writer_per_process():
            answer = _try_answer(door_id, nonce, scanned, decide, guest)
        if answer is not None:
            return current_app.response_class(answer, mimetype="application/json")
    raise ApiError(503, _("The door is very busy. Please scan again."))


def _try_answer(door_id: int, nonce: str, scanned: str, decide, guest: dict) -> str | None:
    """One attempt: the JSON answer, or None when it lost a race for the unique keys.

    Most answers read once and write one statement (the scan log, with the new check-in), so on PostgreSQL
    each statement commits alone; a verdict that writes more holds its writes together (see
    tracker.database.writes_together).
    """
    statements_commit_alone()
    facts = _door_facts(door_id, nonce=nonce, **guest)
    scanner = _scanner(facts)
    if facts.earlier_answer is not None:
        db.session.commit()
        return facts.earlier_answer
    try:
        verdict = decide(scanner, facts)
        answer = record_scan(scanner, facts, nonce, scanned, verdict)
        db.session.commit()
        return answer
    except IntegrityError:
        db.session.rollback()
        return None


@bp.post("/api/checkin/scan")
@csrf.exempt
@limits.door_api
def api_scan():
    data = _json_request()
    door_id = _whole_number(data, "door")
    nonce = _nonce(data)
    move_to_hall = _flag(data, "move_to_hall")
    exit_scan = _flag(data, "exit")
    if ("code" in data) == ("invitee" in data):
        raise ApiError(400, _("Send either “code” or “invitee”."))
    if "code" in data:
        scanned = data["code"]
        if not isinstance(scanned, str) or not scanned.strip():
            raise ApiError(400, _("“code” must be the scanned text."))
        scanned = scanned[:_MAX_CODE_LENGTH]
        code = ticket_code(scanned)
        return _answer_once(
            door_id, nonce, scanned,
            lambda scanner, facts: scan(scanner, facts, code, move_to_hall=move_to_hall, exit_scan=exit_scan),
            code=code,
        )
    invitee_id = _whole_number(data, "invitee")
    return _answer_once(
        door_id, nonce, f"invitee:{invitee_id}",
        lambda scanner, facts: admit_invitee(scanner, facts, move_to_hall=move_to_hall, exit_scan=exit_scan),
        invitee_id=invitee_id,
    )


@bp.post("/api/checkin/walk-in")
@csrf.exempt
@limits.door_api
def api_walk_in():
    data = _json_request()
    door_id = _whole_number(data, "door")
    nonce = _nonce(data)
    invitee_id = _whole_number(data, "invitee", required=False)
    name = _text(data, "name", 200, required=invitee_id is None)
    email = _text(data, "email", 254, required=False) or None
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ApiError(400, _("“email” is not a valid e-mail address."))
    return _answer_once(
        door_id, nonce, f"walk-in:{invitee_id or ''}",
        lambda scanner, _facts: walk_in(scanner, name=name, email=email, invitee_id=invitee_id),
    )


@bp.post("/api/checkin/undo")
@csrf.exempt
@limits.door_api
def api_undo():
    data = _json_request()
    facts = _door_facts(_whole_number(data, "door"))
    checkin = undo_last(_scanner(facts), _nonce(data))
    counts = door_counts(_door_facts(facts.door_id) if checkin else facts)
    db.session.commit()
    if checkin is None:
        return {"undone": False, "message": _("There is no check-in of the last few minutes to undo."), "counts": counts}
    message = _("Check-in of %(name)s undone.", name=guest_name(checkin))
    return {"undone": True, "message": message, "counts": counts}


def _facts_from_query() -> DoorFacts:
    """door_facts of a GET request, whose door is in the query string (?door=3), after the access check."""
    door = request.args.get("door", "")
    if not (door.isascii() and door.isdigit()):
        raise ApiError(400, _("“door” must be a positive whole number."))
    facts = _door_facts(_whole_number({"door": int(door)}, "door"))
    _scanner(facts)
    return facts


@bp.get("/api/checkin/search")
@limits.door_api
def api_search():
    facts = _facts_from_query()
    text = request.args.get("q", "").strip()
    if len(text) < 2 or len(text) > 100:
        raise ApiError(400, _("Type at least 2 and at most 100 characters of the name."))
    if has_forbidden_characters(text):
        raise ApiError(400, _("“%(name)s” must not hold control characters or direction marks.", name="q"))
    results = search_guests(facts.event_id, text)
    db.session.commit()
    return {"results": results}


@bp.get("/api/checkin/counts")
@limits.door_api
def api_counts():
    counts = door_counts(_facts_from_query())
    db.session.commit()
    return counts
