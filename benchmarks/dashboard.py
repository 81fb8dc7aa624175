"""Time the dashboard's figures with 50,000 invitees, 20,000 check-ins and 1,000,000 viewer minutes, and count
what 50 open dashboards polling cost the database.

    .venv/bin/python benchmarks/dashboard.py [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--runs 7] [--skip-sqlite]

PostgreSQL uses a scratch database that is dropped afterwards; SQLite a file in a temporary folder. The data is
generated with COPY (PostgreSQL) or executemany (SQLite). The 1,000,000 minutes are folded into the running totals
(timed on their own; a live event folds them as they arrive). Then three minutes of every viewer are added at once
and one computation, which folds them, is timed: the dashboard after a pause. Then `compute_figures` (every figure
of the dashboard, in one aggregate statement: the group counters, arrivals per minute, the livestream figures) runs
--runs times, each after the minute rows that 10,000 viewers' heartbeats write in one refresh interval of 2 s, as
during a live stream; the median and the fastest are printed, with the CPU time of Python and of the PostgreSQL backend, and the statements of one
computation by kind. Then two apps on the same database ("two workers") answer 50 polls in each of three refresh
intervals, and the statements they send are counted. Target (issue 6): under 100 ms on PostgreSQL; one aggregate
query per event per refresh interval, however many dashboards are open.
"""
import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
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


