"""What every part of the store shares: the engine, the clock, and one-transaction binding.

Each part (links, escrows, ...) runs its own short transaction, unless it was created by
:meth:`sfprov.state.store.StateStore.transaction`, in which case all parts write on that one connection and commit
together: that is how a cycle's outcome and its new watermark become durable at the same instant (reference §2.2:
the watermark is stored only once the cycle's writes are done).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from sfprov.state.engine import READ_ONLY

Clock = Callable[[], datetime]
T = TypeVar("T")

IN_CHUNK = 5_000
"""Ids per ``IN (...)`` list: below SQLite's 32,766 variable limit and PostgreSQL's 65,535 parameters."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class Part:
    """Base of the store's parts; not for use on its own."""

    def __init__(self, engine: sa.Engine, clock: Clock, bound: sa.Connection | None = None) -> None:
        self._engine = engine
        self._clock = clock
        self._bound = bound

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the store's clock must return aware UTC datetimes")
        return now.astimezone(UTC)

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        if self._bound is not None:
            yield self._bound
            return
        with self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        if self._bound is not None:
            yield self._bound
            return
        with self._engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            yield conn

    def _upsert(
        self,
        table: sa.Table,
        keys: Sequence[str],
        update: Sequence[str],
        where: sa.ColumnElement[bool] | None = None,
    ) -> Any:
        """``INSERT ... ON CONFLICT (keys) DO UPDATE SET col = excluded.col [WHERE ...]`` on both backends."""
        dialect = self._engine.dialect.name
        stmt: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        return stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in keys], set_={c: stmt.excluded[c] for c in update}, where=where
        )

    def _bulk_upsert(
        self,
        conn: sa.Connection,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        keys: Sequence[str],
        update: Sequence[str],
    ) -> None:
        """Upsert many rows (unique on ``keys``) as fast as the backend allows.

        Values must be what the driver takes as they are (str, int, None, and timestamps already converted by
        :class:`UTCDateTime` for the dialect): SQLAlchemy's per-value processing is skipped, which halves the
        time of a 100,000-link write. PostgreSQL gets the rows by ``COPY`` into a temporary table and one
        ``INSERT ... SELECT ... ON CONFLICT``, two to three times faster than a pipelined ``executemany``;
        SQLite, in-process, gets the driver's ``executemany``.
        """
        if not rows:
            return
        if conn.dialect.name == "postgresql":
            self._copy_upsert(conn, table, rows, keys, update)
            return
        compiled = self._upsert(table, keys, update).compile(dialect=conn.dialect)
        order = compiled.positiontup or []
        conn.exec_driver_sql(str(compiled), [tuple(row[k] for k in order) for row in rows])

    def _copy_upsert(
        self,
        conn: sa.Connection,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        keys: Sequence[str],
        update: Sequence[str],
    ) -> None:
        cols = list(rows[0])
        staging = f"sfprov_in_{table.name}"
        quoted = ", ".join(f'"{c}"' for c in cols)
        # ON COMMIT DROP: gone with the transaction; emptied first in case this transaction already used it.
        conn.exec_driver_sql(f'CREATE TEMP TABLE IF NOT EXISTS "{staging}" (LIKE "{table.name}") ON COMMIT DROP')
        conn.execute(sa.delete(sa.table(staging)))
        driver: Any = conn.connection.driver_connection  # psycopg 3; SQLAlchemy does not expose COPY
        with driver.cursor() as cursor, cursor.copy(f'COPY "{staging}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in cols))
        source: Any = sa.select(*[sa.column(c) for c in cols]).select_from(sa.table(staging))
        stmt = postgresql.insert(table).from_select(cols, source)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[table.c[k] for k in keys], set_={c: stmt.excluded[c] for c in update}
            )
        )
