"""Injected faults: seeded 503s, dropped connections, UNABLE_TO_LOCK_ROW, non-blocking latency, call counters."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sfprov.emulators.salesforce import SalesforceEmulator
from tests.emulators.salesforce.conftest import Kit


def statuses(kit: Kit, token: str, n: int) -> list[int]:
    return [kit.rest("GET", "limits", token).status_code for _ in range(n)]


def test_503_rate_is_reproducible_with_a_seed(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    sf.admin.set_faults(rate_503=0.5, seed=42)
    first = statuses(kit, token, 20)
    sf.admin.set_faults(seed=42)
    second = statuses(kit, token, 20)
    assert first == second
    assert set(first) == {200, 503}


def test_503_body(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    sf.admin.set_faults(rate_503=1.0)
    answer = kit.rest("GET", "limits", token)
    assert answer.status_code == 503
    assert answer.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"


def test_dropped_connection_sends_nothing(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    sf.admin.set_faults(rate_drop=1.0)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)):
        kit.rest("GET", "limits", token)
    sf.admin.clear_faults()
    assert kit.rest("GET", "limits", token).status_code == 200


def test_lock_row_fails_single_and_collection_records(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    sf.admin.set_faults(rate_lock_row=1.0)
    single = kit.rest("PATCH", f"sobjects/User/{kit.standard.user_id}", token, json={"Title": "x"})
    assert single.status_code == 400
    assert single.json() == [
        {
            "message": f"unable to obtain exclusive access to this record or 1 records: {kit.standard.user_id}",
            "errorCode": "UNABLE_TO_LOCK_ROW",
            "fields": [],
        }
    ]
    collection = kit.rest(
        "PATCH",
        "composite/sobjects",
        token,
        json={"records": [{"attributes": {"type": "User"}, "id": kit.standard.user_id, "Title": "y"}]},
    )
    assert collection.status_code == 200
    assert collection.json()[0]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert kit.org.user(kit.standard.user_id)["Title"] is None


def test_latency_is_added_without_blocking_other_calls(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    sf.admin.set_faults(latency_base_ms=300)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: kit.rest("GET", "limits", token).status_code, range(6)))
    elapsed = time.perf_counter() - started
    assert results == [200] * 6
    assert 0.3 <= elapsed < 1.2  # six calls of 300 ms each, served concurrently by one event loop


def test_per_record_latency(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    sf.admin.set_faults(latency_per_record_ms=100)
    started = time.perf_counter()
    kit.rest(
        "GET",
        "composite/sobjects/User",
        token,
        params={"ids": f"{kit.admin.user_id},{kit.standard.user_id},{kit.no_api.user_id}", "fields": "Id"},
    )
    assert time.perf_counter() - started >= 0.3


def test_counters_per_endpoint(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    sf.admin.reset_counters()
    kit.rest("GET", "limits", token)
    kit.rest("GET", f"sobjects/User/{kit.admin.user_id}", token)
    kit.rest("GET", f"sobjects/User/{kit.standard.user_id}", token)
    kit.token()
    assert sf.admin.counters() == {
        "GET /services/data/vXX.X/limits": 1,
        "GET /services/data/vXX.X/sobjects/User/{id}": 2,
        "POST /services/oauth2/token": 1,
    }
    sf.admin.reset_counters()
    assert sf.admin.counters() == {}


def test_fault_settings_are_checked(sf: SalesforceEmulator) -> None:
    with pytest.raises(ValueError, match="probability"):
        sf.admin.set_faults(rate_503=2)
    with pytest.raises(ValueError, match="unknown fault setting"):
        sf.admin.set_faults(rate_fire=0.1)


def test_lock_row_also_fails_deletes(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    permission_set = kit.org.tables["PermissionSet"].first("Name", "Reports_Viewer")["Id"]
    assignment = kit.rest(
        "POST",
        "sobjects/PermissionSetAssignment",
        token,
        json={"AssigneeId": kit.standard.user_id, "PermissionSetId": permission_set},
    ).json()["id"]
    sf.admin.set_faults(rate_lock_row=1.0)
    single = kit.rest("DELETE", f"sobjects/PermissionSetAssignment/{assignment}", token)
    assert (single.status_code, single.json()[0]["errorCode"]) == (400, "UNABLE_TO_LOCK_ROW")
    collection = kit.rest("DELETE", "composite/sobjects", token, params={"ids": assignment})
    assert collection.json()[0]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"
    assert kit.org.get_by_id("PermissionSetAssignment", assignment) is not None
