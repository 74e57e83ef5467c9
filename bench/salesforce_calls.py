"""Salesforce calls and wall time of the connector on a large org (issue 5, "Done when").

Run from the repository root::

    .venv/bin/python -m bench.salesforce_calls                 # 100,000 users read, 10,000 created, 10,000 lookups
    .venv/bin/python -m bench.salesforce_calls --users 2000 --create 500 --lookups 500 \\
        --latency-base-ms 0 --latency-per-record-ms 0 --json

What it does: one emulated production org (standard profiles, an integration user with the "Provisioning
Integration" profile, an External Client App with the client-credentials flow), ``seed_bulk(org, --users)`` active
users, served over HTTPS on a local CA. Then, each phase with a fresh :class:`SalesforceClient` (so its counter
includes the one login):

1. ``SalesforceUsers.read_all()``: paged SOQL, 2,000 rows a page (REST ``query`` + ``nextRecordsUrl``);
2. ``SalesforceUsers.create()`` of ``--create`` new users: sObject Collections of 200, ``--concurrency`` in flight;
3. ``SalesforceUsers.find_by("Username", --lookups values)``: ``IN (...)`` queries sized to the URI limit.

Phases 1 and 2 run twice: with no latency, and with the emulator's latency model
(:mod:`sfprov.emulators.salesforce.faults`): every call waits ``--latency-base-ms`` plus ``--latency-per-record-ms``
for each record it handled. The emulator counts returned query rows as handled records too, so the model as it stands
would make a 2,000-row page wait 30 s; real pages of 2,000 rows do not cost 15 ms a row. Reads therefore run with
``--read-latency-per-record-ms`` (default 0: base latency only); writes with the per-record term. Each phase prints
its floor: the login's latency plus ``calls x latency per call / concurrency``, never less than one call's latency
(reads and lookups are sequential: concurrency 1); the lookups run with no latency only.

Call counts are what carries over to a real org; wall times are for this machine (client and emulator share one
process, the emulator in its host thread), split into client CPU (this thread), emulator CPU (the rest of the
process) and waiting (latency, I/O).
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
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.salesforce.seed import seed_bulk, seed_standard_setup, user_values
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA
from sfprov.secrets import Secret
from sfprov.targets.salesforce.auth import ClientCredentials
from sfprov.targets.salesforce.client import COLLECTION_LIMIT, SalesforceClient
from sfprov.targets.salesforce.users import SalesforceUsers

QUERY_PAGE = 2000
"""Rows per query page without a ``batchSize`` option (REST guide; reference ``salesforce.md`` §12.3)."""


@dataclass
class Latency:
    base_ms: float
    per_record_ms: float

    @property
    def off(self) -> bool:
        return self.base_ms == 0 and self.per_record_ms == 0

    def call_ms(self, records: int) -> float:
        return self.base_ms + self.per_record_ms * records


@dataclass
class Measure:
    """One phase: its Salesforce calls (login included) and where its wall time went."""

    name: str
    records: int
    calls: int
    by_kind: dict[str, int]
    seconds: float
    client_cpu_seconds: float
    emulator_cpu_seconds: float
    latency_base_ms: float
    latency_per_record_ms: float
    concurrency: int
    floor_seconds: float
    """The login's latency plus the modelled latency of the calls needed divided by the concurrency (at least one
    call's latency): the wall time with an infinitely fast client and emulator."""
    failed: int = 0
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Org:
    emulator: SalesforceEmulator
    org_id: str
    method: ClientCredentials
    ca_file: str
    bulk_usernames: list[str]


