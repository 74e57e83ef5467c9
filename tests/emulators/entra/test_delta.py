"""Delta query for users and groups (entra-graph.md §4-§6): rounds, tokens that carry $select, changed and removed
objects, members@delta with page splitting, $deltatoken=latest, Prefer: return=minimal, expiry and resets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulators.entra.conftest import Tenant, add_user
from tests.emulators.entra.test_graph_read import CTX, assert_error


def drain(c: httpx.Client, url: str, **kw: Any) -> tuple[list[dict[str, Any]], str, int]:
    """Follow nextLinks to the deltaLink; return (items, deltaLink, pages)."""
    items: list[dict[str, Any]] = []
    pages = 0
    resp = c.get(url, **kw)
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        pages += 1
        items += body["value"]
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return items, body["@odata.deltaLink"], pages
        resp = c.get(body["@odata.nextLink"], headers=kw.get("headers"))


@pytest.mark.parametrize("segment", ["delta", "delta()", "microsoft.graph.delta"])
def test_initial_round_forms_and_select_in_token(tenant: Tenant, segment: str) -> None:
    d = tenant.directory
    ann = add_user(d, "ann", accountEnabled=False)
    with tenant.client() as c:
        resp = c.get(f"/users/{segment}?%24select=displayName,accountEnabled")
        body = resp.json()
    assert body["@odata.context"] == CTX + "users(displayName,accountEnabled)"
    assert body["value"] == [{"displayName": "Ann", "accountEnabled": False, "id": ann["id"]}]
    link = body["@odata.deltaLink"]
    assert link.startswith(tenant.url + "/v1.0/users/delta?$deltatoken=")
    assert "select" not in link.split("$deltatoken=")[0]  # options travel inside the token, never repeated
    with tenant.client() as c:
        d.update_user(ann["id"], {"displayName": "Ann B", "department": "Sales"})
        assert c.get(link).json()["value"] == [{"displayName": "Ann B", "accountEnabled": False, "id": ann["id"]}]


def test_changes_tracked_only_for_selected_properties(tenant: Tenant) -> None:
    d = tenant.directory
    ann = add_user(d, "ann", givenName="Ann", jobTitle="Rep")
    bob = add_user(d, "bob")
    with tenant.client() as c:
        _, link, _ = drain(c, "/users/delta", params={"$select": "givenName,jobTitle,accountEnabled"})
        d.update_user(bob["id"], {"department": "Sales"})  # not selected: must not surface
        d.update_user(ann["id"], {"jobTitle": None})
        items, link2, _ = drain(c, link)
        # the full selected set with current values; the cleared jobTitle carries null (reference §4.2)
        assert items == [{"givenName": "Ann", "jobTitle": None, "accountEnabled": True, "id": ann["id"]}]
        nothing, link3, _ = drain(c, link2)
        assert nothing == []
        d.update_user(ann["id"], {"accountEnabled": False, "givenName": "Anne"})
        minimal = c.get(link3, headers={"Prefer": "return=minimal"})
    body = minimal.json()
    assert body["value"] == [{"accountEnabled": False, "givenName": "Anne", "id": ann["id"]}]


def test_prefer_minimal_shows_cleared_properties_as_null(tenant: Tenant) -> None:
    d = tenant.directory
    ann = add_user(d, "ann", jobTitle="Rep", givenName="Ann")
    with tenant.client() as c:
        _, link, _ = drain(c, "/users/delta", params={"$select": "givenName,jobTitle"})
        d.update_user(ann["id"], {"jobTitle": None})
        body = c.get(link, headers={"Prefer": "return=minimal"}).json()
    assert body["value"] == [{"jobTitle": None, "id": ann["id"]}]


def test_default_tracking_excludes_account_enabled(tenant: Tenant) -> None:
    d = tenant.directory
    ann = add_user(d, "ann")
    with tenant.client() as c:
        items, link, _ = drain(c, "/users/delta")
        assert set(items[0]) == {"businessPhones", "displayName", "userPrincipalName", "id"}
        d.update_user(ann["id"], {"accountEnabled": False})
        assert drain(c, link)[0] == []


def test_soft_and_hard_delete_and_restore(tenant: Tenant) -> None:
    d = tenant.directory
    ann = add_user(d, "ann")
    bob = add_user(d, "bob")
    with tenant.client() as c:
        _, link, _ = drain(c, "/users/delta", params={"$select": "displayName"})
        d.delete_user(ann["id"])
        d.delete_user(bob["id"])
        d.purge(bob["id"])
        items, link, _ = drain(c, link)
        assert sorted(items, key=lambda i: i["@removed"]["reason"]) == [
            {"id": ann["id"], "@removed": {"reason": "changed"}},
            {"id": bob["id"], "@removed": {"reason": "deleted"}},
        ]
        d.restore(ann["id"])
        items, _, _ = drain(c, link)
        assert items == [{"displayName": "Ann", "id": ann["id"]}]
        initial, _, _ = drain(c, "/users/delta", params={"$select": "displayName"})
        assert initial == [{"displayName": "Ann", "id": ann["id"]}]


def test_soft_deleted_user_appears_as_removed_in_initial_round(tenant: Tenant) -> None:
    d = tenant.directory
    ann = add_user(d, "ann")
    d.delete_user(ann["id"])
    with tenant.client() as c:
        items, _, _ = drain(c, "/users/delta")
    assert items == [{"id": ann["id"], "@removed": {"reason": "changed"}}]


def test_paging_and_deltatoken_latest(tenant: Tenant) -> None:
    d = tenant.directory
    tenant.faults.configure(delta_page_size=2)
    for i in range(5):
        add_user(d, f"u{i}")
    with tenant.client() as c:
        first = c.get("/users/delta", params={"$select": "displayName"}).json()
        assert "@odata.nextLink" in first
        assert "$skiptoken=" in first["@odata.nextLink"]
        assert first["@odata.context"] == CTX + "users(displayName)"
        items, _, pages = drain(c, "/users/delta", params={"$select": "displayName"})
        assert pages == 3
        assert len(items) == 5
        latest = c.get("/users/delta", params={"$deltatoken": "latest"}).json()
        assert latest["value"] == []
        assert "@odata.deltaLink" in latest
        new = add_user(d, "fresh")
        items, _, _ = drain(c, latest["@odata.deltaLink"])
        assert [i["id"] for i in items] == [new["id"]]


def test_unsupported_options_on_delta(tenant: Tenant) -> None:
    add_user(tenant.directory, "ann")
    with tenant.client() as c:
        assert_error(c.get("/users/delta", params={"$top": "5"}), 400, "Request_UnsupportedQuery")
        assert_error(c.get("/users/delta", params={"$orderby": "displayName"}), 400, "Request_UnsupportedQuery")
        assert_error(c.get("/users/delta", params={"$filter": "displayName eq 'x'"}), 400, "Request_UnsupportedQuery")
        tenant.faults.configure(delta_page_size=1)
        add_user(tenant.directory, "bob")
        link = c.get("/users/delta").json()["@odata.nextLink"]
        assert_error(c.get(link + "&$select=displayName"), 400, "Request_UnsupportedQuery")


def test_id_filter(tenant: Tenant) -> None:
    d = tenant.directory
    ann, _, cy = add_user(d, "ann"), add_user(d, "bob"), add_user(d, "cy")
    with tenant.client() as c:
        flt = f"id eq '{ann['id']}' or id eq '{cy['id']}'"
        items, _, _ = drain(c, "/users/delta", params={"$filter": flt, "$select": "displayName"})
    assert [i["id"] for i in items] == [ann["id"], cy["id"]]


def test_expired_tampered_and_reset_tokens(tenant: Tenant) -> None:
    d = tenant.directory
    add_user(d, "ann")
    now = [1_800_000_000.0]
    tenant.service.clock = lambda: now[0]
    with tenant.client() as c:
        _, link, _ = drain(c, "/users/delta")
        now[0] += 7 * 24 * 3600 - 10
        _, link, _ = drain(c, link)  # still valid just before 7 days
        now[0] += 7 * 24 * 3600 + 1
        assert_error(c.get(link), 410, "syncStateNotFound")
        _, link, _ = drain(c, "/users/delta")
        token = link.split("$deltatoken=")[1]
        tampered = link.replace(token, token[:10] + ("A" if token[10] != "A" else "B") + token[11:])
        assert_error(c.get(tampered), 410, "syncStateNotFound")
        tenant.faults.configure(sync_reset_storm=1)
        reset = c.get(link)
        assert_error(reset, 410, "resyncRequired")
        assert reset.headers["Location"] == f"{tenant.url}/v1.0/users/delta?$deltatoken="
        assert c.get(link).status_code == 200
        tenant.faults.configure(expired_token_status=400, delta_token_lifetime_seconds=60)
        now[0] += 61
        assert_error(c.get(link), 400, "syncStateNotFound")


def test_user_token_is_refused_on_groups(tenant: Tenant) -> None:
    add_user(tenant.directory, "ann")
    with tenant.client() as c:
        _, link, _ = drain(c, "/users/delta")
        assert_error(c.get(link.replace("/users/", "/groups/")), 410, "syncStateNotFound")


def test_groups_delta_with_members(tenant: Tenant) -> None:
    d = tenant.directory
    ann, bob = add_user(d, "ann"), add_user(d, "bob")
    g = d.create_group(
        {
            "displayName": "Salesforce - Licensed Users",
            "mailEnabled": False,
            "mailNickname": "sf",
            "securityEnabled": True,
            "description": "SF",
        }
    )
    empty = d.create_group({"displayName": "Empty", "mailEnabled": False, "mailNickname": "e", "securityEnabled": True})
    d.add_member(g["id"], ann["id"])
    with tenant.client(roles="GroupMember.Read.All") as c:
        items, link, _ = drain(c, "/groups/delta", params={"$select": "displayName,description,members"})
        by_id = {i["id"]: i for i in items}
        assert by_id[g["id"]] == {
            "displayName": "Salesforce - Licensed Users",
            "description": "SF",
            "id": g["id"],
            "members@delta": [{"@odata.type": "#microsoft.graph.user", "id": ann["id"]}],
        }
        assert "members@delta" not in by_id[empty["id"]]
        d.add_member(g["id"], bob["id"])
        d.remove_member(g["id"], ann["id"])
        items, link, _ = drain(c, link)
        (item,) = items
        assert item["displayName"] == "Salesforce - Licensed Users"
        assert sorted(item["members@delta"], key=lambda m: m["id"] != bob["id"]) == [
            {"@odata.type": "#microsoft.graph.user", "id": bob["id"]},
            {"@odata.type": "#microsoft.graph.user", "id": ann["id"], "@removed": {"reason": "deleted"}},
        ]
        d.delete_user(bob["id"])
        items, link, _ = drain(c, link, headers={"Prefer": "return=minimal"})
        assert items == [
            {
                "id": g["id"],
                "members@delta": [
                    {"@odata.type": "#microsoft.graph.user", "id": bob["id"], "@removed": {"reason": "deleted"}}
                ],
            }
        ]
        d.delete_group(empty["id"])
        items, _, _ = drain(c, link)
        assert items == [{"id": empty["id"], "@removed": {"reason": "deleted"}}]


def test_groups_delta_without_members_selected(tenant: Tenant) -> None:
    d = tenant.directory
    g = d.create_group({"displayName": "G", "mailEnabled": False, "mailNickname": "g", "securityEnabled": True})
    d.add_member(g["id"], add_user(d, "ann")["id"])
    with tenant.client() as c:
        items, link, _ = drain(c, "/groups/delta", params={"$select": "displayName"})
        assert items == [{"displayName": "G", "id": g["id"]}]
        d.add_member(g["id"], add_user(d, "bob")["id"])
        assert drain(c, link)[0] == []
        items, _, _ = drain(c, "/groups/delta", params={"$select": "displayName", "$expand": "members"})
        assert len(items[0]["members@delta"]) == 2


def test_big_group_members_spread_over_pages(tenant: Tenant) -> None:
    d = tenant.directory
    tenant.faults.configure(members_delta_page_size=10, delta_page_size=10)
    g = d.create_group({"displayName": "Big", "mailEnabled": False, "mailNickname": "big", "securityEnabled": True})
    users = [add_user(d, f"u{i}") for i in range(35)]
    for u in users:
        d.add_member(g["id"], u["id"])
    with tenant.client() as c:
        items, _, pages = drain(c, "/groups/delta", params={"$select": "displayName,members"})
    assert pages >= 4
    assert all(i["id"] == g["id"] and i["displayName"] == "Big" for i in items)
    merged = [m["id"] for i in items for m in i.get("members@delta", [])]
    assert merged == [u["id"] for u in users]
    assert max(len(i["members@delta"]) for i in items) <= 10


def test_manager_is_tracked_when_selected(tenant: Tenant) -> None:
    d = tenant.directory
    boss, emp = add_user(d, "boss"), add_user(d, "emp")
    with tenant.client() as c:
        _, link, _ = drain(c, "/users/delta", params={"$select": "displayName,manager"})
        d.set_manager(emp["id"], boss["id"])
        items, _, _ = drain(c, link, headers={"Prefer": "return=minimal"})
    assert items == [{"id": emp["id"], "manager@delta": [{"@odata.type": "#microsoft.graph.user", "id": boss["id"]}]}]


def test_duplicated_objects_within_a_round(tenant: Tenant) -> None:
    d = tenant.directory
    users = [add_user(d, f"u{i}") for i in range(10)]
    tenant.faults.configure(delta_duplicate_rate=0.5)
    with tenant.client() as c:
        items, _, _ = drain(c, "/users/delta", params={"$select": "displayName"})
    assert len(items) > 10
    assert {i["id"] for i in items} == {u["id"] for u in users}


def test_tokens_do_not_survive_a_snapshot(tenant: Tenant) -> None:
    from sfprov.emulators.entra.directory import Directory
    from sfprov.emulators.entra.graph import GraphService

    add_user(tenant.directory, "ann")
    with tenant.client() as c:
        _, link, _ = drain(c, "/users/delta")
    add_user(tenant.directory, "bob")  # a change the restored tenant has no log for
    restored = Directory.from_json(tenant.directory.to_json())
    tenant.service.directory = restored  # same signing secret: only the missing change log can refuse the token
    tenant.service.delta = type(tenant.service.delta)(tenant.service)
    assert isinstance(tenant.service, GraphService)
    with tenant.client() as c:
        assert_error(c.get(link), 410, "syncStateNotFound")


def test_replication_lag_delays_changes_to_a_later_round(tenant: Tenant) -> None:
    now = [1_900_000_000.0]
    d = tenant.directory
    d.clock = lambda: now[0]
    tenant.service.clock = lambda: now[0]
    ann = add_user(d, "ann")
    tenant.faults.configure(replication_lag_seconds=30)
    with tenant.client() as c:
        _, link, _ = drain(c, "/users/delta", params={"$select": "jobTitle"})
        now[0] += 100
        d.update_user(ann["id"], {"jobTitle": "Rep"})
        items, link, _ = drain(c, link)
        assert items == []
        now[0] += 31
        items, _, _ = drain(c, link)
    assert items == [{"jobTitle": "Rep", "id": ann["id"]}]
