"""Apply a plan: the only place sfprov writes to Salesforce, and the place that remembers what it wrote.

Writes go out as sObject Collections of 200, several in flight (the client bounds concurrency). After each slice,
its links, provisioning-log entries and escrows are stored in one transaction, so a crash loses at most the record
of one slice, never the accounts: an account created just before a crash is found by its matching attribute on the
next cycle and adopted, not created twice. A slice is recorded in a worker thread while the next slice's calls are
in flight (records stay in slice order, one at a time), so the write calls never wait for the state store; that
overlap is measured in docs/dev/benchmarks.md.

Per-record failures never stop the cycle: they are logged and put in escrow for a later retry. Only a
:class:`~sfprov.errors.StopCycle` (API allowance reserve reached), dry-run, or a stop request stops writing. A stop
request (SIGTERM, Ctrl-C: :mod:`sfprov.engine.stop`) is honoured between slices: the slice in flight completes and
is recorded (as is the one still being recorded), the next one is never sent, and :attr:`ApplyResult.left` counts
the writes left for the next cycle.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sfprov.engine.plan import Action, ActionKind, Plan, values_for_log
from sfprov.engine.stop import StopRequest
from sfprov.errors import ConnectorError
from sfprov.state import (
    EscrowFailure,
    LinkState,
    LinkWrite,
    LogAction,
    LogEntry,
    LogStatus,
    ModifiedProperty,
    StateStore,
    Step,
    StepType,
    new_entry,
)
from sfprov.targets.salesforce.client import COLLECTION_LIMIT, RecordResult
from sfprov.targets.salesforce.users import SalesforceUsers

SLICE_CALLS = 4
"""Collection calls per slice at the least; a slice holds ``max(SLICE_CALLS, concurrency)`` calls of 200 records, so
that every call the target allows is in flight, and the state is saved after each slice."""

Progress = Callable[[int, int], None]

_LOG_ACTION = {
    ActionKind.CREATE: LogAction.CREATE,
    ActionKind.ADOPT: LogAction.UPDATE,
    ActionKind.UPDATE: LogAction.UPDATE,
    ActionKind.ENABLE: LogAction.ENABLE,
    ActionKind.DISABLE: LogAction.DISABLE,
    ActionKind.STAGED_DISABLE: LogAction.STAGED_DISABLE,
    ActionKind.SKIP: LogAction.SKIP,
}
_LINK_STATE = {
    ActionKind.CREATE: LinkState.ACTIVE,
    ActionKind.ADOPT: LinkState.ACTIVE,
    ActionKind.UPDATE: LinkState.ACTIVE,
    ActionKind.ENABLE: LinkState.ACTIVE,
    ActionKind.DISABLE: LinkState.DEACTIVATED,
}
QUIET_SKIPS = ("no change",)
"""Skips not worth a log line every cycle."""


@dataclass
class ApplyOptions:
    job: str
    cycle_id: str | None
    freeze_before_deactivate: bool = False
    remove_permission_sets_on_deactivate: bool = True


@dataclass(repr=False)
class ApplyResult:
    succeeded: int = 0
    failed: int = 0
    staged: int = 0
    skipped: int = 0
    left: int = 0
    """Writes not attempted because a stop was requested (the next cycle plans them again)."""
    failures: list[LogEntry] = field(default_factory=list)
    """The failure entries (for notifications and summaries). Every entry is in the store's provisioning log;
    keeping them all here cost about 40 % of the engine's memory at 20,000 users (docs/dev/engine-cost.md)."""

    def __repr__(self) -> str:
        return f"ApplyResult({self.counts()}, {len(self.failures)} failures)"

    @property
    def stopped(self) -> bool:
        return self.left > 0

    def counts(self) -> dict[str, int]:
        counts = {"succeeded": self.succeeded, "failed": self.failed, "staged": self.staged, "skipped": self.skipped}
        if self.left:
            counts["left"] = self.left
        return counts


def _steps(action: Action, status: LogStatus, detail: str) -> tuple[Step, ...]:
    matching = (
        f"matched by {action.matched_by}"
        if action.matched_by
        else "linked account"
        if action.target_id and action.kind is not ActionKind.CREATE
        else "no matching account"
    )
    leaving = action.kind in (ActionKind.DISABLE, ActionKind.STAGED_DISABLE)
    return (
        Step(StepType.IMPORT, LogStatus.SUCCESS, "read from Entra ID"),
        Step(StepType.SCOPING, LogStatus.SUCCESS, action.reason if leaving else "in scope"),
        Step(StepType.MATCHING, LogStatus.SUCCESS, matching),
        Step(StepType.ACTION, status, detail),
    )


