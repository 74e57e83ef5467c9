"""The client's control logic (renewal, retries, dry-run, chunking) with an in-process mock transport.

These check sfprov's own decisions; how Salesforce answers is checked against the emulator in test_client_*.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from sfprov.errors import InvalidField, StopCycle, Transient
from sfprov.secrets import Secret
from sfprov.targets.salesforce.auth import ClientCredentials
from sfprov.targets.salesforce.client import RecordResult, RetryPolicy, SalesforceClient
from sfprov.targets.salesforce.transport import DryRunBlocked

T = TypeVar("T")
METHOD = ClientCredentials("https://acme.my.salesforce.com", "key", Secret("s3cret"))
FAST = RetryPolicy(attempts=3, base_seconds=0.0, cap_seconds=0.0)
LIMIT = {"Sforce-Limit-Info": "api-usage=10/15000"}


def token(n: int) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "access_token": f"00D!token{n}",
            "instance_url": "https://acme.my.salesforce.com",
            "id": "https://login.salesforce.com/id/00D000000000001AAA/005000000000001AAA",
            "token_type": "Bearer",
            "issued_at": "1700000000000",
        },
    )


def client(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> SalesforceClient:
    return SalesforceClient(METHOD, transport=httpx.MockTransport(handler), retry=FAST, **kw)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def test_expired_session_is_renewed_once_transparently() -> None:
    seen: list[str] = []
    logins = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal logins
        if request.url.path == "/services/oauth2/token":
            logins += 1
            return token(logins)
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer 00D!token1":
            return httpx.Response(
                401, json=[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
            )
        return httpx.Response(200, json={"totalSize": 0, "done": True, "records": []}, headers=LIMIT)

    async def go() -> int:
        async with client(handler) as sf:
            return await sf.count("SELECT COUNT() FROM User")

    assert run(go()) == 0
    assert logins == 2
    assert seen == ["Bearer 00D!token1", "Bearer 00D!token2"]


def test_transient_errors_are_retried_then_succeed() -> None:
    answers = iter(
        [httpx.Response(503, text="down"), httpx.Response(200, json={"DailyApiRequests": {}}, headers=LIMIT)]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return token(1) if request.url.path.endswith("/token") else next(answers)

    async def go() -> dict[str, Any]:
        async with client(handler) as sf:
            result = await sf.limits()
            assert sf.calls.by_kind["limits"] == 2
            return result

    assert run(go()) == {"DailyApiRequests": {}}


def test_permanent_errors_are_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        if request.url.path.endswith("/token"):
            return token(1)
        calls += 1
        return httpx.Response(400, json=[{"message": "bad", "errorCode": "MALFORMED_QUERY"}])

    async def go() -> None:
        async with client(handler) as sf:
            await sf.query_list("SELECT Foo FROM")

    with pytest.raises(InvalidField):
        run(go())
    assert calls == 1


def test_retries_give_up_after_the_policy() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token(1)
        raise httpx.ReadError("connection dropped")

    async def go() -> None:
        async with client(handler) as sf:
            await sf.limits()

    with pytest.raises(Transient) as info:
        run(go())
    assert info.value.code == "CONNECTION_FAILED"


def test_spent_daily_allowance_stops_the_cycle() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token(1)
        return httpx.Response(
            403, json=[{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        )

    async def go() -> None:
        async with client(handler) as sf:
            await sf.limits()

    with pytest.raises(StopCycle):
        run(go())


def test_dry_run_lets_reads_and_login_through_and_blocks_writes() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/token"):
            return token(1)
        return httpx.Response(200, json=[], headers=LIMIT)

    async def go() -> None:
        async with client(handler, dry_run=True) as sf:
            await sf.request("GET", sf.data_path("limits"))
            await sf.request("POST", sf.data_path("composite/sobjects/User"), json={"ids": [], "fields": ["Id"]})
            for method, path in [
                ("POST", "composite/sobjects"),
                ("PATCH", "composite/sobjects"),
                ("PATCH", "sobjects/User/005000000000001AAA"),
                ("DELETE", "sobjects/PermissionSetAssignment/0Pa000000000001AAA"),
                ("POST", "sobjects/User"),
            ]:
                with pytest.raises(DryRunBlocked):
                    await sf.request(method, sf.data_path(path), json={})

    run(go())
    assert sent == [
        "POST /services/oauth2/token",
        "GET /services/data/v64.0/limits",
        "POST /services/data/v64.0/composite/sobjects/User",
    ]


def test_collections_are_chunked_by_200_and_results_keep_order() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token(1)
        body = json.loads(request.content)
        bodies.append(body)
        out = []
        for record in body["records"]:
            if record["LastName"] == "bad":
                out.append(
                    {
                        "success": False,
                        "errors": [{"statusCode": "DUPLICATE_USERNAME", "message": "dup", "fields": ["Username"]}],
                    }
                )
            else:
                out.append({"id": "005" + record["LastName"].zfill(15), "success": True, "errors": []})
        return httpx.Response(200, json=out, headers=LIMIT)

    records = [{"LastName": "bad" if i == 250 else str(i)} for i in range(450)]

    async def go() -> list[RecordResult]:
        async with client(handler, concurrency=3) as sf:
            return await sf.create_records("User", records)

    results = run(go())
    assert [len(b["records"]) for b in sorted(bodies, key=lambda b: b["records"][0]["LastName"].zfill(5))] == [
        200,
        200,
        50,
    ]
    assert all(b["allOrNone"] is False for b in bodies)
    assert len(results) == 450
    assert results[0].id == "005" + "0".zfill(15)
    assert results[250].success is False
    assert results[250].error is not None
    assert results[250].error.code == "DUPLICATE_USERNAME"
    assert results[449].id == "005" + "449".zfill(15)


def test_a_whole_failed_call_fails_each_of_its_records() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token(1)
        return httpx.Response(400, json=[{"message": "mixed", "errorCode": "MIXED_DML_OPERATION"}])

    async def go() -> list[RecordResult]:
        async with client(handler) as sf:
            return await sf.update_records("User", [{"Id": "005000000000001AAA", "Title": "x"}])

    (result,) = run(go())
    assert result.success is False
    assert result.id == "005000000000001AAA"
    assert result.error is not None
    assert result.error.code == "MIXED_DML_OPERATION"


def test_a_batch_that_would_eat_into_the_reserve_sends_nothing() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token(1)
        sent.append(request.method)
        return httpx.Response(
            200,
            json={"totalSize": 0, "done": True, "records": []},
            headers={"Sforce-Limit-Info": "api-usage=79991/100000"},
        )

    async def go() -> None:
        async with client(handler) as sf:
            await sf.count("SELECT COUNT() FROM User")  # learns the usage: 9 calls left before the 20 % reserve
            await sf.create_records("User", [{"LastName": str(i)} for i in range(10_000)])

    with pytest.raises(StopCycle) as info:
        run(go())
    assert info.value.code == "API_RESERVE_REACHED"
    assert sent == ["GET"]


def test_a_stop_during_a_batch_cancels_the_calls_still_waiting() -> None:
    posts = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal posts
        if request.url.path.endswith("/token"):
            return token(1)
        posts += 1
        if posts == 3:
            return httpx.Response(
                403, json=[{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
            )
        await asyncio.sleep(0.05)
        return httpx.Response(200, json=[{"id": "005", "success": True, "errors": []}] * 200, headers=LIMIT)

    async def go() -> None:
        async with client(handler, concurrency=2) as sf:
            try:
                await sf.create_records("User", [{"LastName": str(i)} for i in range(2_000)])
            finally:
                await asyncio.sleep(0.3)  # time for stray calls to show up, if any were left running

    with pytest.raises(StopCycle):
        run(go())
    assert posts <= 5  # 10 chunks, concurrency 2: after the stop at the 3rd only calls already let in ran (gather: 10)
