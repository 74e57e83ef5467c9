"""Fixtures for the Graph side of the Entra emulator: a small tenant served over HTTPS on the session host.

Bearer tokens come from the real token service (client credentials with a secret), one client app per role set,
so that the permission checks run on the ``roles`` claim exactly as in production.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from sfprov.emulators.entra import TokenVerifier
from sfprov.emulators.entra.directory import Directory
from sfprov.emulators.entra.faults import Faults
from sfprov.emulators.entra.graph import GraphService
from sfprov.emulators.entra.tokens import TokenService
from sfprov.emulators.server import EmulatorHost, Receive, Scope, Send
from sfprov.emulators.tls import LocalCA

TENANT = "11111111-2222-4333-8444-555555555555"
CLIENT = "aaaaaaaa-0000-4000-8000-000000000001"
READ_ROLES = "User.Read.All,GroupMember.Read.All,Application.Read.All"
ALL_ROLES = READ_ROLES + ",User.ReadWrite.All,GroupMember.ReadWrite.All,AppRoleAssignment.ReadWrite.All"
ALL_ROLES += ",Application.ReadWrite.All,Group.ReadWrite.All"


@pytest.fixture(scope="session")
def token_service() -> TokenService:
    """The real token service (one signing key for the session); each role set gets its own client app."""
    service = TokenService()
    service.add_tenant(TENANT, domains=["contoso.onmicrosoft.com", "contoso.com"], display_name="Contoso")
    return service


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
    tokens: TokenService

    def token(self, roles: str, app_id: str = CLIENT) -> str:
        """An app-only token for a client app holding exactly ``roles`` (registered on first use)."""
        client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{app_id}|{roles}"))
        secret = f"test-secret-{client_id[:8]}"
        if self.tokens.tenant(TENANT).app(client_id) is None:
            self.tokens.add_client_app(
                TENANT,
                client_id=client_id,
                display_name=f"test app {app_id}",
                secrets=[secret],
                granted_roles=[r for r in roles.split(",") if r],
            )
        form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "https://graph.microsoft.com/.default",
        }
        return str(self.tokens.issue_token(TENANT, form)["access_token"])

    def client(self, roles: str = ALL_ROLES, app_id: str = CLIENT, **headers: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url + "/v1.0",
            verify=self.ca.client_context(),
            headers={"Authorization": f"Bearer {self.token(roles, app_id)}", **headers},
        )


@pytest.fixture
def tenant(graph_switch: tuple[Switch, str], local_ca: LocalCA, token_service: TokenService) -> Iterator[Tenant]:
    switch, url = graph_switch
    directory = make_directory()
    faults = Faults(seed=1)
    service = GraphService(directory, TokenVerifier(token_service), faults, secret=b"test-secret")
    switch.service = service
    yield Tenant(directory, service, faults, url, local_ca, token_service)
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
