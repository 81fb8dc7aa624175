"""Exports for organisers: the attendance list (CSV, XLSX) and the figures as JSON for the city's reporting."""
import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import and_, select

from ..checkin.models import CheckIn, Door
from ..events.models import Event, Group
from ..extensions import db
from ..invitees.models import Invitee
from ..registration.models import Registration
from ..stream.figures import viewer_totals
from .figures import EventFigures
from .report import attended_invitees, headlines

#: A spreadsheet treats a cell starting with one of these as a formula (or part of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """Text that a spreadsheet could run as a formula gets a leading apostrophe; everything else is kept."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _answer(registration_status: str | None, mode: str | None) -> str:
    if registration_status is None:
        return _("not answered")
    if registration_status == "confirmed":
        return _("hall") if mode == "hall" else _("livestream")
    return {
        "waiting": _("waiting list"),
        "declined": _("declined"),
        "cancelled": _("cancelled"),
    }[registration_status]


def attendance_headers() -> list[str]:
    return [_("Name"), _("E-mail"), _("Group"), _("Unit"), _("Answer"), _("Checked in at"), _("Door"),
            _("Checked out at"), _("Minutes watched")]


def attendance_rows(event: Event) -> list[list]:
    """One row per invitee, ordered by name: who, group, unit, answer, check-in time and door, minutes watched."""
    zone = ZoneInfo(event.timezone)
    watched = viewer_totals(event.id)
    statement = (
        select(Invitee.name, Invitee.email, Group.name, Invitee.unit, Registration.status, Registration.mode,
               CheckIn.checked_in_at, Door.name, CheckIn.checked_out_at, watched.c.minutes)
        .select_from(Invitee)
        .outerjoin(Group, Group.id == Invitee.group_id)
        .outerjoin(Registration, Registration.invitee_id == Invitee.id)
        .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.reverted_at.is_(None)))
        .outerjoin(Door, Door.id == CheckIn.door_id)
        .outerjoin(watched, watched.c.invitee_id == Invitee.id)
        .where(Invitee.event_id == event.id)
        .order_by(Invitee.name, Invitee.id)
    )

    def local(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    return [
        [name, email, group or "", unit or "", _answer(status, mode), local(checked_in), door or "",
         local(checked_out), minutes or 0]
        for name, email, group, unit, status, mode, checked_in, door, checked_out, minutes in db.session.execute(statement)
    ]


def attendance_csv(event: Event) -> bytes:
    """Semicolon-separated UTF-8 with a byte order mark, as spreadsheet programs in Germany expect."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(attendance_headers())
    for row in attendance_rows(event):
        writer.writerow([defuse(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def attendance_xlsx(event: Event) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Attendance"))
    sheet.append(attendance_headers())
    for row in attendance_rows(event):
        sheet.append([defuse(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def figures_json(event: Event, figures: EventFigures) -> dict:
    """The event's figures for the city's own reporting: totals only, no person can be told apart."""
    totals = figures.totals

    def counts(c) -> dict:
        return {
            "invitees": c.invitees, "invited": c.invited, "answered": c.answered, "not_answered": c.not_answered,
            "registered_hall": c.hall, "registered_stream": c.stream, "waiting_list": c.waiting,
            "declined": c.declined, "cancelled": c.cancelled, "present": c.present, "no_shows": c.not_arrived,
            "no_show_rate": round(c.no_show_rate, 4) if c.no_show_rate is not None else None,
            "viewers": c.viewers, "followed_online": c.followed_online,
        }

    return {
        "event": {
            "id": event.id, "title": event.title, "venue": event.venue, "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(), "hall_capacity": event.hall_capacity,
        },
        "computed_at": figures.computed_at.isoformat(),
        "headline": headlines(figures),
        "hall": {"capacity": figures.hall_capacity, "present": totals.present,
                 "inside_now": totals.inside if figures.checkout_enabled else None},
        "livestream": {
            "online_threshold_minutes": figures.online_threshold_minutes,
            "unique_viewers": figures.unique_viewers, "followed_online": figures.followed_online,
            "anonymous_viewers": figures.anonymous_viewers, "peak_viewers": figures.peak_viewers,
            "peak_at": figures.peak_at.isoformat() if figures.peak_at else None,
            "total_minutes": figures.total_minutes, "average_minutes": figures.average_minutes,
            "median_minutes": figures.median_minutes,
        },
        "hall_and_online": figures.both,
        "reached": figures.reached,
        "attended_invitees": attended_invitees(figures),
        "totals": counts(totals),
        "groups": [{"name": g.name, "reserved_seats": g.reserved_seats, **counts(g.counts)} for g in figures.groups],
    }
