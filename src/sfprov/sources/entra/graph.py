"""A thin Microsoft Graph client: paging to the end, throttling honoured, errors translated once.

Why not the official SDK: it weighs about 400 MB and 16,700 modules (reference ``entra-graph.md`` §12) for the
handful of read shapes sfprov needs; a typed httpx client over the documented REST shapes is smaller, faster to start
and easier to test against the emulator.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from sfprov.errors import AuthFailed, ConnectorError, NotFound, PermissionDenied, RateLimited, Transient
from sfprov.sources.entra.tokens import GraphTokenProvider

BATCH_LIMIT = 20
"""JSON batching takes at most 20 requests (entra-graph.md §11)."""

RESYNC_CODES = frozenset({"syncStateNotFound", "resyncRequired", "resyncApplyDifferences", "resyncUploadDifferences"})


class ResyncRequired(ConnectorError):
    """The delta token is expired or unknown: drop it and read everything again (entra-graph.md §6)."""


@dataclass
class GraphCounters:
    calls: int = 0
    throttled: int = 0
    retried: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.calls += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_link: str | None
    delta_link: str | None


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds; Graph may send a decimal such as ``2.128`` (entra-graph.md §10.1)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def graph_error(status: int, body: Any, *, retry_after: float | None = None) -> ConnectorError:
    """Translate a Graph error answer into the project's hierarchy."""
    error = body.get("error") if isinstance(body, Mapping) else None
    code = str(error.get("code", "")) if isinstance(error, Mapping) else ""
    message = str(error.get("message", "")) if isinstance(error, Mapping) else ""
    inner = (error.get("innerError") or error.get("innererror")) if isinstance(error, Mapping) else None
    inner_code = str(inner.get("code", "")) if isinstance(inner, Mapping) else ""
    text = f"Microsoft Graph {status} {code or 'error'}: {message}".strip()
    if status == 410 or code in RESYNC_CODES or inner_code in RESYNC_CODES:
        return ResyncRequired(text, code=code or "syncStateNotFound")
    if status == 429:
        return RateLimited(text, retry_after=retry_after, code=code or "TooManyRequests")
    if status >= 500:
        return Transient(text, code=code or f"HTTP_{status}")
    if status == 401:
        return AuthFailed(text, code=code or "InvalidAuthenticationToken")
    if status == 403:
        return PermissionDenied(
            text,
            fix="Grant the app the Microsoft Graph *application* permissions sfprov needs (User.Read.All, "
            "GroupMember.Read.All, Application.Read.All) and click 'Grant admin consent' under App registrations > "
            "API permissions; `sfprov doctor` names the missing ones.",
            code=code or "Authorization_RequestDenied",
        )
    if status == 404:
        return NotFound(text, code=code or "Request_ResourceNotFound")
    return ConnectorError(text, code=code or f"HTTP_{status}")


