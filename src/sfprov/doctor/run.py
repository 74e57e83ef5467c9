"""Run every check for a config: Entra first (the source), then each Salesforce target."""

from __future__ import annotations

from pathlib import Path

from sfprov.config.models import SfprovConfig
from sfprov.doctor.entra import check_entra
from sfprov.doctor.model import Check
from sfprov.doctor.salesforce import check_salesforce


async def run_checks(
    config: SfprovConfig, *, base_dir: Path | None = None, target: str | None = None, entra: bool = True
) -> list[Check]:
    checks: list[Check] = []
    if entra:
        checks += await check_entra(config.source, base_dir=base_dir)
    targets = [config.target(target)] if target else config.targets
    for item in targets:
        checks += await check_salesforce(item, config.mapping_for(item), base_dir=base_dir)
    return checks
