"""Quarantine of a job (reference §8.2): consecutive failed cycles, since when, why, and when it may run again.

The engine decides *when* to quarantine (escrow thresholds, ``TooManyDeletes`` from the deletion threshold of §7.3,
bad credentials) and how far to back off; the store only remembers it across runs, per job.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sfprov.state._base import Part
from sfprov.state.records import QuarantineReason, QuarantineState
from sfprov.state.tables import quarantine as t

_UPDATE = ("consecutive_failures", "quarantined_since", "next_allowed_run", "reason", "detail", "updated_at")


class Quarantines(Part):
    """Per-job quarantine state; a job never seen is healthy."""

    def get(self, job: str) -> QuarantineState:
        with self._read() as conn:
            return self._get(conn, job)

    def record_failed_cycle(self, job: str) -> QuarantineState:
        """Count one more consecutive failed cycle (what Graph calls ``countSuccessiveCompleteFailures``)."""
        with self._write() as conn:
            state = self._get(conn, job)
            new = replace(state, consecutive_failures=state.consecutive_failures + 1)
            self._put(conn, new)
        return new

    def enter(
        self, job: str, reason: QuarantineReason, *, next_allowed_run: datetime, detail: str | None = None
    ) -> QuarantineState:
        """Put the job in quarantine, or update reason and next run; ``quarantined_since`` keeps its first value."""
        with self._write() as conn:
            state = self._get(conn, job)
            new = replace(
                state,
                quarantined_since=state.quarantined_since or self._now(),
                next_allowed_run=next_allowed_run,
                reason=QuarantineReason(reason),
                detail=detail,
            )
            self._put(conn, new)
        return new

    def clear(self, job: str) -> QuarantineState:
        """A successful cycle (or an admin restart with ``QuarantineState``) ends quarantine and the failure series."""
        new = QuarantineState(job)
        with self._write() as conn:
            self._put(conn, new)
        return new

    @staticmethod
    def _get(conn: sa.Connection, job: str) -> QuarantineState:
        r: sa.Row[Any] | None = conn.execute(sa.select(t).where(t.c.job == job)).first()
        if r is None:
            return QuarantineState(job)
        reason = QuarantineReason(r.reason) if r.reason else None
        return QuarantineState(job, r.consecutive_failures, r.quarantined_since, r.next_allowed_run, reason, r.detail)

    def _put(self, conn: sa.Connection, s: QuarantineState) -> None:
        row = {
            "job": s.job,
            "consecutive_failures": s.consecutive_failures,
            "quarantined_since": s.quarantined_since,
            "next_allowed_run": s.next_allowed_run,
            "reason": s.reason.value if s.reason else None,
            "detail": s.detail,
            "updated_at": self._now(),
        }
        conn.execute(self._upsert(t, ("job",), _UPDATE), [row])
