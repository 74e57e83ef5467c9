"""Change latency of ``sfprov run`` and the wall time of ``sfprov provision USER`` (issue 9, measures 2 and 3).

Run from the repository root::

    .venv/bin/python -m bench.latency                       # 1,000 users, interval 10 s, 20 changes, default model
    .venv/bin/python -m bench.latency --users 200 --interval 5 --changes 20 --no-latency --json

What it does, on the emulators of :mod:`bench.sync` (every user of ``EntraEmulator.bulk(N)`` in scope, an empty
production org, the same latency model):

1. ``sfprov sync`` once (the initial cycle, in its own process), so the daemon's cycles are incremental;
2. **on demand**: ``--provisions`` new Entra users are added to the licensed group and each is provisioned with
   ``sfprov provision UPN --json``; the wall time of the command (Python start-up included) and the cycle's own
   seconds are reported;
3. **change latency**: ``sfprov run --interval S`` runs as a daemon while ``--changes`` changes are made in Entra,
   spread over time so they land at every point of the cycle (alternately a surname change, visible when the
   Salesforce ``LastName`` has the new value, and a removal from the group, visible when ``IsActive`` turns false).
   Each change's latency is the time from the Entra write to the first poll (every 50 ms, in process) that sees it
   in the org. p50 and p95 by nearest rank.

The floor beside the figures: a change waits on average half an interval for the next cycle to start, then the
cycle's calls (token, a few Graph delta pages, login, reads, one write).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.sync import REPO, Lab, Latency, add_latency_arguments, add_org, lab, latency_from, run_child
from sfprov.emulators.salesforce.store import Org

SFPROV = Path(sys.executable).with_name("sfprov")
POLL_SECONDS = 0.05


@dataclass
class Change:
    kind: str
    upn: str
    field: str
    expected: Any
    made_at: float
    seen_at: float | None = None

    @property
    def seconds(self) -> float | None:
        return None if self.seen_at is None else self.seen_at - self.made_at


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def sf_value(lab: Lab, upn: str, field: str) -> Any:
    with lab.salesforce.runtime.lock:
        found = lab.salesforce.state.find_user(upn)
        return None if found is None else found[1].get(field)


def on_demand(lab: Lab, config: Path, count: int) -> list[dict[str, Any]]:
    """Add ``count`` new users to the licensed group, then ``sfprov provision`` each; wall time per command."""
    runs = []
    for i in range(count):
        upn = f"ondemand{i}@contoso.com"
        user = lab.entra.admin.add_user(
            userPrincipalName=upn,
            displayName=f"On Demand {i}",
            givenName="On",
            surname=f"Demand {i}",
            mail=upn,
            usageLocation="US",
        )
        lab.entra.admin.add_member(lab.group_id, user["id"])
        started = time.perf_counter()
        done = subprocess.run(
            [str(SFPROV), "provision", upn, "-c", str(config), "--json"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=REPO,
        )
        wall = time.perf_counter() - started
        report = json.loads(done.stdout)
        runs.append(
            {
                "user": upn,
                "exit_code": done.returncode,
                "wall_seconds": round(wall, 2),
                "cycle_seconds": report["seconds"],
                "graph_calls": report["graphCalls"],
                "salesforce_calls": report["salesforceCalls"],
                "visible": sf_value(lab, upn, "IsActive") is True,
            }
        )
    return runs


def watch(lab: Lab, changes: list[Change], stop: threading.Event) -> None:
    """Poll the org for every pending change until all are seen or ``stop`` is set."""
    while not stop.is_set():
        for change in list(changes):
            if change.seen_at is None and sf_value(lab, change.upn, change.field) == change.expected:
                change.seen_at = time.perf_counter()
        stop.wait(POLL_SECONDS)


def make_changes(lab: Lab, count: int, spacing: float) -> list[Change]:
    """Alternately a surname change and a removal from the group, of users provisioned by the initial sync."""
    users = [u for u in lab.entra.directory.users.values() if u.get("accountEnabled")][1 : 2 * count + 1]
    changes: list[Change] = []
    stop = threading.Event()
    poller = threading.Thread(target=watch, args=(lab, changes, stop), daemon=True)
    poller.start()
    try:
        for i in range(count):
            user = users[i]
            upn = str(user["userPrincipalName"])
            if i % 2 == 0:
                surname = f"Changed {i}"
                lab.entra.admin.update_user(user["id"], surname=surname)
                changes.append(Change("attribute", upn, "LastName", surname, time.perf_counter()))
            else:
                lab.entra.admin.remove_member(lab.group_id, user["id"])
                changes.append(Change("group removal", upn, "IsActive", False, time.perf_counter()))
            time.sleep(spacing)
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline and any(c.seen_at is None for c in changes):
            time.sleep(POLL_SECONDS)
    finally:
        stop.set()
        poller.join()
    return changes


def daemon_latency(lab: Lab, config: Path, interval: float, count: int) -> tuple[list[Change], str]:
    log = lab.workdir / "daemon.log"
    with log.open("w") as out:
        daemon = subprocess.Popen(
            [str(SFPROV), "run", "-c", str(config), "--interval", str(interval)],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        try:
            time.sleep(1.0)  # the daemon's first (incremental) cycle is under way
            # spacing not a divisor of the interval: the changes land at every phase of the cycle
            changes = make_changes(lab, count, spacing=interval * 0.37)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=120)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
    return changes, log.read_text(errors="replace")[-2000:]


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "n": len(values),
        "p50": round(nearest_rank(values, 0.5), 2),
        "p95": round(nearest_rank(values, 0.95), 2),
        "max": round(max(values), 2),
        "mean": round(statistics.fmean(values), 2),
    }


def cycle_floor(latency: Latency) -> float:
    """One incremental cycle with one change: Graph token + about 3 delta calls; Salesforce login, catalogue reads,
    the lookup by Id/Username and one written record."""
    graph = 4 * latency.graph_page_ms
    salesforce = 6 * latency.sf_call_ms + latency.sf_call_ms + latency.sf_record_ms
    return (graph + salesforce) / 1000


def run(args: argparse.Namespace) -> dict[str, Any]:
    latency = latency_from(args)
    with tempfile.TemporaryDirectory(prefix="sfprov-latency-") as tmp, lab(args.users, latency, Path(tmp)) as world:
        org: Org = add_org(world.salesforce, "Bench", args.users + args.provisions + 10)
        config = world.write_config(org, "latency", concurrency=4, interval=args.interval)
        world.set_latency()
        initial = run_child(["-m", "bench.sync", "--child-config", str(config)], cwd=REPO)
        provisions = on_demand(world, config, args.provisions)
        changes, daemon_log = daemon_latency(world, config, args.interval, args.changes)
    seen = [c.seconds for c in changes if c.seconds is not None]
    by_kind = {
        kind: summary([c.seconds for c in changes if c.kind == kind and c.seconds is not None])
        for kind in ("attribute", "group removal")
    }
    floor = cycle_floor(latency)
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}",
        "users_in_scope": args.users,
        "latency_model": latency.describe(),
        "interval_seconds": args.interval,
        "initial_sync": {"seconds": round(initial.output["seconds"], 2), "status": initial.output["status"]},
        "on_demand": provisions,
        "on_demand_wall_seconds": summary([p["wall_seconds"] for p in provisions]),
        "change_latency": summary(seen),
        "change_latency_by_kind": by_kind,
        "changes_not_seen": [asdict(c) for c in changes if c.seen_at is None],
        "floor_seconds": {
            "cycle": round(floor, 2),
            "mean_change_latency": round(args.interval / 2 + floor, 2),
            "worst_change_latency": round(args.interval + floor, 2),
        },
        "goal_p95_seconds": args.interval + 5,
        "daemon_log_tail": daemon_log if any(c.seen_at is None for c in changes) else "",
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=10.0, help="sfprov run --interval (at least 5)")
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--provisions", type=int, default=5, help="sfprov provision runs")
    add_latency_arguments(parser)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    report = run(args)
    if report["changes_not_seen"]:
        print(report["daemon_log_tail"], file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(" | ".join(f"{k}={report[k]}" for k in ("date", "machine", "users_in_scope", "latency_model")))
    print(f"initial sync: {report['initial_sync']}")
    print(f"sfprov provision USER, wall seconds: {report['on_demand_wall_seconds']}")
    print(f"change latency with --interval {report['interval_seconds']:g}: {report['change_latency']}")
    for kind, figures in report["change_latency_by_kind"].items():
        print(f"  {kind}: {figures}")
    print(f"floor: {report['floor_seconds']}; goal p95 < {report['goal_p95_seconds']:g} s")
    if report["changes_not_seen"]:
        print(f"NOT SEEN: {report['changes_not_seen']}")


if __name__ == "__main__":
    main()
