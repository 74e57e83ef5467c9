"""The change-latency benchmark (issue 9), run small: every change is seen, and the figures are coherent.

Why: docs/dev/benchmarks.md quotes ``bench.latency``'s p50/p95; if the harness stopped seeing changes (a poll on the
wrong field, a daemon that never ran) or mixed up its clocks, the figures would be meaningless. The checks are on
what follows from the design (a change is seen after it is made and within about one interval plus a cycle), never
on how fast this machine is.
"""

from __future__ import annotations

from typing import Any

import pytest

from bench import latency

INTERVAL = 5.0
"""The smallest interval ``sfprov run`` accepts (``run.interval_seconds`` >= 5)."""


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    args = latency.parse(["--users=60", f"--interval={INTERVAL}", "--changes=2", "--provisions=1", "--no-latency"])
    return latency.run(args)


def test_every_change_reaches_salesforce_within_an_interval_and_a_cycle(report: dict[str, Any]) -> None:
    assert report["changes_not_seen"] == []
    figures = report["change_latency"]
    assert figures["n"] == 2
    assert 0 < figures["p50"] <= figures["p95"] == figures["max"] < INTERVAL + 5
    assert report["change_latency_by_kind"]["attribute"]["n"] == 1
    assert report["change_latency_by_kind"]["group removal"]["n"] == 1
    assert report["floor_seconds"] == {"cycle": 0.0, "mean_change_latency": 2.5, "worst_change_latency": 5.0}


def test_on_demand_provisioning_creates_the_user_in_one_command(report: dict[str, Any]) -> None:
    assert report["initial_sync"]["status"] == "succeeded"
    [run] = report["on_demand"]
    assert run["exit_code"] == 0
    assert run["visible"] is True
    assert 0 < run["cycle_seconds"] < run["wall_seconds"] < 60
    assert run["salesforce_calls"] >= 2  # login and the write, at least
    assert report["on_demand_wall_seconds"]["n"] == 1
