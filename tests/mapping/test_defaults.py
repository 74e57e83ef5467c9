"""The gallery app's default mapping applied to sample users, field by field (reference salesforce.md §13.4)."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.mapping.config import MappingConfig
from sfprov.mapping.mapper import map_user
from sfprov.mapping.result import IssueCode, Severity
from sfprov.model import AppRoleAssignment

from .conftest import DEFAULT_ACCESS, STANDARD_USER, make_user

GALLERY = MappingConfig()
CONSTANT_DEFAULTS = {
    "EmailEncodingKey": "ISO-8859-1",
    "LanguageLocaleKey": "en_US",
    "TimeZoneSidKey": "America/Los_Angeles",
    "UserPermissionsCallCenterAutoLogin": False,
    "UserPermissionsMarketingUser": False,
    "UserPermissionsOfflineUser": False,
}
MARKETING_VIA_GROUP = AppRoleAssignment("role-mkt", "Marketing User", "Marketing User", "Group", "g1", "Marketing")
LONG_UPN = "maximilian.alexander.mustermann-schneider@emea.subsidiary.contoso-holding-international.com"


def test_the_gallery_mapping_is_the_published_table() -> None:
    rows = [
        (a.target, a.kind.value, a.rule_text(), a.default, a.matching, a.flow.value)
        for a in GALLERY.effective_attributes()
    ]
    assert rows == [
        ("IsActive", "expression", "Not([IsSoftDeleted])", "True", 0, "always"),
        ("Alias", "expression", "Mid([userPrincipalName], 1, 8)", None, 0, "always"),
        ("Email", "direct", "[mail]", None, 0, "always"),
        ("EmailEncodingKey", "none", "(none)", "ISO-8859-1", 0, "always"),
        ("LanguageLocaleKey", "none", "(none)", "en_US", 0, "always"),
        ("FirstName", "direct", "[givenName]", None, 0, "always"),
        ("LastName", "direct", "[surname]", ".", 0, "always"),
        ("LocaleSidKey", "expression", 'Replace([preferredLanguage], "-", , , "_", , )', "en_US", 0, "always"),
        (
            "ProfileName",
            "expression",
            "SingleAppRoleAssignment([appRoleAssignments])",
            "Chatter Free User",
            0,
            "always",
        ),
        ("TimeZoneSidKey", "none", "(none)", "America/Los_Angeles", 0, "always"),
        ("Username", "direct", "[userPrincipalName]", None, 1, "always"),
        ("UserPermissionsCallCenterAutoLogin", "none", "(none)", "False", 0, "always"),
        ("UserPermissionsMarketingUser", "none", "(none)", "False", 0, "always"),
        ("UserPermissionsOfflineUser", "none", "(none)", "False", 0, "always"),
    ]


def test_an_ordinary_user_on_create() -> None:
    desired = map_user(make_user(preferredLanguage="en-US"), GALLERY)
    assert desired.ok, desired.issues
    assert desired.fields == {
        "IsActive": True,
        "Alias": "ada.love",
        "Email": "ada.lovelace@contoso.com",
        "FirstName": "Ada",
        "LastName": "Lovelace",
        "LocaleSidKey": "en_US",
        "Username": "ada.lovelace@contoso.com",
        **CONSTANT_DEFAULTS,
    }
    assert desired.profile_name == "Standard User"
    assert desired.matching == (("Username", "ada.lovelace@contoso.com"),)
    assert desired.permission_sets is None
    assert desired.role_name is None


SAMPLES: list[tuple[str, dict[str, Any], str, dict[str, Any], set[str], str | None]] = [
    # (case, user attributes/roles, operation, expected fields (subset; None = absent), error codes, profile)
    (
        "guest with #EXT# UPN reads the home address",
        {"userPrincipalName": "grace_fabrikam.com#EXT#@contoso.onmicrosoft.com", "mail": "grace@fabrikam.com"},
        "create",
        {"Username": "grace@fabrikam.com", "Alias": "grace@fa", "Email": "grace@fabrikam.com"},
        set(),
        "Standard User",
    ),
    (
        "missing surname gets '.' on create",
        {"surname": None},
        "create",
        {"LastName": "."},
        set(),
        "Standard User",
    ),
    (
        "missing surname is not sent on update",
        {"surname": None},
        "update",
        {"LastName": None, "EmailEncodingKey": None, "TimeZoneSidKey": None},
        set(),
        "Standard User",
    ),
    (
        "a UPN longer than 80 characters cannot be a Username",
        {"userPrincipalName": LONG_UPN},
        "create",
        {"Username": None, "Alias": "maximili"},
        {IssueCode.STRING_TOO_LONG, IssueCode.NO_MATCHING_VALUE},
        "Standard User",
    ),
    (
        "diacritics pass through unchanged",
        {"givenName": "Zoë", "surname": "Müller-Lüdenscheidt", "userPrincipalName": "zoe.mueller@contoso.com"},
        "create",
        {"FirstName": "Zoë", "LastName": "Müller-Lüdenscheidt", "Alias": "zoe.muel"},
        set(),
        "Standard User",
    ),
    (
        "missing mail fails the create as Salesforce would",
        {"mail": None},
        "create",
        {"Email": None},
        {IssueCode.REQUIRED_FIELD_MISSING},
        "Standard User",
    ),
    (
        "missing mail is harmless on update",
        {"mail": None},
        "update",
        {"Email": None, "Username": "ada.lovelace@contoso.com"},
        set(),
        "Standard User",
    ),
    (
        "two different roles are refused",
        {"roles": (STANDARD_USER, MARKETING_VIA_GROUP)},
        "create",
        {"Username": "ada.lovelace@contoso.com"},
        {IssueCode.MULTIPLE_ROLES},
        None,
    ),
    (
        "the same role directly and through a group is one role",
        {"roles": (STANDARD_USER, AppRoleAssignment("role-std", "Standard User", "Standard User", "Group", "g2"))},
        "create",
        {},
        set(),
        "Standard User",
    ),
    (
        "only Default Access is not effectively entitled",
        {"roles": (DEFAULT_ACCESS,)},
        "create",
        {},
        {IssueCode.NOT_EFFECTIVELY_ENTITLED},
        None,
    ),
    (
        "no role at all gets the default profile on create",
        {"roles": ()},
        "create",
        {},
        set(),
        "Chatter Free User",
    ),
    (
        "a disabled user is sent inactive",
        {"accountEnabled": False},
        "update",
        {"IsActive": False},
        set(),
        "Standard User",
    ),
    (
        "preferredLanguage de-DE becomes de_DE",
        {"preferredLanguage": "de-DE"},
        "create",
        {"LocaleSidKey": "de_DE"},
        set(),
        "Standard User",
    ),
    (
        "Norwegian nb-NO becomes Salesforce's no_NO",
        {"preferredLanguage": "nb-NO"},
        "create",
        {"LocaleSidKey": "no_NO"},
        set(),
        "Standard User",
    ),
]


@pytest.mark.parametrize(
    ("attributes", "operation", "expected", "errors", "profile"),
    [case[1:] for case in SAMPLES],
    ids=[case[0] for case in SAMPLES],
)
def test_gallery_output_for_sample_users(
    attributes: dict[str, Any], operation: str, expected: dict[str, Any], errors: set[IssueCode], profile: str | None
) -> None:
    desired = map_user(make_user(**attributes), GALLERY, operation=operation)  # type: ignore[arg-type]
    for name, value in expected.items():
        assert desired.fields.get(name) == value, (name, desired.explanation(name))
    assert {i.code for i in desired.errors} == errors, desired.issues
    assert desired.profile_name == profile


def test_unknown_language_falls_back_to_the_default_with_a_warning() -> None:
    desired = map_user(make_user(preferredLanguage="xx-YY"), GALLERY)
    assert desired.fields["LocaleSidKey"] == "en_US"
    assert desired.ok
    [warning] = desired.warnings
    assert (warning.code, warning.field, warning.severity) == (
        IssueCode.INVALID_PICKLIST_VALUE,
        "LocaleSidKey",
        Severity.WARNING,
    )
    on_update = map_user(make_user(preferredLanguage="xx-YY"), GALLERY, operation="update")
    assert "LocaleSidKey" not in on_update.fields


def test_multiple_roles_message_names_both_roles_and_the_group() -> None:
    desired = map_user(make_user(roles=(STANDARD_USER, MARKETING_VIA_GROUP)), GALLERY)
    [issue] = desired.errors
    assert issue.field == "ProfileName"
    assert "'Standard User' directly" in issue.message
    assert "'Marketing User' via group Marketing" in issue.message
    assert issue.fix


def test_recommended_adds_federation_id_and_a_unique_create_only_nickname() -> None:
    config = MappingConfig(defaults="recommended")
    guest = make_user(userPrincipalName="grace_fabrikam.com#EXT#@contoso.onmicrosoft.com")
    desired = map_user(guest, config, taken_nicknames={"GRACE"})
    assert desired.fields["FederationIdentifier"] == "grace@fabrikam.com"
    nickname = desired.fields["CommunityNickname"]
    assert isinstance(nickname, str)
    assert nickname.startswith("grace-")
    assert map_user(guest, config, taken_nicknames={"GRACE"}).fields["CommunityNickname"] == nickname
    assert "CommunityNickname" not in map_user(guest, config, operation="update").fields
