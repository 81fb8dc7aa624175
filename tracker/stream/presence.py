"""Where heartbeats go: the database alone, or Redis in front of it when TRACKER_REDIS_URL is set.

Both keep presence per viewer per minute in `viewer_minutes` (one row per viewer and minute) and know
who is watching now (last heartbeat less than PRESENCE_SECONDS ago). Nothing lives in a worker's memory.

- DatabasePresence: each heartbeat is one upsert into the minute row, which also carries the
  last-seen time; a later heartbeat in the same minute updates that row instead of adding one (so at the
  page's 30-s pace about two row writes per viewer-minute: the exact 90-s expiry needs every last-seen time).
- RedisPresence: last-seen times in a sorted set per event; a per-minute set lets only a viewer's first
  heartbeat in a minute queue a row, and the queued rows are written in one batch each minute (by the
  first heartbeat of the next minute, by `flask stream flush`, and before figures are computed), so the
  database sees exactly one write per viewer per minute.

A viewer whose registration no longer allows watching is stopped (`stop`): it leaves "watching now" at once and its
later heartbeats raise ViewerStopped. The database store checks the registration inside the heartbeat's own statement;
Redis keeps a set of stopped viewers per event, checked inside the heartbeat script and written after the commit
(`resume` takes a viewer out of it when the watch page lets them watch again).
"""
from datetime import datetime, timedelta, timezone

import logging

import redis
from flask import current_app
from sqlalchemy import bindparam, event, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..database import UTCDateTime
from ..events.models import Event
from ..extensions import db
from ..invitees.models import Invitee
from ..limits import Budget, count_in_limiter_storage
from ..redis_client import redis_client
from ..registration.models import Registration
from .models import ViewerMinute
from .viewers import Viewer

#: A viewer counts as watching until this many seconds after their last heartbeat.
PRESENCE_SECONDS = 90

log = logging.getLogger(__name__)


class ViewerStopped(Exception):
    """The viewer's registration no longer allows watching; the heartbeat was not recorded."""


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _dialect_insert():
    return postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert


def _heartbeat_statement(dialect, guard: str):
    """The minute row's upsert as one statement, for an anonymous viewer or an invitee who may still watch
    (`Registration.may_watch`, one lookup by the unique invitee id); its last-seen time is rewritten only when it
    moves forward (or after a goodbye). Nothing is written for an invitee who may not watch."""
    may_watch = Registration.may_watch.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return text(
        f"""
        INSERT INTO viewer_minutes (event_id, viewer_key, minute, invitee_id, last_seen_at)
        SELECT CAST(:event_id AS INTEGER), CAST(:viewer_key AS VARCHAR), :minute, CAST(:invitee_id AS INTEGER),
               :last_seen_at
        WHERE {guard} AND (CAST(:invitee_id AS INTEGER) IS NULL OR EXISTS (
            SELECT 1 FROM registrations
            WHERE registrations.invitee_id = CAST(:invitee_id AS INTEGER) AND ({may_watch})))
        ON CONFLICT (event_id, viewer_key, minute) DO UPDATE SET last_seen_at = excluded.last_seen_at
        WHERE viewer_minutes.last_seen_at IS NULL OR viewer_minutes.last_seen_at < excluded.last_seen_at
        """
    ).bindparams(bindparam("minute", type_=UTCDateTime()), bindparam("last_seen_at", type_=UTCDateTime()))


_SQLITE_HEARTBEAT = _heartbeat_statement(sqlite.dialect(), "1 = 1")

#: On PostgreSQL the statement runs in its own transaction: one round trip, no BEGIN, SET or COMMIT.
#: set_config(..., true) turns off synchronous commit for that transaction only (a heartbeat lost in a crash costs
#: nothing; not waiting for the WAL flush saves most of its time). Built once; SQLAlchemy caches its compilation.
_POSTGRES_HEARTBEAT = _heartbeat_statement(
    postgresql.dialect(), "set_config('synchronous_commit', 'off', true) = 'off'"
)


