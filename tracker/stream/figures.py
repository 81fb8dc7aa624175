"""Livestream figures of one event, computed by grouped SQL over the viewer minutes.

After the retention period the minutes are gone and the figures come from the snapshot taken
just before (see tracker.stream.services.purge_expired_minutes), with the same totals.
"""
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Select, case, exists, func, select

from ..checkin.models import CheckIn
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..invitees.models import Invitee
from ..registration.models import ACTIVE_STATUSES, Mode, Registration
from .models import StreamFigureSnapshot, ViewerMinute
from .presence import minutes_insert, presence_store


class GroupFigures(NamedTuple):
    viewers: int
    followed_online: int


@dataclass(frozen=True)
class StreamFigures:
    #: Viewers whose last heartbeat is less than 90 seconds old.
    watching_now: int
    #: Distinct viewers (invitees and anonymous) with at least one minute.
    unique_viewers: int
    #: Viewers who watched at least the event's online threshold ("online dabei").
    followed_online: int
    #: Most viewers in one minute, and the first minute with that many (none without viewers).
    peak_concurrent: int
    peak_at: datetime | None
    #: Viewer minutes in all, and per viewer.
    total_minutes: int
    average_minutes: float
    median_minutes: float
    #: (minute, viewers in that minute), in time order.
    per_minute: list[tuple[datetime, int]]
    #: Invitee viewers by audience group (None: invitees outside every group).
    per_group: dict[int | None, GroupFigures]
    #: Viewers without a personal link (public watch page).
    anonymous_viewers: int
    anonymous_followed_online: int
    #: Followed online while registered for the hall and not checked in there.
    hall_registered_watched_online: int
    #: Checked in to the hall and followed online as well; subtract once when adding hall and online totals.
    both: int
    online_threshold_minutes: int
    #: Whether the figures come from the snapshot kept after the minutes were deleted.
    from_snapshot: bool = field(default=False)


def followed_online_invitee_ids(event: Event) -> Select:
    """Ids of the event's invitees who followed online, as a query to join or use with IN.

    Empty once the minutes are deleted after the retention period (the snapshot keeps counts, not people).
    """
    return (
        select(ViewerMinute.invitee_id)
        .where(ViewerMinute.event_id == event.id, ViewerMinute.invitee_id.is_not(None))
        .group_by(ViewerMinute.invitee_id)
        .having(func.count() >= event.online_threshold_minutes)
    )


def stream_figures(event: Event, now: datetime | None = None) -> StreamFigures:
    """All livestream figures of the event at this moment."""
    now = now or utcnow()
    snapshot = db.session.get(StreamFigureSnapshot, event.id)
    if snapshot is not None:
        return figures_from_json(snapshot.figures)
    store = presence_store()
    pending = store.pending_rows(event.id)
    if not pending:
        return _figures_from_minutes(event, store.watching_now(event.id, now))
    # Minutes still queued in Redis count too: add them inside a savepoint that is rolled back, so they
    # stay queued for the real flush and the caller's transaction is left as it was.
    savepoint = db.session.begin_nested()
    try:
        db.session.execute(minutes_insert(), pending)
        return _figures_from_minutes(event, store.watching_now(event.id, now))
    finally:
        savepoint.rollback()


