"""One world for the report tests, made by real cycles against the emulators (as `sfprov demo` runs them), plus the
things an auditor meets in real orgs: an account reactivated by hand after sfprov deactivated it, a Salesforce-only
account nobody used for 200 days, and a permission set licence still held by a deactivated user."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sfprov.config import load_config
from sfprov.demo import Demo, write_config
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME
from sfprov.emulators.runner import start_emulators
from sfprov.report import ReportInput, build_report, collect
from sfprov.report.model import Report
from sfprov.state import LinkState, StateStore
from sfprov.targets.salesforce.factory import connect

PRICE = 150.0
IDLE_ORPHAN = "diego.siciliani@contoso.com"
"""A Salesforce-only account of the demo seed (no Entra user): the orphan that last logged in 200 days ago."""


@dataclass
class ReportWorld:
    config_path: Path
    demo: Demo
    changed: dict[str, Any]
    """The Entra user whose surname changed, who left the group and came back."""
    reactivated_by_hand: dict[str, Any]
    """The Entra user who left; an admin reactivated their Salesforce account outside sfprov."""
    psl_holder: dict[str, Any]
    """The Entra user who left holding a permission set licence (still held after the deactivation)."""
    psl_id: str
    data: ReportInput
    report: Report


def _provisioned_members(demo: Demo, group_id: str) -> list[dict[str, Any]]:
    out = []
    for member_id, kind in demo.entra.directory.transitive_members(group_id):
        user = demo.entra.directory.users.get(member_id)
        if kind != "user" or not user or not user.get("accountEnabled") or user.get("userType") == "Guest":
            continue
        link = demo.store.links.get("production", member_id)
        if link is not None and link.state is LinkState.ACTIVE and link.matched_by is None:
            out.append(dict(user))
    return sorted(out, key=lambda u: str(u["userPrincipalName"]))


async def _as_admin(demo: Demo, psl_id: str, holder: str) -> None:
    """What an org admin does by hand: give a permission set licence."""
    async with connect(demo.config.targets[0], base_dir=demo.base_dir) as client:
        await client.create_records(
            "PermissionSetLicenseAssign", [{"AssigneeId": holder, "PermissionSetLicenseId": psl_id}]
        )


async def _reactivate(demo: Demo, user_id: str) -> None:
    async with connect(demo.config.targets[0], base_dir=demo.base_dir) as client:
        results = await client.update_records("User", [{"Id": user_id, "IsActive": True}])
        assert results[0].success, results[0].error


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportWorld]:
    tmp = tmp_path_factory.mktemp("report")
    running = start_emulators(seed="demo", workdir=tmp / "ca")
    try:
        config_path = write_config(running, tmp)
        with config_path.open("a", encoding="utf-8") as handle:
            handle.write(f"    licence_prices:\n      Salesforce: {PRICE}\n")
        config, base_dir = load_config(config_path)
        store = StateStore.open(f"sqlite:///{tmp / 'state.db'}")
        try:
            demo = Demo(running, config, base_dir, store)
            group = demo.entra.admin.group_by_name(LICENSED_GROUP_NAME)
            demo.leave_licences_for_all_but_one()
            demo.cycle()
            changed, leaver, holder = _provisioned_members(demo, group["id"])[:3]
            demo.entra.admin.update_user(changed["id"], surname="Okonkwo-Lindqvist")
            demo.cycle()
            demo.entra.admin.remove_member(group["id"], changed["id"])
            demo.cycle()
            demo.entra.admin.add_member(group["id"], changed["id"])
            demo.cycle()

            with demo.salesforce.runtime.lock:
                psl_id = demo.org.add_permission_set_license("SalesCloudEinstein", "Sales Cloud Einstein", 5)
                idle = demo.sf_user(IDLE_ORPHAN)
                demo.org.record_login(idle["Id"], datetime.now(UTC) - timedelta(days=200))
            leaver_sf, holder_sf = (store.links.get("production", u["id"]) for u in (leaver, holder))
            assert leaver_sf is not None
            assert holder_sf is not None
            asyncio.run(_as_admin(demo, psl_id, holder_sf.target_id))
            for leaving in (leaver, holder):  # one at a time: two of 18 would cross the 10 % deactivation threshold
                demo.entra.admin.remove_member(group["id"], leaving["id"])
                demo.cycle()
            asyncio.run(_reactivate(demo, leaver_sf.target_id))

            data = asyncio.run(
                collect(store, config.targets[0], base_dir=base_dir, generated_at=datetime.now(UTC), inactive_days=90)
            )
            yield ReportWorld(config_path, demo, changed, leaver, holder, psl_id, data, build_report(data))
        finally:
            store.close()
    finally:
        running.stop()
