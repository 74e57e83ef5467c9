"""The ``sfprov`` command line: parse, call, print. No provisioning logic lives here."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sfprov import __version__

app = typer.Typer(
    name="sfprov",
    help="Provision Salesforce users from Microsoft Entra ID: plan, sync, and keep the audit evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Provision Salesforce users from Microsoft Entra ID: plan, sync, and keep the audit evidence."""


@app.command()
def version() -> None:
    """Print the sfprov version."""
    typer.echo(__version__)


def main() -> None:  # pragma: no cover - console entry point
    app()


@app.command()
def emulate(
    seed: Annotated[str, typer.Option(help="Initial state: 'demo' (ready org and tenant) or 'empty'.")] = "demo",
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only this emulator (repeatable): salesforce, entra.")
    ] = None,
    info_out: Annotated[
        Path | None, typer.Option(help="Write every endpoint and credential a client needs to this JSON file.")
    ] = None,
    ca_out: Annotated[Path | None, typer.Option(help="Copy the emulators' CA certificate (PEM) here.")] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="Folder to resume state from at start and save it to at exit.")
    ] = None,
    workdir: Annotated[Path | None, typer.Option(help="Folder for the CA and server key (default: temp).")] = None,
    bind: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
) -> None:
    """Run the Salesforce and Entra ID emulators over HTTPS until Ctrl-C.

    Each virtual host (login.salesforce.com, each org's My Domain, login.microsoftonline.com,
    graph.microsoft.com) gets its own port on loopback; --info-out says which.
    """
    from sfprov.cli_emulate import run_emulate
    from sfprov.emulators.runner import EMULATOR_NAMES

    code = run_emulate(
        seed=seed,
        only=tuple(only or EMULATOR_NAMES),
        info_out=info_out,
        ca_out=ca_out,
        snapshot=snapshot,
        workdir=workdir,
        bind=bind,
    )
    raise typer.Exit(code)


