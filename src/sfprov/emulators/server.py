"""Serve emulator ASGI apps over HTTPS on loopback, one port per virtual host.

Salesforce and Microsoft distinguish hosts (``login.salesforce.com`` versus an org's My Domain,
``login.microsoftonline.com`` versus ``graph.microsoft.com``) and some behaviour depends on the host: the
client-credentials flow, for instance, is only accepted on a My Domain host. Host names cannot be made to resolve
to loopback without touching the machine's resolver, so each virtual host gets its own port on 127.0.0.1 instead,
and the listener tells the app which host a request arrived on through the ASGI scope key :data:`VHOST_SCOPE_KEY`.
Apps fall back to the ``Host`` header when the key is absent (in-process tests with ``httpx.ASGITransport``).

Listeners can be added while the server runs, so that an org created through an emulator's admin API gets its
own My Domain URL at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import uvicorn

from sfprov.emulators.tls import LocalCA

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

VHOST_SCOPE_KEY = "sfprov.vhost"
"""ASGI scope key holding the virtual host name (for example ``acme.my.salesforce.com``) of a listener."""


def virtual_host(scope: Scope) -> str:
    """The virtual host a request was addressed to: the listener's name, else the ``Host`` header's host."""
    name = scope.get(VHOST_SCOPE_KEY)
    if isinstance(name, str):
        return name
    for key, value in scope.get("headers", []):
        if key == b"host":
            host: str = value.decode("latin-1")
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return ""


def _with_vhost(app: ASGIApp, name: str) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope[VHOST_SCOPE_KEY] = name
        await app(scope, receive, send)

    return wrapped


@dataclass(frozen=True)
class Listener:
    name: str
    url: str
    port: int


class EmulatorHost:
    """An event loop in a background thread serving ASGI apps over HTTPS.

    Use it as a context manager in tests (``with EmulatorHost(ca) as host: url = host.add(app, name)``) or keep
    it running in the foreground of ``sfprov emulate``.
    """

    def __init__(self, ca: LocalCA, bind: str = "127.0.0.1") -> None:
        self.ca = ca
        self.bind = bind
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[tuple[uvicorn.Server, concurrent.futures.Future[None]]] = []
        self._listeners: dict[str, Listener] = {}
        self._by_app: dict[tuple[int, str], Listener] = {}
        self._lock = threading.Lock()

    def start(self) -> EmulatorHost:
        if self._thread is not None:
            return self
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="sfprov-emulators", daemon=True)
        self._thread.start()
        ready.wait()
        return self

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("EmulatorHost.start() was not called")
        return self._loop

    def add(self, app: ASGIApp, name: str, port: int = 0) -> str:
        """Serve ``app`` as virtual host ``name`` on a new loopback port; return its base URL (no slash).

        Asking again for the same app and name returns the same URL. Another app asking for a name already served
        gets a listener of its own: two emulators on one host never answer for each other.
        """
        with self._lock:
            if (id(app), name) in self._by_app:
                return self._by_app[(id(app), name)].url
            self.start()
            sock = socket.socket(socket.AF_INET6 if ":" in self.bind else socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.bind, port))
            # without it each small answer waits ~40 ms for a delayed ACK (a 100k-user delta round: 45 s, not 2 s)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.listen(512)
            sock.set_inheritable(False)
            actual_port = sock.getsockname()[1]
            config = uvicorn.Config(
                _with_vhost(app, name),
                ssl_certfile=str(self.ca.server_cert_file),
                ssl_keyfile=str(self.ca.server_key_file),
                log_level="warning",
                access_log=False,
                lifespan="off",
                server_header=False,
                timeout_keep_alive=30,
                timeout_graceful_shutdown=1,
            )
            server = uvicorn.Server(config)
            future = asyncio.run_coroutine_threadsafe(server.serve(sockets=[sock]), self.loop)
            while not server.started:
                if future.done():
                    future.result()  # raises the start-up error
                    raise RuntimeError(f"emulator listener {name} stopped during start-up")
                threading.Event().wait(0.005)
            self._servers.append((server, future))
            host = f"[{self.bind}]" if ":" in self.bind else self.bind
            listener = Listener(name=name, url=f"https://{host}:{actual_port}", port=actual_port)
            self._listeners.setdefault(name, listener)
            self._by_app[(id(app), name)] = listener
            return listener.url

    def url(self, name: str) -> str:
        """The URL of the first listener served under ``name``."""
        return self._listeners[name].url

    @property
    def listeners(self) -> dict[str, Listener]:
        return dict(self._listeners)

    def stop(self) -> None:
        if self._loop is None:
            return
        # uvicorn reports connections that clients left open as an error at shutdown; for an emulator that is noise
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        for server, _ in self._servers:
            server.should_exit = True
        for _, future in self._servers:
            with contextlib.suppress(Exception):
                future.result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._loop = None
        self._thread = None
        self._servers.clear()
        self._listeners.clear()
        self._by_app.clear()

    def __enter__(self) -> EmulatorHost:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
