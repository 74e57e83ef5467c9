"""Licence counting (reference §5.3, §4.1-§4.3): active users per UserLicense; deactivation frees a seat, a freeze
does not; create, reactivation and a profile change to another licence may fail with LICENSE_LIMIT_EXCEEDED."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sfprov.emulators.salesforce.seed import seed_standard_setup, user_values
from sfprov.emulators.salesforce.store import EmulatorState, Org


@pytest.fixture
def org() -> Org:
    org = EmulatorState().create_org("Acme", my_domain="acme")
    seed_standard_setup(org, salesforce=3, platform=1, chatter_free=2, integration=1)
    return org


@pytest.fixture
def admin(org: Org) -> str:
    return org.add_user(
        user_values("admin@acme.com", "Ada", "Admin", "admin@acme.com", org.profile_id("System Administrator"))
    )


def body(org: Org, n: int, profile: str = "Standard User", **extra: Any) -> dict[str, Any]:
    return user_values(f"u{n}@acme.com", "U", f"User{n}", f"u{n}@acme.com", org.profile_id(profile), **extra)


def used(org: Org, licence: str = "Salesforce") -> int:
    return org.licence_usage()[licence][0]


def assert_limit(result: Any) -> None:
    assert not result.success
    error = result.errors[0]
    assert (error.status, error.error_code, error.message, error.fields) == (
        400,
        "LICENSE_LIMIT_EXCEEDED",
        "License Limit Exceeded",
        [],
    )


def test_create_counts_active_users_and_refuses_when_full(org: Org, admin: str) -> None:
    results = org.create("User", [body(org, 1), body(org, 2), body(org, 3)], running_user_id=admin)
    assert [r.success for r in results] == [True, True, False]
    assert_limit(results[2])
    assert used(org) == 3
    row = org.tables["UserLicense"].first("Name", "Salesforce")
    assert row is not None
    assert (row["UsedLicenses"], row["TotalLicenses"]) == (3, 3)


def test_inactive_users_need_no_seat(org: Org, admin: str) -> None:
    org.create("User", [body(org, 1), body(org, 2)], running_user_id=admin)
    assert org.create("User", [body(org, 3, IsActive=False)], running_user_id=admin)[0].success
    assert used(org) == 3


def test_deactivation_frees_and_reactivation_takes_a_seat(org: Org, admin: str) -> None:
    one, two = (r.id for r in org.create("User", [body(org, 1), body(org, 2)], running_user_id=admin))
    assert org.update("User", [{"Id": one, "IsActive": False}], running_user_id=admin)[0].success
    assert used(org) == 2
    three = org.create("User", [body(org, 3)], running_user_id=admin)[0].id
    assert three is not None
    assert_limit(org.update("User", [{"Id": one, "IsActive": True}], running_user_id=admin)[0])
    assert org.get_by_id("User", one)["IsActive"] is False  # type: ignore[index]
    org.update("User", [{"Id": two, "IsActive": False}], running_user_id=admin)
    assert org.update("User", [{"Id": one, "IsActive": True}], running_user_id=admin)[0].success
    assert used(org) == 3


def test_a_frozen_user_keeps_its_seat(org: Org, admin: str) -> None:
    one, _two = (r.id for r in org.create("User", [body(org, 1), body(org, 2)], running_user_id=admin))
    assert one is not None
    login = org.user_login(one)
    assert login is not None
    assert org.update("UserLogin", [{"Id": login["Id"], "IsFrozen": True}], running_user_id=admin)[0].success
    assert org.is_frozen(one)
    assert used(org) == 3
    assert_limit(org.create("User", [body(org, 3)], running_user_id=admin)[0])


def test_profile_change_to_another_licence(org: Org, admin: str) -> None:
    org.create("User", [body(org, 1), body(org, 2)], running_user_id=admin)
    chatter = [r.id for r in org.create("User", [body(org, 3, "Chatter Free User"), body(org, 4, "Chatter Free User")])]
    assert used(org, "Chatter Free") == 2
    # full -> chatter free: no chatter seat left
    one = org.user_by_username("u1@acme.com")
    assert one is not None
    assert_limit(
        org.update(
            "User", [{"Id": one["Id"], "ProfileId": org.profile_id("Chatter Free User")}], running_user_id=admin
        )[0]
    )
    # chatter -> full: no full seat left either
    assert_limit(
        org.update("User", [{"Id": chatter[0], "ProfileId": org.profile_id("Read Only")}], running_user_id=admin)[0]
    )
    # a profile of the same licence needs no new seat
    assert org.update("User", [{"Id": one["Id"], "ProfileId": org.profile_id("Read Only")}], running_user_id=admin)[
        0
    ].success
    # deactivate a full user, then the chatter user can move over and frees its chatter seat
    org.update("User", [{"Id": one["Id"], "IsActive": False}], running_user_id=admin)
    assert org.update("User", [{"Id": chatter[0], "ProfileId": org.profile_id("Read Only")}], running_user_id=admin)[
        0
    ].success
    assert (used(org), used(org, "Chatter Free")) == (3, 1)
    row = org.get_by_id("User", chatter[0])  # type: ignore[arg-type]
    assert row is not None
    assert row["UserType"] == "Standard"


def test_profile_change_while_inactive_takes_no_seat(org: Org, admin: str) -> None:
    org.create("User", [body(org, 1), body(org, 2)], running_user_id=admin)
    idle = org.create("User", [body(org, 3, "Chatter Free User", IsActive=False)])[0].id
    assert org.update("User", [{"Id": idle, "ProfileId": org.profile_id("Standard User")}], running_user_id=admin)[
        0
    ].success
    assert used(org) == 3


def test_over_allocated_org_cannot_reuse_a_freed_seat(org: Org, admin: str) -> None:
    one, _two = (r.id for r in org.create("User", [body(org, 1), body(org, 2)], running_user_id=admin))
    org.set_licence_total(org.licence_id("Salesforce"), 1)  # contract reduction: 3 used, 1 purchased
    org.update("User", [{"Id": one, "IsActive": False}], running_user_id=admin)
    assert used(org) == 2
    assert_limit(org.create("User", [body(org, 3)], running_user_id=admin)[0])


def test_failed_records_and_rollbacks_leave_the_count_unchanged(org: Org, admin: str) -> None:
    results = org.create(
        "User", [body(org, 1), body(org, 2, Alias="waytoolongalias")], running_user_id=admin, all_or_none=True
    )
    assert [r.success for r in results] == [False, False]
    assert used(org) == 1
    assert org.tables["UserLicense"].first("Name", "Salesforce")["UsedLicenses"] == 1  # type: ignore[index]


def test_feature_licences_are_counted_on_active_users(org: Org, admin: str) -> None:
    org.set_feature_licences("UserPermissionsMarketingUser", 1)
    one = org.create("User", [body(org, 1, UserPermissionsMarketingUser=True)], running_user_id=admin)[0]
    assert one.success
    assert_limit(org.create("User", [body(org, 2, UserPermissionsMarketingUser=True)], running_user_id=admin)[0])
    two = org.create("User", [body(org, 2)], running_user_id=admin)[0].id
    assert_limit(org.update("User", [{"Id": two, "UserPermissionsMarketingUser": True}], running_user_id=admin)[0])
    # unlimited features are never refused
    assert org.update("User", [{"Id": two, "UserPermissionsOfflineUser": True}], running_user_id=admin)[0].success
    org.update("User", [{"Id": one.id, "IsActive": False}], running_user_id=admin)
    assert org.update("User", [{"Id": two, "UserPermissionsMarketingUser": True}], running_user_id=admin)[0].success
    assert_limit(org.update("User", [{"Id": one.id, "IsActive": True}], running_user_id=admin)[0])
    assert org.feature_licences.used["UserPermissionsMarketingUser"] == 1


def test_shared_journal_writes_still_update_licence_rows(org: Org, admin: str) -> None:
    """Part C drives the dml handlers directly with one journal across Composite chunks."""
    from sfprov.emulators.salesforce import dml
    from sfprov.emulators.salesforce.store import Journal

    journal = Journal()
    dml.create_user(org, body(org, 1), admin, journal)
    row = org.get_by_id("UserLicense", org.licence_id("Salesforce"))
    assert row is not None
    assert row["UsedLicenses"] == 2
    journal.rollback_to(0)
    assert [r["UsedLicenses"] for r in org.lookup("UserLicense", "Name", ["Salesforce"]) or []] == [1]


def recount(org: Org) -> dict[str, int]:
    """Seats recounted from the rows: active users per licence of their profile."""
    counts: dict[str, int] = {}
    for user in org.scan("User"):
        if user["IsActive"]:
            licence = org.licence_of_profile(user["ProfileId"])
            assert licence is not None
            counts[licence] = counts.get(licence, 0) + 1
    return counts


PROFILES = ("Standard User", "Chatter Free User", "Read Only", "Standard Platform User")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["create", "deactivate", "activate", "profile", "freeze", "batch"]),
            st.integers(min_value=0, max_value=7),
            st.sampled_from(PROFILES),
            st.booleans(),
        ),
        max_size=25,
    )
)
def test_incremental_counts_always_match_a_recount(steps: list[tuple[str, int, str, bool]]) -> None:
    org = EmulatorState().create_org("Acme", my_domain="acme")
    seed_standard_setup(org, salesforce=4, platform=2, chatter_free=3, integration=1)
    admin = org.add_user(
        user_values("admin@acme.com", None, "Admin", "admin@acme.com", org.profile_id("System Administrator"))
    )
    made: list[str] = []
    for op, n, profile, flag in steps:
        target = made[n % len(made)] if made else None
        if op == "create":
            result = org.create("User", [body(org, len(made) + 10, profile, IsActive=flag)], running_user_id=admin)[0]
            if result.success and result.id:
                made.append(result.id)
        elif op == "batch":
            records = [body(org, len(made) + 100 + i, profile) for i in range(3)]
            if flag:
                records[1]["Alias"] = "far too long"
            for result in org.create("User", records, running_user_id=admin, all_or_none=flag):
                if result.success and result.id:
                    made.append(result.id)
        elif target is None:
            continue
        elif op in ("deactivate", "activate"):
            org.update("User", [{"Id": target, "IsActive": op == "activate"}], running_user_id=admin)
        elif op == "profile":
            org.update("User", [{"Id": target, "ProfileId": org.profile_id(profile)}], running_user_id=admin)
        else:
            login = org.user_login(target)
            assert login is not None
            org.update("UserLogin", [{"Id": login["Id"], "IsFrozen": flag}], running_user_id=admin)
        expected = recount(org)
        for licence_id, total in org.licences.total.items():
            used_now = org.licences.used.get(licence_id, 0)
            assert used_now == expected.get(licence_id, 0)
            assert used_now <= total
            row = org.get_by_id("UserLicense", licence_id)
            assert row is not None
            assert row["UsedLicenses"] == used_now
