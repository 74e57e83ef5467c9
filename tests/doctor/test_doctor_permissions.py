"""Effective permissions (profile OR permission sets) in ``sfprov doctor``, and the emulator refusing what the
doctor says would fail (reference ``salesforce.md`` §3.1, §4.3, §6, §8.4, §11.1)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sfprov.config.models import TargetConfig
from sfprov.doctor.model import CheckList, Status, exit_code
from sfprov.doctor.sf_permissions import Grants, Need, check_permissions
from sfprov.emulators.salesforce.seed import user_values
from sfprov.errors import ConnectorError
from sfprov.mapping.config import MappingConfig
from sfprov.targets.salesforce.client import RecordResult
from sfprov.targets.salesforce.factory import connect
from sfprov.targets.salesforce.users import SalesforceUsers
from tests.doctor.conftest import IntegrationOrg, run_doctor

FULL_SET = {
    "manage_users": True,
    "manage_internal_users": True,
    "assign_permission_sets": True,
    "view_setup": True,
}
"""What a "sfprov Provisioning" permission set grants in Salesforce's recommended setup."""

LATE = "PermissionsUseAnyApiAuth"

PS_MAPPING = MappingConfig.model_validate(
    {"permission_set_rules": [{"group": "Sales", "permission_sets": ["Sales_Operations"]}]}
)


def _create_user(target: TargetConfig, org: IntegrationOrg, name: str) -> RecordResult:
    async def go() -> RecordResult:
        username = f"{name}@{org.org.my_domain}.example.com"
        values = user_values(username, "New", name.title(), username, org.org.profile_id("Chatter Free User"))
        async with connect(target) as client:
            return (await client.create_records("User", [values]))[0]

    return asyncio.run(go())


def _call(target: TargetConfig, action: Any) -> Any:
    async def go() -> Any:
        async with connect(target) as client:
            return await action(client)

    return asyncio.run(go())


def test_integration_licence_with_api_only_profile_and_a_permission_set_passes(integration_org: IntegrationOrg) -> None:
    user_id, target = integration_org.integration_user(permission_sets={"sfprov_Provisioning": FULL_SET})
    profile = integration_org.org.profile_of(user_id)
    assert profile is not None
    assert profile["Name"] == "Minimum Access - API Only Integrations"
    checks = run_doctor(target, PS_MAPPING)
    perms = checks["API access and permissions"]
    assert perms.status is Status.PASS, perms
    assert "API Enabled for every API call: profile Minimum Access - API Only Integrations" in perms.detail
    assert "creating and updating users: permission set sfprov Provisioning 1" in perms.detail
    assert "assigning permission sets" in perms.detail
    assert "optional permissions" not in checks
    assert exit_code(list(checks.values())) == 0
    # and sfprov really can write with it: the emulator accepts the create
    assert _create_user(target, integration_org, "accepted").success


def test_api_only_profile_without_a_permission_set_fails_and_the_emulator_refuses(
    integration_org: IntegrationOrg,
) -> None:
    _, target = integration_org.integration_user()
    check = run_doctor(target)["API access and permissions"]
    assert check.status is Status.FAIL
    assert "Manage Users or Manage Internal Users for creating and updating users" in check.detail
    assert "Assign Permission Sets or Manage Users for removing permission sets on deactivation" in check.detail
    fix = check.fix or ""
    assert "Setup > Permission Sets > New" in fix
    assert "Manage Assignments > Add Assignment > sfprov" in fix
    assert "Setup > Profiles > Minimum Access - API Only Integrations > System Permissions" in fix
    result = _create_user(target, integration_org, "refused")
    assert not result.success
    assert result.error is not None
    assert result.error.code == "INSUFFICIENT_ACCESS_OR_READONLY"


def test_manage_internal_users_alone_suffices_for_users(integration_org: IntegrationOrg) -> None:
    _, target = integration_org.integration_user(
        permission_sets={"internal": {"manage_internal_users": True, "view_setup": True}}
    )
    target = target.model_copy(
        update={"safety": target.safety.model_copy(update={"remove_permission_sets_on_deactivate": False})}
    )
    check = run_doctor(target)["API access and permissions"]
    assert check.status is Status.PASS, check
    assert "creating and updating users: permission set internal" in check.detail
    assert _create_user(target, integration_org, "internal").success


