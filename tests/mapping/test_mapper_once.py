"""The cheap paths of the mapper give exactly what the full mapping gives.

``matching_values`` (the cycle's and the plan's lookup values) must equal ``map_user(..., operation="update")
.matching``; ``map_user(explain=False)`` must equal ``map_user()`` but for the explanations; and the mapping
prepared once per configuration must follow a new configuration object.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from sfprov.mapping.config import MappingConfig
from sfprov.mapping.mapper import map_user, matching_values
from sfprov.model import AppRoleAssignment, GroupMembership, SourceUser
from tests.mapping.conftest import make_user

CONFIGS = {
    "gallery": MappingConfig(),
    "recommended": MappingConfig(defaults="recommended"),
    "three-matching": MappingConfig.model_validate(
        {
            "defaults": "recommended",
            "attributes": [
                {"target": "FederationIdentifier", "source": "employeeId", "matching": 1},
                {"target": "Username", "source": "userPrincipalName", "matching": 2},
                {"target": "Email", "expression": 'Append(Word([mail], 1, "@"), "@fabrikam.com")', "matching": 3},
                {"target": "Title", "expression": "ToUpper(IgnoreFlowIfNullOrEmpty([jobTitle]))"},
            ],
            "sandbox": {"name": "dev1"},
        }
    ),
    "create-only-matching": MappingConfig.model_validate(
        {
            "attributes": [
                {"target": "Username", "source": "userPrincipalName", "matching": 1, "flow": "on_create"},
                {"target": "Division", "source": "department", "default": "None given"},
            ],
            "ascii_fields": ["Alias"],
            "profile_source": "group_rules",
            "profile_rules": [{"group": "Sales", "profile": "Standard User"}],
            "profile_default": "Chatter Free User",
        }
    ),
}

USERS = [
    make_user(),
    make_user("u2", userPrincipalName="zoë.dvořák@contoso.com", mail=None, employeeId="E1", jobTitle="cto"),
    make_user("u3", userPrincipalName="not-an-address", employeeId=None),
    make_user("u4", userPrincipalName="ada_fabrikam.com#EXT#@contoso.onmicrosoft.com", surname=None),
    make_user("u5", userPrincipalName=None, mail=None),
    make_user("u6", userPrincipalName="  padded@contoso.com\t", accountEnabled=False, department="Sales"),
    make_user(
        "u7",
        roles=(
            AppRoleAssignment("r1", "Standard User", "Standard User", "User", "u7"),
            AppRoleAssignment("r2", "Marketing User", "Marketing User", "User", "u7"),
        ),
        groups=(GroupMembership("g1", "Sales"),),
    ),
]


@pytest.mark.parametrize("config_name", sorted(CONFIGS))
@pytest.mark.parametrize("sandbox", [None, "uat"])
def test_matching_values_are_the_full_mappings(config_name: str, sandbox: str | None) -> None:
    config = CONFIGS[config_name]
    for user in USERS:
        full = map_user(user, config, operation="update", sandbox=sandbox).matching
        assert matching_values(user, config, sandbox=sandbox) == full, user.id


@pytest.mark.parametrize("config_name", sorted(CONFIGS))
@pytest.mark.parametrize("operation", ["create", "update"])
def test_without_explanations_only_the_explanations_are_missing(config_name: str, operation: str) -> None:
    config = CONFIGS[config_name]
    taken = {"ada.lovelace", "zoë.dvořák"}
    for user in USERS:
        explained = map_user(user, config, operation=operation, taken_nicknames=taken)  # type: ignore[arg-type]
        quiet = map_user(user, config, operation=operation, taken_nicknames=taken, explain=False)  # type: ignore[arg-type]
        assert quiet.explanations == ()
        assert explained.explanations, "the default still explains every field"
        assert replace(explained, explanations=()) == quiet, user.id


def test_each_configuration_object_is_prepared_for_itself() -> None:
    user: SourceUser = make_user()
    first = MappingConfig.model_validate({"attributes": [{"target": "Title", "value": "Engineer"}]})
    second = MappingConfig.model_validate({"attributes": [{"target": "Title", "value": "Director"}]})
    assert map_user(user, first).fields["Title"] == "Engineer"
    assert map_user(user, second).fields["Title"] == "Director"
    assert map_user(user, first).fields["Title"] == "Engineer"


def test_org_picklists_given_per_call_are_used() -> None:
    user = make_user(preferredLanguage="xx-YY")
    config = MappingConfig()
    assert "LocaleSidKey" not in map_user(user, config, operation="update").fields
    custom = map_user(user, config, operation="update", picklists={"LocaleSidKey": ["xx_YY"]})
    assert custom.fields["LocaleSidKey"] == "xx_YY"
    assert "LocaleSidKey" not in map_user(user, config, operation="update").fields


def test_constants_are_checked_once_and_reported_for_every_user() -> None:
    config = MappingConfig.model_validate(
        {
            "attributes": [
                {"target": "LocaleSidKey", "value": "xx-YY", "default": "en_US"},
                {"target": "Department", "value": "  R&D\t"},
            ]
        }
    )
    for user_id in ("a", "b", "c"):
        desired = map_user(make_user(user_id), config, operation="create")
        assert desired.fields["LocaleSidKey"] == "en_US"
        assert desired.fields["Department"] == "R&D"
        assert [i.field for i in desired.issues] == ["LocaleSidKey"]
        department = desired.explanation("Department")
        assert department is not None
        assert department.repairs == (
            "strip-control-characters: line breaks and tabs replaced by a space, other control characters removed",
            "trim: leading/trailing white space removed",
        )
