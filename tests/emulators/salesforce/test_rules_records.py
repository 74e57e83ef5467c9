"""PermissionSetAssignment, UserLogin, read-only setup objects, allOrNone and the setup-object helper
(reference §4.3, §6, §8.7)."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.emulators.salesforce.errors import ROLLED_BACK_MESSAGE, SalesforceError
from sfprov.emulators.salesforce.rules import is_setup_object
from sfprov.emulators.salesforce.seed import seed_standard_setup, user_values
from sfprov.emulators.salesforce.store import EmulatorState, Org


@pytest.fixture
def state() -> EmulatorState:
    return EmulatorState()


@pytest.fixture
def org(state: EmulatorState) -> Org:
    org = state.create_org("Acme", my_domain="acme")
    seed_standard_setup(org, salesforce=5, platform=1, chatter_free=5, integration=1)
    return org


@pytest.fixture
def admin(org: Org) -> str:
    return org.add_user(
        user_values("admin@acme.com", "Ada", "Admin", "admin@acme.com", org.profile_id("System Administrator"))
    )


def new_user(org: Org, name: str, profile: str = "Standard User", **extra: Any) -> str:
    return org.add_user(
        user_values(f"{name}@acme.com", None, name, f"{name}@acme.com", org.profile_id(profile), **extra)
    )


def permission_set(org: Org, name: str) -> str:
    row = org.tables["PermissionSet"].first("Name", name)
    assert row is not None
    return str(row["Id"])


def custom_assignments(org: Org, user_id: str) -> list[str]:
    sets = org.tables["PermissionSet"]
    rows = org.lookup("PermissionSetAssignment", "AssigneeId", [user_id]) or []
    return [
        sets.rows[a["PermissionSetId"]]["Name"] for a in rows if not sets.rows[a["PermissionSetId"]]["IsOwnedByProfile"]
    ]


# --- PermissionSetAssignment -------------------------------------------------------------------------------------


def test_every_user_holds_its_profile_owned_set(org: Org, admin: str) -> None:
    rows = list(org.lookup("PermissionSetAssignment", "AssigneeId", [admin]) or [])
    assert len(rows) == 1
    owned = org.get_by_id("PermissionSet", rows[0]["PermissionSetId"])
    assert owned is not None
    assert owned["IsOwnedByProfile"]
    assert owned["ProfileId"] == org.profile_id("System Administrator")


def test_assign_duplicate_and_revoke(org: Org, admin: str) -> None:
    jane = new_user(org, "jane")
    ops = permission_set(org, "Sales_Operations")
    first = org.create(
        "PermissionSetAssignment", [{"AssigneeId": jane, "PermissionSetId": ops}], running_user_id=admin
    )[0]
    assert first.success
    assert first.id is not None
    assert first.id.startswith("0Pa")
    assert custom_assignments(org, jane) == ["Sales_Operations"]
    again = org.create(
        "PermissionSetAssignment", [{"AssigneeId": jane, "PermissionSetId": ops}], running_user_id=admin
    )[0]
    error = again.errors[0]
    assert (error.status, error.error_code, error.fields) == (400, "DUPLICATE_VALUE", [])
    assert error.message == f"Duplicate PermissionSetAssignment. Assignee: {jane}; Permission Set: {ops}"
    org.delete("PermissionSetAssignment", first.id, running_user_id=admin)
    assert custom_assignments(org, jane) == []
    with pytest.raises(SalesforceError) as caught:
        org.delete("PermissionSetAssignment", first.id, running_user_id=admin)
    assert (caught.value.status, caught.value.error_code) == (404, "NOT_FOUND")


def test_assignment_requires_both_ids_and_known_targets(org: Org, admin: str) -> None:
    missing = org.create("PermissionSetAssignment", [{"AssigneeId": admin}])[0].errors[0]
    assert (missing.error_code, missing.fields) == ("REQUIRED_FIELD_MISSING", ["PermissionSetId"])
    wrong_type = org.create(
        "PermissionSetAssignment", [{"AssigneeId": admin, "PermissionSetId": org.profile_id("Standard User")}]
    )[0].errors[0]
    assert (wrong_type.error_code, wrong_type.fields) == ("FIELD_INTEGRITY_EXCEPTION", ["PermissionSetId"])
    unknown = org.create("PermissionSetAssignment", [{"AssigneeId": admin, "PermissionSetId": "0PS000000000000"}])[0]
    assert (unknown.errors[0].error_code, unknown.errors[0].fields) == ("INVALID_CROSS_REFERENCE_KEY", [])


def test_licence_restricted_set_only_for_users_of_that_licence(org: Org, admin: str) -> None:
    chatter = new_user(org, "chatty", "Chatter Free User")
    result = org.create(
        "PermissionSetAssignment", [{"AssigneeId": chatter, "PermissionSetId": permission_set(org, "Service_Agent")}]
    )[0]
    error = result.errors[0]
    assert (error.error_code, error.message) == (
        org.settings.licence_mismatch_error_code,
        org.settings.licence_mismatch_message,
    )
    free = org.create(
        "PermissionSetAssignment", [{"AssigneeId": chatter, "PermissionSetId": permission_set(org, "Reports_Viewer")}]
    )[0]
    assert free.success


def test_profile_owned_sets_cannot_be_assigned_or_revoked(org: Org, admin: str) -> None:
    owned = next(iter(org.lookup("PermissionSetAssignment", "AssigneeId", [admin]) or []))
    jane = new_user(org, "jane")
    result = org.create("PermissionSetAssignment", [{"AssigneeId": jane, "PermissionSetId": owned["PermissionSetId"]}])[
        0
    ]
    assert result.errors[0].error_code == "INVALID_CROSS_REFERENCE_KEY"
    with pytest.raises(SalesforceError):
        org.delete("PermissionSetAssignment", owned["Id"])


def test_profile_change_moves_the_owned_assignment(org: Org, admin: str) -> None:
    jane = new_user(org, "jane")
    org.update("User", [{"Id": jane, "ProfileId": org.profile_id("Read Only")}], running_user_id=admin)
    rows = list(org.lookup("PermissionSetAssignment", "AssigneeId", [jane]) or [])
    assert [org.get_by_id("PermissionSet", r["PermissionSetId"])["ProfileId"] for r in rows] == [  # type: ignore[index]
        org.profile_id("Read Only")
    ]


def test_assignment_fields_are_create_only(org: Org, admin: str) -> None:
    jane = new_user(org, "jane")
    made = org.create(
        "PermissionSetAssignment", [{"AssigneeId": jane, "PermissionSetId": permission_set(org, "Reports_Viewer")}]
    )[0]
    result = org.update("PermissionSetAssignment", [{"Id": made.id, "AssigneeId": admin}])[0]
    assert result.errors[0].error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert org.update("PermissionSetAssignment", [{"Id": made.id, "ExpirationDate": "2027-01-01T00:00:00.000+0000"}])[
        0
    ].success


def test_permissions_come_from_profile_and_permission_sets(org: Org, admin: str) -> None:
    jane = new_user(org, "jane")
    assert org.has_permission(admin, "PermissionsManageUsers")
    assert org.has_permission(jane, "PermissionsApiEnabled")
    assert not org.has_permission(jane, "PermissionsManageUsers")
    helper = org.add_permission_set("User_Helper", manage_users=True)
    org.create("PermissionSetAssignment", [{"AssigneeId": jane, "PermissionSetId": helper}])
    assert org.has_permission(jane, "PermissionsManageUsers")


# --- UserLogin -----------------------------------------------------------------------------------------------------


def test_freeze_and_unfreeze(org: Org, admin: str) -> None:
    jane = new_user(org, "jane")
    login = org.user_login(jane)
    assert login is not None
    assert login["Id"].startswith("060")
    assert org.update("UserLogin", [{"Id": login["Id"], "IsFrozen": True}], running_user_id=admin)[0].success
    assert org.is_frozen(jane)
    assert org.get_by_id("User", jane)["IsActive"] is True  # type: ignore[index]
    org.update("UserLogin", [{"Id": login["Id"], "IsFrozen": False}], running_user_id=admin)
    assert not org.is_frozen(jane)


def test_cannot_freeze_self(org: Org, admin: str) -> None:
    login = org.user_login(admin)
    assert login is not None
    error = org.update("UserLogin", [{"Id": login["Id"], "IsFrozen": True}], running_user_id=admin)[0].errors[0]
    assert (error.status, error.error_code) == (400, "CANNOT_FREEZE_SELF")
    assert error.message == org.settings.cannot_freeze_self_message


def test_password_lock_can_only_be_cleared(org: Org, admin: str) -> None:
    login = org.user_login(new_user(org, "jane"))
    assert login is not None
    error = org.update("UserLogin", [{"Id": login["Id"], "IsPasswordLocked": True}], running_user_id=admin)[0].errors[0]
    assert (error.error_code, error.fields) == ("FIELD_INTEGRITY_EXCEPTION", ["IsPasswordLocked"])
    assert org.update("UserLogin", [{"Id": login["Id"], "IsPasswordLocked": False}], running_user_id=admin)[0].success


def test_user_login_cannot_be_created_and_user_id_is_read_only(org: Org, admin: str) -> None:
    with pytest.raises(SalesforceError) as caught:
        org.create("UserLogin", [{"UserId": admin}])
    assert (caught.value.status, caught.value.error_code) == (405, "METHOD_NOT_ALLOWED")
    assert caught.value.message == "HTTP Method 'POST' not allowed. Allowed are GET,HEAD,PATCH"
    login = org.user_login(admin)
    assert login is not None
    error = org.update("UserLogin", [{"Id": login["Id"], "UserId": admin}])[0].errors[0]
    assert error.error_code == "INVALID_FIELD_FOR_INSERT_UPDATE"


# --- read-only setup objects and unknown types -----------------------------------------------------------------


@pytest.mark.parametrize("sobject", ["Profile", "UserLicense", "UserRole", "PermissionSet", "Organization"])
def test_setup_records_are_read_only_to_the_api(org: Org, sobject: str) -> None:
    with pytest.raises(SalesforceError) as caught:
        org.create(sobject, [{"Name": "x"}])
    assert (caught.value.status, caught.value.error_code) == (405, "METHOD_NOT_ALLOWED")
    with pytest.raises(SalesforceError):
        org.update(sobject, [{"Id": org.id, "Name": "x"}])


def test_unknown_sobject(org: Org) -> None:
    with pytest.raises(SalesforceError) as caught:
        org.create("Account", [{"Name": "x"}])
    assert (caught.value.error_code, caught.value.message) == (
        "INVALID_TYPE",
        "sObject type 'Account' is not supported.",
    )


def test_setup_object_classification() -> None:
    assert is_setup_object("User")
    assert is_setup_object("permissionsetassignment")
    assert is_setup_object("UserLogin")
    assert not is_setup_object("Account")
    assert not is_setup_object("Contact")


# --- allOrNone -------------------------------------------------------------------------------------------------


def batch(org: Org) -> list[dict[str, Any]]:
    profile = org.profile_id("Standard User")
    return [
        user_values("a@acme.com", None, "A", "a@acme.com", profile),
        user_values("b@acme.com", None, "B", "not-an-email", profile),
        user_values("c@acme.com", None, "C", "c@acme.com", profile),
    ]


def test_without_all_or_none_each_record_stands_alone(state: EmulatorState, org: Org) -> None:
    results = org.create("User", batch(org))
    assert [r.success for r in results] == [True, False, True]
    assert results[1].errors[0].error_code == "INVALID_EMAIL_ADDRESS"
    assert state.username_taken("a@acme.com")
    assert state.username_taken("c@acme.com")


def test_all_or_none_rolls_everything_back(state: EmulatorState, org: Org) -> None:
    users_before = len(org.tables["User"])
    logins_before = len(org.tables["UserLogin"])
    results = org.create("User", batch(org), all_or_none=True)
    assert [r.success for r in results] == [False, False, False]
    assert [r.errors[0].error_code for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "INVALID_EMAIL_ADDRESS",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    ]
    assert results[0].collection() == {
        "success": False,
        "errors": [{"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": ROLLED_BACK_MESSAGE, "fields": []}],
    }
    assert len(org.tables["User"]) == users_before
    assert len(org.tables["UserLogin"]) == logins_before
    assert not state.username_taken("a@acme.com")
    assert org.lookup("User", "Username", ["a@acme.com"]) == []


def test_all_or_none_update_restores_rows_and_keeps_ids(org: Org, admin: str) -> None:
    a = new_user(org, "a")
    b = new_user(org, "b")
    before = dict(org.get_by_id("User", a) or {})
    results = org.update(
        "User",
        [{"Id": a, "Title": "Boss", "Username": "boss@acme.com"}, {"Id": b, "Alias": "x" * 9}],
        running_user_id=admin,
        all_or_none=True,
    )
    assert [(r.id, r.errors[0].error_code) for r in results] == [
        (a, "ALL_OR_NONE_OPERATION_ROLLED_BACK"),
        (b, "STRING_TOO_LONG"),
    ]
    assert org.get_by_id("User", a) == before
    assert org.user_by_username("a@acme.com") is not None
    assert org.user_by_username("boss@acme.com") is None


def test_later_records_see_earlier_ones_of_the_same_call(org: Org) -> None:
    profile = org.profile_id("Standard User")
    same = user_values("same@acme.com", None, "S", "s@acme.com", profile)
    results = org.create("User", [same, {**same, "CommunityNickname": "other"}])
    assert [r.success for r in results] == [True, False]
    assert results[1].errors[0].error_code == "DUPLICATE_USERNAME"


def test_collection_results_keep_request_order_and_ids(org: Org) -> None:
    results = org.create("User", batch(org))
    shapes = [r.collection() for r in results]
    assert shapes[0]["id"].startswith("005")
    assert shapes[0]["success"] is True
    assert shapes[0]["errors"] == []
    assert "id" not in shapes[1]
    assert shapes[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"


def test_delete_many_with_all_or_none(org: Org, admin: str) -> None:
    jane = new_user(org, "jane")
    made = org.create(
        "PermissionSetAssignment", [{"AssigneeId": jane, "PermissionSetId": permission_set(org, "Reports_Viewer")}]
    )[0]
    assert made.id is not None
    results = org.delete_many("PermissionSetAssignment", [made.id, made.id[:3] + "0" * 12], all_or_none=True)
    assert [r.errors[0].error_code for r in results] == ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "NOT_FOUND"]
    assert org.get_by_id("PermissionSetAssignment", made.id) is not None
    assert custom_assignments(org, jane) == ["Reports_Viewer"]


def test_all_or_none_failure_leaves_the_whole_state_unchanged(state: EmulatorState, org: Org, admin: str) -> None:
    a, b, c = new_user(org, "a"), new_user(org, "b"), new_user(org, "c")
    before = state.to_dict()
    results = org.update(
        "User",
        [
            {"Id": a, "Email": "a@new.example", "Username": "a2@acme.com", "CommunityNickname": "newnick"},
            {"Id": b, "IsActive": False},
            {"Id": c, "ProfileId": org.profile_id("Chatter Free User"), "FirstName": "C"},
            {"Id": admin, "TimeZoneSidKey": "Nowhere/Else"},
        ],
        running_user_id=admin,
        all_or_none=True,
    )
    assert [r.success for r in results] == [False] * 4
    assert results[3].errors[0].error_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert state.to_dict() == before
    assert org.pending_email(a) is None


def test_permission_set_licences(org: Org, admin: str) -> None:
    psl = org.add_permission_set_license("SalesConsoleUser", "Sales Console User", 1)
    gated = org.add_permission_set("Console_Access", licence_id=psl)
    jane, joe = new_user(org, "jane"), new_user(org, "joe")
    refused = org.create("PermissionSetAssignment", [{"AssigneeId": jane, "PermissionSetId": gated}])[0].errors[0]
    assert (refused.error_code, refused.fields) == ("FIELD_INTEGRITY_EXCEPTION", ["AssigneeId"])
    assert refused.message == org.settings.permission_set_licence_required_message
    seat = org.create("PermissionSetLicenseAssign", [{"AssigneeId": jane, "PermissionSetLicenseId": psl}])[0]
    assert seat.success
    assert seat.id is not None
    assert org.get_by_id("PermissionSetLicense", psl)["UsedLicenses"] == 1  # type: ignore[index]
    again = org.create("PermissionSetLicenseAssign", [{"AssigneeId": jane, "PermissionSetLicenseId": psl}])[0]
    assert again.errors[0].error_code == "DUPLICATE_VALUE"
    full = org.create("PermissionSetLicenseAssign", [{"AssigneeId": joe, "PermissionSetLicenseId": psl}])[0]
    assert (full.errors[0].error_code, full.errors[0].message) == ("LICENSE_LIMIT_EXCEEDED", "License Limit Exceeded")
    assert org.create("PermissionSetAssignment", [{"AssigneeId": jane, "PermissionSetId": gated}])[0].success
    org.delete("PermissionSetLicenseAssign", seat.id)
    assert org.get_by_id("PermissionSetLicense", psl)["UsedLicenses"] == 0  # type: ignore[index]
    assert org.create("PermissionSetLicenseAssign", [{"AssigneeId": joe, "PermissionSetLicenseId": psl}])[0].success
