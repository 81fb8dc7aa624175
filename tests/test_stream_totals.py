"""Running totals of the viewer minutes: folded once each, late minutes, threshold changes, two workers, purge."""
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select, update

from tracker.checkin.models import CheckIn
from tracker.events.models import Event
from tracker.extensions import db
from tracker.stream.figures import GroupFigures, fold_minutes, stream_figures
from tracker.stream.models import MinuteTotal, ViewerMinute, ViewerTotal
from tracker.stream.presence import minutes_insert
from tracker.dashboard.snapshots import purged_figures
from tracker.privacy.services import purge_event
from tracker.stream.services import replace_minutes_by_snapshot

from .factories import make_event, make_group, make_invitee, make_registration

START = datetime(2026, 12, 10, 9, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def watched(event_id: int, viewer_key: str, invitee_id: int | None, minutes) -> None:
    """Minute rows as heartbeats (or a late flush of the Redis queue) write them."""
    db.session.execute(
        insert(ViewerMinute),
        [{"event_id": event_id, "viewer_key": viewer_key, "invitee_id": invitee_id, "minute": at(m)} for m in minutes],
    )


def figures_at(app, event_id: int, moment: datetime, commit: bool = True):
    """The figures computed at `moment`; committed like the dashboard cache does, so the fold stays."""
    with app.app_context():
        result = stream_figures(db.session.get(Event, event_id), moment)
        if commit:
            db.session.commit()
        return result


def expected_from_minutes(app, event_id: int, threshold: int) -> dict:
    """The figures recomputed in Python from the raw minute rows, for comparison."""
    with app.app_context():
        rows = db.session.execute(
            select(ViewerMinute.viewer_key, ViewerMinute.minute).where(ViewerMinute.event_id == event_id)
        ).all()
    per_viewer = Counter(key for key, _ in rows)
    per_minute = Counter(minute for _, minute in rows)
    return {
        "unique_viewers": len(per_viewer),
        "total_minutes": len(rows),
        "followed_online": sum(1 for minutes in per_viewer.values() if minutes >= threshold),
        "per_minute": sorted(per_minute.items()),
    }


def as_compared(figures) -> dict:
    return {name: getattr(figures, name) for name in ("unique_viewers", "total_minutes", "followed_online", "per_minute")}


def totals_in_tables(app, event_id: int) -> tuple[int, int, int]:
    """Minutes in the viewer totals, viewers in the minute totals, minute rows marked folded."""
    with app.app_context():
        return (
            db.session.scalar(select(func.coalesce(func.sum(ViewerTotal.minutes), 0)).where(ViewerTotal.event_id == event_id)),
            db.session.scalar(select(func.coalesce(func.sum(MinuteTotal.viewers), 0)).where(MinuteTotal.event_id == event_id)),
            db.session.scalar(select(func.count()).where(ViewerMinute.event_id == event_id, ViewerMinute.folded)),
        )


def make_stream_event(app, threshold: int = 10) -> int:
    with app.app_context():
        event = make_event(starts_at=START, ends_at=START + timedelta(hours=2), online_threshold_minutes=threshold)
        db.session.commit()
        return event.id


def test_minutes_are_folded_once_over_several_computations_and_figures_stay_exact(app):
    event_id = make_stream_event(app)
    with app.app_context():
        watched(event_id, "a1", None, range(0, 30))
        watched(event_id, "a2", None, range(10, 15))
        db.session.commit()
    for moment in (at(5), at(12) + timedelta(seconds=30), at(12) + timedelta(seconds=50), at(31), at(40)):
        result = figures_at(app, event_id, moment)
        assert as_compared(result) == expected_from_minutes(app, event_id, 10), moment
    # All 35 rows are folded, each exactly once.
    assert totals_in_tables(app, event_id) == (35, 35, 35)


def test_the_current_minute_is_folded_and_what_arrives_after_is_folded_by_the_next_computation(app):
    event_id = make_stream_event(app)
    with app.app_context():
        watched(event_id, "a1", None, range(0, 10))
        db.session.commit()
    assert figures_at(app, event_id, at(9) + timedelta(seconds=40)).total_minutes == 10
    assert totals_in_tables(app, event_id) == (10, 10, 10)
    with app.app_context():  # later in minute 9 and in minute 10: another viewer, a repeat, a later heartbeat
        watched(event_id, "a2", None, [9])
        db.session.execute(minutes_insert(), [{"event_id": event_id, "viewer_key": "a1", "minute": at(9)}])
        db.session.execute(update(ViewerMinute).where(ViewerMinute.viewer_key == "a1", ViewerMinute.minute == at(9))
                           .values(last_seen_at=at(9) + timedelta(seconds=55)))
        watched(event_id, "a1", None, [10])
        db.session.commit()
    result = figures_at(app, event_id, at(10) + timedelta(seconds=5))
    assert as_compared(result) == expected_from_minutes(app, event_id, 10)
    assert dict(result.per_minute)[at(9)] == 2 and result.total_minutes == 12
    assert totals_in_tables(app, event_id) == (12, 12, 12)


def test_a_minute_arriving_late_counts_at_once_and_is_folded_once(app):
    event_id = make_stream_event(app)
    with app.app_context():
        watched(event_id, "a1", None, range(0, 20))
        db.session.commit()
    figures_at(app, event_id, at(25))
    assert totals_in_tables(app, event_id) == (20, 20, 20)
    with app.app_context():  # e.g. the Redis queue flushed long after the minute: older than every fold so far
        watched(event_id, "a2", None, [3, 4])
        watched(event_id, "a1", None, [21])
        db.session.commit()
    result = figures_at(app, event_id, at(26))
    assert as_compared(result) == expected_from_minutes(app, event_id, 10)
    assert dict(result.per_minute)[at(3)] == 2 and result.unique_viewers == 2
    assert totals_in_tables(app, event_id) == (23, 23, 23)
    assert as_compared(figures_at(app, event_id, at(27))) == as_compared(result)


def test_a_changed_threshold_applies_to_minutes_already_folded(app):
    event_id = make_stream_event(app, threshold=10)
    with app.app_context():
        watched(event_id, "a1", None, range(0, 8))
        watched(event_id, "a2", None, range(0, 12))
        db.session.commit()
    assert figures_at(app, event_id, at(30)).followed_online == 1
    with app.app_context():
        db.session.get(Event, event_id).online_threshold_minutes = 5
        db.session.commit()
    assert figures_at(app, event_id, at(31)).followed_online == 2
    with app.app_context():
        db.session.get(Event, event_id).online_threshold_minutes = 15
        db.session.commit()
    assert figures_at(app, event_id, at(32)).followed_online == 0


def test_groups_hall_state_and_median_from_folded_and_open_minutes_together(app):
    event_id = make_stream_event(app, threshold=5)
    with app.app_context():
        event = db.session.get(Event, event_id)
        council = make_group(event, "Stadtrat")
        at_home = make_invitee(event, group=council)
        make_registration(at_home, mode="hall")
        in_hall = make_invitee(event, group=council)
        db.session.add(CheckIn(event_id=event_id, registration_id=make_registration(in_hall, mode="hall").id))
        no_group = make_invitee(event)
        watched(event_id, f"i{at_home.id}", at_home.id, range(0, 6))
        watched(event_id, f"i{in_hall.id}", in_hall.id, range(4, 10))
        watched(event_id, f"i{no_group.id}", no_group.id, range(8, 10))
        watched(event_id, "a1", None, range(0, 3))
        db.session.commit()
        council_id = council.id
    for moment in (at(6), at(10) + timedelta(seconds=20), at(20)):  # some minutes folded, then all
        result = figures_at(app, event_id, moment)
        assert result.per_group == {council_id: GroupFigures(2, 1), None: GroupFigures(1, 0)}, moment
        assert (result.anonymous_viewers, result.hall_registered_watched_online, result.both) == (1, 1, 1)
        assert (result.median_minutes, result.peak_concurrent, result.peak_at) == (4.5, 2, at(0))  # of 2, 3, 6, 6


def test_two_workers_folding_at_once_count_each_minute_once(app_factory):
    first, second = app_factory(), app_factory()
    event_id = make_stream_event(first)
    with first.app_context():
        for viewer in range(20):
            watched(event_id, f"a{viewer}", None, range(0, 30))
        db.session.commit()
    both_ready = threading.Barrier(2)
    results, errors = [], []

    def compute(app):
        try:
            with app.app_context():
                both_ready.wait(timeout=10)
                results.append(stream_figures(db.session.get(Event, event_id), at(40)).total_minutes)
                db.session.commit()
        except Exception as error:  # reported below; a thread's exception would otherwise be lost
            errors.append(error)

    threads = [threading.Thread(target=compute, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and results == [600, 600]
    assert totals_in_tables(first, event_id) == (600, 600, 600)
    assert figures_at(second, event_id, at(41)).total_minutes == 600


def test_figures_are_exact_while_another_transaction_holds_an_uncommitted_fold(app_factory):
    folding, reading = app_factory(), app_factory()
    event_id = make_stream_event(folding)
    with folding.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("SQLite serializes transactions: nobody reads beside an uncommitted fold")
        watched(event_id, "a1", None, range(0, 20))
        db.session.commit()
    with folding.app_context():
        fold_minutes(event_id)  # holds the fold lock and the marked rows until the commit
        assert figures_at(reading, event_id, at(30), commit=False).total_minutes == 20
        assert totals_in_tables(reading, event_id) == (0, 0, 0)
        db.session.commit()
    assert totals_in_tables(reading, event_id) == (20, 20, 20)
    assert figures_at(reading, event_id, at(31)).total_minutes == 20


def test_an_invitee_deleted_after_folding_counts_as_a_viewer_without_a_person(app):
    event_id = make_stream_event(app)
    with app.app_context():
        event = db.session.get(Event, event_id)
        invitee = make_invitee(event, group=make_group(event, "Stadtrat"))
        watched(event_id, f"i{invitee.id}", invitee.id, range(0, 12))
        db.session.commit()
        invitee_id = invitee.id
    assert figures_at(app, event_id, at(20)).anonymous_viewers == 0
    with app.app_context():
        db.session.delete(db.session.get(type(invitee), invitee_id))
        db.session.commit()
        assert db.session.scalar(select(ViewerTotal.invitee_id).where(ViewerTotal.event_id == event_id)) is None
    result = figures_at(app, event_id, at(21))
    assert (result.unique_viewers, result.anonymous_viewers, result.per_group) == (1, 1, {})


def test_purge_keeps_the_figures_and_deletes_the_totals_with_the_minutes(app):
    event_id = make_stream_event(app)
    with app.app_context():
        watched(event_id, "a1", None, range(0, 12))
        db.session.commit()
    before = figures_at(app, event_id, at(30))
    assert totals_in_tables(app, event_id) == (12, 12, 12)
    with app.app_context():
        replace_minutes_by_snapshot(db.session.get(Event, event_id), at(60 * 24 * 40))
        db.session.commit()
        for model in (ViewerMinute, ViewerTotal, MinuteTotal):
            assert db.session.scalar(select(func.count()).where(model.event_id == event_id)) == 0, model
    after = figures_at(app, event_id, at(60 * 24 * 40))
    assert after.from_snapshot and as_compared(after) == as_compared(before)


def test_privacy_purge_deletes_the_totals_after_the_snapshot(app):
    event_id = make_stream_event(app)
    with app.app_context():
        invitee = make_invitee(db.session.get(Event, event_id))
        watched(event_id, f"i{invitee.id}", invitee.id, range(0, 12))
        db.session.commit()
    before = figures_at(app, event_id, at(30))
    assert totals_in_tables(app, event_id) == (12, 12, 12)
    with app.app_context():
        deleted = purge_event(event_id, at(60 * 24 * 100))
        db.session.commit()
        assert deleted["invitees"] == 1
        for model in (ViewerMinute, ViewerTotal, MinuteTotal):
            assert db.session.scalar(select(func.count()).where(model.event_id == event_id)) == 0, model
        kept = purged_figures(db.session.get(Event, event_id))
    assert (kept.unique_viewers, kept.total_minutes, kept.followed_online) == (1, 12, 1)
    assert as_compared(figures_at(app, event_id, at(60 * 24 * 100))) == as_compared(before)


def test_a_backlog_is_folded_a_batch_at_a_time_with_exact_figures_throughout(app, monkeypatch):
    monkeypatch.setattr("tracker.stream.figures.FOLD_BATCH", 7)
    event_id = make_stream_event(app)
    with app.app_context():
        watched(event_id, "a1", None, range(0, 12))
        watched(event_id, "a2", None, range(0, 8))
        db.session.commit()
    expected = expected_from_minutes(app, event_id, 10)
    # Whole minutes, up to the one holding the 8th unfolded row (rows by minute: 0, 0, 1, 1, 2, 2, 3, 3, 4, …).
    for folded in (8, 16, 20, 20):
        assert as_compared(figures_at(app, event_id, at(30))) == expected
        assert totals_in_tables(app, event_id) == (folded, folded, folded)
