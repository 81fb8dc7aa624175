"""Door check-in: the organiser's Einlass tab, pairing, the door landing and scanner, and the JSON API."""
import re

import qrcode
import qrcode.image.svg
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import limits
from ..accounts.access import organiser_required
from ..accounts.models import User
from ..database import statements_commit_alone, utcnow
from ..events.models import Event
from ..extensions import csrf, db
from ..navigation import event_tab
from . import corrections, devices, door_read, scan_log, staff, verdicts, walk_ins
from .devices import CREDENTIAL_COOKIE, CREDENTIAL_MAX_AGE
from .forms import ActionForm, CheckoutForm, DoorForm, PairingForm, StaffForm
from .models import CheckIn, Door, DoorDevice
from .search import search_guests
from .door_read import Scanner

bp = Blueprint("checkin", __name__)
event_tab("Door check-in", "checkin.manage", 50)

#: Header every API request must carry: browsers cannot send it cross-site without a CORS preflight we never allow.
SCANNER_HEADER = "X-Tracker-Scanner"
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_MAX_CODE_LENGTH = 200


# --- Organiser: the Einlass tab ------------------------------------------------------------------------------


def _event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _door_of(event: Event, door_id: int) -> Door:
    door = db.session.get(Door, door_id)
    if door is None or door.event_id != event.id:
        abort(404)
    return door


@bp.get("/events/<int:event_id>/checkin")
@organiser_required
def manage(event_id: int):
    event = _event(event_id)
    return _render_manage(event, DoorForm(), StaffForm())


def _render_manage(event: Event, door_form: DoorForm, staff_form: StaffForm, status: int = 200):
    doors = devices.doors_of([event.id])[event.id]
    devices_by_door = devices.devices_of(doors)
    seen = devices.last_seen([device for door_devices in devices_by_door.values() for device in door_devices])
    assigned = staff.assigned_staff(event)
    staff_form.user_id.choices = [
        (u.id, f"{u.name} ({u.email})") for u in staff.door_staff_accounts() if u not in assigned
    ]
    return render_template(
        "checkin/manage.html",
        event=event,
        doors=doors,
        devices=devices_by_door,
        seen=seen,
        staff=assigned,
        door_form=door_form,
        pairing_form=PairingForm(),
        staff_form=staff_form,
        checkout_form=CheckoutForm(checkout_enabled=event.checkout_enabled),
        action_form=ActionForm(),
        counts=door_read.hall_counts(event),
        recent=corrections.recent_checkins(event),
        now=utcnow(),
    ), status


@bp.post("/events/<int:event_id>/checkin/doors")
@organiser_required
def create_door(event_id: int):
    event = _event(event_id)
    form = DoorForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        if any(door.name.lower() == name.lower() for door in devices.doors_of([event.id])[event.id]):
            form.name.errors.append(_("This event already has a door with this name."))
        else:
            devices.create_door(event, name)
            db.session.commit()
            flash(_("Door “%(name)s” added.", name=name), "success")
            return redirect(url_for("checkin.manage", event_id=event.id))
    return _render_manage(event, form, StaffForm(formdata=None), 400)


@bp.post("/events/<int:event_id>/checkin/doors/<int:door_id>/devices")
@organiser_required
def start_pairing(event_id: int, door_id: int):
    event = _event(event_id)
    door = _door_of(event, door_id)
    form = PairingForm()
    if not form.validate_on_submit():
        flash(_("Please give the device a name (at most 100 characters)."), "error")
        return redirect(url_for("checkin.manage", event_id=event.id))
    device, code = devices.start_pairing(door, form.label.data)
    db.session.commit()
    link = current_app.config["BASE_URL"] + url_for("checkin.pair", code=code)
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    return render_template(
        "checkin/pairing.html", event=event, door=door, device=device, link=link,
        qr_svg=image.to_string(encoding="unicode"),
    )


