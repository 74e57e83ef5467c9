"""Cycles: one row per run of a job (reference §2), with its outcome, counts and API calls used.

A cycle is written ``running`` when it starts, so that a crash leaves a trace: the next engine that takes the job's
lease finds it and closes it as ``interrupted`` (:meth:`Cycles.close_interrupted`). Finishing a cycle stores the
new watermarks in the same transaction (§2.2 step 10), so the next cycle never starts from a watermark whose
changes were not applied.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from sfprov.state._base import Part
from sfprov.state.errors import StateError
from sfprov.state.records import Cycle, CycleKind, CycleStatus
from sfprov.state.tables import cycle as t
from sfprov.state.tables import lease as lease_t
from sfprov.state.watermarks import Watermarks

INTERRUPTED_MESSAGE = "The engine running this cycle stopped without closing it (crash or kill); its lease expired."


def _cycle(r: sa.Row[Any]) -> Cycle:
    return Cycle(
        r.id,
        r.job,
        CycleKind(r.kind),
        CycleStatus(r.status),
        r.owner,
        r.started_at,
        r.finished_at,
        dict(r.counts),
        r.error_message,
        r.api_calls,
    )


class Cycles(Part):
    """The history of each job's cycles."""

    def start(self, job: str, kind: CycleKind, owner: str, cycle_id: str | None = None) -> Cycle:
        """Record a cycle as running; ``owner`` is the lease owner, used to detect crashed cycles later."""
        cycle = Cycle(
            id=cycle_id or str(uuid.uuid4()),
            job=job,
            kind=CycleKind(kind),
            status=CycleStatus.RUNNING,
            owner=owner,
            started_at=self._now(),
            finished_at=None,
            counts={},
            error_message=None,
            api_calls=0,
        )
        with self._write() as conn:
            conn.execute(
                sa.insert(t).values(
                    id=cycle.id,
                    job=job,
                    kind=cycle.kind.value,
                    status=cycle.status.value,
                    owner=owner,
                    started_at=cycle.started_at,
                    finished_at=None,
                    counts={},
                    error_message=None,
                    api_calls=0,
                )
            )
        return cycle

    def progress(self, cycle_id: str, *, counts: Mapping[str, int], api_calls: int) -> None:
        """Record the counts and API calls so far of a running cycle, so a crash still shows what it used."""
        with self._write() as conn:
            conn.execute(
                sa.update(t)
                .where(t.c.id == cycle_id, t.c.status == CycleStatus.RUNNING.value)
                .values(counts=dict(counts), api_calls=api_calls)
            )

    def finish(
        self,
        cycle_id: str,
        status: CycleStatus,
        *,
        counts: Mapping[str, int] | None = None,
        error_message: str | None = None,
        api_calls: int = 0,
        watermarks: Mapping[str, str] | None = None,
    ) -> Cycle:
        """Close a running cycle and, in the same transaction, save the streams' new delta links."""
        if CycleStatus(status) is CycleStatus.RUNNING:
            raise ValueError("finish() needs a final status, not running")
        with self._write() as conn:
            row = conn.execute(sa.select(t.c.job, t.c.status).where(t.c.id == cycle_id)).first()
            if row is None:
                raise StateError(f"No cycle {cycle_id} in the state store.")
            if row.status != CycleStatus.RUNNING.value:
                raise StateError(f"Cycle {cycle_id} is already closed as {row.status}; it cannot be finished again.")
            conn.execute(
                sa.update(t)
                .where(t.c.id == cycle_id)
                .values(
                    status=CycleStatus(status).value,
                    finished_at=self._now(),
                    counts=dict(counts or {}),
                    error_message=error_message,
                    api_calls=api_calls,
                )
            )
            if watermarks:
                Watermarks(self._engine, self._clock, conn).save_many(row.job, watermarks)
        found = self.get(cycle_id)
        assert found is not None
        return found

    def get(self, cycle_id: str) -> Cycle | None:
        with self._read() as conn:
            row = conn.execute(sa.select(t).where(t.c.id == cycle_id)).first()
        return _cycle(row) if row else None

    def recent(
        self, job: str, *, limit: int = 20, kind: CycleKind | None = None, status: CycleStatus | None = None
    ) -> list[Cycle]:
        """The job's cycles, newest first."""
        query = sa.select(t).where(t.c.job == job).order_by(t.c.started_at.desc(), t.c.id).limit(limit)
        if kind is not None:
            query = query.where(t.c.kind == CycleKind(kind).value)
        if status is not None:
            query = query.where(t.c.status == CycleStatus(status).value)
        with self._read() as conn:
            return [_cycle(r) for r in conn.execute(query)]

    def latest(self, job: str, *, status: CycleStatus | None = None) -> Cycle | None:
        found = self.recent(job, limit=1, status=status)
        return found[0] if found else None

    def close_interrupted(self, job: str, owner: str) -> list[Cycle]:
        """Close as ``interrupted`` the job's running cycles of other owners, if ``owner`` holds the job's lease.

        Holding the lease proves no other engine works on the job, so any cycle still ``running`` under another
        owner belongs to an engine that died. Without the lease nothing is closed (the other engine may be alive).
        """
        now = self._now()
        with self._write() as conn:
            holder = conn.execute(sa.select(lease_t.c.owner, lease_t.c.expires_at).where(lease_t.c.job == job)).first()
            if holder is None or holder.owner != owner or holder.expires_at <= now:
                return []
            stale = sa.and_(t.c.job == job, t.c.status == CycleStatus.RUNNING.value, t.c.owner != owner)
            ids = [r.id for r in conn.execute(sa.select(t.c.id).where(stale))]
            if ids:
                conn.execute(
                    sa.update(t)
                    .where(t.c.id.in_(ids))
                    .values(status=CycleStatus.INTERRUPTED.value, finished_at=now, error_message=INTERRUPTED_MESSAGE)
                )
        return [c for c in (self.get(i) for i in ids) if c is not None]
