"""Mapped fields checked against the org's ``User`` describe: each diagnosed problem is what the emulator (like a real
org, reference ``salesforce.md`` §3.2, §3.3, §8.4) then refuses on a write."""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any

import httpx
import pytest

from sfprov.config.models import TargetConfig
from sfprov.doctor.model import Status, exit_code
from sfprov.emulators.salesforce.seed import user_values
from sfprov.emulators.salesforce.store import Org
from sfprov.errors import ConnectorError
from sfprov.mapping.config import MappingConfig
from sfprov.targets.salesforce.client import RecordResult
from sfprov.targets.salesforce.factory import connect
from sfprov.targets.salesforce.soql import quote, select
from tests.doctor.conftest import IntegrationOrg, run_doctor
from tests.doctor.test_doctor_permissions import FULL_SET


@pytest.fixture
def org_target(integration_org: IntegrationOrg) -> tuple[IntegrationOrg, TargetConfig]:
    _, target = integration_org.integration_user(permission_sets={"sfprov_Provisioning": FULL_SET})
    return integration_org, target


def _create(org: IntegrationOrg, target: TargetConfig, name: str, **extra: Any) -> RecordResult:
    async def go() -> RecordResult:
        username = f"{name}@{org.org.my_domain}.example.com"
        values = user_values(username, "New", name.title(), username, org.org.profile_id("Chatter Free User"), **extra)
        async with connect(target) as client:
            return (await client.create_records("User", [values]))[0]

    return asyncio.run(go())


def _mapping(*attributes: dict[str, Any], **options: Any) -> MappingConfig:
    return MappingConfig.model_validate({"attributes": list(attributes), **options})


