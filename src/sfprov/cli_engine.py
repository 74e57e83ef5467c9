"""The provisioning commands behind `sfprov plan`, `sync`, `provision`, `logs` and `status`.

Exit codes mean the same thing in every command, so that scripts and schedulers can act on them:

* 0: done, nothing failed
* 1: the cycle failed or stopped (source unreadable, lease held, API reserve reached, quarantine), or it was
  interrupted by SIGTERM/Ctrl-C before it was done (what it wrote is recorded; the next cycle does the rest)
* 2: the configuration is invalid (nothing was contacted)
* 3: done, but some users failed (they are in escrow and retried by later cycles)
* 4: deactivations were staged by the safety threshold and wait for `--allow-deactivations`
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sfprov.config import SfprovConfig, load_config
from sfprov.config.models import TargetConfig
from sfprov.config.permissions import permission_warnings
from sfprov.engine.cycle import CycleOptions, CycleReport, Engine
from sfprov.engine.plan import Action, ActionKind
from sfprov.engine.stop import StopRequest
from sfprov.errors import ConfigError, SfprovError
from sfprov.mapping.config import MappingConfig
from sfprov.state import CycleStatus, LinkState, LogAction, LogEntry, LogQuery, LogStatus, RetryPolicy, StateStore

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_PARTIAL, EXIT_STAGED = 0, 1, 2, 3, 4

out = Console()
err = Console(stderr=True)


@dataclass
class Context:
    config: SfprovConfig
    base_dir: Path
    target: TargetConfig
    store: StateStore


def state_url(config: SfprovConfig, base_dir: Path) -> str:
    """The state store URL; a relative SQLite path is relative to the config file, not to the current folder."""
    url = config.state.url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
        return prefix + str(base_dir / url[len(prefix) :])
    return url


@contextmanager
def opened(config_path: Path, target: str | None) -> Iterator[Context]:
    config, base_dir = load_config(config_path)
    chosen = config.target(target)
    for warning in permission_warnings(config, base_dir):
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    give_up = timedelta(hours=chosen.safety.escrow_give_up_hours)
    store = StateStore.open(state_url(config, base_dir), retry_policy=RetryPolicy(give_up_after=give_up))
    try:
        yield Context(config, base_dir, chosen, store)
    finally:
        store.close()


def fail_config(exc: ConfigError) -> int:
    err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
    return EXIT_CONFIG


# -- plan / sync / provision --------------------------------------------------------------------------------


def run_cycle(
    config_path: Path,
    target: str | None,
    options: CycleOptions,
    *,
    as_json: bool,
    explain: str | None = None,
    show_progress: bool = True,
    stop: StopRequest | None = None,
) -> int:
    """Run one cycle and print its report. Without ``stop`` (``sfprov sync``, ``plan``, ``provision``), the first
    SIGTERM or Ctrl-C asks the engine to stop after the write slice in flight; the daemon passes its own."""
    if stop is None:
        stop = StopRequest()
        with stopping_on_signals(stop):
            return run_cycle(
                config_path, target, options, as_json=as_json, explain=explain, show_progress=show_progress, stop=stop
            )
    try:
        with opened(config_path, target) as ctx:
            with _progress(show_progress and not as_json) as progress:
                engine = Engine(ctx.config, ctx.target, ctx.store, base_dir=ctx.base_dir, progress=progress, stop=stop)
                report = asyncio.run(engine.run_cycle(options))
            mapping = ctx.config.mapping_for(ctx.target)
    except ConfigError as exc:
        return fail_config(exc)
    except SfprovError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return EXIT_FAILED
    if as_json:
        out.print_json(json.dumps(report_json(report)))
        if report.error:  # scripts read stdout; people and logs read stderr
            err.print(f"error: {report.error}" + (f"\nfix: {report.fix}" if report.fix else ""), highlight=False)
    else:
        print_report(report, explain=explain, mapping=mapping)
    _notify(config_path, report)
    return exit_code(report)


@contextmanager
def stopping_on_signals(stop: StopRequest) -> Iterator[None]:
    """While inside: the first SIGTERM or SIGINT sets ``stop`` (the engine finishes the write slice in flight,
    records it and ends the cycle as ``interrupted``); a second one gets the default, abrupt behaviour (which the
    state store survives like a kill: see docs/dev/reliability.md). Signals can only be handled on the main thread;
    elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.getsignal(sig) for sig in wanted}

    def request_stop(signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        err.print(f"received {name}: finishing the write slice in flight, then stopping (again: stop at once)")
        stop.set(name)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    for sig in wanted:
        signal.signal(sig, request_stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _notify(config_path: Path, report: CycleReport) -> None:
    """Mail the operators when the cycle needs attention (best effort: a mail failure never fails the cycle)."""
    import smtplib

    from sfprov.notify import message_for, needs_attention, send

    if report.result is None and report.status not in (CycleStatus.FAILED, CycleStatus.STOPPED):
        return  # plan and dry-run change nothing: nobody to alert
    try:
        config, base_dir = load_config(config_path)
    except ConfigError:
        return
    if config.notifications is None or not needs_attention(report):
        return
    try:
        send(config.notifications, *message_for(report), base_dir=base_dir)
    except (OSError, smtplib.SMTPException, ConfigError) as exc:
        err.print(f"[yellow]warning:[/] could not send the notification e-mail: {type(exc).__name__}: {exc}")


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("writing to Salesforce"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task("write", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield update


def exit_code(report: CycleReport) -> int:
    if report.status in (CycleStatus.FAILED, CycleStatus.STOPPED, CycleStatus.INTERRUPTED):
        return EXIT_FAILED
    if report.plan is not None and report.plan.staged_reason:
        return EXIT_STAGED
    failed = (report.result.failed if report.result else 0) or (
        len(report.plan.by_kind().get(ActionKind.ERROR, [])) if report.plan and report.result is None else 0
    )
    return EXIT_PARTIAL if failed else EXIT_OK


def action_json(action: Action) -> dict[str, Any]:
    return {
        "action": action.kind.value,
        "sourceId": action.source_id,
        "userPrincipalName": action.source_upn,
        "targetId": action.target_id,
        "reason": action.reason,
        "matchedBy": action.matched_by,
        "errorCode": action.error_code,
        "changes": [{"name": c.name, "old": _plain(c.old), "new": _plain(c.new)} for c in action.changes],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset | set | tuple):
        return sorted(str(v) for v in value)
    return value


def report_json(report: CycleReport) -> dict[str, Any]:
    return {
        "job": report.job,
        "cycleId": report.cycle_id,
        "kind": report.kind.value,
        "status": report.status.value,
        "error": report.error,
        "fix": report.fix,
        "counts": report.counts(),
        "notes": report.notes,
        "stagedReason": report.plan.staged_reason if report.plan else None,
        "graphCalls": report.source_calls,
        "salesforceCalls": report.target_calls,
        "seconds": round(report.seconds, 3),
        "actions": [action_json(a) for a in report.plan.actions] if report.plan else [],
    }


_STYLE = {
    ActionKind.CREATE: "green",
    ActionKind.ADOPT: "cyan",
    ActionKind.UPDATE: "yellow",
    ActionKind.ENABLE: "green",
    ActionKind.DISABLE: "red",
    ActionKind.STAGED_DISABLE: "magenta",
    ActionKind.ERROR: "bold red",
    ActionKind.SKIP: "dim",
}


def print_report(report: CycleReport, *, explain: str | None = None, mapping: MappingConfig | None = None) -> None:
    if report.plan is not None:
        groups = report.plan.by_kind()
        for kind in (
            ActionKind.CREATE,
            ActionKind.ADOPT,
            ActionKind.UPDATE,
            ActionKind.ENABLE,
            ActionKind.DISABLE,
            ActionKind.STAGED_DISABLE,
            ActionKind.ERROR,
        ):
            actions = groups.get(kind, [])
            if not actions:
                continue
            out.print(f"[{_STYLE[kind]}]{kind.value}[/] ({len(actions)})")
            for action in actions:
                who = action.source_upn or action.source_id
                line = f"  {who}"
                if action.reason and kind in (
                    ActionKind.DISABLE,
                    ActionKind.STAGED_DISABLE,
                    ActionKind.ERROR,
                    ActionKind.ADOPT,
                    ActionKind.ENABLE,
                ):
                    line += f" - {action.reason}"
                out.print(line, highlight=False, markup=False)
                if kind in (ActionKind.UPDATE, ActionKind.ADOPT, ActionKind.ENABLE):
                    for change in action.changes:
                        out.print(
                            f"      {change.name}: {_plain(change.old)!r} -> {_plain(change.new)!r}",
                            highlight=False,
                            markup=False,
                        )
        skipped = len(groups.get(ActionKind.SKIP, []))
        if skipped:
            out.print(f"[dim]skip ({skipped}): unchanged or not to be provisioned[/]")
        if explain:
            _print_explain(report, explain, mapping or MappingConfig())
    for note in report.notes:
        out.print(f"[yellow]note:[/] {note}", highlight=False)
    verb = "planned" if report.result is None else "applied"
    summary = ", ".join(f"{k} {v}" for k, v in report.counts().items() if v)
    out.print(
        f"{report.job}: {report.kind.value} cycle {report.status.value} ({verb}; {summary or 'nothing to do'}) "
        f"in {report.seconds:.1f} s, {report.source_calls} Graph and {report.target_calls} Salesforce calls",
        highlight=False,
    )
    if report.error:
        err.print(f"[red]error:[/red] {report.error}", highlight=False)
        if report.fix:
            err.print(f"[bold]fix:[/bold] {report.fix}", highlight=False)


def _print_explain(report: CycleReport, who: str, mapping: MappingConfig) -> None:
    from sfprov.mapping.explain import explain_user, render

    wanted = who.casefold()
    user = next(
        (
            u
            for u in report.users.values()
            if u.id.casefold() == wanted or str(u.value("userPrincipalName") or "").casefold() == wanted
        ),
        None,
    )
    if user is None:
        out.print(f"[yellow]--explain:[/] {who} is not among the users this cycle considered.")
        return
    action = next((a for a in report.plan.actions if a.source_id == user.id), None) if report.plan else None
    creating = action is None or action.kind is ActionKind.CREATE
    out.print(render(explain_user(user, mapping, operation="create" if creating else "update")), markup=False)


# -- logs / status ------------------------------------------------------------------------------------------


def _parse_time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--{name} {value!r} is not a date or time.", fix="Use ISO form: 2026-11-23 or 2026-11-23T14:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def show_logs(
    config_path: Path,
    target: str | None,
    *,
    user: str | None,
    action: str | None,
    status: str | None,
    since: str | None,
    until: str | None,
    cycle: str | None,
    limit: int,
    fmt: str,
) -> int:
    try:
        actions = (LogAction(action),) if action else None
        statuses = (LogStatus(status),) if status else None
        window = _parse_time(since, "since"), _parse_time(until, "until")
        with opened(config_path, target) as ctx:
            query = LogQuery(
                job=ctx.target.name,
                user=user,
                actions=actions,
                statuses=statuses,
                since=window[0],
                until=window[1],
                cycle_id=cycle,
                limit=limit,
            )
            entries = ctx.store.log.query(query)
            cycles = [ctx.store.cycles.get(c) for c in dict.fromkeys(e.cycle_id for e in entries if e.cycle_id)]
            ended_early = [c for c in cycles if c is not None and c.status is CycleStatus.INTERRUPTED]
    except ValueError as exc:
        return fail_config(
            ConfigError(
                str(exc),
                fix="Actions: create, update, disable, enable, stagedDisable, skip; "
                "statuses: success, failure, skipped, warning.",
            )
        )
    except ConfigError as exc:
        return fail_config(exc)
    rows = [log_row(e) for e in entries]
    if fmt == "json":
        out.print_json(json.dumps(rows))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else list(log_row_fields()))
        writer.writeheader()
        writer.writerows(rows)
        print(buffer.getvalue(), end="")
    else:
        table = Table()
        for column in ("at", "action", "status", "user", "changes / error"):
            table.add_column(column)
        for row in rows:
            detail = row["errorMessage"] or row["modified"]
            table.add_row(row["at"][:19], row["action"], row["status"], row["user"] or "", detail or "")
        out.print(table)
        for c in ended_early:  # its entries are complete, but the cycle did not do everything it planned
            out.print(
                f"[yellow]note:[/] cycle {c.id} ({c.kind.value}, {c.started_at:%Y-%m-%d %H:%M:%S}) was interrupted: "
                f"{c.error_message or 'no reason recorded'}",
                highlight=False,
            )
    return EXIT_OK


def log_row_fields() -> tuple[str, ...]:
    return (
        "at",
        "cycleId",
        "changeId",
        "action",
        "status",
        "user",
        "sourceId",
        "targetId",
        "modified",
        "errorCode",
        "errorMessage",
    )


def log_row(entry: LogEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "cycleId": entry.cycle_id,
        "changeId": entry.change_id,
        "action": entry.action.value,
        "status": entry.status.value,
        "user": entry.source_upn or entry.source_name,
        "sourceId": entry.source_id,
        "targetId": entry.target_id,
        "modified": "; ".join(f"{m.name}: {m.old!r} -> {m.new!r}" for m in entry.modified),
        "errorCode": entry.error_code,
        "errorMessage": entry.error_message,
    }


def show_status(config_path: Path, target: str | None, *, as_json: bool) -> int:
    try:
        with opened(config_path, target) as ctx:
            job = ctx.target.name
            cycles = ctx.store.cycles.recent(job, limit=5)
            escrows = ctx.store.escrows.entries(job)
            quarantine = ctx.store.quarantine.get(job)
            links = {state.value: ctx.store.links.count(job, state) for state in LinkState}
    except ConfigError as exc:
        return fail_config(exc)
    data: dict[str, Any] = {
        "job": job,
        "links": links,
        "cycles": [
            {
                "id": c.id,
                "kind": c.kind.value,
                "status": c.status.value,
                "started": c.started_at.isoformat(),
                "finished": c.finished_at.isoformat() if c.finished_at else None,
                "counts": dict(c.counts),
                "apiCalls": c.api_calls,
                "error": c.error_message,
            }
            for c in cycles
        ],
        "escrows": [
            {
                "sourceId": e.source_id,
                "action": e.action,
                "errorCode": e.error_code,
                "error": e.error_message,
                "attempts": e.attempts,
                "since": e.first_failure.isoformat(),
                "nextRetry": e.next_retry.isoformat(),
                "givenUp": e.given_up,
            }
            for e in escrows
        ],
        "quarantine": {
            "since": quarantine.quarantined_since.isoformat() if quarantine.quarantined_since else None,
            "reason": quarantine.reason.value if quarantine.reason else None,
            "detail": quarantine.detail,
            "nextRun": quarantine.next_allowed_run.isoformat() if quarantine.next_allowed_run else None,
        },
    }
    if as_json:
        out.print_json(json.dumps(data))
        return EXIT_OK
    out.print(f"[bold]{job}[/]: links {', '.join(f'{k} {v}' for k, v in links.items())}")
    if quarantine.quarantined_since:
        out.print(
            f"[red]quarantined[/] since {data['quarantine']['since']}: {quarantine.detail} "
            f"(next attempt {data['quarantine']['nextRun']})",
            highlight=False,
        )
    table = Table(title="recent cycles")
    for column in ("started", "kind", "status", "counts", "API calls", "error"):
        table.add_column(column)
    for c in data["cycles"]:
        counts = ", ".join(f"{k} {v}" for k, v in c["counts"].items() if v)
        table.add_row(c["started"][:19], c["kind"], c["status"], counts, str(c["apiCalls"]), c["error"] or "")
    out.print(table)
    if escrows:
        out.print(f"{len(escrows)} users in escrow (failed, retried later); `sfprov logs --status failure` shows why.")
    return EXIT_OK
