"""The audit log: per event for organisers (tab "Protokoll"), across all events for administrators."""
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from ..accounts.access import admin_required
from ..events.models import Event
from ..extensions import db
from ..navigation import event_tab
from ..web import event_view
from .actions import action_label, detail_label, detail_value
from .forms import AuditFilterForm
from .services import entries_query, known_actions

bp = Blueprint("audit", __name__)
event_tab("Audit log", "audit.event_log", 90)
bp.add_app_template_filter(action_label, "audit_action")
bp.add_app_template_filter(detail_label, "audit_detail_label")
bp.add_app_template_filter(detail_value, "audit_detail_value")


def _filtered_page(event_id: int | None):
    """The filter form (from the query string) and the requested page of matching entries."""
    form = AuditFilterForm(request.args)
    actions = sorted(((code, action_label(code)) for code in known_actions(event_id)), key=lambda choice: choice[1])
    form.action.choices = [("", _("All actions"))] + actions
    filters = {}
    if any(request.args.get(name) for name in ("action", "actor", "since", "until")) and form.validate():
        filters = dict(action=form.action.data, actor=(form.actor.data or "").strip(), since=form.since.data, until=form.until.data)
    query = entries_query(event_id=event_id, zone=current_app.config["EVENT_TIMEZONE"], **filters)
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], max_per_page=200, error_out=False)
    links = {name: request.args[name] for name in ("action", "actor", "since", "until") if request.args.get(name)}
    return form, page, links


@bp.get("/events/<int:event_id>/log")
@event_view
def event_log(event: Event):
    form, page, links = _filtered_page(event.id)
    return render_template("audit/event_log.html", event=event, form=form, page=page, links=links)


@bp.get("/admin/log")
@admin_required
def global_log():
    form, page, links = _filtered_page(None)
    events = {event.id: event for event in db.session.query(Event).filter(Event.id.in_({e.event_id for e in page.items if e.event_id}))}
    return render_template("audit/global_log.html", form=form, page=page, links=links, events=events)
