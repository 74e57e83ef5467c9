"""Issue 10 §2: cycles complete correctly under injected faults.

Oracle: a healthy run of the same tenant (same emulator seeds, no faults) gives the expected org; a faulted run, once
its escrows are retried, must end with exactly the same accounts (one per user, same mapped values, same profile).

Faults modelled by the emulators (references ``salesforce.md`` §8.4, §8.5, §12, §14.9; ``entra-graph.md`` §6, §10.1):
Salesforce ``503``, ``UNABLE_TO_LOCK_ROW`` per record, dropped connections, expired sessions, the daily API allowance;
Graph ``429`` with ``Retry-After``, expired delta tokens and synchronization resets.

Escrow retries are 6 h, 12 h, 24 h apart (reference ``entra-provisioning-service.md`` §8.1, ``state.RetryPolicy``):
the tests move the state store's clock forward instead of waiting, so "a later cycle" is the same code path a day
later.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sfprov.engine.cycle import CycleOptions, CycleReport, Engine
from sfprov.state import CycleKind, CycleStatus, LogQuery, LogStatus
from sfprov.targets.salesforce.users import SalesforceUsers

from .fixtures_faults import BULK_USERS, LONG, FaultWorld, build_world, fast_salesforce_retries, fault_world

__all__ = ["fault_world"]

FAULT_RATE = 0.1
RETRY_AFTER = 0.15
"""Seconds in the emulator's 429 ``Retry-After`` (Graph may send decimals, entra-graph.md §10.1)."""
ALLOWANCE_USERS = 1000
"""Two slices of creates (800, then 200), so the allowance can run out between them."""
MAX_RETRY_CYCLES = 8
DAY = timedelta(hours=25)
"""More than the longest escrow gap (24 h + 10 % jitter): every escrow is due after one such step."""

FIGURES: Counter[str] = Counter()
"""Faults injected and recovered over the module (printed at its end with ``pytest -s``; reliability-faults.md)."""


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The org after two healthy cycles of the bulk tenant: what every faulted run must converge to."""
    monkeypatch = pytest.MonkeyPatch()
    world = build_world(tmp_path_factory.mktemp("healthy"), monkeypatch, bulk=BULK_USERS)
    try:
        first = world.cycle()
        assert first.status is CycleStatus.SUCCEEDED, first.error
        assert world.cycle().status is CycleStatus.SUCCEEDED
        return world.accounts()
    finally:
        world.store.close()
        world.running.stop()
        monkeypatch.undo()


@pytest.fixture(scope="module", autouse=True)
def _print_figures() -> Iterator[None]:
    yield
    print("\nfault figures:", dict(sorted(FIGURES.items())))


def count_injected(world: FaultWorld, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Spy on the Salesforce emulator's fault draws: how many 503s, lock-row failures and drops it injected."""
    faults = world.salesforce.runtime.faults
    counts: Counter[str] = Counter()
    for name, key in (("should_503", "sf_503"), ("should_lock_row", "sf_lock_row"), ("should_drop", "sf_drop")):
        original = getattr(faults, name)

        def spy(original: Any = original, key: str = key) -> bool:
            hit = bool(original())
            counts[key] += hit
            return hit

        monkeypatch.setattr(faults, name, spy)
    return counts


def faulted_cycle(world: FaultWorld) -> CycleReport:
    """One cycle under Salesforce faults; a cycle that failed at login is run again (and counted).

    The connector does not retry a login whose connection dropped or that got a 503 (see
    ``test_a_dropped_login_connection_is_retried``, xfail): such a cycle fails loudly, writes nothing, and the next
    one catches up. ``ignore_quarantine`` is what a manual ``sfprov sync`` does.
    """
    for _ in range(5):
        report = world.cycle(ignore_quarantine=True)
        if report.status is CycleStatus.FAILED and (report.error or "").startswith(
            ("Salesforce login:", "Salesforce login answered")
        ):
            assert report.result is None
            FIGURES["sf_cycles_failed_at_login_then_rerun"] += 1
            continue
        return report
    raise AssertionError("five cycles in a row failed at login")


def converge(world: FaultWorld) -> list[CycleReport]:
    """Run cycles a day apart until no escrow is left; each must succeed or be partial, never fail."""
    reports: list[CycleReport] = []
    for _ in range(MAX_RETRY_CYCLES):
        if not world.store.escrows.entries("production"):
            return reports
        world.clock.advance(DAY)
        report = faulted_cycle(world)
        assert report.status in (CycleStatus.SUCCEEDED, CycleStatus.PARTIAL), report.error
        reports.append(report)
    raise AssertionError(
        f"escrows left after {MAX_RETRY_CYCLES} retry cycles: {world.store.escrows.entries('production')}"
    )


