"""Livestream figures of one event, from running totals of the viewer minutes.

The minutes themselves are only written by heartbeats (one row per viewer and minute). When figures are
computed, the minutes written since the computation before are folded into running totals (minutes per viewer,
viewers per minute) and marked folded, each exactly once; the figures are then the totals plus the minutes not
folded (those another transaction is folding at that moment), read directly, in one statement. So they are exact at every moment, and their cost grows with the number of
viewers and minutes of the event, not with the number of viewer minutes.

After the retention period the minutes and totals are gone and the figures come from the snapshot taken
just before (see tracker.stream.services.purge_expired_minutes), with the same totals.
"""
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import NamedTuple

from sqlalchemy import Integer, Row, Select, and_, case, exists, func, literal, null, or_, select, text, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..checkin.models import CheckIn
from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..invitees.models import Invitee
from ..registration.models import ACTIVE_STATUSES, Mode, Registration
from .models import MinuteTotal, StreamFigureSnapshot, ViewerMinute, ViewerTotal
from .presence import minutes_insert, presence_store

#: About the most minutes folded by one computation (whole minutes, so a few more), so that it stays short however
#: many wait (after the upgrade that introduced the totals, or a queue flushed late); a live stream of 10,000
#: viewers adds 10,000 a minute, and the dashboard computes every few seconds.
FOLD_BATCH = 20_000
#: First key of the PostgreSQL advisory lock that lets one transaction at a time fold an event's minutes.
FOLD_LOCK = 0x73746D66
#: The kinds of rows of the livestream parts of the figures statement (see stream_parts).
STREAM_KINDS = ("viewers", "minute")
#: Columns of a row of the figures statement: its kind, then a key and values (NULL where a kind has fewer).
ROW_WIDTH = 13


