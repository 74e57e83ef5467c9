"""The provisioning log: one record per action on one object (Graph ``provisioningObjectSummary``, reference
§10.1), written in batches during a cycle and queried for the CLI and the audit reports.

Modified properties never hold a secret: values of properties whose names look like secrets, or are in the store's
configured secret list, are replaced by ``[redacted]`` before they are written (the action is still logged).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from sfprov.state._base import Clock, Part, chunked
from sfprov.state.guard import looks_secret, redact_value
from sfprov.state.records import LogAction, LogEntry, LogQuery, LogStatus, ModifiedProperty, Step, StepType
from sfprov.state.tables import provisioning_log as t

APPEND_BATCH = 5_000
MAX_MESSAGE = 4_000

# Value → member tables: a dict lookup is several times cheaper than calling the enum, and a log of an initial
# cycle holds hundreds of thousands of actions, statuses and step types. Lookups by member work too (StrEnum).
_ACTIONS = {m.value: m for m in LogAction}
_STATUSES = {m.value: m for m in LogStatus}
_STEP_TYPES = {m.value: m for m in StepType}
E = TypeVar("E")


def _clip(text: str | None, length: int) -> str | None:
    """Cut to the column's length: PostgreSQL refuses longer values where SQLite would keep them."""
    return text[:length] if text else text


def _member(table: dict[str, E], value: str, what: str) -> E:
    try:
        return table[value]
    except KeyError:
        raise ValueError(f"{value!r} is not a provisioning log {what}") from None


def new_entry(
    job: str,
    action: LogAction,
    status: LogStatus,
    *,
    at: datetime,
    cycle_id: str | None = None,
    source_id: str | None = None,
    source_name: str | None = None,
    source_upn: str | None = None,
    target_id: str | None = None,
    steps: Sequence[Step] = (),
    modified: Sequence[ModifiedProperty] = (),
    error_code: str | None = None,
    error_message: str | None = None,
    duration_ms: int = 0,
) -> LogEntry:
    """A log entry with fresh ``id`` and ``change_id`` (both GUIDs, as in Graph)."""
    return LogEntry(
        id=str(uuid.uuid4()),
        change_id=str(uuid.uuid4()),
        job=job,
        cycle_id=cycle_id,
        at=at,
        source_id=source_id,
        source_name=source_name,
        source_upn=source_upn,
        target_id=target_id,
        action=LogAction(action),
        status=LogStatus(status),
        steps=tuple(steps),
        modified=tuple(modified),
        error_code=error_code,
        error_message=error_message,
        duration_ms=duration_ms,
    )


def _entry(r: sa.Row[Any]) -> LogEntry:
    return LogEntry(
        id=r.id,
        change_id=r.change_id,
        job=r.job,
        cycle_id=r.cycle_id,
        at=r.at,
        source_id=r.source_id,
        source_name=r.source_name,
        source_upn=r.source_upn,
        target_id=r.target_id,
        action=_ACTIONS[r.action],
        status=_STATUSES[r.status],
        steps=tuple(Step(_STEP_TYPES[s["type"]], _STATUSES[s["status"]], s["detail"], s["name"]) for s in r.steps),
        modified=tuple(ModifiedProperty(m["name"], m["old"], m["new"]) for m in r.modified),
        error_code=r.error_code,
        error_message=r.error_message,
        duration_ms=r.duration_ms,
    )


