"""`sfprov profiles`: the org's profiles with their licence and free seats, as the mapping will see them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from rich.table import Table

from sfprov.cli_engine import EXIT_FAILED, EXIT_OK, err, fail_config, out
from sfprov.config import load_config
from sfprov.errors import ConfigError, SfprovError
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
