"""The Salesforce calls benchmark, run small: its figures follow from the connector's paging and batching rules.

Why: the note's figures (issue 5, "Done when") come from ``bench.salesforce_calls``; if the harness or the
connector's batching drifts, the counts printed here change. Counts are exact where the logic is deterministic
(2,000 rows a query page, 200 records a collection, one login per client); times are only checked for sanity.
"""

from __future__ import annotations

import json
import math

import pytest

from bench import salesforce_calls

USERS, CREATE, LOOKUPS = 4_500, 500, 500
"""4,500 users: two full pages of 2,000 and a short one; 500 creates: two full collections and a short one."""


def test_small_run_prints_deterministic_call_counts(capsys: pytest.CaptureFixture[str]) -> None:
    salesforce_calls.main(
        [
            f"--users={USERS}",
            f"--create={CREATE}",
            f"--lookups={LOOKUPS}",
            "--latency-base-ms=0",
            "--latency-per-record-ms=0",
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    phases = {m["name"].split(",")[0]: m for m in report["results"]}
    assert [m["name"] for m in report["results"]] == [
        "read_all, no latency",
        f"create {CREATE}, no latency",
        f"find_by Username x{LOOKUPS}, no latency",
    ], "with no latency model the latency runs are skipped"

    read = phases["read_all"]
    assert read["records"] == USERS
    assert read["by_kind"] == {"login": 1, "query": math.ceil(USERS / salesforce_calls.QUERY_PAGE)}
    assert read["calls"] == 1 + 3

    create = phases[f"create {CREATE}"]
    assert (create["records"], create["failed"]) == (CREATE, 0)
    assert create["by_kind"] == {"login": 1, "collection": 3}
    assert create["concurrency"] == 4

    find = phases[f"find_by Username x{LOOKUPS}"]
    assert (find["records"], find["failed"]) == (LOOKUPS, 0)
    queries = find["by_kind"]["query"]
    assert 1 <= queries <= math.ceil(LOOKUPS / 50), "an IN (...) query carries many values, not a handful"

    for m in report["results"]:
        assert m["seconds"] > 0
        assert m["floor_seconds"] == 0
        assert m["client_cpu_seconds"] >= 0
        assert m["emulator_cpu_seconds"] >= 0
        assert m["records_per_second"] > 0
    assert "cores" in report["machine"]
