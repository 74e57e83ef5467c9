"""Profile, permission sets and role from group rules (priorities, unions, ambiguity) and from app roles."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.mapping.config import MappingConfig
from sfprov.mapping.mapper import map_user
from sfprov.mapping.result import IssueCode
from sfprov.model import GroupMembership

from .conftest import DEFAULT_ACCESS, make_user

SALES = GroupMembership("11111111-aaaa-4bbb-8ccc-000000000001", "Sales")
ADMINS = GroupMembership("11111111-aaaa-4bbb-8ccc-000000000002", "Salesforce Admins")
EMEA = GroupMembership("11111111-aaaa-4bbb-8ccc-000000000003", "EMEA")
SUPPORT = GroupMembership("11111111-aaaa-4bbb-8ccc-000000000004", "Support")

RULES: dict[str, Any] = {
    "profile_source": "group_rules",
    "profile_rules": [
        {"group": "sales", "profile": "Standard User", "priority": 10},
        {"group": ADMINS.group_id.upper(), "profile": "System Administrator", "priority": 1},
        {"group": "Support", "profile": "Service User", "priority": 10},
    ],
    "permission_set_rules": [
        {"group": "Sales", "permission_sets": ["Sales_Cloud_User", "Reports"]},
        {"group": "EMEA", "permission_sets": "GDPR_Viewer"},
        {"group": "Salesforce Admins", "permission_sets": ["Reports"]},
    ],
    "role_rules": [
        {"group": "Sales", "role": "Sales Rep", "priority": 20},
        {"group": "EMEA", "role": "EMEA Sales Manager", "priority": 5},
    ],
}


@pytest.mark.parametrize(
    ("groups", "profile", "permission_sets", "role", "errors"),
    [
        ((SALES,), "Standard User", ("Sales_Cloud_User", "Reports"), "Sales Rep", set()),
        ((SALES, ADMINS), "System Administrator", ("Sales_Cloud_User", "Reports"), "Sales Rep", set()),
        ((SALES, EMEA), "Standard User", ("Sales_Cloud_User", "Reports", "GDPR_Viewer"), "EMEA Sales Manager", set()),
        ((SALES, SUPPORT), None, ("Sales_Cloud_User", "Reports"), "Sales Rep", {IssueCode.AMBIGUOUS_RULES}),
        ((), None, (), None, {IssueCode.NO_PROFILE}),
    ],
)
def test_group_rules(
    groups: tuple[GroupMembership, ...],
    profile: str | None,
    permission_sets: tuple[str, ...],
    role: str | None,
    errors: set[IssueCode],
) -> None:
    config = MappingConfig.model_validate(RULES)
    desired = map_user(make_user(groups=groups, roles=(DEFAULT_ACCESS,)), config)
    assert desired.profile_name == profile
    assert desired.permission_sets == permission_sets
    assert desired.role_name == role
    assert {i.code for i in desired.errors} == errors


def test_group_rules_ignore_default_access_and_explain_the_rule() -> None:
    desired = map_user(make_user(groups=(ADMINS,), roles=(DEFAULT_ACCESS,)), MappingConfig.model_validate(RULES))
    assert desired.ok, desired.issues
    explanation = desired.explanation("ProfileName")
    assert explanation is not None
    assert explanation.rule == "group rule: member of '11111111-AAAA-4BBB-8CCC-000000000002' (priority 1)"


def test_profile_default_covers_users_no_rule_matches_on_create_only() -> None:
    config = MappingConfig.model_validate({**RULES, "profile_default": "Chatter Free User"})
    assert map_user(make_user(groups=(EMEA,)), config).profile_name == "Chatter Free User"
    on_update = map_user(make_user(groups=(EMEA,)), config, operation="update")
    assert on_update.profile_name is None
    assert on_update.ok


def test_group_rules_then_app_role_falls_back_to_the_role() -> None:
    config = MappingConfig.model_validate({**RULES, "profile_source": "group_rules_then_app_role"})
    assert map_user(make_user(groups=(ADMINS,)), config).profile_name == "System Administrator"
    assert map_user(make_user(groups=(EMEA,)), config).profile_name == "Standard User"
    refused = map_user(make_user(groups=(EMEA,), roles=(DEFAULT_ACCESS,)), config)
    assert {i.code for i in refused.errors} == {IssueCode.NOT_EFFECTIVELY_ENTITLED}


def test_permission_sets_mapping_and_rules_are_united() -> None:
    config = MappingConfig.model_validate(
        {
            "attributes": [{"target": "PermissionSets", "expression": 'Split([extensionAttribute3], ",")'}],
            "permission_set_rules": [{"group": "EMEA", "permission_sets": ["GDPR_Viewer"]}],
        }
    )
    user = make_user(groups=(EMEA,), extensionAttribute3="Knowledge_User, GDPR_Viewer")
    assert map_user(user, config).permission_sets == ("Knowledge_User", "GDPR_Viewer")


def test_permission_sets_are_left_alone_when_nothing_decides_them() -> None:
    config = MappingConfig.model_validate(
        {"attributes": [{"target": "PermissionSets", "expression": 'Split([extensionAttribute3], ",")'}]}
    )
    desired = map_user(make_user(), config, operation="update")
    assert desired.permission_sets is None
    explanation = desired.explanation("PermissionSets")
    assert explanation is not None
    assert explanation.skipped


def test_role_from_a_mapping_when_no_rule_matches() -> None:
    config = MappingConfig.model_validate(
        {
            "attributes": [{"target": "UserRoleName", "source": "extensionAttribute4"}],
            "role_rules": [{"group": "EMEA", "role": "EMEA Sales Manager"}],
        }
    )
    assert map_user(make_user(extensionAttribute4="CEO"), config).role_name == "CEO"
    assert map_user(make_user(groups=(EMEA,), extensionAttribute4="CEO"), config).role_name == "EMEA Sales Manager"


def test_a_constant_list_of_permission_sets() -> None:
    config = MappingConfig.model_validate({"attributes": [{"target": "PermissionSets", "value": ["A", "B"]}]})
    desired = map_user(make_user(), config)
    assert desired.permission_sets == ("A", "B")
    explanation = desired.explanation("PermissionSets")
    assert explanation is not None
    assert explanation.rule == '["A", "B"]'