def test_the_gallery_mapping_passes(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    _, target = org_target
    checks = run_doctor(target)
    assert checks["mapped fields"].status is Status.PASS, checks
    assert "14 mapped fields" in checks["mapped fields"].detail
    assert exit_code(list(checks.values())) == 0


def test_missing_custom_field(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    org, target = org_target
    mapping = _mapping({"target": "Department__c", "source": "department"})
    check = run_doctor(target, mapping)["field: Department__c"]
    assert check.status is Status.FAIL
    assert "Department__c is not a field of User in this org" in check.detail
    assert "mapping.attributes[0]: Department__c <- [department]" in check.detail
    assert "Setup > Object Manager > User > Fields & Relationships > New" in (check.fix or "")
    assert "Set Field-Level Security" in (check.fix or "")
    refused = _create(org, target, "custom", Department__c="Sales")
    assert refused.error is not None
    assert refused.error.code == "INVALID_FIELD"


def test_read_only_field(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    org, target = org_target
    mapping = _mapping({"target": "IsProfilePhotoActive", "value": "True", "unchecked": True})
    check = run_doctor(target, mapping)["field: IsProfilePhotoActive"]
    assert check.status is Status.FAIL
    assert "not createable" in check.detail
    assert "not updateable" in check.detail
    assert "mapping.attributes[0]" in check.detail
    refused = _create(org, target, "readonly", IsProfilePhotoActive=True)
    assert refused.error is not None
    assert refused.error.code == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_on_create_flow_needs_only_createable(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    _, target = org_target
    mapping = _mapping({"target": "FederationIdentifier", "source": "objectId", "flow": "on_create"})
    assert run_doctor(target, mapping)["mapped fields"].status is Status.PASS


def test_invalid_picklist_constant(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    org, target = org_target
    mapping = _mapping({"target": "TimeZoneSidKey", "type": "none", "default": "Mars/Olympus_Mons"})
    check = run_doctor(target, mapping)["field: TimeZoneSidKey"]
    assert check.status is Status.FAIL
    assert '"Mars/Olympus_Mons" is not an active value of the restricted picklist TimeZoneSidKey' in check.detail
    assert 'mapping.attributes[0]: TimeZoneSidKey <- (none) (default "Mars/Olympus_Mons")' in check.detail
    assert "Correct the value in mapping.attributes[0]" in (check.fix or "")
    refused = _create(org, target, "mars", TimeZoneSidKey="Mars/Olympus_Mons")
    assert refused.error is not None
    assert refused.error.code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_picklist_values_are_case_sensitive(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    _, target = org_target
    mapping = _mapping({"target": "EmailEncodingKey", "value": "utf-8"})
    check = run_doctor(target, mapping)["field: EmailEncodingKey"]
    assert check.status is Status.FAIL
    assert "did you mean 'UTF-8'?" in check.detail


def test_constant_longer_than_the_field(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    org, target = org_target
    number = "E" + "1" * 24  # EmployeeNumber holds 20 and sfprov does not cut identifiers
    mapping = _mapping({"target": "EmployeeNumber", "value": number})
    check = run_doctor(target, mapping)["field: EmployeeNumber"]
    assert check.status is Status.FAIL
    assert "is 25 characters; EmployeeNumber holds 20" in check.detail
    assert "Shorten the value in mapping.attributes[0] to at most 20 characters" in (check.fix or "")
    refused = _create(org, target, "longnumber", EmployeeNumber=number)
    assert refused.error is not None
    assert refused.error.code == "STRING_TOO_LONG"


def test_a_constant_sfprov_truncates_is_not_a_failure(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    _, target = org_target
    mapping = _mapping({"target": "Title", "value": "Senior " * 20})
    checks = run_doctor(target, mapping)
    assert "field: Title" not in checks
    assert checks["mapped fields"].status is Status.PASS


def test_required_field_left_out(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    org, target = org_target
    mapping = _mapping(remove=["TimeZoneSidKey"])
    check = run_doctor(target, mapping)["field: TimeZoneSidKey"]
    assert check.status is Status.FAIL
    assert "requires TimeZoneSidKey when a user is created" in check.detail
    values = {"TimeZoneSidKey": None}
    refused = _create(org, target, "notz", **values)
    assert refused.error is not None
    assert refused.error.code == "REQUIRED_FIELD_MISSING"


def test_profile_left_out_names_the_virtual_target(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    _, target = org_target
    check = run_doctor(target, _mapping(remove=["ProfileName"]))["field: ProfileId"]
    assert check.status is Status.FAIL
    assert "Add a mapping row for ProfileName" in (check.fix or "")


# --- custom fields the org has (emulator: custom_fields.py) ---------------------------------------------------------


def _query(target: TargetConfig, soql: str) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        async with connect(target) as client:
            return await client.query_list(soql)

    return asyncio.run(go())


def test_an_existing_custom_field_passes_and_is_written(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    org, target = org_target
    org.sf.admin.add_custom_field(org.org.id, "User", "Department__c", "string", length=80)
    checks = run_doctor(target, _mapping({"target": "Department__c", "source": "department"}))
    assert checks["mapped fields"].status is Status.PASS, checks
    assert "15 mapped fields" in checks["mapped fields"].detail
    created = _create(org, target, "custom", Department__c="Sales")
    assert created.success, created.error
    assert created.id is not None
    rows = _query(target, select(["Id", "department__c"], "User", f"Id = {quote(created.id)}"))
    assert rows[0]["Department__c"] == "Sales"


def test_custom_field_constants_and_required_custom_fields(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    org, target = org_target
    admin = org.sf.admin
    admin.add_custom_field(org.org.id, "User", "Region__c", "picklist", picklist=["EMEA", "APAC"])
    admin.add_custom_field(org.org.id, "User", "Cost_Centre__c", "string", length=6)
    admin.add_custom_field(org.org.id, "User", "Badge__c", "string", length=10, required=True)
    mapping = _mapping(
        {"target": "Region__c", "value": "Americas"},
        {"target": "Cost_Centre__c", "value": "CC-0001-X"},
    )
    checks = run_doctor(target, mapping)
    assert checks["field: Region__c"].status is Status.FAIL
    assert '"Americas" is not an active value of the restricted picklist Region__c' in checks["field: Region__c"].detail
    assert checks["field: Cost_Centre__c"].status is Status.FAIL
    assert "is 9 characters; Cost_Centre__c holds 6" in checks["field: Cost_Centre__c"].detail
    assert "lengthen the custom field" in (checks["field: Cost_Centre__c"].fix or "")
    assert checks["field: Badge__c"].status is Status.FAIL
    assert "requires Badge__c when a user is created" in checks["field: Badge__c"].detail

    codes = {
        name: _create(org, target, name.lower(), Badge__c="B1", **values).error
        for name, values in {"picklist": {"Region__c": "Americas"}, "length": {"Cost_Centre__c": "CC-0001-X"}}.items()
    }
    assert codes["picklist"] is not None
    assert codes["picklist"].code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert codes["length"] is not None
    assert codes["length"].code == "STRING_TOO_LONG"
    missing = _create(org, target, "nobadge")
    assert missing.error is not None
    assert missing.error.code == "REQUIRED_FIELD_MISSING"
    assert _create(org, target, "badged", Badge__c="B2", Region__c="EMEA").success


def test_custom_fields_belong_to_one_org(integration_org: IntegrationOrg) -> None:
    _, target = integration_org.integration_user(permission_sets={"sfprov_Provisioning": FULL_SET})
    other = IntegrationOrg(integration_org.sf, integration_org.ca_file, integration_org.monkeypatch)
    other.sf.admin.add_custom_field(other.org.id, "User", "Department__c", "string", length=80)
    with pytest.raises(ConnectorError) as refused:
        _query(target, "SELECT Department__c FROM User")
    assert refused.value.code == "INVALID_FIELD"
    assert "field: Department__c" in run_doctor(target, _mapping({"target": "Department__c", "source": "department"}))


def test_custom_fields_survive_a_snapshot(integration_org: IntegrationOrg) -> None:
    org = integration_org.org
    integration_org.sf.admin.add_custom_field(org.id, "User", "Department__c", "string", length=80)
    username = f"snap@{org.my_domain}.example.com"
    user_id = integration_org.sf.admin.add_user(
        org.id, user_values(username, "S", "Nap", username, org.profile_id("Chatter Free User"), Department__c="Ops")
    )
    copy = Org.from_json(org.state, json.loads(json.dumps(org.to_json())))
    sdef = copy.sobject("User")
    assert sdef is not None
    field = sdef.field("department__c")
    assert field is not None
    assert field.custom
    assert copy.retrieve("User", [user_id], ["Department__c"]) == [{"Department__c": "Ops"}]


# --- roles and permission sets the mapping names ------------------------------------------------------------------


def test_roles_and_permission_sets_the_mapping_names(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    _, target = org_target
    mapping = _mapping(
        {"target": "PermissionSets", "value": ["reports viewer"]},
        permission_set_rules=[{"group": "Sales", "permission_sets": ["Sales_Operations", "Marketing_Ops"]}],
        role_rules=[{"group": "Sales", "role": "sales rep"}, {"group": "VPs", "role": "VP Sales"}],
    )
    checks = run_doctor(target, mapping)
    sets = checks["permission sets"]
    assert sets.status is Status.FAIL
    assert "Not in this org: 'Marketing_Ops'" in sets.detail
    assert "'reports viewer'" in sets.detail  # found by its label, any case, as the engine finds it
    assert "Setup > Permission Sets" in (sets.fix or "")
    roles = checks["roles"]
    assert roles.status is Status.FAIL
    assert "Not in this org: 'VP Sales' (found: 'sales rep')" in roles.detail


def test_names_all_found(org_target: tuple[IntegrationOrg, TargetConfig]) -> None:
    _, target = org_target
    mapping = _mapping(
        permission_set_rules=[{"group": "Sales", "permission_sets": ["Sales_Operations"]}],
        role_rules=[{"group": "Sales", "role": "Sales Rep"}],
    )
    checks = run_doctor(target, mapping)
    assert checks["permission sets"].status is Status.PASS
    assert checks["roles"].status is Status.PASS
    assert "permission sets" not in run_doctor(target)  # nothing named, nothing to check


def test_custom_field_through_the_admin_http_api(integration_org: IntegrationOrg) -> None:
    """``sfprov emulate`` users add a custom field with ``POST /_emulator/orgs/{id}/custom-fields``."""
    sf, org = integration_org.sf, integration_org.org
    info = sf.info()
    url = f"{info['admin_url']}/orgs/{org.id}/custom-fields"
    headers = {"X-Emulator-Admin-Token": info["admin_token"]}
    body = {"name": "Cost_Centre__c", "type": "string", "length": 10}
    with httpx.Client(verify=ssl.create_default_context(cafile=integration_org.ca_file)) as http:
        created = http.post(url, json=body, headers=headers)
        again = http.post(url, json=body, headers=headers)
    assert created.status_code == 201
    assert again.status_code == 400
    assert "already has a field Cost_Centre__c" in again.json()["error"]
    sdef = org.sobject("User")
    assert sdef is not None
    field = sdef.field("Cost_Centre__c")
    assert field is not None
    assert field.length == 10
