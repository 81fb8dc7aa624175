"""Importing an invitee list: preview from the uploaded file, kept in the database, then one bulk insert.

Between preview and confirmation the upload lives in ``pending_imports`` (not in a worker's
memory or disk), so the confirmation may reach any worker on any host. On confirmation the
file is parsed again under the event's row lock, with the organiser's answers for group values
the event does not have; if the outcome differs from what the organiser saw (someone changed
the list or the groups meanwhile), nothing is imported and the new preview is shown instead.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, select

from ..audit.services import record
from ..database import is_postgres, lock_row, utcnow
from ..events.models import Event, Group
from ..extensions import db
from .links import assign_new_link
from .models import Invitee, InviteeSource, PendingImport
from .parsing import ParseResult, fold, parse_invitee_file

#: Group values the event does not have, answered: folded value to a group name, or None for no group.
GroupMapping = dict[str, str | None]

#: Largest accepted upload (about 100,000 rows of a typical export).
MAX_IMPORT_BYTES = 10 * 1024 * 1024
#: How long an unconfirmed upload is kept.
PENDING_LIFETIME = timedelta(hours=2)
#: Good rows shown on the preview as a sample of how the columns were read.
SAMPLE_ROWS = 10
#: Problems (and warnings) listed per page of the preview; every line number is listed in the summary above.
PROBLEMS_PER_PAGE = 100


@dataclass
class _NewLink:
    """The two link columns of a row about to be inserted, filled by assign_new_link."""

    link_nonce: str = ""
    token_hash: str = ""


def existing_emails(event_id: int) -> set[str]:
    """Lower-cased addresses already on the event's list."""
    return set(db.session.execute(select(func.lower(Invitee.email)).where(Invitee.event_id == event_id)).scalars())


def check_file(event: Event, data: bytes, mapping: GroupMapping | None = None) -> ParseResult:
    """Parse and check an upload against the event's groups and list."""
    return parse_invitee_file(
        data,
        group_names=[group.name for group in event.groups],
        existing_emails=existing_emails(event.id),
        group_mapping=mapping,
    )


def store_pending(event: Event, user_id: int, filename: str, data: bytes, result: ParseResult) -> PendingImport:
    """Keep the upload until the organiser confirms it; expired uploads are cleared on the way."""
    discard_expired()
    pending = PendingImport(
        event_id=event.id,
        user_id=user_id,
        filename=filename[:255],
        data=data,
        good_rows=len(result.rows),
        row_errors=len(result.errors),
        expires_at=utcnow() + PENDING_LIFETIME,
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def find_pending(pending_id: int, event_id: int, user_id: int) -> PendingImport | None:
    """The caller's own unexpired upload for this event, or None."""
    pending = db.session.get(PendingImport, pending_id)
    if pending is None or pending.event_id != event_id or pending.user_id != user_id or pending.expires_at <= utcnow():
        return None
    return pending


def discard_expired(now: datetime | None = None) -> int:
    """Delete every upload past its expiry; returns how many."""
    result = db.session.execute(delete(PendingImport).where(PendingImport.expires_at <= (now or utcnow())))
    return result.rowcount


@dataclass
class ImportOutcome:
    #: Whether the file reads differently than on the preview; then nothing was imported.
    changed: bool
    #: Invitees inserted.
    imported: int
    #: The file as parsed now; shown as the new preview when it changed.
    result: ParseResult
    #: Group values of the preview left without an answer (as spelled in the file); then nothing was imported.
    unanswered: tuple[str, ...] = ()


def confirm(pending: PendingImport, asked: list[str], mapping: GroupMapping) -> ImportOutcome | None:
    """Insert all good rows in the caller's transaction, if the file still reads as previewed.

    ``asked`` are the unknown group values the preview asked about, ``mapping`` the answers given.
    Nothing is imported while one of them is unanswered, or if the questions would now be others (a
    group made or deleted meanwhile). None if a concurrent confirmation (a double click, another
    worker) imported it meanwhile.
    """
    event = lock_row(Event, pending.event_id)
    if db.session.execute(select(PendingImport.id).where(PendingImport.id == pending.id)).first() is None:
        return None
    result = check_file(event, pending.data, mapping)
    counts = (len(result.rows), len(result.errors))
    groups_now = {fold(group.name) for group in event.groups}
    if (
        not result.ok
        or counts != (pending.good_rows, pending.row_errors)
        or not set(result.unknown_groups) <= set(asked)
        or groups_now & set(asked)
    ):
        pending.good_rows, pending.row_errors = len(result.rows), len(result.errors)
        return ImportOutcome(True, 0, result)
    if result.unknown_groups:
        return ImportOutcome(False, 0, result, tuple(unknown.value for unknown in result.unknown_groups.values()))
    insert_rows(event, result)
    record(
        "invitees.imported", event_id=event.id, count=len(result.rows), skipped_rows=len(result.errors),
        cleaned_values=len(result.warnings), mapped_group_values=len(mapping),
    )
    db.session.delete(pending)
    return ImportOutcome(False, len(result.rows), result)


def insert_rows(event: Event, result: ParseResult) -> None:
    """Bulk-insert the good rows, each with its own personal link, in the caller's transaction."""
    group_ids = dict(db.session.execute(select(Group.name, Group.id).where(Group.event_id == event.id)).all())
    now = utcnow()
    rows = []
    for row in result.rows:
        link = _NewLink()
        assign_new_link(link)
        rows.append({
            "event_id": event.id,
            "group_id": group_ids.get(row.group) if row.group else None,
            "name": row.name,
            "email": row.email,
            "unit": row.unit,
            "language": row.language or "de",
            "source": InviteeSource.IMPORT.value,
            "link_nonce": link.link_nonce,
            "token_hash": link.token_hash,
            "created_at": now,
        })
    if is_postgres():
        _copy_into_postgres(rows)
    else:
        db.session.execute(insert(Invitee.__table__), rows)


def _copy_into_postgres(rows: list[dict]) -> None:
    """COPY the rows through the session's own connection (same transaction).

    psycopg would otherwise send one INSERT per row, or parse a huge multi-row statement in
    Python; COPY takes 40,000 rows in well under a second.
    """
    if not rows:
        return
    columns = list(rows[0])
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY invitees ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])
