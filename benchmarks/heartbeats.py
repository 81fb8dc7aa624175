"""Heartbeats per second, p99 latency and database writes per viewer per minute, through gunicorn on PostgreSQL.

Makes a scratch PostgreSQL database with one live event and 5,000 viewers (4,000 invitees registered for the
livestream, 1,000 anonymous) and starts gunicorn on a free 127.0.0.1 port, once with presence in the database only and
once with Redis in front (TRACKER_REDIS_URL). Two kinds of run, both bounded in time and count:

- closed loop (default): keep-alive connections send the next heartbeat as soon as the last is
  answered, round-robin over the viewers: the most heartbeats per second, and their latency;
- paced (--paced-seconds N): every viewer sends every 30 s with the page's jitter, as on the day:
  the database writes per viewer per minute at the real rate.

Row writes on `viewer_minutes` (inserts + updates) come from PostgreSQL's own statistics.

gunicorn runs with deploy/gunicorn.conf.py and wsgi:app, as `make serve` does, rate limits on as deployed.

    .venv/bin/python benchmarks/heartbeats.py [--seconds 20] [--max-requests 60000] [--connections 32] [--workers 2]
        [--threads 4] [--no-limits]
        [--paced-seconds 125 --interval 30]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/13]
"""
import argparse
import asyncio
import json
import os
import random
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
from tracker.registration.models import Mode, Registration, Status  # noqa: E402
from tracker.stream.presence import presence_store  # noqa: E402
from tracker.stream.viewers import issue_token  # noqa: E402

SECRET_KEY = "benchmark-secret-" + "k" * 32
INVITEE_VIEWERS = 4000
ANONYMOUS_VIEWERS = 1000
WARM_UP_VIEWERS = 200
REDIS_PREFIX = "tracker:stream:"  # the default prefix; the benchmark uses its own Redis database number


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(database_url: str) -> tuple[list[str], list[str]]:
    """Migrate the scratch database, add the event and its viewers; return their tokens and warm-up tokens."""
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
        # Registered for the livestream: the database store checks that in every heartbeat.
        db.session.execute(sa.insert(Registration), [
            {"event_id": event.id, "invitee_id": invitee_id, "status": Status.CONFIRMED, "mode": Mode.STREAM}
            for invitee_id in invitee_ids
        ])
        tokens = [issue_token(event, invitee_id) for invitee_id in invitee_ids]
        tokens += [issue_token(event) for _ in range(ANONYMOUS_VIEWERS)]
        warm_up = [issue_token(event) for _ in range(WARM_UP_VIEWERS)]
        db.session.commit()
        db.engine.dispose()
    return tokens, warm_up


def start_gunicorn(database_url: str, redis_url: str | None, port: int, args) -> subprocess.Popen:
    """gunicorn as deployed (deploy/gunicorn.conf.py, wsgi:app), on a free loopback port, with rate limits as configured."""
    env = dict(os.environ, TRACKER_DATABASE_URL=database_url, TRACKER_SECRET_KEY=SECRET_KEY,
               TRACKER_BIND=f"127.0.0.1:{port}", TRACKER_WORKERS=str(args.workers), TRACKER_THREADS=str(args.threads),
               TRACKER_LOG_LEVEL="warning", TRACKER_RATELIMIT_ENABLED="false" if args.no_limits else "true",
               # No worker recycling while measuring: a recycled worker's CPU time would vanish from /proc.
               TRACKER_MAX_REQUESTS="0")
    env.pop("TRACKER_REDIS_URL", None)
    if redis_url:
        env["TRACKER_REDIS_URL"] = redis_url
    process = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
                               cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _answers(port):
            return process
        time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not answer within 60 s")


