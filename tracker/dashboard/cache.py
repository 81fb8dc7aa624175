"""Figures cached per event for DASHBOARD_REFRESH_SECONDS, so many open dashboards cost one computation.

The cache lives in Redis when TRACKER_REDIS_URL is set, else in the `dashboard_figure_cache` table;
never in a worker's memory, so every worker of every server shares it. When the figures are stale,
exactly one worker claims the next computation (Redis: SET NX with an expiry; database: a conditional
UPDATE or INSERT that only one transaction can win) and the others keep serving the previous figures
until it is done: no stampede of aggregate queries. The claim expires by itself if its worker dies.

The database variant commits its own claim and result (like the mail sender): others must see them
at once, whatever the request does afterwards.
"""
import json
import time
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..database import utcnow
from ..events.models import Event
from ..extensions import db
from ..redis_client import redis_client
from .figures import EventFigures, compute_figures
from .models import FigureCache
from .snapshots import purged_figures

#: Seconds between two computations of an event's figures (and between two polls of a dashboard).
DEFAULT_REFRESH_SECONDS = 2
#: A claimed computation is given up (and may be claimed again) after this many seconds.
CLAIM_SECONDS = 20
#: How long a request without any figures yet waits for another worker's first computation.
WAIT_SECONDS = 5.0
POLL_SECONDS = 0.1


def refresh_seconds() -> int:
    return int(current_app.config.get("DASHBOARD_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS))


def _is_fresh(figures: EventFigures | None, now: datetime) -> bool:
    return figures is not None and now - figures.computed_at < timedelta(seconds=refresh_seconds())


class DatabaseFigureCache:
    def read(self, event_id: int) -> EventFigures | None:
        text = db.session.execute(
            select(FigureCache.figures).where(FigureCache.event_id == event_id)
        ).scalar_one_or_none()
        return EventFigures.from_dict(json.loads(text)) if text else None

    def claim(self, event_id: int, now: datetime) -> bool:
        """Take the next computation, unless the figures are fresh or another worker is at it; commits."""
        insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(FigureCache)
        claimed = db.session.execute(
            insert.values(event_id=event_id, figures="", refreshing_until=now + timedelta(seconds=CLAIM_SECONDS))
            .on_conflict_do_nothing(index_elements=[FigureCache.event_id])
            .returning(FigureCache.event_id)
        ).first()
        if claimed is None:
            stale_before = now - timedelta(seconds=refresh_seconds())
            claimed = db.session.execute(
                update(FigureCache)
                .where(
                    FigureCache.event_id == event_id,
                    or_(FigureCache.computed_at.is_(None), FigureCache.computed_at <= stale_before),
                    or_(FigureCache.refreshing_until.is_(None), FigureCache.refreshing_until < now),
                )
                .values(refreshing_until=now + timedelta(seconds=CLAIM_SECONDS))
                .returning(FigureCache.event_id)
            ).first()
        db.session.commit()
        return claimed is not None

    def store(self, figures: EventFigures) -> None:
        db.session.execute(
            update(FigureCache)
            .where(FigureCache.event_id == figures.event_id)
            .values(figures=json.dumps(figures.to_dict()), computed_at=figures.computed_at, refreshing_until=None)
        )
        db.session.commit()

    def release(self, event_id: int) -> None:
        db.session.rollback()
        db.session.execute(update(FigureCache).where(FigureCache.event_id == event_id).values(refreshing_until=None))
        db.session.commit()

    def end_wait(self) -> None:
        """End the read transaction, so the next read sees what other workers committed."""
        db.session.commit()


class RedisFigureCache:
    def __init__(self, client: redis.Redis, prefix: str):
        self.client = client
        self.prefix = prefix

    def _figures_key(self, event_id: int) -> str:
        return f"{self.prefix}figures:{event_id}"

    def _claim_key(self, event_id: int) -> str:
        return f"{self.prefix}claim:{event_id}"

    def read(self, event_id: int) -> EventFigures | None:
        text = self.client.get(self._figures_key(event_id))
        return EventFigures.from_dict(json.loads(text)) if text else None

    def claim(self, event_id: int, now: datetime) -> bool:
        return bool(self.client.set(self._claim_key(event_id), "1", nx=True, ex=CLAIM_SECONDS))

    def store(self, figures: EventFigures) -> None:
        pipe = self.client.pipeline()
        # Old figures stay readable for an hour, for the workers that wait on a slow computation.
        pipe.set(self._figures_key(figures.event_id), json.dumps(figures.to_dict()), ex=3600)
        pipe.delete(self._claim_key(figures.event_id))
        pipe.execute()

    def release(self, event_id: int) -> None:
        self.client.delete(self._claim_key(event_id))

    def end_wait(self) -> None:
        """Nothing to end: every Redis read sees the latest value."""


def figure_cache() -> DatabaseFigureCache | RedisFigureCache:
    """The cache this app is configured for; the Redis client is shared by the process."""
    client = redis_client()
    if client is None:
        return DatabaseFigureCache()
    cache = current_app.extensions.get("dashboard_figure_cache")
    if cache is None:
        prefix = current_app.config.get("DASHBOARD_REDIS_PREFIX", "tracker:dashboard:")
        cache = current_app.extensions["dashboard_figure_cache"] = RedisFigureCache(client, prefix)
    return cache


def _compute_and_store(cache, event: Event, now: datetime) -> EventFigures:
    """Compute and share the figures; they count as fresh from the end of the computation, so a computation
    slower than the refresh interval is not started again at once by the next poll."""
    try:
        figures = compute_figures(event, now)
        # The viewer minutes the computation folded into running totals (tracker.stream.figures.fold_minutes)
        # are committed at once, so that no other worker waits on them or folds them again.
        db.session.commit()
    except Exception:
        cache.release(event.id)
        raise
    figures.computed_at = max(now, utcnow())
    cache.store(figures)
    return figures


def current_figures(event: Event) -> EventFigures:
    """The event's figures, at most DASHBOARD_REFRESH_SECONDS old, computed by one worker at a time.

    A purged event (tracker.privacy) shows the figures frozen before its personal data was deleted.
    """
    frozen = purged_figures(event)
    if frozen is not None:
        return frozen
    cache = figure_cache()
    now = utcnow()
    cached = cache.read(event.id)
    if _is_fresh(cached, now):
        return cached
    if cache.claim(event.id, now):
        return _compute_and_store(cache, event, now)
    if cached is not None:
        return cached
    # The very first computation is under way elsewhere: wait for it rather than run the same queries.
    for _attempt in range(int(WAIT_SECONDS / POLL_SECONDS)):
        time.sleep(POLL_SECONDS)
        cache.end_wait()
        cached = cache.read(event.id)
        if cached is not None:
            return cached
    return compute_figures(event, utcnow())
