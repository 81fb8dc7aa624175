"""The door's pages: where door staff and paired devices land, pairing a device, and the scanner page."""
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from ..database import utcnow
from ..extensions import db
from ..web import hidden_from
from . import bp, devices, staff
from .devices import CREDENTIAL_COOKIE, CREDENTIAL_MAX_AGE
from .door_read import hall_counts
from .forms import ActionForm
from .models import Door, DoorDevice
from .scan_log import UNDO_WINDOW


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
    return render_template("checkin/pair_confirm.html", device=device, event=device.door.event, form=ActionForm())


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
        abort(404 if hidden_from(current_user, door.event_id) else 403)
    if paired_device is not None:
        paired_device.last_seen_at = utcnow()
    db.session.commit()
    event = door.event
    return render_template(
        "checkin/scanner.html", door=door, event=event, counts=hall_counts(event), paired_device=paired_device,
        undo_window_ms=int(UNDO_WINDOW.total_seconds() * 1000),
    )
