"""map_user: Entra's flow rules, matching precedence, sandbox suffixes, failures as issues; source_attributes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sfprov.mapping.config import MappingConfig, ScopingConfig
from sfprov.mapping.mapper import map_user, source_attributes
from sfprov.mapping.result import IssueCode, Origin

from .conftest import make_user


def config(**data: Any) -> MappingConfig:
    return MappingConfig.model_validate(data)


def test_on_create_mapping_is_left_out_of_updates() -> None:
    cfg = config(attributes=[{"target": "Title", "source": "jobTitle", "flow": "on_create"}])
    user = make_user(jobTitle="Engineer")
    assert map_user(user, cfg).fields["Title"] == "Engineer"
    updated = map_user(user, cfg, operation="update")
    assert "Title" not in updated.fields
    explanation = updated.explanation("Title")
    assert explanation is not None
    assert explanation.skipped == "applies only during creation"


def test_default_applies_on_create_only_and_never_over_a_value() -> None:
    cfg = config(attributes=[{"target": "Department", "source": "department", "default": "Unassigned"}])
    assert map_user(make_user(), cfg).fields["Department"] == "Unassigned"
    assert map_user(make_user(department="R&D"), cfg).fields["Department"] == "R&D"
    assert "Department" not in map_user(make_user(), cfg, operation="update").fields
    explanation = map_user(make_user(), cfg).explanation("Department")
    assert explanation is not None
    assert explanation.origin is Origin.DEFAULT


def test_sourceless_defaults_are_offered_for_empty_targets_on_update() -> None:
    desired = map_user(make_user(), MappingConfig(), operation="update")
    assert desired.fill_if_empty == {
        "EmailEncodingKey": "ISO-8859-1",
        "LanguageLocaleKey": "en_US",
        "TimeZoneSidKey": "America/Los_Angeles",
        "UserPermissionsCallCenterAutoLogin": False,
        "UserPermissionsMarketingUser": False,
        "UserPermissionsOfflineUser": False,
    }
    assert not set(desired.fill_if_empty) & set(desired.fields)


def test_ignore_flow_leaves_the_field_out_even_with_a_default() -> None:
    cfg = config(
        attributes=[{"target": "MobilePhone", "expression": "IgnoreFlowIfNullOrEmpty([mobilePhone])", "default": "0"}]
    )
    desired = map_user(make_user(mobilePhone=""), cfg)
    assert "MobilePhone" not in desired.fields
    explanation = desired.explanation("MobilePhone")
    assert explanation is not None
    assert explanation.skipped is not None
    assert explanation.skipped.startswith("IgnoreFlowIfNullOrEmpty")
    assert map_user(make_user(mobilePhone="+49 30 1234"), cfg).fields["MobilePhone"] == "+49 30 1234"


def test_a_failing_expression_is_a_per_user_issue() -> None:
    cfg = config(attributes=[{"target": "Title", "expression": "Mid([givenName], [employeeId], 2)"}])
    desired = map_user(make_user(employeeId="E-1"), cfg)
    [failure] = desired.errors
    assert failure.code is IssueCode.EXPRESSION_FAILED
    assert failure.field == "Title"
    assert "Mid([givenName], [employeeId], 2)" in failure.message
    assert "start expects a number" in failure.message
    assert "Title" not in desired.fields
    assert map_user(make_user(employeeId="2"), cfg).fields["Title"] == "da"


def test_matching_attributes_in_precedence_order_with_the_sandbox_suffix() -> None:
    cfg = config(
        attributes=[
            {"target": "FederationIdentifier", "source": "employeeId", "matching": 1},
            {"target": "Username", "source": "userPrincipalName", "matching": 2},
        ]
    )
    desired = map_user(make_user(employeeId="E-1001"), cfg, sandbox="uat")
    assert desired.matching == (("FederationIdentifier", "E-1001"), ("Username", "ada.lovelace@contoso.com.uat"))
    assert desired.fields["Username"] == "ada.lovelace@contoso.com.uat"
    assert desired.fields["Email"] == "ada.lovelace@contoso.com.invalid"
    without_employee_id = map_user(make_user(), cfg, sandbox="uat")
    assert without_employee_id.matching == (("Username", "ada.lovelace@contoso.com.uat"),)


def test_matching_uses_the_source_value_even_on_update_of_a_create_only_mapping() -> None:
    cfg = config(attributes=[{"target": "Username", "source": "userPrincipalName", "matching": 1, "flow": "on_create"}])
    desired = map_user(make_user(), cfg, operation="update")
    assert "Username" not in desired.fields
    assert desired.matching == (("Username", "ada.lovelace@contoso.com"),)


def test_configured_sandbox_suffixes_are_not_applied_twice() -> None:
    cfg = config(
        attributes=[{"target": "Username", "expression": 'Append([userPrincipalName], ".test")', "matching": 1}],
        sandbox={"username_suffix": ".test", "email_suffix": ""},
    )
    desired = map_user(make_user(), cfg)
    assert desired.fields["Username"] == "ada.lovelace@contoso.com.test"
    assert desired.fields["Email"] == "ada.lovelace@contoso.com"


def test_suffix_that_makes_the_username_too_long_is_refused() -> None:
    upn = "a" * 60 + "@contoso.com"  # 72 characters; + ".fullcopy01" = 83
    desired = map_user(make_user(userPrincipalName=upn), MappingConfig(), sandbox="fullcopy01")
    assert "Username" not in desired.fields
    assert IssueCode.STRING_TOO_LONG in {i.code for i in desired.errors}


def test_nickname_collisions_use_the_taken_set() -> None:
    cfg = MappingConfig(defaults="recommended")
    free = map_user(make_user(), cfg, taken_nicknames=["grace"])
    taken = map_user(make_user(), cfg, taken_nicknames=["ADA.LOVELACE"])
    assert free.fields["CommunityNickname"] == "ada.lovelace"
    nickname = taken.fields["CommunityNickname"]
    assert isinstance(nickname, str)
    assert nickname.startswith("ada.lovelace-")
    unchecked = map_user(make_user(), cfg)
    assert unchecked.fields["CommunityNickname"] == "ada.lovelace"


def test_picklists_from_the_org_replace_the_built_in_set() -> None:
    org = {"LocaleSidKey": ["en_US", "tlh_KX"]}
    desired = map_user(make_user(preferredLanguage="tlh-KX"), MappingConfig(), picklists=org)
    assert desired.fields["LocaleSidKey"] == "tlh_KX"
    extra = config(picklists={"LocaleSidKey": ["tlh_KX"]})
    assert map_user(make_user(preferredLanguage="tlh-KX"), extra).fields["LocaleSidKey"] == "tlh_KX"


def test_ascii_fields_are_transliterated() -> None:
    cfg = config(ascii_fields=["Alias"], attributes=[{"target": "Alias", "expression": "Mid([givenName], 1, 8)"}])
    desired = map_user(make_user(givenName="Jürgen"), cfg)
    assert desired.fields["Alias"] == "Jurgen"


def test_now_is_injectable() -> None:
    cfg = config(
        attributes=[{"target": "Title", "expression": 'FormatDateTime(Now(), , "M/d/yyyy h:mm:ss tt", "yyyy")'}]
    )
    desired = map_user(make_user(), cfg, now=datetime(2031, 5, 4, tzinfo=UTC))
    assert desired.fields.get("Title") == "2031", desired.issues


def test_source_attributes_for_select() -> None:
    cfg = config(
        defaults="recommended",
        attributes=[{"target": "Department", "expression": "Coalesce([department], [extensionAttribute1])"}],
    )
    scoping = ScopingConfig.model_validate(
        {"filters": [{"clauses": [{"attribute": "country", "operator": "EQUALS", "value": "DE"}]}]}
    )
    assert source_attributes(cfg, scoping) == frozenset(
        {
            "id",
            "accountEnabled",
            "userPrincipalName",
            "mail",
            "givenName",
            "surname",
            "preferredLanguage",
            "department",
            "extensionAttribute1",
            "country",
        }
    )


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["userPrincipalName", "givenName", "surname", "mail", "preferredLanguage", "accountEnabled"]),
        st.one_of(st.none(), st.text(max_size=120), st.booleans(), st.integers(), st.lists(st.text(max_size=5))),
    ),
    st.sampled_from(["create", "update"]),
)
def test_map_user_never_raises(attributes: dict[str, Any], operation: str) -> None:
    desired = map_user(make_user(**attributes), MappingConfig(defaults="recommended"), operation=operation)  # type: ignore[arg-type]
    for name, value in desired.fields.items():
        if isinstance(value, str) and name not in ("Street", "AboutMe"):
            assert "\n" not in value
            assert "\r" not in value
