"""Organiser pages: live dashboard, report (page and PDF), exports, the series overview and copying an event."""
import json
import re
from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import organiser_required
from ..audit.services import record
from ..events.models import Event
from ..events.teams import add_creator, read_only_events, visible_events
from ..events.services import local_to_utc, utc_to_local
from ..events.views import form_page
from ..extensions import db
from ..navigation import event_tab
from ..web import event_view
from . import audit_labels  # noqa: F401  (registers the labels of its audit entries)
from . import exports
from .cache import current_figures, refresh_seconds
from .charts import event_charts
from .forms import CopyEventForm
from .live import group_key, live_payload, live_values, not_arrived_label
from .report import counting_note, funnel, headline, headlines, report_pdf
from .series import copy_event, series_rows

bp = Blueprint("dashboard", __name__, url_prefix="/events")

#: The copy form suggests the next info day 13 weeks later, on the same weekday (same UTC time).
SUGGESTED_DISTANCE = timedelta(weeks=13)

event_tab("Dashboard", "dashboard.dashboard", 70, readers=True)
event_tab("Report", "dashboard.report", 80, readers=True)


def _file_name(event: Event, suffix: str) -> str:
    """e.g. infotag-digitalisierung-2026-12-10-anwesenheit.csv (ASCII only, safe in a header)."""
    slug = re.sub(r"[^a-z0-9]+", "-", event.title.lower().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})))
    return f"{slug.strip('-')[:60] or 'event'}-{event.starts_at:%Y-%m-%d}-{suffix}"


def _download(data: bytes, mimetype: str, name: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:event_id>/dashboard")
@event_view(readers=True)
def dashboard(event: Event):
    figures = current_figures(event)
    return render_template(
        "dashboard/dashboard.html",
        event=event,
        figures=figures,
        values=live_values(figures),
        charts=event_charts(figures, event.timezone),
        group_key=group_key,
        refresh_ms=refresh_seconds() * 1000,
    )


@bp.get("/<int:event_id>/dashboard/figures")
@event_view(readers=True)
def live_figures(event: Event):
    """What an open dashboard polls; the figures come from the shared cache (see tracker.dashboard.cache)."""
    response = Response(json.dumps(live_payload(event, current_figures(event))), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def _report_context(event: Event) -> dict:
    figures = current_figures(event)
    return dict(
        event=event,
        figures=figures,
        values=live_values(figures),
        charts=event_charts(figures, event.timezone),
        headline=headline(figures),
        headlines=headlines(figures),
        counting_note=counting_note(figures),
        funnel=funnel(figures),
        not_arrived_label=not_arrived_label(figures),
        group_key=group_key,
    )


@bp.get("/<int:event_id>/report")
@event_view(readers=True)
def report(event: Event):
    return render_template("dashboard/report.html", **_report_context(event))


@bp.get("/<int:event_id>/report.pdf")
@event_view(readers=True)
def report_as_pdf(event: Event):
    html = render_template("dashboard/report.html", printing=True, **_report_context(event))
    record("report.pdf_downloaded", event_id=event.id)
    db.session.commit()
    return _download(report_pdf(html), "application/pdf", _file_name(event, _("report") + ".pdf"))


#: Attendance list formats: how to make each, and its media type.
ATTENDANCE_FORMATS = {
    "csv": (exports.attendance_csv, "text/csv; charset=utf-8"),
    "xlsx": (exports.attendance_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@bp.get("/<int:event_id>/exports/attendance.<any(csv, xlsx):file_format>")
@event_view(readers=True)
def attendance(event: Event, file_format: str):
    build, mimetype = ATTENDANCE_FORMATS[file_format]
    data = build(event)
    record("export.attendance", event_id=event.id, format=file_format)
    db.session.commit()
    return _download(data, mimetype, _file_name(event, _("attendance") + "." + file_format))


@bp.get("/<int:event_id>/exports/figures.json")
@event_view(readers=True)
def figures_export(event: Event):
    data = exports.figures_json(event, current_figures(event))
    record("export.figures", event_id=event.id, format="json")
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return _download(body, "application/json", _file_name(event, _("figures") + ".json"))


@bp.get("/series")
@organiser_required
def series():
    return render_template("dashboard/series.html", rows=series_rows(visible_events(current_user)),
                           reading=read_only_events(current_user))


@bp.route("/<int:event_id>/copy", methods=["GET", "POST"])
@event_view
def copy(source: Event):
    form = CopyEventForm()
    if not form.is_submitted():
        form.title.data = source.title
        form.starts_at.data = utc_to_local(source.starts_at + SUGGESTED_DISTANCE, source.timezone)
        form.ends_at.data = utc_to_local(source.ends_at + SUGGESTED_DISTANCE, source.timezone)
    if form.validate_on_submit():
        new_event = copy_event(
            source, title=form.title.data.strip(), starts_at=local_to_utc(form.starts_at.data, source.timezone),
            ends_at=local_to_utc(form.ends_at.data, source.timezone), with_invitees=form.with_invitees.data,
        )
        add_creator(new_event, current_user)
        db.session.commit()
        flash(_("The event has been created as a copy of “%(title)s”.", title=source.title), "success")
        return redirect(url_for("dashboard.dashboard", event_id=new_event.id))
    return form_page("dashboard/copy.html", form, event=source)
