"""One acting engine per job: a lease row with an owner and an expiry, renewed by heartbeat.

Two engines pointed at the same store for the same job must not both write to Salesforce. The lease is taken with
one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` statement that only overwrites a lease that is ours or expired;
both SQLite (writers serialised, ``BEGIN IMMEDIATE``) and PostgreSQL (row lock, re-check of the ``WHERE`` after
waiting) make that atomic, so the same code is correct on both. An engine that crashes stops renewing; once its
lease expires another engine takes over. Expiry is judged by the caller's clock, so hosts sharing a PostgreSQL
store need synchronised clocks (NTP) and a TTL well above their skew.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from sfprov.errors import StopCycle
from sfprov.state._base import Part
from sfprov.state.errors import LeaseHeld
from sfprov.state.records import Lease
from sfprov.state.tables import lease as t


def default_owner() -> str:
    """An owner id that names the host and process (for the admin) and is unique per run (for the lease)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseHold:
    """A held lease kept alive by a background heartbeat; :meth:`check` stops the cycle once it is lost."""

    def __init__(self, leases: Leases, job: str, owner: str, ttl: timedelta, interval: timedelta) -> None:
        self.job, self.owner = job, owner
        self._leases, self._ttl, self._interval = leases, ttl, interval
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"sfprov-lease-{job}", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self._interval.total_seconds()):
            try:
                renewed = self._leases.renew(self.job, self.owner, self._ttl)
            except Exception:  # the store is unreachable: we cannot prove the lease is still ours
                renewed = False
            if not renewed:
                self.lost.set()
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the heartbeat (the lease itself is released by :meth:`Leases.hold`)."""
        self._stop.set()
        self._thread.join()

    def check(self) -> None:
        """Call before each batch of writes: raises :class:`StopCycle` when another engine may have the job."""
        if self.lost.is_set():
            raise StopCycle(
                f"Lost the lease of job {self.job}: another engine may run it now, so this cycle stops writing.",
                fix="Check that only one sfprov runs each job and that the store is reachable.",
            )


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

    @contextmanager
    def hold(self, job: str, owner: str, ttl: timedelta, interval: timedelta | None = None) -> Iterator[LeaseHold]:
        """Acquire the job's lease, renew it every ``interval`` (default a third of ``ttl``) and release it at the
        end. Raises :class:`LeaseHeld` naming the holder when another engine has the job."""
        if not self.acquire(job, owner, ttl):
            holder = self.holder(job)
            who = f"{holder.owner} until {holder.expires_at:%Y-%m-%d %H:%M:%S} UTC" if holder else "another engine"
            raise LeaseHeld(
                f"Job {job} is being run by {who}.",
                fix="Wait for that run to finish; if its host died, the lease expires by itself.",
            )
        keeper = LeaseHold(self, job, owner, ttl, interval or ttl / 3)
        keeper.start()
        try:
            yield keeper
        finally:
            keeper.stop()
            if not keeper.lost.is_set():
                self.release(job, owner)