class epoch_minute(FunctionElement):
    """Whole minutes since 1970 of a UTC timestamp column, on PostgreSQL and SQLite."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_minute, "postgresql")
def _epoch_minute_postgresql(element, compiler, **kw):
    return f"CAST(floor(date_part('epoch', {compiler.process(element.clauses, **kw)}) / 60) AS INTEGER)"


@compiles(epoch_minute, "sqlite")
def _epoch_minute_sqlite(element, compiler, **kw):
    return f"(unixepoch({compiler.process(element.clauses, **kw)}) / 60)"


def minute_to_datetime(epoch_minutes: int) -> datetime:
    return datetime.fromtimestamp(epoch_minutes * 60, timezone.utc)


def tagged(kind: str, *columns) -> Select:
    """One part of a figures statement: rows of `kind`, padded with NULLs to ROW_WIDTH columns."""
    return select(literal(kind), *columns, *[null()] * (ROW_WIDTH - 1 - len(columns)))


class GroupFigures(NamedTuple):
    """Invitee viewers of one audience group, and those of them who followed online (see figures_from_rows)."""

    viewers: int
    followed_online: int


@dataclass(frozen=True)
class StreamFigures:
    #: Viewers whose last heartbeat is less than 90 seconds old.
    watching_now: int
    #: Distinct viewers (invitees and anonymous) with at least one minute.
    unique_viewers: int
    #: Viewers who watched at least the event's online threshold and were not present in the hall ("online dabei";
    #: the one definition, see figures_from_rows).
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
    #: Present in the hall who watched at least the threshold as well ("also watched online while in the hall"):
    #: counted as present, not in followed_online, so that hall and online figures add up.
    both: int
    online_threshold_minutes: int
    #: Whether the figures come from the snapshot kept after the minutes were deleted.
    from_snapshot: bool = field(default=False)


def fold_minutes(event_id: int) -> None:
    """Add the event's unfolded minutes to the running totals, about FOLD_BATCH rows of the oldest minutes at a
    time, and mark them folded.

    Every minute row is folded, the current minute's too: a row is only ever inserted (later heartbeats and
    goodbyes change its last_seen_at, which no total holds), so a computation folds what arrived since the one
    before, and rows that arrive later, in any minute, are folded by the next.

    Part of the caller's transaction, so totals and marks are committed together or not at all. A minute is
    never counted twice: on PostgreSQL the marking UPDATE and both additions are one statement, and one
    transaction per event folds at a time (the others skip folding, their figures are exact all the same);
    on SQLite the transaction holds the write lock from its start.
    """
    unfolded = _unfolded(event_id)
    # Whole minutes, through the one holding row FOLD_BATCH + 1: a range of the index of unfolded minutes.
    last_minute = select(ViewerMinute.minute).where(unfolded).order_by(ViewerMinute.minute).offset(FOLD_BATCH).limit(1)
    batch = and_(unfolded, or_(ViewerMinute.minute <= last_minute.scalar_subquery(), ~exists(last_minute)))
    mark_folded = update(ViewerMinute.__table__).where(batch).values(folded=True)
    if db.engine.dialect.name == "postgresql":
        if not db.session.execute(select(func.pg_try_advisory_xact_lock(FOLD_LOCK, event_id))).scalar_one():
            return
        moved = mark_folded.returning(ViewerMinute.viewer_key, ViewerMinute.invitee_id, ViewerMinute.minute).cte("moved")
        add_viewers = _add_to_viewer_totals(postgresql.insert, event_id, moved).cte("added_viewers")
        db.session.execute(_add_to_minute_totals(postgresql.insert, event_id, moved).add_cte(add_viewers))
        return
    source = select(ViewerMinute.viewer_key, ViewerMinute.invitee_id, ViewerMinute.minute).where(batch).subquery()
    db.session.execute(_add_to_viewer_totals(sqlite.insert, event_id, source))
    db.session.execute(_add_to_minute_totals(sqlite.insert, event_id, source))
    db.session.execute(mark_folded)


def _add_to_viewer_totals(insert, event_id: int, minutes):
    statement = insert(ViewerTotal.__table__).from_select(
        ["event_id", "viewer_key", "invitee_id", "minutes"],
        select(literal(event_id), minutes.c.viewer_key, func.max(minutes.c.invitee_id), func.count())
        .where(text("true"))  # SQLite: INSERT … SELECT … ON CONFLICT needs a WHERE to parse
        .group_by(minutes.c.viewer_key),
    )
    table = ViewerTotal.__table__
    return statement.on_conflict_do_update(
        index_elements=[table.c.event_id, table.c.viewer_key],
        set_={
            "minutes": table.c.minutes + statement.excluded.minutes,
            "invitee_id": func.coalesce(statement.excluded.invitee_id, table.c.invitee_id),
        },
    )


def _add_to_minute_totals(insert, event_id: int, minutes):
    statement = insert(MinuteTotal.__table__).from_select(
        ["event_id", "minute", "viewers"],
        select(literal(event_id), minutes.c.minute, func.count()).where(text("true")).group_by(minutes.c.minute),
    )
    table = MinuteTotal.__table__
    return statement.on_conflict_do_update(
        index_elements=[table.c.event_id, table.c.minute],
        set_={"viewers": table.c.viewers + statement.excluded.viewers},
    )


def _unfolded(event_id: int):
    return and_(ViewerMinute.event_id == event_id, ~ViewerMinute.folded)


def viewer_totals(event_id: int):
    """Per viewer of the event: viewer_key, invitee_id (none for anonymous viewers) and minutes watched."""
    both = union_all(
        select(ViewerTotal.viewer_key, ViewerTotal.invitee_id, ViewerTotal.minutes).where(ViewerTotal.event_id == event_id),
        select(ViewerMinute.viewer_key, ViewerMinute.invitee_id, literal(1)).where(_unfolded(event_id)),
    ).subquery()
    return (
        select(both.c.viewer_key, func.max(both.c.invitee_id).label("invitee_id"), func.sum(both.c.minutes).label("minutes"))
        .group_by(both.c.viewer_key)
        .subquery("viewer_totals")
    )


def minute_totals(event_id: int):
    """Per minute of the event with viewers: minute and viewers."""
    both = union_all(
        select(MinuteTotal.minute, MinuteTotal.viewers).where(MinuteTotal.event_id == event_id),
        select(ViewerMinute.minute, literal(1)).where(_unfolded(event_id)),
    ).subquery()
    return (
        select(both.c.minute, func.sum(both.c.viewers).label("viewers")).group_by(both.c.minute).subquery("minute_totals")
    )


def stream_parts(event_id: int) -> list[Select]:
    """The parts of the figures statement for the livestream figures (see figures_from_rows).

    "viewers": viewers per audience group, anonymity, hall state and minutes watched, so that the threshold,
    the median and every breakdown follow in Python; "minute": viewers per minute.
    """
    viewers = viewer_totals(event_id)
    checked_in = CheckIn.id.is_not(None)
    hall_instead = and_(Registration.mode == Mode.HALL, Registration.status.in_(ACTIVE_STATUSES), ~checked_in)
    per_viewer = (
        select(
            Invitee.group_id,
            case((viewers.c.invitee_id.is_(None), 1), else_=0).label("anonymous"),
            case((hall_instead, 1), else_=0).label("hall_instead"),
            case((checked_in, 1), else_=0).label("checked_in"),
            viewers.c.minutes,
        )
        .select_from(viewers)
        .outerjoin(Invitee, Invitee.id == viewers.c.invitee_id)
        .outerjoin(Registration, Registration.invitee_id == Invitee.id)
        .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.reverted_at.is_(None)))
        .subquery()
    )
    categories = [per_viewer.c.group_id, per_viewer.c.anonymous, per_viewer.c.hall_instead, per_viewer.c.checked_in,
                  per_viewer.c.minutes]
    minutes = minute_totals(event_id)
    return [
        tagged(STREAM_KINDS[0], *categories, func.count()).group_by(*categories),
        tagged(STREAM_KINDS[1], epoch_minute(minutes.c.minute), minutes.c.viewers),
    ]


@contextmanager
def minutes_counted(event: Event) -> Iterator[None]:
    """Fold the minutes written so far; inside, the minutes still queued in Redis are in the table too.

    They are added inside a savepoint that is rolled back, so they stay queued for the real flush and the
    caller's transaction keeps only the fold.
    """
    fold_minutes(event.id)
    pending = presence_store().pending_rows(event.id)
    if not pending:
        yield
        return
    savepoint = db.session.begin_nested()
    try:
        db.session.execute(minutes_insert(), pending)
        yield
    finally:
        savepoint.rollback()


def stream_snapshot(event: Event) -> StreamFigures | None:
    """The figures kept when the event's minutes were deleted, if they were."""
    snapshot = db.session.get(StreamFigureSnapshot, event.id)
    return figures_from_json(snapshot.figures) if snapshot is not None else None


