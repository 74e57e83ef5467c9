"""One acting engine per job: leases between two stores (two engines, two connection pools) on one database."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from sfprov.errors import StopCycle
from sfprov.state import LeaseHeld, StateStore, default_owner
from tests.state.conftest import FakeClock

TTL = timedelta(seconds=60)


@pytest.fixture
def pair(db_url: str, clock: FakeClock) -> Iterator[tuple[StateStore, StateStore]]:
    with StateStore.open(db_url, clock=clock) as a, StateStore.open(db_url, clock=clock) as b:
        yield a, b


def test_only_one_engine_holds_the_lease(pair: tuple[StateStore, StateStore], clock: FakeClock) -> None:
    a, b = pair
    assert a.leases.acquire("prod", "host-a", TTL)
    assert not b.leases.acquire("prod", "host-b", TTL)
    assert b.leases.acquire("sandbox", "host-b", TTL)  # another job is independent
    assert a.leases.acquire("prod", "host-a", TTL)  # re-acquiring our own lease is fine
    holder = b.leases.holder("prod")
    assert holder is not None
    assert (holder.owner, holder.expires_at) == ("host-a", clock.now + TTL)


def test_heartbeat_keeps_it_release_frees_it(pair: tuple[StateStore, StateStore], clock: FakeClock) -> None:
    a, b = pair
    assert a.leases.acquire("prod", "host-a", TTL)
    for _ in range(5):
        clock.advance(seconds=45)
        assert a.leases.renew("prod", "host-a", TTL)
        assert not b.leases.acquire("prod", "host-b", TTL)
    assert not b.leases.renew("prod", "host-b", TTL)
    assert not b.leases.release("prod", "host-b")
    assert a.leases.release("prod", "host-a")
    assert a.leases.holder("prod") is None
    assert b.leases.acquire("prod", "host-b", TTL)


def test_expired_lease_is_taken_over_and_the_old_owner_learns_it(
    pair: tuple[StateStore, StateStore], clock: FakeClock
) -> None:
    a, b = pair
    assert a.leases.acquire("prod", "host-a", TTL)
    clock.advance(seconds=59)
    assert not b.leases.acquire("prod", "host-b", TTL)
    clock.advance(seconds=1)
    assert b.leases.acquire("prod", "host-b", TTL)
    assert not a.leases.renew("prod", "host-a", TTL)  # host-a must stop writing
    assert not a.leases.acquire("prod", "host-a", TTL)


def test_racing_engines_get_exactly_one_winner(db_url: str, clock: FakeClock) -> None:
    stores = [StateStore.open(db_url, clock=clock) for _ in range(6)]
    barrier = threading.Barrier(len(stores))
    results: dict[str, bool] = {}

    def race(i: int) -> None:
        barrier.wait()
        results[f"host-{i}"] = stores[i].leases.acquire("prod", f"host-{i}", TTL)

    try:
        threads = [threading.Thread(target=race, args=(i,)) for i in range(len(stores))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        winners = [owner for owner, won in results.items() if won]
        assert len(results) == len(stores)
        assert len(winners) == 1
        holder = stores[0].leases.holder("prod")
        assert holder is not None
        assert holder.owner == winners[0]
    finally:
        for s in stores:
            s.close()


def test_hold_renews_in_the_background_and_releases_at_the_end(db_url: str) -> None:
    ttl, beat = timedelta(seconds=1), timedelta(seconds=0.1)
    with StateStore.open(db_url) as a, StateStore.open(db_url) as b:
        with a.leases.hold("prod", "host-a", ttl, beat) as hold:
            time.sleep(1.5)  # longer than the TTL: only the heartbeat keeps the lease
            assert not b.leases.acquire("prod", "host-b", ttl)
            hold.check()
            with (
                pytest.raises(LeaseHeld, match="Job prod is being run by host-a until"),
                b.leases.hold("prod", "host-b", ttl),
            ):
                pass
        assert a.leases.holder("prod") is None
        assert b.leases.acquire("prod", "host-b", ttl)


def test_a_lost_lease_stops_the_cycle(db_url: str) -> None:
    ttl, beat = timedelta(seconds=5), timedelta(seconds=0.05)
    with StateStore.open(db_url) as a, StateStore.open(db_url) as b, a.leases.hold("prod", "host-a", ttl, beat) as hold:
        assert b.leases.release("prod", "host-a")  # what an admin's forced reset would do
        assert b.leases.acquire("prod", "host-b", ttl)
        assert hold.lost.wait(timeout=5)
        with pytest.raises(StopCycle, match="Lost the lease of job prod"):
            hold.check()
    holder = b.leases.holder("prod")
    assert holder is not None
    assert holder.owner == "host-b"  # a lost hold does not release someone else's lease


def test_default_owner_names_host_and_process() -> None:
    owner = default_owner()
    assert owner.startswith(f"{socket.gethostname()}:{os.getpid()}:")
    assert owner != default_owner()