def _figures_from_minutes(event: Event, watching_now: int) -> StreamFigures:
    threshold = event.online_threshold_minutes
    per_viewer = (
        select(
            ViewerMinute.viewer_key,
            func.max(ViewerMinute.invitee_id).label("invitee_id"),
            func.count().label("minutes"),
        )
        .where(ViewerMinute.event_id == event.id)
        .group_by(ViewerMinute.viewer_key)
        .subquery()
    )
    followed = case((per_viewer.c.minutes >= threshold, 1), else_=0)
    anonymous = per_viewer.c.invitee_id.is_(None)
    totals = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(followed), 0),
            func.coalesce(func.sum(per_viewer.c.minutes), 0),
            func.coalesce(func.sum(case((anonymous, 1), else_=0)), 0),
            func.coalesce(func.sum(case((anonymous & (per_viewer.c.minutes >= threshold), 1), else_=0)), 0),
        )
    ).one()
    unique_viewers, followed_online, total_minutes, anonymous_viewers, anonymous_followed = (int(v) for v in totals)

    ranked = select(
        per_viewer.c.minutes,
        func.row_number().over(order_by=per_viewer.c.minutes).label("rank"),
        func.count().over().label("viewers"),
    ).subquery()
    median = db.session.execute(
        select(func.avg(ranked.c.minutes)).where(
            ranked.c.rank.between((ranked.c.viewers + 1) // 2, (ranked.c.viewers + 2) // 2)
        )
    ).scalar_one()

    per_minute = [
        (minute, viewers)
        for minute, viewers in db.session.execute(
            select(ViewerMinute.minute, func.count())
            .where(ViewerMinute.event_id == event.id)
            .group_by(ViewerMinute.minute)
            .order_by(ViewerMinute.minute)
        )
    ]
    peak = db.session.execute(
        select(ViewerMinute.minute, func.count().label("viewers"))
        .where(ViewerMinute.event_id == event.id)
        .group_by(ViewerMinute.minute)
        .order_by(func.count().desc(), ViewerMinute.minute)
        .limit(1)
    ).first()

    per_group = {
        group_id: GroupFigures(int(viewers), int(followed_count))
        for group_id, viewers, followed_count in db.session.execute(
            select(Invitee.group_id, func.count(), func.coalesce(func.sum(followed), 0))
            .select_from(per_viewer.join(Invitee, Invitee.id == per_viewer.c.invitee_id))
            .group_by(Invitee.group_id)
        )
    }

    followed_ids = followed_online_invitee_ids(event).subquery()
    checked_in = exists().where(CheckIn.registration_id == Registration.id, CheckIn.reverted_at.is_(None))
    hall_instead = (Registration.mode == Mode.HALL) & Registration.status.in_(ACTIVE_STATUSES) & ~checked_in
    hall_watched_online, both = db.session.execute(
        select(
            func.coalesce(func.sum(case((hall_instead, 1), else_=0)), 0),
            func.coalesce(func.sum(case((checked_in, 1), else_=0)), 0),
        ).select_from(followed_ids.join(Registration, Registration.invitee_id == followed_ids.c.invitee_id))
    ).one()

    return StreamFigures(
        watching_now=watching_now,
        unique_viewers=unique_viewers,
        followed_online=followed_online,
        peak_concurrent=peak.viewers if peak else 0,
        peak_at=peak.minute if peak else None,
        total_minutes=total_minutes,
        average_minutes=round(total_minutes / unique_viewers, 1) if unique_viewers else 0.0,
        median_minutes=float(median) if median is not None else 0.0,
        per_minute=per_minute,
        per_group=per_group,
        anonymous_viewers=anonymous_viewers,
        anonymous_followed_online=anonymous_followed,
        hall_registered_watched_online=int(hall_watched_online),
        both=int(both),
        online_threshold_minutes=threshold,
    )


def figures_to_json(figures: StreamFigures) -> str:
    """The figures for the snapshot (watching now is meaningless later and kept as zero)."""
    data = asdict(figures)
    data["watching_now"] = 0
    data["peak_at"] = figures.peak_at.isoformat() if figures.peak_at else None
    data["per_minute"] = [[minute.isoformat(), viewers] for minute, viewers in figures.per_minute]
    data["per_group"] = [[group_id, list(values)] for group_id, values in figures.per_group.items()]
    return json.dumps(data)


def figures_from_json(text: str) -> StreamFigures:
    data = json.loads(text)
    data["peak_at"] = datetime.fromisoformat(data["peak_at"]) if data["peak_at"] else None
    data["per_minute"] = [(datetime.fromisoformat(minute), viewers) for minute, viewers in data["per_minute"]]
    data["per_group"] = {group_id: GroupFigures(*values) for group_id, values in data["per_group"]}
    data["from_snapshot"] = True
    return StreamFigures(**data)
