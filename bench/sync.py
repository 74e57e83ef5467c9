"""Initial sync of N in-scope users by the sfprov engine, its floor under a latency model, and the naive script
beside it (issue 9).

Run from the repository root::

    .venv/bin/python -m bench.sync --users 1000                      # empty org, default latency model
    .venv/bin/python -m bench.sync --users 1000 --existing --naive   # also the matching path and the naive script
    .venv/bin/python -m bench.sync --users 1000 --no-latency --json

What it does:

* **Entra**: ``EntraEmulator.bulk(N)`` with *every* user put in the licensed group (``build_bulk`` itself puts every
  10th there, through the same membership map), so N users are in scope of the Salesforce app with the Standard User
  role. Every 97th generated user is disabled, so about 1 % are in scope but not created.
* **Salesforce**: one empty production org per measured run (``Bench``/``Matching``/``Naive``), each with the standard
  profiles, an integration user and an External Client App with client credentials, and enough Standard User seats.
  With ``--existing`` the ``Matching`` org first gets all N users with the same Username (through the org's own API
  rules, as ``seed_bulk`` does; ``seed_bulk`` itself names users ``bulk{i}@...``), so the engine adopts them.
* **Latency model** (printed with every result): Salesforce ``--latency-sf-call-ms`` per call (default 150) plus
  ``--latency-sf-record-ms`` per record *written* (default 15; the emulator also charges returned query rows, which
  would make one 2,000-row page wait 30 s, so this harness charges writes only), Graph ``--latency-graph-page-ms``
  per call (default 80).
* **The engine runs in its own process** (``python -m bench.sync --child-config``): one ``Engine.run_cycle`` as
  ``sfprov sync`` runs it, so its CPU seconds (``os.wait4``) and peak RSS (its own ``VmHWM``) are the sfprov
  process alone; the emulators serve from this process. The naive script (:mod:`bench.naive`) runs the same way.

The floor printed beside each result is what the latency model alone costs with an infinitely fast client and
emulator: Graph pages ``ceil(N/999)`` (``$top=999`` member pages, one after the other) x page latency, plus Salesforce
reads (login, catalogue, ``ceil(rows/2000)`` query pages) one after the other, plus collection writes
``sum(call + records x record latency) / concurrency``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sfprov.emulators.entra import EntraEmulator
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME, SALESFORCE_APP_ID
from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.salesforce.seed import seed_standard_setup, user_values
from sfprov.emulators.salesforce.store import Org
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA

COLLECTION = 200
"""Records per sObject Collections call (REST guide; reference ``salesforce.md``)."""
QUERY_PAGE = 2000
"""Rows per query page."""
GRAPH_PAGE = 999
"""Largest ``$top`` Graph accepts on member and assignment lists."""
REPO = Path(__file__).resolve().parent.parent
"""The children run ``python -m bench.…`` from the repository root."""
CATALOGUE_READS = 4
"""Salesforce reads before any user read: login, profiles with licences, roles, permission sets (counted as reads
in the floor; the engine's own count is printed beside)."""


@dataclass(frozen=True)
class Latency:
    sf_call_ms: float = 150.0
    sf_record_ms: float = 15.0
    graph_page_ms: float = 80.0

    def describe(self) -> str:
        return (
            f"Salesforce {self.sf_call_ms:g} ms/call + {self.sf_record_ms:g} ms/record written, "
            f"Graph {self.graph_page_ms:g} ms/call"
        )


def add_latency_arguments(parser: argparse.ArgumentParser) -> None:
    """The latency model's options, the same in every harness that uses it (defaults: :class:`Latency`)."""
    parser.add_argument("--latency-sf-call-ms", type=float, default=150.0, help="per Salesforce call")
    parser.add_argument("--latency-sf-record-ms", type=float, default=15.0, help="per record written")
    parser.add_argument("--latency-graph-page-ms", type=float, default=80.0, help="per Graph call")
    parser.add_argument("--no-latency", action="store_true", help="all latencies 0 (the smoke test)")


def latency_from(args: argparse.Namespace) -> Latency:
    """The model the options of :func:`add_latency_arguments` describe."""
    if args.no_latency:
        return Latency(0, 0, 0)
    return Latency(args.latency_sf_call_ms, args.latency_sf_record_ms, args.latency_graph_page_ms)


def peak_rss_mb() -> float:
    """This process's own peak RSS (``VmHWM``). ``ru_maxrss`` from ``wait4`` is not used for it: Linux carries the
    parent's high-water mark into a forked child across ``exec``, so a child of a big harness looks as big."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Child:
    """What ``os.wait4`` says about a finished child process (CPU), and the JSON it printed last."""

    wall_seconds: float
    cpu_seconds: float
    max_rss_mb: float
    returncode: int
    output: dict[str, Any]


@dataclass
class Result:
    name: str
    users: int
    wall_seconds: float
    cycle_seconds: float
    floor_seconds: float
    salesforce_calls: int
    graph_calls: int
    cpu_seconds: float
    cycle_cpu_seconds: float
    max_rss_mb: float
    counts: dict[str, int]
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def users_per_second(self) -> float:
        return self.users / self.cycle_seconds if self.cycle_seconds > 0 else 0.0

    def row(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "users_per_second": round(self.users_per_second, 1),
            "salesforce_calls_per_user": round(self.salesforce_calls / max(self.users, 1), 4),
            "ratio_to_floor": round(self.cycle_seconds / self.floor_seconds, 2) if self.floor_seconds else None,
        }


def run_child(argv: list[str], cwd: Path, timeout: float = 3600.0) -> Child:
    """Run ``python argv`` and collect its CPU time (``wait4``: this child only, not the harness) and its output."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, *argv], cwd=cwd, stdout=out, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                raise TimeoutError(f"{argv[:3]} ran longer than {timeout:.0f} s")
            time.sleep(0.02)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        out.seek(0)
        lines = [line for line in out.read().decode(errors="replace").splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{argv[:3]} printed no result (exit {proc.returncode}): {err[-2000:]}")
    return Child(
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mb=float(json.loads(lines[-1]).get("peakRssMb", usage.ru_maxrss / 1024)),
        returncode=proc.returncode,
        output=json.loads(lines[-1]),
    )


# ---------------------------------------------------------------------------------------------- the emulated world


def writes_only_latency(emulator: SalesforceEmulator) -> None:
    """Charge the per-record latency to written records only: GET calls (queries, record reads) report 0 records to
    the latency model. The emulator's model charges returned rows too (see the module docstring)."""
    app = emulator.app
    dispatch = app._dispatch

    async def charged(request: Any, path: str) -> Any:
        response, records = await dispatch(request, path)
        return response, 0 if request.method == "GET" else records

    app._dispatch = charged  # type: ignore[method-assign]


def add_org(emulator: SalesforceEmulator, name: str, seats: int) -> Org:
    """An empty production org with the standard profiles, an integration user, an External Client App with client
    credentials (run as the integration user) and ``seats`` free Standard User licences."""
    admin = emulator.admin
    domain = name.lower()
    org = admin.create_org(name, kind="production", my_domain=domain, settings={"daily_api_requests": 5_000_000})
    with emulator.runtime.lock:
        seed_standard_setup(org, salesforce=50, platform=5, chatter_free=100, integration=5)
    username = f"integration@{domain}.example.com"
    integration = admin.add_user(
        org.id,
        user_values(username, "Int", "Egration", username, org.profile_id("Provisioning Integration")),
        password="Bench-" + secrets.token_urlsafe(12) + "9a",  # never used: client credentials
    )
    admin.add_app(org.id, "sfprov", client_credentials_enabled=True, run_as_user_id=integration)
    with emulator.runtime.lock:
        licence = org.licence_of_profile(org.profile_id("Standard User"))
        assert licence is not None
        org.set_licence_total(licence, org.licences.used.get(licence, 0) + seats)
    return org


def seed_existing(emulator: SalesforceEmulator, org: Org, entra: EntraEmulator) -> int:
    """Create every enabled in-scope Entra user in ``org`` with the same Username (API rules, batches of 200)."""
    profile = org.profile_id("Standard User")
    batch: list[dict[str, Any]] = []
    created = 0
    with emulator.runtime.lock:
        users = [u for u in entra.directory.users.values() if u.get("accountEnabled")]
        for user in users:
            upn = str(user["userPrincipalName"])
            nick = str(user["mailNickname"])
            batch.append(
                user_values(upn, user["givenName"], user["surname"], user["mail"], profile, CommunityNickname=nick)
            )
            if len(batch) == COLLECTION or user is users[-1]:
                for result in org.create("User", batch):
                    if not result.success:
                        raise result.errors[0]
                    created += 1
                batch = []
    return created


def org_info(emulator: SalesforceEmulator, org: Org) -> dict[str, Any]:
    return next(o for o in emulator.info()["orgs"] if o["org_id"] == org.id)


@dataclass
class Lab:
    """Both emulators served over HTTPS from this process, plus the files a client needs."""

    entra: EntraEmulator
    salesforce: SalesforceEmulator
    ca: LocalCA
    host: EmulatorHost
    workdir: Path
    users: int
    latency: Latency

    @property
    def group_id(self) -> str:
        return str(self.entra.admin.group_by_name(LICENSED_GROUP_NAME)["id"])

    def set_latency(self, latency: Latency | None = None) -> None:
        latency = latency or self.latency
        self.salesforce.admin.set_faults(latency_base_ms=latency.sf_call_ms, latency_per_record_ms=latency.sf_record_ms)
        self.entra.admin.configure_faults(latency_ms_per_call=latency.graph_page_ms)

    def write_config(self, org: Org, name: str, *, concurrency: int, interval: float = 60) -> Path:
        """An ordinary sfprov.yaml (as ``sfprov demo`` writes) for ``org``; secrets in files of mode 600."""
        folder = self.workdir / name
        (folder / "secrets").mkdir(parents=True, exist_ok=True)
        entra = self.entra.info()
        app = org_info(self.salesforce, org)["external_client_apps"][0]
        _secret(folder / "secrets" / "sf", app["consumer_secret"])
        _secret(folder / "secrets" / "entra", entra["client_secret"])
        authority, _, tenant = entra["authority"].rpartition("/")
        path = folder / "sfprov.yaml"
        path.write_text(
            f"""version: 1
state:
  url: sqlite:///state.db
source:
  tenant_id: {tenant}
  client_id: {entra["client_id"]}
  client_secret: {{file: secrets/entra}}
  authority_url: {authority}
  graph_url: {entra["graph_base_url"]}
  ca_bundle: {self.ca.ca_file}
  scope:
    mode: app_assignment
    app_id: {SALESFORCE_APP_ID}
mapping:
  defaults: gallery
run:
  interval_seconds: {interval}
targets:
  - name: bench
    login:
      method: client_credentials
      my_domain_url: {org_info(self.salesforce, org)["instance_url"]}
      client_id: {app["consumer_key"]}
      client_secret: {{file: secrets/sf}}
    ca_bundle: {self.ca.ca_file}
    concurrency: {concurrency}
""",
            encoding="utf-8",
        )
        return path


def _secret(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)


def build_tenant(users: int) -> EntraEmulator:
    """``EntraEmulator.bulk(users)`` with every user a direct member of the licensed group (in scope)."""
    entra = EntraEmulator.bulk(users)
    group = str(entra.admin.group_by_name(LICENSED_GROUP_NAME)["id"])
    with entra.lock:
        members = entra.directory.members[group]
        for user_id in entra.directory.users:
            members[user_id] = "user"
    return entra


@contextmanager
def lab(users: int, latency: Latency, workdir: Path) -> Iterator[Lab]:
    entra = build_tenant(users)
    salesforce = SalesforceEmulator.empty()
    writes_only_latency(salesforce)
    ca = LocalCA.create(directory=workdir / "ca")
    with EmulatorHost(ca) as host:
        entra.serve(host)
        salesforce.serve(host)
        yield Lab(entra, salesforce, ca, host, workdir, users, latency)


def in_scope_enabled(lab: Lab) -> int:
    return sum(1 for u in lab.entra.directory.users.values() if u.get("accountEnabled"))


# ---------------------------------------------------------------------------------------------- floors


def graph_floor(users: int, latency: Latency) -> float:
    """Token, app assignments, then the member pages one after the other."""
    return (2 + math.ceil(users / GRAPH_PAGE)) * latency.graph_page_ms / 1000


def salesforce_floor(existing_rows: int, written: int, latency: Latency, concurrency: int) -> float:
    reads = CATALOGUE_READS + max(1, math.ceil(existing_rows / QUERY_PAGE))
    calls = math.ceil(written / COLLECTION)
    writes = calls * latency.sf_call_ms + written * latency.sf_record_ms
    write_ms = max(writes / concurrency, latency.sf_call_ms + min(written, COLLECTION) * latency.sf_record_ms)
    return (reads * latency.sf_call_ms + (write_ms if written else 0)) / 1000


# ---------------------------------------------------------------------------------------------- the measured runs


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.split(",")[-1].strip())


def engine_run(
    lab: Lab,
    name: str,
    org: Org,
    *,
    existing: int,
    concurrency: int,
    profile: Path | None,
    trace: Path | None = None,
) -> Result:
    config = lab.write_config(org, name, concurrency=concurrency)
    argv = ["-m", "bench.sync", "--child-config", str(config)]
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        argv += ["--child-profile", str(profile / f"profile-{lab.users}-{slug(name)}.txt")]
    if trace is not None:
        trace.mkdir(parents=True, exist_ok=True)
        argv += ["--child-tracemalloc", str(trace / f"memory-{lab.users}-{slug(name)}.txt")]
    lab.set_latency()
    lab.salesforce.admin.reset_counters()
    child = run_child(argv, cwd=REPO)
    out = child.output
    endpoints = {k.replace("/services/data/vXX.X", ""): v for k, v in lab.salesforce.admin.counters().items()}
    counts = {k: int(v) for k, v in out["counts"].items() if v}
    # records the plan writes (an adopted account is written too: the link fields are set by one PATCH collection)
    written = sum(counts.get(k, 0) for k in ("create", "adopt", "update", "enable", "disable"))
    floor = graph_floor(lab.users, lab.latency) + salesforce_floor(existing, written, lab.latency, concurrency)
    return Result(
        name=name,
        users=lab.users,
        wall_seconds=round(child.wall_seconds, 2),
        cycle_seconds=round(float(out["seconds"]), 2),
        floor_seconds=round(floor, 2),
        salesforce_calls=int(out["salesforceCalls"]),
        graph_calls=int(out["graphCalls"]),
        cpu_seconds=round(child.cpu_seconds, 2),
        cycle_cpu_seconds=round(float(out["cpuSeconds"]), 2),
        max_rss_mb=round(child.max_rss_mb, 1),
        counts=counts,
        notes={"status": out["status"], "error": out.get("error"), "salesforce_endpoints": endpoints},
    )


def naive_run(lab: Lab, org: Org) -> Result:
    from bench.naive import write_settings

    settings = write_settings(lab, org, lab.workdir / "naive.json")
    lab.set_latency()
    child = run_child(["-m", "bench.naive", str(settings)], cwd=REPO)
    out = child.output
    users = int(out["created"]) + int(out["updated"])
    # per user: one query and one write, one after the other; plus the Graph pages and one login
    floor = (
        graph_floor(lab.users, lab.latency)
        + (1 + users * 2) * lab.latency.sf_call_ms / 1000
        + users * lab.latency.sf_record_ms / 1000
    )
    return Result(
        name="naive script (simple-salesforce, one user at a time)",
        users=lab.users,
        wall_seconds=round(child.wall_seconds, 2),
        cycle_seconds=round(float(out["seconds"]), 2),
        floor_seconds=round(floor, 2),
        salesforce_calls=int(out["salesforceCalls"]),
        graph_calls=int(out["graphCalls"]),
        cpu_seconds=round(child.cpu_seconds, 2),
        cycle_cpu_seconds=round(float(out["cpuSeconds"]), 2),
        max_rss_mb=round(child.max_rss_mb, 1),
        counts={k: int(out[k]) for k in ("created", "updated", "skipped", "failed") if out.get(k)},
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    latency = latency_from(args)
    results: list[Result] = []
    build_seconds: list[float] = []
    seats = args.users + 10
    runs = ["empty"] + (["existing"] if args.existing else []) + (["naive"] if args.naive else [])
    # usernames are unique across every org of an emulator (as across Salesforce): one fresh world per run
    for kind in runs:
        with tempfile.TemporaryDirectory(prefix="sfprov-bench-") as tmp:
            started = time.perf_counter()
            with lab(args.users, latency, Path(tmp)) as world:
                org = add_org(world.salesforce, "Bench", seats)
                existing = 1 + (seed_existing(world.salesforce, org, world.entra) if kind == "existing" else 0)
                build_seconds.append(round(time.perf_counter() - started, 1))
                if kind == "naive":
                    results.append(naive_run(world, org))
                else:
                    name = "sfprov, empty org" if kind == "empty" else "sfprov, every user exists (matching)"
                    results.append(
                        engine_run(
                            world,
                            name,
                            org,
                            existing=existing,
                            concurrency=args.concurrency,
                            profile=args.profile,
                            trace=args.tracemalloc,
                        )
                    )
                enabled = in_scope_enabled(world)
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}",
        "users_in_scope": args.users,
        "enabled_in_scope": enabled,
        "latency_model": latency.describe(),
        "concurrency": args.concurrency,
        "build_seconds": build_seconds,
        "results": [r.row() for r in results],
    }
    if args.naive:
        naive = next(r for r in results if r.name.startswith("naive"))
        report["naive_over_sfprov"] = round(naive.cycle_seconds / max(results[0].cycle_seconds, 1e-9), 1)
    return report


