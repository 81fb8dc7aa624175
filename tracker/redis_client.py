"""The one Redis client of this process, when TRACKER_REDIS_URL is set."""
import redis
from flask import current_app


def redis_client() -> redis.Redis | None:
    """The app's shared Redis client (one connection pool per process), or None without Redis."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("redis")
    if client is None:
        client = current_app.extensions["redis"] = redis.Redis.from_url(url)
    return client
