"""Orgs whose integration user gets its permissions from a chosen profile and chosen permission sets.

Each :class:`IntegrationOrg` is a fresh emulated org with the standard setup (reference ``salesforce.md`` §5.1:
including the "Salesforce Integration" licence and the "Minimum Access - API Only Integrations" profile); each
:meth:`IntegrationOrg.integration_user` adds a user, assigns it permission sets made for it, and returns a target
that logs in as that user through an External Client App with client credentials (§11.1).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from sfprov.config.models import TargetConfig
from sfprov.doctor.model import Check
from sfprov.doctor.salesforce import check_salesforce
from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.salesforce.seed import seed_standard_setup, user_values
from sfprov.emulators.salesforce.store import Org
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA
from sfprov.mapping.config import MappingConfig

API_ONLY_PROFILE = "Minimum Access - API Only Integrations"
PASSWORD = "Doctor-Perm1ssions"
_N = itertools.count(1)


class IntegrationOrg:
    def __init__(self, sf: SalesforceEmulator, ca_file: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sf, self.ca_file, self.monkeypatch = sf, ca_file, monkeypatch
        n = next(_N)
        self.org: Org = sf.admin.create_org(f"Doctor perms {n}", kind="production", my_domain=f"docperm{n}")
        with sf.runtime.lock:
            seed_standard_setup(self.org, salesforce=3, platform=1, chatter_free=10, integration=5)
        self._users = itertools.count(1)
        self.usernames: dict[str, str] = {}

    def permission_set(self, name: str, **permissions: bool) -> str:
        """A custom permission set with these ``Permissions*`` flags (e.g. ``manage_users=True``)."""
        flags: dict[str, Any] = dict(permissions)
        with self.sf.runtime.lock:
            return self.org.add_permission_set(name, name.replace("_", " "), **flags)

    def assign(self, user_id: str, permission_set_id: str) -> None:
        with self.sf.runtime.lock:
            result = self.org.create(
                "PermissionSetAssignment",
                [{"AssigneeId": user_id, "PermissionSetId": permission_set_id}],
                running_user_id=None,
                all_or_none=True,
            )[0]
        assert result.success, result.errors

    def integration_user(
        self, profile: str = API_ONLY_PROFILE, permission_sets: dict[str, dict[str, bool]] | None = None
    ) -> tuple[str, TargetConfig]:
        """A user of ``profile`` with ``permission_sets`` (name -> flags) assigned; its user id and a target."""
        n = next(self._users)
        username = f"sfprov{n}@{self.org.my_domain}.example.com"
        user_id = self.sf.admin.add_user(
            self.org.id,
            user_values(username, "Sf", f"Prov{n}", username, self.org.profile_id(profile)),
            password=PASSWORD,
        )
        self.usernames[user_id] = username
        for name, flags in (permission_sets or {}).items():
            self.assign(user_id, self.permission_set(f"{name}_{n}", **flags))
        app = self.sf.admin.add_app(self.org.id, f"sfprov{n}", client_credentials_enabled=True, run_as_user_id=user_id)
        env = f"DOC_PERM_SECRET_{n}"
        self.monkeypatch.setenv(env, app["consumer_secret"])
        return user_id, self.target(app["consumer_key"], env)

    def soap_target(self, user_id: str) -> TargetConfig:
        """A target logging in as ``user_id`` with SOAP ``login()``, password plus security token (§9)."""
        self.monkeypatch.setenv("DOC_PERM_PASSWORD", PASSWORD)
        self.monkeypatch.setenv("DOC_PERM_TOKEN", self.sf.admin.security_token(self.org.id, user_id))
        login = {
            "method": "soap",
            "login_url": self.sf.url("login.salesforce.com"),
            "username": self.usernames[user_id],
            "password": {"env": "DOC_PERM_PASSWORD"},
            "security_token": {"env": "DOC_PERM_TOKEN"},
        }
        return TargetConfig.model_validate({"name": "prod", "login": login, "ca_bundle": self.ca_file})

    def target(self, client_id: str, env: str, **extra: Any) -> TargetConfig:
        login = {
            "method": "client_credentials",
            "my_domain_url": self.sf.org_url(self.org),
            "client_id": client_id,
            "client_secret": {"env": env},
        }
        return TargetConfig.model_validate({"name": "prod", "login": login, "ca_bundle": self.ca_file, **extra})


@pytest.fixture(scope="module")
def perm_emulator(local_ca: LocalCA) -> Iterator[SalesforceEmulator]:
    with EmulatorHost(local_ca) as host:
        sf = SalesforceEmulator.empty()
        sf.serve(host)
        yield sf


@pytest.fixture
def integration_org(
    perm_emulator: SalesforceEmulator, local_ca: LocalCA, monkeypatch: pytest.MonkeyPatch
) -> IntegrationOrg:
    return IntegrationOrg(perm_emulator, str(local_ca.ca_file), monkeypatch)


def run_doctor(target: TargetConfig, mapping: MappingConfig | None = None) -> dict[str, Check]:
    """The Salesforce checks by name."""
    checks = asyncio.run(check_salesforce(target, mapping or MappingConfig()))
    return {c.name: c for c in checks}
