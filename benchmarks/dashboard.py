"""Time the dashboard's figures with 50,000 invitees, 20,000 check-ins and 1,000,000 viewer minutes, and count
what 50 open dashboards polling cost the database.

    .venv/bin/python benchmarks/dashboard.py [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--runs 7] [--skip-sqlite]

PostgreSQL uses a scratch database that is dropped afterwards; SQLite a file in a temporary folder. The data is
generated with COPY (PostgreSQL) or executemany (SQLite). Then `compute_figures` (every figure of the dashboard:
the grouped hall statement, arrivals per minute, the livestream figures) runs --runs times and the median and the
fastest are printed; then two apps on the same database ("two workers") answer 50 polls in each of three refresh
intervals, and the statements they send are counted. Target (issue 6): under 100 ms on PostgreSQL; one aggregate
computation per event per refresh interval, however many dashboards are open.
"""
import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

INVITEES, CHECKINS, VIEWERS, MINUTES_PER_VIEWER = 50_000, 20_000, 10_000, 100
START = datetime(2026, 10, 15, 8, 0, tzinfo=timezone.utc)
GROUPS = ("Stadtrat", "Referats- und Betriebsleitungen", "Speaker", "Beschäftigte")


def generate(db, event_id: int, group_ids: list[int]) -> None:
    """Invitees, registrations (hall, stream, waiting, declined, none), check-ins and viewer minutes, in bulk."""
    naive = db.engine.dialect.name == "sqlite"

    def moment(value: datetime):
        return value.replace(tzinfo=None) if naive else value

    invitees, registrations, checkins, minutes = [], [], [], []
    for number in range(1, INVITEES + 1):
        invitees.append((number, event_id, group_ids[number % 4], f"Person {number}", f"p{number}@muenchen.example",
                         "IT-Referat", "de", "import", secrets.token_hex(16), secrets.token_hex(32),
                         moment(START - timedelta(days=30)), moment(START - timedelta(days=40))))
        if number % 10 == 0:
            continue  # not answered
        if number <= 24_000:
            mode, status = "hall", "confirmed"
        elif number <= 44_000:
            mode, status = "stream", "confirmed"
        elif number <= 46_000:
            mode, status = "hall", "waiting"
        else:
            mode, status = None, "declined"
        registrations.append((number, event_id, number, mode, status, False, moment(START - timedelta(days=20)),
                              moment(START - timedelta(days=20))))
        if mode == "hall" and status == "confirmed" and len(checkins) < CHECKINS:
            checkins.append((len(checkins) + 1, event_id, number, "scan",
                             moment(START + timedelta(seconds=(number * 7) % 5400 - 2700))))
    for viewer in range(VIEWERS):
        invitee = 24_001 + viewer if viewer < 9_000 else None
        key = f"i{invitee}" if invitee else f"a{viewer:08d}"
        first = viewer % 60
        for minute in range(MINUTES_PER_VIEWER):
            minutes.append((event_id, key, moment(START + timedelta(minutes=first + minute)), invitee))
    tables = {
        "invitees": ("id, event_id, group_id, name, email, unit, language, source, link_nonce, token_hash, "
                     "invited_at, created_at", invitees),
        "registrations": ("id, event_id, invitee_id, mode, status, stream_while_waiting, created_at, updated_at",
                          registrations),
        "checkins": ("id, event_id, registration_id, method, checked_in_at", checkins),
        "viewer_minutes": ("event_id, viewer_key, minute, invitee_id", minutes),
    }
    with db.engine.begin() as connection:
        if naive:
            for table, (columns, rows) in tables.items():
                marks = ", ".join("?" for _ in columns.split(","))
                connection.connection.driver_connection.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        else:
            cursor = connection.connection.driver_connection.cursor()
            for table, (columns, rows) in tables.items():
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            for table in ("invitees", "registrations", "checkins"):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute("ANALYZE")
    if naive:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def measure(url: str, runs: int) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import event as sa_event

    from tracker import create_app
    from tracker.dashboard.cache import current_figures
    from tracker.dashboard.figures import arrivals_per_minute, compute_figures, group_counts
    from tracker.stream.figures import stream_figures
    from tracker.events.models import Event, Group
    from tracker.extensions import db

    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark-" + "x" * 40, "TESTING": True,
              "DASHBOARD_REFRESH_SECONDS": 2}
    app = create_app(config)
    with app.app_context():
        upgrade()
        event = Event(title="Benchmark", starts_at=START, ends_at=START + timedelta(hours=4), venue="Sitzungssaal",
                      hall_capacity=25_000, online_threshold_minutes=10)
        db.session.add(event)
        db.session.flush()
        groups = [Group(event_id=event.id, name=name, position=i) for i, name in enumerate(GROUPS)]
        db.session.add_all(groups)
        db.session.commit()
        event_id, group_ids = event.id, [g.id for g in groups]
        began = time.perf_counter()
        generate(db, event_id, group_ids)
        generated = time.perf_counter() - began
        event = db.session.get(Event, event_id)
        timings, statements = [], []
        sa_event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        for _ in range(runs):
            began = time.perf_counter()
            figures = compute_figures(event)
            timings.append(time.perf_counter() - began)
            db.session.rollback()
        per_computation = len(statements) // runs
        hall_timings, stream_timings = [], []
        for _ in range(runs):
            began = time.perf_counter()
            group_counts(event_id)
            arrivals_per_minute(event_id)
            hall_timings.append(time.perf_counter() - began)
            began = time.perf_counter()
            stream_figures(event)
            stream_timings.append(time.perf_counter() - began)
            db.session.rollback()
        assert figures.totals.invitees == INVITEES and figures.totals.present == CHECKINS
        assert figures.total_minutes == VIEWERS * MINUTES_PER_VIEWER

    # 50 open dashboards on two workers, three refresh intervals: count what reaches the database.
    workers = [create_app(config), create_app(config)]
    sent: list[str] = []
    for worker in workers:
        with worker.app_context():
            sa_event.listen(db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    polls, poll_times = 0, []
    for interval in range(3):
        if interval:
            time.sleep(2.05)
        for dashboard in range(50):
            with workers[dashboard % 2].app_context():
                began = time.perf_counter()
                current_figures(db.session.get(Event, event_id))
                poll_times.append(time.perf_counter() - began)
                polls += 1
    computations = sum("FROM invitees LEFT OUTER JOIN registrations" in s for s in sent)
    figure_statements = sum(1 for s in sent if any(t in s for t in (" registrations", " checkins", " viewer_minutes")))
    for worker in workers + [app]:
        with worker.app_context():
            db.engine.dispose()
    return {
        "generate_s": generated, "median_ms": statistics.median(timings) * 1000, "fastest_ms": min(timings) * 1000,
        "hall_ms": statistics.median(hall_timings) * 1000, "stream_ms": statistics.median(stream_timings) * 1000,
        "statements_per_computation": per_computation, "polls": polls, "computations": computations,
        "figure_statements": figure_statements, "all_statements": len(sent),
        "cached_poll_ms": statistics.median(poll_times) * 1000,
    }


def report(name: str, result: dict) -> None:
    print(f"{name}: data generated in {result['generate_s']:.1f} s; dashboard figures median "
          f"{result['median_ms']:.0f} ms, fastest {result['fastest_ms']:.0f} ms "
          f"({result['statements_per_computation']} statements per computation); of it the hall side "
          f"(grouped counts and arrivals) {result['hall_ms']:.0f} ms, the livestream figures {result['stream_ms']:.0f} ms")
    print(f"{name}: {result['polls']} polls (50 dashboards x 3 intervals of 2 s, 2 workers): "
          f"{result['computations']} computations, {result['figure_statements']} aggregate statements, "
          f"{result['all_statements']} statements in all; median poll {result['cached_poll_ms']:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="server to make a scratch database on ('' to skip PostgreSQL)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            report("SQLite", measure(f"sqlite:///{os.path.join(folder, 'bench.sqlite')}", args.runs))
    if args.postgres:
        import sqlalchemy as sa

        name = f"tracker_bench_dashboard_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            report("PostgreSQL", measure(args.postgres.rsplit("/", 1)[0] + "/" + name, args.runs))
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