def assert_matches(world: FaultWorld, healthy: dict[str, dict[str, Any]]) -> None:
    """Exactly the healthy org's accounts: one per user (usernames are unique keys), the same values."""
    accounts = world.accounts()
    assert sorted(accounts) == sorted(healthy)
    differing = {k: (accounts[k], healthy[k]) for k in healthy if accounts[k] != healthy[k]}
    assert not differing, list(differing.items())[:3]
    links = world.store.links.get_many("production")
    assert len({link.target_id for link in links.values()}) == len(links)


@pytest.mark.parametrize("seed", range(10, 20) if LONG else [10])
def test_salesforce_503_lock_row_and_drops_converge(
    fault_world: FaultWorld, healthy: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    world = fault_world
    injected = count_injected(world, monkeypatch)
    world.salesforce.admin.set_faults(rate_503=FAULT_RATE, rate_lock_row=FAULT_RATE, rate_drop=FAULT_RATE, seed=seed)
    first = faulted_cycle(world)
    assert first.status is CycleStatus.PARTIAL, first.error
    escrowed = world.store.escrows.entries("production")
    assert escrowed
    assert {e.error_code for e in escrowed} == {"UNABLE_TO_LOCK_ROW"}
    failures = world.store.log.query(LogQuery(limit=None, job="production", statuses=(LogStatus.FAILURE,)))
    assert {f.source_id for f in failures} == {e.source_id for e in escrowed}
    assert all(f.error_code == "UNABLE_TO_LOCK_ROW" and f.error_message for f in failures)
    # an escrow is retried when due, not before: a cycle an hour later leaves it alone
    world.clock.advance(timedelta(hours=1))
    early = faulted_cycle(world)
    assert early.status is CycleStatus.SUCCEEDED
    assert early.result is not None
    assert early.result.succeeded == 0
    assert len(world.store.escrows.entries("production")) == len(escrowed)
    retries = converge(world)
    assert sum(r.result.succeeded for r in retries if r.result) >= len(escrowed)
    assert_matches(world, healthy)
    assert injected["sf_503"] + injected["sf_drop"] > 0  # whole calls failed too (seed 10: both kinds)
    assert injected["sf_lock_row"] >= len(escrowed)
    FIGURES.update(injected)
    FIGURES["escrowed_then_recovered"] += len({e.source_id for e in escrowed})


def test_graph_429_storm_with_retry_after(fault_world: FaultWorld, healthy: dict[str, dict[str, Any]]) -> None:
    world = fault_world
    # five 429s in a row (one short of the reader giving up), then at most 4 requests per 0.5 s for the whole cycle
    world.entra.admin.configure_faults(
        throttle_storm=5, throttle_requests=4, throttle_window_seconds=0.5, retry_after=str(RETRY_AFTER)
    )
    started = time.monotonic()
    report = world.cycle()
    elapsed = time.monotonic() - started
    assert report.status is CycleStatus.SUCCEEDED, report.error
    throttled = sum(world.entra.admin.counters()["throttled"].values())
    assert throttled >= 5
    assert elapsed >= throttled * RETRY_AFTER, "the reader did not wait for Retry-After"
    world.entra.admin.reset_faults()
    assert world.cycle().status is CycleStatus.SUCCEEDED
    assert_matches(world, healthy)
    FIGURES["graph_429"] += throttled


def test_graph_transient_errors_are_retried(fault_world: FaultWorld, healthy: dict[str, dict[str, Any]]) -> None:
    """10 % of Graph requests answer 503 or 504 (with ``Retry-After``): retried, the read completes, nothing is lost."""
    world = fault_world
    world.entra.admin.configure_faults(error_rate=FAULT_RATE, retry_after="0.01", delta_page_size=20)
    report = world.cycle()
    assert report.status is CycleStatus.SUCCEEDED, report.error
    failed = sum(world.entra.admin.counters()["failed"].values())
    assert failed > 0
    world.entra.admin.reset_faults()
    assert world.cycle().status is CycleStatus.SUCCEEDED
    assert_matches(world, healthy)
    FIGURES["graph_5xx"] += failed


def test_session_expiry_mid_cycle_is_renewed(
    fault_world: FaultWorld, healthy: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every session of the org ends between the engine's reads and its first write: the client logs in again."""
    world = fault_world
    expired: list[int] = []
    original = SalesforceUsers.create

    async def create_after_expiry(self: SalesforceUsers, records: Any) -> Any:
        expired.append(world.salesforce.admin.expire_sessions())
        return await original(self, records)

    monkeypatch.setattr(SalesforceUsers, "create", create_after_expiry)
    report = world.cycle()
    assert expired
    assert expired[0] >= 1
    assert report.status is CycleStatus.SUCCEEDED, report.error
    assert world.cycle().status is CycleStatus.SUCCEEDED
    assert_matches(world, healthy)
    FIGURES["sf_session_expired"] += sum(expired)


@pytest.mark.parametrize("how", ["expired_token", "sync_reset"])
def test_delta_token_expiry_reads_everything_again(demo_world_changes: FaultWorld, how: str) -> None:
    world = demo_world_changes
    world.cycle()
    source_id = next(iter(world.store.links.get_many("production")))
    user = world.entra_user(source_id)
    upn = str(user["userPrincipalName"])
    world.entra.admin.update_user(str(user["id"]), surname="Reliability-Okafor")
    if how == "expired_token":
        world.entra.admin.configure_faults(delta_token_lifetime_seconds=0)
    else:
        world.entra.admin.configure_faults(sync_reset_storm=1)
    report = world.cycle()
    assert report.kind is CycleKind.FULL
    assert any("reading everything again" in n for n in report.notes)
    assert report.status in (CycleStatus.SUCCEEDED, CycleStatus.PARTIAL), report.error
    assert world.sf_user(upn)["LastName"] == "Reliability-Okafor"  # type: ignore[index]
    world.entra.admin.reset_faults()
    after = world.cycle()
    assert after.kind is CycleKind.INCREMENTAL
    FIGURES[f"graph_{how}"] += 1


@pytest.fixture
def demo_world_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultWorld]:
    fast_salesforce_retries(monkeypatch)
    world = build_world(tmp_path, monkeypatch)
    try:
        yield world
    finally:
        world.store.close()
        world.running.stop()


def test_daily_allowance_stops_keeps_the_reserve_and_resumes_next_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The allowance runs out in the middle of the writes: the cycle stops before the reserve, nothing is lost."""
    fast_salesforce_retries(monkeypatch)
    world = build_world(tmp_path, monkeypatch, bulk=ALLOWANCE_USERS)
    try:
        org = world.org
        accounts_before = len(world.accounts())
        allocation = org.settings.daily_api_requests
        reserved = int(allocation * world.config.targets[0].api_reserve)
        # the creates go out in slices of 800 (4 collection calls, checked together against the last reported
        # usage), then 200: leave room for the reads and the first slice only
        reads = _reads_before_first_write(world)
        world.salesforce.admin.set_api_usage(org.id, allocation - reserved - reads - 4)
        stopped = world.cycle()
        assert stopped.status is CycleStatus.STOPPED
        assert stopped.error is not None
        assert "API allowance" in stopped.error
        assert stopped.fix
        used = world.salesforce.runtime.usage.used(org.id)
        assert used <= allocation - reserved, "sfprov ate into the reserve"
        created_before = len(world.accounts()) - accounts_before
        assert 0 < created_before < ALLOWANCE_USERS - 50, "the stop did not fall between two writes"
        latest = world.store.cycles.latest("production")
        assert latest is not None
        assert latest.status is CycleStatus.STOPPED
        # the next day: the rolling window is free again
        world.salesforce.admin.set_api_usage(org.id, 0)
        resumed = world.cycle()
        assert resumed.status is CycleStatus.SUCCEEDED, resumed.error
        assert world.cycle().status is CycleStatus.SUCCEEDED
        assert len(world.accounts()) - accounts_before == ALLOWANCE_USERS - len(disabled_users(world))
        assert world.store.escrows.entries("production") == []
        FIGURES["sf_allowance_stops"] += 1
        FIGURES["sf_created_before_stop"] += created_before
    finally:
        world.store.close()
        world.running.stop()


def disabled_users(world: FaultWorld) -> list[str]:
    """Users of the tenant whose account is disabled in Entra: in scope, never provisioned."""
    return [uid for uid, u in world.entra.directory.users.items() if not u.get("accountEnabled")]


def _reads_before_first_write(world: FaultWorld) -> int:
    """Calls the org counts before the engine's first write, measured with a plan (which never writes)."""
    before = world.salesforce.runtime.usage.used(world.org.id)
    asyncio.run(Engine(world.config, world.config.targets[0], world.store).run_cycle(CycleOptions(plan_only=True)))
    return int(world.salesforce.runtime.usage.used(world.org.id) - before)


def test_a_dropped_login_connection_is_retried(fault_world: FaultWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    faults = world_faults = fault_world.salesforce.runtime.faults
    calls = iter(range(1_000_000))
    original = world_faults.should_drop
    monkeypatch.setattr(faults, "should_drop", lambda: next(calls) == 0 or original())
    report = fault_world.cycle()
    assert report.status is CycleStatus.SUCCEEDED, report.error
