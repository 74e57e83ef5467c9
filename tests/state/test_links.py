"""Links: the source↔target pairs, their exported values and fingerprints (both backends)."""

from __future__ import annotations

import time

import pytest

from sfprov.state import LinkConflict, LinkState, LinkWrite, SecretValueRefused, StateStore, fingerprint
from tests.state.conftest import FakeClock

VALUES = {"Username": "ada@example.com", "LastName": "Lovelace", "IsActive": True, "Alias": "alove"}


def test_upsert_then_get(store: StateStore, clock: FakeClock) -> None:
    assert store.links.get("prod", "e1") is None
    link = store.links.upsert("prod", LinkWrite("e1", "005000000000001AAA", VALUES, matched_by="Username"))
    assert link.target_id == "005000000000001AAA"
    assert link.exported == VALUES
    assert link.fingerprint == fingerprint(VALUES)
    assert link.state is LinkState.ACTIVE
    assert link.matched_by == "Username"
    assert link.created_at == link.updated_at == clock.now
    assert store.links.by_target("prod", "005000000000001AAA") == link


def test_fingerprint_is_stable_and_order_independent() -> None:
    reordered = dict(reversed(list(VALUES.items())))
    assert fingerprint(reordered) == fingerprint(VALUES)
    assert fingerprint({**VALUES, "LastName": "Byron"}) != fingerprint(VALUES)
    assert len(fingerprint(VALUES)) == 64


def test_replace_keeps_created_at_and_changes_fingerprint(store: StateStore, clock: FakeClock) -> None:
    first = store.links.upsert("prod", LinkWrite("e1", "005A", VALUES))
    clock.advance(minutes=40)
    changed = {**VALUES, "Title": "Countess"}
    second = store.links.upsert("prod", LinkWrite("e1", "005A", changed, LinkState.DEACTIVATED))
    assert second.created_at == first.created_at
    assert second.updated_at == clock.now
    assert second.fingerprint == fingerprint(changed) != first.fingerprint
    assert second.exported["Title"] == "Countess"
    assert second.state is LinkState.DEACTIVATED


def test_get_many_by_ids_and_all(store: StateStore) -> None:
    writes = [LinkWrite(f"e{i}", f"005{i:015d}", {"Username": f"u{i}@x"}) for i in range(12_000)]
    assert store.links.upsert_many("prod", writes) == 12_000
    everything = store.links.get_many("prod")
    assert len(everything) == 12_000
    assert everything["e11999"].exported == {"Username": "u11999@x"}
    # more ids than one IN list holds, some of them unknown
    wanted = [f"e{i}" for i in range(0, 12_000, 2)] + ["missing"]
    some = store.links.get_many("prod", wanted)
    assert set(some) == set(wanted) - {"missing"}
    assert store.links.count("prod") == 12_000


def test_jobs_are_isolated(store: StateStore) -> None:
    store.links.upsert("prod", LinkWrite("e1", "005P", VALUES))
    store.links.upsert("sandbox", LinkWrite("e1", "005S", VALUES))
    assert store.links.get("prod", "e1").target_id == "005P"  # type: ignore[union-attr]
    assert store.links.get("sandbox", "e1").target_id == "005S"  # type: ignore[union-attr]
    assert store.links.delete_all("sandbox") == 1
    assert store.links.count("prod") == 1
    assert store.links.get_many("sandbox") == {}


def test_secret_looking_keys_are_refused_and_nothing_is_written(store: StateStore) -> None:
    ok = LinkWrite("e1", "005A", VALUES)
    for key in ("Password", "SecurityToken", "client_secret", "apiKey", "My_Secret_Token__c"):
        bad = LinkWrite("e2", "005B", {"Username": "b@x", key: "hunter2"})
        with pytest.raises(SecretValueRefused) as err:
            store.links.upsert_many("prod", [ok, bad])
        assert key in str(err.value)
        assert "hunter2" not in str(err.value)
    assert store.links.count("prod") == 0


def test_one_target_cannot_belong_to_two_sources(store: StateStore) -> None:
    store.links.upsert("prod", LinkWrite("e1", "005A", VALUES))
    with pytest.raises(LinkConflict, match="DuplicateSourceEntries"):
        store.links.upsert_many("prod", [LinkWrite("e3", "005C", VALUES), LinkWrite("e2", "005A", VALUES)])
    assert store.links.get("prod", "e3") is None  # the whole batch rolled back
    # the same target id in another job is fine
    store.links.upsert("sandbox", LinkWrite("e2", "005A", VALUES))


def test_set_state_and_count_by_state(store: StateStore, clock: FakeClock) -> None:
    store.links.upsert_many("prod", [LinkWrite(f"e{i}", f"005{i}", VALUES) for i in range(5)])
    clock.advance(hours=1)
    assert store.links.set_state("prod", ["e1", "e2", "nope"], LinkState.STAGED_FOR_DEACTIVATION) == 2
    assert store.links.count("prod", LinkState.STAGED_FOR_DEACTIVATION) == 2
    assert store.links.count("prod", LinkState.ACTIVE) == 3
    staged = store.links.get("prod", "e1")
    assert staged is not None
    assert staged.updated_at == clock.now
    assert staged.exported == VALUES


def test_delete_many(store: StateStore) -> None:
    store.links.upsert_many("prod", [LinkWrite(f"e{i}", f"005{i}", VALUES) for i in range(5)])
    assert store.links.delete_many("prod", ["e0", "e4", "unknown"]) == 2
    assert set(store.links.get_many("prod")) == {"e1", "e2", "e3"}


def test_empty_upsert_writes_nothing(store: StateStore) -> None:
    assert store.links.upsert_many("prod", []) == 0


def test_twenty_thousand_links_load_quickly(store: StateStore) -> None:
    """A scaled-down guard of the 100,000-link figures in docs/dev/state.md (generous bound for slow CI)."""
    store.links.upsert_many("prod", [LinkWrite(f"e{i}", f"005{i}", VALUES) for i in range(20_000)])
    started = time.perf_counter()
    loaded = store.links.get_many("prod")
    assert len(loaded) == 20_000
    assert time.perf_counter() - started < 2.0


def test_the_last_write_of_a_source_in_one_batch_wins(store: StateStore) -> None:
    writes = [LinkWrite("e1", "005A", {"Title": "first"}), LinkWrite("e1", "005A", {"Title": "second"})]
    assert store.links.upsert_many("prod", writes) == 1
    assert store.links.get("prod", "e1").exported == {"Title": "second"}  # type: ignore[union-attr]


def test_two_bulk_writes_in_one_transaction(store: StateStore) -> None:
    """The PostgreSQL staging table is reused within a transaction; nothing of the first batch may leak."""
    with store.transaction() as tx:
        tx.links.upsert_many("prod", [LinkWrite("e1", "005A", {"Title": "one"})])
        tx.links.upsert_many("prod", [LinkWrite("e2", "005B", {"Title": "two"})])
        tx.links.upsert_many("prod", [LinkWrite("e1", "005A", {"Title": "three"})])
    links = store.links.get_many("prod")
    assert {k: v.exported["Title"] for k, v in links.items()} == {"e1": "three", "e2": "two"}
    store.links.upsert_many("prod", [LinkWrite("e3", "005C", {"Title": "after commit"})])
    assert store.links.count("prod") == 3
