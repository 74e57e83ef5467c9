"""The Salesforce connector against the emulator over HTTPS: a demo emulator on its own host for this package."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA
from sfprov.secrets import Secret
from sfprov.targets.salesforce.auth import ClientCredentials, JwtBearer, PasswordFlow, SoapLogin
from sfprov.targets.salesforce.client import RetryPolicy, SalesforceClient

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@dataclass
class Org:
    """One demo org of the emulator, with the ways the connector can log in to it."""

    emulator: SalesforceEmulator
    info: dict[str, Any]
    ca_file: str

    @property
    def org_id(self) -> str:
        return str(self.info["org_id"])

    @property
    def integration(self) -> dict[str, Any]:
        return next(u for u in self.info["users"] if u["username"].startswith("integration@"))

    @property
    def app(self) -> dict[str, Any]:
        return dict(self.info["external_client_apps"][0])

    def client_credentials(self, *, host: str | None = None) -> ClientCredentials:
        return ClientCredentials(
            host or self.info["instance_url"], self.app["consumer_key"], Secret(self.app["consumer_secret"])
        )

    def jwt(self, *, username: str | None = None) -> JwtBearer:
        return JwtBearer(
            self.info["login_url"],
            self.app["consumer_key"],
            username or self.integration["username"],
            Secret(self.app["jwt_private_key_pem"]),
            audience="https://test.salesforce.com"
            if self.info["kind"] == "sandbox"
            else "https://login.salesforce.com",
        )

    def soap(self, *, token: bool = True) -> SoapLogin:
        user = self.integration
        return SoapLogin(
            self.info["login_url"],
            user["username"],
            Secret(user["password"]),
            Secret(user["security_token"]) if token else None,
        )

    def password(self) -> PasswordFlow:
        user = self.integration
        return PasswordFlow(
            self.info["login_url"],
            self.app["consumer_key"],
            Secret(self.app["consumer_secret"]),
            user["username"],
            Secret(user["password"]),
            Secret(user["security_token"]),
        )

    def client(self, method: Any = None, **kw: Any) -> SalesforceClient:
        kw.setdefault("retry", RetryPolicy(attempts=4, base_seconds=0.01, cap_seconds=0.05))
        return SalesforceClient(method or self.client_credentials(), ca_bundle=self.ca_file, **kw)


@dataclass
class Emulated:
    emulator: SalesforceEmulator
    ca_file: str

    def org(self, kind: str) -> Org:
        info = next(o for o in self.emulator.info()["orgs"] if o["kind"] == kind)
        return Org(self.emulator, info, self.ca_file)


@pytest.fixture(scope="module")
def emulated(local_ca: LocalCA) -> Iterator[Emulated]:
    with EmulatorHost(local_ca) as host:
        emulator = SalesforceEmulator.demo()
        emulator.serve(host)
        yield Emulated(emulator, str(local_ca.ca_file))


@pytest.fixture
def production(emulated: Emulated) -> Iterator[Org]:
    org = emulated.org("production")
    yield org
    emulated.emulator.admin.clear_faults()


@pytest.fixture
def sandbox(emulated: Emulated) -> Org:
    return emulated.org("sandbox")


_ORGS = iter(range(1, 10_000))


@pytest.fixture
def fresh(emulated: Emulated) -> Iterator[Org]:
    """A new org with the standard profiles (50 Salesforce, 100 Chatter Free licences), an integration user and an
    External Client App, so that each test starts from known counts."""
    from sfprov.emulators.salesforce.seed import seed_standard_setup, user_values

    n = next(_ORGS)
    admin = emulated.emulator.admin
    org = admin.create_org(f"Connector {n}", kind="production", my_domain=f"conn{n}")
    with emulated.emulator.runtime.lock:
        seed_standard_setup(org, salesforce=50, platform=5, chatter_free=100, integration=5)
    username = f"integration@conn{n}.example.com"
    integration = admin.add_user(
        org.id,
        user_values(username, "Int", "Egration", username, org.profile_id("Provisioning Integration")),
        password="Test-Passw0rd-int",
    )
    admin.add_app(org.id, "sfprov", client_credentials_enabled=True, run_as_user_id=integration)
    info = next(o for o in emulated.emulator.info()["orgs"] if o["org_id"] == org.id)
    yield Org(emulated.emulator, info, emulated.ca_file)
    admin.clear_faults()
