"""`sfprov demo`: the whole lifecycle on the embedded emulators, in a minute, with nothing to set up.

It starts an Entra tenant and a Salesforce org in-process (real HTTPS on loopback), writes an ordinary config and
SQLite state file into a working folder, and runs real cycles through the same code as `sfprov sync`: provision
the licensed group, follow an attribute change, deactivate a leaver, reactivate them, and show a user refused for
lack of licences with the fix. Afterwards the folder holds a config you can keep using with `sfprov plan`,
`sfprov logs` and `sfprov status` while `sfprov emulate --snapshot` is not needed: the demo prints the commands.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any, cast

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from sfprov.cli_engine import log_row
from sfprov.config import SfprovConfig, load_config
from sfprov.emulators.entra import EntraEmulator
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME, SALESFORCE_APP_ID
from sfprov.emulators.runner import RunningEmulators, start_emulators
from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.engine.cycle import CycleOptions, CycleReport, Engine
from sfprov.engine.plan import ActionKind
from sfprov.state import LogEntry, LogQuery, StateStore

console = Console()


def _secret_file(folder: Path, name: str, value: str) -> str:
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return f"secrets/{name}"


def write_config(running: RunningEmulators, workdir: Path) -> Path:
    """An ordinary sfprov.yaml pointing at the emulators; secrets in files readable only by the owner."""
    info = running.info()
    org = next(o for o in info["salesforce"]["orgs"] if o["kind"] == "production")
    app = org["external_client_apps"][0]
    entra = info["entra"]
    secrets = workdir / "secrets"
    secrets.mkdir(parents=True, exist_ok=True)
    sf_secret = _secret_file(secrets, "salesforce-client-secret", app["consumer_secret"])
    entra_secret = _secret_file(secrets, "entra-client-secret", entra["client_secret"])
    ca = workdir / "emulator-ca.pem"
    running.ca.write_ca(ca)
    authority, _, tenant = entra["authority"].rpartition("/")
    path = workdir / "sfprov.yaml"
    path.write_text(
        f"""# Written by `sfprov demo`: the embedded emulators stand in for Entra ID and Salesforce.
version: 1
state:
  url: sqlite:///state.db
source:
  tenant_id: {tenant}
  client_id: {entra["client_id"]}
  client_secret: {{file: {entra_secret}}}
  authority_url: {authority}
  graph_url: {entra["graph_base_url"]}
  ca_bundle: emulator-ca.pem
  scope:
    mode: app_assignment          # users and groups assigned to the Salesforce enterprise app
    app_id: {SALESFORCE_APP_ID}
mapping:
  defaults: gallery               # exactly the Entra gallery app's attribute mapping
targets:
  - name: production
    login:
      method: client_credentials  # External Client App, on the org's My Domain
      my_domain_url: {org["instance_url"]}
      client_id: {app["consumer_key"]}
      client_secret: {{file: {sf_secret}}}
    ca_bundle: emulator-ca.pem
