"""One provisioning cycle, start to finish, and the rules that keep it safe.

1. Take the job's lease (one engine per job and state store) and close cycles a crashed engine left running.
2. Respect quarantine: a job whose cycles keep failing waits longer and longer, and says why.
3. Read the source: in full the first time, with ``--full``, or when the delta token expired; otherwise the changes.
   A failed read fails the cycle. A read that finds nobody in scope while accounts are linked stops the cycle:
   an empty source means "stop", never "deactivate everybody".
4. Read what Salesforce has for the users concerned, plan, and (unless planning or dry-running) apply.
5. Save the new delta links with the cycle's outcome in one transaction, only after the writes: per-user failures
   are in escrow and retried by later cycles, so advancing the watermark loses nothing.

A stop request (SIGTERM, Ctrl-C; :mod:`sfprov.engine.stop`) ends the cycle early but cleanly: a read in progress is
cancelled (it has no side effect), no new phase starts, and the write slice in flight completes and is recorded
before the next one would go out. The cycle is closed as ``interrupted`` and the watermark is **not** saved: the
next cycle reads from the same delta links, so it finds again every change this one did not get to (a deactivation
included) and plans only what is still to do, since the accounts written so far are linked.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sfprov.config.models import SfprovConfig, TargetConfig
from sfprov.engine.apply import Applier, ApplyOptions, ApplyResult
from sfprov.engine.plan import Catalogue, LeaveReason, Plan, PlanInput, Safety, make_plan
from sfprov.engine.stop import Stopped, StopRequest, unless_stopped
from sfprov.errors import SfprovError, StopCycle
from sfprov.mapping.mapper import matching_values, source_attributes
from sfprov.model import SourceUser
from sfprov.sources.entra.factory import graph_client, token_provider
from sfprov.sources.entra.graph import ResyncRequired
from sfprov.sources.entra.ondemand import OnDemandReader
from sfprov.sources.entra.reader import EntraReader, ScopeSettings, SourceRead
from sfprov.sources.entra.state import SourceState
from sfprov.state import CycleKind, CycleStatus, LinkState, QuarantineReason, StateStore
from sfprov.state.errors import LeaseHeld
from sfprov.targets.salesforce.auth import SalesforceSession
from sfprov.targets.salesforce.factory import connect
from sfprov.targets.salesforce.users import Catalogue as TargetCatalogue
from sfprov.targets.salesforce.users import SalesforceUsers

SOURCE_STATE = "entra_source"
"""The Entra reader's state of the last good read (delta links, scope, group memberships), as one JSON watermark."""
LEASE_TTL = timedelta(minutes=2)
"""Renewed every 40 s while a cycle runs; an engine killed mid-cycle blocks the job for at most this long."""


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class CycleOptions:
    full: bool = False
    dry_run: bool = False
    plan_only: bool = False
    allow_deactivations: bool = False
    ignore_quarantine: bool = False
    only_users: frozenset[str] | None = None
    """On-demand provisioning: plan and apply these users only (object ids or userPrincipalNames), read on their own
    (:mod:`sfprov.sources.entra.ondemand`), never the whole tenant; the watermark does not move."""


@dataclass(repr=False)
class CycleReport:
    job: str
    cycle_id: str | None
    kind: CycleKind
    status: CycleStatus
    plan: Plan | None = None
    result: ApplyResult | None = None
    error: str | None = None
    fix: str | None = None
    source_calls: int = 0
    target_calls: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    users: Mapping[str, SourceUser] = field(default_factory=dict)
    """The source users this cycle considered (for ``sfprov plan --explain``)."""

    def __repr__(self) -> str:
        """Short: the default would render every user and action (tens of MB at 100,000 users, and Python formats
        it when an ``asyncio.run`` that installed its SIGINT handler ends; docs/dev/engine-cost.md)."""
        return (
            f"CycleReport(job={self.job!r}, cycle_id={self.cycle_id!r}, kind={self.kind.value}, "
            f"status={self.status.value}, counts={self.counts()}, error={self.error!r})"
        )

    def counts(self) -> dict[str, int]:
        counts = dict(self.plan.counts()) if self.plan else {}
        if self.result:
            counts.update(self.result.counts())
        return counts


