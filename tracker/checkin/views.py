"""The organiser's Einlass tab: doors, pairing devices, door staff, exit scans and reverting check-ins."""
import qrcode
import qrcode.image.svg
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import User
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..navigation import event_tab
from ..web import child_or_404, event_view
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from . import bp, corrections, devices, staff
from .door_read import hall_counts
from .forms import ActionForm, CheckoutForm, DoorForm, PairingForm, StaffForm
from .models import CheckIn, Door, DoorDevice

event_tab("Door check-in", "checkin.manage", 50)


@bp.get("/events/<int:event_id>/checkin")
@event_view
def manage(event: Event):
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
        counts=hall_counts(event),
        recent=corrections.recent_checkins(event),
        now=utcnow(),
    ), status


@bp.post("/events/<int:event_id>/checkin/doors")
@event_view
def create_door(event: Event):
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
@event_view
def start_pairing(event: Event, door_id: int):
    door = child_or_404(Door, door_id, event)
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
@event_view
def revoke_device(event: Event, device_id: int):
    device = child_or_404(DoorDevice, device_id, event)
    return _button_action(
        event, lambda: devices.revoke_device(device), _("Device “%(label)s” can no longer scan.", label=device.label)
    )


@bp.post("/events/<int:event_id>/checkin/staff")
@event_view
def assign_staff(event: Event):
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
@event_view
def unassign_staff(event: Event, user_id: int):
    user = db.get_or_404(User, user_id)
    return _button_action(
        event, lambda: staff.unassign_staff(event, user),
        _("%(name)s can no longer scan at this event.", name=user.name),
    )


@bp.post("/events/<int:event_id>/checkin/checkout")
@event_view
def set_checkout(event: Event):
    form = CheckoutForm()
    if form.validate_on_submit():
        corrections.set_checkout(event, form.checkout_enabled.data)
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("checkin.manage", event_id=event.id))


@bp.post("/events/<int:event_id>/checkin/checkins/<int:checkin_id>/revert")
@event_view
def revert_checkin(event: Event, checkin_id: int):
    checkin = child_or_404(CheckIn, checkin_id, event)
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