class GraphClient:
    """Authenticated GETs and batches against one Graph base URL (``https://graph.microsoft.com/v1.0``)."""

    def __init__(
        self,
        tokens: GraphTokenProvider,
        *,
        base_url: str = "https://graph.microsoft.com/v1.0",
        ca_bundle: str | None = None,
        timeout_seconds: float = 60.0,
        max_attempts: int = 6,
        max_wait_seconds: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.tokens = tokens
        self.base_url = base_url.rstrip("/")
        self.max_attempts = max_attempts
        self.max_wait_seconds = max_wait_seconds
        self.counters = GraphCounters()
        verify: ssl.SSLContext | bool = True
        if ca_bundle:
            verify = ssl.create_default_context()
            verify.load_verify_locations(cafile=ca_bundle)
        self._http = httpx.AsyncClient(
            transport=transport or httpx.AsyncHTTPTransport(verify=verify),
            timeout=httpx.Timeout(timeout_seconds, connect=15.0),
            headers={"Accept": "application/json", "User-Agent": "sfprov"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()
        close = getattr(self.tokens, "close", None)
        if callable(close):
            close()

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def url(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("https://") else f"{self.base_url}/{path_or_url.lstrip('/')}"

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        kind: str = "get",
    ) -> Any:
        """Send one request; honour Retry-After on 429/503/504, back off on 5xx, refresh the token once on 401."""
        refreshed = False
        attempt = 0
        waited = 0.0
        while True:
            token = await self.tokens.token()
            self.counters.add(kind)
            error: ConnectorError
            try:
                response = await self._http.request(
                    method,
                    self.url(path_or_url),
                    params=params,
                    json=json,
                    headers={"Authorization": f"Bearer {token}", **(headers or {})},
                )
            except httpx.TransportError as exc:
                error = Transient(f"Microsoft Graph unreachable ({type(exc).__name__}).", code="CONNECTION_FAILED")
                delay = None
            else:
                if response.status_code < 400:
                    return response.json() if response.content else None
                delay = retry_after_seconds(response.headers.get("Retry-After"))
                error = graph_error(response.status_code, _json(response), retry_after=delay)
                if isinstance(error, AuthFailed) and not refreshed:
                    refreshed = True
                    await self.tokens.token(force_refresh=True)
                    continue
            if not isinstance(error, Transient) or attempt + 1 >= self.max_attempts:
                raise error
            if isinstance(error, RateLimited):
                self.counters.throttled += 1
            wait = delay if delay is not None else random.uniform(0, min(30.0, 0.5 * 2**attempt))
            if waited + wait > self.max_wait_seconds:
                raise error
            self.counters.retried += 1
            await asyncio.sleep(wait)
            waited += wait
            attempt += 1

    async def page(
        self,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        kind: str = "page",
    ) -> Page:
        body = await self.request("GET", path_or_url, params=params, headers=headers, kind=kind)
        if not isinstance(body, Mapping) or not isinstance(body.get("value"), list):
            raise Transient("Microsoft Graph answered a collection request without a 'value' list.", code="BAD_ANSWER")
        return Page(
            items=list(body["value"]),
            next_link=body.get("@odata.nextLink"),
            delta_link=body.get("@odata.deltaLink"),
        )

    async def pages(
        self,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        kind: str = "page",
    ) -> AsyncIterator[Page]:
        """Every page of a collection, following the whole ``@odata.nextLink`` until it is absent (§7).

        Query options go on the first request only; next links carry them. Headers such as ``ConsistencyLevel``
        are not carried by Graph and are sent again on every page.
        """
        current = await self.page(path_or_url, params=params, headers=headers, kind=kind)
        while True:
            yield current
            if not current.next_link:
                return
            current = await self.page(current.next_link, headers=headers, kind=kind)

    async def get_all(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        kind: str = "page",
    ) -> list[dict[str, Any]]:
        return [
            item async for page in self.pages(path, params=params, headers=headers, kind=kind) for item in page.items
        ]

    async def batch(self, requests: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """Send GET sub-requests through ``$batch`` in groups of 20; returns responses keyed by id.

        Graph runs each sub-request on its own, so one can be throttled (429) or fail transiently (503, 504: any
        answer :meth:`request` would retry) inside a batch that answers 200 (entra-graph.md §10.1, §11). Those
        sub-requests alone are sent again, with the rules of :meth:`request`: wait the largest ``Retry-After`` they
        carry, else an exponential backoff with jitter; at most ``max_attempts`` rounds and ``max_wait_seconds`` of
        waiting, then the last such error is raised. Other answers (200, 404, 403, ...) are returned as they are.
        """
        out: dict[str, dict[str, Any]] = {}
        pending = [dict(r) for r in requests]
        attempt = 0
        waited = 0.0
        while True:
            retry: list[dict[str, Any]] = []
            delay: float | None = None
            error: ConnectorError | None = None
            for start in range(0, len(pending), BATCH_LIMIT):
                group = pending[start : start + BATCH_LIMIT]
                body = await self.request("POST", "$batch", json={"requests": group}, kind="batch")
                by_id = {str(r["id"]): r for r in group}
                for response in (body or {}).get("responses", []):
                    rid = str(response.get("id"))
                    failed, after = _transient_answer(response) if rid in by_id else (None, None)
                    if failed is None:
                        out[rid] = response
                        continue
                    retry.append(by_id[rid])
                    error = failed
                    if isinstance(failed, RateLimited):
                        self.counters.throttled += 1
                    if after is not None:
                        delay = max(delay or 0.0, after)
            if not retry:
                return out
            assert error is not None
            if attempt + 1 >= self.max_attempts:
                raise error
            wait = delay if delay is not None else random.uniform(0, min(30.0, 0.5 * 2**attempt))
            if waited + wait > self.max_wait_seconds:
                raise error
            self.counters.retried += len(retry)
            await asyncio.sleep(wait)
            waited += wait
            attempt += 1
            pending = retry


def _transient_answer(response: Mapping[str, Any]) -> tuple[Transient | None, float | None]:
    """The error of a ``$batch`` sub-response that :meth:`GraphClient.request` would retry (else None), and the
    seconds its ``Retry-After`` header asks for (header names are case-insensitive)."""
    status = int(response.get("status", 0))
    if status < 400:
        return None, None
    headers = {str(k).lower(): str(v) for k, v in (response.get("headers") or {}).items()}
    after = retry_after_seconds(headers.get("retry-after"))
    error = graph_error(status, response.get("body"), retry_after=after)
    return (error, after) if isinstance(error, Transient) else (None, None)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
