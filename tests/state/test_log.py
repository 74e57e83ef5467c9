"""The provisioning log: batched append, filters, paging, report iteration, per-cycle counts, redaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sfprov.state import (
    REDACTED,
    LogAction,
    LogEntry,
    LogQuery,
    LogStatus,
    ModifiedProperty,
    StateStore,
    Step,
    StepType,
    new_entry,
)
from tests.state.conftest import FakeClock

A, S = LogAction, LogStatus


def _entries(store: StateStore, clock: FakeClock) -> list[LogEntry]:
    """Five entries over two cycles and two jobs, one second apart."""
    specs = [
        ("prod", "c1", "e1", "Ada Lovelace", "ada@contoso.com", "005A", A.CREATE, S.SUCCESS),
        ("prod", "c1", "e2", "Bob Byron", "bob@contoso.com", None, A.CREATE, S.FAILURE),
        ("prod", "c1", "e3", "Cy 100%_real", "cy_1@contoso.com", "005C", A.DISABLE, S.SUCCESS),
        ("prod", "c2", "e1", "Ada Lovelace", "ada@contoso.com", "005A", A.UPDATE, S.SUCCESS),
        ("sandbox", "c3", "e1", "Ada Lovelace", "ada@contoso.com", "005S", A.SKIP, S.SKIPPED),
    ]
    out = []
    for job, cycle, sid, name, upn, tid, action, status in specs:
        clock.advance(seconds=1)
        out.append(
            new_entry(
                job,
                action,
                status,
                at=clock.now,
                cycle_id=cycle,
                source_id=sid,
                source_name=name,
                source_upn=upn,
                target_id=tid,
                duration_ms=120,
                error_code="SalesforceDuplicateUserName" if status is S.FAILURE else None,
                error_message="Duplicate Username." if status is S.FAILURE else None,
            )
        )
    assert store.log.append_many(out) == 5
    return out


def test_round_trip_with_steps_and_modified_properties(store: StateStore, clock: FakeClock) -> None:
    entry = new_entry(
        "prod",
        A.UPDATE,
        S.WARNING,
        at=clock.now,
        cycle_id="c1",
        source_id="e1",
        source_upn="ada@contoso.com",
        target_id="005A",
        steps=[
            Step(StepType.IMPORT, S.SUCCESS, "Received User 'ada@contoso.com'"),
            Step(StepType.SCOPING, S.SUCCESS, "Assigned to application", name="Determine if user is in scope"),
            Step(StepType.MATCHING, S.SUCCESS, "Matched on Username"),
            Step(StepType.ACTION, S.WARNING, "Title too long, truncated"),
        ],
        modified=[ModifiedProperty("Title", "Engineer", "Countess"), ModifiedProperty("IsActive", None, "true")],
        duration_ms=340,
    )
    store.log.append(entry)
    assert store.log.get(entry.id) == entry
    assert entry.id != entry.change_id


def test_secrets_in_modified_properties_are_redacted(db_url: str, clock: FakeClock) -> None:
    with StateStore.open(db_url, clock=clock, secret_names=["EmployeeSSN__c"]) as store:
        entry = new_entry(
            "prod",
            A.UPDATE,
            S.SUCCESS,
            at=clock.now,
            modified=[
                ModifiedProperty("Password", None, "hunter2"),
                ModifiedProperty("SecurityToken", "a", "b"),
                ModifiedProperty("employeessn__c", "123", "456"),
                ModifiedProperty("Title", "x", "y"),
            ],
        )
        store.log.append(entry)
        stored = store.log.get(entry.id)
        assert stored is not None
        assert [(m.name, m.old, m.new) for m in stored.modified] == [
            ("Password", None, REDACTED),
            ("SecurityToken", REDACTED, REDACTED),
            ("employeessn__c", REDACTED, REDACTED),
            ("Title", "x", "y"),
        ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (LogQuery(job="prod"), [3, 2, 1, 0]),
        (LogQuery(job="prod", newest_first=False), [0, 1, 2, 3]),
        (LogQuery(cycle_id="c1"), [2, 1, 0]),
        (LogQuery(user="e1"), [4, 3, 0]),
        (LogQuery(user="005C"), [2]),
        (LogQuery(user="BOB@"), [1]),
        (LogQuery(user="lovelace", job="sandbox"), [4]),
        (LogQuery(user="100%_"), [2]),  # LIKE wildcards are matched literally
        (LogQuery(user="%"), [2]),
        (LogQuery(actions=(A.CREATE, A.DISABLE)), [2, 1, 0]),
        (LogQuery(statuses=(S.FAILURE,)), [1]),
        (LogQuery(job="prod", limit=2, offset=1), [2, 1]),
    ],
)
def test_query_filters(store: StateStore, clock: FakeClock, query: LogQuery, expected: list[int]) -> None:
    entries = _entries(store, clock)
    assert store.log.query(query) == [entries[i] for i in expected]
    unpaged = replace(query, limit=None, offset=0)
    assert store.log.count(query) == len(store.log.query(unpaged))  # count ignores paging


def test_time_range_is_half_open(store: StateStore, clock: FakeClock) -> None:
    entries = _entries(store, clock)
    got = store.log.query(LogQuery(since=entries[1].at, until=entries[3].at, newest_first=False))
    assert got == entries[1:3]


def test_count_and_counts_per_cycle(store: StateStore, clock: FakeClock) -> None:
    _entries(store, clock)
    assert store.log.count(LogQuery(job="prod", limit=None)) == 4
    assert store.log.counts("c1") == {(A.CREATE, S.SUCCESS): 1, (A.CREATE, S.FAILURE): 1, (A.DISABLE, S.SUCCESS): 1}
    assert store.log.counts("none") == {}


def test_iterate_pages_through_entries_of_the_same_instant(store: StateStore, clock: FakeClock) -> None:
    same = [new_entry("prod", A.UPDATE, S.SUCCESS, at=clock.now, source_id=f"e{i}") for i in range(250)]
    later = [new_entry("prod", A.UPDATE, S.SUCCESS, at=clock.now + timedelta(seconds=i + 1)) for i in range(30)]
    store.log.append_many(same + later)
    forward = list(store.log.iterate(LogQuery(job="prod", newest_first=False), batch_size=64))
    assert len(forward) == 280
    assert {e.id for e in forward} == {e.id for e in same + later}
    assert [e.at for e in forward] == sorted(e.at for e in forward)
    backward = list(store.log.iterate(LogQuery(job="prod"), batch_size=64))
    assert backward == list(reversed(forward))
    assert list(store.log.iterate(LogQuery(job="other"))) == []


def test_purge_older_than(store: StateStore, clock: FakeClock) -> None:
    entries = _entries(store, clock)
    assert store.log.purge(entries[2].at, job="prod") == 2
    assert store.log.purge(entries[2].at) == 0
    assert store.log.count(LogQuery(limit=None)) == 3


def test_append_is_one_transaction(store: StateStore, clock: FakeClock) -> None:
    good = new_entry("prod", A.CREATE, S.SUCCESS, at=clock.now)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the duplicate key error is the driver's
        store.log.append_many([good, *[new_entry("prod", A.CREATE, S.SUCCESS, at=clock.now)] * 2])
    assert store.log.get(good.id) is None


def test_naive_timestamps_and_unknown_values_are_refused(store: StateStore, clock: FakeClock) -> None:
    naive = new_entry("prod", A.CREATE, S.SUCCESS, at=clock.now.replace(tzinfo=None))
    with pytest.raises(ValueError, match="naive"):
        store.log.append(naive)
    bad = replace(new_entry("prod", A.CREATE, S.SUCCESS, at=clock.now), status="done")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'done' is not a provisioning log status"):
        store.log.append(bad)
    assert store.log.count(LogQuery()) == 0


def test_long_values_are_clipped_to_the_columns(store: StateStore, clock: FakeClock) -> None:
    entry = new_entry(
        "prod",
        A.CREATE,
        S.FAILURE,
        at=clock.now,
        source_name="n" * 300,
        source_upn="u" * 300,
        error_code="C" * 150,
        error_message="m" * 5_000,
    )
    store.log.append(entry)
    stored = store.log.get(entry.id)
    assert stored is not None
    lengths = (len(stored.source_name or ""), len(stored.source_upn or ""), len(stored.error_code or ""))
    assert lengths == (256, 256, 100)
    assert len(stored.error_message or "") == 4_000
