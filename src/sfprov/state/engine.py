"""Turning a store URL into a SQLAlchemy engine with the right settings for each backend.

SQLite is the default (one file next to the config, nothing to install); PostgreSQL is for production with
several hosts. SQLite runs in WAL mode so that a report can read while a cycle writes, and every write transaction
starts with ``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes fails at once with
``SQLITE_BUSY`` when another process wrote in between, whatever the busy timeout, which would break two engines
competing for the lease.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.pool import StaticPool

from sfprov.state.errors import StateError

READ_ONLY = "sfprov_read_only"
"""Execution option marking a connection that only reads; on SQLite it begins a deferred transaction."""

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str | Path) -> URL:
    """``path/to/state.db`` and ``sqlite:///...`` mean SQLite; ``postgresql://`` gets the psycopg 3 driver."""
    text = str(url)
    if "://" not in text:
        return URL.create("sqlite", database=str(Path(text).expanduser().resolve()))
    parsed = make_url(text)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StateError(
            f"Unsupported state store URL {parsed.render_as_string(hide_password=True)}.",
            fix="Use a SQLite file path, sqlite:///path, or postgresql+psycopg://user@host/db.",
        )
    return parsed


def safe_url(url: URL) -> str:
    """The URL for messages: never with its password."""
    return url.render_as_string(hide_password=True)


def _set_wal(cur: Any) -> None:
    """Switch to WAL. On a new file several engines starting at once race for the exclusive lock the switch needs,
    and SQLite may answer "database is locked" without waiting; a short retry settles it."""
    for attempt in range(100):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.05)


def create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {}
    if in_memory:
        # One shared connection, else each connection would see its own empty database.
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    else:
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see module docstring)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")  # first: the pragmas below may wait for locks
        if not in_memory:
            _set_wal(cur)
        cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL, much faster than FULL
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

    return engine