def build_org(emulator: SalesforceEmulator, users: int, create: int) -> tuple[str, list[str]]:
    """An org of ``users`` users (the integration user and bulk users), with seats for ``create`` more per create
    phase; returns the org id and every username."""
    admin = emulator.admin
    org = admin.create_org("Bench", kind="production", my_domain="bench", settings={"daily_api_requests": 5_000_000})
    with emulator.runtime.lock:
        seed_standard_setup(org, salesforce=50, platform=5, chatter_free=100, integration=5)
    username = "integration@bench.example.com"
    integration = admin.add_user(
        org.id,
        user_values(username, "Int", "Egration", username, org.profile_id("Provisioning Integration")),
        password="Bench-" + secrets.token_urlsafe(12) + "9a",  # never used: client credentials
    )
    admin.add_app(org.id, "sfprov", client_credentials_enabled=True, run_as_user_id=integration)
    with emulator.runtime.lock:
        seed_bulk(org, users - 1, running_user_id=integration)  # with the integration user: ``users`` in all
        licence = org.licence_of_profile(org.profile_id("Standard User"))
        assert licence is not None
        org.set_licence_total(licence, org.licences.used.get(licence, 0) + 2 * create + 10)
    return org.id, [username] + [f"bulk{i}@bulk.example.com" for i in range(users - 1)]


def client_credentials(emulator: SalesforceEmulator, org_id: str) -> ClientCredentials:
    info = next(o for o in emulator.info()["orgs"] if o["org_id"] == org_id)
    app = info["external_client_apps"][0]
    return ClientCredentials(info["instance_url"], app["consumer_key"], Secret(app["consumer_secret"]))


class Bench:
    def __init__(self, org: Org, concurrency: int) -> None:
        self.org = org
        self.concurrency = concurrency
        self.results: list[Measure] = []

    def set_latency(self, latency: Latency) -> None:
        self.org.emulator.admin.set_faults(latency_base_ms=latency.base_ms, latency_per_record_ms=latency.per_record_ms)

    async def measure(
        self,
        name: str,
        latency: Latency,
        action: Callable[[SalesforceUsers], Awaitable[tuple[int, int]]],
        *,
        per_call_records: Callable[[int], list[int]],
        concurrency: int,
    ) -> Measure:
        """Run ``action`` (returns records handled and records failed) on a fresh client and record the figures."""
        self.set_latency(latency)
        try:
            async with SalesforceClient(
                self.org.method, ca_bundle=self.org.ca_file, concurrency=self.concurrency
            ) as client:
                wall, thread_cpu, process_cpu = time.perf_counter(), time.thread_time(), time.process_time()
                records, failed = await action(SalesforceUsers(client))
                seconds = time.perf_counter() - wall
                client_cpu = time.thread_time() - thread_cpu
                emulator_cpu = max(time.process_time() - process_cpu - client_cpu, 0.0)
                counts = dict(client.calls.by_kind)
                total = client.calls.total
        finally:
            self.org.emulator.admin.clear_faults()
        login_ms = latency.base_ms * counts.get("login", 0)
        work = [latency.call_ms(n) for n in per_call_records(records)]
        work_ms = max(sum(work) / concurrency, max(work, default=0.0))
        measure = Measure(
            name=name,
            records=records,
            calls=total,
            by_kind=counts,
            seconds=seconds,
            client_cpu_seconds=client_cpu,
            emulator_cpu_seconds=emulator_cpu,
            latency_base_ms=latency.base_ms,
            latency_per_record_ms=latency.per_record_ms,
            concurrency=concurrency,
            floor_seconds=(login_ms + work_ms) / 1000,
            failed=failed,
        )
        self.results.append(measure)
        return measure


def pages(total: int, size: int) -> list[int]:
    """How many records each of the calls reading or writing ``total`` records in pieces of ``size`` handles."""
    return [min(size, total - lo) for lo in range(0, total, size)] or [0]


async def read_all(users: SalesforceUsers) -> tuple[int, int]:
    return len(await users.read_all()), 0


def creator(prefix: str, n: int, profile_id: str) -> Callable[[SalesforceUsers], Awaitable[tuple[int, int]]]:
    records = [
        user_values(
            f"{prefix}{i}@create.example.com",
            "New",
            f"User {i}",
            f"{prefix}{i}@create.example.com",
            profile_id,
            Alias=f"n{i}"[:8],
            CommunityNickname=f"{prefix}{i}.create"[:40],
            FederationIdentifier=f"{prefix.upper()}{i}",
        )
        for i in range(n)
    ]

    async def create(users: SalesforceUsers) -> tuple[int, int]:
        results = await users.create(records)
        return sum(r.success for r in results), sum(not r.success for r in results)

    return create


