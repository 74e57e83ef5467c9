"""Escrows: retry schedule of reference §8.1 (6 h, 12 h, 24 h, then daily; given up after 28 days)."""

from __future__ import annotations

import random
from datetime import timedelta

from sfprov.state import EscrowFailure, RetryPolicy, StateStore
from tests.state.conftest import FakeClock

DUP = EscrowFailure("e1", "create", "SalesforceDuplicateUserName", "Username ada@example.com is taken")


def test_first_failure_is_due_after_six_hours(store: StateStore, clock: FakeClock) -> None:
    escrow = store.escrows.record_failure("prod", DUP)
    assert escrow.attempts == 1
    assert escrow.first_failure == escrow.last_failure == clock.now
    assert escrow.next_retry == clock.now + timedelta(hours=6)
    assert not escrow.given_up
    assert store.escrows.get("prod", "e1") == escrow
    assert store.escrows.due("prod") == []
    clock.advance(hours=6)
    assert [e.source_id for e in store.escrows.due("prod")] == ["e1"]


def test_gaps_grow_to_a_day_and_the_latest_error_wins(store: StateStore, clock: FakeClock) -> None:
    gaps = []
    for attempt in range(1, 6):
        failure = EscrowFailure("e1", "update", f"Code{attempt}", f"message {attempt}")
        e = store.escrows.record_failure("prod", failure)
        gaps.append(e.next_retry - clock.now)
        assert (e.attempts, e.error_code, e.action) == (attempt, f"Code{attempt}", "update")
        clock.now = e.next_retry
    assert gaps == [timedelta(hours=h) for h in (6, 12, 24, 24, 24)]


def test_given_up_after_28_days_and_never_due_again(store: StateStore, clock: FakeClock) -> None:
    first = store.escrows.record_failure("prod", DUP)
    clock.advance(days=27, hours=23)
    assert not store.escrows.record_failure("prod", DUP).given_up
    clock.advance(hours=1)
    late = store.escrows.record_failure("prod", DUP)
    assert late.given_up
    assert late.first_failure == first.first_failure
    clock.advance(days=5)
    assert store.escrows.due("prod") == []
    assert [e.source_id for e in store.escrows.entries("prod", given_up=True)] == ["e1"]
    assert store.escrows.entries("prod", given_up=False) == []


def test_due_ordering_limit_and_job_isolation(store: StateStore, clock: FakeClock) -> None:
    store.escrows.record_failures("prod", [EscrowFailure(f"e{i}", "create", "X", "m") for i in (3, 1, 2)])
    clock.advance(minutes=1)
    store.escrows.record_failure("prod", EscrowFailure("e0", "create", "X", "m"))
    store.escrows.record_failure("sandbox", EscrowFailure("s1", "create", "X", "m"))
    clock.advance(hours=7)
    assert [e.source_id for e in store.escrows.due("prod")] == ["e1", "e2", "e3", "e0"]
    assert [e.source_id for e in store.escrows.due("prod", limit=2)] == ["e1", "e2"]
    assert [e.source_id for e in store.escrows.due("sandbox")] == ["s1"]


def test_clear_on_success_and_clear_all(store: StateStore) -> None:
    store.escrows.record_failures("prod", [EscrowFailure(f"e{i}", "create", "X", "m") for i in range(4)])
    assert store.escrows.clear("prod", ["e1", "e2", "unknown"]) == 2
    assert store.escrows.get("prod", "e1") is None
    assert [e.source_id for e in store.escrows.entries("prod")] == ["e0", "e3"]
    assert store.escrows.clear_all("prod") == 2
    assert store.escrows.record_failures("prod", []) == []


def test_long_messages_are_truncated(store: StateStore) -> None:
    e = store.escrows.record_failure("prod", EscrowFailure("e1", "create", "X", "m" * 10_000))
    assert len(e.error_message) == 2_000
    assert store.escrows.get("prod", "e1") == e


def test_jitter_stays_within_its_fraction() -> None:
    policy = RetryPolicy(jitter=0.1, rng=random.Random(7))
    delays = [policy.delay(1).total_seconds() / 3600 for _ in range(200)]
    assert all(5.4 <= d <= 6.6 for d in delays)
    assert len({round(d, 6) for d in delays}) > 100  # really spread, not one value


def test_policy_is_configurable(db_url: str, clock: FakeClock) -> None:
    policy = RetryPolicy(
        base=timedelta(minutes=40), factor=3, cap=timedelta(hours=6), jitter=0, give_up_after=timedelta(days=1)
    )
    with StateStore.open(db_url, clock=clock, retry_policy=policy) as store:
        gaps = []
        for _ in range(4):
            e = store.escrows.record_failure("prod", DUP)
            gaps.append(e.next_retry - clock.now)
            clock.now = e.next_retry
        assert gaps == [timedelta(minutes=40), timedelta(hours=2), timedelta(hours=6), timedelta(hours=6)]
        clock.advance(days=1)
        assert store.escrows.record_failure("prod", DUP).given_up


def test_explicit_schedule_reads_the_table_as_offsets_from_the_first_failure() -> None:
    h = timedelta(hours=1)
    policy = RetryPolicy(schedule=(6 * h, 6 * h, 12 * h, 24 * h), jitter=0)
    offsets, elapsed = [], timedelta(0)
    for attempt in range(1, 6):
        elapsed += policy.delay(attempt)
        offsets.append(elapsed)
    assert offsets == [6 * h, 12 * h, 24 * h, 48 * h, 72 * h]
