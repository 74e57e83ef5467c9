"""`sfprov profiles`: the org's profiles with their licence and free seats, as the mapping will see them; with
``--publish``, the same profiles written as app roles of the Entra application (docs/dev/profiles-publish.md)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from sfprov.cli_engine import EXIT_FAILED, EXIT_OK, err, fail_config, out
from sfprov.config import SfprovConfig, load_config
from sfprov.errors import ConfigError, SfprovError
from sfprov.sources.entra.approles import (
    OUTCOMES,
    Outcome,
    Profile,
    PublicationPlan,
    RoleChange,
    apply_plan,
    plan_for,
)
from sfprov.sources.entra.factory import graph_client, token_provider
from sfprov.targets.salesforce.factory import connect
from sfprov.targets.salesforce.users import ProfileInfo, SalesforceUsers


def list_profiles(config_path: Path, target: str | None, *, as_json: bool) -> int:
    try:
        config, base_dir = load_config(config_path)
        chosen = config.target(target)

        async def read() -> list[ProfileInfo]:
            async with connect(chosen, base_dir=base_dir) as client:
                catalogue = await SalesforceUsers(client).catalogue()
            return sorted(catalogue.unique_profiles(), key=lambda p: p.name.casefold())

        profiles = asyncio.run(read())
    except ConfigError as exc:
        return fail_config(exc)
    except SfprovError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return EXIT_FAILED
    rows = [
        {
            "profile": p.name,
            "id": p.id,
            "licence": p.licence_name,
            "total": p.licence_total,
            "used": p.licence_used,
            "free": p.free_seats,
        }
        for p in profiles
    ]
    if as_json:
        out.print_json(json.dumps(rows))
        return EXIT_OK
    table = Table(title=f"Salesforce profiles of target {chosen.name}")
    for column in ("profile", "licence", "used / total", "free"):
        table.add_column(column)
    for p in profiles:
        free = "-" if p.free_seats is None else str(p.free_seats)
        shown = f"[red]{free}[/]" if p.free_seats == 0 else free
        table.add_row(p.name, p.licence_name or "", f"{p.licence_used} / {p.licence_total}", shown)
    out.print(table)
    return EXIT_OK


# -- sfprov profiles --publish ---------------------------------------------------------------------------------

SHOWN_NAMES = 12
"""Names listed per outcome line; the rest are counted (an org may have hundreds of profiles)."""


def _app_id(config: SfprovConfig) -> str:
    scope = config.source.scope
    if scope.mode != "app_assignment" or not scope.app_id:
        raise ConfigError(
            f"--publish writes app roles on the Salesforce enterprise application, but source.scope.mode is "
            f"{scope.mode!r} and names no application.",
            fix="Set source.scope.mode to app_assignment and source.scope.app_id to the Application (client) ID of "
            "the Salesforce enterprise app (Enterprise applications > Salesforce > Properties).",
        )
    return scope.app_id


def publish_profiles(config_path: Path, target: str | None, *, as_json: bool, dry_run: bool) -> int:
    """Publish the target org's profiles as app roles of ``source.scope.app_id`` (docs/dev/profiles-publish.md)."""
    try:
        config, base_dir = load_config(config_path)
        chosen = config.target(target)
        app_id = _app_id(config)

        async def run() -> tuple[PublicationPlan, int]:
            async with connect(chosen, base_dir=base_dir) as client:
                catalogue = await SalesforceUsers(client).catalogue()
            profiles = [Profile(p.id, p.name) for p in catalogue.unique_profiles()]
            tokens = token_provider(config.source, base_dir=base_dir)
            async with graph_client(config.source, tokens, base_dir=base_dir) as graph:
                plan = await plan_for(graph, app_id, profiles, target=chosen.name)
                sent = 0 if dry_run else await apply_plan(graph, plan)
            return plan, sent

        plan, sent = asyncio.run(run())
    except ConfigError as exc:
        return fail_config(exc)
    except SfprovError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_FAILED
    if as_json:
        out.print_json(json.dumps({**plan.to_json(), "dry_run": dry_run, "patches_sent": sent}))
    else:
        _print_plan(plan, dry_run=dry_run, sent=sent)
    for kept in plan.of("kept"):
        err.print(
            f"[yellow]warning:[/] role {escape(kept.name)!r} kept, disabled: {escape(kept.reason or '')}. Assign those "
            "users another profile, then publish again to remove it.",
            highlight=False,
        )
    return EXIT_OK


def _names(changes: list[RoleChange], outcome: Outcome) -> str:
    """The names of one outcome line; skipped ones grouped by reason, so that each reason is said once."""
    if outcome == "skipped":
        reasons: dict[str, list[RoleChange]] = {}
        for change in changes:
            reasons.setdefault(change.reason or "", []).append(change)
        return "; ".join(f"{_listed(group, lambda c: c.name)} ({reason})" for reason, group in reasons.items())
    if outcome == "renamed":
        return _listed(changes, lambda c: f"{c.previous_name} -> {c.name}")
    return _listed(changes, lambda c: c.name)


def _listed(changes: list[RoleChange], show: Callable[[RoleChange], str]) -> str:
    shown = [show(c) for c in changes[:SHOWN_NAMES]]
    more = len(changes) - len(shown)
    return ", ".join(shown) + (f", and {more} more" if more > 0 else "")


def _print_plan(plan: PublicationPlan, *, dry_run: bool, sent: int) -> None:
    out.print(
        f"Profiles of target {escape(plan.target)} as app roles of {escape(plan.app_display_name)!r} "
        f"(appId {plan.app_id})",
        highlight=False,
    )
    for outcome in OUTCOMES:
        changes = plan.of(outcome)
        names = "" if outcome == "unchanged" or not changes else "  " + escape(_names(changes, outcome))
        out.print(f"  {outcome:<10}{len(changes):>5}{names}", highlight=False)
    if not plan.patches:
        out.print("Nothing to change: the app roles already match the profiles.", highlight=False)
    elif dry_run:
        out.print(
            f"Dry run: nothing sent; publishing would send {len(plan.patches)} PATCH request(s).", highlight=False
        )
    else:
        out.print(f"Published: {sent} PATCH request(s) sent to the application.", highlight=False)