def finder(values: list[str]) -> Callable[[SalesforceUsers], Awaitable[tuple[int, int]]]:
    async def find(users: SalesforceUsers) -> tuple[int, int]:
        found = await users.find_by("Username", values)
        return sum(len(v) for v in found.values()), len(values) - len(found)

    return find


async def scenario(bench: Bench, args: argparse.Namespace, profile_id: str) -> None:
    none = Latency(0, 0)
    read_model = Latency(args.latency_base_ms, args.read_latency_per_record_ms)
    write_model = Latency(args.latency_base_ms, args.latency_per_record_ms)
    models = [("no latency", none)] + ([] if write_model.off else [("latency model", write_model)])

    read_models = [("no latency", none)] + ([] if read_model.off else [("latency model", read_model)])
    for label, latency in read_models:
        m = await bench.measure(
            f"read_all, {label}",
            latency,
            read_all,
            per_call_records=lambda records: pages(records, QUERY_PAGE),
            concurrency=1,
        )
        m.notes["expected_query_calls"] = math.ceil(m.records / QUERY_PAGE)
    for n, (label, latency) in enumerate(models):
        m = await bench.measure(
            f"create {args.create}, {label}",
            latency,
            creator(f"new{n}x", args.create, profile_id),
            per_call_records=lambda _records: pages(args.create, COLLECTION_LIMIT),
            concurrency=bench.concurrency,
        )
        m.notes["expected_collection_calls"] = math.ceil(args.create / COLLECTION_LIMIT)
    lookups = bench.org.bulk_usernames[: args.lookups]
    m = await bench.measure(
        f"find_by Username x{len(lookups)}, no latency",
        none,
        finder(lookups),
        per_call_records=lambda _records: [],
        concurrency=1,
    )
    m.notes["values_per_query"] = round(len(lookups) / max(m.by_kind.get("query", 1), 1), 1)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000, help="bulk users in the org (read phase)")
    parser.add_argument("--create", type=int, default=10_000, help="users created per create phase")
    parser.add_argument("--lookups", type=int, default=10_000, help="usernames looked up (at most --users)")
    parser.add_argument("--latency-base-ms", type=float, default=150.0, help="added to every call")
    parser.add_argument("--latency-per-record-ms", type=float, default=15.0, help="added per record written")
    parser.add_argument(
        "--read-latency-per-record-ms", type=float, default=0.0, help="added per query row returned (see docstring)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="collection calls in flight")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the org, serve it, run every phase; the figures as a JSON-able dict."""
    started = time.perf_counter()
    emulator = SalesforceEmulator.empty()
    org_id, usernames = build_org(emulator, args.users, args.create)
    build_seconds = time.perf_counter() - started
    profile_id = emulator.admin.org(org_id).profile_id("Standard User")
    with tempfile.TemporaryDirectory() as tmp:
        ca = LocalCA.create(directory=Path(tmp))
        with EmulatorHost(ca) as host:
            emulator.serve(host)
            org = Org(emulator, org_id, client_credentials(emulator, org_id), str(ca.ca_file), usernames)
            bench = Bench(org, args.concurrency)
            asyncio.run(scenario(bench, args, profile_id))
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "users": args.users,
        "build_seconds": round(build_seconds, 1),
        "results": [{**asdict(m), "records_per_second": round(m.records_per_second, 1)} for m in bench.results],
    }


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    report = run(args)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(" ".join(f"{k}={v}" for k, v in report.items() if k != "results"))
    print(
        f"{'phase':<44} {'records':>8} {'calls':>6} {'wall s':>8} {'floor s':>8} {'rec/s':>8} "
        f"{'client cpu':>10} {'emu cpu':>8}  calls by kind"
    )
    for m in report["results"]:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(m["by_kind"].items()))
        print(
            f"{m['name']:<44} {m['records']:>8} {m['calls']:>6} {m['seconds']:>8.2f} {m['floor_seconds']:>8.2f} "
            f"{m['records_per_second']:>8.0f} {m['client_cpu_seconds']:>10.2f} {m['emulator_cpu_seconds']:>8.2f}"
            f"  {kinds}"
        )


if __name__ == "__main__":
    main()
