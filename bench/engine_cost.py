"""The engine's own CPU and memory on a large tenant, without emulators, network or latency.

``bench.sync`` measures a whole cycle against the emulators; its CPU figure mixes the engine's work with the HTTP
client and the state store, and a no-latency run still shares the 2 cores with the emulators. This harness measures
only what grows with the users inside the engine, on synthetic data, in a fresh child process per run:

* **gather**: what ``Engine._gather`` computes from the rows in memory on a full read (the matching values of the
  unlinked users, the candidate index, the nickname set). It calls ``Engine._matching_values`` itself, so it
  measures whatever ``engine/cycle.py`` does now; ``--wired`` measures the one-map-per-user wiring proposed in
  ``docs/dev/engine-cost.md`` instead (``matching_values``, which evaluates only the matching attributes);
* **plan**: ``make_plan`` on the gathered input (mapping, matching, comparison, actions);
* **log**: turning every writing action's changes into the provisioning log's modified properties (what
  ``Applier._entry`` does per user with ``values_for_log``; the SQLite writes are not included).

Scenarios (the gallery mapping, as ``bench.sync`` configures it; every 97th user disabled, as ``EntraEmulator.bulk``):

* ``initial``: an empty org, no links (every user is created);
* ``adopt``: every user has an unlinked account with the same Username (the matching path);
* ``nochange``: a full cycle (``sync --full``) where every user is linked and already as desired;
* ``incremental``: an incremental cycle that sees 1 % of the users changed (surname), the rest not read.

Figures per run: CPU seconds (``time.process_time``: user + system of this process) of each step, the RSS once the
inputs are built, and the process's peak RSS (``VmHWM``); with ``--tracemalloc`` also the traced peak of the steps
(it slows them 2-3x: the CPU figures of such a run are not comparable). Run from the repository root::

    .venv/bin/python -m bench.engine_cost --users 10000 --repeat 3
    .venv/bin/python -m bench.engine_cost --users 100000 --scenarios initial,nochange --repeat 2 --json
    .venv/bin/python -m bench.engine_cost --users 10000 --scenarios initial --profile /tmp/engine.prof
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = ("initial", "adopt", "nochange", "incremental")
_GIVEN = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Tim")
_SURNAMES = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Lee")
_LANGS = ("en-US", "fr-FR", "de-DE", "es-ES", "ja-JP")


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def source_users(n: int, *, changed_every: int = 0) -> dict[str, Any]:
    """``n`` users shaped as the Entra reader gives them for the gallery mapping's ``$select``."""
    from sfprov.model import AppRoleAssignment, SourceUser

    users: dict[str, SourceUser] = {}
    for i in range(n):
        given, surname = _GIVEN[i % 10], _SURNAMES[(i // 10) % 10]
        if changed_every and i % changed_every == 0:
            surname += "-Changed"
        upn = f"{given.lower()}.{surname.lower()}{i}@contoso.com"
        uid = f"{i:08d}-0000-4000-8000-000000000000"
        attrs = {
            "id": uid,
            "userPrincipalName": upn,
            "mail": upn,
            "givenName": given,
            "surname": surname,
            "displayName": f"{given} {surname}",
            "preferredLanguage": _LANGS[i % 5],
            "accountEnabled": i % 97 != 0,
        }
        role = AppRoleAssignment("role-std", "Standard User", "Standard User", "Group", "group-licensed")
        users[uid] = SourceUser(uid, attrs, app_role_assignments=(role,))
    return users


def _account(target_id: str, desired: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"Id": target_id, **desired.fields, "ProfileId": "00eSTD", "IsActive": True}
    row["CommunityNickname"] = str(desired.fields["Username"]).split("@")[0]
    return row


def build(scenario: str, n: int) -> SimpleNamespace:
    """What the cycle holds after its reads: the mapping, the source users, the links, the Salesforce rows."""
    from datetime import UTC, datetime

    from sfprov.mapping.config import MappingConfig
    from sfprov.mapping.mapper import map_user
    from sfprov.state import Link, LinkState

    mapping = MappingConfig()
    users = source_users(n)
    links: dict[str, Link] = {}
    targets: dict[str, dict[str, Any]] = {
        "005INTEGRATION": {"Id": "005INTEGRATION", "Username": "integration@bench.example", "IsActive": True}
    }
    now = datetime(2026, 11, 24, tzinfo=UTC)
    if scenario != "initial":
        for k, (uid, user) in enumerate(users.items()):
            if not user.attributes["accountEnabled"]:
                continue
            desired = map_user(user, mapping, operation="create")
            target_id = f"005{k:012d}"
            targets[target_id] = _account(target_id, desired)
            if scenario in ("nochange", "incremental"):
                exported = json.dumps(dict(desired.fields), separators=(",", ":"), sort_keys=True)
                links[uid] = Link("bench", uid, target_id, "", exported, LinkState.ACTIVE, None, now, now)
    if scenario == "incremental":  # the delta read returns 1 % of the users, changed; the others are not read
        changed = source_users(n, changed_every=100)
        users = {uid: changed[uid] for uid in list(changed)[::100]}
        targets = {"005INTEGRATION": targets["005INTEGRATION"]} | {
            links[uid].target_id: targets[links[uid].target_id] for uid in users if uid in links
        }
    return SimpleNamespace(mapping=mapping, users=users, links=links, targets=targets, full=scenario != "incremental")


def gather(world: Any, *, wired: bool) -> Any:
    """What ``Engine._gather`` computes from in-memory rows (full read) or the linked rows (incremental)."""
    from sfprov.engine.cycle import Engine
    from sfprov.engine.plan import Catalogue, PlanInput
    from sfprov.mapping.config import ScopingConfig
    from sfprov.state import LinkState

    links = {k: world.links[k] for k in world.users if k in world.links}
    if wired:
        from sfprov.mapping.mapper import matching_values

        wanted: dict[str, set[str]] = {}
        for uid, user in world.users.items():
            if uid in links:
                continue
            for field_name, value in matching_values(user, world.mapping):
                wanted.setdefault(field_name, set()).add(str(value))
    else:
        wanted = Engine._matching_values(SimpleNamespace(mapping=world.mapping), world.users, links)  # type: ignore[arg-type]
    candidates: dict[str, dict[str, list[str]]] = {}
    for field_name in wanted:
        index: dict[str, list[str]] = {}
        for row in world.targets.values():
            value = row.get(field_name)
            if value:
                index.setdefault(str(value).casefold(), []).append(str(row["Id"]))
        candidates[field_name] = index
    nicknames = frozenset(
        str(r["CommunityNickname"]).casefold() for r in world.targets.values() if r.get("CommunityNickname")
    )
    return PlanInput(
        users=world.users,
        in_scope=frozenset(world.users),
        leaving={},
        links=links,
        targets=world.targets,
        candidates=candidates,
        catalogue=Catalogue(profiles={"standard user": "00eSTD", "chatter free user": "00eCHF"}),
        mapping=world.mapping,
        scoping=ScopingConfig(),
        protected_ids=frozenset({"005INTEGRATION"}),
        linked_active=sum(1 for link in world.links.values() if link.state is LinkState.ACTIVE),
        taken_nicknames=nicknames if world.full else None,
        compare_with_exported=not world.full,
    )


def log_rows(plan: Any) -> int:
    """The provisioning log's modified properties of every writing action, as ``Applier._entry`` builds them."""
    from sfprov.engine.plan import values_for_log
    from sfprov.state import ModifiedProperty

    rows = 0
    for action in plan.writes:
        rows += len([ModifiedProperty(n, o, v) for n, o, v in values_for_log(action.changes)])
    return rows


def child(scenario: str, n: int, wired: bool, profile: Path | None, trace: bool) -> dict[str, Any]:
    import gc

    import sfprov.engine.cycle  # noqa: F401  (imported before the clock starts: its imports are not the engine's work)
    from sfprov.engine.plan import make_plan

    t0 = time.process_time()
    world = build(scenario, n)
    gc.collect()
    build_cpu = time.process_time() - t0
    rss_inputs = _status_mb("VmRSS")
    hwm_inputs = _status_mb("VmHWM")
    profiler: Any = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    if trace:
        import tracemalloc

        tracemalloc.start()
    t1 = time.process_time()
    data = gather(world, wired=wired)
    t2 = time.process_time()
    plan = make_plan(data)
    t3 = time.process_time()
    rows = log_rows(plan)
    t4 = time.process_time()
    traced = 0.0
    if trace:
        import tracemalloc

        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    if profiler is not None:
        assert profile is not None
        profiler.disable()
        profiler.dump_stats(str(profile))
    rss_after = _status_mb("VmRSS")
    return {
        "scenario": scenario,
        "users": n,
        "wired": wired,
        "counts": plan.counts(),
        "logRows": rows,
        "buildCpu": round(build_cpu, 3),
        "gatherCpu": round(t2 - t1, 3),
        "planCpu": round(t3 - t2, 3),
        "logCpu": round(t4 - t3, 3),
        "engineCpu": round(t4 - t1, 3),
        "rssInputsMb": round(rss_inputs, 1),
        "rssAfterMb": round(rss_after, 1),
        "peakMb": round(_status_mb("VmHWM"), 1),
        "peakOverInputsMb": round(_status_mb("VmHWM") - max(rss_inputs, hwm_inputs if trace else rss_inputs), 1),
        "tracedPeakMb": round(traced, 1),
    }


def run_child(argv: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.engine_cost", *argv], cwd=REPO, capture_output=True, text=True, check=False
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        raise RuntimeError(f"engine_cost child failed ({out.returncode}): {out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated: {', '.join(SCENARIOS)}")
    parser.add_argument("--repeat", type=int, default=3, help="child processes per scenario (median and min shown)")
    parser.add_argument("--wired", action="store_true", help="gather with matching_values (the proposed wiring)")
    parser.add_argument("--tracemalloc", action="store_true", help="also the traced peak (slows the steps)")
    parser.add_argument("--profile", type=Path, help="cProfile the steps of one run into this file")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.users, args.wired, args.profile, args.tracemalloc)))
        return
    report: list[dict[str, Any]] = []
    for scenario in args.scenarios.split(","):
        extra = ["--wired"] if args.wired else []
        extra += ["--tracemalloc"] if args.tracemalloc else []
        runs = []
        for k in range(args.repeat):
            prof = ["--profile", str(args.profile)] if args.profile and k == 0 else []
            runs.append(run_child(["--child", scenario, "--users", str(args.users), *extra, *prof]))
        summary = {
            key: {"median": statistics.median(r[key] for r in runs), "min": min(r[key] for r in runs)}
            for key in ("gatherCpu", "planCpu", "logCpu", "engineCpu", "peakMb", "peakOverInputsMb", "tracedPeakMb")
        }
        row = {**runs[0], "runs": len(runs), "summary": summary}
        report.append(row)
        if not args.json:
            s = summary
            print(
                f"{scenario:<12} users={args.users} wired={args.wired} counts={row['counts']} | CPU s (median/min of "
                f"{len(runs)}): gather {s['gatherCpu']['median']:.2f}/{s['gatherCpu']['min']:.2f}, plan "
                f"{s['planCpu']['median']:.2f}/{s['planCpu']['min']:.2f}, log {s['logCpu']['median']:.2f}, engine "
                f"{s['engineCpu']['median']:.2f}/{s['engineCpu']['min']:.2f} | RSS inputs {row['rssInputsMb']:.0f} MB, "
                f"peak {s['peakMb']['median']:.0f} MB (+{s['peakOverInputsMb']['median']:.0f} over inputs)"
                + (f", traced peak {s['tracedPeakMb']['median']:.0f} MB" if args.tracemalloc else ""),
                flush=True,
            )
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
