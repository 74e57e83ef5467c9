"""appRole ``value`` rules of the Graph emulator (appRole resource page, v1.0): at most 120 characters, only the
documented characters (no space), not starting with ``.``, null allowed; values unique in one application; an
enabled role changed or removed only after a PATCH that disabled it; PATCH needs Application.ReadWrite.All, or
Application.ReadWrite.OwnedBy on an application the caller owns."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from sfprov.emulators.entra.directory import (
    APP_ROLE_VALUE_CHARACTERS,
    DUPLICATE_APP_ROLE_VALUE_MESSAGE,
    ENABLED_ENTITLEMENT_MESSAGE,
    INVALID_APP_ROLE_VALUE_MESSAGE,
    GraphError,
    valid_app_role_value,
)
from tests.emulators.entra.conftest import CLIENT, READ_ROLES, Tenant
from tests.emulators.entra.test_graph_read import assert_error

PROFILE_ID = "00e5g000004OXn7AAG"
OWNED_BY = READ_ROLES + ",Application.ReadWrite.OwnedBy"


def role(n: int, value: str | None, *, name: str = "Standard User", enabled: bool = True) -> dict[str, Any]:
    return {
        "allowedMemberTypes": ["User"],
        "description": "a profile",
        "displayName": name,
        "id": f"8d1b3a8e-0000-4000-8000-{n:012d}",
        "isEnabled": enabled,
        "value": value,
    }


def application(tenant: Tenant, *roles: dict[str, Any], owners: tuple[str, ...] = ()) -> dict[str, Any]:
    return tenant.directory.create_application("Salesforce", app_roles=list(roles), owners=owners)


@pytest.mark.parametrize(
    "value",
    [PROFILE_ID, "a" * 120, "Admin,WAAD", "arn:aws:iam::1:role/R", "x." + "".join(sorted(APP_ROLE_VALUE_CHARACTERS))],
)
def test_documented_values_are_accepted(tenant: Tenant, value: str) -> None:
    app = application(tenant)
    with tenant.client() as c:
        assert c.patch(f"/applications/{app['id']}", json={"appRoles": [role(1, value)]}).status_code == 204
        got = c.get(f"/applications/{app['id']}", params={"$select": "appRoles"}).json()["appRoles"]
    assert got[0]["value"] == value


@pytest.mark.parametrize("value", ["Standard User", "a" * 121, ".hidden", "Zoë", "tab\there", 'quote"d', ""])
def test_values_graph_refuses(tenant: Tenant, value: str) -> None:
    app = application(tenant)
    with tenant.client() as c:
        resp = c.patch(f"/applications/{app['id']}", json={"appRoles": [role(1, value)]})
    assert_error(resp, 400, "Request_BadRequest", INVALID_APP_ROLE_VALUE_MESSAGE)
    assert app["appRoles"] == []


def test_seeding_a_role_value_with_a_space_is_refused_too(tenant: Tenant) -> None:
    with pytest.raises(GraphError) as caught:
        application(tenant, role(1, "Standard User"))
    assert caught.value.code == "Request_BadRequest"


def test_null_values_are_allowed_and_may_repeat(tenant: Tenant) -> None:
    app = application(tenant)
    roles = [role(1, None, name="msiam_access"), role(2, None, name="Standard User")]
    with tenant.client() as c:
        assert c.patch(f"/applications/{app['id']}", json={"appRoles": roles}).status_code == 204
    assert [r["value"] for r in app["appRoles"]] == [None, None]
    assert not valid_app_role_value(None)  # null is a different case from an invalid string


def test_duplicate_values_are_refused(tenant: Tenant) -> None:
    app = application(tenant)
    with tenant.client() as c:
        resp = c.patch(
            f"/applications/{app['id']}",
            json={"appRoles": [role(1, PROFILE_ID), role(2, PROFILE_ID, name="Copy")]},
        )
    assert_error(resp, 400, "DuplicateValue", DUPLICATE_APP_ROLE_VALUE_MESSAGE)


def test_enabled_role_is_disabled_alone_before_it_changes(tenant: Tenant) -> None:
    app = application(tenant, role(1, PROFILE_ID))
    renamed = role(1, PROFILE_ID, name="Standard Employee")
    with tenant.client() as c:
        url = f"/applications/{app['id']}"
        assert_error(
            c.patch(url, json={"appRoles": [renamed]}),
            400,
            "CannotDeleteOrUpdateEnabledEntitlement",
            ENABLED_ENTITLEMENT_MESSAGE,
        )
        disabled_and_renamed = {**renamed, "isEnabled": False}
        assert_error(
            c.patch(url, json={"appRoles": [disabled_and_renamed]}), 400, "CannotDeleteOrUpdateEnabledEntitlement"
        )
        assert c.patch(url, json={"appRoles": [role(1, PROFILE_ID, enabled=False)]}).status_code == 204
        assert c.patch(url, json={"appRoles": [renamed]}).status_code == 204
    assert [(r["displayName"], r["isEnabled"]) for r in app["appRoles"]] == [("Standard Employee", True)]


def test_owned_by_needs_ownership(tenant: Tenant) -> None:
    owner = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{CLIENT}|{OWNED_BY}"))  # the client id conftest registers
    mine = application(tenant, owners=(owner,))
    theirs = application(tenant)
    body = {"appRoles": [role(1, PROFILE_ID)]}
    with tenant.client(roles=OWNED_BY) as c:
        assert c.patch(f"/applications/{mine['id']}", json=body).status_code == 204
        assert_error(c.patch(f"/applications/{theirs['id']}", json=body), 403, "Authorization_RequestDenied")
    with tenant.client(roles=READ_ROLES) as c:
        assert_error(c.patch(f"/applications/{mine['id']}", json=body), 403, "Authorization_RequestDenied")
    tenant.directory.add_application_owner(theirs["id"], owner)
    with tenant.client(roles=OWNED_BY) as c:
        assert c.patch(f"/applications/{theirs['id']}", json=body).status_code == 204