@bp.post("/events/<int:event_id>/checkin/devices/<int:device_id>/revoke")
@organiser_required
def revoke_device(event_id: int, device_id: int):
    event = _event(event_id)
    device = db.session.get(DoorDevice, device_id)
    if device is None or device.door.event_id != event.id:
        abort(404)
    return _button_action(
        event, lambda: devices.revoke_device(device), _("Device “%(label)s” can no longer scan.", label=device.label)
    )


@bp.post("/events/<int:event_id>/checkin/staff")
@organiser_required
def assign_staff(event_id: int):
    event = _event(event_id)
    form = StaffForm()
    form.user_id.choices = [(u.id, u.name) for u in staff.door_staff_accounts()]
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        staff.assign_staff(event, user)
        db.session.commit()
        flash(_("%(name)s may now scan at this event's doors.", name=user.name), "success")
        return redirect(url_for("checkin.manage", event_id=event.id))
    return _render_manage(event, DoorForm(formdata=None), form, 400)


@bp.post("/events/<int:event_id>/checkin/staff/<int:user_id>/remove")
@organiser_required
def unassign_staff(event_id: int, user_id: int):
    event = _event(event_id)
    user = db.get_or_404(User, user_id)
    return _button_action(
        event, lambda: staff.unassign_staff(event, user),
        _("%(name)s can no longer scan at this event.", name=user.name),
    )


@bp.post("/events/<int:event_id>/checkin/checkout")
@organiser_required
def set_checkout(event_id: int):
    event = _event(event_id)
    form = CheckoutForm()
    if form.validate_on_submit():
        corrections.set_checkout(event, form.checkout_enabled.data)
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("checkin.manage", event_id=event.id))


@bp.post("/events/<int:event_id>/checkin/checkins/<int:checkin_id>/revert")
@organiser_required
def revert_checkin(event_id: int, checkin_id: int):
    event = _event(event_id)
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None or checkin.event_id != event.id:
        abort(404)
    return _button_action(
        event, lambda: corrections.revert_checkin(checkin, current_user),
        _("The check-in was reverted; the guest no longer counts as present."),
    )


def _button_action(event: Event, act, message: str):
    """Run the action of a row's button (its CSRF token checked), commit, confirm, and go back to the tab."""
    if ActionForm().validate_on_submit():
        act()
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("checkin.manage", event_id=event.id))


# --- Door devices and door staff ---------------------------------------------------------------------------------


def _current_device() -> DoorDevice | None:
    return devices.device_for_credential(request.cookies.get(CREDENTIAL_COOKIE))


@bp.get("/door")
def door_home():
    """Where door staff and paired devices land: their doors to choose from."""
    device = _current_device()
    if device is not None and not current_user.is_authenticated:
        return redirect(url_for("checkin.scanner", door_id=device.door_id))
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    events = staff.events_for_door_staff(current_user)
    doors = devices.doors_of([event.id for event in events])
    return render_template("checkin/door_home.html", events=events, doors=doors)


@bp.get("/door/pair")
def pair_with_camera():
    """A page whose camera reads the organiser's pairing QR code."""
    return render_template("checkin/pair_scan.html")


@bp.get("/door/pair/<code>")
def pair(code: str):
    device = devices.pairing_device(code)
    if device is None:
        return render_template("checkin/pair_invalid.html"), 404
    event = db.session.get(Event, device.door.event_id)
    return render_template("checkin/pair_confirm.html", device=device, event=event, form=ActionForm())