""",
        encoding="utf-8",
    )
    return path


class Demo:
    def __init__(self, running: RunningEmulators, config: SfprovConfig, base_dir: Path, store: StateStore) -> None:
        self.running = running
        self.config = config
        self.base_dir = base_dir
        self.store = store
        self.entra = cast(EntraEmulator, running.emulators["entra"])
        self.salesforce = cast(SalesforceEmulator, running.emulators["salesforce"])
        self.org: Any = next(o for o in self.salesforce.state.orgs.values() if o.kind == "production")

    def cycle(self, **options: Any) -> CycleReport:
        engine = Engine(self.config, self.config.targets[0], self.store, base_dir=self.base_dir)
        report = asyncio.run(engine.run_cycle(CycleOptions(**options)))
        counts = ", ".join(f"{k} {v}" for k, v in report.counts().items() if v)
        console.print(
            f"  [dim]{report.kind.value} cycle {report.status.value} in {report.seconds:.2f} s "
            f"({report.source_calls} Graph calls, {report.target_calls} Salesforce calls): {counts}[/]"
        )
        return report

    def sf_user(self, username: str) -> dict[str, Any]:
        return next(dict(u) for u in self.org.scan("User") if str(u["Username"]).casefold() == username.casefold())

    def entries_for(self, report: CycleReport, source_id: str) -> list[LogEntry]:
        return [e for e in self.log_of(report) if e.source_id == source_id]

    def log_of(self, report: CycleReport) -> list[LogEntry]:
        """The log entries one cycle wrote, oldest first."""
        query = LogQuery(job=self.config.targets[0].name, cycle_id=report.cycle_id, limit=None, newest_first=False)
        return self.store.log.query(query)

    def leave_licences_for_all_but_one(self) -> None:
        """Give the org exactly one full licence too few for the Standard User accounts the first cycle creates."""
        report = asyncio.run(
            Engine(self.config, self.config.targets[0], self.store, base_dir=self.base_dir).run_cycle(
                CycleOptions(plan_only=True)
            )
        )
        assert report.plan is not None
        licence = self.org.licence_of_profile(self.org.profile_id("Standard User"))
        wanted = sum(
            1
            for a in report.plan.actions
            if a.kind is ActionKind.CREATE and self.org.licence_of_profile(a.values.get("ProfileId")) == licence
        )
        with self.salesforce.runtime.lock:
            used = self.org.licences.used.get(licence, 0)
            self.org.set_licence_total(licence, used + max(wanted - 1, 0))


def _step(title: str) -> None:
    console.print()
    console.print(Rule(f"[bold]{title}[/]", align="left"))


def run_demo(workdir: Path, *, keep: bool = True) -> int:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    running = start_emulators(seed="demo", workdir=workdir / "ca")
    try:
        config_path = write_config(running, workdir)
        config, base_dir = load_config(config_path)
        store = StateStore.open(f"sqlite:///{workdir / 'state.db'}")
        try:
            demo = Demo(running, config, base_dir, store)
            _walk(demo)
            _finish(demo, workdir, config_path)
        finally:
            store.close()
        _report(workdir, config_path)
    finally:
        running.stop()
    return 0


def _walk(demo: Demo) -> None:
    group = demo.entra.admin.group_by_name(LICENSED_GROUP_NAME)
    console.print(
        f"Entra tenant: {len(demo.entra.directory.users)} users; group [bold]{LICENSED_GROUP_NAME}[/] is assigned "
        "to the Salesforce enterprise app with the app role (profile) Standard User; a few users hold other roles."
    )
    demo.leave_licences_for_all_but_one()

    _step("1. First cycle: provision everyone in scope")
    first = demo.cycle()
    table = Table(show_lines=False)
    for column in ("user", "action", "status", "detail"):
        table.add_column(column)
    first_entries = demo.log_of(first)
    for entry in first_entries:
        detail = entry.error_message or ", ".join(f"{m.name}={m.new}" for m in entry.modified if m.name == "ProfileId")
        table.add_row(entry.source_upn or "", entry.action.value, entry.status.value, (detail or "")[:110])
    console.print(table)
    refused = [e for e in first_entries if e.error_code == "LICENSE_LIMIT_EXCEEDED"]
    if refused:
        console.print(
            f"[yellow]{refused[0].source_upn}[/] was refused: [bold]{refused[0].error_message}[/]\n"
            "  Fix: buy licences, free some by deactivating unused users, or map a profile of another licence "
            "(e.g. Chatter Free User). The user is in escrow and is retried automatically by later cycles."
        )

    member = _plain_member(demo, group["id"])
    upn = str(member["userPrincipalName"])
    _step(f"2. {member['displayName']} changes surname in Entra")
    demo.entra.admin.update_user(member["id"], surname="Okonkwo-Lindqvist")
    before = demo.sf_user(upn)["LastName"]
    report = demo.cycle()
    console.print(f"  Salesforce LastName: {before!r} -> {demo.sf_user(upn)['LastName']!r}")
    for entry in demo.entries_for(report, member["id"]):
        console.print(f"  log: {entry.action.value} {entry.status.value}: {log_row(entry)['modified']}")

    _step(f"3. {member['displayName']} leaves the group")
    demo.entra.admin.remove_member(group["id"], member["id"])
    report = demo.cycle()
    console.print(f"  Salesforce IsActive: {demo.sf_user(upn)['IsActive']} (licence freed; nothing is deleted)")

    _step(f"4. {member['displayName']} is added back")
    demo.entra.admin.add_member(group["id"], member["id"])
    report = demo.cycle()
    console.print(f"  Salesforce IsActive: {demo.sf_user(upn)['IsActive']} (the same account, reactivated)")


def _plain_member(demo: Demo, group_id: str) -> dict[str, Any]:
    for member_id, kind in demo.entra.directory.transitive_members(group_id):
        user = demo.entra.directory.users.get(member_id)
        if kind != "user" or not user or not user.get("accountEnabled") or user.get("userType") == "Guest":
            continue
        link = demo.store.links.get("production", member_id)
        if link is not None and demo.sf_user(str(user["userPrincipalName"]))["IsActive"]:
            return dict(user)
    raise RuntimeError("the demo tenant has no provisioned group member")


def _finish(demo: Demo, workdir: Path, config_path: Path) -> None:
    _step("Provisioning log (newest first)")
    table = Table()
    for column in ("at", "action", "status", "user", "changes / error"):
        table.add_column(column)
    for entry in demo.store.log.query(LogQuery(job="production", limit=15)):
        row = log_row(entry)
        table.add_row(
            row["at"][11:19],
            row["action"],
            row["status"],
            row["user"] or "",
            (row["errorMessage"] or row["modified"] or "")[:90],
        )
    console.print(table)
    console.print()
    console.print(f"Files are in [bold]{workdir}[/]: sfprov.yaml (the config), state.db (links, cycles, log),")
    console.print("secrets/ (mode 600), emulator-ca.pem. The emulators stop with the demo; to keep exploring, run")
    console.print("  sfprov emulate --seed demo   and write a config like this one against its --info-out file.")
    console.print(f"Read the log again any time:  sfprov logs -c {config_path}   ·   sfprov status -c {config_path}")


def _report(workdir: Path, config_path: Path) -> None:
    """The audit evidence of what just happened (`sfprov report`), while the emulated org can still be read."""
    from sfprov.cli_report import make_report

    _step("Audit report")
    code, folder = make_report(config_path, None, out_dir=workdir / "report")
    if code == 0 and folder is not None:
        console.print(f"Audit report: [bold]{folder / 'report.html'}[/] (CSV and JSON beside it)")
