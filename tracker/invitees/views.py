"""Organiser pages for an event's invitee list: list, single invitees, file import."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..events.forms import ConfirmForm
from ..events.models import Event
from ..events.views import form_page
from ..extensions import db
from ..navigation import event_tab
from ..web import child_or_404, event_view, paginate
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from . import imports, preview as listing, services
from .forms import ImportForm, InviteeForm, SearchForm
from .messages import file_error_message
from .models import Invitee

#: The choice "no group" in the mapping of unknown group values (other choices are group ids).
NO_GROUP_CHOICE = "none"

bp = Blueprint("invitees", __name__, url_prefix="/events/<int:event_id>/invitees")

# Translated through the list's heading "Invitees".
event_tab("Invitees", "invitees.index", 35)


@bp.get("/")
@event_view
def index(event: Event):
    search = SearchForm(request.args)
    search.group.choices = [("", _("All groups"))] + [(str(g.id), g.name) for g in event.groups] + [
        (services.NO_GROUP, _("Without a group"))
    ]
    q = (search.q.data or "")[:200]
    group = search.group.data if search.group.data in {value for value, _label in search.group.choices} else ""
    page = paginate(services.invitee_query(event.id, q, group))
    return render_template("invitees/index.html", event=event, search=search, page=page, q=q, group=group)


@bp.route("/new", methods=["GET", "POST"])
@event_view
def create(event: Event):
    form = InviteeForm(event.groups)
    if form.validate_on_submit() and _save(event, form, None):
        flash(_("%(name)s has been added to the list.", name=form.name.data), "success")
        return redirect(url_for("invitees.index", event_id=event.id))
    return form_page("invitees/form.html", form, event=event, invitee=None)


@bp.route("/<int:invitee_id>/edit", methods=["GET", "POST"])
@event_view
def edit(event: Event, invitee_id: int):
    invitee = child_or_404(Invitee, invitee_id, event)
    form = InviteeForm(event.groups, data={
        "name": invitee.name, "email": invitee.email, "unit": invitee.unit or "",
        "group_id": str(invitee.group_id or ""), "language": invitee.language,
    })
    if form.validate_on_submit() and _save(event, form, invitee):
        flash(_("The changes have been saved."), "success")
        return redirect(url_for("invitees.index", event_id=event.id))
    return form_page("invitees/form.html", form, event=event, invitee=invitee)


def _save(event, form: InviteeForm, invitee: Invitee | None) -> bool:
    """Store the form's invitee, or put the duplicate address on the form."""
    try:
        services.save_invitee(event.id, form.values, invitee)
        db.session.commit()
    except (services.DuplicateEmail, IntegrityError):
        db.session.rollback()
        form.email.errors.append(_("This e-mail address is already on the list."))
        return False
    return True


@bp.route("/<int:invitee_id>/delete", methods=["GET", "POST"])
@event_view
def delete(event: Event, invitee_id: int):
    invitee = child_or_404(Invitee, invitee_id, event)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = invitee.name
        services.remove_invitee(invitee)
        db.session.commit()
        flash(_("%(name)s has been removed from the list.", name=name), "success")
        return redirect(url_for("invitees.index", event_id=event.id))
    return render_template("invitees/delete.html", event=event, invitee=invitee, form=form)


@bp.route("/import", methods=["GET", "POST"])
@event_view
def upload(event: Event):
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(imports.MAX_IMPORT_BYTES + 1)
        result = imports.check_file(event, data)
        if result.ok:
            pending = imports.store_pending(event, current_user.id, form.file.data.filename or "", data, result)
            db.session.commit()
            return _preview(event, pending, result)
        form.file.errors.append(file_error_message(result.file_error, result.file_error_detail))
    return form_page("invitees/upload.html", form, event=event, max_mb=imports.MAX_IMPORT_BYTES // 2**20)


def _pending_or_gone(event, pending_id: int):
    pending = imports.find_pending(pending_id, event.id, current_user.id)
    if pending is None:
        flash(_("This upload has expired or was already imported. Please upload the file again."), "error")
    return pending


def _preview(event, pending, result, status: int = 200, chosen=None, mapping_errors=()):
    """The preview: mapping questions, every problem grouped by kind, one page of the detailed list, a sample."""
    return render_template(
        "invitees/preview.html", event=event, pending=pending, result=result,
        sample=result.rows[: imports.SAMPLE_ROWS], kinds=listing.kinds(result),
        notes=listing.note_page(result, request.args.get("page", 1, type=int), imports.PROBLEMS_PER_PAGE),
        bad_rows=len({error.line for error in result.errors}),
        chosen=chosen or {}, mapping_errors=mapping_errors, no_group=NO_GROUP_CHOICE,
    ), status


def _answers(event) -> tuple[list[str], dict[str, str], imports.GroupMapping]:
    """The unknown group values the preview asked about, the choices made, and the mapping they give."""
    names = {str(group.id): group.name for group in event.groups}
    asked, chosen, mapping = [], {}, {}
    while (key := request.form.get(f"group-{len(asked)}-value")) is not None:
        choice = request.form.get(f"group-{len(asked)}", "")
        if choice in names or choice == NO_GROUP_CHOICE:
            chosen[key], mapping[key] = choice, names.get(choice)
        asked.append(key)
    return asked, chosen, mapping


def _changed(event, pending):
    """The new preview after the list or the groups changed since the organiser saw it."""
    flash(_("The list has changed since the preview. Please check the new preview and confirm again."), "warning")
    return _preview(event, pending, imports.check_file(event, pending.data), 409)


@bp.get("/import/<int:pending_id>")
@event_view
def preview(event: Event, pending_id: int):
    pending = _pending_or_gone(event, pending_id)
    if pending is None:
        return redirect(url_for("invitees.upload", event_id=event.id))
    return _preview(event, pending, imports.check_file(event, pending.data))


@bp.post("/import/<int:pending_id>/confirm")
@event_view
def confirm(event: Event, pending_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    pending = _pending_or_gone(event, pending_id)
    if pending is None:
        return redirect(url_for("invitees.upload", event_id=event.id))
    asked, chosen, mapping = _answers(event)
    outcome = imports.confirm(pending, asked, mapping)
    db.session.commit()
    if outcome is None:
        flash(_("This upload has expired or was already imported. Please upload the file again."), "error")
        return redirect(url_for("invitees.index", event_id=event.id))
    if outcome.changed:
        return _changed(event, pending)
    if outcome.unanswered:
        missing = [_("Please choose a group for “%(value)s”.", value=value) for value in outcome.unanswered]
        return _preview(event, pending, imports.check_file(event, pending.data), 422, chosen, missing)
    flash(ngettext("%(num)s invitee has been imported.", "%(num)s invitees have been imported.", outcome.imported),
          "success")
    return redirect(url_for("invitees.index", event_id=event.id))


@bp.post("/import/<int:pending_id>/cancel")
@event_view
def cancel(event: Event, pending_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    pending = imports.find_pending(pending_id, event.id, current_user.id)
    if pending is not None:
        db.session.delete(pending)
        db.session.commit()
    flash(_("The upload has been discarded. Nothing was imported."), "info")
    return redirect(url_for("invitees.index", event_id=event.id))
