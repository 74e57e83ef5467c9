"""The Graph client's own decisions (paging, throttling, resync, batching) with an in-process mock transport.

How Graph answers is checked against the Entra emulator in the connector's end-to-end tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from sfprov.errors import AuthFailed, PermissionDenied, RateLimited
from sfprov.sources.entra.graph import GraphClient, ResyncRequired, graph_error, retry_after_seconds

T = TypeVar("T")
BASE = "https://graph.example/v1.0"


class FakeTokens:
    def __init__(self) -> None:
        self.issued = 0
        self.forced = 0

    async def token(self, *, force_refresh: bool = False) -> str:
        if force_refresh or self.issued == 0:
            self.issued += 1
            self.forced += int(force_refresh)
        return f"t{self.issued}"


def make(handler: Callable[[httpx.Request], httpx.Response], tokens: FakeTokens | None = None) -> GraphClient:
    return GraphClient(tokens or FakeTokens(), base_url=BASE, transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def error(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error": {"code": code, "message": "m", "innerError": {"date": "x", "request-id": "r"}}}
    return httpx.Response(status, json=body, headers=headers)


def test_pages_follow_next_links_to_the_end_and_resend_headers() -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), request.headers.get("ConsistencyLevel")))
        n = int(request.url.params.get("$skiptoken", "0"))
        if n < 2:
            return httpx.Response(
                200,
                json={
                    "value": [{"id": str(n)}] if n != 1 else [],
                    "@odata.nextLink": f"{BASE}/users?$skiptoken={n + 1}",
                },
            )
        return httpx.Response(
            200, json={"value": [{"id": "2"}], "@odata.deltaLink": f"{BASE}/users/delta?$deltatoken=z"}
        )

    async def go() -> list[dict[str, Any]]:
        async with make(handler) as graph:
            return await graph.get_all("users", params={"$select": "id"}, headers={"ConsistencyLevel": "eventual"})

    assert run(go()) == [{"id": "0"}, {"id": "2"}]
    assert len(seen) == 3
    assert all(level == "eventual" for _, level in seen)
    assert "%24select=id" in seen[0][0] or "$select=id" in seen[0][0]
    assert "select" not in seen[1][0]


def test_throttling_waits_retry_after_then_succeeds() -> None:
    answers = iter([error(429, "TooManyRequests", {"Retry-After": "0.01"}), httpx.Response(200, json={"value": []})])

    async def go() -> GraphClient:
        async with make(lambda r: next(answers)) as graph:
            await graph.get_all("users")
            return graph

    graph = run(go())
    assert graph.counters.throttled == 1
    assert graph.counters.calls == 2


def test_throttling_gives_up_past_the_wait_budget() -> None:
    async def go() -> None:
        graph = make(lambda r: error(429, "TooManyRequests", {"Retry-After": "500"}))
        try:
            await graph.get_all("users")
        finally:
            await graph.aclose()

    with pytest.raises(RateLimited) as info:
        run(go())
    assert info.value.retry_after == 500.0


def test_expired_token_is_refreshed_once() -> None:
    tokens = FakeTokens()
    auth: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        auth.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer t1":
            return error(401, "InvalidAuthenticationToken")
        return httpx.Response(200, json={"value": []})

    async def go() -> None:
        async with make(handler, tokens) as graph:
            await graph.get_all("users")

    run(go())
    assert auth == ["Bearer t1", "Bearer t2"]
    assert tokens.forced == 1


def test_a_second_401_is_an_auth_failure() -> None:
    async def go() -> None:
        async with make(lambda r: error(401, "InvalidAuthenticationToken")) as graph:
            await graph.get_all("users")

    with pytest.raises(AuthFailed):
        run(go())


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (410, "", ResyncRequired),
        (400, "syncStateNotFound", ResyncRequired),
        (400, "resyncRequired", ResyncRequired),
        (403, "Authorization_RequestDenied", PermissionDenied),
        (429, "TooManyRequests", RateLimited),
    ],
)
def test_error_translation(status: int, code: str, cls: type[Exception]) -> None:
    body = {"error": {"code": code, "message": "m"}} if code else None
    assert isinstance(graph_error(status, body), cls)


def test_nested_resync_code_counts() -> None:
    body = {"error": {"code": "badRequest", "message": "m", "innererror": {"code": "syncStateNotFound"}}}
    assert isinstance(graph_error(400, body), ResyncRequired)


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("2.128") == 2.128
    assert retry_after_seconds("10") == 10.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") is None


def test_batch_groups_by_20_and_retries_only_throttled_subrequests() -> None:
    sent: list[list[str]] = []
    throttled_once: set[str] = set()

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        ids = [r["id"] for r in body["requests"]]
        sent.append(ids)
        responses = []
        for rid in ids:
            if rid == "7" and rid not in throttled_once:
                throttled_once.add(rid)
                responses.append({"id": rid, "status": 429, "headers": {"Retry-After": "0.01"}, "body": {}})
            else:
                responses.append({"id": rid, "status": 200, "headers": {}, "body": {"id": rid}})
        return httpx.Response(200, json={"responses": list(reversed(responses))})

    requests = [{"id": str(i), "method": "GET", "url": f"/users/{i}"} for i in range(45)]

    async def go() -> dict[str, dict[str, Any]]:
        async with make(handler) as graph:
            return await graph.batch(requests)

    out = run(go())
    assert [len(ids) for ids in sent] == [20, 20, 5, 1]
    assert sent[-1] == ["7"]
    assert sorted(out, key=int) == [str(i) for i in range(45)]
    assert out["7"]["status"] == 200
