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
