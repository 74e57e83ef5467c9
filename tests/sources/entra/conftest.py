"""The Entra source connector against the Entra emulator over HTTPS."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from sfprov.emulators.entra import EntraEmulator
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME, SALESFORCE_APP_ID
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA
from sfprov.secrets import Secret
from sfprov.sources.entra.graph import GraphClient
from sfprov.sources.entra.reader import EntraReader, ScopeSettings
from sfprov.sources.entra.tokens import ClientSecretCredential, GraphTokenProvider

T = TypeVar("T")
ATTRIBUTES = (
    "userPrincipalName",
    "mail",
    "givenName",
    "surname",
    "department",
    "preferredLanguage",
    "extensionAttribute1",
)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@dataclass
class Tenant:
    emulator: EntraEmulator
    ca_file: str

    @property
    def info(self) -> dict[str, Any]:
        return self.emulator.info()

    def tokens(self) -> GraphTokenProvider:
        info = self.info
        authority, _, tenant = info["authority"].rpartition("/")
        return GraphTokenProvider(
            authority_url=authority,
            tenant_id=tenant,
            client_id=info["client_id"],
            credential=ClientSecretCredential(Secret(info["client_secret"])),
            graph_url=info["graph_base_url"],
            ca_bundle=self.ca_file,
        )

    def graph(self, **kw: Any) -> GraphClient:
        return GraphClient(self.tokens(), base_url=self.info["graph_base_url"], ca_bundle=self.ca_file, **kw)

    def reader(self, graph: GraphClient, **scope: Any) -> EntraReader:
        settings = ScopeSettings(**{"mode": "app_assignment", "app_id": SALESFORCE_APP_ID, **scope})
        return EntraReader(graph, settings, ATTRIBUTES)

    def user(self, upn: str) -> dict[str, Any]:
        return self.emulator.directory.user(upn)

    @property
    def licensed_group(self) -> dict[str, Any]:
        return self.emulator.admin.group_by_name(LICENSED_GROUP_NAME)


def no_delay(host: EmulatorHost) -> None:
    """Set TCP_NODELAY on the host's listening sockets (accepted connections inherit it).

    Without it every request to the emulator waits ~40 ms (Nagle's algorithm on the server meets delayed ACKs on
    the client), which makes these tests ten times slower; reported to the lead for
    ``sfprov.emulators.server``. Harmless once the server sets it itself.
    """
    for server, _future in getattr(host, "_servers", []):
        for listener in getattr(server, "servers", None) or []:
            for sock in listener.sockets:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@pytest.fixture(scope="module")
def host(local_ca: LocalCA) -> Iterator[EmulatorHost]:
    with EmulatorHost(local_ca) as emulator_host:
        yield emulator_host


@pytest.fixture
def tenant(host: EmulatorHost, local_ca: LocalCA) -> Tenant:
    """A fresh demo tenant per test: tests change it."""
    emulator = EntraEmulator.demo()
    emulator.serve(host)
    no_delay(host)
    return Tenant(emulator, str(local_ca.ca_file))
