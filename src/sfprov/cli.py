"""The ``sfprov`` command line: parse, call, print. No provisioning logic lives here."""

from __future__ import annotations

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
