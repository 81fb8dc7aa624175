"""Invitation batch queueing time and mails per second delivered over SMTP, on SQLite and PostgreSQL.

For each database it makes a scratch database (a temporary SQLite file; a new PostgreSQL database that
is dropped afterwards), adds one event with --invitees invitees, and then
1. queues an invitation batch to all of them the way the organiser's page does: start_batch(), then
   advance_batch() one chunk per transaction (TRACKER_MAIL_INVITATION_CHUNK) until finished; it prints
   the total time and the slowest chunk (the longest a request of the progress page takes);
2. delivers --mails of those mails with --senders sender processes (each claims MAIL_BATCH_SIZE mails
   per SMTP connection and uses --connections connections at once) to an SMTP sink (aiosmtpd in its own process on a free 127.0.0.1 port), and
   prints mails per second; bounded by --seconds.

    .venv/bin/python benchmarks/mail.py [--invitees 40000] [--mails 5000] [--senders 1] [--connections 4] [--seconds 60]
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--skip-sqlite] [--skip-postgres]
"""
import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.database import utcnow  # noqa: E402
from tracker.events.models import Event  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.invitations import services as invitations  # noqa: E402
from tracker.invitees.links import assign_new_link  # noqa: E402
from tracker.invitees.models import Invitee  # noqa: E402
from tracker.mail.sender import send_due_batch  # noqa: E402

SECRET_KEY = "benchmark-secret-" + "k" * 32


def run_sink(port_value, count, ready, stop, cpu_seconds) -> None:
    """An SMTP server that only counts what it accepts (runs in its own process); reports its CPU time."""
    import socket

    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    port_value.value = port
    began = time.process_time()
    ready.set()
    stop.wait()
    cpu_seconds.value = time.process_time() - began
    controller.stop()


def make_app(database_url: str, smtp_port: int = 1, connections: int = 4):
    return create_app(
        {
            "MAIL_CONNECTIONS": connections,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET_KEY,
            "RATELIMIT_ENABLED": False,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_port,
        }
    )


def prepare(database_url: str, invitees: int) -> int:
    """Migrate the scratch database and add the event with its invitees; return the event id."""
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        starts_at = utcnow().replace(microsecond=0) + timedelta(days=14)
        event = Event(
            title="Infotag Digitalisierung",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=4),
            venue="Sitzungssaal, Rathaus",
            hall_capacity=130,
        )
        db.session.add(event)
        db.session.flush()
        rows = []
        for number in range(invitees):
            person = Invitee(event_id=event.id, name=f"Person {number}", email=f"person{number}@muenchen.example")
            assign_new_link(person)
            rows.append({
                "event_id": event.id, "name": person.name, "email": person.email,
                "language": "en" if number % 5 == 0 else "de",
                "link_nonce": person.link_nonce, "token_hash": person.token_hash,
            })
        db.session.execute(sa.insert(Invitee), rows)
        db.session.commit()
        event_id = event.id
        db.engine.dispose()
    return event_id


def queue_batch(database_url: str, event_id: int) -> dict:
    """Queue invitations to everybody, one chunk per transaction as the progress page does."""
    app = make_app(database_url)
    chunk_seconds = []
    with app.app_context():
        cpu_began = time.process_time()
        began = time.perf_counter()
        batch = invitations.start_batch(event_id, kind="invitation", scope="all", submission_key=uuid.uuid4().hex)
        db.session.commit()
        while True:
            chunk_began = time.perf_counter()
            batch = invitations.advance_batch(batch.id)
            db.session.commit()
            chunk_seconds.append(time.perf_counter() - chunk_began)
            if batch.finished_at is not None:
                break
        total = time.perf_counter() - began
        cpu = time.process_time() - cpu_began
        queued = batch.queued
        db.engine.dispose()
    return {
        "queued": queued,
        "seconds": total,
        "chunks": len(chunk_seconds),
        "chunk_size": app.config["MAIL_INVITATION_CHUNK"],
        "chunk_p50": statistics.median(chunk_seconds),
        "chunk_max": max(chunk_seconds),
        "cpu_ms": cpu * 1000 / max(queued, 1),
    }


