"""The sync benchmark (issue 9), run small with a tiny latency model: the figures it prints must be coherent.

Why: the table in docs/dev/benchmarks.md comes from ``bench.sync``. If the harness miscounts (calls, users, CPU of
the wrong process) or the engine stops batching, the figures printed here go wrong. The checks are on what follows
from the rules (200 records a collection, two calls per user for the naive script, one process per run, a floor that
is a lower bound), never on how fast this machine is.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench import sync

USERS = 450
"""Every 97th generated user is disabled: 445 enabled users in scope, three collections (200, 200, 45)."""


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    args = sync.parse(
        [
            f"--users={USERS}",
            "--latency-sf-call-ms=2",
            "--latency-sf-record-ms=0.05",
            "--latency-graph-page-ms=1",
            "--existing",
            "--naive",
        ]
    )
    return sync.run(args)


def runs(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    results: list[dict[str, Any]] = report["results"]
    return dict(zip(("empty", "matching", "naive"), results, strict=True))


def test_the_header_states_the_model_and_the_users(report: dict[str, Any]) -> None:
    assert report["users_in_scope"] == USERS
    enabled = USERS - math.ceil(USERS / 97)
    assert report["enabled_in_scope"] == enabled
    assert report["latency_model"] == "Salesforce 2 ms/call + 0.05 ms/record written, Graph 1 ms/call"
    assert [r["name"] for r in report["results"]] == [
        "sfprov, empty org",
        "sfprov, every user exists (matching)",
        "naive script (simple-salesforce, one user at a time)",
    ]


def test_sfprov_creates_everyone_in_collections_of_200(report: dict[str, Any]) -> None:
    empty = runs(report)["empty"]
    enabled = int(report["enabled_in_scope"])
    assert empty["counts"] == {
        "create": enabled,
        "succeeded": enabled,
        "skip": USERS - enabled,
        "skipped": USERS - enabled,
    }
    endpoints = empty["notes"]["salesforce_endpoints"]
    assert endpoints["POST /composite/sobjects"] == math.ceil(enabled / 200)
    assert endpoints["POST /services/oauth2/token"] == 1
    assert empty["salesforce_calls"] == sum(endpoints.values())
    assert empty["salesforce_calls_per_user"] == round(empty["salesforce_calls"] / USERS, 4)
    assert empty["salesforce_calls_per_user"] <= 0.02
    assert empty["graph_calls"] >= 3


def test_the_matching_path_adopts_instead_of_creating(report: dict[str, Any]) -> None:
    matching = runs(report)["matching"]
    enabled = int(report["enabled_in_scope"])
    assert matching["counts"]["adopt"] == enabled
    assert "create" not in matching["counts"]
    assert "POST /composite/sobjects" not in matching["notes"]["salesforce_endpoints"]


def test_the_naive_script_makes_two_calls_per_user(report: dict[str, Any]) -> None:
    naive = runs(report)["naive"]
    enabled = int(report["enabled_in_scope"])
    assert naive["counts"] == {"created": enabled, "skipped": USERS - enabled}
    assert naive["salesforce_calls"] == 2 + 2 * enabled  # login, profile query, then query + create per user
    assert naive["graph_calls"] == 2  # token and one page of 999 members
    assert report["naive_over_sfprov"] == round(naive["cycle_seconds"] / runs(report)["empty"]["cycle_seconds"], 1)


def test_times_cpu_and_memory_are_of_the_child_process_and_above_the_floor(report: dict[str, Any]) -> None:
    for run in report["results"]:
        assert 0 < run["cycle_seconds"] <= run["wall_seconds"] < 60, run["name"]
        assert 0 < run["floor_seconds"] <= run["cycle_seconds"], run["name"]
        assert 0 < run["cycle_cpu_seconds"] <= run["cpu_seconds"] + 0.05, run["name"]
        # a Python process importing sfprov: tens of MB, not the harness's size nor kilobytes
        assert 20 < run["max_rss_mb"] < 2000, run["name"]
        assert abs(run["users_per_second"] - USERS / run["cycle_seconds"]) <= 0.01 * run["users_per_second"] + 1


def test_the_table_prints_one_line_per_run(report: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    sync.print_table(report)
    lines = capsys.readouterr().out.splitlines()
    assert "latency_model=Salesforce 2 ms/call" in lines[0]
    assert len(lines) == 2 + len(report["results"])
    assert lines[2].startswith("sfprov, empty org")
