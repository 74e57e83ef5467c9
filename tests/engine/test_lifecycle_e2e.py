"""The seed article's lifecycle, end to end over HTTPS against both emulators, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from sfprov.engine.cycle import CycleOptions, CycleReport
from sfprov.errors import StopCycle
from sfprov.state import CycleKind, CycleStatus, LinkState, LogAction, LogEntry, LogQuery, LogStatus

from .conftest import World

GROUP_MEMBER = "aaron.oconnor@contoso.com"


def member_of_group(world: World) -> dict[str, object]:
    """A user in scope only through the licensed group, with a mail, enabled."""
    group = world.licensed_group["id"]
    direct = {
        a["principalId"]
        for a in world.entra.directory.assignments_to(
            world.entra.directory.service_principal_by_app_id("2a9c8f3e-7d61-4b5a-9e0c-5f4d3b2a1c0e")["id"]
        )
        if a["principalType"] == "User"
    }
    for member_id, kind in world.entra.directory.transitive_members(group):
        user = world.entra.directory.users.get(member_id)
        if (
            kind == "user"
            and user
            and user.get("mail")
            and user.get("accountEnabled")
            and member_id not in direct
            and user.get("userType") != "Guest"
            and user.get("surname")
        ):
            return dict(user)
    raise AssertionError("the demo tenant has no plain group member")


def test_initial_cycle_provisions_in_scope_users(world: World) -> None:
    report = world.cycle()
    assert report.kind is CycleKind.INITIAL
    assert report.status in (CycleStatus.SUCCEEDED, CycleStatus.PARTIAL)
    user = member_of_group(world)
    account = world.sf_user(str(user["userPrincipalName"]))
    assert account is not None
    assert account["IsActive"] is True
    assert account["Email"] == user["mail"]
    assert account["LastName"] == user["surname"]
    assert account["Alias"] == str(user["userPrincipalName"])[:8]
    assert world.store.links.get("production", str(user["id"])) is not None
    created = world.store.log.query(
        LogQuery(limit=None, job="production", actions=(LogAction.CREATE,), statuses=(LogStatus.SUCCESS,))
    )
    assert len(created) == report.counts()["create"]
    for entry in created:
        assert entry.target_id is not None
        assert world.org.get_by_id("User", entry.target_id) is not None
    # the failures are logged with a code and escrowed, never silent
    failures = world.store.log.query(LogQuery(limit=None, job="production", statuses=(LogStatus.FAILURE,)))
    assert {f.error_code for f in failures} >= {"MultipleAppRoles", "NotEffectivelyEntitled"}
    assert all(f.error_message for f in failures)
    assert world.store.escrows.entries("production")
    # the integration user is never touched
    assert world.sf_user("integration@contoso.com")["IsActive"] is True  # type: ignore[index]


def test_second_cycle_is_incremental_and_quiet(world: World) -> None:
    world.cycle()
    again = world.cycle()
    assert again.kind is CycleKind.INCREMENTAL
    assert again.status is CycleStatus.SUCCEEDED
    assert again.result is not None
    assert again.result.succeeded == 0


def cycle_entries(world: World, report: CycleReport) -> list[LogEntry]:
    """The provisioning log entries one cycle wrote, oldest first (the store is their only keeper)."""
    query = LogQuery(job="production", cycle_id=report.cycle_id, limit=None, newest_first=False)
    return world.store.log.query(query)


def test_attribute_change_follows(world: World) -> None:
    world.cycle()
    user = member_of_group(world)
    world.entra.admin.update_user(str(user["id"]), surname="Vásquez-Ortega", jobTitle="CFO")
    report = world.cycle()
    assert report.kind is CycleKind.INCREMENTAL
    assert world.sf_user(str(user["userPrincipalName"]))["LastName"] == "Vásquez-Ortega"  # type: ignore[index]
    (entry,) = [e for e in cycle_entries(world, report) if e.source_id == user["id"]]
    assert entry.action is LogAction.UPDATE
    assert [(m.name, m.new) for m in entry.modified] == [("LastName", "Vásquez-Ortega")]


def test_leaving_the_group_deactivates_and_coming_back_reactivates(world: World) -> None:
    world.cycle()
    user = member_of_group(world)
    group = world.licensed_group["id"]
    world.entra.admin.remove_member(group, str(user["id"]))
    report = world.cycle()
    account = world.sf_user(str(user["userPrincipalName"]))
    assert account is not None
    assert account["IsActive"] is False
    link = world.store.links.get("production", str(user["id"]))
    assert link is not None
    assert link.state is LinkState.DEACTIVATED
    assert any(e.action is LogAction.DISABLE and e.source_id == user["id"] for e in cycle_entries(world, report))
    world.entra.admin.add_member(group, str(user["id"]))
    world.cycle()
    assert world.sf_user(str(user["userPrincipalName"]))["IsActive"] is True  # type: ignore[index]
    assert world.store.links.get("production", str(user["id"])).state is LinkState.ACTIVE  # type: ignore[union-attr]


@pytest.mark.parametrize("how", ["disable", "soft_delete", "hard_delete"])
def test_disabled_or_deleted_users_are_deactivated(world: World, how: str) -> None:
    world.cycle()
    user = member_of_group(world)
    if how == "disable":
        world.entra.admin.disable_user(str(user["id"]))
    else:
        world.entra.admin.delete_user(str(user["id"]), permanent=how == "hard_delete")
    world.cycle()
    assert world.sf_user(str(user["userPrincipalName"]))["IsActive"] is False  # type: ignore[index]


def test_removing_the_group_assignment_stages_mass_deactivation(world: World) -> None:
    world.cycle()
    sp = world.entra.directory.service_principal_by_app_id("2a9c8f3e-7d61-4b5a-9e0c-5f4d3b2a1c0e")
    group = world.licensed_group["id"]
    assignment = next(a for a in world.entra.directory.assignments_to(sp["id"]) if a["principalId"] == group)
    world.entra.admin.unassign(assignment["id"])
    report = world.cycle()
    assert report.plan is not None
    assert report.plan.staged_reason is not None
    assert report.result is not None
    assert report.result.staged >= 6
    user = member_of_group(world)
    assert world.sf_user(str(user["userPrincipalName"]))["IsActive"] is True  # type: ignore[index]
    staged = world.store.log.query(LogQuery(limit=None, job="production", actions=(LogAction.STAGED_DISABLE,)))
    assert len(staged) == report.result.staged
    allowed = world.cycle(allow_deactivations=True, full=True)
    assert allowed.result is not None
    assert world.sf_user(str(user["userPrincipalName"]))["IsActive"] is False  # type: ignore[index]


def test_dry_run_and_plan_write_nothing(world: World) -> None:
    before = sum(1 for _ in world.org.scan("User"))
    report = world.cycle(dry_run=True)
    assert report.plan is not None
    assert report.plan.counts()["create"] > 0
    assert sum(1 for _ in world.org.scan("User")) == before
    assert world.store.links.count("production") == 0
    assert world.store.cycles.latest("production") is None
    assert world.store.watermarks.all("production") == {}


def test_an_empty_source_never_deactivates(world: World) -> None:
    world.cycle()
    user = member_of_group(world)
    sp = world.entra.directory.service_principal_by_app_id("2a9c8f3e-7d61-4b5a-9e0c-5f4d3b2a1c0e")
    for assignment in list(world.entra.directory.assignments_to(sp["id"])):
        world.entra.admin.unassign(assignment["id"])
    report = world.cycle(allow_deactivations=True)
    assert report.status is CycleStatus.STOPPED
    assert report.error is not None
    assert "nobody in scope" in report.error
    assert world.sf_user(str(user["userPrincipalName"]))["IsActive"] is True  # type: ignore[index]


def test_graph_down_fails_the_cycle_loudly_and_the_next_catches_up(world: World) -> None:
    world.cycle()
    user = member_of_group(world)
    world.entra.admin.remove_member(world.licensed_group["id"], str(user["id"]))
    world.entra.admin.configure_faults(error_storm=50)
    failed = world.cycle()
    assert failed.status is CycleStatus.FAILED
    assert world.sf_user(str(user["userPrincipalName"]))["IsActive"] is True  # type: ignore[index]
    world.entra.admin.reset_faults()
    world.cycle()
    assert world.sf_user(str(user["userPrincipalName"]))["IsActive"] is False  # type: ignore[index]


def test_expired_delta_token_reads_everything_again(world: World) -> None:
    world.cycle()
    world.entra.admin.configure_faults(sync_reset_storm=1)
    report = world.cycle()
    assert report.kind is CycleKind.FULL
    assert any("reading everything again" in n for n in report.notes)
    assert report.status in (CycleStatus.SUCCEEDED, CycleStatus.PARTIAL)


def test_only_one_engine_acts_per_job(world: World) -> None:
    first = world.engine()
    assert world.store.leases.acquire("production", "someone-else", __import__("datetime").timedelta(minutes=5))
    with pytest.raises(StopCycle) as info:
        asyncio.run(first.run_cycle(CycleOptions()))
    assert info.value.code == "LEASE_HELD"