class Applier:
    def __init__(
        self,
        users: SalesforceUsers,
        store: StateStore,
        options: ApplyOptions,
        progress: Progress | None = None,
        stop: StopRequest | None = None,
    ) -> None:
        self.users = users
        self.store = store
        self.options = options
        self.progress = progress
        self.stop = stop
        self.result = ApplyResult()
        self._done = 0
        self._total = 0
        self.slice = max(SLICE_CALLS, users.client.concurrency) * COLLECTION_LIMIT
        self._recording: asyncio.Future[None] | None = None

    def _entry(
        self,
        action: Action,
        status: LogStatus,
        *,
        error: ConnectorError | None = None,
        target_id: str | None = None,
        started: float = 0.0,
        log_action: LogAction | None = None,
    ) -> LogEntry:
        if error is not None:
            detail = error.message + (f" Fix: {error.fix}" if error.fix else "")
        else:
            detail = action.reason or action.kind.value
        kind = log_action or _LOG_ACTION.get(action.kind, LogAction.UPDATE if action.target_id else LogAction.CREATE)
        return new_entry(
            self.options.job,
            kind,
            status,
            at=datetime.now(UTC),
            cycle_id=self.options.cycle_id,
            source_id=action.source_id,
            source_name=action.source_name,
            source_upn=action.source_upn,
            target_id=target_id or action.target_id,
            steps=_steps(action, status, detail),
            modified=[]
            if error is not None
            else [ModifiedProperty(n, o, v) for n, o, v in values_for_log(action.changes)],
            error_code=(error.code if error else action.error_code),
            error_message=(error.message if error else (action.reason if action.kind is ActionKind.ERROR else None)),
            duration_ms=int((time.monotonic() - started) * 1000) if started else 0,
        )

    def _record(
        self, outcomes: Sequence[tuple[Action, RecordResult | None, ConnectorError | None]], started: float
    ) -> None:
        """Store links, log entries and escrows of one slice in one transaction."""
        links: list[LinkWrite] = []
        entries: list[LogEntry] = []
        failures: list[EscrowFailure] = []
        cleared: list[str] = []
        for action, result, error in outcomes:
            if error is None and result is not None and not result.success:
                error = result.error
            if error is None:
                target_id = (result.id if result is not None and result.id else None) or action.target_id
                assert target_id is not None
                links.append(
                    LinkWrite(action.source_id, target_id, action.exported, _LINK_STATE[action.kind], action.matched_by)
                )
                entries.append(self._entry(action, LogStatus.SUCCESS, target_id=target_id, started=started))
                cleared.append(action.source_id)
                self.result.succeeded += 1
            else:
                entries.append(self._entry(action, LogStatus.FAILURE, error=error, started=started))
                failures.append(
                    EscrowFailure(action.source_id, action.kind.value, error.code or "ERROR", error.message)
                )
                self.result.failed += 1
        with self.store.transaction() as tx:
            if links:
                tx.links.upsert_many(self.options.job, links)
            if cleared:
                tx.escrows.clear(self.options.job, cleared)
            if failures:
                tx.escrows.record_failures(self.options.job, failures)
            tx.log.append_many(entries)
        self.result.failures.extend(e for e in entries if e.status is LogStatus.FAILURE)
        self._done += len(outcomes)
        if self.progress:
            self.progress(self._done, self._total)

    async def apply(self, plan: Plan) -> ApplyResult:
        groups = plan.by_kind()
        self._total = sum(
            len(groups.get(k, []))
            for k in (ActionKind.CREATE, ActionKind.ADOPT, ActionKind.UPDATE, ActionKind.ENABLE, ActionKind.DISABLE)
        )
        self._record_non_writes(plan)
        try:
            await self._writes(groups.get(ActionKind.CREATE, []), create=True)
            await self._writes(
                groups.get(ActionKind.ADOPT, [])
                + groups.get(ActionKind.UPDATE, [])
                + groups.get(ActionKind.ENABLE, []),
                create=False,
            )
            await self._disables(groups.get(ActionKind.DISABLE, []))
        finally:
            await self._recorded()  # also when the reserve stops the cycle: what was written is remembered
        return self.result

    async def _record_behind(
        self, outcomes: Sequence[tuple[Action, RecordResult | None, ConnectorError | None]], started: float
    ) -> None:
        """Record a slice in a worker thread, after the previous slice's record, while the caller sends the next
        slice. The thread holds the GIL for most of a record, but the calls in flight only need the loop to read
        their answers."""
        await self._recorded()
        self._recording = asyncio.ensure_future(asyncio.to_thread(self._record, outcomes, started))

    async def _recorded(self) -> None:
        """Wait for the slice being recorded, if any (its errors, e.g. the store unreachable, are the cycle's)."""
        recording, self._recording = self._recording, None
        if recording is not None:
            await recording

    def _record_non_writes(self, plan: Plan) -> None:
        entries: list[LogEntry] = []
        staged: list[LinkWrite] = []
        failures: list[EscrowFailure] = []
        for action in plan.actions:
            if action.kind is ActionKind.STAGED_DISABLE:
                entries.append(self._entry(action, LogStatus.SKIPPED))
                assert action.target_id is not None
                staged.append(
                    LinkWrite(action.source_id, action.target_id, action.exported, LinkState.STAGED_FOR_DEACTIVATION)
                )
                self.result.staged += 1
            elif action.kind is ActionKind.SKIP:
                self.result.skipped += 1
                if action.reason not in QUIET_SKIPS:
                    entries.append(self._entry(action, LogStatus.SKIPPED))
            elif action.kind is ActionKind.ERROR:
                entries.append(self._entry(action, LogStatus.FAILURE))
                failures.append(
                    EscrowFailure(action.source_id, "map", action.error_code or "MappingError", action.reason)
                )
                self.result.failed += 1
        with self.store.transaction() as tx:
            if staged:
                tx.links.upsert_many(self.options.job, staged)
            if failures:
                tx.escrows.record_failures(self.options.job, failures)
            if entries:
                tx.log.append_many(entries)
        self.result.failures.extend(e for e in entries if e.status is LogStatus.FAILURE)

    def _stopping(self, actions: list[Action], start: int) -> bool:
        """True (and the rest counted as left) when a stop was requested before the slice at ``start``."""
        if self.stop is None or not self.stop.requested():
            return False
        self.result.left += len(actions) - start
        return True

    async def _writes(self, actions: list[Action], *, create: bool) -> None:
        for start in range(0, len(actions), self.slice):
            if self._stopping(actions, start):
                return
            chunk = actions[start : start + self.slice]
            started = time.monotonic()
            with_values = [a for a in chunk if a.values or create]
            if create:
                results = await self.users.create([a.values for a in with_values])
            else:
                results = await self.users.update([{"Id": a.target_id, **a.values} for a in with_values])
            by_source = {a.source_id: r for a, r in zip(with_values, results, strict=True)}
            outcomes: list[tuple[Action, RecordResult | None, ConnectorError | None]] = []
            for action in chunk:
                result = by_source.get(action.source_id)
                if result is not None and result.success and create and result.id:
                    action.target_id = result.id
                outcomes.append((action, result, None))
            await self._permission_sets(
                [a for a, r, _ in outcomes if (r is None or r.success) and a.permission_sets is not None]
            )
            await self._record_behind(outcomes, started)

    async def _permission_sets(self, actions: list[Action]) -> None:
        targets = {a.target_id: a.permission_sets for a in actions if a.target_id and a.permission_sets is not None}
        if not targets:
            return
        current = await self.users.permission_set_assignments(list(targets))
        desired = {uid: set(ps) for uid, ps in targets.items() if ps is not None}
        await self.users.apply_permission_sets(desired, current)

    async def _disables(self, actions: list[Action]) -> None:
        for start in range(0, len(actions), self.slice):
            if self._stopping(actions, start):
                return
            chunk = actions[start : start + self.slice]
            started = time.monotonic()
            to_write = [a for a in chunk if a.values and a.target_id]  # the others are already inactive: record only
            ids = [a.target_id for a in to_write if a.target_id]
            if self.options.freeze_before_deactivate and ids:
                await self.users.set_frozen(ids, True)
            results = dict(zip(ids, await self.users.set_active(ids, False), strict=True)) if ids else {}
            outcomes: list[tuple[Action, RecordResult | None, ConnectorError | None]] = [
                (a, results.get(a.target_id or ""), None) for a in chunk
            ]
            if self.options.remove_permission_sets_on_deactivate:
                done = [a.target_id for a, r, _ in outcomes if (r is None or r.success) and a.target_id]
                current = await self.users.permission_set_assignments(done)
                await self.users.apply_permission_sets({uid: set() for uid in done}, current)
            await self._record_behind(outcomes, started)
