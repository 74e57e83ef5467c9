"""JSON batching (entra-graph.md §11) and configurable faults: throttling, 5xx, latency, counters (§10)."""

from __future__ import annotations

import time

import pytest

from sfprov.emulators.entra.faults import FaultConfig
from tests.emulators.entra.conftest import Tenant, add_user
from tests.emulators.entra.test_graph_read import assert_error


def test_batch_sequential_with_depends_on(tenant: Tenant) -> None:
    ann = add_user(tenant.directory, "ann")
    batch = {
        "requests": [
            {"id": "1", "method": "GET", "url": f"/users/{ann['id']}?$select=displayName"},
            {
                "id": "2",
                "method": "PATCH",
                "url": f"/users/{ann['id']}",
                "dependsOn": ["1"],
                "headers": {"Content-Type": "application/json"},
                "body": {"jobTitle": "Rep"},
            },
            {"id": "3", "method": "GET", "url": "/users/00000000-0000-4000-8000-00000000dead"},
            {"id": "4", "method": "GET", "url": "/users", "dependsOn": ["3"]},
            {"id": "5", "method": "GET", "url": "/users/$count", "headers": {"ConsistencyLevel": "eventual"}},
        ]
    }
    with tenant.client() as c:
        resp = c.post("/$batch", json=batch)
    assert resp.status_code == 200
    by_id = {r["id"]: r for r in resp.json()["responses"]}
    assert set(by_id) == {"1", "2", "3", "4", "5"}
    assert by_id["1"]["status"] == 200
    assert by_id["1"]["body"]["displayName"] == "Ann"
    assert set(by_id["1"]) == {"id", "status", "headers", "body"}
    assert by_id["2"]["status"] == 204
    assert "body" not in by_id["2"]
    assert by_id["3"]["status"] == 404
    assert by_id["3"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert by_id["4"]["status"] == 424
    assert by_id["5"]["body"] == "1"
    assert tenant.directory.users[ann["id"]]["jobTitle"] == "Rep"


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (
            {"requests": [{"id": str(i), "method": "GET", "url": "/users"} for i in range(21)]},
            "Number of requests exceeds the limit of 20.",
        ),
        (
            {
                "requests": [
                    {"id": "a", "method": "GET", "url": "/users"},
                    {"id": "A", "method": "GET", "url": "/users"},
                ]
            },
            "Request Id must be unique. Duplicated Id found.",
        ),
        ({"nope": []}, "Invalid batch payload format."),
        (
            {"requests": [{"id": "1", "method": "POST", "url": "/users", "body": {}}]},
            "Content-Type header is required when a body is present.",
        ),
    ],
)
def test_malformed_batches_fail_whole(tenant: Tenant, batch: dict[str, object], message: str) -> None:
    with tenant.client() as c:
        assert_error(c.post("/$batch", json=batch), 400, "BadRequest", message)


def test_batch_sub_requests_are_throttled_and_counted_individually(tenant: Tenant) -> None:
    add_user(tenant.directory, "ann")
    tenant.faults.configure(throttle_requests=2, throttle_window_seconds=60, retry_after="2.128")
    batch = {"requests": [{"id": str(i), "method": "GET", "url": "/users"} for i in range(4)]}
    with tenant.client() as c:
        resp = c.post("/$batch", json=batch)
    statuses = [r["status"] for r in resp.json()["responses"]]
    assert resp.status_code == 200
    assert statuses == [200, 200, 429, 429]
    throttled = resp.json()["responses"][2]
    assert throttled["headers"]["Retry-After"] == "2.128"
    assert throttled["body"]["error"]["code"] == "TooManyRequests"
    counters = tenant.faults.counters()
    assert counters["calls"]["GET /users"] == 4
    assert counters["throttled"]["GET /users"] == 2