class DatabasePresence:
    """Presence kept in the minute rows themselves."""

    def heartbeat(self, viewer: Viewer, now: datetime, budgets: list[Budget]) -> int | None:
        """Record the heartbeat; if one of the viewer's budgets is spent, only the end of its window."""
        spent_until = count_in_limiter_storage(budgets)
        if spent_until is not None:
            return spent_until
        row = {
            "event_id": viewer.event_id,
            "viewer_key": viewer.key,
            "minute": minute_of(now),
            "invitee_id": viewer.invitee_id,
            "last_seen_at": now,
        }
        if db.engine.dialect.name == "postgresql":
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            written = db.session.execute(_POSTGRES_HEARTBEAT, row).rowcount
        else:
            written = db.session.execute(_SQLITE_HEARTBEAT, row).rowcount
        # Nothing written: a late heartbeat of another tab, or an invitee who may no longer watch (rare either way).
        if not written and viewer.invitee_id is not None and not db.session.scalar(
            select(Registration.may_watch).where(Registration.invitee_id == viewer.invitee_id)
        ):
            raise ViewerStopped(viewer.key)
        return None

    def goodbye(self, viewer: Viewer, now: datetime) -> None:
        self._not_seen(viewer.event_id, viewer.key, now)

    def stop(self, event_id: int, viewer_key: str, now: datetime, closes_at: datetime) -> None:
        """Out of "watching now" in the caller's transaction; the heartbeat's own check refuses the rest."""
        self._not_seen(event_id, viewer_key, now)

    def resume(self, event_id: int, viewer_key: str) -> None:
        """Nothing to undo: the heartbeat reads the registration itself."""

    def _not_seen(self, event_id: int, viewer_key: str, now: datetime) -> None:
        db.session.execute(
            update(ViewerMinute)
            .where(
                ViewerMinute.event_id == event_id,
                ViewerMinute.viewer_key == viewer_key,
                ViewerMinute.minute >= minute_of(now - timedelta(seconds=PRESENCE_SECONDS)),
            )
            .values(last_seen_at=None)
        )

    def watching_now(self, event_id: int, now: datetime) -> int:
        """Viewers seen within PRESENCE_SECONDS; of invitees only those who may still watch (a heartbeat that was
        on its way while its registration was cancelled leaves a last-seen time, but does not count)."""
        since = now - timedelta(seconds=PRESENCE_SECONDS)
        may_still_watch = select(Registration.id).where(
            Registration.invitee_id == ViewerMinute.invitee_id, Registration.may_watch
        ).exists()
        return db.session.execute(
            select(func.count(func.distinct(ViewerMinute.viewer_key))).where(
                ViewerMinute.event_id == event_id,
                ViewerMinute.minute >= minute_of(since),
                ViewerMinute.last_seen_at >= since,
                ViewerMinute.invitee_id.is_(None) | may_still_watch,
            )
        ).scalar_one()

    def flush(self, event_id: int | None = None) -> int:
        """Nothing waits outside the database."""
        return 0

    def pending_rows(self, event_id: int) -> list[dict]:
        """Nothing waits outside the database."""
        return []

    def forget(self, event_id: int) -> None:
        """Nothing to forget outside the database."""


#: The heartbeat script's answer for a stopped viewer.
STOPPED = 2

#: KEYS: seen, minute, pending, pending events, flush marker, stopped viewers, then a counter per budget; ARGV: viewer
#: key, timestamp, pending entry, event id, then amount and window end per budget. Returns STOPPED for a stopped viewer
#: and the negated window end of a spent budget (nothing recorded either way), else 1 for the minute's first heartbeat
#: of all viewers (time to flush), else 0.
_HEARTBEAT_SCRIPT = """
if redis.call('SISMEMBER', KEYS[6], ARGV[1]) == 1 then return 2 end
for budget = 1, #KEYS - 6 do
  local used = redis.call('INCR', KEYS[6 + budget])
  if used == 1 then redis.call('EXPIREAT', KEYS[6 + budget], ARGV[4 + 2 * budget]) end
  if used > tonumber(ARGV[3 + 2 * budget]) then return -tonumber(ARGV[4 + 2 * budget]) end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], 172800)
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then
  redis.call('EXPIRE', KEYS[2], 300)
  redis.call('SADD', KEYS[3], ARGV[3])
  redis.call('SADD', KEYS[4], ARGV[4])
end
if redis.call('SET', KEYS[5], '1', 'NX', 'EX', 300) then return 1 end
return 0
"""

