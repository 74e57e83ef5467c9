"""``sfprov provision USER`` on a large tenant: Graph calls, Salesforce calls and wall time (issue 7: "on demand, one
user, ... in under 2 s on the emulators").

Run from the repository root::

    .venv/bin/python -m bench.ondemand --users 100000 --provisions 5      # the tenant builds in ~2 s
    .venv/bin/python -m bench.ondemand --users 1000 --no-latency --json

What it does, on the emulators and latency model of :mod:`bench.sync` (every user of ``EntraEmulator.bulk(N)`` in
scope through the licensed group, an org with free seats): it fills the state store with N active links (as after
an initial sync: the job is large, and an on-demand cycle must not pay for it), then ``--provisions`` times adds a
new Entra user to the licensed group and runs ``sfprov provision UPN --json`` in its own process
(:func:`bench.latency.on_demand`), as an administrator would. Reported per run: wall time of the command (Python
start-up included), the cycle's own seconds, Graph and Salesforce calls, and whether the account exists afterwards.

No initial sync is run: on-demand provisioning reads the requested user only, so the tenant's other users matter
only through what Graph has to search (the emulator's cost) and the links in the state store (filled here).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.latency import on_demand, summary
from bench.sync import Lab, add_latency_arguments, add_org, lab, latency_from
from sfprov.state import LinkState, LinkWrite, StateStore

JOB = "ondemand"


def seed_links(world: Lab, config: Path) -> float:
    """One active link per tenant user (fake Salesforce ids: an on-demand cycle never reads them); seconds taken."""
    started = time.perf_counter()
    store = StateStore.open(f"sqlite:///{config.parent / 'state.db'}")
    try:
        ids = sorted(world.entra.directory.users)
        for start in range(0, len(ids), 5000):
            links = [
                LinkWrite(uid, f"005{start + i:015d}", {}, LinkState.ACTIVE)
                for i, uid in enumerate(ids[start : start + 5000])
            ]
            store.links.upsert_many(JOB, links)
    finally:
        store.close()
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> dict[str, Any]:
    latency = latency_from(args)
    built = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sfprov-ondemand-") as tmp, lab(args.users, latency, Path(tmp)) as world:
        tenant_seconds = time.perf_counter() - built
        org = add_org(world.salesforce, "Bench", args.provisions + 10)
        config = world.write_config(org, JOB, concurrency=4)
        link_seconds = seed_links(world, config) if args.links else 0.0
        world.set_latency()
        runs = on_demand(world, config, args.provisions)
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}",
        "users_in_scope": args.users,
        "links_in_state": args.users if args.links else 0,
        "latency_model": latency.describe(),
        "setup_seconds": {"tenant_and_emulators": round(tenant_seconds, 2), "links": round(link_seconds, 2)},
        "runs": runs,
        "wall_seconds": summary([r["wall_seconds"] for r in runs]),
        "cycle_seconds": summary([r["cycle_seconds"] for r in runs]),
        "graph_calls": sorted({r["graph_calls"] for r in runs}),
        "salesforce_calls": sorted({r["salesforce_calls"] for r in runs}),
        "all_visible": all(r["visible"] and r["exit_code"] == 0 for r in runs),
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--provisions", type=int, default=5, help="sfprov provision runs")
    parser.add_argument("--no-links", dest="links", action="store_false", help="leave the state store empty")
    add_latency_arguments(parser)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(" | ".join(f"{k}={report[k]}" for k in ("date", "machine", "users_in_scope", "latency_model")))
    print(f"setup: {report['setup_seconds']}, links in state: {report['links_in_state']}")
    for r in report["runs"]:
        print(
            f"  {r['user']}: exit {r['exit_code']}, wall {r['wall_seconds']} s, cycle {r['cycle_seconds']} s, "
            f"{r['graph_calls']} Graph + {r['salesforce_calls']} Salesforce calls, visible {r['visible']}"
        )
    print(f"wall seconds: {report['wall_seconds']}; cycle seconds: {report['cycle_seconds']}")


if __name__ == "__main__":
    main()
