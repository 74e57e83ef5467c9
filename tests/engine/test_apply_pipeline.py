"""The applier records a slice while the next slice's calls are in flight, in slice order, and never loses the
record of a slice that was written, even when a later slice stops the cycle (the API reserve)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from sfprov.engine.apply import Applier, ApplyOptions
from sfprov.engine.plan import Action, ActionKind, Plan
from sfprov.errors import ConnectorError, StopCycle
from sfprov.state import CycleKind, LinkState, LogQuery, StateStore
from sfprov.targets.salesforce.client import RecordResult
from sfprov.targets.salesforce.users import SalesforceUsers

JOB = "production"
USERS = 1_000  # two slices of 800 at the least concurrency (SLICE_CALLS x 200)


class FakeClient:
    concurrency = 1


class FakeUsers:
    """The two calls a create-only plan makes; ``second`` is set when the second slice's call starts."""

    def __init__(self, *, stop_on_call: int | None = None) -> None:
        self.client = FakeClient()
        self.calls = 0
        self.second = threading.Event()
        self.stop_on_call = stop_on_call

    async def create(self, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        self.calls += 1
        if self.calls == 2:
            self.second.set()
        if self.calls == self.stop_on_call:
            raise StopCycle("API reserve reached", fix="wait", code="API_RESERVE")
        await asyncio.sleep(0)
        return [RecordResult(id=f"005{record['Username']:0>15}", success=True) for record in records]


class WatchingApplier(Applier):
    """Notes, for each slice it records, whether the next slice's call had started meanwhile."""

    overlapped: list[bool]
    users_fake: FakeUsers

    def _record(
        self, outcomes: Sequence[tuple[Action, RecordResult | None, ConnectorError | None]], started: float
    ) -> None:
        if not self.overlapped:  # the first slice: give the loop time to send the second one
            self.overlapped.append(self.users_fake.second.wait(timeout=5))
        else:
            self.overlapped.append(True)
        super()._record(outcomes, started)


def _plan() -> Plan:
    actions = [
        Action(
            ActionKind.CREATE,
            source_id=f"src-{i}",
            source_upn=f"user{i}@contoso.com",
            source_name=f"User {i}",
            values={"Username": str(i)},
            exported={"Username": str(i)},
        )
        for i in range(USERS)
    ]
    return Plan(actions)


def _applier(store: StateStore, users: FakeUsers) -> WatchingApplier:
    cycle = store.cycles.start(JOB, CycleKind.INITIAL, "test")
    applier = WatchingApplier(cast(SalesforceUsers, users), store, ApplyOptions(job=JOB, cycle_id=cycle.id))
    applier.overlapped = []
    applier.users_fake = users
    return applier


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")


def test_a_slice_is_recorded_while_the_next_one_is_written(store: StateStore) -> None:
    users = FakeUsers()
    applier = _applier(store, users)
    result = asyncio.run(applier.apply(_plan()))
    assert users.calls == 2
    assert applier.overlapped == [True, True], "the first slice was recorded before the second was sent"
    assert result.succeeded == USERS
    assert store.links.count(JOB, LinkState.ACTIVE) == USERS
    entries = store.log.query(LogQuery(job=JOB, limit=None, newest_first=False))
    assert [e.source_id for e in entries] == [f"src-{i}" for i in range(USERS)], "records stay in slice order"


def test_a_stop_in_a_later_slice_keeps_the_record_of_the_written_one(store: StateStore) -> None:
    users = FakeUsers(stop_on_call=2)
    applier = _applier(store, users)
    with pytest.raises(StopCycle):
        asyncio.run(applier.apply(_plan()))
    assert store.links.count(JOB, LinkState.ACTIVE) == 800
    assert len(store.log.query(LogQuery(job=JOB, limit=None))) == 800
