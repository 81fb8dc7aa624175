"""The scan log, which also makes retries safe: every scan with its answer, the check-in written with it, undo.

On SQLite one lock per process queues this process's writers (one_writer_per_process).
"""
import json
import threading
from contextlib import contextmanager
from datetime import timedelta
from functools import cache

from sqlalchemy import Insert, bindparam, insert, select

from ..audit.services import record
from ..database import is_postgres, utcnow
from ..extensions import db
from ..registration.models import Registration
from .door_read import DoorFacts, Scanner
from .models import CheckIn, ScanAttempt
from .verdicts import Verdict

UNDO_WINDOW = timedelta(minutes=5)

checkins, scan_attempts = CheckIn.__table__, ScanAttempt.__table__

_SQLITE_WRITER = threading.Lock()


@contextmanager
def one_writer_per_process():
    """On SQLite, let this process's threads queue for the single write lock here, in order.

    Every SQLite transaction takes the write lock (BEGIN IMMEDIATE); threads that wait for it inside
    SQLite poll with growing sleeps and starve under load. PostgreSQL locks rows and needs no queue.
    """
    if is_postgres():
        yield
        return
    with _SQLITE_WRITER:
        yield


def record_scan(scanner: Scanner, facts: DoorFacts, nonce: str, scanned: str, verdict: Verdict) -> str:
    """Keep the scan with its verdict and JSON answer (returned), and write the verdict's new check-in with it.

    The (door, nonce) key makes a retry find this answer; on PostgreSQL the check-in and the log row go in one
    statement (the check-in's INSERT … RETURNING as a CTE).
    """
    answer = json.dumps(verdict.as_json(facts, nonce))
    attempt = {
        "event_id": scanner.event_id, "door_id": scanner.door_id, "device_id": scanner.device_id, "nonce": nonce,
        "scanned": scanned[:64], "verdict": verdict.code, "response": answer, "scanned_at": utcnow(),
    }
    connection = db.session.connection()
    if verdict.admission is None:
        connection.execute(insert(scan_attempts), {**attempt, "checkin_id": verdict.checkin_id})
    elif connection.dialect.name == "postgresql":
        connection.execute(
            _admit_and_log(tuple(verdict.admission), tuple(attempt)),
            {**verdict.admission, **{f"attempt_{name}": value for name, value in attempt.items()}},
        )
    else:
        checkin_id = connection.execute(insert(checkins).returning(checkins.c.id), verdict.admission).scalar_one()
        connection.execute(insert(scan_attempts), {**attempt, "checkin_id": checkin_id})
    return answer


@cache
def _admit_and_log(checkin_columns: tuple[str, ...], attempt_columns: tuple[str, ...]) -> Insert:
    """INSERT the check-in and, with its new id, the scan log row, in one PostgreSQL statement (built once)."""
    new = (
        insert(checkins)
        .values({name: bindparam(name, type_=checkins.c[name].type) for name in checkin_columns})
        .returning(checkins.c.id)
        .cte("new_checkin")
    )
    attempt = (bindparam(f"attempt_{name}", type_=scan_attempts.c[name].type) for name in attempt_columns)
    return insert(scan_attempts).from_select([*attempt_columns, "checkin_id"], select(*attempt, new.c.id))


def undo_last(scanner: Scanner, nonce: str) -> CheckIn | None:
    """Undo the check-in that this page's scan with the nonce made at this door, if it is at most UNDO_WINDOW old.

    The nonce names the scan of one device or browser, so another device at the same door never undoes it.
    """
    checkin = db.session.execute(
        select(CheckIn)
        .join(ScanAttempt, ScanAttempt.checkin_id == CheckIn.id)
        .where(
            ScanAttempt.door_id == scanner.door_id, ScanAttempt.nonce == nonce, ScanAttempt.verdict == "valid",
            CheckIn.reverted_at.is_(None), CheckIn.checked_in_at >= utcnow() - UNDO_WINDOW,
        )
    ).scalar_one_or_none()
    if checkin is None:
        return None
    checkin.reverted_at = utcnow()
    checkin.reverted_by_id = scanner.user.id if scanner.user else None
    record(
        "checkin.undone", event_id=scanner.event_id, actor=scanner.actor, checkin_id=checkin.id,
        door_id=scanner.door_id,
    )
    db.session.flush()
    return checkin


def guest_name(checkin: CheckIn) -> str:
    return db.session.get(Registration, checkin.registration_id).invitee.name
