"""The REST client: one session, renewed once when it expires, retries for transient failures only,
SOQL paging, and sObject Collections of up to 200 records with bounded concurrency.

Why ``httpx`` rather than simple-salesforce: provisioning 100,000 users is dominated by round trips, and sObject
Collections only pay off when several 200-record calls are in flight at once. ``httpx``'s async client gives that
concurrency without threads, a transport hook where dry-run is enforced once (:mod:`.transport`), per-phase timeouts,
and a mock transport for tests. simple-salesforce is sync (requests), has no collection helper with per-record
results, and retries nothing; we use it only as the "naive script" baseline in the benchmarks and as a third-party
client that checks the emulator.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from sfprov.errors import AuthFailed, ConnectorError, RateLimited, StopCycle, Transient
from sfprov.targets.salesforce.auth import LoginMethod, SalesforceSession, login
from sfprov.targets.salesforce.errors import from_error_item, from_response
from sfprov.targets.salesforce.limits import ApiAllowance
from sfprov.targets.salesforce.transport import DryRunBlocked, DryRunTransport, is_write

DEFAULT_API_VERSION = "64.0"
COLLECTION_LIMIT = 200
"""sObject Collections take at most 200 records per call (REST guide; reference §8.7, §12.3)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, for transient failures only."""

    attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))


@dataclass(frozen=True)
class RecordResult:
    """The outcome of one record in a collection call; ``error`` is set when ``success`` is false."""

    id: str | None
    success: bool
    error: ConnectorError | None = None


@dataclass
class CallCounter:
    total: int = 0
    writes: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, write: bool) -> None:
        self.total += 1
        self.writes += int(write)
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


def ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The system trust store plus ``ca_bundle`` (a corporate TLS-inspection CA, or the emulators' CA)."""
    context = ssl.create_default_context()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


