"""One `$batch` sub-request answering 503 or 504 is retried on its own, like a top-level request (entra-graph.md
§10.1, §11), against the emulator's per-sub-request fault (``batch_item_error_storm``)."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.errors import Transient
from sfprov.sources.entra.ondemand import OnDemandReader, UsersRead

from .conftest import Tenant, run


def user_requests(tenant: Tenant, count: int) -> list[dict[str, Any]]:
    ids = sorted(tenant.emulator.directory.users)[:count]
    return [{"id": str(i), "method": "GET", "url": f"/users/{uid}?$select=id,displayName"} for i, uid in enumerate(ids)]


def batch(tenant: Tenant, requests: list[dict[str, Any]], **client: Any) -> tuple[dict[str, dict[str, Any]], int]:
    async def go() -> tuple[dict[str, dict[str, Any]], int]:
        async with tenant.graph(**client) as graph:
            out = await graph.batch(requests)
            return out, graph.counters.retried

    return run(go())


def test_the_emulator_fails_one_sub_request_inside_a_200_batch(tenant: Tenant) -> None:
    tenant.emulator.admin.configure_faults(batch_item_error_storm=1, error_statuses=[504], retry_after=None)
    requests = user_requests(tenant, 3)

    async def raw() -> Any:
        async with tenant.graph() as graph:
            return await graph.request("POST", "$batch", json={"requests": requests})

    body = run(raw())
    statuses = {r["id"]: r["status"] for r in body["responses"]}
    assert statuses == {"0": 504, "1": 200, "2": 200}
    failed = next(r for r in body["responses"] if r["status"] == 504)
    assert failed["body"]["error"]["code"] == "gatewayTimeout"
    assert failed["headers"]["request-id"]
    assert "Retry-After" not in failed["headers"]
    assert tenant.emulator.admin.counters()["failed"] == {"GET /users/{id}": 1}


@pytest.mark.parametrize(("status", "retry_after"), [(503, "0.05"), (504, None)])
def test_a_transient_sub_request_is_retried_alone(tenant: Tenant, status: int, retry_after: str | None) -> None:
    tenant.emulator.admin.configure_faults(batch_item_error_storm=2, error_statuses=[status], retry_after=retry_after)
    requests = user_requests(tenant, 25)
    out, retried = batch(tenant, requests)
    assert sorted(out, key=int) == [str(i) for i in range(25)]
    assert {r["status"] for r in out.values()} == {200}
    assert retried == 2
    calls = tenant.emulator.admin.counters()["calls"]["GET /users/{id}"]
    assert calls == 25 + 2, "only the two failed sub-requests were sent again"


def test_a_sub_request_that_keeps_failing_fails_the_read(tenant: Tenant) -> None:
    tenant.emulator.admin.configure_faults(batch_item_error_storm=100, error_statuses=[503], retry_after="0")
    with pytest.raises(Transient, match="503"):
        batch(tenant, user_requests(tenant, 3), max_attempts=3)
    assert tenant.emulator.admin.counters()["failed"]["GET /users/{id}"] == 3 * 3, "3 sub-requests, 3 rounds"


def test_a_sub_request_that_waits_too_long_fails_the_read(tenant: Tenant) -> None:
    tenant.emulator.admin.configure_faults(batch_item_error_storm=100, error_statuses=[503], retry_after="5")
    with pytest.raises(Transient, match="503"):
        batch(tenant, user_requests(tenant, 1), max_wait_seconds=1.0)


def test_a_not_found_sub_request_is_answered_not_retried(tenant: Tenant) -> None:
    requests = [{"id": "0", "method": "GET", "url": "/users/00000000-0000-0000-0000-0000000000aa"}]
    out, retried = batch(tenant, requests)
    assert out["0"]["status"] == 404
    assert retried == 0


def test_an_on_demand_read_survives_a_503_in_its_batch(tenant: Tenant) -> None:
    uid = sorted(tenant.emulator.directory.users)[0]

    async def read() -> UsersRead:
        async with tenant.graph() as graph:
            return await OnDemandReader(tenant.reader(graph, nested_groups=True)).read([uid])

    clean = run(read())
    tenant.emulator.admin.configure_faults(batch_item_error_storm=1, error_statuses=[503], retry_after="0")
    faulted = run(read())
    assert faulted.read.users == clean.read.users
    assert faulted.read.in_scope == clean.read.in_scope
    assert sum(tenant.emulator.admin.counters()["failed"].values()) == 1