def test_freezing_needs_manage_users_itself(integration_org: IntegrationOrg) -> None:
    _user_id, target = integration_org.integration_user(
        permission_sets={"internal": {"manage_internal_users": True, "assign_permission_sets": True}}
    )
    freezing = target.model_copy(update={"safety": target.safety.model_copy(update={"freeze_before_deactivate": True})})
    check = run_doctor(freezing)["API access and permissions"]
    assert check.status is Status.FAIL
    assert "Manage Users for freezing logins (safety.freeze_before_deactivate) (§4.3)" in check.detail
    assert "tick Manage Users" in (check.fix or "")
    other = _create_user(target, integration_org, "tofreeze")
    assert other.success
    assert other.id

    results = _call(target, lambda client: SalesforceUsers(client).set_frozen([other.id], True))
    assert results[0].error is not None
    assert results[0].error.code == "INSUFFICIENT_ACCESS_OR_READONLY"
    assert not integration_org.org.is_frozen(other.id)


def test_managed_permission_sets_need_assign_permission_sets(integration_org: IntegrationOrg) -> None:
    _, target = integration_org.integration_user(permission_sets={"internal": {"manage_internal_users": True}})
    check = run_doctor(target, PS_MAPPING)["API access and permissions"]
    assert check.status is Status.FAIL
    assert "Assign Permission Sets or Manage Users for assigning permission sets (the mapping manages them)" in (
        check.detail
    )
    assert "tick Assign Permission Sets" in (check.fix or "")
    other = _create_user(target, integration_org, "psuser")
    assert other.success
    assert other.id
    reports = integration_org.org.tables["PermissionSet"].first("Name", "Reports_Viewer")
    assert reports is not None
    result = _call(
        target,
        lambda client: client.create_records(
            "PermissionSetAssignment", [{"AssigneeId": other.id, "PermissionSetId": reports["Id"]}]
        ),
    )[0]
    assert result.error is not None
    assert result.error.code == "INSUFFICIENT_ACCESS_OR_READONLY"


def test_assign_permission_sets_alone_suffices_for_permission_sets(integration_org: IntegrationOrg) -> None:
    _, target = integration_org.integration_user(
        permission_sets={"ps_admin": {"manage_internal_users": True, "assign_permission_sets": True}}
    )
    checks = run_doctor(target, PS_MAPPING)
    assert checks["API access and permissions"].status is Status.PASS
    assert "assigning permission sets (the mapping manages them): permission set ps admin" in (
        checks["API access and permissions"].detail
    )
    # View Setup is missing: the doctor's own /limits read may fail, a warning and not a failure
    assert checks["optional permissions"].status is Status.WARN
    assert "View Setup and Configuration" in checks["optional permissions"].detail


def test_without_api_enabled_the_doctor_names_it_and_the_emulator_refuses(integration_org: IntegrationOrg) -> None:
    """A profile without API Enabled and no permission set: every REST call is ``403 API_CURRENTLY_DISABLED``."""
    _, target = integration_org.integration_user(profile="Minimum Access - Salesforce")
    checks = run_doctor(target)
    failing = [c for c in checks.values() if c.status is Status.FAIL]
    assert failing, checks
    assert any("API Enabled" in (c.fix or "") or "API Enabled" in c.detail for c in failing)
    with pytest.raises(ConnectorError) as refused:
        _call(target, lambda client: client.query_list("SELECT Id FROM User"))
    assert refused.value.code == "API_CURRENTLY_DISABLED"


def test_api_enabled_through_a_permission_set_is_enough(integration_org: IntegrationOrg) -> None:
    _, target = integration_org.integration_user(
        profile="Minimum Access - Salesforce", permission_sets={"api": {"api_enabled": True, **FULL_SET}}
    )
    check = run_doctor(target)["API access and permissions"]
    assert check.status is Status.PASS, check
    assert "API Enabled for every API call: permission set api" in check.detail


