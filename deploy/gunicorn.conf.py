"""Gunicorn settings for `make serve` (gunicorn --config deploy/gunicorn.conf.py wsgi:app).

Every value can be overridden by an environment variable, so one file serves every server:
TRACKER_BIND, TRACKER_WORKERS, TRACKER_THREADS, TRACKER_TIMEOUT, TRACKER_GRACEFUL_TIMEOUT.
"""
import gc
import multiprocessing
import os

#: Address to listen on; the reverse proxy forwards to it. Keep it on loopback unless the proxy is elsewhere.
bind = os.environ.get("TRACKER_BIND", "127.0.0.1:8000")
#: Worker processes: one per core (at least two, so a restarting worker never leaves none). Requests are CPU-bound
#: Python (one core per process at a time), and PostgreSQL and Redis need the same cores: more processes than cores
#: add context switches and database connections, not throughput (2 x cores + 1 is the rule for sync workers).
workers = int(os.environ.get("TRACKER_WORKERS", max(2, multiprocessing.cpu_count())))
#: Threads per worker (gthread): a request waiting for the database, Redis or a slow client does not hold its core.
threads = int(os.environ.get("TRACKER_THREADS", 4))
worker_class = "gthread"
#: A request running longer than this is killed (imports of large lists stay well below).
timeout = int(os.environ.get("TRACKER_TIMEOUT", 60))
#: On restart or deploy, requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("TRACKER_GRACEFUL_TIMEOUT", 30))
keepalive = 5
#: Recycle workers now and then so that no slow leak grows; jitter keeps them from restarting together.
max_requests = int(os.environ.get("TRACKER_MAX_REQUESTS", 5000))
max_requests_jitter = 500
#: The app logs one JSON line per request (tracker.operations); gunicorn's access log would repeat the raw
#: path, which can carry personal tokens, so it stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("TRACKER_LOG_LEVEL", "info")
#: Load the app once in the master, so a broken configuration stops start-up before any worker forks.
preload_app = True
#: Honour X-Forwarded-* only from the local reverse proxy (the app's ProxyFix needs TRACKER_PROXY_FIX=true).
forwarded_allow_ips = os.environ.get("TRACKER_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "tracker"


def pre_fork(server, worker):
    """Keep the preloaded app's objects out of the workers' garbage collections.

    Frozen objects are never scanned again: a full collection in a worker walks only what its requests made,
    instead of the 140,000 objects of the loaded app as well (about 100 ms, every request of that worker
    waiting), and the memory pages shared with the master after the fork stay shared.
    """
    gc.freeze()


def post_fork(server, worker):
    """Give every worker its own database connections (the master's pool must not be shared after fork)."""
    from tracker.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
