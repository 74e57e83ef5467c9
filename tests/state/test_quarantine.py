"""Quarantine state per job (reference §8.2)."""

from __future__ import annotations

from datetime import timedelta

from sfprov.state import QuarantineReason, StateStore
from tests.state.conftest import FakeClock


def test_unknown_job_is_healthy(store: StateStore) -> None:
    state = store.quarantine.get("prod")
    assert not state.quarantined
    assert state.consecutive_failures == 0


def test_failures_count_then_quarantine_then_clear(store: StateStore, clock: FakeClock) -> None:
    assert store.quarantine.record_failed_cycle("prod").consecutive_failures == 1
    assert store.quarantine.record_failed_cycle("prod").consecutive_failures == 2
    began = clock.now
    next_run = clock.now + timedelta(hours=1)
    q = store.quarantine.enter("prod", QuarantineReason.QUARANTINE_EXCEPTION, next_allowed_run=next_run, detail="bad")
    assert q.quarantined
    assert q.quarantined_since == began
    clock.advance(hours=1)
    q2 = store.quarantine.enter(
        "prod", QuarantineReason.TOO_MANY_DELETES, next_allowed_run=clock.now + timedelta(days=1)
    )
    assert q2.quarantined_since == began  # the series began at the first quarantine
    assert q2.reason is QuarantineReason.TOO_MANY_DELETES
    assert store.quarantine.get("prod") == q2
    assert store.quarantine.get("sandbox").consecutive_failures == 0
    cleared = store.quarantine.clear("prod")
    assert not cleared.quarantined
    assert store.quarantine.get("prod") == cleared
