"""Arrivals and viewers over time as server-side SVG charts, each with a table that says the same in words."""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext

from .figures import EventFigures

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 30, 14, 48
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
#: Slot lengths in minutes, the first that keeps a chart at this many slots or fewer is used.
SLOT_CHOICES = (5, 10, 15, 30, 60, 120, 240, 1440)
MAX_SLOTS = 36


@dataclass
class Timeline:
    """Equal time slots covering every arrival and every viewer minute of the event."""

    start: int  # minutes since 1970, aligned to the slot length
    slot: int  # minutes
    slots: int
    zone: ZoneInfo

    def slot_of(self, minute: int) -> int:
        return (minute - self.start) // self.slot

    def clock(self, minute: int) -> str:
        return datetime.fromtimestamp(minute * 60, timezone.utc).astimezone(self.zone).strftime("%H:%M")

    def slot_label(self, index: int) -> str:
        begin = self.start + index * self.slot
        return f"{self.clock(begin)}–{self.clock(begin + self.slot)}"

    def x(self, minute: float) -> float:
        return LEFT + (minute - self.start) / (self.slots * self.slot) * PLOT_WIDTH


@dataclass
class Chart:
    key: str
    title: str
    description: str
    headers: list[str]
    rows: list[list]
    bars: list[tuple[float, float, float, float]] = field(default_factory=list)  # x, y, width, height
    line: str = ""  # SVG polyline points
    area: str = ""  # SVG polygon points under the line
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM


def make_timeline(figures: EventFigures, zone_name: str) -> Timeline | None:
    minutes = [minute for minute, _count in figures.arrivals] + [minute for minute, _n in figures.viewers_per_minute]
    if not minutes:
        return None
    first, last = min(minutes), max(minutes)
    slot = next((s for s in SLOT_CHOICES if (last - first) // s + 1 <= MAX_SLOTS), SLOT_CHOICES[-1])
    start = first - first % slot
    return Timeline(start=start, slot=slot, slots=(last - start) // slot + 1, zone=ZoneInfo(zone_name))


def _nice_maximum(value: int) -> int:
    """Four times the smallest step of 1, 2 or 5 times a power of ten that reaches the value: whole-number ticks."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if 4 * step * magnitude >= value:
                return 4 * step * magnitude
        magnitude *= 10


def _y(value: float, maximum: int) -> float:
    return TOP + PLOT_HEIGHT - value / maximum * PLOT_HEIGHT


def _axes(chart: Chart, timeline: Timeline, maximum: int) -> None:
    chart.y_ticks = [(round(_y(maximum * i // 4, maximum), 1), maximum * i // 4) for i in range(5)]
    every = max(1, -(-timeline.slots // 6))  # at most seven labels: room for them on a phone too
    chart.x_ticks = [
        (round(timeline.x(timeline.start + i * timeline.slot), 1), timeline.clock(timeline.start + i * timeline.slot))
        for i in range(0, timeline.slots + 1, every)
    ]


def arrivals_chart(figures: EventFigures, timeline: Timeline) -> Chart:
    per_slot = [0] * timeline.slots
    for minute, count in figures.arrivals:
        per_slot[timeline.slot_of(minute)] += count
    maximum = _nice_maximum(max(per_slot))
    busiest = max(range(timeline.slots), key=lambda i: per_slot[i])
    chart = Chart(
        key="arrivals",
        title=_("Arrivals in the council hall"),
        description=ngettext(
            "Check-ins per %(num)s minute. %(total)s in all; most arrived between %(slot)s (%(count)s).",
            "Check-ins per %(num)s minutes. %(total)s in all; most arrived between %(slot)s (%(count)s).",
            timeline.slot, total=figures.totals.present, slot=timeline.slot_label(busiest), count=per_slot[busiest],
        ) if figures.arrivals else _("No check-ins yet."),
        headers=[_("Time"), _("Arrivals"), _("Present (total)")],
        rows=[],
    )
    slot_width = PLOT_WIDTH / timeline.slots
    running = 0
    for index, count in enumerate(per_slot):
        running += count
        chart.rows.append([timeline.slot_label(index), count, running])
        if count:
            top = _y(count, maximum)
            chart.bars.append((round(LEFT + index * slot_width + 1, 1), round(top, 1),
                               round(max(slot_width - 2, 1), 1), round(TOP + PLOT_HEIGHT - top, 1)))
    _axes(chart, timeline, maximum)
    return chart


def viewers_chart(figures: EventFigures, timeline: Timeline) -> Chart:
    by_minute = dict(figures.viewers_per_minute)
    end = timeline.start + timeline.slots * timeline.slot
    peaks = [0] * timeline.slots
    for minute, viewers in by_minute.items():
        slot = timeline.slot_of(minute)
        peaks[slot] = max(peaks[slot], viewers)
    maximum = _nice_maximum(max(peaks))
    points = [(timeline.x(minute + 0.5), _y(by_minute.get(minute, 0), maximum)) for minute in range(timeline.start, end)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    baseline = TOP + PLOT_HEIGHT
    peak_text = (
        ngettext("Peak of %(num)s viewer at %(time)s.", "Peak of %(num)s viewers at %(time)s.", figures.peak_viewers,
                 time=timeline.clock(int(figures.peak_at.timestamp()) // 60))
        if figures.peak_at else _("No viewers yet.")
    )
    chart = Chart(
        key="viewers",
        title=_("Livestream viewers"),
        description=_("Viewers per minute.") + " " + peak_text,
        headers=[_("Time"), _("Viewers (most at once)")],
        rows=[[timeline.slot_label(index), peak] for index, peak in enumerate(peaks)],
        line=line,
        area=f"{points[0][0]:.1f},{baseline} {line} {points[-1][0]:.1f},{baseline}",
    )
    _axes(chart, timeline, maximum)
    return chart


def event_charts(figures: EventFigures, zone_name: str) -> list[Chart]:
    """The arrivals chart (where there is a hall) and the viewers chart (where there is a livestream)."""
    timeline = make_timeline(figures, zone_name)
    if timeline is None:
        return []
    charts = [arrivals_chart(figures, timeline)]
    if figures.livestream or figures.viewers_per_minute:
        charts.append(viewers_chart(figures, timeline))
    return charts
