"""The organiser's Einlass tab: doors, pairing devices, door staff, exit scans and reverting check-ins."""
import qrcode
import qrcode.image.svg
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import organiser_required
from ..accounts.models import User
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..navigation import event_tab
from . import bp, corrections, devices, staff
from .door_read import hall_counts
from .forms import ActionForm, CheckoutForm, DoorForm, PairingForm, StaffForm
from .models import CheckIn, Door, DoorDevice

event_tab("Door check-in", "checkin.manage", 50)


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
        counts=hall_counts(event),
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
