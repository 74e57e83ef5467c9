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