@bp.post("/door/pair/<code>")
def complete_pairing(code: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    paired = devices.complete_pairing(code)
    if paired is None:
        return render_template("checkin/pair_invalid.html"), 404
    device, credential = paired
    db.session.commit()
    response = redirect(url_for("checkin.scanner", door_id=device.door_id))
    response.set_cookie(
        CREDENTIAL_COOKIE, credential, max_age=CREDENTIAL_MAX_AGE, httponly=True, samesite="Strict",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/door/<int:door_id>/scan")
def scanner(door_id: int):
    door = db.get_or_404(Door, door_id)
    device = _current_device()
    if device is None and not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    paired_device = device if device is not None and device.door_id == door.id else None
    if paired_device is None and not staff.may_scan_for(current_user, door.event_id):
        abort(403)
    if paired_device is not None:
        paired_device.last_seen_at = utcnow()
    db.session.commit()
    event = door.event
    return render_template(
        "checkin/scanner.html", door=door, event=event, counts=door_read.hall_counts(event), paired_device=paired_device,
        undo_window_ms=int(scan_log.UNDO_WINDOW.total_seconds() * 1000),
    )


# --- JSON API -----------------------------------------------------------------------------------------------------


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


#: Ids are 32-bit in the database; anything larger cannot name a row (and would overflow the driver).
_MAX_ID = 2**31 - 1


def _whole_number(data: dict, name: str, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_ID:
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
    return value.strip()


def _nonce(data: dict) -> str:
    nonce = data.get("nonce")
    if not isinstance(nonce, str) or not _NONCE.fullmatch(nonce):
        raise ApiError(400, _("“nonce” must be 8 to 64 letters, digits, “-” or “_”."))
    return nonce


def _door_facts(door_id: int, **lookup):
    """door_facts for this request's device cookie; 404 for an unknown door."""
    facts = door_read.door_facts(door_id, request.cookies.get(CREDENTIAL_COOKIE), **lookup)
    if facts is None:
        raise ApiError(404, _("This door does not exist."))
    return facts


def _scanner(facts) -> Scanner:
    """The paired device at its own door; else the logged-in account, if it may scan at this door's event."""
    if facts.device_id is not None:
        return door_read.scanner_of(facts, None)
    if not staff.may_scan_for(current_user, facts.event_id):
        raise ApiError(403, _("This device or account may not scan at this door."))
    return door_read.scanner_of(facts, current_user._get_current_object())


def _answer_once(door_id: int, nonce: str, scanned: str, decide, **guest):
    """Run decide() once per (door, nonce): a retry gets the stored answer; a lost race is re-decided."""
    for _attempt in range(5):
        with scan_log.one_writer_per_process():
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
        answer = scan_log.record_scan(scanner, facts, nonce, scanned, verdict)
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
        code = verdicts.ticket_code(scanned)
        return _answer_once(
            door_id, nonce, scanned,
            lambda scanner, facts: verdicts.scan(scanner, facts, code, move_to_hall=move_to_hall, exit_scan=exit_scan),
            code=code,
        )
    invitee_id = _whole_number(data, "invitee")
    return _answer_once(
        door_id, nonce, f"invitee:{invitee_id}",
        lambda scanner, facts: verdicts.admit_invitee(scanner, facts, move_to_hall=move_to_hall, exit_scan=exit_scan),
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
        lambda scanner, _facts: walk_ins.walk_in(scanner, name=name, email=email, invitee_id=invitee_id),
    )


@bp.post("/api/checkin/undo")
@csrf.exempt
@limits.door_api
def api_undo():
    data = _json_request()
    facts = _door_facts(_whole_number(data, "door"))
    checkin = scan_log.undo_last(_scanner(facts), _nonce(data))
    counts = door_read.door_counts(_door_facts(facts.door_id) if checkin else facts)
    db.session.commit()
    if checkin is None:
        return {"undone": False, "message": _("There is no check-in of the last few minutes to undo."), "counts": counts}
    message = _("Check-in of %(name)s undone.", name=scan_log.guest_name(checkin))
    return {"undone": True, "message": message, "counts": counts}


def _facts_from_query():
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
    results = search_guests(facts.event_id, text)
    db.session.commit()
    return {"results": results}


@bp.get("/api/checkin/counts")
@limits.door_api
def api_counts():
    counts = door_read.door_counts(_facts_from_query())
    db.session.commit()
    return counts

