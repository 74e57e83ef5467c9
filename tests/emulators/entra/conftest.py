"""Fixtures for the Graph side of the Entra emulator: a small tenant served over HTTPS on the session host.

The token service is another part of the emulator; these tests use a tiny fake verifier instead (bearer value
``<appId>|<role>,<role>``) so that Graph behaviour is tested on its own. The facade tests use the real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from sfprov.emulators.entra.directory import Directory, GraphError
from sfprov.emulators.entra.faults import Faults
from sfprov.emulators.entra.graph import GraphService
from sfprov.emulators.server import EmulatorHost, Receive, Scope, Send
from sfprov.emulators.tls import LocalCA

TENANT = "11111111-2222-4333-8444-555555555555"
CLIENT = "aaaaaaaa-0000-4000-8000-000000000001"
READ_ROLES = "User.Read.All,GroupMember.Read.All,Application.Read.All"
ALL_ROLES = READ_ROLES + ",User.ReadWrite.All,GroupMember.ReadWrite.All,AppRoleAssignment.ReadWrite.All"
ALL_ROLES += ",Application.ReadWrite.All,Group.ReadWrite.All"


@dataclass(frozen=True)
class FakeClaims:
    tenant_id: str
    app_id: str
    roles: frozenset[str]
    expires_at: float = 0.0


class FakeVerifier:
    """Stands in for tokens.TokenService.verify_bearer until the facade wires the real one."""

    def verify_bearer(self, authorization: str | None) -> FakeClaims:
        if not authorization or not authorization.startswith("Bearer "):
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        app_id, _, roles = authorization[len("Bearer ") :].partition("|")
        return FakeClaims(TENANT, app_id, frozenset(r for r in roles.split(",") if r))


@dataclass
class Switch:
    """One listener for the whole session; each test points it at its own fresh service."""

    service: GraphService | None = None
    extra: list[Any] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.applications import Starlette

        assert self.service is not None
        app = Starlette(routes=self.service.routes_for_starlette())
        await app(scope, receive, send)


@pytest.fixture(scope="session")
def graph_switch(emulator_host: EmulatorHost) -> tuple[Switch, str]:
    switch = Switch()
    url = emulator_host.add(switch, "graph.entra-tests.invalid")
    return switch, url


def make_directory() -> Directory:
    return Directory(TENANT, domains=["contoso.onmicrosoft.com", "contoso.com"], seed=7, clock=lambda: 1_700_000_000.0)


@dataclass
class Tenant:
    directory: Directory
    service: GraphService
    faults: Faults
    url: str
    ca: LocalCA

    def client(self, roles: str = ALL_ROLES, app_id: str = CLIENT, **headers: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url + "/v1.0",
            verify=self.ca.client_context(),
            headers={"Authorization": f"Bearer {app_id}|{roles}", **headers},
        )


@pytest.fixture
def tenant(graph_switch: tuple[Switch, str], local_ca: LocalCA) -> Iterator[Tenant]:
    switch, url = graph_switch
    directory = make_directory()
    faults = Faults(seed=1)
    service = GraphService(directory, FakeVerifier(), faults, secret=b"test-secret")
    switch.service = service
    yield Tenant(directory, service, faults, url, local_ca)
    switch.service = None


def add_user(d: Directory, nick: str, **props: Any) -> dict[str, Any]:
    base = {
        "accountEnabled": True,
        "displayName": nick.title(),
        "mailNickname": nick,
        "userPrincipalName": f"{nick}@contoso.com",
        "passwordProfile": {"password": "x-Not-Used-1"},
    }
    base.update(props)
    return d.create_user(base)
