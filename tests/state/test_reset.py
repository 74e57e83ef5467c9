"""Restart scopes (Graph ``resetScope``): what each one forgets, and that the audit trail stays."""

from __future__ import annotations

import pytest

from sfprov.state import (
    PORTAL_RESTART,
    CycleKind,
    EscrowFailure,
    LinkWrite,
    LogAction,
    LogQuery,
    LogStatus,
    QuarantineReason,
    ResetScope,
    StateStore,
    new_entry,
)
from tests.state.conftest import FakeClock


def _fill(store: StateStore, clock: FakeClock, job: str) -> None:
    store.links.upsert(job, LinkWrite("e1", f"005{job}", {"Username": "a@x"}))
    store.watermarks.save(job, "users_delta", "d1")
    store.escrows.record_failure(job, EscrowFailure("e2", "create", "X", "m"))
    store.quarantine.enter(job, QuarantineReason.TOO_MANY_DELETES, next_allowed_run=clock.now)
    store.cycles.start(job, CycleKind.INITIAL, owner="a")
    store.log.append(new_entry(job, LogAction.CREATE, LogStatus.SUCCESS, at=clock.now))


def _left(store: StateStore, job: str) -> set[str]:
    parts = {
        "links": store.links.count(job) > 0,
        "watermark": bool(store.watermarks.all(job)),
        "escrows": bool(store.escrows.entries(job)),
        "quarantine": store.quarantine.get(job).quarantined,
        "cycles": bool(store.cycles.recent(job)),
        "log": store.log.count(LogQuery(job=job)) > 0,
    }
    return {name for name, present in parts.items() if present}


@pytest.mark.parametrize(
    ("scopes", "kept"),
    [
        ((ResetScope.WATERMARK,), {"links", "escrows", "quarantine", "cycles", "log"}),
        ((ResetScope.ESCROWS,), {"links", "watermark", "quarantine", "cycles", "log"}),
        ((ResetScope.QUARANTINE_STATE,), {"links", "watermark", "escrows", "cycles", "log"}),
        ((ResetScope.CONNECTOR_DATA_STORE,), {"watermark", "escrows", "quarantine", "cycles", "log"}),
        (PORTAL_RESTART, {"links", "cycles", "log"}),
        ((ResetScope.FULL,), {"cycles", "log"}),
    ],
)
def test_reset_scopes(store: StateStore, clock: FakeClock, scopes: tuple[ResetScope, ...], kept: set[str]) -> None:
    _fill(store, clock, "prod")
    _fill(store, clock, "sandbox")
    store.reset("prod", scopes)
    assert _left(store, "prod") == kept
    assert _left(store, "sandbox") == {"links", "watermark", "escrows", "quarantine", "cycles", "log"}
