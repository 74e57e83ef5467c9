"""Everything the report needs, read once: the state store (log, cycles, links, escrows, Entra scope watermark)
and, through the target's own login, the Salesforce org (users, UserLicense, permission set licence assignments).

The sections are pure functions of :class:`ReportInput`, so tests and renderers never touch a network.
Salesforce objects read (reference ``salesforce.md`` §3, §6): ``User`` (``IsActive``, ``Profile.UserLicenseId``,
``LastLoginDate``, ``CreatedDate``), ``UserLicense`` (``TotalLicenses``, ``UsedLicenses``),
``PermissionSetLicense`` and ``PermissionSetLicenseAssign`` (an org or a user without access to them is reported as
"not available", never as zero).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sfprov.config.models import TargetConfig
from sfprov.engine.cycle import SOURCE_STATE
from sfprov.errors import SfprovError
from sfprov.sources.entra.state import SourceState
from sfprov.state import Cycle, Escrow, Link, LogEntry, LogQuery, StateStore
from sfprov.targets.salesforce.client import SalesforceClient
from sfprov.targets.salesforce.factory import connect
from sfprov.targets.salesforce.users import SalesforceUsers

USER_FIELDS = ("FirstName", "LastName", "CreatedDate")
"""Read besides ``BASE_USER_FIELDS`` (which already hold the licence and ``LastLoginDate``)."""


@dataclass(frozen=True)
class Licence:
    id: str
    name: str
    total: int
    used: int


@dataclass(frozen=True)
class PermissionSetLicences:
    """Permission set licences and who holds them; ``available`` is False (with ``reason``) when unreadable."""

    available: bool
    reason: str | None = None
    licences: list[Licence] = field(default_factory=list)
    assignments: list[tuple[str, str]] = field(default_factory=list)
    """(licence id, assignee user id) pairs."""


@dataclass(frozen=True)
class SalesforceSnapshot:
    users: list[dict[str, Any]]
    licences: list[Licence]
    psl: PermissionSetLicences
    integration_user_id: str | None


@dataclass(frozen=True)
class ReportInput:
    job: str
    generated_at: datetime
    since: datetime | None
    until: datetime | None
    inactive_days: int
    entries: list[LogEntry]
    """The whole provisioning log up to ``until``, oldest first (first appearances need what precedes ``since``)."""
    cycles: dict[str, Cycle]
    links: dict[str, Link]
    escrows: list[Escrow]
    in_scope: frozenset[str] | None
    """Entra object ids in scope at the last good read (``None`` when no cycle has saved a source state)."""
    salesforce: SalesforceSnapshot
    prices: dict[str, float]

    def names(self) -> dict[str, str]:
        """Source id -> the latest UPN (or display name) the log knows: escrows and links carry only ids."""
        out: dict[str, str] = {}
        for e in self.entries:
            if e.source_id and (e.source_upn or e.source_name):
                out[e.source_id] = str(e.source_upn or e.source_name)
        return out


def load_in_scope(store: StateStore, job: str) -> frozenset[str] | None:
    """The in-scope set the engine saved with its last good read (``engine.cycle.SOURCE_STATE``)."""
    mark = store.watermarks.get(job, SOURCE_STATE)
    if mark is None:
        return None
    try:
        return SourceState.from_json(json.loads(mark.delta_link)).in_scope
    except (ValueError, KeyError, TypeError):
        return None


def read_state(store: StateStore, job: str, until: datetime | None) -> tuple[list[LogEntry], dict[str, Cycle]]:
    """The log up to ``until`` (oldest first) and every cycle of the job (latencies need the previous cycle too)."""
    entries = list(store.log.iterate(LogQuery(job=job, until=until, limit=None, newest_first=False)))
    cycles = {c.id: c for c in store.cycles.recent(job, limit=1_000_000)}
    return entries, cycles


async def read_salesforce(client: SalesforceClient) -> SalesforceSnapshot:
    """Every User, every UserLicense and the permission set licence assignments, with the integration user's id."""
    users = SalesforceUsers(client)
    rows = await users.read_all(USER_FIELDS)
    licences = [
        Licence(str(r["Id"]), str(r["Name"]), int(r["TotalLicenses"] or 0), int(r["UsedLicenses"] or 0))
        async for r in client.query("SELECT Id, Name, TotalLicenses, UsedLicenses FROM UserLicense ORDER BY Name")
    ]
    psl = await _permission_set_licences(client)
    return SalesforceSnapshot(rows, licences, psl, await users.running_user_id())


async def _permission_set_licences(client: SalesforceClient) -> PermissionSetLicences:
    """Permission set licences are a separate object; editions or users without access answer with an error."""
    try:
        licences = [
            Licence(str(r["Id"]), str(r["MasterLabel"]), int(r["TotalLicenses"] or 0), int(r["UsedLicenses"] or 0))
            async for r in client.query(
                "SELECT Id, MasterLabel, TotalLicenses, UsedLicenses FROM PermissionSetLicense ORDER BY MasterLabel"
            )
        ]
        assignments = [
            (str(r["PermissionSetLicenseId"]), str(r["AssigneeId"]))
            async for r in client.query("SELECT PermissionSetLicenseId, AssigneeId FROM PermissionSetLicenseAssign")
        ]
    except SfprovError as exc:
        return PermissionSetLicences(False, reason=f"PermissionSetLicenseAssign could not be read: {exc.message}")
    return PermissionSetLicences(True, licences=licences, assignments=assignments)


async def collect(
    store: StateStore,
    target: TargetConfig,
    *,
    base_dir: Path | None,
    generated_at: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    inactive_days: int = 90,
) -> ReportInput:
    """Read the state store, then the org through the target's configured login (read-only: dry-run transport)."""
    job = target.name
    entries, cycles = read_state(store, job, until)
    async with connect(target, base_dir=base_dir, dry_run=True) as client:
        snapshot = await read_salesforce(client)
    return ReportInput(
        job=job,
        generated_at=generated_at,
        since=since,
        until=until,
        inactive_days=inactive_days,
        entries=entries,
        cycles=cycles,
        links=store.links.get_many(job),
        escrows=store.escrows.entries(job),
        in_scope=load_in_scope(store, job),
        salesforce=snapshot,
        prices=dict(target.licence_prices),
    )
