"""Database helpers shared by all areas: UTC timestamps, SQLite set-up, pooled connections, row locks."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, String, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from .extensions import db


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every database (SQLite keeps no zone, so it is re-attached)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite safe for concurrent requests.

    Foreign keys on, WAL, a generous busy timeout, and every transaction opened with
    BEGIN IMMEDIATE so writers queue up instead of failing half-way; this serializes
    writers, which is what the seat and check-in invariants need on SQLite.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        dbapi_connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


class unicode_lower(FunctionElement):
    """lower() that folds every letter, umlauts too: PostgreSQL's own; on SQLite, whose lower() folds ASCII
    letters only, Python's, registered on each connection (see configure_sqlite)."""

    type = String()
    inherit_cache = True


@compiles(unicode_lower)
def _compile_unicode_lower(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _compile_unicode_lower_sqlite(element, compiler, **kw):
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


def contains_text(column, text: str):
    """Whether the column holds the text, in any case; LIKE's wildcards in the text count as plain characters."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return unicode_lower(column).like(pattern, escape="\\")


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def statements_commit_alone() -> None:
    """On PostgreSQL, let each statement of this request commit by itself (autocommit): no BEGIN and COMMIT round
    trips, for requests that read and then write at most one statement. Only before the request's first
    statement; a path that writes more calls writes_together() before its first write (lock_row does)."""
    if is_postgres() and not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def writes_together() -> None:
    """Open a transaction for the statements that follow where statements_commit_alone() let each commit alone;
    it ends with the request's commit or rollback. Elsewhere the request's transaction holds them already."""
    if not is_postgres():
        return
    from psycopg.pq import TransactionStatus  # PostgreSQL's driver, only needed where it is used

    connection = db.session.connection()
    driver = connection.connection.driver_connection
    if driver.autocommit and driver.info.transaction_status == TransactionStatus.IDLE:
        connection.exec_driver_sql("BEGIN")


def lock_row(model, row_id):
    """Lock one row for the rest of the transaction (FOR UPDATE; SQLite already holds the write lock)."""
    query = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    if is_postgres():
        writes_together()
        query = query.with_for_update()
    return db.session.execute(query).scalar_one_or_none()
