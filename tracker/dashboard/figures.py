"""The figures of one event for the dashboard, the report and the exports, computed by grouped SQL counts.

Everything comes from one aggregate statement: the hall side (the running counters of each audience group,
kept by database triggers, see tracker.events.models.GroupCounter; the totals are the sums; arrivals per
minute) and the livestream
side (see tracker.stream.figures) are parts of one UNION ALL, told apart by the first column. The result is a
plain, JSON-ready value so that it can be cached per event (see tracker.dashboard.cache) and served to many
open dashboards.
"""
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, func

from ..checkin.models import CheckIn
from ..database import utcnow
from ..events.models import COUNTER_NAMES, Event, GroupCounter
from ..stream.figures import epoch_minute, stream_figures_with, tagged


class Phase(StrEnum):
    """Before the start "not arrived yet" is expected; after the end the same people are no-shows."""

    BEFORE = "before"
    LIVE = "live"
    AFTER = "after"


@dataclass
class Counts:
    """The hall and registration figures of one audience group, or of the whole event."""

    #: People on the list.
    invitees: int = 0
    #: People whose invitation was sent.
    invited: int = 0
    #: People without any answer.
    not_answered: int = 0
    #: Confirmed hall seats.
    hall: int = 0
    #: Confirmed livestream places.
    stream: int = 0
    waiting: int = 0
    declined: int = 0
    #: Registrations withdrawn after a confirmation.
    cancelled: int = 0
    #: Checked in to the hall (current, not reverted check-ins).
    present: int = 0
    #: Checked in and not checked out (meaningful where exits are scanned).
    inside: int = 0
    #: Confirmed hall seats without a check-in: "not arrived yet", after the event "no-shows".
    not_arrived: int = 0
    #: Livestream viewers with a personal link, and those of them who followed online ("online dabei": reached the
    #: online threshold and not present in the hall, see tracker.stream.figures.figures_from_rows).
    viewers: int = 0
    followed_online: int = 0

    @property
    def answered(self) -> int:
        return self.invitees - self.not_answered

    @property
    def registered(self) -> int:
        """Confirmed for the hall or the livestream."""
        return self.hall + self.stream

    @property
    def no_show_rate(self) -> float | None:
        """Share of confirmed hall seats nobody used (0..1), none without hall seats."""
        return self.not_arrived / self.hall if self.hall else None

    def add(self, other: "Counts") -> None:
        for one in fields(self):
            setattr(self, one.name, getattr(self, one.name) + getattr(other, one.name))


@dataclass
class GroupCounts:
    #: Audience group id; none for people outside every group.
    group_id: int | None
    name: str | None
    reserved_seats: int | None
    counts: Counts


@dataclass
class EventFigures:
    """Everything the dashboard and the report show about one event at one moment."""

    event_id: int
    computed_at: datetime
    phase: str
    hall_capacity: int
    checkout_enabled: bool
    livestream: bool
    online_threshold_minutes: int
    totals: Counts
    groups: list[GroupCounts]
    #: Check-ins per minute: (minutes since 1970, arrivals), in time order.
    arrivals: list[tuple[int, int]]
    #: Livestream viewers per minute: (minutes since 1970, viewers), in time order.
    viewers_per_minute: list[tuple[int, int]]
    watching_now: int = 0
    #: All distinct viewers, anonymous ones (public watch page) included.
    unique_viewers: int = 0
    #: All viewers who followed online (reached the threshold, not present in the hall), anonymous ones included.
    followed_online: int = 0
    anonymous_viewers: int = 0
    peak_viewers: int = 0
    peak_at: datetime | None = None
    total_minutes: int = 0
    average_minutes: float = 0.0
    median_minutes: float = 0.0
    #: Present in the hall who reached the online threshold as well: counted as present, not in followed_online.
    both: int = 0
    #: Followed online while holding a hall seat they did not use.
    hall_registered_watched_online: int = 0

    @property
    def reached(self) -> int:
        """People in the hall or followed online, each counted once."""
        return self.totals.present + self.followed_online

    @property
    def hall_free(self) -> int:
        return max(self.hall_capacity - self.totals.present, 0)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["computed_at"] = self.computed_at.isoformat()
        data["peak_at"] = self.peak_at.isoformat() if self.peak_at else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "EventFigures":
        data = dict(data)
        data["computed_at"] = datetime.fromisoformat(data["computed_at"])
        data["peak_at"] = datetime.fromisoformat(data["peak_at"]) if data["peak_at"] else None
        data["totals"] = Counts(**data["totals"])
        data["groups"] = [GroupCounts(**{**group, "counts": Counts(**group["counts"])}) for group in data["groups"]]
        data["arrivals"] = [tuple(point) for point in data["arrivals"]]
        data["viewers_per_minute"] = [tuple(point) for point in data["viewers_per_minute"]]
        return cls(**data)


