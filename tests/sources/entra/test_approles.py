"""Publishing Salesforce profiles as app roles: the plan (pure) and its application against the Entra emulator,
whose PATCH enforces Graph's rules (whole collection replaced, enabled roles disabled before change or removal,
value syntax, Application.ReadWrite.OwnedBy only for owners)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from sfprov.emulators.entra.generators import SALESFORCE_APP_ID, SALESFORCE_PROFILES
from sfprov.emulators.salesforce.ids import to18
from sfprov.errors import ConnectorError, PermissionDenied
from sfprov.sources.entra.approles import (
    WRITE_PERMISSION_FIX,
    Profile,
    PublicationPlan,
    apply_plan,
    marker,
    plan_for,
    plan_publication,
)

from .conftest import Tenant, run

TARGET = "production"
STANDARD = Profile(to18("00e5g000000Std1"), "Standard User")
CHATTER = Profile(to18("00e5g000000Cht1"), "Chatter Free User")
ANALYST = Profile(to18("00e5g000000Anl1"), "Sales Analyst")
ORG = [STANDARD, CHATTER, ANALYST]


def ids() -> Any:
    counter = itertools.count(1)
    return lambda: f"00000000-0000-4000-8000-{next(counter):012d}"


def role(role_id: str, name: str, value: str | None, description: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "allowedMemberTypes": ["User"],
        "description": description,
        "displayName": name,
        "id": role_id,
        "isEnabled": enabled,
        "origin": "Application",
        "value": value,
    }


def app(*roles: dict[str, Any]) -> dict[str, Any]:
    return {"id": "obj-1", "appId": "app-1", "displayName": "Salesforce", "appRoles": list(roles)}


def outcomes(plan: PublicationPlan) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for change in plan.changes:
        found.setdefault(change.outcome, []).append(change.name)
    return found


# -- the plan ------------------------------------------------------------------------------------------------------


def test_empty_app_gets_one_role_per_profile_in_one_patch() -> None:
    plan = plan_publication(app(), ORG, target=TARGET, assignments={}, new_role_id=ids())
    assert outcomes(plan) == {"added": ["Chatter Free User", "Sales Analyst", "Standard User"]}
    (patch,) = plan.patches
    assert patch[0] == {
        "allowedMemberTypes": ["User"],
        "description": "Salesforce profile, published by sfprov from production",
        "displayName": "Chatter Free User",
        "id": "00000000-0000-4000-8000-000000000001",
        "isEnabled": True,
        "value": CHATTER.id,
    }
    assert all("origin" not in r for r in patch)


def test_published_roles_again_need_no_patch() -> None:
    first = plan_publication(app(), ORG, target=TARGET, assignments={}, new_role_id=ids())
    again = plan_publication(app(*first.patches[0]), ORG, target=TARGET, assignments={})
    assert again.patches == []
    assert again.counts()["unchanged"] == 3


def test_rename_disables_first_then_renames_and_re_enables() -> None:
    mine = role("r-1", "Standard User", STANDARD.id, marker(TARGET))
    renamed = Profile(STANDARD.id, "Standard Employee")
    plan = plan_publication(app(mine), [renamed], target=TARGET, assignments={"r-1": 4})
    (change,) = plan.changes
    assert (change.outcome, change.previous_name, change.name, change.assignments) == (
        "renamed",
        "Standard User",
        "Standard Employee",
        4,
    )
    disable, rename = plan.patches
    assert [(r["displayName"], r["isEnabled"]) for r in disable] == [("Standard User", False)]
    assert [(r["displayName"], r["isEnabled"], r["id"], r["value"]) for r in rename] == [
        ("Standard Employee", True, "r-1", STANDARD.id)
    ]


def test_gone_profile_unused_is_disabled_then_removed() -> None:
    mine = [
        role("r-1", "Standard User", STANDARD.id, marker(TARGET)),
        role("r-2", "Old", to18("00e5g000000Old1"), marker(TARGET)),
    ]
    plan = plan_publication(app(*mine), [STANDARD], target=TARGET, assignments={})
    assert outcomes(plan) == {"unchanged": ["Standard User"], "retired": ["Old"]}
    disable, remove = plan.patches
    assert [(r["id"], r["isEnabled"]) for r in disable] == [("r-1", True), ("r-2", False)]
    assert [r["id"] for r in remove] == ["r-1"]


def test_gone_profile_still_assigned_is_disabled_and_kept() -> None:
    old = role("r-2", "Old", to18("00e5g000000Old1"), marker(TARGET))
    plan = plan_publication(app(old), [], target=TARGET, assignments={"r-2": 2})
    (change,) = plan.changes
    assert change.outcome == "kept"
    assert change.reason is not None
    assert "2 assignment(s)" in change.reason
    (disable,) = plan.patches
    assert [(r["id"], r["isEnabled"]) for r in disable] == [("r-2", False)]
    later = plan_publication(app(*disable), [], target=TARGET, assignments={"r-2": 2})
    assert later.patches == []  # stays, disabled, until nobody uses it
    freed = plan_publication(app(*disable), [], target=TARGET, assignments={})
    assert [c.outcome for c in freed.changes] == ["retired"]
    assert freed.patches == [[]]  # already disabled: removed in one PATCH


def test_roles_of_others_are_untouched_and_never_duplicated() -> None:
    gallery = role("g-1", "Standard User", None, "Standard User")
    access = role("g-2", "msiam_access", None, "msiam_access")
    sandbox = role("s-1", "Sales Analyst", to18("00e5g000000Sbx1"), marker("sandbox"))
    taken_value = role("a-1", "Chatter", CHATTER.id, "an admin's role")
    plan = plan_publication(
        app(gallery, access, sandbox, taken_value), ORG, target=TARGET, assignments={}, new_role_id=ids()
    )
    assert outcomes(plan) == {"skipped": ["Chatter Free User", "Sales Analyst", "Standard User"]}
    assert plan.patches == []
    plan = plan_publication(app(gallery, access), [ANALYST], target=TARGET, assignments={}, new_role_id=ids())
    (patch,) = plan.patches
    cleaned = [{k: v for k, v in r.items() if k != "origin"} for r in (gallery, access)]
    assert patch[:2] == cleaned
    assert patch[2]["displayName"] == "Sales Analyst"


def test_a_disabled_role_of_a_present_profile_is_restored_in_one_patch() -> None:
    off = role("r-1", "Standard User", STANDARD.id, marker(TARGET), enabled=False)
    plan = plan_publication(app(off), [STANDARD], target=TARGET, assignments={})
    assert outcomes(plan) == {"restored": ["Standard User"]}
    (patch,) = plan.patches
    assert patch[0]["isEnabled"] is True


# -- against the emulator -----------------------------------------------------------------------------------------

WRITE_ROLES = ("User.Read.All", "GroupMember.Read.All", "Application.Read.All", "Application.ReadWrite.OwnedBy")


def grant(tenant: Tenant, roles: tuple[str, ...], *, owner: bool) -> dict[str, Any]:
    """Grant ``roles`` to the sfprov app (before its first token) and optionally make it an owner of the Salesforce
    application; returns that application."""
    em = tenant.emulator
    em.tokens.set_granted_roles(em.directory.tenant_id, em.credentials.client_id, roles)
    sf_app = next(a for a in em.directory.applications.values() if a["appId"] == SALESFORCE_APP_ID)
    if owner:
        em.directory.add_application_owner(sf_app["id"], em.credentials.client_id)
    return sf_app


def publish(tenant: Tenant, profiles: list[Profile], *, dry_run: bool = False) -> tuple[PublicationPlan, int]:
    async def go() -> tuple[PublicationPlan, int]:
        async with tenant.graph() as graph:
            plan = await plan_for(graph, SALESFORCE_APP_ID, profiles, target=TARGET)
            sent = 0 if dry_run else await apply_plan(graph, plan, settle_seconds=())
            return plan, sent

    return run(go())


def patches_counted(tenant: Tenant) -> int:
    return int(tenant.emulator.admin.counters()["calls"].get("PATCH /applications/{id}", 0))


def test_publish_then_republish_is_idempotent(tenant: Tenant) -> None:
    sf_app = grant(tenant, WRITE_ROLES, owner=True)
    plan, sent = publish(tenant, ORG)
    assert plan.counts()["added"] == 1  # the gallery's "Standard User" and "Chatter Free User" roles
    assert sent == 1
    roles = {r["displayName"]: r for r in sf_app["appRoles"]}
    assert set(roles) == {*SALESFORCE_PROFILES, "msiam_access", "Sales Analyst"}
    assert roles["Sales Analyst"]["value"] == ANALYST.id
    again, sent_again = publish(tenant, ORG)
    assert sent_again == 0
    assert again.patches == []
    assert again.counts()["unchanged"] == 1


def test_rename_keeps_assignments_and_retire_takes_two_patches(tenant: Tenant) -> None:
    sf_app = grant(tenant, WRITE_ROLES, owner=True)
    publish(tenant, [ANALYST, Profile(to18("00e5g000000Old1"), "Old Profile")])
    ann = tenant.emulator.admin.add_user(displayName="Ann", userPrincipalName="ann.publish@contoso.com")
    assignment = tenant.emulator.admin.assign(ann["id"], SALESFORCE_APP_ID, "Sales Analyst")
    renamed = Profile(ANALYST.id, "Senior Analyst")
    plan, sent = publish(tenant, [renamed])
    assert {c.outcome for c in plan.changes if c.outcome != "skipped"} == {"renamed", "retired"}
    assert sent == 2
    by_id = {r["id"]: r for r in sf_app["appRoles"]}
    assert by_id[assignment["appRoleId"]]["displayName"] == "Senior Analyst"
    assert by_id[assignment["appRoleId"]]["isEnabled"] is True
    assert "Old Profile" not in {r["displayName"] for r in sf_app["appRoles"]}
    assert assignment["id"] in tenant.emulator.directory.assignments


def test_dry_run_sends_no_write(tenant: Tenant) -> None:
    sf_app = grant(tenant, WRITE_ROLES, owner=True)
    before = [dict(r) for r in sf_app["appRoles"]]
    plan, sent = publish(tenant, ORG, dry_run=True)
    assert plan.patches
    assert sent == 0
    assert sf_app["appRoles"] == before
    assert patches_counted(tenant) == 0


def test_permission_missing_names_the_fix(tenant: Tenant) -> None:
    grant(tenant, WRITE_ROLES, owner=False)  # OwnedBy without being an owner
    with pytest.raises(PermissionDenied) as caught:
        publish(tenant, [ANALYST])
    assert caught.value.fix == WRITE_PERMISSION_FIX
    assert "Application.ReadWrite.OwnedBy" in str(caught.value)
    assert "Application.ReadWrite.All" in str(caught.value)


class SlowReplica:
    """A Graph stand-in whose second PATCH first meets a replica that has not seen the first one yet."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.sent: list[Any] = []

    async def request(self, method: str, path: str, *, json: Any = None, kind: str = "get") -> None:
        if self.sent and self.refusals:
            self.refusals -= 1
            raise ConnectorError("Microsoft Graph 400", code="CannotDeleteOrUpdateEnabledEntitlement")
        self.sent.append((method, path, json))


def test_second_patch_is_retried_while_the_disabling_replicates() -> None:
    old = role("r-2", "Old", to18("00e5g000000Old1"), marker(TARGET))
    plan = plan_publication(app(old), [], target=TARGET, assignments={})
    replica = SlowReplica(refusals=2)
    assert run(apply_plan(replica, plan, settle_seconds=(0, 0, 0))) == 2  # type: ignore[arg-type]
    assert [path for _, path, _ in replica.sent] == ["applications/obj-1", "applications/obj-1"]
    stubborn = SlowReplica(refusals=5)
    with pytest.raises(ConnectorError):
        run(apply_plan(stubborn, plan, settle_seconds=(0, 0)))  # type: ignore[arg-type]
