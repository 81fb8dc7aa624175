"""Check-in API under load through gunicorn, on SQLite and PostgreSQL, plus the browser's scan-to-verdict time.

    .venv/bin/python benchmarks/checkin.py [--tickets 1500] [--backends sqlite postgresql] [--levels 8 32]

For each backend: a scratch database (a temporary SQLite file, or a PostgreSQL database created and dropped
on the server of --postgres-url), migrated. First the cost of one scan in-process (one thread, the app as
gunicorn serves it, no HTTP): CPU milliseconds of the app and of the PostgreSQL server, and SQL statements.
Then per concurrency level a fresh event with --tickets tickets and one paired door device; gunicorn on a free
127.0.0.1 port. The workload scans every ticket once plus 10 % repeats and 5 % forged codes, shuffled, from N
client threads with keep-alive connections; the client shares the machine's cores, so it is kept cheap (raw
HTTP/1.1 on a socket) and its own CPU per scan is printed. Each level stops after --max-seconds. Then headless
Chromium with a fake camera playing a real ticket's QR code measures the time from the camera frame that held
the code to the verdict on screen. Only 127.0.0.1 is contacted.

A paced level follows: the fewest scanners of --levels, each scanning once per --paced-interval seconds (0.5 s:
16 scans a second from 8 doors, about a hundred times the pace of a real info day's arrival), for the latency a
door sees when the server is not saturated.

Two figures first put the others in proportion: the host's speed (a fixed piece of pure Python, timed: on a
shared host it moves from run to run), and the floor, the same load against gunicorn serving a fixed answer
(benchmarks/fixed_answer.py) with the same workers and threads: what HTTP and the load generator cost alone.
"""
import argparse
import json
import logging
import os
import queue
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.checkin.devices import CREDENTIAL_COOKIE, complete_pairing, create_door, start_pairing  # noqa: E402
from tracker.database import utcnow  # noqa: E402
from tracker.events.models import Event  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.invitees.services import add_invitee  # noqa: E402
from tracker.registration.models import Registration, Ticket  # noqa: E402
from tracker.tickets.codes import new_ticket_code  # noqa: E402

SECRET = "benchmark-secret-" + "x" * 32
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shares(values: list[float]) -> list[float]:
    """Each value's part of their sum, largest first."""
    total = sum(values) or 1.0
    return sorted((value / total for value in values), reverse=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def scratch_databases(kinds: list[str], postgres_url: str, prefix: str) -> Iterator[tuple["ScratchDatabase", Path]]:
    """One migrated scratch database per kind in turn, with a temporary folder; each is dropped after its turn."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        for kind in kinds:
            database = ScratchDatabase(kind, postgres_url, workdir)
            try:
                yield database, workdir
            finally:
                database.drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class ScratchDatabase:
    def __init__(self, kind: str, postgres_url: str, workdir: Path):
        self.kind = kind
        self.postgres_url = postgres_url
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'bench.sqlite'}"
        else:
            self.name = f"tracker_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
            self.url = postgres_url.rsplit("/", 1)[0] + "/" + self.name
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": self.url, "SECRET_KEY": SECRET, "TESTING": True})
        with self.app.app_context():
            upgrade(directory=str(ROOT / "tracker" / "migrations"))

    def drop(self) -> None:
        with self.app.app_context():
            db.engine.dispose()
        if self.kind == "postgresql":
            with sa.create_engine(self.postgres_url, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def event_with_tickets(self, tickets: int, title: str) -> tuple[int, str, list[str]]:
        """A new event with one door, a paired device (its credential) and `tickets` valid ticket codes."""
        from datetime import timedelta

        with self.app.app_context():
            starts = utcnow() + timedelta(days=1)
            event = Event(title=title, starts_at=starts, ends_at=starts + timedelta(hours=4), venue="Sitzungssaal",
                          hall_capacity=tickets)
            db.session.add(event)
            db.session.flush()
            door = create_door(event, "Eingang Nord")
            _, pairing_code = start_pairing(door, "Benchmark")
            codes = []
            for number in range(tickets):
                invitee = add_invitee(event, name=f"Gast {number}", email=f"gast{number}@bench.example")
                registration = Registration(event_id=event.id, invitee=invitee, mode="hall", status="confirmed")
                code = new_ticket_code()
                registration.tickets.append(Ticket(code=code))
                db.session.add(registration)
                codes.append(code)
            db.session.flush()
            _, credential = complete_pairing(pairing_code)
            db.session.commit()
            return door.id, credential, codes


def server_environment(database_url: str, port: int) -> dict:
    """The settings the benchmarked app runs with (rate limits off: one device sends every scan)."""
    return dict(TRACKER_DATABASE_URL=database_url, TRACKER_SECRET_KEY=SECRET, TRACKER_RATELIMIT_ENABLED="false",
                TRACKER_BASE_URL=f"http://127.0.0.1:{port}")


class Gunicorn:
    """gunicorn on a free 127.0.0.1 port: the app with the deployment's settings, or the fixed answer (the floor)."""

    def __init__(self, port: int, arguments: list[str], env: dict, log: Path | None = None):
        self.port = port
        self.log = open(log, "ab") if log else None  # the app's request log (one JSON line per request)
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), *arguments, "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=env, stderr=self.log or subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    @classmethod
    def app(cls, database_url: str, workers: int, threads: int, log: Path | None = None) -> "Gunicorn":
        """The app as deployed (deploy/gunicorn.conf.py: gthread, app preloaded)."""
        port = free_port()
        env = dict(os.environ, **server_environment(database_url, port), TRACKER_WORKERS=str(workers),
                   TRACKER_THREADS=str(threads), TRACKER_LOG_LEVEL="warning")
        return cls(port, ["--config", "deploy/gunicorn.conf.py", "wsgi:app"], env, log)

    @classmethod
    def fixed_answer(cls, workers: int, threads: int) -> "Gunicorn":
        """benchmarks/fixed_answer.py with the deployment's worker settings: gunicorn and the client alone."""
        return cls(
            free_port(), ["--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads), "--keep-alive", "5",
             "--chdir", str(ROOT / "benchmarks"), "fixed_answer:app"],
            dict(os.environ),
        )

    def cpu_seconds(self) -> float:
        """CPU time of gunicorn's master and workers so far."""
        return cpu_seconds([self.process.pid, *self.workers()])

    def workers(self) -> list[str]:
        return [
            entry.name for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and _parent_of(entry.name) == self.process.pid
        ]

    def worker_cpu_seconds(self) -> dict[str, float]:
        """CPU time of each worker so far, by process id."""
        return {pid: cpu_seconds([pid]) for pid in self.workers()}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.log:
            self.log.close()


