"""Doctor results for people (a table, fixes underneath) and for machines (``--json``)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from sfprov.doctor.model import Check, Status

_STYLE = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red", Status.SKIP: "dim"}


def render_table(checks: list[Check], console: Console) -> None:
    table = Table(show_lines=False)
    table.add_column("", no_wrap=True)
    table.add_column("area", no_wrap=True)
    table.add_column("check")
    table.add_column("detail")
    for check in checks:
        table.add_row(f"[{_STYLE[check.status]}]{check.status.value}[/]", check.area, check.name, check.detail)
    console.print(table)
    for check in checks:
        if check.fix and check.status in (Status.FAIL, Status.WARN):
            console.print(f"[{_STYLE[check.status]}]{check.status.value}[/] {check.area} / {check.name}: {check.fix}")
    failed = sum(c.status is Status.FAIL for c in checks)
    warned = sum(c.status is Status.WARN for c in checks)
    console.print(f"{failed} failed, {warned} warnings, {len(checks) - failed - warned} other checks.")


def render_json(checks: list[Check]) -> str:
    return json.dumps({"checks": [c.as_json() for c in checks]}, indent=2) + "\n"
