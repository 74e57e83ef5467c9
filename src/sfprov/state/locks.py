"""One acting engine per job: a lease row with an owner and an expiry, renewed by heartbeat.

Two engines pointed at the same store for the same job must not both write to Salesforce. The lease is taken with
one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` statement that only overwrites a lease that is ours or expired;
both SQLite (writers serialised, ``BEGIN IMMEDIATE``) and PostgreSQL (row lock, re-check of the ``WHERE`` after
waiting) make that atomic, so the same code is correct on both. An engine that crashes stops renewing; once its
lease expires another engine takes over. Expiry is judged by the caller's clock, so hosts sharing a PostgreSQL
store need synchronised clocks (NTP) and a TTL well above their skew.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from sfprov.state._base import Part
from sfprov.state.records import Lease
from sfprov.state.tables import lease as t


class Leases(Part):
    """Per-job leases."""

    def acquire(self, job: str, owner: str, ttl: timedelta) -> bool:
        """Take the job's lease if it is free, expired or already ours; True when ``owner`` holds it afterwards."""
        now = self._now()
        free_or_ours = sa.or_(t.c.owner == owner, t.c.expires_at <= now)
        stmt = self._upsert(t, ("job",), ("owner", "acquired_at", "expires_at"), where=free_or_ours)
        with self._write() as conn:
            conn.execute(stmt, [{"job": job, "owner": owner, "acquired_at": now, "expires_at": now + ttl}])
            holder = conn.execute(sa.select(t.c.owner).where(t.c.job == job)).scalar_one()
        return bool(holder == owner)

    def renew(self, job: str, owner: str, ttl: timedelta) -> bool:
        """Heartbeat: extend our lease. False when another engine took it over (we must stop writing)."""
        with self._write() as conn:
            result = conn.execute(
                sa.update(t).where(t.c.job == job, t.c.owner == owner).values(expires_at=self._now() + ttl)
            )
        return bool(result.rowcount == 1)

    def release(self, job: str, owner: str) -> bool:
        """Give the lease up at a clean stop so the next engine need not wait for expiry."""
        with self._write() as conn:
            result = conn.execute(sa.delete(t).where(t.c.job == job, t.c.owner == owner))
        return bool(result.rowcount == 1)

    def holder(self, job: str) -> Lease | None:
        """The current lease, expired or not (compare ``expires_at`` with now to tell)."""
        with self._read() as conn:
            r = conn.execute(sa.select(t).where(t.c.job == job)).first()
        return Lease(r.job, r.owner, r.acquired_at, r.expires_at) if r else None