class ProvisioningLog(Part):
    """Append and query provisioning log entries."""

    def __init__(
        self,
        engine: sa.Engine,
        clock: Clock,
        bound: sa.Connection | None = None,
        secret_names: Iterable[str] = (),
    ) -> None:
        super().__init__(engine, clock, bound)
        self.secret_names = frozenset(n.lower() for n in secret_names)
        self._secret_cache: dict[str, bool] = {}

    def _row(self, e: LogEntry) -> dict[str, Any]:
        if e.at.tzinfo is None:
            raise ValueError(f"log entry {e.id} has a naive timestamp; use an aware UTC datetime")
        return {
            "id": e.id,
            "change_id": e.change_id,
            "job": e.job,
            "cycle_id": e.cycle_id,
            "at": e.at,
            "source_id": e.source_id,
            "source_name": _clip(e.source_name, 256),
            "source_upn": _clip(e.source_upn, 256),
            "target_id": e.target_id,
            "action": _member(_ACTIONS, e.action, "action").value,
            "status": _member(_STATUSES, e.status, "status").value,
            "steps": [
                {
                    "type": _member(_STEP_TYPES, s.type, "step type").value,
                    "status": _member(_STATUSES, s.status, "status").value,
                    "detail": s.detail,
                    "name": s.name,
                }
                for s in e.steps
            ],
            "modified": [
                {"name": m.name, "old": m.old, "new": m.new}
                if not self._is_secret(m.name)
                else {"name": m.name, "old": redact_value(m.old), "new": redact_value(m.new)}
                for m in e.modified
            ],
            "error_code": _clip(e.error_code, 100),
            "error_message": _clip(e.error_message, MAX_MESSAGE),
            "duration_ms": e.duration_ms,
        }

    def _is_secret(self, name: str) -> bool:
        """Whether a property's values must be redacted; remembered per name (a log repeats the same few)."""
        known = self._secret_cache.get(name)
        if known is None:
            known = self._secret_cache[name] = looks_secret(name) or name.lower() in self.secret_names
        return known

    def append_many(self, entries: Iterable[LogEntry]) -> int:
        """Write entries in one transaction (batched statements); returns how many."""
        written = 0
        with self._write() as conn:
            for batch in chunked(entries, APPEND_BATCH):
                conn.execute(sa.insert(t), [self._row(e) for e in batch])
                written += len(batch)
        return written

    def append(self, entry: LogEntry) -> None:
        self.append_many([entry])

    def get(self, entry_id: str) -> LogEntry | None:
        with self._read() as conn:
            row = conn.execute(sa.select(t).where(t.c.id == entry_id)).first()
        return _entry(row) if row else None

    def query(self, q: LogQuery) -> list[LogEntry]:
        """Entries matching ``q``, ordered by time (newest first by default), paged by ``limit``/``offset``."""
        stmt = sa.select(t).where(*_filters(q)).order_by(*_order(q.newest_first)).offset(q.offset).limit(q.limit)
        with self._read() as conn:
            return [_entry(r) for r in conn.execute(stmt)]

    def iterate(self, q: LogQuery, batch_size: int = 1_000) -> Iterator[LogEntry]:
        """All entries matching ``q`` (``limit``/``offset`` ignored) in time order, fetched page by page.

        Keyset pagination on (time, id) keeps every page as cheap as the first, even for millions of entries, and
        holds no transaction open between pages.
        """
        last: tuple[datetime, str] | None = None
        while True:
            stmt = sa.select(t).where(*_filters(q))
            if last is not None:
                # a row-value comparison, which both SQLite and PostgreSQL turn into an index range scan
                key = sa.tuple_(t.c.at, t.c.id)
                bound = sa.tuple_(sa.literal(last[0], t.c.at.type), sa.literal(last[1], t.c.id.type))
                stmt = stmt.where(key < bound if q.newest_first else key > bound)
            stmt = stmt.order_by(*_order(q.newest_first)).limit(batch_size)
            with self._read() as conn:
                page = [_entry(r) for r in conn.execute(stmt)]
            yield from page
            if len(page) < batch_size:
                return
            last = (page[-1].at, page[-1].id)

    def count(self, q: LogQuery) -> int:
        stmt = sa.select(sa.func.count()).select_from(t).where(*_filters(q))
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def counts(self, cycle_id: str) -> dict[tuple[LogAction, LogStatus], int]:
        """Number of entries per (action, status) in one cycle: the cycle summary of the portal."""
        stmt = (
            sa.select(t.c.action, t.c.status, sa.func.count())
            .where(t.c.cycle_id == cycle_id)
            .group_by(t.c.action, t.c.status)
        )
        with self._read() as conn:
            return {(LogAction(a), LogStatus(s)): int(n) for a, s, n in conn.execute(stmt)}

    def purge(self, before: datetime, job: str | None = None) -> int:
        """Delete entries older than ``before`` (Entra keeps 30 days with P1/P2, 7 without; §10.1)."""
        stmt = sa.delete(t).where(t.c.at < before)
        if job is not None:
            stmt = stmt.where(t.c.job == job)
        with self._write() as conn:
            return conn.execute(stmt).rowcount


def _order(newest_first: bool) -> list[sa.UnaryExpression[Any]]:
    """Time order with the id as tie-breaker, so pages never overlap or skip entries of the same instant."""
    if newest_first:
        return [t.c.at.desc(), t.c.id.desc()]
    return [t.c.at.asc(), t.c.id.asc()]


def _filters(q: LogQuery) -> list[sa.ColumnElement[bool]]:
    out: list[sa.ColumnElement[bool]] = []
    if q.job is not None:
        out.append(t.c.job == q.job)
    if q.cycle_id is not None:
        out.append(t.c.cycle_id == q.cycle_id)
    if q.actions is not None:
        out.append(t.c.action.in_([LogAction(a).value for a in q.actions]))
    if q.statuses is not None:
        out.append(t.c.status.in_([LogStatus(s).value for s in q.statuses]))
    if q.since is not None:
        out.append(t.c.at >= q.since)
    if q.until is not None:
        out.append(t.c.at < q.until)
    if q.user:
        needle = q.user.lower()
        out.append(
            sa.or_(
                t.c.source_id == q.user,
                t.c.target_id == q.user,
                sa.func.lower(t.c.source_upn).contains(needle, autoescape=True),
                sa.func.lower(t.c.source_name).contains(needle, autoescape=True),
            )
        )
    return out