_TAKE_PENDING_SCRIPT = """
local items = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return items
"""


class RedisPresence:
    """Presence in Redis; minute rows reach the database in one batch per minute."""

    def __init__(self, client: redis.Redis, prefix: str):
        self.client = client
        self.prefix = prefix
        self._heartbeat = client.register_script(_HEARTBEAT_SCRIPT)
        self._take_pending = client.register_script(_TAKE_PENDING_SCRIPT)

    def _seen_key(self, event_id: int) -> str:
        return f"{self.prefix}seen:{event_id}"

    def _pending_key(self, event_id: int) -> str:
        return f"{self.prefix}pending:{event_id}"

    def _stopped_key(self, event_id: int) -> str:
        return f"{self.prefix}stopped:{event_id}"

    @property
    def _pending_events_key(self) -> str:
        return f"{self.prefix}pending-events"

    def heartbeat(self, viewer: Viewer, now: datetime, budgets: list[Budget]) -> int | None:
        """Record the heartbeat and count it in the viewer's budgets, in one script: one round trip."""
        minute = int(minute_of(now).timestamp())
        entry = f"{minute}|{viewer.key}|{'' if viewer.invitee_id is None else viewer.invitee_id}"
        keys = [
            self._seen_key(viewer.event_id),
            f"{self.prefix}minute:{viewer.event_id}:{minute}",
            self._pending_key(viewer.event_id),
            self._pending_events_key,
            f"{self.prefix}flush:{minute}",
            self._stopped_key(viewer.event_id),
            *(budget.key for budget in budgets),
        ]
        args = [viewer.key, now.timestamp(), entry, viewer.event_id]
        for budget in budgets:
            args += [budget.amount, budget.ends_at]
        outcome = self._heartbeat(keys=keys, args=args)
        if outcome == STOPPED:
            raise ViewerStopped(viewer.key)
        if outcome < 0:
            return -outcome
        if outcome:
            self.flush()
        return None

    def goodbye(self, viewer: Viewer, now: datetime) -> None:
        self.client.zrem(self._seen_key(viewer.event_id), viewer.key)

    def stop(self, event_id: int, viewer_key: str, now: datetime, closes_at: datetime) -> None:
        """Stop the viewer once the caller's transaction commits (a rolled-back change stops nobody)."""
        db.session.info.setdefault(_STOPS, []).append((self, event_id, viewer_key, closes_at))

    def _stop_now(self, event_id: int, viewer_key: str, closes_at: datetime) -> None:
        """Out of "watching now", into the event's stopped set until a day after its heartbeats close."""
        pipe = self.client.pipeline(transaction=True)
        pipe.zrem(self._seen_key(event_id), viewer_key)
        pipe.sadd(self._stopped_key(event_id), viewer_key)
        pipe.expireat(self._stopped_key(event_id), int((closes_at + timedelta(days=1)).timestamp()))
        pipe.execute()

    def resume(self, event_id: int, viewer_key: str) -> None:
        self.client.srem(self._stopped_key(event_id), viewer_key)

    def watching_now(self, event_id: int, now: datetime) -> int:
        since = now.timestamp() - PRESENCE_SECONDS
        key = self._seen_key(event_id)
        pipe = self.client.pipeline(transaction=False)
        pipe.zremrangebyscore(key, "-inf", f"({since}")
        pipe.zcount(key, since, "+inf")
        return pipe.execute()[1]

    def flush(self, event_id: int | None = None) -> int:
        """Write the queued viewer minutes (of one event, or all) to the database; returns the rows queued."""
        if event_id is None:
            event_ids = [int(e) for e in self.client.smembers(self._pending_events_key)]
        else:
            event_ids = [event_id]
        written = 0
        for one_event in event_ids:
            items = self._take_pending(keys=[self._pending_key(one_event), self._pending_events_key], args=[one_event])
            if not items:
                continue
            try:
                _insert_minutes(one_event, items)
            except Exception:
                self.client.sadd(self._pending_key(one_event), *items)
                self.client.sadd(self._pending_events_key, one_event)
                raise
            written += len(items)
        return written

    def pending_rows(self, event_id: int) -> list[dict]:
        """The minutes queued for the next flush, left queued (for figures that must be current)."""
        rows = _minute_rows(event_id, self.client.smembers(self._pending_key(event_id)))
        return without_dangling_references(db.session, event_id, rows) if rows else []

    def forget(self, event_id: int) -> None:
        self.client.delete(self._seen_key(event_id), self._pending_key(event_id), self._stopped_key(event_id))
        self.client.srem(self._pending_events_key, event_id)


