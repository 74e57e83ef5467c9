"""Cycles and watermarks: outcome and delta links saved together; crashed cycles found and closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sfprov.state import CycleKind, CycleStatus, LinkWrite, StateError, StateStore
from tests.state.conftest import FakeClock

TTL = timedelta(minutes=5)
DELTA = "https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc"


def test_watermarks_save_get_clear(store: StateStore, clock: FakeClock) -> None:
    assert store.watermarks.get("prod", "users_delta") is None
    store.watermarks.save("prod", "users_delta", DELTA)
    clock.advance(minutes=40)
    store.watermarks.save_many("prod", {"users_delta": DELTA + "2", "groups_delta": "g1"})
    store.watermarks.save("sandbox", "users_delta", "s1")
    saved = store.watermarks.get("prod", "users_delta")
    assert saved is not None
    assert (saved.delta_link, saved.saved_at) == (DELTA + "2", clock.now)
    assert set(store.watermarks.all("prod")) == {"users_delta", "groups_delta"}
    assert store.watermarks.clear("prod", "groups_delta") == 1
    assert store.watermarks.clear("prod") == 1
    assert store.watermarks.all("prod") == {}
    assert store.watermarks.get("sandbox", "users_delta") is not None


def test_cycle_start_and_finish_saves_watermarks(store: StateStore, clock: FakeClock) -> None:
    cycle = store.cycles.start("prod", CycleKind.INITIAL, owner="host-a")
    assert cycle.status is CycleStatus.RUNNING
    assert cycle.started_at == clock.now
    assert store.cycles.get(cycle.id) == cycle
    clock.advance(minutes=12)
    done = store.cycles.finish(
        cycle.id,
        CycleStatus.PARTIAL,
        counts={"create": 10, "update": 3, "failure": 1},
        api_calls=17,
        error_message="1 user went to escrow",
        watermarks={"users_delta": DELTA},
    )
    assert done.status is CycleStatus.PARTIAL
    assert done.finished_at == clock.now
    assert done.counts == {"create": 10, "update": 3, "failure": 1}
    assert done.api_calls == 17
    assert done.error_message == "1 user went to escrow"
    mark = store.watermarks.get("prod", "users_delta")
    assert mark is not None
    assert mark.saved_at == clock.now


def test_finish_twice_or_unknown_or_running_is_refused(store: StateStore) -> None:
    cycle = store.cycles.start("prod", CycleKind.INCREMENTAL, owner="a")
    with pytest.raises(ValueError, match="final status"):
        store.cycles.finish(cycle.id, CycleStatus.RUNNING)
    store.cycles.finish(cycle.id, CycleStatus.SUCCEEDED)
    with pytest.raises(StateError, match="already closed as succeeded"):
        store.cycles.finish(cycle.id, CycleStatus.FAILED, watermarks={"users_delta": DELTA})
    assert store.watermarks.get("prod", "users_delta") is None
    with pytest.raises(StateError, match="No cycle"):
        store.cycles.finish("00000000-0000-0000-0000-000000000000", CycleStatus.FAILED)


def test_transaction_commits_all_or_nothing(store: StateStore) -> None:
    cycle = store.cycles.start("prod", CycleKind.INCREMENTAL, owner="a")

    def crash_before_commit() -> None:
        with store.transaction() as tx:
            tx.links.upsert_many("prod", [LinkWrite("e1", "005A", {"Username": "a@x"})])
            tx.cycles.finish(cycle.id, CycleStatus.SUCCEEDED, watermarks={"users_delta": DELTA})
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        crash_before_commit()
    assert store.links.get("prod", "e1") is None
    assert store.watermarks.get("prod", "users_delta") is None
    assert store.cycles.get(cycle.id).status is CycleStatus.RUNNING  # type: ignore[union-attr]
    with store.transaction() as tx:
        tx.links.upsert_many("prod", [LinkWrite("e1", "005A", {"Username": "a@x"})])
        tx.cycles.finish(cycle.id, CycleStatus.SUCCEEDED, watermarks={"users_delta": DELTA})
    assert store.links.get("prod", "e1") is not None
    assert store.watermarks.get("prod", "users_delta") is not None


def test_recent_and_latest(store: StateStore, clock: FakeClock) -> None:
    ids = []
    for kind in (CycleKind.INITIAL, CycleKind.INCREMENTAL, CycleKind.INCREMENTAL):
        c = store.cycles.start("prod", kind, owner="a")
        store.cycles.finish(c.id, CycleStatus.SUCCEEDED if kind is CycleKind.INITIAL else CycleStatus.FAILED)
        ids.append(c.id)
        clock.advance(minutes=40)
    store.cycles.start("sandbox", CycleKind.INITIAL, owner="a")
    assert [c.id for c in store.cycles.recent("prod")] == list(reversed(ids))
    assert [c.id for c in store.cycles.recent("prod", kind=CycleKind.INITIAL)] == [ids[0]]
    assert store.cycles.latest("prod", status=CycleStatus.SUCCEEDED).id == ids[0]  # type: ignore[union-attr]
    assert store.cycles.latest("prod").id == ids[2]  # type: ignore[union-attr]
    assert store.cycles.latest("nobody") is None


def test_crashed_cycle_is_closed_as_interrupted_by_the_next_lease_holder(db_url: str, clock: FakeClock) -> None:
    with StateStore.open(db_url, clock=clock) as a, StateStore.open(db_url, clock=clock) as b:
        assert a.leases.acquire("prod", "host-a", TTL)
        crashed = a.cycles.start("prod", CycleKind.INCREMENTAL, owner="host-a")
        # host-a dies: no finish, no renew. While its lease is valid, b can neither take over nor close it.
        assert not b.leases.acquire("prod", "host-b", TTL)
        assert b.cycles.close_interrupted("prod", "host-b") == []
        clock.advance(minutes=6)
        assert b.leases.acquire("prod", "host-b", TTL)
        own = b.cycles.start("prod", CycleKind.INCREMENTAL, owner="host-b")
        closed = b.cycles.close_interrupted("prod", "host-b")
        assert [c.id for c in closed] == [crashed.id]
        assert closed[0].status is CycleStatus.INTERRUPTED
        assert closed[0].finished_at == clock.now
        assert "stopped without closing" in (closed[0].error_message or "")
        assert b.cycles.get(own.id).status is CycleStatus.RUNNING  # type: ignore[union-attr]
        assert b.cycles.close_interrupted("prod", "host-b") == []


def test_progress_of_a_running_cycle_survives_a_crash(store: StateStore) -> None:
    cycle = store.cycles.start("prod", CycleKind.INITIAL, owner="a")
    store.cycles.progress(cycle.id, counts={"create": 200}, api_calls=3)
    running = store.cycles.get(cycle.id)
    assert running is not None
    assert (running.counts, running.api_calls, running.status) == ({"create": 200}, 3, CycleStatus.RUNNING)
    store.cycles.finish(cycle.id, CycleStatus.FAILED, counts={"create": 250}, api_calls=4)
    store.cycles.progress(cycle.id, counts={"create": 999}, api_calls=99)  # a closed cycle is not changed
    assert store.cycles.get(cycle.id).api_calls == 4  # type: ignore[union-attr]
