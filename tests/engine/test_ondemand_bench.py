"""`python -m bench.ondemand` runs small and reports coherent figures (the 100,000-user figures are in
docs/dev/engine-control.md): one Graph read of a handful of calls per provisioned user, the account created."""

from __future__ import annotations

from bench.ondemand import parse, run


def test_bench_ondemand_smoke() -> None:
    report = run(parse(["--users", "300", "--provisions", "2", "--no-latency"]))
    assert report["all_visible"], report["runs"]
    assert report["links_in_state"] == 300
    assert report["graph_calls"] == [5], "resolve the UPN, service principal, assignments, delta round, one $batch"
    assert report["wall_seconds"]["n"] == 2
    assert all(r["cycle_seconds"] > 0 for r in report["runs"])
