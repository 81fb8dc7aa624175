"""Deleting an audience group with many invitees, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/group_delete.py [--invitees 1000 4000 20000] [--backends sqlite postgresql]

Per size: a fresh event whose group "Beschäftigte" holds --invitees people, every second one registered (hall or
livestream) and every fourth one checked in; then the group is deleted as the organiser's request does it
(tracker.events.services.delete_group and one commit). Its invitees stay on the list without a group, which
moves all of them, with their registrations and check-ins, in the running counters per group. Printed: the
seconds of the delete, and whether the counters still equal a recount. Scratch databases only (a temporary
SQLite file; a PostgreSQL database created and dropped on --postgres-url).
"""
import argparse
import secrets
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from checkin import scratch_databases  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from tracker.checkin.models import CheckIn  # noqa: E402
from tracker.database import utcnow  # noqa: E402
from tracker.events.models import COUNTER_NAMES, Event, Group, GroupCounter  # noqa: E402
from tracker.events.services import delete_group  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.invitees.models import Invitee  # noqa: E402
from tracker.migrations.revisions import revision_module  # noqa: E402
from tracker.registration.models import Registration  # noqa: E402


def event_with_group(size: int) -> tuple[int, int]:
    """A new event and its group of `size` invitees, half of them registered, a quarter checked in."""
    now = utcnow()
    event = Event(title=f"Gruppe {size}", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=4),
                  venue="Sitzungssaal", hall_capacity=size)
    db.session.add(event)
    db.session.flush()
    group = Group(event_id=event.id, name="Beschäftigte", reserved_seats=0)
    db.session.add(group)
    db.session.flush()
    people = [
        dict(event_id=event.id, group_id=group.id, name=f"Person {number}", email=f"person{number}@bench.example",
             language="de", source="import", link_nonce=secrets.token_hex(16), token_hash=secrets.token_hex(32),
             invited_at=now, created_at=now)
        for number in range(size)
    ]
    ids = db.session.scalars(insert(Invitee).returning(Invitee.id), people).all()
    answers = [dict(event_id=event.id, invitee_id=invitee_id, mode="hall" if number % 4 == 0 else "stream",
                    status="confirmed") for number, invitee_id in enumerate(ids[::2])]
    registrations = db.session.scalars(insert(Registration).returning(Registration.id), answers).all()
    db.session.execute(insert(CheckIn), [dict(event_id=event.id, registration_id=registration_id, method="scan",
                                              checked_in_at=now) for registration_id in registrations[::2]])
    db.session.commit()
    return event.id, group.id


def counters_match_recount(event_id: int) -> bool:
    """Whether the event's counters equal the ones counted afresh (the migration's own recount, into a scratch copy)."""
    rows = db.session.execute(select(GroupCounter).where(GroupCounter.event_id == event_id)).scalars().all()
    kept = {row.group_key: tuple(getattr(row, name) for name in COUNTER_NAMES) for row in rows if row.invitees}
    recount = revision_module("e03732309801_group_counters.py")._recount()
    select_part = recount[recount.index("SELECT"):]
    fresh = db.session.execute(db.text(f"SELECT * FROM ({select_part}) AS fresh WHERE fresh.event_id = :event_id"),
                               {"event_id": event_id}).all()
    return kept == {row[1]: tuple(row[2:]) for row in fresh}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitees", type=int, nargs="+", default=[1000, 4000, 20000])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    sizes = [min(size, 50_000) for size in args.invitees]
    for database, _workdir in scratch_databases(args.backends, args.postgres_url, "group-delete-bench-"):
        with database.app.app_context():
            for size in sizes:
                event_id, group_id = event_with_group(size)
                started = time.perf_counter()
                delete_group(db.session.get(Group, group_id))
                db.session.commit()
                seconds = time.perf_counter() - started
                print(f"{database.kind:10} group of {size:6} invitees deleted in {seconds:6.2f} s; counters equal a "
                      f"recount: {counters_match_recount(event_id)}", flush=True)


if __name__ == "__main__":
    main()