# ---------------------------------------------------------------------------------------------- the engine child


class PeakSnapshots:
    """tracemalloc snapshots taken near the engine's peak of traced memory, from a thread sampling every 0.2 s (a
    snapshot at the end of the cycle would miss what the cycle held in its frames). Slows the engine 2-3x."""

    def __init__(self, out: Path) -> None:
        import threading
        import tracemalloc

        self.out = out
        self.best = 0
        self.snapshot: Any = None
        self.done = threading.Event()
        tracemalloc.start(1)
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        import tracemalloc

        while not self.done.wait(0.2):
            current, _ = tracemalloc.get_traced_memory()
            if current > self.best * 1.05:
                self.best = current
                self.snapshot = tracemalloc.take_snapshot()

    def finish(self) -> None:
        import tracemalloc

        self.done.set()
        self.thread.join()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        lines = [f"traced peak {peak / 2**20:.1f} MB; snapshot at {self.best / 2**20:.1f} MB, top sites:"]
        if self.snapshot is not None:
            for stat in self.snapshot.statistics("lineno")[:40]:
                lines.append(f"{stat.size / 2**20:8.1f} MB {stat.count:>9} blocks  {stat.traceback}")
        self.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def child_main(config_path: Path, profile_out: Path | None, trace_out: Path | None = None) -> None:
    """One cycle as ``sfprov sync`` runs it; prints one JSON line of figures (no action list: at 100,000 users that
    would be the biggest cost of the process)."""
    from sfprov.cli_engine import state_url
    from sfprov.config import load_config
    from sfprov.engine.cycle import CycleOptions, Engine
    from sfprov.state import StateStore

    config, base_dir = load_config(config_path)
    store = StateStore.open(state_url(config, base_dir))
    profiler: Any = None
    if profile_out is not None:
        try:
            from pyinstrument import Profiler

            profiler = Profiler(async_mode="enabled")
        except ImportError:  # not a project dependency: cProfile (CPU only: the event loop's waits are not in it)
            import cProfile

            profiler = cProfile.Profile()
            profiler.stop = profiler.disable
        profiler.start = getattr(profiler, "start", None) or profiler.enable
        profiler.start()
    tracer = PeakSnapshots(trace_out) if trace_out is not None else None
    cpu = time.process_time()
    try:
        engine = Engine(config, config.targets[0], store, base_dir=base_dir)
        report = asyncio.run(engine.run_cycle(CycleOptions(ignore_quarantine=True)))
    finally:
        store.close()
    cpu = time.process_time() - cpu
    if tracer is not None:
        tracer.finish()
    if profiler is not None:
        profiler.stop()
        assert profile_out is not None
        if hasattr(profiler, "output_text"):
            profile_out.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
        else:
            import io
            import pstats

            profiler.dump_stats(str(profile_out.with_suffix(".prof")))
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(60)
            profile_out.write_text(text.getvalue(), encoding="utf-8")
    print(
        json.dumps(
            {
                "status": report.status.value,
                "error": report.error,
                "counts": report.counts(),
                "graphCalls": report.source_calls,
                "salesforceCalls": report.target_calls,
                "seconds": report.seconds,
                "cpuSeconds": cpu,
                "peakRssMb": peak_rss_mb(),
            }
        )
    )


