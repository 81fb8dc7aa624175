"""Check-in and heartbeat throughput with one and with two app servers on one PostgreSQL, side by side.

    .venv/bin/python benchmarks/scale_out.py [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--tickets 1500] [--clients 16] [--seconds 10] [--workers 2]

A scratch PostgreSQL database is created, migrated, and dropped at the end. Each server is gunicorn with the
production configuration (deploy/gunicorn.conf.py: gthread, --workers processes x 4 threads) on its own
127.0.0.1 port. Check-ins: a fresh event with --tickets tickets per run, every ticket scanned once plus 10 %
repeats and 5 % forged codes, from --clients keep-alive connections spread round-robin over the servers, each
server's share scanned by its own paired door device. Heartbeats: one live event, 500 viewer tokens, --clients
connections sending heartbeats round-robin over the servers. Every run stops after --seconds.
Only 127.0.0.1 is contacted.
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from checkin import SECRET, ScratchDatabase, percentile, run_level  # noqa: E402

from tests.support.servers import AppServer  # noqa: E402
from tracker.checkin.devices import complete_pairing, start_pairing  # noqa: E402
from tracker.checkin.models import Door  # noqa: E402
from tracker.database import utcnow  # noqa: E402
from tracker.events.models import Event  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.stream.viewers import issue_token  # noqa: E402

VIEWERS = 500


def split_over(servers, door_id, credentials, codes, clients, seconds) -> dict:
    """run_level on every server at once, each with its share of the tickets and of the clients."""
    results: list[dict] = [None] * len(servers)  # type: ignore[list-item]

    def one(index):
        results[index] = run_level(
            servers[index].port, door_id, credentials[index], codes[index :: len(servers)], clients // len(servers), seconds
        )

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(servers))]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    elapsed = time.perf_counter() - began
    requests = sum(r["requests"] for r in results)
    verdicts: dict[str, int] = {}
    for result in results:
        for verdict, count in result["verdicts"].items():
            verdicts[verdict] = verdicts.get(verdict, 0) + count
    return {
        "per_second": requests / elapsed,
        "requests": requests,
        "p99_ms": max(r["p99_ms"] for r in results),
        "p50_ms": max(r["p50_ms"] for r in results),
        "verdicts": verdicts,
        "failures": sum(r["failures"] for r in results),
    }


def checkin_run(database: ScratchDatabase, servers, tickets: int, clients: int, seconds: float) -> dict:
    door_id, first_credential, codes = database.event_with_tickets(tickets, f"Scale-out {len(servers)}")
    credentials = [first_credential]
    with database.app.app_context():
        door = db.session.get(Door, door_id)
        for number in range(1, len(servers)):
            _, pairing_code = start_pairing(door, f"Benchmark {number}")
            credentials.append(complete_pairing(pairing_code)[1])
        db.session.commit()
    return split_over(servers, door_id, credentials, codes, clients, seconds)


def live_viewer_tokens(database: ScratchDatabase) -> list[str]:
    with database.app.test_request_context():
        starts = utcnow() - timedelta(minutes=5)
        event = Event(title="Scale-out stream", starts_at=starts, ends_at=starts + timedelta(hours=4), venue="Saal",
                      hall_capacity=10)
        db.session.add(event)
        db.session.commit()
        return [issue_token(event) for _ in range(VIEWERS)]


def heartbeat_run(servers, tokens: list[str], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(number: int):
        server = servers[number % len(servers)]
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        mine, sent = [], 0
        while time.monotonic() < stop_at:
            body = json.dumps({"viewer": tokens[(number + sent * clients) % len(tokens)]})
            sent += 1
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/stream/heartbeat", body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                failures.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            if response.status != 204:
                failures.append(f"HTTP {response.status}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - began
    return {
        "per_second": len(latencies) / elapsed,
        "requests": len(latencies),
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "failures": len(failures),
        "failure_kinds": sorted(set(failures))[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default=os.environ.get("TRACKER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--tickets", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import tempfile

    database = ScratchDatabase("postgresql", args.postgres_url, Path(tempfile.mkdtemp()))
    url = database.url
    rows = []
    try:
        tokens = live_viewer_tokens(database)
        for count in (1, 2):
            servers = [AppServer(url, workers=args.workers, threads=4, SECRET_KEY=SECRET) for _ in range(count)]
            try:
                checkins = checkin_run(database, servers, args.tickets, args.clients, args.seconds)
                heartbeats = heartbeat_run(servers, tokens, args.clients, args.seconds)
            finally:
                for server in servers:
                    server.stop()
            rows.append((count, checkins, heartbeats))
    finally:
        database.drop()
    print(f"PostgreSQL, {args.clients} clients, {args.workers} gunicorn workers x 4 threads per server, "
          f"{os.cpu_count()} CPU cores shared by servers, database and load generator")
    print(f"{'servers':>7} | {'check-ins/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'fail':>4} | "
          f"{'heartbeats/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'fail':>4}")
    for count, checkins, heartbeats in rows:
        print(f"{count:>7} | {checkins['per_second']:>11.0f} {checkins['p50_ms']:>7.1f} {checkins['p99_ms']:>7.1f} "
              f"{checkins['failures']:>4} | {heartbeats['per_second']:>12.0f} {heartbeats['p50_ms']:>7.1f} "
              f"{heartbeats['p99_ms']:>7.1f} {heartbeats['failures']:>4}")
    for count, checkins, heartbeats in rows:
        print(f"verdicts with {count} server(s): {checkins['verdicts']}; heartbeat failures: {heartbeats['failure_kinds']}")


if __name__ == "__main__":
    main()
