"""Bringing a store's schema to the version of this sfprov, programmatically with Alembic.

Run at :meth:`StateStore.open` by default, so upgrading sfprov upgrades its store. A store written by a *newer*
sfprov is refused with both revisions named: running old code on a newer schema could silently drop data the
newer code relies on.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from sfprov.state.engine import READ_ONLY
from sfprov.state.errors import SchemaVersionError, StateError
from sfprov.state.tables import VERSION_TABLE

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x5F5052_4F56  # any constant: serialises concurrent migrations of one PostgreSQL database


def _config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head_revision() -> str:
    """The newest schema revision this code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def current_revision(connection: sa.Connection) -> str | None:
    """The revision recorded in the database; ``None`` for an empty (never migrated) database.

    Read directly rather than through Alembic's ``MigrationContext``, which logs two INFO lines each time: a store
    that is already current opens silently, and only a real upgrade shows in the log.
    """
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    table = sa.table(VERSION_TABLE, sa.column("version_num"))
    return connection.execute(sa.select(table.c.version_num)).scalar()


@contextmanager
def _reachable(where: str) -> Iterator[None]:
    """Turn "cannot connect" into a :class:`StateError` with a fix; libpq and SQLite messages hold no password."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise StateError(
            f"Cannot open the state store {where}: {reason}",
            fix="Check that the database server runs and that the URL, user and database are right.",
        ) from None


def _refuse_unknown(current: str | None, where: str) -> None:
    if current is None:
        return
    try:
        ScriptDirectory.from_config(_config()).get_revision(current)
    except CommandError:
        raise SchemaVersionError(
            f"The state store {where} is at schema revision {current}, which this sfprov does not know "
            f"(its newest is {head_revision()}): it was written by a newer sfprov.",
            fix="Upgrade sfprov to the version that wrote this store, or point the job at another store.",
        ) from None


def upgrade(engine: sa.Engine, where: str) -> None:
    """Migrate to head; idempotent. ``where`` names the store (password hidden) in errors.

    Concurrent callers are serialised *before* Alembic runs: by an advisory lock on PostgreSQL, by ``BEGIN
    IMMEDIATE`` on SQLite. Besides the tables being created twice, Alembic keeps global state, and two migrations
    interleaved in one process deadlock (seen in testing without the lock).
    """
    with _reachable(where), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        current = current_revision(conn)
        _refuse_unknown(current, where)
        if current != head_revision():
            command.upgrade(_config(conn), "head")


def require_head(engine: sa.Engine, where: str) -> None:
    """For stores opened without migrating: refuse to work on a schema that is not exactly ours."""
    with _reachable(where), engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        current = current_revision(conn)
    _refuse_unknown(current, where)
    if current != head_revision():
        raise SchemaVersionError(
            f"The state store {where} is at schema revision {current or 'none (empty)'}, "
            f"this sfprov needs {head_revision()}.",
            fix="Open the store with migrations enabled (the default) to upgrade it.",
        )