@app.command()
def init(
    path: Annotated[Path, typer.Option("--path", help="Where to write the starter config.")] = Path("sfprov.yaml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter configuration file (no secrets in it: they are references)."""
    from sfprov.config.starter import STARTER

    if path.exists() and not force:
        typer.echo(f"error: {path} exists; pass --force to overwrite it.", err=True)
        raise typer.Exit(2)
    path.write_text(STARTER, encoding="utf-8")
    typer.echo(f"Wrote {path}. Edit it, then run: sfprov doctor --config {path}")


config_app = typer.Typer(help="Inspect and validate the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("schema")
def config_schema(
    out: Annotated[Path | None, typer.Option(help="Write the JSON schema here instead of stdout.")] = None,
) -> None:
    """Print the JSON schema of sfprov.yaml (for editors and CI validation)."""
    from sfprov.config.starter import json_schema_text

    text = json_schema_text()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@config_app.command("check")
def config_check(
    config: Annotated[Path, typer.Option("--config", "-c", help="Config file.")] = Path("sfprov.yaml"),
) -> None:
    """Validate the config file without contacting anything; exit 1 on errors (listed with the fix)."""
    from sfprov.config import load_config
    from sfprov.errors import ConfigError

    try:
        load_config(config)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{config}: valid")


@app.command()
def doctor(
    config: Annotated[Path, typer.Option("--config", "-c", help="Config file.")] = Path("sfprov.yaml"),
    target: Annotated[str | None, typer.Option(help="Check only this target.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
    skip_entra: Annotated[bool, typer.Option("--skip-entra", help="Check only the Salesforce side.")] = False,
) -> None:
    """Check every prerequisite (network, TLS, logins, permissions from profile and permission sets, mapped fields,
    licences, API allowance).

    Prints PASS / WARN / FAIL per check with the precise fix. Exit code 1 if any check failed, 2 for a bad config.
    """
    import asyncio

    from rich.console import Console

    from sfprov.config import load_config
    from sfprov.doctor.model import exit_code
    from sfprov.doctor.render import render_json, render_table
    from sfprov.doctor.run import run_checks
    from sfprov.errors import ConfigError

    try:
        cfg, base_dir = load_config(config)
        checks = asyncio.run(run_checks(cfg, base_dir=base_dir, target=target, entra=not skip_entra))
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if json_out:
        typer.echo(render_json(checks), nl=False)
    else:
        render_table(checks, Console())
    raise typer.Exit(exit_code(checks))


ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="Config file.")]
TargetOpt = Annotated[str | None, typer.Option(help="Target name (required when the config has several).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


@app.command()
def plan(
    config: ConfigOpt = Path("sfprov.yaml"),
    target: TargetOpt = None,
    full: Annotated[bool, typer.Option(help="Reconcile every user, not only what changed.")] = False,
    explain: Annotated[
        str | None, typer.Option(help="Show how each field of this user (UPN or id) is computed.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Show what a sync would change in Salesforce, grouped, with field diffs. Writes nothing.

    Exit codes: 0 nothing failed, 1 cycle failed, 2 bad config, 3 some users cannot be provisioned,
    4 deactivations would be staged by the safety threshold.
    """
    from sfprov.cli_engine import run_cycle
    from sfprov.engine.cycle import CycleOptions

    raise typer.Exit(
        run_cycle(config, target, CycleOptions(full=full, plan_only=True), as_json=json_out, explain=explain)
    )


@app.command()
def sync(
    config: ConfigOpt = Path("sfprov.yaml"),
    target: TargetOpt = None,
    full: Annotated[
        bool, typer.Option(help="Reconcile every user (puts back manual changes to managed fields).")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan only; the transport refuses every write.")] = False,
    allow_deactivations: Annotated[
        bool, typer.Option("--allow-deactivations", help="Apply deactivations above the safety threshold.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Run one provisioning cycle: initial the first time, incremental after.

    Exit codes: 0 done, 1 cycle failed, stopped or interrupted (SIGTERM/Ctrl-C end it after the write batch in
    flight), 2 bad config, 3 some users failed (escrowed, retried later), 4 deactivations staged (run again with
    --allow-deactivations if intended).
    """
    from sfprov.cli_engine import run_cycle
    from sfprov.engine.cycle import CycleOptions

    options = CycleOptions(full=full, dry_run=dry_run, allow_deactivations=allow_deactivations, ignore_quarantine=True)
    raise typer.Exit(run_cycle(config, target, options, as_json=json_out))


@app.command()
def provision(
    user: Annotated[str, typer.Argument(help="The user's UPN or Entra object id.")],
    config: ConfigOpt = Path("sfprov.yaml"),
    target: TargetOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the steps without writing.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Provision one user now (on demand), showing each step, as Entra's "Provision on demand" does."""
    from sfprov.cli_engine import run_cycle
    from sfprov.engine.cycle import CycleOptions

    options = CycleOptions(only_users=frozenset({user}), dry_run=dry_run, ignore_quarantine=True)
    raise typer.Exit(run_cycle(config, target, options, as_json=json_out, explain=user, show_progress=False))


@app.command()
def run(
    config: ConfigOpt = Path("sfprov.yaml"),
    target: TargetOpt = None,
    interval: Annotated[
        float | None, typer.Option(help="Seconds between cycles (default: run.interval_seconds).")
    ] = None,
    cycles: Annotated[
        int | None, typer.Option(help="Stop after this many cycles (default: run until stopped).")
    ] = None,
) -> None:
    """Run cycles forever (the daemon). SIGTERM or Ctrl-C finishes the write batch in flight, records it, and exits 0
    (the next start does the rest)."""
    from sfprov.cli_daemon import run_daemon

    raise typer.Exit(run_daemon(config, target, interval=interval, max_cycles=cycles))


@app.command()
def logs(
    config: ConfigOpt = Path("sfprov.yaml"),
    target: TargetOpt = None,
    user: Annotated[str | None, typer.Option(help="Source or target id, or part of a UPN or name.")] = None,
    action: Annotated[str | None, typer.Option(help="create, update, disable, enable, stagedDisable, skip.")] = None,
    status: Annotated[str | None, typer.Option(help="success, failure, skipped, warning.")] = None,
    since: Annotated[str | None, typer.Option(help="From this time (ISO, UTC unless given).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this time.")] = None,
    cycle: Annotated[str | None, typer.Option(help="Only this cycle id.")] = None,
    limit: Annotated[int, typer.Option(help="Most recent entries to show.")] = 100,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """The provisioning log: one entry per action on a user, newest first."""
    from sfprov.cli_engine import show_logs

    if fmt not in ("table", "json", "csv"):
        typer.echo("error: --format must be table, json or csv.", err=True)
        raise typer.Exit(2)
    raise typer.Exit(
        show_logs(
            config,
            target,
            user=user,
            action=action,
            status=status,
            since=since,
            until=until,
            cycle=cycle,
            limit=limit,
            fmt=fmt,
        )
    )


@app.command()
def status(config: ConfigOpt = Path("sfprov.yaml"), target: TargetOpt = None, json_out: JsonOpt = False) -> None:
    """Last cycles, link counts, users in escrow and quarantine."""
    from sfprov.cli_engine import show_status

    raise typer.Exit(show_status(config, target, as_json=json_out))


@app.command()
def profiles(
    config: ConfigOpt = Path("sfprov.yaml"),
    target: TargetOpt = None,
    json_out: JsonOpt = False,
    publish: Annotated[
        bool,
        typer.Option(
            "--publish",
            help="Write the profiles as app roles of the Entra application (source.scope.app_id), so that users "
            "can be assigned to a profile; roles sfprov did not publish are left alone.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --publish: show what would change and send nothing.")
    ] = False,
) -> None:
    """The org's profiles with their user licence and free seats (a profile with 0 free seats is shown in red);
    with --publish, publish them as app roles of the Entra application."""
    from sfprov.cli_profiles import list_profiles, publish_profiles

    if publish:
        raise typer.Exit(publish_profiles(config, target, as_json=json_out, dry_run=dry_run))
    if dry_run:
        typer.echo("error: --dry-run goes with --publish.", err=True)
        raise typer.Exit(2)
    raise typer.Exit(list_profiles(config, target, as_json=json_out))


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option(help="Folder for the demo's config, state and secrets.")] = Path(
        "sfprov-demo"
    ),
) -> None:
    """Walk the whole lifecycle on the embedded emulators: provision, change, leave, return, licence refusal."""
    from sfprov.demo import run_demo

    raise typer.Exit(run_demo(workdir))


@app.command()
def report(
    config: ConfigOpt = Path("sfprov.yaml"),
    target: TargetOpt = None,
    since: Annotated[str | None, typer.Option(help="Lifecycle events from this time (ISO, UTC unless given).")] = None,
    until: Annotated[str | None, typer.Option(help="Lifecycle events before this time.")] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write into (default: reports/<target>-<time> beside the config)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, csv, json, or a comma-separated list.")] = "html,csv,json",
    inactive_days: Annotated[int, typer.Option(help="Days without login after which a licence is reclaimable.")] = 90,
) -> None:
    """Audit evidence: lifecycle per user, orphan accounts, licences, reconciliation, failures (HTML, CSV, JSON)."""
    from sfprov.cli_report import report_command

    raise typer.Exit(
        report_command(
            config,
            target,
            since=since,
            until=until,
            out_dir=out_dir,
            formats=fmt,
            inactive_days=inactive_days,
        )
    )


if __name__ == "__main__":  # pragma: no cover - python -m sfprov.cli
    app()
