"""What the live dashboard shows, as text per key: the page renders these, the JSON updates them in place."""
from flask import render_template
from flask_babel import format_datetime, format_number, format_percent
from flask_babel import gettext as _

from .charts import event_charts
from .figures import Counts, EventFigures, Phase


def group_key(group_id: int | None) -> str:
    return f"group.{group_id if group_id is not None else 'none'}"


def _rate(rate: float | None) -> str:
    return format_percent(rate, "#,##0 %") if rate is not None else "–"


def _counts_values(prefix: str, counts: Counts) -> dict[str, str]:
    plain = {
        "invitees": counts.invitees, "invited": counts.invited, "answered": counts.answered,
        "not_answered": counts.not_answered, "hall": counts.hall, "stream": counts.stream,
        "waiting": counts.waiting, "declined": counts.declined, "cancelled": counts.cancelled,
        "present": counts.present, "inside": counts.inside, "not_arrived": counts.not_arrived,
        "viewers": counts.viewers, "followed_online": counts.followed_online,
    }
    values = {f"{prefix}.{name}": format_number(value) for name, value in plain.items()}
    values[f"{prefix}.no_show_rate"] = _rate(counts.no_show_rate)
    return values


def not_arrived_label(figures: EventFigures) -> str:
    return _("No-shows") if figures.phase == Phase.AFTER else _("Not arrived yet")


def live_values(figures: EventFigures) -> dict[str, str]:
    """Every figure of the dashboard as displayed text, by key (e.g. "total.present", "group.3.hall")."""
    values = _counts_values("total", figures.totals)
    for group in figures.groups:
        values.update(_counts_values(group_key(group.group_id), group.counts))
    occupancy = figures.totals.present / figures.hall_capacity if figures.hall_capacity else None
    values.update({
        "hall.capacity": format_number(figures.hall_capacity),
        "hall.free": format_number(figures.hall_free),
        "hall.occupancy": _rate(occupancy),
        "online.watching_now": format_number(figures.watching_now),
        "online.unique_viewers": format_number(figures.unique_viewers),
        "online.followed": format_number(figures.followed_online),
        "anonymous.followed_online": format_number(figures.followed_online - figures.totals.followed_online),
        "online.peak": format_number(figures.peak_viewers),
        "both": format_number(figures.both),
        "reached": format_number(figures.reached),
        "label.not_arrived": not_arrived_label(figures),
        "updated": _("As of %(time)s", time=format_datetime(figures.computed_at, "HH:mm:ss")),
    })
    return values


def live_payload(event, figures: EventFigures) -> dict:
    """The JSON a dashboard polls: the texts by key and the charts as server-rendered SVG with their tables."""
    return {
        "phase": figures.phase,
        "values": live_values(figures),
        "charts": {
            chart.key: render_template("dashboard/_chart.html", chart=chart)
            for chart in event_charts(figures, event.timezone)
        },
    }
