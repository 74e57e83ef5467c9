"""Each section of the report on data produced by real cycles against the emulators (see conftest.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sfprov.report.build import build_report, weekly_lifecycle
from sfprov.report.failures import PLAN_FIXES, fix_for
from sfprov.report.licences import licence_rows, licence_section
from sfprov.report.lifecycle import lifecycle_rows
from sfprov.report.orphans import orphan_rows
from sfprov.report.reconcile import (
    ACTIVE_UNLINKED,
    IN_SCOPE_NOT_PROVISIONED,
    LINKED_INACTIVE,
    reconcile_rows,
)
from sfprov.state import CycleKind, LinkState
from sfprov.targets.salesforce.errors import error_class
from tests.report.conftest import IDLE_ORPHAN, PRICE, ReportWorld


def _events(world: ReportWorld, source_id: str) -> list[dict[str, object]]:
    return [r for r in world.report.section("lifecycle").rows if r["sourceId"] == source_id]


# -- 1. lifecycle ---------------------------------------------------------------------------------------------


def test_lifecycle_of_a_user_who_changed_left_and_came_back(world: ReportWorld) -> None:
    rows = _events(world, world.changed["id"])
    assert [r["event"] for r in rows] == ["in scope", "created", "changed", "deactivated", "reactivated"]
    assert "LastName" in str(rows[2]["fields"])
    assert rows[3]["detail"] == "unassigned"
    cycles = world.data.cycles
    assert cycles[str(rows[1]["cycleId"])].kind is CycleKind.INITIAL
    assert len({r["cycleId"] for r in rows[1:]}) == 4  # each step by its own cycle
    for row in rows[1:]:
        measured, bound = row["secondsFromCycleStart"], row["secondsAtMost"]
        assert isinstance(measured, float)
        assert measured >= 0
        if row["event"] == "created":
            assert bound is None  # first cycle: the user may have been in scope long before sfprov ran
        else:
            assert isinstance(bound, float)
            assert bound >= measured


def test_adopted_accounts_say_how_they_were_matched(world: ReportWorld) -> None:
    adopted = [r for r in world.report.section("lifecycle").rows if r["event"] == "adopted"]
    assert {r["user"] for r in adopted} == {"jose.nunez@contoso.com", "anais.lefevre@contoso.com"}
    assert all(r["detail"] == "matched by Username" for r in adopted)


def test_lifecycle_window_keeps_first_appearances_out_of_a_later_window(world: ReportWorld) -> None:
    starts = sorted(c.started_at for c in world.data.cycles.values())
    later = build_report(replace(world.data, since=starts[1]))
    rows = later.section("lifecycle").rows
    events = {r["event"] for r in rows}
    assert "created" not in events
    assert "in scope" not in events
    assert {"changed", "deactivated", "reactivated"} <= events
    before = build_report(replace(world.data, until=starts[1]))
    assert {r["event"] for r in before.section("lifecycle").rows} <= {"in scope", "created", "adopted"}
    assert lifecycle_rows(replace(world.data, since=starts[-1] + timedelta(days=1))) == []


def test_weekly_chart_counts_match_the_events(world: ReportWorld) -> None:
    rows = world.report.section("lifecycle").rows
    weeks = world.report.charts["weekly"]
    assert sum(w["created"] for w in weeks) == sum(1 for r in rows if r["event"] in ("created", "adopted"))
    assert sum(w["deactivated"] for w in weeks) == 3
    spread: list[dict[str, object]] = [
        {"event": "created", "at": "2026-01-05T10:00:00+00:00"},  # a Monday
        {"event": "in scope", "at": "2026-01-14T10:00:00+00:00"},  # not counted
        {"event": "deactivated", "at": "2026-01-25T23:59:00+00:00"},  # a Sunday
    ]
    weekly = weekly_lifecycle(spread)
    assert [w["week"] for w in weekly] == ["2026-01-05", "2026-01-12", "2026-01-19"]  # the empty week is shown
    assert [(w["created"], w["deactivated"]) for w in weekly] == [(1, 0), (0, 0), (0, 1)]


# -- 2. orphans -----------------------------------------------------------------------------------------------


def test_orphans_name_the_finding(world: ReportWorld) -> None:
    rows = {str(r["username"]).casefold(): r for r in orphan_rows(world.data)}
    idle = rows[IDLE_ORPHAN]
    assert (idle["finding"], idle["managedBySfprov"], idle["daysSinceLogin"]) == ("never linked", False, 200)
    assert idle["profile"] == "Standard User"
    assert idle["licence"] == "Salesforce"
    leaver = next(r for r in rows.values() if r["linkedSourceId"] == world.reactivated_by_hand["id"])
    assert leaver["finding"] == "deactivated by sfprov, active again"
    assert leaver["managedBySfprov"] is True
    integration = [r for r in rows.values() if r["finding"] == "integration user"]
    assert len(integration) == 1
    assert integration[0]["salesforceId"] == world.data.salesforce.integration_user_id
    # every in-scope, actively linked user is accounted for; the deactivated licence holder is not active
    linked = {link.target_id for link in world.data.links.values() if link.state is LinkState.ACTIVE}
    assert not linked & {r["salesforceId"] for r in rows.values()}
    holder = world.data.links[world.psl_holder["id"]]
    assert holder.state is LinkState.DEACTIVATED
    assert holder.target_id not in {r["salesforceId"] for r in rows.values()}
    summary = world.report.section("orphans").summary
    assert summary["orphans"] == len(rows) - 1


# -- 3. licences ----------------------------------------------------------------------------------------------


def test_licences_used_managed_reclaimable_and_cost(world: ReportWorld) -> None:
    rows = {r["licence"]: r for r in licence_rows(world.data)}
    full = rows["Salesforce"]
    active = [u for u in world.data.salesforce.users if u["IsActive"] is True]
    licence_id = next(lic.id for lic in world.data.salesforce.licences if lic.name == "Salesforce")
    assert full["used"] == sum(1 for u in active if u["Profile.UserLicenseId"] == licence_id)
    linked = {link.target_id for link in world.data.links.values() if link.state is LinkState.ACTIVE}
    assert full["usedByManaged"] == sum(1 for u in active if u["Id"] in linked) > 0
    assert full["reclaimableInactive"] == 1  # the orphan idle for 200 days; never-logged-in new accounts are not
    assert (full["monthlyCostUsed"], full["monthlySavingReclaimable"]) == (full["used"] * PRICE, PRICE)
    assert rows["Chatter Free"]["monthlyPrice"] is None
    psl = rows["Sales Cloud Einstein"]
    assert (psl["kind"], psl["used"], psl["reclaimableDeactivated"]) == ("PermissionSetLicense", 1, 1)
    assert licence_rows(replace(world.data, inactive_days=365))[1]["reclaimableInactive"] == 0


def test_permission_set_licences_not_readable_are_said_so(world: ReportWorld) -> None:
    snapshot = replace(
        world.data.salesforce, psl=replace(world.data.salesforce.psl, available=False, reason="no access")
    )
    section = licence_section(replace(world.data, salesforce=snapshot))
    assert all(r["kind"] == "UserLicense" for r in section.rows)
    assert any("not available: no access" in n for n in section.notes)


# -- 4. reconciliation ----------------------------------------------------------------------------------------


def test_reconciliation_counts_and_differences(world: ReportWorld) -> None:
    rows, summary = reconcile_rows(world.data)
    assert world.data.in_scope is not None
    assert summary["inScopeInEntra"] == len(world.data.in_scope)
    assert summary["linkedActive"] == sum(1 for k in world.data.links.values() if k.state is LinkState.ACTIVE)
    assert summary["inScopeLinkedAndActive"] == summary["linkedActive"]
    missing = {r["user"]: r["detail"] for r in rows if r["difference"] == IN_SCOPE_NOT_PROVISIONED}
    assert missing["jane_fabrikam.com#EXT#@contoso.onmicrosoft.com"] == "in escrow: LICENSE_LIMIT_EXCEEDED"
    unlinked = {str(r["username"]).casefold() for r in rows if r["difference"] == ACTIVE_UNLINKED}
    assert IDLE_ORPHAN in unlinked
    assert len(unlinked) == len(orphan_rows(world.data))  # the same accounts as the orphans section


def test_reconciliation_finds_accounts_deactivated_outside_sfprov(world: ReportWorld) -> None:
    target = world.data.links[world.changed["id"]].target_id
    users = [dict(u, IsActive=False) if u["Id"] == target else u for u in world.data.salesforce.users]
    rows, _ = reconcile_rows(replace(world.data, salesforce=replace(world.data.salesforce, users=users)))
    assert [r["salesforceId"] for r in rows if r["difference"] == LINKED_INACTIVE] == [target]


# -- 5. failures ----------------------------------------------------------------------------------------------


def test_failures_have_code_fix_and_since(world: ReportWorld) -> None:
    rows = world.report.section("failures").rows
    escrows = {e.source_id: e for e in world.data.escrows}
    assert len(rows) == len(escrows) > 0
    for row in rows:
        escrow = escrows[str(row["sourceId"])]
        assert row["errorCode"] == escrow.error_code
        assert row["since"] == escrow.first_failure.isoformat()
        assert row["fix"], row
        assert "Fix:" not in str(row["error"])
    licence = next(r for r in rows if r["errorCode"] == "LICENSE_LIMIT_EXCEEDED")
    assert licence["fix"] == error_class("LICENSE_LIMIT_EXCEEDED")[1]
    assert licence["action"] == "create"


def test_fix_for_plan_codes_and_unknown_codes() -> None:
    assert fix_for("UnknownProfile", "Profile 'X' does not exist in this org.") == PLAN_FIXES["UnknownProfile"]
    assert fix_for("SOMETHING_NEW", "no idea") is None