def stream_figures(event: Event, now: datetime | None = None) -> StreamFigures:
    """All livestream figures of the event at this moment."""
    figures, _ = stream_figures_with(event, now or utcnow(), [])
    return figures


def stream_figures_with(event: Event, now: datetime, other_parts: Sequence[Select]) -> tuple[StreamFigures, list[Row]]:
    """The livestream figures, and the rows of `other_parts` (see `tagged`), from one aggregate statement.

    Only an event without any viewer rows may have had them deleted after the retention period: only then is
    the snapshot looked for.
    """
    # Who watches now is read first: every viewer it counts has a minute row by then, which the figures read
    # after it count too (read the other way round, a first heartbeat in between was watching but not a viewer).
    watching_now = presence_store().watching_now(event.id, now)
    with minutes_counted(event):
        rows = db.session.execute(union_all(*other_parts, *stream_parts(event.id))).all()
    stream_rows = [row for row in rows if row[0] in STREAM_KINDS]
    other_rows = [row for row in rows if row[0] not in STREAM_KINDS]
    snapshot = None if stream_rows else stream_snapshot(event)
    if snapshot is not None:
        return snapshot, other_rows
    return figures_from_rows(stream_rows, event.online_threshold_minutes, watching_now), other_rows


def figures_from_rows(rows: Sequence[Row], threshold: int, watching_now: int) -> StreamFigures:
    """The figures from the rows of `stream_parts`.

    Here is the one definition of "online dabei" (followed online) that every page, export and report uses: watched
    at least the threshold and not present in the hall. Hall guests who watched as well count as present only
    (`both`), so hall and online add up to the people reached, in every group and in all.
    """
    per_minute = sorted((minute_to_datetime(row[1]), int(row[2])) for row in rows if row[0] == STREAM_KINDS[1])
    peak_at, peak = None, 0
    for minute, viewers in per_minute:
        if viewers > peak:
            peak_at, peak = minute, viewers
    unique_viewers = followed_online = total_minutes = 0
    anonymous_viewers = anonymous_followed = hall_watched_online = both = 0
    per_group: dict[int | None, GroupFigures] = {}
    distribution: dict[int, int] = {}
    viewer_rows = (row for row in rows if row[0] == STREAM_KINDS[0])
    for _kind, group_id, anonymous, hall_instead, checked_in, minutes, count, *_ in viewer_rows:
        minutes, count = int(minutes), int(count)
        reached_threshold = count if minutes >= threshold else 0
        followed = 0 if checked_in else reached_threshold
        unique_viewers += count
        followed_online += followed
        both += reached_threshold - followed
        total_minutes += minutes * count
        distribution[minutes] = distribution.get(minutes, 0) + count
        if anonymous:
            anonymous_viewers += count
            anonymous_followed += followed
            continue
        viewers_before, followed_before = per_group.get(group_id, (0, 0))
        per_group[group_id] = GroupFigures(viewers_before + count, followed_before + followed)
        hall_watched_online += followed if hall_instead else 0
    return StreamFigures(
        watching_now=watching_now,
        unique_viewers=unique_viewers,
        followed_online=followed_online,
        peak_concurrent=peak,
        peak_at=peak_at,
        total_minutes=total_minutes,
        average_minutes=round(total_minutes / unique_viewers, 1) if unique_viewers else 0.0,
        median_minutes=_median(distribution),
        per_minute=per_minute,
        per_group=per_group,
        anonymous_viewers=anonymous_viewers,
        anonymous_followed_online=anonymous_followed,
        hall_registered_watched_online=hall_watched_online,
        both=both,
        online_threshold_minutes=threshold,
    )


def _median(distribution: dict[int, int]) -> float:
    """The median of values given as {value: how often}; 0.0 without any."""
    count = sum(distribution.values())
    if not count:
        return 0.0
    wanted = {(count + 1) // 2, (count + 2) // 2}  # positions, from 1, of the middle value(s)
    picked, seen = [], 0
    for value in sorted(distribution):
        first, seen = seen + 1, seen + distribution[value]
        picked.extend(value for position in wanted if first <= position <= seen)
    return sum(picked) / len(picked)


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