def backend_cpu_seconds(pid: int) -> float | None:
    """CPU time (user and system) of the PostgreSQL backend process `pid`, when the server runs on this machine;
    it holds however loaded the machine is, unlike the wall-clock time."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def add_live_minutes(db, event_id: int, viewers: range, offsets: tuple[int, ...]) -> int:
    """Minute rows of `viewers` for the minutes `offsets` from the current one, as heartbeats write them during a
    live stream; returns how many."""
    from sqlalchemy import insert

    from tracker.database import utcnow
    from tracker.stream.models import ViewerMinute
    from tracker.stream.presence import minute_of

    now_minute = minute_of(utcnow())
    rows = [{"event_id": event_id, "viewer_key": f"i{24_001 + viewer}" if viewer < 9_000 else f"a{viewer:08d}",
             "invitee_id": 24_001 + viewer if viewer < 9_000 else None, "minute": now_minute + timedelta(minutes=offset)}
            for viewer in viewers for offset in offsets]
    db.session.execute(insert(ViewerMinute), rows)
    db.session.commit()
    return len(rows)


def measure(url: str, runs: int) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import event as sa_event
    from sqlalchemy import func, select, text, union_all

    from tracker import create_app
    from tracker.dashboard.cache import current_figures
    from tracker.dashboard.figures import compute_figures, hall_parts
    from tracker.stream.figures import FOLD_BATCH, fold_minutes, stream_figures
    from tracker.stream.models import ViewerMinute
    from tracker.events.models import Event, Group
    from tracker.extensions import db

    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark-" + "x" * 40, "TESTING": True,
              "DASHBOARD_REFRESH_SECONDS": 2}
    app = create_app(config)
    postgres = url.startswith("postgresql")
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
        # The 1,000,000 minutes are folded into the running totals FOLD_BATCH at a time, as the first computations
        # would do (each of which also reads the minutes not folded yet); a live event folds them a minute at a
        # time. After that mass update the tables are vacuumed and analysed, as autovacuum would do.
        fold_timings = []
        while db.session.scalar(select(func.count()).where(ViewerMinute.event_id == event_id, ~ViewerMinute.folded)):
            began = time.perf_counter()
            fold_minutes(event_id)
            db.session.commit()
            fold_timings.append(time.perf_counter() - began)
        if postgres:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        # A pause of three minutes without any computation: every viewer's rows of three minutes wait.
        event = db.session.get(Event, event_id)
        live_minutes = add_live_minutes(db, event_id, range(VIEWERS), (-2, -1, 0))
        began = time.perf_counter()
        compute_figures(event)
        db.session.commit()
        after_pause = time.perf_counter() - began
        # Then a computation per refresh interval, each after the rows heartbeats write meanwhile: every viewer
        # starts a new minute row once a minute, so 10,000 viewers add 10,000 / 60 rows a second.
        per_interval = VIEWERS * config["DASHBOARD_REFRESH_SECONDS"] // 60
        timings, cpu_timings, server_cpu, statements = [], [], [], []
        sa_event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        for run in range(runs):
            live_minutes += add_live_minutes(db, event_id, range(run * per_interval, (run + 1) * per_interval), (1,))
            statements.clear()
            backend = db.session.connection().connection.driver_connection.info.backend_pid if postgres else None
            server_before = backend_cpu_seconds(backend) if postgres else None
            began, cpu_began = time.perf_counter(), time.process_time()
            figures = compute_figures(event)
            db.session.commit()
            timings.append(time.perf_counter() - began)
            cpu_timings.append(time.process_time() - cpu_began)
            if server_before is not None:
                server_cpu.append(backend_cpu_seconds(backend) - server_before)
        kinds = Counter(statement_kind(statement) for statement in statements)
        per_computation = len(statements)
        aggregates_per_computation = sum("UNION ALL" in statement for statement in statements)
        hall_timings, stream_timings = [], []
        for _ in range(runs):
            began = time.perf_counter()
            db.session.execute(union_all(*hall_parts(event_id))).all()
            hall_timings.append(time.perf_counter() - began)
            began = time.perf_counter()
            stream_figures(event)
            db.session.commit()
            stream_timings.append(time.perf_counter() - began)
        assert figures.totals.invitees == INVITEES and figures.totals.present == CHECKINS
        assert figures.total_minutes == VIEWERS * MINUTES_PER_VIEWER + live_minutes

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
    computations = sum("FROM group_counters" in s for s in sent)
    figure_statements = sum("UNION ALL" in s for s in sent)
    for worker in workers + [app]:
        with worker.app_context():
            db.engine.dispose()
    return {
        "generate_s": generated, "fold_batch": FOLD_BATCH, "fold_s": fold_timings,
        "after_pause_ms": after_pause * 1000, "per_interval": per_interval,
        "median_ms": statistics.median(timings) * 1000, "fastest_ms": min(timings) * 1000,
        "python_cpu_ms": statistics.median(cpu_timings) * 1000,
        "server_cpu_ms": statistics.median(server_cpu) * 1000 if server_cpu else None,
        "hall_ms": statistics.median(hall_timings) * 1000, "stream_ms": statistics.median(stream_timings) * 1000,
        "statements_per_computation": per_computation, "aggregates_per_computation": aggregates_per_computation,
        "statement_kinds": kinds, "polls": polls, "computations": computations,
        "figure_statements": figure_statements, "all_statements": len(sent),
        "cached_poll_ms": statistics.median(poll_times) * 1000,
    }


def statement_kind(statement: str) -> str:
    """What a statement of the computation is for, in a word."""
    if any(part in statement for part in ("pg_try_advisory_xact_lock", "UPDATE viewer_minutes", "INSERT INTO stream_")):
        return "fold"
    if "UNION ALL" in statement:
        return "aggregate"
    if "count(distinct(viewer_minutes.viewer_key))" in statement:
        return "watching now"
    return "other"


def report(name: str, result: dict) -> None:
    server = f", PostgreSQL backend CPU {result['server_cpu_ms']:.0f} ms" if result["server_cpu_ms"] is not None else ""
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(result["statement_kinds"].items()))
    folds = result["fold_s"]
    print(f"{name}: data generated in {result['generate_s']:.1f} s; the 1,000,000 minutes folded into the running "
          f"totals in {len(folds)} batches of {result['fold_batch']:,}, {sum(folds):.1f} s in all (median "
          f"{statistics.median(folds):.2f} s per batch); after a pause of 3 minutes (30,000 new minute rows to fold) "
          f"one computation took {result['after_pause_ms']:.0f} ms; then, each after the {result['per_interval']} rows "
          f"of one refresh interval: dashboard figures median {result['median_ms']:.0f} ms, fastest {result['fastest_ms']:.0f} ms "
          f"(Python CPU {result['python_cpu_ms']:.0f} ms{server}); the hall side alone {result['hall_ms']:.0f} ms, "
          f"the livestream figures alone {result['stream_ms']:.0f} ms")
    print(f"{name}: {result['statements_per_computation']:.0f} statements per computation ({kinds}), "
          f"{result['aggregates_per_computation']:.0f} of them aggregate")
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