# ---------------------------------------------------------------------------------------------- command line


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="users in scope of the Salesforce app")
    add_latency_arguments(parser)
    parser.add_argument("--concurrency", type=int, default=4, help="targets[].concurrency: collection calls in flight")
    parser.add_argument("--existing", action="store_true", help="also sync into an org where every user exists")
    parser.add_argument("--naive", action="store_true", help="also run the naive script (bench/naive.py)")
    parser.add_argument(
        "--profile",
        type=Path,
        help="pyinstrument (or, without it, cProfile) the engine child; reports go in this folder",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child-config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--tracemalloc", type=Path, help="the engine child's biggest allocation sites near its peak, into this folder"
    )
    parser.add_argument("--child-profile", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-tracemalloc", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def print_table(report: dict[str, Any]) -> None:
    print(" | ".join(f"{k}={v}" for k, v in report.items() if k != "results"))
    print(
        f"{'run':<46} {'cycle s':>8} {'floor s':>8} {'x floor':>7} {'users/s':>8} {'SF calls':>8} {'SF/user':>8} "
        f"{'Graph':>6} {'CPU s':>6} {'RSS MB':>7}  counts"
    )
    for r in report["results"]:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(r["counts"].items()))
        print(
            f"{r['name'][:46]:<46} {r['cycle_seconds']:>8.2f} {r['floor_seconds']:>8.2f} "
            f"{r['ratio_to_floor'] or 0:>7.2f} {r['users_per_second']:>8.0f} {r['salesforce_calls']:>8} "
            f"{r['salesforce_calls_per_user']:>8.4f} {r['graph_calls']:>6} {r['cpu_seconds']:>6.2f} "
            f"{r['max_rss_mb']:>7.0f}  {counts}"
        )


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.child_config is not None:
        child_main(args.child_config, args.child_profile, args.child_tracemalloc)
        return
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)


if __name__ == "__main__":
    main()
