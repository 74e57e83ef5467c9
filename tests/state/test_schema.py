"""Opening a store, migrating it, and refusing schemas that are not ours (both backends)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sfprov.state import SchemaVersionError, StateError, StateStore
from sfprov.state.schema import head_revision
from sfprov.state.tables import VERSION_TABLE, metadata


def test_migrate_on_empty_database_matches_metadata(empty_url: str) -> None:
    with StateStore.open(empty_url) as store:
        assert store.schema_revision() == head_revision()
        with store.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "version_table": VERSION_TABLE})
            diff = compare_metadata(ctx, metadata)
            tables = set(sa.inspect(conn).get_table_names())
    assert diff == []
    assert tables == {t.name for t in metadata.sorted_tables} | {VERSION_TABLE}


def test_migrate_is_idempotent(empty_url: str) -> None:
    with StateStore.open(empty_url) as store:
        store.migrate()
        store.migrate()
        assert store.schema_revision() == head_revision()
    with StateStore.open(empty_url) as again:
        assert again.schema_revision() == head_revision()


def test_newer_schema_is_refused_naming_both_revisions(empty_url: str) -> None:
    StateStore.open(empty_url).close()
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE sfprov_schema_version SET version_num = '9999'"))
    engine.dispose()
    for migrate in (True, False):
        with pytest.raises(SchemaVersionError) as err:
            StateStore.open(empty_url, migrate=migrate)
        assert "9999" in str(err.value)
        assert head_revision() in str(err.value)
        assert "newer sfprov" in str(err.value)


def test_open_without_migrating_refuses_an_empty_database(empty_url: str) -> None:
    with pytest.raises(SchemaVersionError, match="none \\(empty\\)"):
        StateStore.open(empty_url, migrate=False)


def test_plain_path_means_sqlite_in_wal_mode(tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "sub" / "state.db") as store:
        assert store.url.startswith("sqlite:///")
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "sub" / "state.db").exists()


def test_in_memory_sqlite_works_for_throwaway_runs() -> None:
    with StateStore.open("sqlite://") as store:
        assert store.schema_revision() == head_revision()


def test_unsupported_url_is_refused_without_its_password() -> None:
    with pytest.raises(StateError) as err:
        StateStore.open("mysql://admin:hunter2@db/sfprov")
    assert "hunter2" not in str(err.value)
    assert "Unsupported state store URL" in str(err.value)


def test_postgres_url_without_driver_gets_psycopg() -> None:
    from sfprov.state.engine import normalise_url

    assert normalise_url("postgresql://u:pw@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"


def test_unreachable_postgres_is_a_clear_error_without_password() -> None:
    with pytest.raises(StateError) as err:
        StateStore.open("postgresql+psycopg://sfprov:hunter2@127.0.0.1:1/state")
    assert "Cannot open the state store postgresql+psycopg://sfprov:***@127.0.0.1:1/state" in str(err.value)
    assert "hunter2" not in str(err.value)
    assert err.value.fix


def test_unopenable_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "state.db").mkdir()  # a directory where the database file should be
    with pytest.raises(StateError, match="Cannot open the state store sqlite:///"):
        StateStore.open(tmp_path / "state.db")


def test_a_naive_clock_is_refused(db_url: str) -> None:
    from datetime import datetime

    from sfprov.state import LinkWrite

    with StateStore.open(db_url, clock=datetime.now) as store, pytest.raises(ValueError, match="aware UTC"):
        store.links.upsert_many("prod", [LinkWrite("e1", "005A", {})])


def test_engines_starting_together_migrate_once(empty_url: str) -> None:
    """Two hosts started at the same time must not both create the tables (advisory lock / BEGIN IMMEDIATE)."""
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_store() -> None:
        barrier.wait()
        try:
            StateStore.open(empty_url).close()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with StateStore.open(empty_url, migrate=False) as store:
        assert store.schema_revision() == head_revision()
