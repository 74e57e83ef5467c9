"""bench.engine_cost on a small tenant: each scenario plans what it says it does, with and without the wiring of
``matching_values`` into the gather step (the figures are checked for coherence, not for speed)."""

from __future__ import annotations

import pytest
from bench.engine_cost import child

USERS = 400
ENABLED = sum(1 for i in range(USERS) if i % 97 != 0)


@pytest.mark.parametrize("wired", [False, True])
@pytest.mark.parametrize(
    ("scenario", "counts"),
    [
        ("initial", {"create": ENABLED, "skip": USERS - ENABLED}),
        ("adopt", {"adopt": ENABLED, "skip": USERS - ENABLED}),
        ("nochange", {"skip": USERS}),
        ("incremental", {"update": 3, "skip": 1}),
    ],
)
def test_each_scenario_plans_what_it_says(scenario: str, counts: dict[str, int], wired: bool) -> None:
    result = child(scenario, USERS, wired, None, False)
    assert result["counts"] == counts
    assert result["engineCpu"] >= result["planCpu"] >= 0
    assert result["peakMb"] >= result["rssInputsMb"] > 0
    written = counts.get("create", 0) + counts.get("update", 0)
    assert (result["logRows"] > 0) == (written > 0)
