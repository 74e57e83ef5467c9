"""Mapped fields checked against the org's ``User`` describe: each diagnosed problem is what the emulator (like a real
org, reference ``salesforce.md`` §3.2, §3.3, §8.4) then refuses on a write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sfprov.config.models import TargetConfig
from sfprov.doctor.model import Status, exit_code
from sfprov.emulators.salesforce.seed import user_values
from sfprov.mapping.config import MappingConfig
from sfprov.targets.salesforce.client import RecordResult
from sfprov.targets.salesforce.factory import connect
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