def _answers(port: int) -> bool:
    """Whether a worker answers a (deliberately empty) heartbeat, which it refuses with 400."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"POST /api/stream/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            return conn.recv(12).startswith(b"HTTP/1.1 400")
    except OSError:
        return False


def _request(body: bytes) -> bytes:
    """The heartbeat exactly as the page's fetch/sendBeacon sends it: a small JSON body, no cookie."""
    return (b"POST /api/stream/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


async def _connection(port: int, next_request, latencies: list[float], failures: list[str]) -> None:
    """Send heartbeats over one keep-alive connection while next_request() gives requests (it may wait)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while (request := await next_request()) is not None:
            started = time.perf_counter()
            writer.write(request)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionResetError):
                # The server closed the idle keep-alive connection, as a browser sees it too: open a new one.
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
            latencies.append(time.perf_counter() - started)
            if head.startswith(b"HTTP/1.1 204"):  # the answer to every accepted heartbeat: no body to read
                continue
            failures.append(head.split(b"\r\n", 1)[0].decode())
            lowered = head.lower()
            length = lowered.find(b"content-length:")
            if length >= 0:
                await reader.readexactly(int(lowered[length + 15:lowered.index(b"\r\n", length)]))
            if b"connection: close" in lowered:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def load(port: int, tokens: list[str], seconds: float, limit: int, connections: int):
    """Closed loop: every connection sends its next heartbeat as soon as the last is answered."""
    requests = [_request(json.dumps({"viewer": token}).encode()) for token in tokens]
    latencies: list[float] = []
    failures: list[str] = []
    counter = [0]
    started = time.monotonic()

    async def next_request():
        if time.monotonic() >= started + seconds or counter[0] >= limit:
            return None
        counter[0] += 1
        return requests[counter[0] % len(requests)]

    await asyncio.gather(*[_connection(port, next_request, latencies, failures) for _ in range(connections)])
    return latencies, time.monotonic() - started, failures


async def paced(port: int, tokens: list[str], seconds: float, interval: float, connections: int):
    """Real pace: each viewer sends every `interval` seconds with the page's jitter (0.9 to 1.1 times)."""
    rng = random.Random(1)
    schedule = []
    for token in tokens:
        request = _request(json.dumps({"viewer": token}).encode())
        moment = rng.uniform(0, interval)
        while moment < seconds:
            schedule.append((moment, request))
            moment += interval * rng.uniform(0.9, 1.1)
    schedule.sort(key=lambda item: item[0])
    position = [0]
    latencies: list[float] = []
    failures: list[str] = []
    started = time.monotonic()

    async def next_request():
        if position[0] >= len(schedule):
            return None
        moment, request = schedule[position[0]]
        position[0] += 1
        await asyncio.sleep(max(0.0, started + moment - time.monotonic()))
        return request

    await asyncio.gather(*[_connection(port, next_request, latencies, failures) for _ in range(connections)])
    return latencies, time.monotonic() - started, failures


def workers_cpu_seconds(master_pid: int) -> float:
    """User and system CPU time of gunicorn's workers so far (from /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:  # fields after the name: state, ppid, ..., utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def minute_writes(engine) -> tuple[int, int, int]:
    """Rows inserted and updated in viewer_minutes (PostgreSQL statistics), and rows now there."""
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_force_next_flush()")
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        inserted, updated = conn.exec_driver_sql(
            "SELECT n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE relname = 'viewer_minutes'").one()
        rows = conn.exec_driver_sql("SELECT count(*) FROM viewer_minutes").scalar_one()
    return inserted, updated, rows


def flush_redis(database_url: str, redis_url: str) -> None:
    """Write what Redis still queues, as the next minute's first heartbeat (or `flask stream flush`) would."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "REDIS_URL": redis_url,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        presence_store().flush()
        db.engine.dispose()


def run_mode(name: str, database_url: str, redis_url: str | None, tokens: list[str], warm_up: list[str], args) -> dict:
    engine = sa.create_engine(database_url)
    port = free_port()
    server = start_gunicorn(database_url, redis_url, port, args)
    try:
        # Warm-up with viewers of their own (connections, pools, caches), then start counting from an empty table.
        asyncio.run(load(port, warm_up, 3, 2000, args.connections))
        if redis_url:
            flush_redis(database_url, redis_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE viewer_minutes")
        time.sleep(2)  # every backend's statistics reach the shared counters
        before = minute_writes(engine)
        cpu_before, client_cpu_before = workers_cpu_seconds(server.pid), time.process_time()
        if args.paced_seconds:
            latencies, elapsed, failures = asyncio.run(
                paced(port, tokens, args.paced_seconds, args.interval, args.connections))
        else:
            latencies, elapsed, failures = asyncio.run(
                load(port, tokens, args.seconds, args.max_requests, args.connections))
        server_cpu = workers_cpu_seconds(server.pid) - cpu_before
        client_cpu = time.process_time() - client_cpu_before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    if redis_url:
        flush_redis(database_url, redis_url)
    time.sleep(2)
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
        "server_cpu_ms": round(server_cpu / count * 1000, 2),
        "client_cpu_ms": round(client_cpu / count * 1000, 2),
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
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (deploy: one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (gthread)")
    parser.add_argument("--no-limits", action="store_true",
                        help="rate limits off (as the runs before 2026-11-29 09:40); by default on, as deployed")
    parser.add_argument("--paced-seconds", type=float, default=0,
                        help="instead of the closed loop: every viewer at the page's pace for this long (e.g. 125)")
    parser.add_argument("--interval", type=float, default=30, help="heartbeat interval of the paced run")
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
    database_url = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + scratch
    results = []
    try:
        tokens, warm_up = prepare(database_url)
        results.append(run_mode("database", database_url, None, tokens, warm_up, args))
        if args.redis:
            client = redis.Redis.from_url(args.redis)
            try:
                results.append(run_mode("redis", database_url, args.redis, tokens, warm_up, args))
            finally:
                keys = list(client.scan_iter(REDIS_PREFIX + "*"))
                if keys:
                    client.delete(*keys)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.dispose()
    print(f"viewers: {INVITEE_VIEWERS + ANONYMOUS_VIEWERS} ({INVITEE_VIEWERS} invitees, {ANONYMOUS_VIEWERS} anonymous); "
          f"{args.connections} keep-alive connections; gunicorn {args.workers} workers x {args.threads} threads (gthread, "
          f"deploy/gunicorn.conf.py); rate limits {'off' if args.no_limits else 'on'}")
    for result in results:
        print(f"{result['mode']:>8}: {result['heartbeats']} heartbeats in {result['seconds']} s = "
              f"{result['per_second']} heartbeats/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
              f"{result['failures']} failed; CPU per heartbeat: gunicorn {result['server_cpu_ms']} ms, "
              f"load generator {result['client_cpu_ms']} ms; {result['viewer_minutes']} viewer minutes, {result['row_writes']} row writes "
              f"= {result['writes_per_viewer_minute']} writes per viewer per minute "
              f"({result['heartbeats_per_viewer_minute']} heartbeats per viewer-minute)")


if __name__ == "__main__":
    main()
