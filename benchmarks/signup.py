"""Sign-up throughput and latency through gunicorn on PostgreSQL.

Makes a scratch database, fills it with one event and its invitees, starts gunicorn on a
free 127.0.0.1 port and lets N concurrent clients each open personal pages and answer
(GET /t/<token> for the form, then POST the answer with its CSRF token, exactly as a browser
does). Prints sign-ups per second and p50/p95/p99 latency of the answer POSTs and page GETs.
Bounded by --signups and --seconds; everything is removed afterwards.

    .venv/bin/python benchmarks/signup.py --clients 32 --signups 2000 --seconds 90
    .venv/bin/python benchmarks/signup.py --clients 32 --think 2 --signups 600 --seconds 60

The first is a closed loop (saturation: with 32 clients, latency is 32 / throughput). With --think,
each client pauses before every sign-up (exponential, mean --think seconds), which offers a stated
load of about clients / think sign-ups per second and shows the latency at that load.
--in-process measures the cost per request instead (CPU time and SQL statements, no HTTP):

    .venv/bin/python benchmarks/signup.py --in-process --signups 400 --warmup 50
"""
import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402

CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
#: What the clients answer: most want a seat, some the livestream, a few decline.
CHOICES = ["hall"] * 7 + ["stream"] * 2 + ["decline"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def prepare(url: str, secret: str, invitees: int, capacity: int) -> list[str]:
    """Migrate the scratch database and add one event with its invitees; return their personal tokens."""
    from flask_migrate import upgrade

    from tests.factories import make_event, make_group
    from tracker.invitees.links import personal_token
    from tracker.invitees.services import add_invitee

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        event = make_event(title="Benchmark-Infotag", hall_capacity=capacity)
        council = make_group(event, "Stadtrat", reserved_seats=capacity // 10, waiting_priority=10)
        people = [
            add_invitee(
                event,
                name=f"Person {number}",
                email=f"person{number}@muenchen.example",
                group=council if number % 20 == 0 else None,
            )
            for number in range(invitees)
        ]
        db.session.commit()
        tokens = [personal_token(person) for person in people]
        db.engine.dispose()
    return tokens


class Client(threading.Thread):
    """One person after another: open the personal page, then answer."""

    def __init__(self, port: int, work: list[str], lock: threading.Lock, deadline: float, results: dict,
                 think: float = 0.0):
        super().__init__(daemon=True)
        self.port, self.work, self.lock, self.deadline, self.results = port, work, lock, deadline, results
        #: Mean pause (exponentially distributed) before each sign-up: 0 is a closed loop.
        self.think = think
        self.connection = None

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request(method, path, body, headers or {})
                response = self.connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = None
                return response, data
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise

    def run(self):
        while time.monotonic() < self.deadline:
            if self.think:
                time.sleep(min(random.expovariate(1 / self.think), max(0.0, self.deadline - time.monotonic())))
                if time.monotonic() >= self.deadline:  # woken by the deadline: a burst of every client, not the load
                    return
            with self.lock:
                if not self.work:
                    return
                token = self.work.pop()
            path = f"/t/{token}"
            started = time.perf_counter()
            response, page = self.request("GET", path)
            page_seconds = time.perf_counter() - started
            cookie = next(
                (c.split(";", 1)[0] for c in response.msg.get_all("Set-Cookie") or [] if c.startswith("session=")), ""
            )
            csrf = CSRF.search(page)
            if response.status != 200 or not csrf:
                self.results["errors"].append(f"GET {response.status}")
                continue
            body = urlencode({"csrf_token": csrf.group(1).decode(), "choice": random.choice(CHOICES)})
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
            started = time.perf_counter()
            response, _ = self.request("POST", path, body, headers)
            answer_seconds = time.perf_counter() - started
            if response.status != 302:
                self.results["errors"].append(f"POST {response.status}")
                continue
            self.results["page"].append(page_seconds)
            self.results["answer"].append(answer_seconds)


def measure_in_process(url: str, secret: str, tokens: list[str], warmup: int) -> None:
    """CPU time and SQL statements per page GET and answer POST through the app itself (no HTTP, no gunicorn),
    and the CPU the mail sender spends making each queued mail's later parts (QR image, .ics)."""
    from sqlalchemy import event as sa_event

    from tracker.mail.models import OutboxMail
    from tracker.mail.services import complete_message

    os.environ.update(TRACKER_DATABASE_URL=url, TRACKER_SECRET_KEY=secret, TRACKER_BASE_URL="http://127.0.0.1:8000")
    app = create_app()
    statements = [0]
    with app.app_context():
        sa_event.listen(db.engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    totals = {"page GET": [0.0, 0], "answer POST": [0.0, 0]}
    for number, token in enumerate(tokens):
        client = app.test_client()
        for name, request in (("page GET", lambda: client.get(f"/t/{token}")),
                              ("answer POST", lambda: client.post(f"/t/{token}", data=form))):
            before, cpu = statements[0], time.process_time()
            response = request()
            cpu, counted = time.process_time() - cpu, statements[0] - before
            if name == "page GET":
                form = {"csrf_token": CSRF.search(response.data).group(1).decode(), "choice": random.choice(CHOICES)}
            elif response.status_code != 302:
                raise SystemExit(f"answer POST gave {response.status_code}")
            if number >= warmup:
                totals[name][0] += cpu
                totals[name][1] += counted
    measured = len(tokens) - warmup
    print(f"in-process, PostgreSQL, {measured} sign-ups after {warmup} for warm-up:")
    for name, (cpu, counted) in totals.items():
        print(f"{name:12s} {cpu / measured * 1000:6.2f} ms CPU  {counted / measured:4.1f} SQL statements per request")
    with app.app_context():
        mails = db.session.execute(db.select(OutboxMail.message, OutboxMail.later_parts)).all()
        cpu = time.process_time()
        for message, later_parts in mails:
            complete_message(message, later_parts)
        cpu = time.process_time() - cpu
        print(f"mail sender: {cpu / len(mails) * 1000:.2f} ms CPU per queued mail to make its later parts "
              f"({sum(1 for _, parts in mails if parts)} of {len(mails)} have some)")
        db.engine.dispose()


def run(args) -> None:
    admin_url = args.postgres_url.rsplit("/", 1)[0] + "/postgres"
    database = f"tracker_bench_signup_{os.getpid()}"
    url = args.postgres_url.rsplit("/", 1)[0] + "/" + database
    secret = secrets.token_hex(32)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    server = None
    try:
        tokens = prepare(url, secret, args.signups + args.warmup, args.capacity)
        if args.in_process:
            measure_in_process(url, secret, tokens, args.warmup)
            return
        port = free_port()
        env = dict(
            os.environ,
            TRACKER_DATABASE_URL=url,
            TRACKER_SECRET_KEY=secret,
            TRACKER_BASE_URL=f"http://127.0.0.1:{port}",
            TRACKER_REDIS_URL=args.redis,
            TRACKER_BIND=f"127.0.0.1:{port}",
            TRACKER_WORKERS=str(args.workers),
            TRACKER_THREADS=str(args.threads),
            TRACKER_MAX_REQUESTS="0",  # no worker recycling while measuring
            TRACKER_LOG_LEVEL="warning",
        )
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--config", "deploy/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        )
        wait_until_up(port)
        lock = threading.Lock()
        for phase, count in (("warm-up", args.warmup), ("measured", args.signups)):
            work = [tokens.pop() for _ in range(count)]
            results = {"page": [], "answer": [], "errors": []}
            deadline = time.monotonic() + args.seconds
            think = args.think if phase == "measured" else 0.0
            clients = [Client(port, work, lock, deadline, results, think) for _ in range(args.clients)]
            cpu_before, own_cpu_before = worker_cpu_seconds(server.pid), time.process_time()
            started = time.perf_counter()
            for client in clients:
                client.start()
            for client in clients:
                client.join(args.seconds + 60)
            elapsed = time.perf_counter() - started
            if phase == "measured":
                report(args, results, elapsed, worker_cpu_seconds(server.pid) - cpu_before,
                       time.process_time() - own_cpu_before)
        check_seats(url, args.capacity)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()


def worker_cpu_seconds(master_pid: int) -> float:
    """User plus system CPU time of gunicorn's workers so far, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def wait_until_up(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def report(args, results: dict, elapsed: float, cpu_seconds: float, own_cpu_seconds: float) -> None:
    answers, pages = results["answer"], results["page"]
    if args.think:
        load = (f"PACED: each client pauses {args.think:g} s on average (exponential) before a sign-up, "
                f"so about {args.clients / args.think:.1f} sign-ups/s are offered (less while responses take long)")
    else:
        load = "CLOSED LOOP: each client sends the next request as soon as the last returns (saturation)"
    print(f"clients={args.clients} gunicorn {args.workers} workers x {args.threads} threads (gthread, "
          f"deploy/gunicorn.conf.py, Redis {args.redis or 'none'}), "
          f"PostgreSQL, hall capacity {args.capacity}\n{load}")
    print(f"sign-ups: {len(answers)} in {elapsed:.1f} s = {len(answers) / elapsed:.1f} per second "
          f"(each a page GET plus an answer POST); errors: {len(results['errors'])} {sorted(set(results['errors']))}")
    if answers:
        print(f"gunicorn CPU per sign-up (GET + POST): {cpu_seconds / len(answers) * 1000:.1f} ms; "
              f"load generator {own_cpu_seconds / len(answers) * 1000:.1f} ms; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, values in (("answer POST", answers), ("page GET", pages)):
        if values:
            print(f"{name:12s} p50 {percentile(values, .50) * 1000:6.1f} ms  p95 {percentile(values, .95) * 1000:6.1f} ms  "
                  f"p99 {percentile(values, .99) * 1000:6.1f} ms  mean {statistics.fmean(values) * 1000:6.1f} ms")


def check_seats(url: str, capacity: int) -> None:
    """The run must not have given more hall seats than there are."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        seats = connection.exec_driver_sql(
            "SELECT count(*) FROM registrations WHERE status = 'confirmed' AND mode = 'hall'"
        ).scalar()
        waiting = connection.exec_driver_sql("SELECT count(*) FROM registrations WHERE status = 'waiting'").scalar()
        mails = connection.exec_driver_sql("SELECT count(*) FROM outbox_mails").scalar()
    engine.dispose()
    print(f"hall seats given {seats} of {capacity}, waiting list {waiting}, mails queued {mails}")
    assert seats <= capacity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--signups", type=int, default=2000, help="measured sign-ups (upper bound)")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=90, help="time limit of the measured phase")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a client pauses before each measured sign-up (0: closed loop)")
    parser.add_argument("--in-process", action="store_true",
                        help="measure CPU time and SQL statements per request through the app itself, without gunicorn")
    parser.add_argument("--capacity", type=int, default=800)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14",
                        help="Redis for rate limits and caches, as deployed ('' for none)")
    parser.add_argument("--postgres-url", default=os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    run(parser.parse_args())


if __name__ == "__main__":
    main()