def test_licences_accept_profile_ids(integration_org: IntegrationOrg) -> None:
    """App roles published by ``sfprov profiles --publish`` carry the 18-character profile id as their value."""
    _, target = integration_org.integration_user(permission_sets={"sfprov_Provisioning": FULL_SET})
    chatter = integration_org.org.profile_id("Chatter Free User")
    unknown = "00e" + "Z" * 15
    mapping = MappingConfig.model_validate(
        {
            "profile_source": "group_rules",
            "profile_rules": [{"group": "Staff", "profile": chatter.lower()}, {"group": "Old", "profile": unknown}],
        }
    )
    checks = run_doctor(target, mapping)
    found = checks[f"licences: {chatter.lower()}"]
    assert found.status is Status.PASS
    assert "for profile 'Chatter Free User'" in found.detail
    missing = checks[f"licences: {unknown}"]
    assert missing.status is Status.FAIL
    assert "profile id" in missing.detail


def test_soap_login_without_use_any_api_auth(integration_org: IntegrationOrg) -> None:
    """Where the org enforces it (reference §10), SOAP login() needs Use Any API Auth: a warning while the login still
    works, the emulator's ``INSUFFICIENT_ACCESS`` once enforced, and a PASS when a permission set grants it."""
    integration_org.sf.admin.update_settings(integration_org.org.id, soap_login_enabled=True)
    user_id, _ = integration_org.integration_user(permission_sets={"sfprov_Provisioning": FULL_SET})
    checks = run_doctor(integration_org.soap_target(user_id))
    assert checks["login"].status is Status.PASS
    assert checks["API access and permissions"].status is Status.PASS
    assert checks["optional permissions"].status is Status.WARN
    assert (
        "Use Any API Auth for SOAP login() from API 67.0 where enforced (§10)" in checks["optional permissions"].detail
    )

    integration_org.sf.admin.update_settings(integration_org.org.id, require_use_any_api_auth=True)
    login = run_doctor(integration_org.soap_target(user_id))["login"]
    assert login.status is Status.FAIL
    assert "INSUFFICIENT_ACCESS" in login.detail

    granted, _ = integration_org.integration_user(
        permission_sets={"sfprov_Provisioning": {**FULL_SET, "use_any_api_auth": True}}
    )
    checks = run_doctor(integration_org.soap_target(granted))
    assert checks["login"].status is Status.PASS
    assert "optional permissions" not in checks


def test_a_permission_the_org_cannot_report_is_unverified_not_failed() -> None:
    """An org or API version without the ``PermissionsUseAnyApiAuth`` field: the doctor cannot know, and says so."""
    grants = Grants("sfprov@example.com", "Minimum Access - API Only Integrations", {}, unreadable={LATE})
    for field in ("PermissionsApiEnabled", "PermissionsManageUsers", "PermissionsViewSetup"):
        grants.by_field[field] = ["permission set sfprov Provisioning"]
    checks = CheckList("salesforce:prod")
    check_permissions(
        checks, grants, [Need(("PermissionsManageUsers",), "users", "§3.1"), Need((LATE,), "soap", "§10", False)]
    )
    by_name = {c.name: c for c in checks.items}
    assert by_name["API access and permissions"].status is Status.PASS
    assert by_name["optional permissions"].status is Status.WARN
    assert by_name["optional permissions"].detail.startswith("UNVERIFIED: Use Any API Auth")


def test_removing_permission_sets_on_deactivation_is_refused_without_the_permission(
    integration_org: IntegrationOrg,
) -> None:
    """The default ``remove_permission_sets_on_deactivate`` deletes assignments: refused like a grant (§6)."""
    _, target = integration_org.integration_user(permission_sets={"internal": {"manage_internal_users": True}})
    check = run_doctor(target)["API access and permissions"]
    assert check.status is Status.FAIL
    assert "removing permission sets on deactivation (safety.remove_permission_sets_on_deactivate)" in check.detail
    other = _create_user(target, integration_org, "holder")
    assert other.id is not None
    reports = integration_org.org.tables["PermissionSet"].first("Name", "Reports_Viewer")
    assert reports is not None
    integration_org.assign(other.id, reports["Id"])
    current = _call(target, lambda client: SalesforceUsers(client).permission_set_assignments([other.id]))
    assignment_id = current[other.id][reports["Id"]]
    removed = _call(target, lambda client: client.delete_records([assignment_id]))[0]
    assert removed.error is not None
    assert removed.error.code == "INSUFFICIENT_ACCESS_OR_READONLY"