def sender_process(
    database_url: str, smtp_port: int, connections: int, count, target: int, deadline: float, cpu_seconds
) -> None:
    """One mail sender: claim and deliver batches until the sink has `target` mails or time is up."""
    app = make_app(database_url, smtp_port, connections)
    with app.app_context():
        began = time.process_time()
        while count.value < target and time.time() < deadline:
            if send_due_batch().claimed == 0:
                break
        with cpu_seconds.get_lock():
            cpu_seconds.value += time.process_time() - began
        db.engine.dispose()


def deliver(database_url: str, mails: int, senders: int, connections: int, seconds: float) -> dict:
    """Mails per second from `senders` sender processes into a counting SMTP sink in another process."""
    context = multiprocessing.get_context("spawn")
    port, count, ready, stop = context.Value("i", 0), context.Value("i", 0), context.Event(), context.Event()
    cpu_seconds, sink_cpu_seconds = context.Value("d", 0.0), context.Value("d", 0.0)
    sink = context.Process(target=run_sink, args=(port, count, ready, stop, sink_cpu_seconds))
    sink.start()
    ready.wait(10)
    began = time.perf_counter()
    deadline = time.time() + seconds
    workers = [
        context.Process(
            target=sender_process, args=(database_url, port.value, connections, count, mails, deadline, cpu_seconds)
        )
        for _ in range(senders)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 30)
    elapsed = time.perf_counter() - began
    delivered = count.value
    stop.set()
    sink.join(10)
    return {
        "delivered": delivered,
        "seconds": elapsed,
        "per_second": delivered / elapsed,
        "sender_cpu_ms": cpu_seconds.value * 1000 / max(delivered, 1),
        "sink_cpu_ms": sink_cpu_seconds.value * 1000 / max(delivered, 1),
    }


def scratch_postgres(admin_url: str):
    """Create a scratch database; returns its URL and a function that drops it."""
    name = f"tracker_bench_mail_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()

    return admin_url.rsplit("/", 1)[0] + "/" + name, drop


def run(label: str, database_url: str, args) -> None:
    print(f"{label}: load average before the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    event_id = prepare(database_url, args.invitees)
    queued = queue_batch(database_url, event_id)
    print(
        f"{label}: queued an invitation batch of {queued['queued']:,} mails in {queued['seconds']:.1f} s "
        f"({queued['queued'] / queued['seconds']:.0f} mails/s); {queued['chunks']} chunks of {queued['chunk_size']}, "
        f"p50 {queued['chunk_p50'] * 1000:.0f} ms, slowest {queued['chunk_max'] * 1000:.0f} ms; "
        f"CPU {queued['cpu_ms']:.2f} ms per mail"
    )
    delivered = deliver(database_url, min(args.mails, queued["queued"]), args.senders, args.connections, args.seconds)
    print(
        f"{label}: delivered {delivered['delivered']:,} mails in {delivered['seconds']:.1f} s with "
        f"{args.senders} sender(s) x {args.connections} SMTP connection(s): {delivered['per_second']:.0f} mails/s "
        f"(CPU per mail: sender {delivered['sender_cpu_ms']:.2f} ms, SMTP sink {delivered['sink_cpu_ms']:.2f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invitees", type=int, default=40_000)
    parser.add_argument("--mails", type=int, default=5_000)
    parser.add_argument("--senders", type=int, default=1)
    parser.add_argument("--connections", type=int, default=4, help="SMTP connections per sender (MAIL_CONNECTIONS)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as directory:
            run("SQLite", f"sqlite:///{directory}/bench.sqlite", args)
    if not args.skip_postgres:
        url, drop = scratch_postgres(args.postgres)
        try:
            run("PostgreSQL", url, args)
        finally:
            drop()


if __name__ == "__main__":
    main()