def _parent_of(pid: str) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def forged_code() -> str:
    """A code of the right shape whose check character is wrong."""
    code = new_ticket_code()
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def workload(codes: list[str]) -> list[str]:
    """Every ticket once, 10 % repeats and 5 % forged codes, shuffled."""
    work = list(codes)
    work += random.sample(codes, len(codes) // 10)
    work += [forged_code() for _ in range(len(codes) // 20)]
    random.shuffle(work)
    return work


class KeepAliveClient:
    """A minimal HTTP/1.1 client on one keep-alive socket: the load generator shares the two cores with the
    server, and with http.client it cost about 0.85 ms CPU per scan (now about 0.3 ms)."""

    _LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)", re.IGNORECASE)

    def __init__(self, port: int, head: bytes):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.head = head
        self.buffer = b""

    def post(self, body: bytes) -> tuple[int, bytes]:
        self.sock.sendall(b"%sContent-Length: %d\r\n\r\n%s" % (self.head, len(body), body))
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._receive()
        header, self.buffer = self.buffer[: end + 2], self.buffer[end + 4 :]
        length = int(self._LENGTH.search(header).group(1))
        while len(self.buffer) < length:
            self._receive()
        payload, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(header[9:12]), payload

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        self.sock.close()


def scan_head(credential: str) -> bytes:
    """The request head of a paired device's scan, as the scanner page sends it (the body follows)."""
    return (
        "POST /api/checkin/scan HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"X-Tracker-Scanner: 1\r\nCookie: {CREDENTIAL_COOKIE}={credential}\r\n"
    ).encode()


def warm_up(port: int, door_id: int, credential: str, connections: int = 16, scans: int = 8) -> None:
    """A few forged-code scans on many connections, so every worker thread has its caches filled before timing."""
    head = scan_head(credential)

    def scanner():
        client = KeepAliveClient(port, head)
        for _ in range(scans):
            client.post(b'{"door": %d, "nonce": "%s", "code": "%s"}'
                        % (door_id, secrets.token_hex(12).encode(), forged_code().encode()))
        client.close()

    threads = [threading.Thread(target=scanner) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


def run_level(port: int, door_id: int, credential: str, codes: list[str], scanners: int, max_seconds: float,
              interval: float = 0.0) -> dict:
    """Every code of the workload scanned by `scanners` clients: back to back, or each client one scan per
    `interval` seconds (a door's pace; the first scans spread over one interval)."""
    work = workload(codes)
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    for code in work:
        jobs.put(code)
    latencies: list[float] = []
    verdicts: dict[str, int] = {}
    failures = []
    lock = threading.Lock()
    stop_at = time.monotonic() + max_seconds
    head = scan_head(credential)

    def scanner(offset: float):
        connection = KeepAliveClient(port, head)
        mine, seen = [], {}
        due = time.monotonic() + offset
        while time.monotonic() < stop_at:
            if interval:
                time.sleep(max(0.0, due - time.monotonic()))
                due += interval
            try:
                code = jobs.get_nowait()
            except queue.Empty:
                break
            body = b'{"door": %d, "nonce": "%s", "code": "%s"}' % (door_id, secrets.token_hex(12).encode(), code.encode())
            started = time.perf_counter()
            try:
                status, payload = connection.post(body)
            except OSError as error:
                failures.append(repr(error))
                connection.close()
                connection = KeepAliveClient(port, head)
                continue
            mine.append(time.perf_counter() - started)
            verdict = json.loads(payload).get("verdict") if status == 200 else f"http {status}"
            seen[verdict] = seen.get(verdict, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            for verdict, count in seen.items():
                verdicts[verdict] = verdicts.get(verdict, 0) + count

    threads = [threading.Thread(target=scanner, args=(interval * number / scanners,)) for number in range(scanners)]
    began, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max_seconds + 60)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    return {
        "scanners": scanners,
        "requests": len(latencies),
        "planned": len(work),
        "seconds": elapsed,
        "scans_per_second": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "client_cpu_ms": cpu * 1000 / max(1, len(latencies)),
        "verdicts": verdicts,
        "failures": len(failures),
    }


def cpu_seconds(pids) -> float:
    """CPU time (user + system) the given processes have used so far; processes gone are skipped."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds(database: "ScratchDatabase | None") -> float:
    """CPU time of the server processes connected to the scratch database (PostgreSQL on this machine only)."""
    if database is None or database.kind != "postgresql":
        return 0.0
    with sa.create_engine(database.postgres_url).connect() as conn:
        pids = conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = %(name)s", {"name": database.name}
        ).scalars().all()
    return cpu_seconds(pids)


def in_process_cost(database: "ScratchDatabase", tickets: int) -> dict:
    """CPU and statements per scan of one thread calling the app as gunicorn serves it (no HTTP, no other load)."""
    from tracker import create_app

    door_id, credential, codes = database.event_with_tickets(tickets, "CPU")
    saved = dict(os.environ)
    os.environ.update(server_environment(database.url, 8000))
    try:
        app = create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for handler in logging.getLogger("tracker.requests").handlers:  # keep the request log's cost, not its output
        handler.setStream(open(os.devnull, "w"))
    statements = [0]
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements[0] += 1

    client = app.test_client()
    client.set_cookie(CREDENTIAL_COOKIE, credential)
    headers = {"X-Tracker-Scanner": "1"}
    for _ in range(20):  # warm-up: statement caches, prepared statements, translations
        client.post("/api/checkin/scan", json={"door": door_id, "nonce": secrets.token_hex(12), "code": forged_code()},
                    headers=headers)
    work = workload(codes)
    verdicts: dict[str, int] = {}
    sa.event.listen(engine, "before_cursor_execute", count)
    server, wall, cpu = postgres_cpu_seconds(database), time.perf_counter(), time.process_time()
    for code in work:
        answer = client.post("/api/checkin/scan", json={"door": door_id, "nonce": secrets.token_hex(12), "code": code},
                             headers=headers).get_json()
        verdicts[answer["verdict"]] = verdicts.get(answer["verdict"], 0) + 1
    cpu, wall, server = time.process_time() - cpu, time.perf_counter() - wall, postgres_cpu_seconds(database) - server
    sa.event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        db.engine.dispose()
    scans = len(work)
    return {"wall_ms": wall * 1000 / scans, "cpu_ms": cpu * 1000 / scans, "server_cpu_ms": server * 1000 / scans,
            "statements": statements[0] / scans, "verdicts": verdicts}


def browser_scan_to_verdict(database: ScratchDatabase, samples: int, workdir: Path) -> list[int]:
    """Milliseconds from the camera frame that held the code to the verdict shown, `samples` times."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from support.y4m import write_y4m

    from tracker.tickets.qr import qr_png

    door_id, credential, codes = database.event_with_tickets(samples, "Kamera")
    server = Gunicorn.app(database.url, workers=2, threads=4)
    timings = []
    try:
        with sync_playwright() as playwright:
            for code in codes:
                video = workdir / "ticket.y4m"
                write_y4m(video, qr_png(code, box_size=8))
                chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                    "--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
                    "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
                context = chromium.new_context(permissions=["camera"])
                context.add_cookies([{"name": CREDENTIAL_COOKIE, "value": credential, "domain": "127.0.0.1",
                                      "path": "/"}])
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{server.port}/door/{door_id}/scan")
                page.click("#camera-toggle")
                page.wait_for_selector("#verdict.verdict--green", timeout=30_000)
                timings.append(int(page.get_attribute("#verdict", "data-scan-ms")))
                chromium.close()
    finally:
        server.stop()
    return timings


def host_speed_us() -> float:
    """A fixed piece of pure Python, timed: the shared host's speed moves from run to run, and with it every figure."""
    return min(timeit.repeat("sum(range(100))", number=200_000, repeat=5)) / 200_000 * 1e6


def measure_level(server: "Gunicorn", door_id: int, credential: str, codes: list[str], scanners: int,
                  max_seconds: float, database: "ScratchDatabase | None" = None, interval: float = 0.0) -> dict:
    """One level against a started server (stopped at the end), with the CPU each part used per scan."""
    try:
        warm_up(server.port, door_id, credential)
        before = server.cpu_seconds(), postgres_cpu_seconds(database)
        workers_before = server.worker_cpu_seconds()
        result = run_level(server.port, door_id, credential, codes, scanners, max_seconds, interval)
        scans = max(1, result["requests"])
        result["app_cpu_ms"] = (server.cpu_seconds() - before[0]) * 1000 / scans
        result["database_cpu_ms"] = (postgres_cpu_seconds(database) - before[1]) * 1000 / scans
        result["worker_shares"] = shares(
            [cpu - workers_before.get(pid, 0.0) for pid, cpu in server.worker_cpu_seconds().items()]
        )
    finally:
        server.stop()
    return result


def level_line(result: dict) -> str:
    return (
        f"scanners={result['scanners']:3} requests={result['requests']}/{result['planned']} "
        f"in {result['seconds']:.1f}s: {result['scans_per_second']:.0f} scans/s, "
        f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
        f"CPU per scan: gunicorn {result['app_cpu_ms']:.2f} ms, database server {result['database_cpu_ms']:.2f} ms, "
        f"load generator {result['client_cpu_ms']:.2f} ms; workers' shares of their CPU "
        f"{' / '.join(f'{share:.0%}' for share in result['worker_shares'])}; failures {result['failures']}, "
        f"verdicts {result['verdicts']}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1500)
    parser.add_argument("--cost-tickets", type=int, default=400, help="tickets of the in-process cost run")
    parser.add_argument("--levels", type=int, nargs="*", default=[8, 32])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    # Two cores: one worker process per core; four threads each overlap the database round trips.
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=60)
    parser.add_argument("--browser-samples", type=int, default=5)
    parser.add_argument("--paced-interval", type=float, default=0.5,
                        help="seconds between the scans of each scanner in the paced level (0: no paced level)")
    args = parser.parse_args()
    args.tickets = min(args.tickets, 20_000)
    args.cost_tickets = min(args.cost_tickets, 5_000)
    args.browser_samples = min(args.browser_samples, 20)

    print(f"host speed: {host_speed_us():.2f} µs per sum(range(100)) in this Python (lower is faster)", flush=True)
    forged = [forged_code() for _ in range(args.tickets)]
    for level in args.levels:
        server = Gunicorn.fixed_answer(args.workers, args.threads)
        print("floor      " + level_line(measure_level(server, 1, "-", forged, level, args.max_seconds)) +
              " (gunicorn answering without Flask or a database)", flush=True)
    for database, workdir in scratch_databases(args.backends, args.postgres_url, "checkin-bench-"):
        kind = database.kind
        cost = in_process_cost(database, args.cost_tickets)
        print(f"{kind:10} in-process, one thread, per scan: {cost['cpu_ms']:.2f} ms CPU app + "
              f"{cost['server_cpu_ms']:.2f} ms CPU database server, {cost['statements']:.2f} statements, "
              f"{cost['wall_ms']:.2f} ms wall; verdicts {cost['verdicts']} "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)
        for level in args.levels:
            door_id, credential, codes = database.event_with_tickets(args.tickets, f"Last {level}")
            server = Gunicorn.app(database.url, args.workers, args.threads, workdir / "gunicorn.log")
            result = measure_level(server, door_id, credential, codes, level, args.max_seconds, database)
            print(f"{kind:10} " + level_line(result), flush=True)
        if args.paced_interval > 0 and args.levels:
            scanners = min(args.levels)
            door_id, credential, codes = database.event_with_tickets(args.tickets, "Takt")
            server = Gunicorn.app(database.url, args.workers, args.threads, workdir / "gunicorn.log")
            result = measure_level(server, door_id, credential, codes, scanners, args.max_seconds, database,
                                   args.paced_interval)
            print(f"{kind:10} paced, one scan per {args.paced_interval:g} s per scanner: " + level_line(result), flush=True)
        if kind == args.backends[0] and args.browser_samples and Path(CHROMIUM).exists():
            timings = browser_scan_to_verdict(database, args.browser_samples, workdir)
            print(
                f"{kind:10} browser scan-to-verdict (fake camera, {len(timings)} scans): "
                f"median {statistics.median(timings)} ms, max {max(timings)} ms, all {timings}",
                flush=True,
            )


if __name__ == "__main__":
    main()
