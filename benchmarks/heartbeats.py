"""Heartbeats per second, p99 latency and database writes per viewer per minute, through gunicorn on PostgreSQL.

Makes a scratch PostgreSQL database with one live event and 5,000 viewers (4,000 invitees, 1,000
anonymous), starts gunicorn on a free 127.0.0.1 port, and sends heartbeats from a closed loop of
keep-alive connections, round-robin over the viewers, for a bounded time and count. It runs once with
presence in the database only and once with Redis in front (TRACKER_REDIS_URL), then counts the row
writes on `viewer_minutes` from PostgreSQL's own statistics.

    .venv/bin/python benchmarks/heartbeats.py [--seconds 20] [--max-requests 60000] [--connections 32] [--workers 2]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/13]
"""
import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.database import utcnow  # noqa: E402
from tracker.events.models import Event  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.invitees.models import Invitee  # noqa: E402
from tracker.stream.viewers import issue_token  # noqa: E402

SECRET_KEY = "benchmark-secret-" + "k" * 32
INVITEE_VIEWERS = 4000
ANONYMOUS_VIEWERS = 1000
REDIS_PREFIX = "tracker:stream:"  # the default prefix; the benchmark uses its own Redis database number


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(database_url: str) -> tuple[int, list[str]]:
    """Migrate the scratch database, add the event and its viewers; return the event id and viewer tokens."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        now = utcnow()
        event = Event(title="Benchmark", starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=4),
                      venue="Sitzungssaal", hall_capacity=130, stream_url="https://stream.example.org/embed")
        db.session.add(event)
        db.session.flush()
        db.session.execute(sa.insert(Invitee), [
            {"event_id": event.id, "name": f"Person {n}", "email": f"person{n}@muenchen.example",
             "link_nonce": secrets.token_hex(16), "token_hash": secrets.token_hex(32)}
            for n in range(INVITEE_VIEWERS)
        ])
        invitee_ids = db.session.scalars(sa.select(Invitee.id).where(Invitee.event_id == event.id)).all()
        tokens = [issue_token(event, invitee_id) for invitee_id in invitee_ids]
        tokens += [issue_token(event) for _ in range(ANONYMOUS_VIEWERS)]
        db.session.commit()
        event_id = event.id
        db.engine.dispose()
    return event_id, tokens


def start_gunicorn(database_url: str, redis_url: str | None, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, TRACKER_DATABASE_URL=database_url, TRACKER_SECRET_KEY=SECRET_KEY,
               TRACKER_RATELIMIT_ENABLED="false")
    env.pop("TRACKER_REDIS_URL", None)
    if redis_url:
        env["TRACKER_REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--worker-class", "gthread", "--threads", "4",
         "--keep-alive", "30", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "tracker:create_app()"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start within 30 s")


async def _connection(port: int, bodies: list[bytes], counter, latencies: list[float], stop_at: float, limit: int,
                      failures: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop_at and counter[0] < limit:
            body = bodies[counter[0] % len(bodies)]
            counter[0] += 1
            request = (b"POST /api/stream/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                       b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 204"):
                failures.append(head.split(b"\r\n")[0].decode())
            if b"connection: close" in head.lower():
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def load(port: int, tokens: list[str], seconds: float, limit: int, connections: int):
    bodies = [json.dumps({"viewer": token}).encode() for token in tokens]
    latencies: list[float] = []
    failures: list[str] = []
    counter = [0]
    started = time.monotonic()
    await asyncio.gather(*[
        _connection(port, bodies, counter, latencies, started + seconds, limit, failures) for _ in range(connections)
    ])
    return latencies, time.monotonic() - started, failures


def minute_writes(engine) -> tuple[int, int, int]:
    """Rows inserted and updated in viewer_minutes (PostgreSQL statistics), and rows now there."""
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        inserted, updated = conn.exec_driver_sql(
            "SELECT n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE relname = 'viewer_minutes'").one()
        rows = conn.exec_driver_sql("SELECT count(*) FROM viewer_minutes").scalar_one()
    return inserted, updated, rows


def run_mode(name: str, database_url: str, redis_url: str | None, tokens: list[str], args) -> dict:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE viewer_minutes")
    time.sleep(1)
    before = minute_writes(engine)
    port = free_port()
    server = start_gunicorn(database_url, redis_url, port, args.workers)
    try:
        latencies, elapsed, failures = asyncio.run(load(port, tokens, args.seconds, args.max_requests, args.connections))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    if redis_url:  # what the next minute's first heartbeat (or `flask stream flush`) would write
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": redis_url,
                          "RATELIMIT_ENABLED": False})
        with app.app_context():
            from tracker.stream.presence import presence_store

            presence_store().flush()
            db.engine.dispose()
    time.sleep(1)
    after = minute_writes(engine)
    engine.dispose()
    inserted, updated, rows = after[0] - before[0], after[1] - before[1], after[2]
    latencies.sort()
    count = len(latencies)
    return {
        "mode": name,
        "heartbeats": count,
        "seconds": round(elapsed, 1),
        "per_second": round(count / elapsed),
        "p50_ms": round(latencies[count // 2] * 1000, 1),
        "p99_ms": round(latencies[int(count * 0.99)] * 1000, 1),
        "failures": len(failures),
        "viewer_minutes": rows,
        "row_writes": inserted + updated,
        "writes_per_viewer_minute": round((inserted + updated) / rows, 2) if rows else 0,
        "heartbeats_per_viewer_minute": round(count / rows, 2) if rows else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20, help="load time per mode (at most)")
    parser.add_argument("--max-requests", type=int, default=60000, help="heartbeats per mode (at most)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (4 threads each)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server's maintenance database; a scratch database is made beside it")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="Redis for the second run; '' to skip")
    args = parser.parse_args()
    if not args.postgres.startswith("postgresql://127.0.0.1") and "@127.0.0.1" not in args.postgres:
        raise SystemExit("The benchmark only talks to a PostgreSQL server on 127.0.0.1.")

    scratch = f"tracker_bench_heartbeats_{os.getpid()}"
    admin = sa.create_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{scratch}"')
    database_url = args.postgres.rsplit("/", 1)[0] + "/" + scratch
    results = []
    try:
        _, tokens = prepare(database_url.replace("postgresql://", "postgresql+psycopg://"))
        results.append(run_mode("database", database_url, None, tokens, args))
        if args.redis:
            client = redis.Redis.from_url(args.redis)
            try:
                results.append(run_mode("redis", database_url, args.redis, tokens, args))
            finally:
                keys = list(client.scan_iter(REDIS_PREFIX + "*"))
                if keys:
                    client.delete(*keys)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.dispose()
    print(f"viewers: {INVITEE_VIEWERS + ANONYMOUS_VIEWERS} ({INVITEE_VIEWERS} invitees, {ANONYMOUS_VIEWERS} anonymous); "
          f"{args.connections} keep-alive connections; gunicorn {args.workers} workers x 4 threads (gthread)")
    for result in results:
        print(f"{result['mode']:>8}: {result['heartbeats']} heartbeats in {result['seconds']} s = "
              f"{result['per_second']} heartbeats/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
              f"{result['failures']} failed; {result['viewer_minutes']} viewer minutes, {result['row_writes']} row writes "
              f"= {result['writes_per_viewer_minute']} writes per viewer per minute "
              f"({result['heartbeats_per_viewer_minute']} heartbeats per viewer-minute in this accelerated run)")


if __name__ == "__main__":
    main()
