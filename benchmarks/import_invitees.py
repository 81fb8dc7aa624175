"""Time the invitee import of a 40,000-row CSV (upload with preview, then confirmation) on SQLite and PostgreSQL.

Both steps go through the real views (Flask test client, logged-in organiser); each database
runs in its own child process so that its peak resident memory (ru_maxrss) is its own.
PostgreSQL uses a scratch database that is dropped afterwards.

    .venv/bin/python benchmarks/import_invitees.py [--rows 40000] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Targets (issue 2): each step under 10 s, peak memory under 300 MB. The CPU figures are this process's
own time (without the PostgreSQL server's), which stays comparable when other jobs load the machine.
"""
import argparse
import csv
import io
import json
import multiprocessing
import os
import random
import re
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GROUPS = ["Stadtrat", "Referats- und Betriebsleitungen", "Beschäftigte"]
UNITS = ["IT-Referat", "Baureferat", "Sozialreferat", "Kulturreferat", "Stadtkämmerei", "it@M"]
FIRST = ["Anna", "Bernd", "Clara", "Jürgen", "Özlem", "Paul", "Sabine", "Thomas", "Yasemin", "Zoë"]
LAST = ["Berger", "Huber", "Müller", "Schmid", "Weiß", "Yılmaz", "Nowak", "Gruber"]
BAD_EVERY = 100  # one row in a hundred has a problem, so the preview lists 400 of them


def build_csv(rows: int) -> bytes:
    """A semicolon-separated UTF-8 export with a BOM, as Excel writes it."""
    rng = random.Random(40_000)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Vorname", "Nachname", "E-Mail", "Gruppe", "Referat"])
    for number in range(rows):
        email = f"person{number}@muenchen.example" if number % BAD_EVERY else f"kaputt{number}-at-muenchen.example"
        writer.writerow([rng.choice(FIRST), rng.choice(LAST), email, GROUPS[number % 3], rng.choice(UNITS)])
    return ("\ufeff" + buffer.getvalue()).encode()


def run(database_url: str, data: bytes, queue) -> None:
    """One database: set up, upload (preview), confirm; report timings and peak memory."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from tracker import create_app
    from tracker.accounts.services import create_user
    from tracker.events.models import Event, Group
    from tracker.extensions import db
    from tracker.invitees.models import Invitee
    from tracker.database import utcnow
    from datetime import timedelta

    instance = tempfile.mkdtemp(prefix="bench-import-")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "benchmark-" + "k" * 32,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "MAX_CONTENT_LENGTH": 32 * 2**20,
    })
    app.instance_path = instance
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "tracker" / "migrations"))
        create_user("bench@example.org", "Bench", "benchmark-password")
        start = utcnow() + timedelta(days=30)
        event = Event(title="Benchmark", starts_at=start, ends_at=start + timedelta(hours=4), venue="Saal",
                      hall_capacity=150)
        db.session.add(event)
        for name in GROUPS:
            db.session.add(Group(event=event, name=name))
        db.session.commit()
        event_id = event.id

    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": "benchmark-password"})
    started, cpu_started = time.perf_counter(), time.process_time()
    preview = client.post(f"/events/{event_id}/invitees/import", data={"file": (io.BytesIO(data), "liste.csv")},
                          content_type="multipart/form-data")
    preview_seconds, preview_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, preview.status_code
    pending_id = re.search(r"/invitees/import/(\d+)/confirm", page).group(1)

    started, cpu_started = time.perf_counter(), time.process_time()
    confirm = client.post(f"/events/{event_id}/invitees/import/{pending_id}/confirm")
    import_seconds, import_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert confirm.status_code == 302, confirm.status_code
    with app.app_context():
        imported = db.session.execute(select(func.count()).select_from(Invitee)).scalar_one()
        db.engine.dispose()
    queue.put({
        "preview_seconds": round(preview_seconds, 2),
        "import_seconds": round(import_seconds, 2),
        "preview_cpu_seconds": round(preview_cpu, 2),
        "import_cpu_seconds": round(import_cpu, 2),
        "imported": imported,
        "preview_html_kb": len(page) // 1024,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    })


def in_child(database_url: str, data: bytes) -> dict:
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=run, args=(database_url, data, queue))
    process.start()
    process.join(300)
    if process.exitcode != 0:
        raise SystemExit(f"benchmark child failed on {database_url.split(':')[0]} (exit {process.exitcode})")
    return queue.get(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=40_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="server to make the scratch database on ('' to skip PostgreSQL)")
    args = parser.parse_args()
    data = build_csv(args.rows)
    print(f"CSV: {args.rows} rows, {len(data) / 2**20:.1f} MB, {args.rows // BAD_EVERY} bad rows")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = in_child(f"sqlite:///{folder}/bench.sqlite", data)
    if args.postgres:
        import sqlalchemy as sa

        name = f"tracker_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://"),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            results["postgresql"] = in_child(args.postgres.rsplit("/", 1)[0] + "/" + name, data)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    for backend, figures in results.items():
        print(f"{backend:<10} preview {figures['preview_seconds']:>5.2f} s (CPU {figures['preview_cpu_seconds']:.2f} s)   "
              f"import {figures['import_seconds']:>5.2f} s (CPU {figures['import_cpu_seconds']:.2f} s)   "
              f"peak RSS {figures['peak_rss_mb']} MB   imported {figures['imported']}   "
              f"preview page {figures['preview_html_kb']} KB")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
