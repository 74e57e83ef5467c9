"""Escrows: per-object failures retried later with growing gaps, then given up (reference §8.1).

Entra retries a failed create/update after 6 h, 12 h, 24 h, then every 24 h, until 28 days after the first
failure, when it drops the escrow. sfprov models that as exponential backoff (base 6 h, factor 2, cap 24 h) with
jitter so that a batch of failures does not retry all at once; every number is configurable
(:class:`RetryPolicy`) because the doc says the schedule "may be different for certain connectors".
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from sfprov.state._base import IN_CHUNK, Clock, Part, chunked
from sfprov.state.records import Escrow, EscrowFailure
from sfprov.state.tables import escrow as t

MAX_MESSAGE = 2_000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to retry an escrowed object. Defaults follow Entra's documented generic schedule (§8.1)."""

    base: timedelta = timedelta(hours=6)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=24)
    jitter: float = 0.1
    """Fraction of the delay added or removed at random (0.1 = ±10 %)."""
    give_up_after: timedelta = timedelta(days=28)
    schedule: tuple[timedelta, ...] = ()
    """Explicit gaps after the 1st, 2nd, ... failure, the last one repeating; replaces base/factor/cap when set.
    E.g. ``(6h, 6h, 12h, 24h)`` reads the reference table as offsets from the first failure (6, 12, 24 h)."""
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempts: int) -> timedelta:
        """The gap after the ``attempts``-th failure (1 → base), capped, with jitter."""
        if self.schedule:
            seconds = self.schedule[min(max(attempts, 1), len(self.schedule)) - 1].total_seconds()
        else:
            seconds = min(self.base.total_seconds() * self.factor ** max(attempts - 1, 0), self.cap.total_seconds())
        if self.jitter:
            seconds *= 1 + self.rng.uniform(-self.jitter, self.jitter)
        return timedelta(seconds=seconds)


def _escrow(r: sa.Row[Any]) -> Escrow:
    return Escrow(
        r.job,
        r.source_id,
        r.action,
        r.error_code,
        r.error_message,
        r.attempts,
        r.first_failure,
        r.last_failure,
        r.next_retry,
        r.given_up,
    )


class Escrows(Part):
    """Failed objects waiting for a retry."""

    def __init__(
        self, engine: sa.Engine, clock: Clock, bound: sa.Connection | None = None, policy: RetryPolicy | None = None
    ) -> None:
        super().__init__(engine, clock, bound)
        self.policy = policy or RetryPolicy()

    def record_failures(self, job: str, failures: Iterable[EscrowFailure]) -> list[Escrow]:
        """Remember failures (one per object; a newer failure replaces the action and error of an older one).

        Attempts count up, the next retry moves out by :class:`RetryPolicy`, and an escrow older than
        ``give_up_after`` is marked ``given_up`` (kept for the report, never due again).
        """
        latest = {f.source_id: f for f in failures}
        if not latest:
            return []
        now = self._now()
        out: list[Escrow] = []
        with self._write() as conn:
            existing = self._load(conn, job, list(latest))
            for source_id, f in latest.items():
                old = existing.get(source_id)
                attempts = old.attempts + 1 if old else 1
                first = old.first_failure if old else now
                given_up = now - first >= self.policy.give_up_after
                out.append(
                    Escrow(
                        job,
                        source_id,
                        f.action,
                        f.error_code,
                        f.error_message[:MAX_MESSAGE],
                        attempts,
                        first,
                        now,
                        now + self.policy.delay(attempts),
                        given_up,
                    )
                )
            rows = [
                {
                    "job": e.job,
                    "source_id": e.source_id,
                    "action": e.action,
                    "error_code": e.error_code,
                    "error_message": e.error_message,
                    "attempts": e.attempts,
                    "first_failure": e.first_failure,
                    "last_failure": e.last_failure,
                    "next_retry": e.next_retry,
                    "given_up": e.given_up,
                }
                for e in out
            ]
            update = [c for c in rows[0] if c not in ("job", "source_id")]
            conn.execute(self._upsert(t, ("job", "source_id"), update), rows)
        return out

    def record_failure(self, job: str, failure: EscrowFailure) -> Escrow:
        return self.record_failures(job, [failure])[0]

    def get(self, job: str, source_id: str) -> Escrow | None:
        with self._read() as conn:
            return self._load(conn, job, [source_id]).get(source_id)

    def due(self, job: str, now: datetime | None = None, limit: int | None = None) -> list[Escrow]:
        """Escrows whose retry time has come, oldest due first; given-up ones never are."""
        query = (
            sa.select(t)
            .where(t.c.job == job, t.c.given_up.is_(False), t.c.next_retry <= (now or self._now()))
            .order_by(t.c.next_retry, t.c.source_id)
            .limit(limit)
        )
        with self._read() as conn:
            return [_escrow(r) for r in conn.execute(query)]

    def entries(self, job: str, *, given_up: bool | None = None) -> list[Escrow]:
        query = sa.select(t).where(t.c.job == job).order_by(t.c.first_failure, t.c.source_id)
        if given_up is not None:
            query = query.where(t.c.given_up.is_(given_up))
        with self._read() as conn:
            return [_escrow(r) for r in conn.execute(query)]

    def clear(self, job: str, source_ids: Collection[str]) -> int:
        """Drop escrows after the objects succeeded; returns how many existed."""
        cleared = 0
        with self._write() as conn:
            for batch in chunked(source_ids, IN_CHUNK):
                cleared += conn.execute(sa.delete(t).where(t.c.job == job, t.c.source_id.in_(batch))).rowcount
        return cleared

    def clear_all(self, job: str) -> int:
        """Entra's restart with ``Escrows`` (§1)."""
        with self._write() as conn:
            return conn.execute(sa.delete(t).where(t.c.job == job)).rowcount

    @staticmethod
    def _load(conn: sa.Connection, job: str, source_ids: list[str]) -> dict[str, Escrow]:
        out: dict[str, Escrow] = {}
        for batch in chunked(source_ids, IN_CHUNK):
            for r in conn.execute(sa.select(t).where(t.c.job == job, t.c.source_id.in_(batch))):
                out[r.source_id] = _escrow(r)
        return out