def test_throttle_storm_shape(tenant: Tenant) -> None:
    tenant.faults.configure(throttle_storm=2)
    with tenant.client() as c:
        first = c.get("/users")
        err = assert_error(first, 429, "TooManyRequests", "Please retry again later.")
        assert err["innerError"]["code"] == "429"
        assert err["innerError"]["status"] == "429"
        assert err["innerError"]["message"] == "Please retry after"
        assert first.headers["Retry-After"] == "1"
        assert first.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded"
        assert first.headers["x-ms-throttle-scope"].startswith("Tenant_Application/ReadWrite/")
        assert c.get("/users").status_code == 429
        assert c.get("/users").status_code == 200


def test_throttle_without_retry_after_and_per_app(tenant: Tenant) -> None:
    tenant.faults.configure(throttle_requests=1, throttle_window_seconds=60, retry_after=None)
    with tenant.client(app_id="app-a") as a, tenant.client(app_id="app-b") as b:
        assert a.get("/users").status_code == 200
        limited = a.get("/users")
        assert limited.status_code == 429
        assert "Retry-After" not in limited.headers
        assert b.get("/users").status_code == 200


def test_5xx_rate_is_seeded_and_storms(tenant: Tenant) -> None:
    tenant.faults.configure(error_storm=1, error_statuses=[503])
    with tenant.client() as c:
        resp = c.get("/users")
        assert_error(resp, 503, "serviceNotAvailable")
        assert resp.headers["Retry-After"] == "1"
        tenant.faults.configure(error_rate=0.5, error_statuses=[503, 504])
        first = [c.get("/users").status_code for _ in range(12)]
        tenant.faults.reset()
        tenant.faults.configure(error_rate=0.5, error_statuses=[503, 504])
        second = [c.get("/users").status_code for _ in range(12)]
    assert first == second
    assert {200, 503, 504} <= set(first)


def test_latency_model(tenant: Tenant) -> None:
    for i in range(5):
        add_user(tenant.directory, f"u{i}")
    tenant.faults.configure(latency_ms_per_call=50, latency_ms_per_item=10)
    with tenant.client() as c:
        start = time.perf_counter()
        c.get("/users")
        elapsed = time.perf_counter() - start
    assert elapsed >= 0.1


def test_fault_config_rejects_unknown_settings() -> None:
    with pytest.raises(ValueError, match="unknown fault settings"):
        FaultConfig.from_json({"nonsense": 1})


def test_batch_responses_can_come_back_shuffled(tenant: Tenant) -> None:
    add_user(tenant.directory, "ann")
    tenant.faults.configure(batch_shuffle=True)
    batch = {"requests": [{"id": str(i), "method": "GET", "url": "/users?$select=id"} for i in range(12)]}
    with tenant.client() as c:
        ids = [r["id"] for r in c.post("/$batch", json=batch).json()["responses"]]
    assert sorted(ids, key=int) == [str(i) for i in range(12)]
    assert ids != sorted(ids, key=int)


@pytest.mark.parametrize(
    ("path", "params", "units"),
    [
        ("/users", {}, "2"),
        ("/users", {"$select": "id"}, "1"),
        ("/users", {"$select": "id", "$top": "5"}, "1"),
        ("/users", {"$expand": "manager"}, "3"),
        ("/groups", {}, "1"),
    ],
)
def test_resource_unit_header(tenant: Tenant, path: str, params: dict[str, str], units: str) -> None:
    with tenant.client() as c:
        assert c.get(path, params=params).headers["x-ms-resource-unit"] == units


def test_member_listing_costs(tenant: Tenant) -> None:
    d = tenant.directory
    g = d.create_group({"displayName": "G", "mailEnabled": False, "mailNickname": "g", "securityEnabled": True})
    with tenant.client() as c:
        assert c.get(f"/groups/{g['id']}/members").headers["x-ms-resource-unit"] == "3"
        assert c.get(f"/groups/{g['id']}/transitiveMembers").headers["x-ms-resource-unit"] == "5"
    assert tenant.faults.counters()["calls"] == {"GET /groups/{id}/members": 1, "GET /groups/{id}/transitiveMembers": 1}
