"""Organiser pages for events and their groups."""
from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from ..accounts.access import organiser_required
from ..extensions import db
from ..invitees.models import Invitee
from ..invitees.services import invitee_count
from ..database import utcnow
from ..navigation import event_tab
from ..web import child_or_404, event_view
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from . import services, teams
from .forms import ConfirmForm, EventForm, GroupForm
from .models import Event, Group

bp = Blueprint("events", __name__, url_prefix="/events")

# The labels are translated on the pages they lead to (headings "Overview", "Groups", "Invitees").
event_tab("Overview", "events.show", 10)
event_tab("Groups", "events.groups", 20)

TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_deadline", "quota_release_at")


def form_page(template: str, form, **context):
    """A page with a form; status 422 when the submitted form was refused."""
    return render_template(template, form=form, **context), 422 if form.errors else 200


def form_values(form: EventForm, zone: str) -> dict:
    """The event columns from a validated form, local times turned into UTC."""
    values = {name: getattr(form, name).data for name in services.EDITABLE_FIELDS}
    for name in TIME_FIELDS:
        values[name] = services.local_to_utc(values[name], zone)
    values["stream_url"] = values["stream_url"] or None
    values["recording_url"] = values["recording_url"] or None
    values["self_registration_domains"] = values["self_registration_domains"] or ""
    return values


def form_data(event: Event) -> dict:
    """An event's columns as the form shows them, times in the event's zone."""
    data = {name: getattr(event, name) for name in services.EDITABLE_FIELDS}
    for name in TIME_FIELDS:
        data[name] = services.utc_to_local(data[name], event.timezone)
    return data


def flash_promoted(promoted: list) -> None:
    """Tell the organiser how many waiting people a change seated (nothing when nobody)."""
    if promoted:
        flash(ngettext("%(num)s person moved up from the waiting list.",
                       "%(num)s people moved up from the waiting list.", len(promoted)), "success")


def quota_message(error: services.QuotaError) -> str:
    if error.confirmed_in_hall > error.capacity:
        return ngettext(
            "%(num)s person already holds a hall seat: the hall cannot have fewer than %(num)s seat.",
            "%(num)s people already hold a hall seat: the hall cannot have fewer than %(num)s seats.",
            error.confirmed_in_hall,
        )
    return ngettext(
        "The groups reserve %(num)s seat, but the hall has only %(capacity)s. "
        "Lower the reserved seats or raise the hall's capacity.",
        "The groups reserve %(num)s seats, but the hall has only %(capacity)s. "
        "Lower the reserved seats or raise the hall's capacity.",
        error.reserved,
        capacity=error.capacity,
    )


@bp.get("/")
@organiser_required
def index():
    upcoming, past = services.upcoming_and_past(teams.visible_events(current_user))
    reading = teams.read_only_events(current_user)
    return render_template("events/index.html", upcoming=upcoming, past=past, reading=reading)


@bp.route("/new", methods=["GET", "POST"])
@organiser_required
def create():
    form = EventForm()
    if form.validate_on_submit():
        zone = current_app.config["EVENT_TIMEZONE"]
        event = services.create_event({**form_values(form, zone), "timezone": zone}, current_user)
        db.session.commit()
        flash(_("The event has been created. Now add its groups."), "success")
        return redirect(url_for("events.groups", event_id=event.id))
    return form_page("events/form.html", form, event=None)


@bp.get("/<int:event_id>")
@event_view
def show(event: Event):
    return render_template("events/show.html", event=event, invitee_count=invitee_count(event.id))


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@event_view
def edit(event: Event):
    form = EventForm(data=form_data(event))
    if form.validate_on_submit():
        try:
            promoted = services.update_event(event.id, form_values(form, event.timezone))
        except services.QuotaError as error:
            db.session.rollback()
            form.hall_capacity.errors.append(quota_message(error))
        else:
            db.session.commit()
            flash(_("The changes have been saved."), "success")
            flash_promoted(promoted)
            return redirect(url_for("events.show", event_id=event.id))
    return form_page("events/form.html", form, event=event)


@bp.route("/<int:event_id>/delete", methods=["GET", "POST"])
@event_view
def delete(event: Event):
    form = ConfirmForm()
    if form.validate_on_submit():
        title = event.title
        services.delete_event(event)
        db.session.commit()
        flash(_("The event “%(title)s” has been deleted.", title=title), "success")
        return redirect(url_for("events.index"))
    return render_template("events/delete.html", event=event, form=form, invitee_count=invitee_count(event.id))


def _group_counts(event_id: int) -> dict[int | None, int]:
    rows = db.session.execute(
        select(Invitee.group_id, func.count()).where(Invitee.event_id == event_id).group_by(Invitee.group_id)
    )
    return dict(rows.all())


def _save_group(event: Event, form: GroupForm, group: Group | None) -> bool:
    """Validate and store the group; on failure put the reason on the form."""
    if not form.validate_on_submit():
        return False
    if services.group_name_taken(event.id, form.name.data, without_group_id=group.id if group else None):
        form.name.errors.append(_("This event already has a group with this name."))
        return False
    fields = ("name", "reserved_seats", "max_seats", "waiting_priority", "position")
    values = {name: getattr(form, name).data for name in fields}
    try:
        promoted = services.save_group(event.id, values, group)
    except services.QuotaError as error:
        db.session.rollback()
        form.reserved_seats.errors.append(quota_message(error))
        return False
    except services.MaximumError as error:
        db.session.rollback()
        form.max_seats.errors.append(ngettext(
            "%(num)s person of this group already holds a hall seat: the group maximum cannot be lower.",
            "%(num)s people of this group already hold a hall seat: the group maximum cannot be lower than that.",
            error.used,
        ))
        return False
    db.session.commit()
    flash_promoted(promoted)
    return True


@bp.route("/<int:event_id>/groups", methods=["GET", "POST"])
@event_view
def groups(event: Event):
    form = GroupForm()
    if _save_group(event, form, None):
        flash(_("The group “%(name)s” has been added.", name=form.name.data), "success")
        return redirect(url_for("events.groups", event_id=event.id))
    held = event.reservations_held(utcnow())
    return form_page("events/groups.html", form, event=event, counts=_group_counts(event.id), held=held)


@bp.route("/<int:event_id>/groups/<int:group_id>/edit", methods=["GET", "POST"])
@event_view
def edit_group(event: Event, group_id: int):
    group = child_or_404(Group, group_id, event)
    form = GroupForm(obj=group)
    if _save_group(event, form, group):
        flash(_("The changes have been saved."), "success")
        return redirect(url_for("events.groups", event_id=event.id))
    return form_page("events/group_form.html", form, event=event, group=group)


@bp.route("/<int:event_id>/groups/<int:group_id>/delete", methods=["GET", "POST"])
@event_view
def delete_group(event: Event, group_id: int):
    group = child_or_404(Group, group_id, event)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = group.name
        promoted = services.delete_group(group)
        db.session.commit()
        flash(_("The group “%(name)s” has been deleted.", name=name), "success")
        flash_promoted(promoted)
        return redirect(url_for("events.groups", event_id=event.id))
    members = _group_counts(event.id).get(group.id, 0)
    return render_template("events/group_delete.html", event=event, group=group, form=form, member_count=members)
