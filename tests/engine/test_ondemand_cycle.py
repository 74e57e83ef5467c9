"""On-demand cycles (`sfprov provision USER`) read the requested user only, act on them only, and leave the
watermark alone: a user created, a soft-deleted or unassigned user deactivated, a user never in scope left alone
with a note."""

from __future__ import annotations

from typing import Any

from sfprov.engine.cycle import SOURCE_STATE, CycleReport
from sfprov.state import CycleKind, LinkState, LogQuery

from .conftest import World
from .test_lifecycle_e2e import member_of_group

ON_DEMAND_GRAPH_CALLS = 5
"""A UPN: resolve it, service principal, assignments, the filtered delta round, one membership $batch."""


def test_on_demand_reads_one_user_and_keeps_the_watermark(world: World) -> None:
    world.cycle()
    mark = world.store.watermarks.get("production", SOURCE_STATE)
    assert mark is not None
    newcomer = world.entra.admin.add_user(
        userPrincipalName="nina.newcomer@contoso.com",
        displayName="Nina Newcomer",
        givenName="Nina",
        surname="Newcomer",
        mail="nina.newcomer@contoso.com",
        accountEnabled=True,
    )
    world.entra.admin.add_member(world.licensed_group["id"], newcomer["id"])
    report = world.cycle(only_users=frozenset({"nina.newcomer@contoso.com"}), ignore_quarantine=True)
    assert report.kind is CycleKind.ON_DEMAND
    assert report.source_calls <= ON_DEMAND_GRAPH_CALLS, report.source_calls
    assert report.plan is not None
    assert [(a.source_id, a.kind.value) for a in report.plan.actions] == [(newcomer["id"], "create")]
    assert world.sf_user("nina.newcomer@contoso.com") is not None
    again = world.store.watermarks.get("production", SOURCE_STATE)
    assert again is not None
    assert again.delta_link == mark.delta_link, "an on-demand cycle must not move the watermark"
    # the next scheduled cycle still sees the newcomer's change and finds nothing left to do for them
    nxt = world.cycle()
    assert nxt.plan is not None
    assert [a.kind.value for a in nxt.plan.actions if a.source_id == newcomer["id"]] in ([], ["skip"])


def assert_deactivated_alone(world: World, report: CycleReport, user: dict[str, Any]) -> None:
    """The on-demand cycle disabled ``user`` and nobody else; the link and the account say so."""
    assert report.plan is not None
    assert [(a.source_id, a.kind.value) for a in report.plan.actions] == [(user["id"], "disable")]
    link = world.store.links.get("production", str(user["id"]))
    assert link is not None
    assert link.state is LinkState.DEACTIVATED
    account = world.sf_user(str(user["userPrincipalName"]))
    assert account is not None
    assert account["IsActive"] is False


def test_on_demand_deactivates_a_soft_deleted_user(world: World) -> None:
    world.cycle()
    user = member_of_group(world)
    world.entra.admin.delete_user(str(user["id"]))
    report = world.cycle(only_users=frozenset({str(user["id"])}), ignore_quarantine=True)
    assert_deactivated_alone(world, report, user)


def test_on_demand_deactivates_an_unassigned_user(world: World) -> None:
    """Entra's own on-demand provisioning disables a user unassigned from the app (provision-on-demand.md)."""
    world.cycle()
    user = member_of_group(world)
    world.entra.admin.remove_member(world.licensed_group["id"], str(user["id"]))
    report = world.cycle(only_users=frozenset({str(user["userPrincipalName"])}), ignore_quarantine=True)
    assert any("is not in scope" in note for note in report.notes), report.notes
    assert_deactivated_alone(world, report, user)


def test_on_demand_out_of_scope_user_without_account_changes_nothing(world: World) -> None:
    world.cycle()
    stranger = world.entra.admin.add_user(
        userPrincipalName="sam.stranger@contoso.com",
        displayName="Sam Stranger",
        mail="sam.stranger@contoso.com",
        accountEnabled=True,
    )
    before = len(world.store.log.query(LogQuery(job="production", limit=None)))
    report = world.cycle(only_users=frozenset({"sam.stranger@contoso.com"}), ignore_quarantine=True)
    assert any("is not in scope" in note for note in report.notes), report.notes
    assert report.plan is not None
    assert not report.plan.actions
    assert world.sf_user("sam.stranger@contoso.com") is None
    assert world.store.links.get("production", str(stranger["id"])) is None
    assert len(world.store.log.query(LogQuery(job="production", limit=None))) == before
