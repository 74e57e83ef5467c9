"""The ASGI application of the Salesforce emulator: one app for every virtual host, dispatching by host and path.

Why one app: ``login.salesforce.com``, ``test.salesforce.com`` and each org's My Domain share one state (a session
issued on the login host is used on the My Domain host), and behaviour depends on which host a request arrived on
(:func:`sfprov.emulators.server.virtual_host`): client credentials only on a My Domain host (reference
``salesforce.md`` §11.1), REST only on the org's own instance (§1.2: always use ``serverUrl``/``instance_url``).

Paths served: ``/services/Soap/u/{version}`` (SOAP ``login()``), ``/services/oauth2/token``, ``/services/data/...``
(REST), and ``/_emulator/...`` (the admin API, apart from every Salesforce path). Faults (latency, ``503``, dropped
connections) and call counters apply to the Salesforce paths only.

Concurrency: request handlers run their state work under :attr:`Runtime.lock`, the same lock the Python admin API
takes from the test thread, so the two never interleave inside a DML call.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from sfprov.emulators.salesforce import admin, ids, oauth, schema, soap
from sfprov.emulators.salesforce.faults import Faults
from sfprov.emulators.salesforce.rest import router
from sfprov.emulators.salesforce.rest.cursors import CursorStore
from sfprov.emulators.salesforce.rest.errors import NOT_FOUND, error_response, json_response
from sfprov.emulators.salesforce.rest.usage import ApiUsage
from sfprov.emulators.salesforce.sessions import Clock, SessionStore
from sfprov.emulators.salesforce.store import EmulatorState, Org
from sfprov.emulators.server import Receive, Scope, Send, virtual_host

if TYPE_CHECKING:
    from sfprov.emulators.salesforce.admin import Admin

LOGIN_HOST = "login.salesforce.com"
TEST_HOST = "test.salesforce.com"
LOGIN_HOSTS = (LOGIN_HOST, TEST_HOST)


@dataclass
class Runtime:
    """Everything a request handler needs: the org state plus the HTTP-side state (sessions, cursors, usage)."""

    state: EmulatorState
    clock: Clock = field(default_factory=Clock)
    faults: Faults = field(default_factory=Faults)
    lock: threading.RLock = field(default_factory=threading.RLock)
    listeners: dict[str, str] = field(default_factory=dict)
    """Virtual host name -> the base URL of its listener (``https://127.0.0.1:PORT``), filled by ``serve``."""
    admin_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    sessions: SessionStore = field(init=False)
    cursors: CursorStore = field(init=False)
    usage: ApiUsage = field(init=False)
    admin: Admin | None = None
    """The Python admin API the ``/_emulator/`` endpoints call (attached by the facade)."""

    def __post_init__(self) -> None:
        self.sessions = SessionStore(self.clock)
        self.cursors = CursorStore(self.clock)
        self.usage = ApiUsage(self.clock)
        clock = self.clock
        self.state.clock = lambda: datetime.fromtimestamp(clock.now(), UTC)

    def base_url(self, host: str) -> str:
        """Where a client reaches ``host``: its listener when served, else the real ``https://host``."""
        return self.listeners.get(host, f"https://{host}")

    def login_host_of(self, org: Org) -> str:
        return TEST_HOST if org.is_sandbox else LOGIN_HOST


def _classify(method: str, path: str) -> str:
    """The endpoint name used by the call counters: versions, record ids and query locators generalised
    (``GET /services/data/vXX.X/sobjects/User/{id}``)."""
    if path.startswith("/services/Soap/u/"):
        return f"{method} /services/Soap/u/{{version}}"
    parts = [p for p in path.split("/") if p]
    if path.startswith("/services/data/") and len(parts) >= 3:
        tail = [
            "{id}" if schema.sobject(p) is None and (ids.normalize(p) or p.startswith("01g")) else p for p in parts[3:]
        ]
        return f"{method} /services/data/vXX.X/" + "/".join(tail)
    return f"{method} {path}"


async def _drop(send: Send) -> None:
    """Close the connection without a byte of answer (uvicorn: the ``send`` callable's owner has the transport)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("emulated dropped connection")
    transport.abort()
    await asyncio.sleep(0)


class SalesforceApp:
    """The ASGI callable served on every Salesforce virtual host."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        request = Request(scope, receive)
        if path.startswith("/_emulator/") or path == "/_emulator":
            response = await admin.handle(request, self.runtime)
            await response(scope, receive, send)
            return
        faults = self.runtime.faults
        faults.count(_classify(scope["method"], path))
        if faults.should_drop():
            await _drop(send)
            return
        if faults.should_503():
            await _unavailable(path)(scope, receive, send)
            return
        response, records = await self._dispatch(request, path)
        delay = faults.latency_seconds(records)
        if delay > 0:
            await asyncio.sleep(delay)
        await response(scope, receive, send)

    async def _dispatch(self, request: Request, path: str) -> tuple[Response, int]:
        host = virtual_host(request.scope)
        body = await request.body()
        if path.startswith("/services/Soap/u/"):
            return self._soap(request, host, path, body), 0
        if path.rstrip("/") == "/services/oauth2/token":
            with self.runtime.lock:
                return oauth.token_endpoint(request, self.runtime, host, body), 0
        if path == "/services/data" or path.startswith("/services/data/"):
            with self.runtime.lock:
                return router.handle(request, self.runtime, host, path, body)
        return error_response(404, "NOT_FOUND", NOT_FOUND), 0

    def _soap(self, request: Request, host: str, path: str, body: bytes) -> Response:
        if request.method != "POST":
            return error_response(
                405, "METHOD_NOT_ALLOWED", f"HTTP Method '{request.method}' not allowed. Allowed are POST"
            )
        with self.runtime.lock:
            status, payload = soap.login(self.runtime, host, path, body)
        return Response(payload, status_code=status, media_type=soap.CONTENT_TYPE)


def _unavailable(path: str) -> Response:
    """The injected ``503``: a SOAP fault on the SOAP endpoint, Salesforce's JSON error array elsewhere
    (``SERVER_UNAVAILABLE`` is a WSDL exception code; the body of a real 503 varies and is UNVERIFIED)."""
    if path.startswith("/services/Soap/"):
        fault = soap.LoginFault("SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later.")
        return Response(soap.render_login_fault(fault), status_code=503, media_type=soap.CONTENT_TYPE)
    return json_response(
        [{"message": "Server temporarily unavailable. Please try again later.", "errorCode": "SERVER_UNAVAILABLE"}],
        503,
    )