class SalesforceClient:
    """An authenticated REST client for one org. Use as ``async with SalesforceClient(...) as sf:``."""

    def __init__(
        self,
        method: LoginMethod,
        *,
        api_version: str = DEFAULT_API_VERSION,
        ca_bundle: str | None = None,
        timeout_seconds: float = 120.0,
        concurrency: int = 4,
        allowance: ApiAllowance | None = None,
        dry_run: bool = False,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.method = method
        self.api_version = api_version
        self.allowance = allowance or ApiAllowance()
        self.retry = retry or RetryPolicy()
        self.calls = CallCounter()
        self.concurrency = max(1, concurrency)
        inner = transport or httpx.AsyncHTTPTransport(verify=ssl_context(ca_bundle), retries=0)
        self._transport = DryRunTransport(inner, dry_run=dry_run)
        self._http = httpx.AsyncClient(
            transport=self._transport,
            timeout=httpx.Timeout(timeout_seconds, connect=15.0),
            limits=httpx.Limits(max_connections=self.concurrency + 2),
            headers={"Accept": "application/json", "User-Agent": "sfprov"},
        )
        self._session: SalesforceSession | None = None
        self._session_generation = 0
        self._login_lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(self.concurrency)

    @property
    def dry_run(self) -> bool:
        return self._transport.dry_run

    async def __aenter__(self) -> SalesforceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- session -------------------------------------------------------------------------------------------

    async def session(self) -> SalesforceSession:
        if self._session is None:
            await self._renew(self._session_generation)
        assert self._session is not None
        return self._session

    async def _renew(self, seen_generation: int) -> None:
        """Log in again unless another task already did since ``seen_generation``."""
        async with self._login_lock:
            if self._session is not None and self._session_generation != seen_generation:
                return
            for attempt in range(self.retry.attempts):
                try:
                    self._session = await login(self.method, self._http)
                    break
                except Transient:  # a dropped connection or a 503 at login; wrong credentials are not retried
                    self.calls.add("login", write=False)
                    if attempt + 1 >= self.retry.attempts:
                        raise
                    await asyncio.sleep(self.retry.delay(attempt))
            self.calls.add("login", write=False)
            self._session_generation += 1

    def data_path(self, suffix: str) -> str:
        return f"/services/data/v{self.api_version}/{suffix.lstrip('/')}"

    # -- the one request loop --------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        kind: str = "rest",
    ) -> httpx.Response:
        """Send one REST request; renew an expired session once; retry transient failures with backoff.

        Creates are safe to retry after a dropped connection: usernames are unique, so a create that did land
        the first time comes back as DUPLICATE_USERNAME, which the engine resolves by looking the user up.
        """
        renewed = False
        attempt = 0
        while True:
            session = await self.session()
            generation = self._session_generation
            request = self._http.build_request(
                method,
                session.instance_url + path if path.startswith("/") else path,
                json=json,
                params=params,
                headers={"Authorization": session.authorization, **(headers or {})},
            )
            write = is_write(request)
            if write:
                self.allowance.check(1)
            error: ConnectorError
            try:
                async with self._slots:
                    response = await self._http.send(request)
            except DryRunBlocked:
                raise
            except httpx.TransportError as exc:
                self.calls.add(kind, write)
                error = Transient(
                    f"Salesforce {method} {request.url.path}: connection failed ({type(exc).__name__}).",
                    code="CONNECTION_FAILED",
                )
            else:
                self.calls.add(kind, write)
                self.allowance.observe(response.headers.get("Sforce-Limit-Info"))
                if response.status_code < 400:
                    return response
                error = from_response(response.status_code, _body(response))
                if isinstance(error, AuthFailed) and error.code == "INVALID_SESSION_ID" and not renewed:
                    renewed = True
                    await self._renew(generation)
                    continue
                if isinstance(error, RateLimited) and "TotalRequests" in error.message:
                    raise StopCycle(
                        f"{error.message} The org's daily API allowance is spent.",
                        fix=error.fix,
                        code="REQUEST_LIMIT_EXCEEDED",
                    ) from None
            if not isinstance(error, Transient) or attempt + 1 >= self.retry.attempts:
                raise error
            await asyncio.sleep(self.retry.delay(attempt))
            attempt += 1

    # -- queries -----------------------------------------------------------------------------------------

    async def query(self, soql: str, *, include_deleted: bool = False) -> AsyncIterator[dict[str, Any]]:
        """Yield every record of a SOQL query, following ``nextRecordsUrl`` to the end."""
        resource = "queryAll" if include_deleted else "query"
        response = await self.request("GET", self.data_path(resource), params={"q": soql}, kind="query")
        while True:
            page = response.json()
            for record in page.get("records", []):
                yield record
            next_url = page.get("nextRecordsUrl")
            if page.get("done", True) or not next_url:
                return
            response = await self.request("GET", next_url, kind="query")

    async def query_list(self, soql: str) -> list[dict[str, Any]]:
        return [record async for record in self.query(soql)]

    async def count(self, soql: str) -> int:
        response = await self.request("GET", self.data_path("query"), params={"q": soql}, kind="query")
        return int(response.json().get("totalSize", 0))

    # -- sObject Collections -------------------------------------------------------------------------------

    async def create_records(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        """Create in calls of up to 200, several in flight; one result per record, in order."""
        payloads = [{"attributes": {"type": sobject}, **record} for record in records]
        return await self._collections("POST", payloads)

    async def update_records(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        """Update records (each with ``Id``) in calls of up to 200; one result per record, in order."""
        payloads = []
        for record in records:
            body = {k: v for k, v in record.items() if k != "Id"}
            payloads.append({"attributes": {"type": sobject}, "id": record["Id"], **body})
        return await self._collections("PATCH", payloads)

    async def delete_records(self, ids: Sequence[str]) -> list[RecordResult]:
        """Delete records (never Users: Salesforce refuses) in calls of up to 200; one result per id, in order."""
        chunks = [list(ids[i : i + COLLECTION_LIMIT]) for i in range(0, len(ids), COLLECTION_LIMIT)]
        self.allowance.check(len(chunks))
        results = await _all_or_stop([self._delete_chunk(chunk) for chunk in chunks])
        return [result for chunk_results in results for result in chunk_results]

    async def _delete_chunk(self, chunk: list[str]) -> list[RecordResult]:
        params = {"ids": ",".join(chunk), "allOrNone": "false"}
        try:
            response = await self.request(
                "DELETE", self.data_path("composite/sobjects"), params=params, kind="collection"
            )
        except (StopCycle, DryRunBlocked):
            raise
        except ConnectorError as error:
            return [RecordResult(id=record_id, success=False, error=error) for record_id in chunk]
        return self._record_results([{"id": record_id} for record_id in chunk], response.json())

    async def _collections(self, method: str, payloads: list[dict[str, Any]]) -> list[RecordResult]:
        chunks = [payloads[i : i + COLLECTION_LIMIT] for i in range(0, len(payloads), COLLECTION_LIMIT)]
        self.allowance.check(len(chunks))  # the whole batch must fit before the reserve, not each call alone
        results = await _all_or_stop([self._one_collection(method, chunk) for chunk in chunks])
        return [result for chunk_results in results for result in chunk_results]

    async def _one_collection(self, method: str, chunk: list[dict[str, Any]]) -> list[RecordResult]:
        try:
            response = await self.request(
                method,
                self.data_path("composite/sobjects"),
                json={"allOrNone": False, "records": chunk},
                kind="collection",
            )
        except (StopCycle, DryRunBlocked):
            raise
        except ConnectorError as error:  # the whole call failed: every record of it failed the same way
            return [RecordResult(id=record.get("id"), success=False, error=error) for record in chunk]
        return self._record_results(chunk, response.json())

    @staticmethod
    def _record_results(chunk: list[dict[str, Any]], items: Any) -> list[RecordResult]:
        if not isinstance(items, list) or len(items) != len(chunk):
            malformed = Transient(
                "Salesforce answered a collection call with a malformed result list.", code="BAD_ANSWER"
            )
            return [RecordResult(id=record.get("id"), success=False, error=malformed) for record in chunk]
        results = []
        for record, item in zip(chunk, items, strict=True):
            if item.get("success"):
                results.append(RecordResult(id=item.get("id") or record.get("id"), success=True))
            else:
                errors = item.get("errors") or [{"statusCode": "UNKNOWN_EXCEPTION", "message": "no error given"}]
                results.append(RecordResult(id=record.get("id"), success=False, error=from_error_item(errors[0])))
        return results

    # -- single records --------------------------------------------------------------------------------------

    async def create(self, sobject: str, record: Mapping[str, Any]) -> str:
        response = await self.request("POST", self.data_path(f"sobjects/{sobject}"), json=dict(record))
        return str(response.json()["id"])

    async def update(self, sobject: str, record_id: str, values: Mapping[str, Any]) -> None:
        await self.request("PATCH", self.data_path(f"sobjects/{sobject}/{quote(record_id)}"), json=dict(values))

    async def delete(self, sobject: str, record_id: str) -> None:
        await self.request("DELETE", self.data_path(f"sobjects/{sobject}/{quote(record_id)}"))

    async def limits(self) -> dict[str, Any]:
        response = await self.request("GET", self.data_path("limits"), kind="limits")
        data: dict[str, Any] = response.json()
        return data


async def _all_or_stop(calls: list[Coroutine[Any, Any, list[RecordResult]]]) -> list[list[RecordResult]]:
    """Run collection calls concurrently; a stop (reserve reached, dry-run) cancels the calls still in flight.

    With plain ``gather`` the other calls would go on writing after the caller had been told to stop, and their
    results would be lost. Records of cancelled calls may or may not have been written: the next cycle adopts any
    account that exists by its matching attribute, so nothing is created twice.
    """
    tasks: list[asyncio.Task[list[RecordResult]]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
