"""Graph write API as an admin script drives a tenant: users, deleted items, members, app role assignments,
application appRoles, with the permissions and validation errors Graph gives (entra-graph.md; Graph API pages)."""

from __future__ import annotations

from typing import Any

from sfprov.emulators.entra.directory import DEFAULT_ACCESS_ROLE_ID
from tests.emulators.entra.conftest import READ_ROLES, Tenant, add_user
from tests.emulators.entra.test_graph_read import CTX, _sf_app, assert_error

NEW_USER = {
    "accountEnabled": True,
    "displayName": "Zoë Ångström",
    "mailNickname": "zoe",
    "userPrincipalName": "zoe@contoso.com",
    "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": "Initial-Pass-123"},
    "department": "Sales",
}


def test_create_update_and_read_back(tenant: Tenant) -> None:
    with tenant.client() as c:
        created = c.post("/users", json=NEW_USER)
        assert created.status_code == 201
        body = created.json()
        assert body["@odata.context"] == CTX + "users/$entity"
        assert body["displayName"] == "Zoë Ångström"
        assert "passwordProfile" not in body
        uid = body["id"]
        patched = c.patch(f"/users/{uid}", json={"accountEnabled": False, "jobTitle": "Rep", "department": None})
        assert patched.status_code == 204
        assert patched.content == b""
        got = c.get(f"/users/{uid}", params={"$select": "accountEnabled,jobTitle,department,createdDateTime"}).json()
    assert got["accountEnabled"] is False
    assert got["jobTitle"] == "Rep"
    assert got["department"] is None
    assert got["createdDateTime"].endswith("Z")


def test_create_validation_errors(tenant: Tenant) -> None:
    add_user(tenant.directory, "zoe")
    with tenant.client() as c:
        assert_error(
            c.post("/users", json=NEW_USER),
            400,
            "Request_BadRequest",
            "Another object with the same value for property userPrincipalName already exists.",
        )
        other = {**NEW_USER, "userPrincipalName": "x@elsewhere.com"}
        assert_error(
            c.post("/users", json=other),
            400,
            "Request_BadRequest",
            "The domain portion of the userPrincipalName property is invalid. You must use one of the "
            "verified domain names in your organization.",
        )
        missing = {k: v for k, v in NEW_USER.items() if k != "mailNickname"} | {"userPrincipalName": "n@contoso.com"}
        assert_error(
            c.post("/users", json=missing),
            400,
            "Request_BadRequest",
            "Invalid value specified for property 'mailNickname' of resource 'User'.",
        )
        assert_error(
            c.post("/users", content=b"", headers={"Content-Type": "application/json"}),
            400,
            "Request_BadRequest",
            "Empty Payload. JSON content expected.",
        )


def test_upn_rename_collides(tenant: Tenant) -> None:
    add_user(tenant.directory, "ann")
    bob = add_user(tenant.directory, "bob")
    with tenant.client() as c:
        resp = c.patch(f"/users/{bob['id']}", json={"userPrincipalName": "ANN@contoso.com"})
    assert_error(
        resp,
        400,
        "Request_BadRequest",
        "Another object with the same value for property userPrincipalName already exists.",
    )