def event_phase(event: Event, now: datetime) -> Phase:
    if now < event.starts_at:
        return Phase.BEFORE
    if now < event.ends_at:
        return Phase.LIVE
    return Phase.AFTER


def hall_parts(event_id: int) -> list[Select]:
    """The parts of the figures statement for the hall and the registrations (see tracker.stream.figures.tagged).

    "group": the running counters of each audience group (the totals are the sums); "arrival": current check-ins
    per minute.
    """
    counters = GroupCounter.__table__.c
    groups = tagged("group", counters.group_key, *[counters[name] for name in COUNTER_NAMES]).where(
        counters.event_id == event_id
    )
    minute = epoch_minute(CheckIn.checked_in_at)
    arrivals = (
        tagged("arrival", minute, func.count())
        .where(CheckIn.event_id == event_id, CheckIn.reverted_at.is_(None))
        .group_by(minute)
    )
    return [groups, arrivals]


def counts_from_counters(row) -> Counts:
    """The Counts of a "group" row's counter values."""
    counter = dict(zip(COUNTER_NAMES, map(int, row)))
    return Counts(
        invitees=counter["invitees"], invited=counter["invited"], not_answered=counter["invitees"] - counter["answered"],
        hall=counter["hall"], stream=counter["stream"], waiting=counter["waiting"], declined=counter["declined"],
        cancelled=counter["cancelled"], present=counter["present"], inside=counter["inside"],
        not_arrived=counter["hall"] - counter["hall_present"],
    )


def _epoch_minutes(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


def compute_figures(event: Event, now: datetime | None = None) -> EventFigures:
    """All figures of the event now, straight from the database."""
    now = now or utcnow()
    stream, rows = stream_figures_with(event, now, hall_parts(event.id))
    per_group = {row[1] or None: counts_from_counters(row[2:]) for row in rows if row[0] == "group"}
    arrivals = sorted((int(row[1]), int(row[2])) for row in rows if row[0] == "arrival")
    for group_id, (viewers, followed) in stream.per_group.items():
        counts = per_group.setdefault(group_id, Counts())
        counts.viewers, counts.followed_online = viewers, followed
    totals = Counts()
    for counts in per_group.values():
        totals.add(counts)
    groups = [
        GroupCounts(group.id, group.name, group.reserved_seats, per_group.pop(group.id, Counts()))
        for group in event.groups
    ]
    if per_group.get(None):
        groups.append(GroupCounts(None, None, None, per_group[None]))
    return EventFigures(
        event_id=event.id,
        computed_at=now,
        phase=event_phase(event, now),
        hall_capacity=event.hall_capacity,
        checkout_enabled=event.checkout_enabled,
        livestream=event.livestream,
        online_threshold_minutes=event.online_threshold_minutes,
        totals=totals,
        groups=groups,
        arrivals=arrivals,
        viewers_per_minute=[(_epoch_minutes(minute), viewers) for minute, viewers in stream.per_minute],
        watching_now=stream.watching_now,
        unique_viewers=stream.unique_viewers,
        followed_online=stream.followed_online,
        anonymous_viewers=stream.anonymous_viewers,
        peak_viewers=stream.peak_concurrent,
        peak_at=stream.peak_at,
        total_minutes=stream.total_minutes,
        average_minutes=stream.average_minutes,
        median_minutes=stream.median_minutes,
        both=stream.both,
        hall_registered_watched_online=stream.hall_registered_watched_online,
    )
