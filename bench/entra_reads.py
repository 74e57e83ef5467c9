"""Graph calls and wall time of the Entra reader on a large tenant (issue 6, "Done when").

Run from the repository root::

    .venv/bin/python -m bench.entra_reads                 # 100,000 users, the emulator's default page sizes
    .venv/bin/python -m bench.entra_reads --users 20000 --delta-page-size 200 --json

What it does: builds ``EntraEmulator.bulk(N)`` (every 10th user is a direct member of the licensed group, which is
assigned to the Salesforce app with the Standard User role), serves it over HTTPS on a local CA, and measures

1. a full read with ``all_users`` scope, and one with ``app_assignment`` scope;
2. an incremental read of each after 10 changes: 6 attribute changes of in-scope users, 2 users added to and 2
   removed from the licensed group;
3. for comparison, the same incremental read without stored memberships (every member list re-read, as before
   groups delta was used), and a quiet incremental read with no change at all.

Page sizes: ``$top=999`` is sent wherever Graph allows it (group members, assignments); delta queries take no
``$top`` (reference ``entra-graph.md`` §4.2), so a delta page holds the emulator's ``delta_page_size`` objects
(UNVERIFIED for Graph; printed with the figures). Wall times are for the emulator on this machine and measure the
client plus the emulator, not Graph's latency; the call counts are what carries over to a real tenant.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sfprov.emulators.entra import EntraEmulator
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME, SALESFORCE_APP_ID
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA
from sfprov.secrets import Secret
from sfprov.sources.entra.graph import GraphClient
from sfprov.sources.entra.reader import EntraReader, ScopeSettings, SourceRead
from sfprov.sources.entra.tokens import ClientSecretCredential, GraphTokenProvider

ATTRIBUTES = ("userPrincipalName", "mail", "givenName", "surname", "department", "jobTitle", "employeeId")
"""Roughly what the gallery mapping reads."""


@dataclass
class Measure:
    name: str
    calls: int
    by_kind: dict[str, int]
    seconds: float
    in_scope: int
    users: int
    notes: dict[str, Any] = field(default_factory=dict)


class Bench:
    def __init__(self, emulator: EntraEmulator, ca_file: str) -> None:
        self.emulator = emulator
        self.ca_file = ca_file
        info = emulator.info()
        authority, _, tenant = info["authority"].rpartition("/")
        self.tokens = GraphTokenProvider(
            authority_url=authority,
            tenant_id=tenant,
            client_id=info["client_id"],
            credential=ClientSecretCredential(Secret(info["client_secret"])),
            graph_url=info["graph_base_url"],
            ca_bundle=ca_file,
        )
        self.graph_url = info["graph_base_url"]
        self.results: list[Measure] = []

    async def measure(self, name: str, scope: ScopeSettings, state: SourceRead | None, **kw: Any) -> SourceRead:
        await self.tokens.token()  # the token is not part of the read
        async with GraphClient(self.tokens, base_url=self.graph_url, ca_bundle=self.ca_file) as graph:
            reader = EntraReader(graph, scope, ATTRIBUTES)
            started = time.perf_counter()
            if state is None:
                read = await reader.read_full()
            elif kw.get("without_memberships"):
                read = await reader.read_changes(state.users_delta_link, state.in_scope)
            else:
                read = await reader.read_changes_since(state.state)
            seconds = time.perf_counter() - started
            counters = graph.counters
            self.results.append(
                Measure(name, counters.calls, dict(counters.by_kind), seconds, len(read.in_scope), len(read.users))
            )
        return read


def ten_changes(emulator: EntraEmulator, app_read: SourceRead) -> list[str]:
    """6 attribute changes of in-scope users, 2 joiners and 2 leavers of the licensed group."""
    admin = emulator.admin
    group = admin.group_by_name(LICENSED_GROUP_NAME)["id"]
    in_scope = sorted(app_read.in_scope)
    outsiders = [uid for uid in list(emulator.directory.users)[1:200] if uid not in app_read.in_scope]
    done: list[str] = []
    for uid in in_scope[:6]:
        admin.update_user(uid, department="Procurement", jobTitle="Buyer")
        done.append(f"attribute change {uid}")
    for uid in outsiders[:2]:
        admin.add_member(group, uid)
        done.append(f"group add {uid}")
    for uid in in_scope[-2:]:
        admin.remove_member(group, uid)
        done.append(f"group remove {uid}")
    return done


def no_delay(host: EmulatorHost) -> None:
    """TCP_NODELAY on the emulator's listeners: without it each call waits ~40 ms (Nagle meets delayed ACK), which
    is an artefact of the local server, not of Graph (reported for ``sfprov.emulators.server``)."""
    for server, _future in getattr(host, "_servers", []):
        for listener in getattr(server, "servers", None) or []:
            for sock in listener.sockets:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def scenario(bench: Bench) -> None:
    all_users = ScopeSettings(mode="all_users")
    assigned = ScopeSettings(mode="app_assignment", app_id=SALESFORCE_APP_ID)
    full_all = await bench.measure("full read, all_users", all_users, None)
    full_app = await bench.measure("full read, app_assignment", assigned, None)
    await bench.measure("quiet delta (no change), app_assignment", assigned, full_app)
    changes = ten_changes(bench.emulator, full_app)
    delta_all = await bench.measure("delta after 10 changes, all_users", all_users, full_all)
    delta_app = await bench.measure("delta after 10 changes, app_assignment", assigned, full_app)
    await bench.measure(
        "delta after 10 changes, app_assignment, member lists re-read", assigned, full_app, without_memberships=True
    )
    assert len(changes) == 10
    assert len(delta_all.users) >= 6
    assert delta_app.in_scope != full_app.in_scope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--delta-page-size", type=int, default=None, help="emulator objects per delta page")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    started = time.perf_counter()
    emulator = EntraEmulator.bulk(args.users)
    build_seconds = time.perf_counter() - started
    if args.delta_page_size:
        emulator.admin.configure_faults(delta_page_size=args.delta_page_size)
    config = emulator.faults.config
    with tempfile.TemporaryDirectory() as tmp:
        ca = LocalCA.create(directory=Path(tmp))
        with EmulatorHost(ca) as host:
            emulator.serve(host)
            no_delay(host)
            bench = Bench(emulator, str(ca.ca_file))
            asyncio.run(scenario(bench))
    header = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "users": args.users,
        "licensed_users": len(emulator.directory.members[emulator.admin.group_by_name(LICENSED_GROUP_NAME)["id"]]),
        "build_seconds": round(build_seconds, 1),
        "delta_page_size": config.delta_page_size,
        "members_delta_page_size": config.members_delta_page_size,
    }
    if args.json:
        print(json.dumps({**header, "results": [m.__dict__ for m in bench.results]}, indent=2))
        return
    print(" ".join(f"{k}={v}" for k, v in header.items()))
    print(f"{'read':<62} {'calls':>6} {'seconds':>8} {'in scope':>9} {'users':>7}  calls by kind")
    for m in bench.results:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(m.by_kind.items()))
        print(f"{m.name:<62} {m.calls:>6} {m.seconds:>8.2f} {m.in_scope:>9} {m.users:>7}  {kinds}")


if __name__ == "__main__":
    main()