#: Key in the session's `info`: the Redis stops waiting for the transaction's commit.
_STOPS = "stream_stops"


@event.listens_for(Session, "after_commit")
def _stop_after_commit(session: Session) -> None:
    for store, event_id, viewer_key, closes_at in session.info.pop(_STOPS, ()):
        try:
            store._stop_now(event_id, viewer_key, closes_at)
        except redis.RedisError:
            # The change is committed; without Redis its viewer counts on until the token ends, as heartbeats fail too.
            log.exception("could not stop viewer %s of event %s", viewer_key, event_id)


@event.listens_for(Session, "after_rollback")
def _no_stop_after_rollback(session: Session) -> None:
    session.info.pop(_STOPS, None)


def minutes_insert():
    """INSERT into viewer_minutes that ignores rows already there."""
    return _dialect_insert()(ViewerMinute.__table__).on_conflict_do_nothing()


def _minute_rows(event_id: int, items) -> list[dict]:
    rows = []
    for item in items:
        minute, key, invitee = item.decode().split("|")
        rows.append(
            {
                "event_id": event_id,
                "viewer_key": key,
                "minute": datetime.fromtimestamp(int(minute), timezone.utc),
                "invitee_id": int(invitee) if invitee else None,
            }
        )
    return rows


def without_dangling_references(connection, event_id: int, rows: list[dict]) -> list[dict]:
    """Queued rows that can still be written: none if the event was deleted meanwhile, and no invitee id
    for invitees deleted meanwhile (their minutes still count, as a viewer without a group)."""
    if connection.execute(select(Event.id).where(Event.id == event_id)).first() is None:
        return []
    invitee_ids = {row["invitee_id"] for row in rows if row["invitee_id"] is not None}
    if invitee_ids:
        existing = set(connection.execute(select(Invitee.id).where(Invitee.id.in_(invitee_ids))).scalars())
        for row in rows:
            if row["invitee_id"] is not None and row["invitee_id"] not in existing:
                row["invitee_id"] = None
    return rows


def _insert_minutes(event_id: int, items: list[bytes]) -> None:
    """One batch of queued minutes in its own transaction; duplicates are ignored."""
    statement = minutes_insert()
    with db.engine.begin() as connection:
        rows = without_dangling_references(connection, event_id, _minute_rows(event_id, items))
        for start in range(0, len(rows), 1000):
            connection.execute(statement, rows[start:start + 1000])


def presence_store() -> DatabasePresence | RedisPresence:
    """The store this app is configured for; the Redis client is shared by the process."""
    client = redis_client()
    if client is None:
        return DatabasePresence()
    store = current_app.extensions.get("stream_presence")
    if store is None:
        prefix = current_app.config.get("STREAM_REDIS_PREFIX", "tracker:stream:")
        store = current_app.extensions["stream_presence"] = RedisPresence(client, prefix)
    return store
