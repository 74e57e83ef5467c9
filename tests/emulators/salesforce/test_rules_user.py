"""User rules of the emulated org: each failure with Salesforce's status, errorCode, message and fields.

Facts from shared/reference/salesforce.md §3 (fields, lengths, required fields, usernames), §7 (e-mail hold), §8.4
(error codes); UNVERIFIED texts come from OrgSettings and are asserted through it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sfprov.emulators.salesforce.errors import DUPLICATE_USERNAME_MESSAGE, SalesforceError
from sfprov.emulators.salesforce.seed import seed_standard_setup, user_values
from sfprov.emulators.salesforce.store import EmulatorState, Org


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 21, 53, 22, 123000, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(clock: Clock) -> EmulatorState:
    return EmulatorState(foreign_usernames=["Taken@Elsewhere.com"], clock=clock)


@pytest.fixture
def org(state: EmulatorState) -> Org:
    org = state.create_org("Acme", my_domain="acme")
    seed_standard_setup(org, salesforce=5, platform=1, chatter_free=10, integration=1)
    return org


@pytest.fixture
def admin(org: Org) -> str:
    return org.add_user(
        user_values("admin@acme.com", "Ada", "Admin", "admin@acme.com", org.profile_id("System Administrator"))
    )


def body(org: Org, username: str = "jane.doe@acme.com", **extra: Any) -> dict[str, Any]:
    return user_values(username, "Jane", "Doe", "jane.doe@acme.com", org.profile_id("Standard User"), **extra)


def create_error(org: Org, record: dict[str, Any], admin: str | None = None) -> SalesforceError:
    result = org.create("User", [record], running_user_id=admin)[0]
    assert not result.success
    assert result.id is None
    return result.errors[0]


def update_error(org: Org, record: dict[str, Any], admin: str) -> SalesforceError:
    result = org.update("User", [record], running_user_id=admin)[0]
    assert not result.success
    return result.errors[0]


def test_create_fills_name_nickname_type_audit_fields_and_login_row(org: Org, admin: str, clock: Clock) -> None:
    result = org.create("User", [body(org)], running_user_id=admin)[0]
    assert result.success
    assert result.id is not None
    assert result.errors == []
    row = org.get_by_id("User", result.id)
    assert row is not None
    assert row["Name"] == "Jane Doe"
    assert row["CommunityNickname"] == "jane.doe"
    assert row["UserType"] == "Standard"
    assert row["IsActive"] is True
    assert row["CreatedDate"] == row["LastModifiedDate"] == row["SystemModstamp"] == "2026-11-23T21:53:22.123+0000"
    assert row["CreatedById"] == admin
    assert row["LastLoginDate"] is None
    assert row["UserPermissionsMarketingUser"] is False
    login = org.user_login(result.id)
    assert login is not None
    assert login["IsFrozen"] is False
    assert login["UserId"] == result.id


def test_required_fields_are_named_in_describe_order(org: Org) -> None:
    record = body(org)
    del record["Alias"], record["LastName"]
    error = create_error(org, record)
    assert (error.status, error.error_code) == (400, "REQUIRED_FIELD_MISSING")
    assert error.message == "Required fields are missing: [LastName, Alias]"
    assert error.fields == ["LastName", "Alias"]
    assert error.rest() == {"message": error.message, "errorCode": "REQUIRED_FIELD_MISSING", "fields": error.fields}
    assert error.collection()["statusCode"] == "REQUIRED_FIELD_MISSING"


def test_an_empty_string_counts_as_missing(org: Org) -> None:
    error = create_error(org, body(org, Email=""))
    assert error.message == "Required fields are missing: [Email]"


def test_nickname_is_required_when_auto_fill_is_switched_off(org: Org) -> None:
    org.settings.auto_fill_community_nickname = False
    error = create_error(org, body(org))
    assert error.fields == ["CommunityNickname"]


def test_username_too_long(org: Org) -> None:
    username = "a" * 70 + "@acme.com.x"
    error = create_error(org, body(org, username))
    assert (error.status, error.error_code, error.fields) == (400, "STRING_TOO_LONG", ["Username"])
    assert error.message == f"Username: data value too large: {username} (max length=80)"


def test_alias_too_long_uses_the_field_label(org: Org) -> None:
    error = create_error(org, body(org, Alias="abcdefghi"))
    assert error.message == "Alias: data value too large: abcdefghi (max length=8)"
    assert error.fields == ["Alias"]


def test_first_too_long_field_in_describe_order_wins(org: Org) -> None:
    error = create_error(org, body(org, Title="t" * 81, LastName="l" * 81))
    assert error.fields == ["LastName"]


def test_username_not_in_email_form(org: Org) -> None:
    error = create_error(org, body(org, "jane.doe"))
    assert (error.status, error.error_code, error.fields) == (400, "FIELD_INTEGRITY_EXCEPTION", ["Username"])
    assert error.message == "Username must be in the form of an email address (for example, john@acme.com): Username"


@pytest.mark.parametrize("email", ["jane", "jane@", "jane@acme", "jane doe@acme.com", "@acme.com"])
def test_invalid_email(org: Org, email: str) -> None:
    error = create_error(org, body(org, Email=email))
    assert (error.status, error.error_code, error.fields) == (400, "INVALID_EMAIL_ADDRESS", ["Email"])
    assert error.message == f"Email: invalid email address: {email}"


def test_sandbox_style_addresses_are_valid(org: Org) -> None:
    result = org.create("User", [body(org, "jane@acme.com.uat", Email="jane@acme.com.invalid")])[0]
    assert result.success


@pytest.mark.parametrize(
    ("field", "label", "value"),
    [
        ("TimeZoneSidKey", "Time Zone", "Mars/Olympus_Mons"),
        ("LocaleSidKey", "Locale", "xx_XX"),
        ("LanguageLocaleKey", "Language", "en-US"),
        ("EmailEncodingKey", "Email Encoding", "UTF-7"),
    ],
)
def test_restricted_picklists(org: Org, field: str, label: str, value: str) -> None:
    error = create_error(org, body(org, **{field: value}))
    assert (error.status, error.error_code, error.fields) == (400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", [field])
    assert error.message == f"{label}: bad value for restricted picklist field: {value}"


@pytest.mark.parametrize(("field", "prefix"), [("ProfileId", "00e"), ("UserRoleId", "00E"), ("ManagerId", "005")])
def test_unknown_reference(org: Org, field: str, prefix: str) -> None:
    error = create_error(org, body(org, **{field: prefix + "000000000000"}))
    assert (error.status, error.error_code, error.fields) == (400, "INVALID_CROSS_REFERENCE_KEY", [])
    assert error.message == "invalid cross reference id"


@pytest.mark.parametrize(
    ("field", "label"), [("ProfileId", "Profile ID"), ("UserRoleId", "Role ID"), ("ManagerId", "Manager ID")]
)
def test_reference_to_the_wrong_object(org: Org, admin: str, field: str, label: str) -> None:
    wrong = org.profile_id("Standard User") if field != "ProfileId" else admin
    error = create_error(org, body(org, **{field: wrong}))
    assert (error.status, error.error_code, error.fields) == (400, "FIELD_INTEGRITY_EXCEPTION", [field])
    assert error.message == f"{label}: id value of incorrect type: {wrong}"


def test_malformed_reference(org: Org) -> None:
    error = create_error(org, body(org, ProfileId="not-an-id"))
    assert (error.error_code, error.fields) == ("MALFORMED_ID", ["ProfileId"])
    assert error.message == "Profile ID: id value of incorrect type: not-an-id"


def test_references_accept_15_character_ids_and_store_18(org: Org, admin: str) -> None:
    result = org.create("User", [body(org, ManagerId=admin[:15])])[0]
    assert result.id is not None
    row = org.get_by_id("User", result.id)
    assert row is not None
    assert row["ManagerId"] == admin


def test_unknown_field(org: Org) -> None:
    error = create_error(org, body(org, Foo="bar"))
    assert (error.status, error.error_code, error.fields) == (400, "INVALID_FIELD", [])
    assert error.message == "No such column 'Foo' on sobject of type User"


def test_field_names_are_case_insensitive(org: Org) -> None:
    record = body(org)
    record["lastname"] = record.pop("LastName")
    record["attributes"] = {"type": "User"}
    assert org.create("User", [record])[0].success


def test_read_only_fields_are_all_named(org: Org) -> None:
    error = create_error(org, body(org, Name="X", UserType="Standard"))
    assert (error.status, error.error_code, error.fields) == (
        400,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        ["Name", "UserType"],
    )
    assert error.message == (
        "Unable to create/update fields: Name, UserType. Please check the security settings of this field and "
        "verify that it is read/write for your profile or permission set."
    )


def test_wrong_json_type(org: Org) -> None:
    error = create_error(org, body(org, IsActive="yes"))
    assert (error.status, error.error_code) == (400, "JSON_PARSER_ERROR")


def test_read_only_check_comes_before_required(org: Org) -> None:
    record = body(org, Name="X")
    del record["LastName"]
    assert create_error(org, record).error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_duplicate_username_in_same_org_case_insensitive(org: Org) -> None:
    assert org.create("User", [body(org)])[0].success
    error = create_error(org, body(org, "Jane.Doe@ACME.com", CommunityNickname="other"))
    assert (error.status, error.error_code, error.fields) == (400, "DUPLICATE_USERNAME", ["Username"])
    assert error.message == DUPLICATE_USERNAME_MESSAGE
    assert error.message.startswith("Duplicate Username.<br>The username already exists in this or another")


def test_duplicate_username_across_orgs_and_with_foreign_orgs(state: EmulatorState, org: Org) -> None:
    other = state.create_org("Acme", kind="sandbox", my_domain="acme", sandbox_name="uat")
    seed_standard_setup(other, salesforce=5, platform=1, chatter_free=10, integration=1)
    assert other.create("User", [body(other)])[0].success
    assert create_error(org, body(org)).error_code == "DUPLICATE_USERNAME"
    assert create_error(org, body(org, "taken@elsewhere.COM")).error_code == "DUPLICATE_USERNAME"


def test_duplicate_username_on_rename(org: Org, admin: str) -> None:
    jane = org.create("User", [body(org)])[0].id
    error = update_error(org, {"Id": jane, "Username": "ADMIN@acme.com"}, admin)
    assert error.error_code == "DUPLICATE_USERNAME"


def test_rename_frees_the_old_username(state: EmulatorState, org: Org, admin: str) -> None:
    jane = org.create("User", [body(org)])[0].id
    assert org.update("User", [{"Id": jane, "Username": "jane@acme.com"}], running_user_id=admin)[0].success
    assert not state.username_taken("jane.doe@acme.com")
    found = state.find_user("JANE@acme.com")
    assert found is not None
    assert found[0] is org
    assert found[1]["Id"] == jane
    assert org.create("User", [body(org, CommunityNickname="jd2")])[0].success


def test_duplicate_nickname(org: Org, admin: str) -> None:
    org.create("User", [body(org, CommunityNickname="jd")])
    error = create_error(org, body(org, "other@acme.com", CommunityNickname="JD"))
    assert (error.status, error.error_code, error.fields) == (400, "DUPLICATE_COMM_NICKNAME", ["CommunityNickname"])
    assert error.message == org.settings.duplicate_nickname_message


def test_auto_nickname_avoids_taken_ones(org: Org) -> None:
    first = org.create("User", [body(org, "jane.doe@acme.com")])[0].id
    second = org.create("User", [body(org, "jane.doe@acme.org")])[0].id
    assert first
    assert second
    nick = [org.get_by_id("User", i)["CommunityNickname"] for i in (first, second)]  # type: ignore[index]
    assert nick == ["jane.doe", "jane.doe1"]


def test_same_email_for_several_users_is_allowed(org: Org) -> None:
    results = org.create("User", [body(org, "a@acme.com"), body(org, "b@acme.com")])
    assert all(r.success for r in results)


def test_update_recomputes_name_and_stamps(org: Org, admin: str, clock: Clock) -> None:
    jane = org.create("User", [body(org)])[0].id
    assert jane
    clock.now += timedelta(minutes=5)
    assert org.update("User", [{"Id": jane, "FirstName": None, "LastName": "Smith"}], running_user_id=admin)[0].success
    row = org.get_by_id("User", jane)
    assert row is not None
    assert row["Name"] == "Smith"
    assert row["LastModifiedDate"] == row["SystemModstamp"] == "2026-11-23T21:58:22.123+0000"
    assert row["CreatedDate"] == "2026-11-23T21:53:22.123+0000"
    assert row["LastModifiedById"] == admin


def test_update_cannot_blank_a_required_field(org: Org, admin: str) -> None:
    jane = org.create("User", [body(org)])[0].id
    error = update_error(org, {"Id": jane, "LastName": None}, admin)
    assert (error.error_code, error.fields) == ("REQUIRED_FIELD_MISSING", ["LastName"])


def test_update_of_an_unknown_or_malformed_id(org: Org, admin: str) -> None:
    unknown = update_error(org, {"Id": admin[:3] + "x" * 12, "Title": "x"}, admin)
    assert (unknown.status, unknown.error_code) == (404, "NOT_FOUND")
    malformed = update_error(org, {"Id": "nope", "Title": "x"}, admin)
    assert (malformed.error_code, malformed.fields) == ("MALFORMED_ID", ["Id"])


def test_email_change_is_held_until_confirmed(org: Org, admin: str, clock: Clock) -> None:
    jane = org.create("User", [body(org)])[0].id
    assert jane
    result = org.update("User", [{"Id": jane, "Email": "jane@new.example"}], running_user_id=admin)[0]
    assert result.success
    assert org.get_by_id("User", jane)["Email"] == "jane.doe@acme.com"  # type: ignore[index]
    pending = org.pending_email(jane)
    assert pending is not None
    assert pending.email == "jane@new.example"
    assert pending.expires == "2026-11-26T21:53:22.123+0000"
    assert org.confirm_email_change(jane) == "jane@new.example"
    assert org.get_by_id("User", jane)["Email"] == "jane@new.example"  # type: ignore[index]
    assert org.pending_email(jane) is None


def test_held_email_expires_after_72_hours(org: Org, admin: str, clock: Clock) -> None:
    jane = org.create("User", [body(org)])[0].id
    assert jane
    org.update("User", [{"Id": jane, "Email": "jane@new.example"}], running_user_id=admin)
    clock.now += timedelta(hours=72, seconds=1)
    assert org.pending_email(jane) is None
    with pytest.raises(SalesforceError) as caught:
        org.confirm_email_change(jane)
    assert caught.value.error_code == "NOT_FOUND"


def test_inactive_users_email_changes_at_once(org: Org, admin: str) -> None:
    jane = org.create("User", [body(org, IsActive=False)])[0].id
    assert org.update("User", [{"Id": jane, "Email": "jane@new.example"}], running_user_id=admin)[0].success
    assert org.get_by_id("User", jane)["Email"] == "jane@new.example"  # type: ignore[index]


def test_email_hold_can_be_switched_off(org: Org, admin: str) -> None:
    org.settings.email_change_requires_confirmation = False
    jane = org.create("User", [body(org)])[0].id
    org.update("User", [{"Id": jane, "Email": "jane@new.example"}], running_user_id=admin)
    assert org.get_by_id("User", jane)["Email"] == "jane@new.example"  # type: ignore[index]


def test_running_user_cannot_deactivate_itself(org: Org, admin: str) -> None:
    org.create("User", [body(org, ProfileId=org.profile_id("System Administrator"))])
    error = update_error(org, {"Id": admin, "IsActive": False}, admin)
    assert (error.status, error.error_code) == (400, org.settings.self_deactivation_error_code)
    assert error.message == org.settings.self_deactivation_message


def test_last_active_admin_cannot_be_deactivated(org: Org, admin: str) -> None:
    integration = org.add_user(
        user_values("int@acme.com", None, "Int", "int@acme.com", org.profile_id("Provisioning Integration"))
    )
    error = update_error(org, {"Id": admin, "IsActive": False}, integration)
    assert (error.status, error.error_code, error.fields) == (400, "CANNOT_DISABLE_LAST_ADMIN", [])
    assert error.message == org.settings.last_admin_message
    moved = update_error(org, {"Id": admin, "ProfileId": org.profile_id("Standard User")}, integration)
    assert moved.error_code == "CANNOT_DISABLE_LAST_ADMIN"
    org.settings.enforce_last_admin = False
    assert org.update("User", [{"Id": admin, "IsActive": False}], running_user_id=integration)[0].success


def test_an_admin_can_be_deactivated_while_another_is_active(org: Org, admin: str) -> None:
    second = org.create("User", [body(org, ProfileId=org.profile_id("System Administrator"))])[0].id
    assert second
    assert org.update("User", [{"Id": second, "IsActive": False}], running_user_id=admin)[0].success


def test_user_delete_is_refused(org: Org, admin: str) -> None:
    with pytest.raises(SalesforceError) as caught:
        org.delete("User", admin, running_user_id=admin)
    assert (caught.value.status, caught.value.error_code) == (405, "METHOD_NOT_ALLOWED")
    assert caught.value.message == "HTTP Method 'DELETE' not allowed. Allowed are GET,HEAD,PATCH"
    assert org.get_by_id("User", admin) is not None


def test_record_login_sets_last_login_date_only(org: Org, admin: str, clock: Clock) -> None:
    before = dict(org.get_by_id("User", admin) or {})
    clock.now += timedelta(hours=1)
    org.record_login(admin)
    after = org.get_by_id("User", admin)
    assert after is not None
    assert after["LastLoginDate"] == "2026-11-23T22:53:22.123+0000"
    assert after["LastModifiedDate"] == before["LastModifiedDate"]


def test_request_level_checks_for_the_http_layer(org: Org) -> None:
    from sfprov.emulators.salesforce.rules import check_deserializable
    from sfprov.emulators.salesforce.schema import SCHEMA

    check_deserializable(SCHEMA["User"], [body(org), {"attributes": {"type": "User"}, "id": "x", "IsActive": None}])
    with pytest.raises(SalesforceError) as unknown:
        check_deserializable(SCHEMA["User"], [body(org), body(org, Foo=1)])
    assert unknown.value.rest() == {
        "message": "No such column 'Foo' on sobject of type User",
        "errorCode": "INVALID_FIELD",
        "fields": [],
    }
    with pytest.raises(SalesforceError) as wrong:
        check_deserializable(SCHEMA["User"], [body(org, IsActive="true")])
    assert (wrong.value.status, wrong.value.error_code) == (400, "JSON_PARSER_ERROR")


def test_federation_id_is_unique_in_the_org(org: Org, admin: str) -> None:
    assert org.create("User", [body(org, FederationIdentifier="E-1")])[0].success
    error = create_error(org, body(org, "other@acme.com", FederationIdentifier="E-1"))
    assert (error.status, error.error_code, error.fields) == (
        400,
        "FIELD_INTEGRITY_EXCEPTION",
        ["FederationIdentifier"],
    )
    assert error.message == "This Federation ID is already in use. Use a different Federation ID.: SAML Federation ID"
    other = org.create("User", [body(org, "other@acme.com", FederationIdentifier="e-1")])[0]
    assert other.success  # exact comparison
    moved = update_error(org, {"Id": other.id, "FederationIdentifier": "E-1"}, admin)
    assert moved.error_code == "FIELD_INTEGRITY_EXCEPTION"
    jane = org.user_by_username("jane.doe@acme.com")
    assert jane is not None
    assert org.update("User", [{"Id": jane["Id"], "FederationIdentifier": "E-1", "Title": "x"}])[0].success
    org.settings.unique_federation_id = False
    assert org.update("User", [{"Id": other.id, "FederationIdentifier": "E-1"}], running_user_id=admin)[0].success
