"""The migrations: the schema they make is what the models declare, and they go down to nothing and up again."""
import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.schema import CreateIndex

from tracker import create_app
from tracker.extensions import db

from .conftest import POSTGRES_URL, Backend, base_config

# SQLite cannot reflect expression indexes, so SQLAlchemy and alembic skip them there with a warning;
# `_sqlite_expression_indexes` compares them instead. PostgreSQL reflects them and alembic compares them.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index"),
]


def _differences(connection) -> list:
    """What autogenerate would change to make the database match the models (nothing when they agree)."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def _expression_indexes() -> list[sa.Index]:
    return [index for table in db.metadata.tables.values() for index in table.indexes
            if any(not isinstance(expression, sa.Column) for expression in index.expressions)]


def _sqlite_expression_indexes(connection) -> tuple[dict, dict]:
    """The expression indexes as the models declare them and as the SQLite database holds them (their SQL)."""
    def normal(sql: str) -> str:
        return re.sub(r"\s*([(),])\s*", r"\1", re.sub(r"\s+", " ", sql)).strip()

    declared = {index.name: normal(str(CreateIndex(index).compile(dialect=connection.dialect)))
                for index in _expression_indexes()}
    held = {name: normal(sql) for name, sql in connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    return declared, {name: held.get(name) for name in declared}


def _schema(connection) -> dict:
    """Every table with its columns, constraints and indexes, and every trigger and trigger function."""
    inspector = sa.inspect(connection)

    def constraints(table: str) -> list:
        found = [inspector.get_pk_constraint(table), *inspector.get_foreign_keys(table),
                 *inspector.get_unique_constraints(table), *inspector.get_check_constraints(table)]
        return sorted(map(repr, found))

    schema = {table: (inspector.get_columns(table), constraints(table)) for table in inspector.get_table_names()}
    if connection.dialect.name == "sqlite":  # (SQLite's SQL of a table copied by a batch operation varies)
        code = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
    else:
        code = ("SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT tgisinternal UNION ALL "
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' UNION ALL "
                "SELECT proname, prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace")
    return {"tables": repr(schema), "indexes and triggers": sorted(connection.exec_driver_sql(code).all())}


def test_models_and_migrations_agree(app):
    """The migrated schema is what the models declare (autogenerate finds nothing to do), expression indexes too."""
    with app.app_context(), db.engine.connect() as connection:
        assert _differences(connection) == []
        if connection.dialect.name == "sqlite":
            declared, held = _sqlite_expression_indexes(connection)
            assert declared and held == declared


def test_a_missing_expression_index_is_found(app):
    """The check above sees expression indexes: one dropped from the database is reported on either database."""
    with app.app_context(), db.engine.connect() as connection:
        with connection.begin() as transaction:
            connection.exec_driver_sql("DROP INDEX uq_users_email_lower")
            if connection.dialect.name == "sqlite":
                declared, held = _sqlite_expression_indexes(connection)
                assert held["uq_users_email_lower"] is None and declared["uq_users_email_lower"]
            else:
                added = [diff[1].name for diff in _differences(connection) if diff[0] == "add_index"]
                assert added == ["uq_users_email_lower"]
            transaction.rollback()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_downgrade_to_base_and_upgrade_again(kind, tmp_path):
    """Every downgrade undoes its upgrade: down to an empty database, then up again to the same schema."""
    if kind == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set TRACKER_TEST_POSTGRES_URL (make test does when a server answers)")
    database = Backend(kind, tmp_path)  # made and migrated to the head
    url = database.url if kind == "postgresql" else f"sqlite:///{database.template}"
    app = create_app(base_config(url, tmp_path))
    try:
        with app.app_context():
            with db.engine.connect() as connection:
                migrated = _schema(connection)
            downgrade(revision="base")
            with db.engine.connect() as connection:
                assert sa.inspect(connection).get_table_names() == ["alembic_version"]
                assert _schema(connection) != migrated and "counters" not in repr(_schema(connection))
            upgrade()
            with db.engine.connect() as connection:
                assert _schema(connection) == migrated
                assert _differences(connection) == []
            db.engine.dispose()
    finally:
        database.drop()
