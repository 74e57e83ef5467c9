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
    """Check every prerequisite (network, TLS, logins, permissions, licences, API allowance).

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


if __name__ == "__main__":  # pragma: no cover - python -m sfprov.cli
    app()
