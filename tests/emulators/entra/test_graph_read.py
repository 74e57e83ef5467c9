"""Graph read API over HTTPS: shapes, default properties, $select/$filter/$top/$count/$orderby/$search, paging,
errors (entra-graph.md §2, §3, §7, §8, §9)."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.emulators.entra.directory import DEFAULT_ACCESS_ROLE_ID
from tests.emulators.entra.conftest import READ_ROLES, Tenant, add_user

CTX = "https://graph.microsoft.com/v1.0/$metadata#"
EVENTUAL = {"ConsistencyLevel": "eventual"}


def assert_error(resp: Any, status: int, code: str, message: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"code", "message", "innerError"}
    assert err["code"] == code
    if message is not None:
        assert err["message"] == message
    assert set(err["innerError"]) >= {"date", "request-id", "client-request-id"}
    return err  # type: ignore[no-any-return]


def test_list_users_default_properties(tenant: Tenant) -> None:
    u = add_user(tenant.directory, "zoe", givenName="Zoë", surname="Ångström", department="R&D", accountEnabled=False)
    with tenant.client() as c:
        resp = c.get("/users")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json;odata.metadata=minimal")
    body = resp.json()
    assert list(body) == ["@odata.context", "value"]
    assert body["@odata.context"] == CTX + "users"
    assert body["value"] == [
        {
            "businessPhones": [],
            "displayName": "Zoe",
            "givenName": "Zoë",
            "jobTitle": None,
            "mail": None,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": None,
            "surname": "Ångström",
            "userPrincipalName": "zoe@contoso.com",
            "id": u["id"],
        }
    ]
    assert "accountEnabled" not in body["value"][0]


def test_select_and_context(tenant: Tenant) -> None:
    add_user(tenant.directory, "ann", accountEnabled=False, onPremisesExtensionAttributes={"extensionAttribute3": "x"})
    with tenant.client() as c:
        resp = c.get("/users", params={"$select": "displayName,accountEnabled,onPremisesExtensionAttributes"})
    body = resp.json()
    assert body["@odata.context"] == CTX + "users(displayName,accountEnabled,onPremisesExtensionAttributes)"
    (item,) = body["value"]
    assert list(item) == ["displayName", "accountEnabled", "onPremisesExtensionAttributes"]
    assert item["accountEnabled"] is False
    assert item["onPremisesExtensionAttributes"]["extensionAttribute3"] == "x"
    assert len(item["onPremisesExtensionAttributes"]) == 15
    assert item["onPremisesExtensionAttributes"]["extensionAttribute15"] is None


def test_kiota_percent_encoded_options(tenant: Tenant) -> None:
    add_user(tenant.directory, "ann")
    with tenant.client() as c:
        resp = c.get("/users?%24select=userPrincipalName&%24top=1")
    assert resp.json()["value"] == [{"userPrincipalName": "ann@contoso.com"}]


def test_unknown_select_property(tenant: Tenant) -> None:
    with tenant.client() as c:
        resp = c.get("/users", params={"$select": "displayName,shoeSize"})
    assert_error(
        resp,
        400,
        "BadRequest",
        "Parsing OData Select and Expand failed: Could not find a property named 'shoeSize' on type "
        "'microsoft.graph.user'.",
    )


def test_get_user_by_id_and_upn_and_guest(tenant: Tenant) -> None:
    d = tenant.directory
    u = add_user(d, "jose", displayName="José Núñez")
    guest = d.add_guest("jane@fabrikam.com", display_name="Jane Doe")
    with tenant.client() as c:
        by_id = c.get(f"/users/{u['id']}").json()
        by_upn = c.get("/users/JOSE@contoso.com", params={"$select": "id,userType"}).json()
        g = c.get(f"/users/{guest['id']}", params={"$select": "userPrincipalName,userType,mail"}).json()
        by_guest_upn = c.get("/users/jane_fabrikam.com%23EXT%23@contoso.onmicrosoft.com").json()
    assert by_guest_upn["id"] == guest["id"]
    assert by_id["@odata.context"] == CTX + "users/$entity"
    assert by_id["displayName"] == "José Núñez"
    assert by_upn == {"@odata.context": CTX + "users(id,userType)/$entity", "id": u["id"], "userType": "Member"}
    assert g["userPrincipalName"] == "jane_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    assert g["userType"] == "Guest"
    assert g["mail"] == "jane@fabrikam.com"


def test_user_not_found(tenant: Tenant) -> None:
    missing = "0d3e6a1c-0000-4000-8000-000000000000"
    with tenant.client() as c:
        resp = c.get(f"/users/{missing}", headers={"client-request-id": "abc-123"})
    err = assert_error(
        resp,
        404,
        "Request_ResourceNotFound",
        f"Resource '{missing}' does not exist or one of its queried reference-property objects are not present.",
    )
    assert err["innerError"]["client-request-id"] == "abc-123"
    assert resp.headers["client-request-id"] == "abc-123"


def test_manager_navigation(tenant: Tenant) -> None:
    d = tenant.directory
    boss = add_user(d, "boss")
    emp = add_user(d, "emp")
    d.set_manager(emp["id"], boss["id"])
    with tenant.client() as c:
        m = c.get(f"/users/{emp['id']}/manager").json()
        expanded = c.get(f"/users/{emp['id']}", params={"$expand": "manager", "$select": "id"}).json()
        none = c.get(f"/users/{boss['id']}/manager")
    assert m["@odata.type"] == "#microsoft.graph.user"
    assert m["id"] == boss["id"]
    assert expanded["manager"]["id"] == boss["id"]
    assert_error(none, 404, "Request_ResourceNotFound")


def test_paging_with_skiptoken_and_top(tenant: Tenant) -> None:
    for i in range(7):
        add_user(tenant.directory, f"user{i}")
    seen: list[str] = []
    with tenant.client() as c:
        resp = c.get("/users", params={"$top": "3", "$select": "userPrincipalName"})
        pages = 0
        while True:
            body = resp.json()
            pages += 1
            seen += [v["userPrincipalName"] for v in body["value"]]
            link = body.get("@odata.nextLink")
            if not link:
                break
            assert list(body)[:3] == ["@odata.context", "@odata.nextLink", "value"]
            assert link.startswith(tenant.url + "/v1.0/users?")
            assert "$skiptoken=" in link
            resp = c.get(link)
    assert pages == 3
    assert seen == [f"user{i}@contoso.com" for i in range(7)]


def test_default_page_size_is_100(tenant: Tenant) -> None:
    for i in range(120):
        add_user(tenant.directory, f"u{i}")
    with tenant.client() as c:
        body = c.get("/users").json()
    assert len(body["value"]) == 100
    assert "@odata.nextLink" in body


def test_tampered_skiptoken_is_refused(tenant: Tenant) -> None:
    for i in range(3):
        add_user(tenant.directory, f"u{i}")
    with tenant.client() as c:
        link = c.get("/users", params={"$top": "1"}).json()["@odata.nextLink"]
        resp = c.get(link.replace("$skiptoken=", "$skiptoken=x"))
    assert_error(resp, 400, "Directory_ExpiredPageToken")


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"$top": "1000"},
            "Request_BadRequest",
            "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
        ),
        ({"$top": "0"}, "Request_BadRequest", "Invalid page size specified: '0'. Must be between 1 and 999 inclusive."),
        ({"$skip": "5"}, "Request_BadRequest", "'$skip' is not supported by the service."),
        (
            {"$filter": "displayName ne 'x'"},
            "Request_UnsupportedQuery",
            "Operator 'ne' is not supported because the required parameters might be missing. Try adding "
            "$count=true query parameter and ConsistencyLevel:eventual header. Refer to "
            "https://aka.ms/graph-docs/advanced-queries for more information",
        ),
        (
            {"$filter": "endsWith(mail,'@contoso.com')"},
            "Request_UnsupportedQuery",
            "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding "
            "$count=true query parameter and ConsistencyLevel:eventual header. Refer to "
            "https://aka.ms/graph-docs/advanced-queries for more information",
        ),
        (
            {"$filter": "endsWith(displayName,'x')", "$count": "true"},
            "Request_UnsupportedQuery",
            "Unsupported or invalid query filter clause specified for property 'displayName' of resource 'User'.",
        ),
        (
            {"$filter": "displayName eq"},
            "BadRequest",
            "Invalid filter clause: Syntax error at position 14 in 'displayName eq'.",
        ),
        (
            {"$filter": "shoeSize eq 3"},
            "BadRequest",
            "Invalid filter clause: Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
        ),
        (
            {"$search": '"displayName:ann"'},
            "Request_UnsupportedQuery",
            "Request with $search query parameter only works through MSGraph with a special request header: "
            "'ConsistencyLevel: eventual'",
        ),
        (
            {"$orderby": "displayName", "$filter": "accountEnabled eq true"},
            "Request_UnsupportedQuery",
            "Sorting not supported for current query.",
        ),
        ({"$orderby": "department"}, "Request_UnsupportedQuery", "Sorting not supported for current query."),
    ],
)
def test_query_errors(tenant: Tenant, params: dict[str, str], code: str, message: str) -> None:
    headers = EVENTUAL if params.get("$count") == "true" else {}
    with tenant.client() as c:
        resp = c.get("/users", params=params, headers=headers)
    assert_error(resp, 400, code, message)


def test_filters_that_work_by_default(tenant: Tenant) -> None:
    d = tenant.directory
    add_user(d, "ann", accountEnabled=False, department="Sales")
    add_user(d, "bob", department="Sales")
    add_user(d, "carl", department="R&D")
    cases = {
        "accountEnabled eq false": ["ann"],
        "department eq 'sales' and accountEnabled eq true": ["bob"],
        "startsWith(userPrincipalName,'C')": ["carl"],
        "userPrincipalName in ('ann@contoso.com', 'carl@contoso.com')": ["ann", "carl"],
        "department eq 'R&D' or displayName eq 'Ann'": ["ann", "carl"],
    }
    with tenant.client() as c:
        for flt, expected in cases.items():
            body = c.get("/users", params={"$filter": flt, "$select": "mailNickname"}).json()
            assert [v["mailNickname"] for v in body["value"]] == expected, flt


def test_advanced_queries_with_count_and_eventual(tenant: Tenant) -> None:
    d = tenant.directory
    add_user(d, "ann", mail="ann@contoso.com", companyName="Contoso")
    add_user(d, "bob", mail="bob@fabrikam.com")
    with tenant.client(**EVENTUAL) as c:
        body = c.get(
            "/users", params={"$filter": "endsWith(mail,'@contoso.com')", "$count": "true", "$select": "mailNickname"}
        ).json()
        assert body["@odata.count"] == 1
        assert list(body) == ["@odata.context", "@odata.count", "value"]
        assert body["value"] == [{"mailNickname": "ann"}]
        body = c.get(
            "/users",
            params={
                "$filter": "companyName ne null and NOT(companyName eq 'Fabrikam')",
                "$count": "true",
                "$select": "mailNickname",
            },
        ).json()
        assert body["value"] == [{"mailNickname": "ann"}]
        body = c.get("/users", params={"$search": '"displayName:bo"', "$select": "mailNickname"}).json()
        assert body["value"] == [{"mailNickname": "bob"}]
        body = c.get("/users", params={"$orderby": "displayName desc", "$select": "mailNickname"}).json()
        assert [v["mailNickname"] for v in body["value"]] == ["bob", "ann"]
        count = c.get("/users/$count")
        assert count.status_code == 200
        assert count.headers["content-type"].startswith("text/plain")
        assert count.text == "2"


def test_count_true_without_header_is_silently_ignored(tenant: Tenant) -> None:
    add_user(tenant.directory, "ann")
    with tenant.client() as c:
        body = c.get("/users", params={"$count": "true"}).json()
        resp = c.get("/users/$count")
    assert "@odata.count" not in body
    assert_error(resp, 400, "Request_BadRequest", "$count is not currently supported.")


def test_unknown_segment_and_method(tenant: Tenant) -> None:
    with tenant.client() as c:
        assert_error(c.get("/widgets"), 400, "BadRequest", "Resource not found for the segment 'widgets'.")
        assert_error(c.put("/users", json={}), 405, "Request_BadRequest")


def test_missing_token_and_missing_permission(tenant: Tenant) -> None:
    with tenant.client() as c:
        resp = c.get("/users", headers={"Authorization": ""})
        assert_error(resp, 401, "InvalidAuthenticationToken", "Access token is empty.")
        assert "WWW-Authenticate" in resp.headers
    with tenant.client(roles="GroupMember.Read.All") as c:
        assert_error(
            c.get("/users"), 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        )
    with tenant.client(roles="Directory.Read.All") as c:
        assert c.get("/users").status_code == 200


def _demo_groups(t: Tenant) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    d = t.directory
    users = [add_user(d, n) for n in ("ann", "bob", "cy")]
    outer = d.create_group(
        {
            "displayName": "Salesforce - Licensed Users",
            "mailEnabled": False,
            "mailNickname": "sf",
            "securityEnabled": True,
        }
    )
    inner = d.create_group(
        {
            "displayName": "Sales EMEA",
            "mailEnabled": True,
            "mailNickname": "emea",
            "securityEnabled": False,
            "groupTypes": ["Unified"],
        }
    )
    d.add_member(outer["id"], users[0]["id"])
    d.add_member(outer["id"], inner["id"])
    d.add_member(inner["id"], users[1]["id"])
    d.add_member(inner["id"], users[0]["id"])
    return outer, inner, users


def test_groups_members_and_transitive(tenant: Tenant) -> None:
    outer, inner, users = _demo_groups(tenant)
    with tenant.client(roles="GroupMember.Read.All") as c:
        groups = c.get("/groups").json()
        g = c.get(f"/groups/{inner['id']}").json()
        members = c.get(f"/groups/{outer['id']}/members").json()
        trans = c.get(f"/groups/{outer['id']}/transitiveMembers").json()
        cast = c.get(
            f"/groups/{outer['id']}/transitiveMembers/microsoft.graph.user", params={"$select": "id,displayName"}
        ).json()
        count = c.get(f"/groups/{outer['id']}/transitiveMembers/microsoft.graph.user/$count", headers=EVENTUAL)
        unified = c.get("/groups", params={"$filter": "groupTypes/any(c:c eq 'Unified')", "$select": "id"}).json()
    assert groups["@odata.context"] == CTX + "groups"
    assert [x["displayName"] for x in groups["value"]] == ["Salesforce - Licensed Users", "Sales EMEA"]
    assert g["groupTypes"] == ["Unified"]
    assert g["mail"] == "emea@contoso.onmicrosoft.com"
    assert g["securityEnabled"] is False
    assert members["@odata.context"] == CTX + "directoryObjects"
    assert [(m["@odata.type"], m["id"]) for m in members["value"]] == [
        ("#microsoft.graph.user", users[0]["id"]),
        ("#microsoft.graph.group", inner["id"]),
    ]
    assert members["value"][0]["userPrincipalName"] == "ann@contoso.com"
    assert {m["id"] for m in trans["value"]} == {users[0]["id"], users[1]["id"], inner["id"]}
    assert cast["@odata.context"] == CTX + "users(id,displayName)"
    assert sorted(m["id"] for m in cast["value"]) == sorted([users[0]["id"], users[1]["id"]])
    assert count.text == "2"
    assert unified["value"] == [{"id": inner["id"]}]


def test_group_not_found(tenant: Tenant) -> None:
    gid = "5b7e2f7e-0000-4000-8000-00000000dead"
    with tenant.client() as c:
        assert_error(c.get(f"/groups/{gid}/members"), 404, "Request_ResourceNotFound")


def _sf_app(t: Tenant) -> tuple[dict[str, Any], dict[str, Any], str]:
    d = t.directory
    role_id = "8d1b3a8e-0000-4000-8000-00000000a001"
    app = d.create_application(
        "Salesforce",
        app_id="c5d4c7b8-0000-4000-8000-000000005f01",
        app_roles=[
            {
                "allowedMemberTypes": ["User"],
                "description": "Standard User",
                "displayName": "Standard User",
                "id": role_id,
                "isEnabled": True,
                "value": "StandardUser",
            }
        ],
    )
    sp = d.create_service_principal(app["appId"])
    return app, sp, role_id


def test_service_principal_and_assignments(tenant: Tenant) -> None:
    app, sp, role_id = _sf_app(tenant)
    d = tenant.directory
    ann = add_user(d, "ann")
    group = d.create_group({"displayName": "SF", "mailEnabled": False, "mailNickname": "sf", "securityEnabled": True})
    a1 = d.assign_app_role(ann["id"], sp["id"], role_id)
    a2 = d.assign_app_role(group["id"], sp["id"], DEFAULT_ACCESS_ROLE_ID)
    with tenant.client(roles=READ_ROLES + ",Directory.Read.All") as c:
        found = c.get("/servicePrincipals", params={"$filter": f"appId eq '{app['appId']}'"}).json()
        by_app = c.get(f"/servicePrincipals(appId='{app['appId']}')").json()
        assigned = c.get(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo").json()
        mine = c.get(f"/users/{ann['id']}/appRoleAssignments").json()
        application = c.get(f"/applications/{app['id']}").json()
    assert found["@odata.context"] == CTX + "servicePrincipals"
    (item,) = found["value"]
    assert item["id"] == sp["id"]
    assert item["appRoleAssignmentRequired"] is True
    assert item["appRoles"] == [
        {
            "allowedMemberTypes": ["User"],
            "description": "Standard User",
            "displayName": "Standard User",
            "id": role_id,
            "isEnabled": True,
            "origin": "Application",
            "value": "StandardUser",
        }
    ]
    assert by_app["@odata.context"] == CTX + "servicePrincipals/$entity"
    assert assigned["@odata.context"] == CTX + f"servicePrincipals('{sp['id']}')/appRoleAssignedTo"
    assert [a["id"] for a in assigned["value"]] == [a1["id"], a2["id"]]
    first = assigned["value"][0]
    assert set(first) == {
        "id",
        "deletedDateTime",
        "appRoleId",
        "createdDateTime",
        "principalDisplayName",
        "principalId",
        "principalType",
        "resourceDisplayName",
        "resourceId",
    }
    assert len(first["id"]) == 43
    assert first["createdDateTime"].endswith(".0000000Z")
    assert first["principalType"] == "User"
    assert assigned["value"][1]["principalType"] == "Group"
    assert assigned["value"][1]["appRoleId"] == DEFAULT_ACCESS_ROLE_ID
    assert mine["@odata.context"] == CTX + f"users('{ann['id']}')/appRoleAssignments"
    assert [a["id"] for a in mine["value"]] == [a1["id"]]
    assert application["appRoles"][0]["id"] == role_id


def test_assignment_listing_permissions(tenant: Tenant) -> None:
    _, sp, _ = _sf_app(tenant)
    ann = add_user(tenant.directory, "ann")
    with tenant.client(roles="User.Read.All") as c:
        assert_error(c.get("/servicePrincipals"), 403, "Authorization_RequestDenied")
        assert_error(c.get(f"/users/{ann['id']}/appRoleAssignments"), 403, "Authorization_RequestDenied")
    with tenant.client(roles="AppRoleAssignment.ReadWrite.All") as c:
        assert_error(c.get(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo"), 403, "Authorization_RequestDenied")
        assert c.get(f"/users/{ann['id']}/appRoleAssignments").status_code == 200
    with tenant.client(roles="Directory.Read.All") as c:
        assert c.get(f"/users/{ann['id']}/appRoleAssignments").status_code == 200
        created = c.get(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo").json()["value"]
    assert created == []


def test_expand_members_on_groups_is_capped_at_20(tenant: Tenant) -> None:
    d = tenant.directory
    g = d.create_group({"displayName": "G", "mailEnabled": False, "mailNickname": "g", "securityEnabled": True})
    for i in range(25):
        d.add_member(g["id"], add_user(d, f"m{i}")["id"])
    with tenant.client() as c:
        body = c.get(f"/groups/{g['id']}", params={"$expand": "members", "$select": "id,displayName"}).json()
        bad = c.get(f"/groups/{g['id']}", params={"$expand": "owners2"})
    assert set(body) == {"@odata.context", "id", "displayName", "members"}
    assert len(body["members"]) == 20
    assert body["members"][0]["@odata.type"] == "#microsoft.graph.user"
    assert_error(bad, 400, "BadRequest")