Progress = Callable[[int, int], None]


class Engine:
    """Runs cycles of one target (a "job") against the state store."""

    def __init__(
        self,
        config: SfprovConfig,
        target: TargetConfig,
        store: StateStore,
        *,
        base_dir: Path | None = None,
        owner: str | None = None,
        progress: Progress | None = None,
        stop: StopRequest | None = None,
    ) -> None:
        self.config = config
        self.target = target
        self.store = store
        self.base_dir = base_dir
        self.owner = owner or owner_id()
        self.progress = progress
        self.stop = stop
        self.mapping = config.mapping_for(target)
        self.job = target.name

    # -- the cycle ----------------------------------------------------------------------------------------

    async def run_cycle(self, options: CycleOptions | None = None) -> CycleReport:
        options = options or CycleOptions()
        started = time.monotonic()
        try:
            with self.store.leases.hold(self.job, self.owner, LEASE_TTL) as keeper:
                self.store.cycles.close_interrupted(self.job, self.owner)
                report = await self._cycle(options)
                keeper.check()  # raises StopCycle if the lease was lost while the cycle ran
        except LeaseHeld as exc:
            raise StopCycle(
                f"Another sfprov engine is running job {self.job!r} on this state store. {exc.message}",
                fix="Wait for it to finish, or stop it; only one engine may act per job and state store.",
                code="LEASE_HELD",
            ) from None
        report.seconds = time.monotonic() - started
        return report

    def _quarantined(self) -> str | None:
        state = self.store.quarantine.get(self.job)
        if state.quarantined_since is None or state.next_allowed_run is None:
            return None
        if state.next_allowed_run > datetime.now(UTC):
            return (
                f"Job {self.job!r} is in quarantine since {state.quarantined_since:%Y-%m-%d %H:%M} UTC "
                f"({state.reason}: {state.detail}); next attempt after {state.next_allowed_run:%H:%M} UTC."
            )
        return None

    async def _cycle(self, options: CycleOptions) -> CycleReport:
        mark = self.store.watermarks.get(self.job, SOURCE_STATE)
        state = _load_state(mark.delta_link) if mark else None
        if options.only_users:
            kind = CycleKind.ON_DEMAND
        elif state is None:
            kind = CycleKind.INITIAL
        else:
            kind = CycleKind.FULL if options.full else CycleKind.INCREMENTAL
        if not options.ignore_quarantine and not options.plan_only and (why := self._quarantined()):
            return CycleReport(
                self.job,
                None,
                kind,
                CycleStatus.STOPPED,
                error=why,
                fix="Fix the cause, then run `sfprov sync` (a manual sync ignores the pause).",
            )
        record = not (options.plan_only or options.dry_run)
        cycle_id = self.store.cycles.start(self.job, kind, self.owner).id if record else None
        report = CycleReport(self.job, cycle_id, kind, CycleStatus.RUNNING)
        try:
            await self._run(options, report, state)
        except Stopped:
            self._interrupted(report)
            return report
        except SfprovError as exc:
            report.status = CycleStatus.STOPPED if isinstance(exc, StopCycle) else CycleStatus.FAILED
            report.error, report.fix = exc.message, exc.fix
            if cycle_id is not None:
                self.store.cycles.finish(
                    cycle_id,
                    report.status,
                    counts=report.counts(),
                    error_message=exc.message,
                    api_calls=report.target_calls + report.source_calls,
                )
                quarantined = self._after_failure(exc)
                if quarantined:
                    report.notes.append(quarantined)
            return report
        return report

    def _interrupted(self, report: CycleReport) -> None:
        """Close a cycle that a stop request ended early; its watermark stays where it was (see the module doc)."""
        report.status = CycleStatus.INTERRUPTED
        reason = self.stop.reason if self.stop is not None and self.stop.reason else "a stop request"
        if report.result is None:
            what = "before any write"
        else:
            done = report.result.succeeded + report.result.failed
            what = f"after {done} of {done + report.result.left} writes, each recorded"
        message = f"Stopped on request ({reason}) {what}; the next cycle does the rest."
        report.notes.append(message)
        if report.cycle_id is not None:
            self.store.cycles.finish(
                report.cycle_id,
                CycleStatus.INTERRUPTED,
                counts=report.counts(),
                error_message=message,
                api_calls=report.source_calls + report.target_calls,
            )

    def _after_failure(self, exc: SfprovError) -> str | None:
        """Count the failed cycle; put the job in quarantine after too many in a row. Returns a note when it does."""
        state = self.store.quarantine.record_failed_cycle(self.job)
        limit = self.config.run.quarantine_after_failures
        if state.consecutive_failures < limit:
            return None
        pause = timedelta(seconds=self.config.run.interval_seconds * 2 ** min(state.consecutive_failures - limit, 8))
        self.store.quarantine.enter(
            self.job,
            QuarantineReason.QUARANTINE_EXCEPTION,
            detail=exc.message,
            next_allowed_run=datetime.now(UTC) + pause,
        )
        return (
            f"Job {self.job!r} is now in quarantine after {state.consecutive_failures} failed cycles in a row; "
            f"the daemon waits {pause} before the next attempt."
        )

    async def _run(self, options: CycleOptions, report: CycleReport, state: SourceState | None) -> None:
        attributes = source_attributes(self.mapping, self.config.scoping)
        source = self.config.source
        tokens = token_provider(source, base_dir=self.base_dir)
        scope = ScopeSettings(
            mode=source.scope.mode,
            app_id=source.scope.app_id,
            groups=tuple(source.scope.groups),
            nested_groups=source.scope.nested_groups,
        )
        async with connect(self.target, base_dir=self.base_dir, dry_run=options.dry_run) as client:
            users = SalesforceUsers(client)
            # Salesforce's login and catalogue are reads that do not depend on Entra's answer: fetched meanwhile
            ahead = asyncio.ensure_future(_prefetch(users))
            try:
                async with graph_client(source, tokens, base_dir=self.base_dir) as graph:
                    # large shrinks are the deactivation threshold's business (staged, logged); an empty scope
                    # still stops
                    reader = EntraReader(graph, scope, attributes, max_shrink=1.0)
                    try:
                        read, unassigned = await unless_stopped(self.stop, self._read(reader, options, report, state))
                    finally:
                        report.source_calls = graph.counters.calls
                data = await unless_stopped(self.stop, self._gather(users, read, options, ahead, unassigned))
            except BaseException:
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await ahead  # the read's error is the cycle's; never leave the prefetch's unretrieved
                raise
            finally:
                report.target_calls = client.calls.total
            plan = make_plan(
                data,
                Safety(
                    max_deactivations=self.target.safety.max_deactivations,
                    max_deactivation_share=self.target.safety.max_deactivation_share,
                    skip_out_of_scope_deletions=self.target.safety.skip_out_of_scope_deletions,
                    allow_deactivations=options.allow_deactivations,
                ),
            )
            report.plan = plan
            if options.plan_only or options.dry_run or options.only_users:
                report.users = data.users  # for --explain; a full apply does not keep every source user
            next_state = None if options.only_users else read.state
            del data, read  # the source users are no longer needed: free them before the (long) apply
            if plan.staged_reason:
                report.notes.append(plan.staged_reason)
            if options.plan_only or options.dry_run:
                report.status = CycleStatus.SUCCEEDED
                report.target_calls = client.calls.total
                return
            if self.stop is not None and self.stop.requested():
                raise Stopped
            applier = Applier(
                users,
                self.store,
                ApplyOptions(
                    job=self.job,
                    cycle_id=report.cycle_id,
                    freeze_before_deactivate=self.target.safety.freeze_before_deactivate,
                    remove_permission_sets_on_deactivate=self.target.safety.remove_permission_sets_on_deactivate,
                ),
                progress=self.progress,
                stop=self.stop,
            )
            try:
                report.result = await applier.apply(plan)
            finally:
                report.target_calls = client.calls.total
        if report.result.stopped:
            raise Stopped
        report.status = CycleStatus.PARTIAL if report.result.failed else CycleStatus.SUCCEEDED
        assert report.cycle_id is not None
        saved: dict[str, str] = {}
        if next_state is not None:
            saved = {SOURCE_STATE: json.dumps(next_state.to_json(), separators=(",", ":"))}
        self.store.cycles.finish(
            report.cycle_id,
            report.status,
            counts=report.counts(),
            api_calls=report.source_calls + report.target_calls,
            watermarks=saved,
        )
        self.store.quarantine.clear(self.job)

    async def _read(
        self, reader: EntraReader, options: CycleOptions, report: CycleReport, state: SourceState | None
    ) -> tuple[SourceRead, frozenset[str]]:
        """The cycle's read, and (on demand only) the requested users who are not in scope: Entra's on-demand
        provisioning disables an unassigned user (reference entra-provisioning-service.md §11), so do we."""
        allow = options.allow_deactivations
        if options.only_users:  # on demand: the requested users only, never the tenant; no watermark to move
            looked = await OnDemandReader(reader).read(options.only_users)
            for upn in looked.out_of_scope.values():
                report.notes.append(
                    f"{upn} is not in scope of the Salesforce app: an account sfprov manages for them is "
                    "deactivated; nothing else changes."
                )
            return looked.read, frozenset(looked.out_of_scope)
        if state is None or options.full:
            read = await reader.read_full(state.in_scope if state else None, allow_shrink=allow)
        else:
            due = {e.source_id for e in self.store.escrows.due(self.job)}
            retry = SourceState(
                state.users_delta_link, state.groups_delta_link, state.in_scope - due, state.memberships
            )
            try:
                read = await reader.read_changes_since(retry, allow_shrink=allow)
            except ResyncRequired as exc:
                report.notes.append(f"Delta token no longer valid ({exc.code}): reading everything again.")
                report.kind = CycleKind.FULL
                read = await reader.read_full(state.in_scope, allow_shrink=allow)
        if not read.in_scope and self.store.links.count(self.job, LinkState.ACTIVE) > 0:
            raise StopCycle(
                "Entra returned nobody in scope while Salesforce accounts are linked; treating it as a failed read, "
                "not as everybody leaving.",
                fix="Check the scope settings (app assignments or groups) and the app's permissions with "
                "`sfprov doctor`; if everybody really left, run `sfprov sync --allow-deactivations --full`.",
                code="EMPTY_SOURCE",
            )
        return read, frozenset()

    async def _gather(
        self,
        users: SalesforceUsers,
        read: SourceRead,
        options: CycleOptions,
        ahead: asyncio.Future[tuple[TargetCatalogue, SalesforceSession]],
        unassigned: frozenset[str] = frozenset(),
    ) -> PlanInput:
        """What Salesforce has for the users this cycle concerns, and the names the mapping needs resolved."""
        considered: dict[str, SourceUser] = dict(read.users)  # on demand: the requested users only
        leaving: dict[str, LeaveReason] = {}
        on_demand = None if options.only_users is None else [*read.users, *read.removed, *unassigned]
        all_links = self.store.links.get_many(self.job, on_demand)  # on demand: not the whole job's links
        if options.only_users is None:
            for source_id in all_links:
                if source_id in read.removed:
                    leaving[source_id] = read.removed[source_id]
                elif (
                    source_id not in read.in_scope
                    and source_id not in considered
                    # deactivated accounts are looked at again only on full cycles
                    and (read.kind == "full" or all_links[source_id].state is not LinkState.DEACTIVATED)
                ):
                    leaving[source_id] = "unassigned"
        else:
            leaving = {k: reason for k, reason in read.removed.items() if k in all_links}
            leaving.update({k: "unassigned" for k in unassigned if k in all_links})
        links = {k: all_links[k] for k in (*considered, *leaving) if k in all_links}
        catalogue, session = await ahead
        extra_fields = self.mapping_fields()
        targets: dict[str, dict[str, Any]] = {}
        candidates: dict[str, dict[str, list[str]]] = {}
        full_read = read.kind == "full" and options.only_users is None
        if full_read:
            for row in await users.read_all(extra_fields):
                targets[str(row["Id"])] = row
        else:
            linked_ids = [link.target_id for link in links.values()]
            for rows in (await users.find_by("Id", linked_ids, extra_fields)).values():
                for row in rows:
                    targets[str(row["Id"])] = row
        wanted = self._matching_values(considered, links)
        for field_name, values in wanted.items():
            index: dict[str, list[str]] = {}
            if full_read:
                for row in targets.values():
                    value = row.get(field_name)
                    if value:
                        index.setdefault(str(value).casefold(), []).append(str(row["Id"]))
            else:
                for key, rows in (await users.find_by(field_name, sorted(values), extra_fields)).items():
                    for row in rows:
                        targets[str(row["Id"])] = row
                        index.setdefault(key, []).append(str(row["Id"]))
            candidates[field_name] = index
        nicknames = frozenset(
            str(r["CommunityNickname"]).casefold() for r in targets.values() if r.get("CommunityNickname")
        )
        current_ps: dict[str, frozenset[str]] = {}
        if self._manages_permission_sets():
            linked_targets = [link.target_id for link in links.values() if link.target_id in targets]
            current = await users.permission_set_assignments(linked_targets)
            current_ps = {uid: frozenset(ps) for uid, ps in current.items()}
        return PlanInput(
            users=considered,
            in_scope=read.in_scope,
            leaving=leaving,
            links=links,
            targets=targets,
            candidates=candidates,
            catalogue=Catalogue(
                profiles={name: info.id for name, info in catalogue.profiles.items()},
                profile_short_ids={info.id[:15]: info.id for info in catalogue.unique_profiles()},
                roles=catalogue.roles,
                permission_sets=catalogue.permission_sets,
            ),
            mapping=self.mapping,
            scoping=self.config.scoping,
            protected_ids=frozenset({session.user_id} if session.user_id else ()),
            permission_sets=current_ps,
            linked_active=self.store.links.count(self.job, LinkState.ACTIVE),
            taken_nicknames=nicknames if full_read else None,
            sandbox=None,
            compare_with_exported=not self.target.safety.revert_manual_changes and read.kind != "full",
        )

    def mapping_fields(self) -> list[str]:
        """Salesforce fields the mapping writes, to read them back for comparison."""
        from sfprov.mapping.defaults import default_attributes
        from sfprov.mapping.salesforce_fields import lookup

        names = {a.target for a in (*default_attributes(self.mapping.defaults), *self.mapping.attributes)}
        return sorted(n for n in names - set(self.mapping.remove) if lookup(n) is not None and n not in _VIRTUAL)

    def _manages_permission_sets(self) -> bool:
        return bool(self.mapping.permission_set_rules) or any(
            a.target == "PermissionSets" for a in self.mapping.attributes
        )

    def _matching_values(self, users: Mapping[str, SourceUser], links: Mapping[str, Any]) -> dict[str, set[str]]:
        """For users without a link: the values of each matching attribute, to look candidates up by."""
        wanted: dict[str, set[str]] = {}
        for uid, user in users.items():
            if uid in links:
                continue
            for field_name, value in matching_values(user, self.mapping):
                wanted.setdefault(field_name, set()).add(str(value))
        return wanted


_VIRTUAL = frozenset({"ProfileName", "PermissionSets", "UserRoleName"})


async def _prefetch(users: SalesforceUsers) -> tuple[TargetCatalogue, SalesforceSession]:
    """The org's catalogue (profiles, roles, permission sets) and the session (whose user is protected)."""
    catalogue = await users.catalogue()
    return catalogue, await users.client.session()


def _load_state(text: str) -> SourceState | None:
    """The stored reader state; None (a full read follows) when it is from another format version."""
    try:
        return SourceState.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError):
        return None
