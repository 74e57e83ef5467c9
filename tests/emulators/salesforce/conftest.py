"""Fixtures for the HTTP surface of the Salesforce emulator.

One emulator per test session, served on the session's ``emulator_host`` (listeners are per virtual host name, so
two emulators cannot share a host). Each test that changes an org gets its own fresh org (:func:`kit`) with the
standard profiles, four users and an External Client App; faults are reset after every test.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.salesforce.seed import generate_jwt_key_pair, seed_standard_setup, user_values
from sfprov.emulators.salesforce.store import Org
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA

_COUNTER = itertools.count(1)
API = "64.0"


@pytest.fixture(scope="session")
def sf(emulator_host: EmulatorHost) -> SalesforceEmulator:
    emulator = SalesforceEmulator.empty()
    emulator.serve(emulator_host)
    return emulator


@pytest.fixture(scope="session")
def jwt_keys() -> tuple[str, str]:
    """One RSA key pair for the whole session (2048-bit generation is the slow part of an org)."""
    return generate_jwt_key_pair("sfprov-tests")


@pytest.fixture(scope="session")
def http(local_ca: LocalCA) -> Iterator[httpx.Client]:
    with httpx.Client(verify=local_ca.client_context(), timeout=10) as client:
        yield client


@dataclass
class Person:
    user_id: str
    username: str
    password: str
    token: str


@dataclass
class Kit:
    """A fresh org and the ways to reach it."""

    sf: SalesforceEmulator
    org: Org
    http: httpx.Client
    admin: Person
    integration: Person
    standard: Person
    no_api: Person
    consumer_key: str
    consumer_secret: str
    private_pem: str

    @property
    def instance_url(self) -> str:
        return self.sf.org_url(self.org)

    @property
    def login_url(self) -> str:
        return self.sf.url("test.salesforce.com" if self.org.is_sandbox else "login.salesforce.com")

    def settings(self, **values: Any) -> None:
        self.sf.admin.update_settings(self.org.id, **values)

    def soap_login(
        self, person: Person, *, version: str = API, base: str | None = None, password: str | None = None
    ) -> httpx.Response:
        secret = password if password is not None else person.password + person.token
        envelope = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login>'
            f"<urn:username>{person.username}</urn:username><urn:password>{secret}</urn:password>"
            "</urn:login></soapenv:Body></soapenv:Envelope>"
        )
        return self.http.post(
            f"{base or self.login_url}/services/Soap/u/{version}",
            content=envelope,
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"},
        )

    def password_grant(self, person: Person, *, base: str | None = None) -> httpx.Response:
        return self.http.post(
            f"{base or self.login_url}/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": self.consumer_key,
                "client_secret": self.consumer_secret,
                "username": person.username,
                "password": person.password + person.token,
            },
        )

    def token(self, person: Person | None = None) -> str:
        """An access token for ``person`` (the integration user by default) through the password flow."""
        answer = self.password_grant(person or self.integration)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def rest(self, method: str, path: str, token: str | None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = path if path.startswith("http") else f"{self.instance_url}/services/data/v{API}/{path.lstrip('/')}"
        return self.http.request(method, url, headers=headers, **kwargs)

    def new_user_body(self, username: str, profile: str = "Standard User", **extra: Any) -> dict[str, Any]:
        first, _, last = username.partition("@")[0].partition(".")
        return user_values(
            username, first.title(), (last or first).title(), username, self.org.profile_id(profile), **extra
        )


def session_id(answer: httpx.Response) -> str:
    match = re.search(r"<sessionId>([^<]+)</sessionId>", answer.text)
    assert match, answer.text
    return match.group(1)


def _person(sf: SalesforceEmulator, org: Org, username: str, profile: str) -> Person:
    password = "Test-Passw0rd-" + username.split("@")[0]
    user_id = sf.admin.add_user(
        org.id,
        user_values(username, "Test", username.split("@")[0].title(), username, org.profile_id(profile)),
        password=password,
    )
    return Person(user_id, username, password, sf.admin.security_token(org.id, user_id))


def make_kit(sf: SalesforceEmulator, http: httpx.Client, keys: tuple[str, str], *, kind: str = "production") -> Kit:
    n = next(_COUNTER)
    options: dict[str, Any] = {"kind": kind, "my_domain": f"kit{n}"}
    if kind == "sandbox":
        options["sandbox_name"] = "qa"
    org = sf.admin.create_org(f"Kit {n}", **options)
    with sf.runtime.lock:
        seed_standard_setup(org, salesforce=50, platform=5, chatter_free=100, integration=5)
    suffix = f"@kit{n}.example.com"
    admin = _person(sf, org, "admin" + suffix, "System Administrator")
    integration = _person(sf, org, "integration" + suffix, "Provisioning Integration")
    standard = _person(sf, org, "standard" + suffix, "Standard User")
    no_api = _person(sf, org, "noapi" + suffix, "Minimum Access - Salesforce")
    private_pem, cert_pem = keys
    app = sf.admin.add_app(
        org.id,
        "sfprov",
        client_credentials_enabled=True,
        run_as_user_id=integration.user_id,
        certificate_pem=cert_pem,
        pre_authorized_profile_ids=[org.profile_id("Provisioning Integration")],
        password_flow_allowed=True,
    )
    return Kit(
        sf, org, http, admin, integration, standard, no_api, app["consumer_key"], app["consumer_secret"], private_pem
    )


@pytest.fixture
def kit(sf: SalesforceEmulator, http: httpx.Client, jwt_keys: tuple[str, str]) -> Kit:
    return make_kit(sf, http, jwt_keys)


@pytest.fixture(autouse=True)
def _healthy(sf: SalesforceEmulator) -> Iterator[None]:
    """Faults, counters and clock moves never leak from one test into the next."""
    yield
    sf.admin.clear_faults()
    sf.admin.reset_counters()
    sf.runtime.clock.reset()