def test_writes_need_readwrite_permission(tenant: Tenant) -> None:
    ann = add_user(tenant.directory, "ann")
    with tenant.client(roles=READ_ROLES) as c:
        assert_error(
            c.post("/users", json=NEW_USER),
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
        assert_error(c.patch(f"/users/{ann['id']}", json={"jobTitle": "x"}), 403, "Authorization_RequestDenied")
        assert_error(c.delete(f"/users/{ann['id']}"), 403, "Authorization_RequestDenied")


def test_soft_delete_restore_and_purge(tenant: Tenant) -> None:
    d = tenant.directory
    ann = add_user(d, "ann")
    group = d.create_group({"displayName": "G", "mailEnabled": False, "mailNickname": "g", "securityEnabled": True})
    d.add_member(group["id"], ann["id"])
    with tenant.client() as c:
        assert c.delete(f"/users/{ann['id']}").status_code == 204
        assert_error(c.get(f"/users/{ann['id']}"), 404, "Request_ResourceNotFound")
        deleted = c.get("/directory/deletedItems/microsoft.graph.user").json()
        assert deleted["@odata.context"] == CTX + "directory/deletedItems/microsoft.graph.user"
        assert [u["id"] for u in deleted["value"]] == [ann["id"]]
        assert deleted["value"][0]["deletedDateTime"].endswith("Z")
        assert c.get(f"/groups/{group['id']}/members").json()["value"] == []
        restored = c.post(f"/directory/deletedItems/{ann['id']}/restore")
        assert restored.status_code == 200
        assert restored.json()["id"] == ann["id"]
        assert [m["id"] for m in c.get(f"/groups/{group['id']}/members").json()["value"]] == [ann["id"]]
        assert c.delete(f"/users/{ann['id']}").status_code == 204
        assert c.delete(f"/directory/deletedItems/{ann['id']}").status_code == 204
        assert c.get("/directory/deletedItems/microsoft.graph.user").json()["value"] == []
        assert_error(c.post(f"/directory/deletedItems/{ann['id']}/restore"), 404, "Request_ResourceNotFound")


def test_group_membership_refs(tenant: Tenant) -> None:
    d = tenant.directory
    ann = add_user(d, "ann")
    group = d.create_group({"displayName": "G", "mailEnabled": False, "mailNickname": "g", "securityEnabled": True})
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{ann['id']}"}
    with tenant.client(roles="GroupMember.ReadWrite.All") as c:
        assert c.post(f"/groups/{group['id']}/members/$ref", json=ref).status_code == 204
        assert_error(
            c.post(f"/groups/{group['id']}/members/$ref", json=ref),
            400,
            "Request_BadRequest",
            "One or more added object references already exist for the following modified properties: 'members'.",
        )
        assert [m["id"] for m in c.get(f"/groups/{group['id']}/members").json()["value"]] == [ann["id"]]
        assert c.delete(f"/groups/{group['id']}/members/{ann['id']}/$ref").status_code == 204
        assert_error(c.delete(f"/groups/{group['id']}/members/{ann['id']}/$ref"), 404, "Request_ResourceNotFound")
    with tenant.client(roles="GroupMember.Read.All") as c:
        assert_error(c.post(f"/groups/{group['id']}/members/$ref", json=ref), 403, "Authorization_RequestDenied")


def test_app_role_assignments_crud(tenant: Tenant) -> None:
    app, sp, role_id = _sf_app(tenant)
    d = tenant.directory
    ann = add_user(d, "ann")
    group = d.create_group({"displayName": "G", "mailEnabled": False, "mailNickname": "g", "securityEnabled": True})
    with tenant.client() as c:
        created = c.post(
            f"/servicePrincipals/{sp['id']}/appRoleAssignedTo",
            json={"principalId": ann["id"], "resourceId": sp["id"], "appRoleId": role_id},
        )
        assert created.status_code == 201
        a = created.json()
        assert a["@odata.context"] == CTX + f"servicePrincipals('{sp['id']}')/appRoleAssignedTo/$entity"
        assert a["principalDisplayName"] == "Ann"
        assert a["resourceDisplayName"] == "Salesforce"
        dup = c.post(
            f"/users/{ann['id']}/appRoleAssignments",
            json={"principalId": ann["id"], "resourceId": sp["id"], "appRoleId": role_id},
        )
        assert_error(dup, 400, "Request_BadRequest", "Permission being assigned already exists on the object")
        bad_role = c.post(
            f"/groups/{group['id']}/appRoleAssignments",
            json={
                "principalId": group["id"],
                "resourceId": sp["id"],
                "appRoleId": "99999999-0000-4000-8000-000000000000",
            },
        )
        assert_error(
            bad_role,
            400,
            "Request_BadRequest",
            f"Permission being assigned was not found on application '{app['appId']}'.",
        )
        g = c.post(
            f"/groups/{group['id']}/appRoleAssignments",
            json={"principalId": group["id"], "resourceId": sp["id"], "appRoleId": DEFAULT_ACCESS_ROLE_ID},
        )
        assert g.status_code == 201
        assert g.json()["principalType"] == "Group"
        listed = c.get(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo").json()["value"]
        assert {x["id"] for x in listed} == {a["id"], g.json()["id"]}
        assert c.delete(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo/{a['id']}").status_code == 204
        assert c.delete(f"/groups/{group['id']}/appRoleAssignments/{g.json()['id']}").status_code == 204
        assert_error(c.delete(f"/users/{ann['id']}/appRoleAssignments/{a['id']}"), 404, "Request_ResourceNotFound")
        assert c.get(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo").json()["value"] == []
    with tenant.client(roles=READ_ROLES) as c:
        resp = c.post(
            f"/servicePrincipals/{sp['id']}/appRoleAssignedTo",
            json={"principalId": ann["id"], "resourceId": sp["id"], "appRoleId": role_id},
        )
        assert_error(resp, 403, "Authorization_RequestDenied")


def _role(role_id: str, name: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "allowedMemberTypes": ["User"],
        "description": name,
        "displayName": name,
        "id": role_id,
        "isEnabled": enabled,
        "value": name.replace(" ", ""),  # Graph refuses a space in a role value (appRole resource page)
    }


def test_patch_application_app_roles(tenant: Tenant) -> None:
    app, sp, role_id = _sf_app(tenant)
    new_id = "8d1b3a8e-0000-4000-8000-00000000a002"
    roles = [_role(role_id, "Standard User"), _role(new_id, "Chatter Free User")]
    with tenant.client() as c:
        assert c.patch(f"/applications/{app['id']}", json={"appRoles": roles}).status_code == 204
        sp_roles = c.get(f"/servicePrincipals/{sp['id']}", params={"$select": "appRoles"}).json()["appRoles"]
        assert [r["displayName"] for r in sp_roles] == ["Standard User", "Chatter Free User"]
        removed = c.patch(f"/applications/{app['id']}", json={"appRoles": roles[1:]})
        assert_error(removed, 400, "CannotDeleteOrUpdateEnabledEntitlement")
        disabled = [_role(role_id, "Standard User", enabled=False), roles[1]]
        assert c.patch(f"/applications/{app['id']}", json={"appRoles": disabled}).status_code == 204
        assert c.patch(f"/applications/{app['id']}", json={"appRoles": roles[1:]}).status_code == 204
    with tenant.client(roles="Application.ReadWrite.OwnedBy") as c:
        assert_error(
            c.patch(f"/applications/{app['id']}", json={"appRoles": roles[1:]}), 403, "Authorization_RequestDenied"
        )


def test_unknown_and_read_only_properties(tenant: Tenant) -> None:
    ann = add_user(tenant.directory, "ann")
    with tenant.client() as c:
        assert_error(
            c.patch(f"/users/{ann['id']}", json={"shoeSize": 44}),
            400,
            "Request_BadRequest",
            "Property 'shoeSize' does not exist as a declared property or extension property.",
        )
        assert_error(
            c.patch(f"/users/{ann['id']}", json={"createdDateTime": "2020-01-01T00:00:00Z"}),
            400,
            "Request_BadRequest",
            "Property 'createdDateTime' is read-only and cannot be set.",
        )
        assert_error(
            c.patch(f"/users/{ann['id']}", json={"accountEnabled": "no"}),
            400,
            "Request_BadRequest",
            "Invalid value specified for property 'accountEnabled' of resource 'User'.",
        )


def test_manager_reference_and_group_lifecycle(tenant: Tenant) -> None:
    d = tenant.directory
    boss, emp = add_user(d, "boss"), add_user(d, "emp")
    with tenant.client() as c:
        ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/users/{boss['id']}"}
        assert c.put(f"/users/{emp['id']}/manager/$ref", json=ref).status_code == 204
        assert c.get(f"/users/{emp['id']}/manager").json()["id"] == boss["id"]
        assert c.delete(f"/users/{emp['id']}/manager/$ref").status_code == 204
        assert_error(c.delete(f"/users/{emp['id']}/manager/$ref"), 404, "Request_ResourceNotFound")
        created = c.post(
            "/groups",
            json={"displayName": "Team", "mailEnabled": False, "mailNickname": "team", "securityEnabled": True},
        )
        assert created.status_code == 201
        gid = created.json()["id"]
        assert created.json()["@odata.context"] == CTX + "groups/$entity"
        assert c.patch(f"/groups/{gid}", json={"description": "The team"}).status_code == 204
        assert c.get(f"/groups/{gid}").json()["description"] == "The team"
        assert_error(
            c.patch(f"/groups/{gid}", json={"id": "x"}),
            400,
            "Request_BadRequest",
            "Property 'id' is read-only and cannot be set.",
        )
        assert c.delete(f"/groups/{gid}").status_code == 204
        assert_error(c.get(f"/groups/{gid}"), 404, "Request_ResourceNotFound")
