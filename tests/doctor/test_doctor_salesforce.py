"""`sfprov doctor` against the emulator: each prerequisite failure is produced by the emulator and diagnosed."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from sfprov.config.models import TargetConfig
from sfprov.doctor.model import Check, Status, exit_code
from sfprov.doctor.salesforce import check_salesforce, profiles_used
from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.salesforce.seed import seed_standard_setup, user_values
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA
from sfprov.mapping.config import MappingConfig

_N = itertools.count(1)


@pytest.fixture(scope="module")
def emulator(local_ca: LocalCA) -> Iterator[SalesforceEmulator]:
    with EmulatorHost(local_ca) as host:
        sf = SalesforceEmulator.empty()
        sf.serve(host)
        yield sf


class OrgKit:
    def __init__(self, sf: SalesforceEmulator, ca_file: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sf, self.ca_file, self.monkeypatch = sf, ca_file, monkeypatch
        n = next(_N)
        self.org = sf.admin.create_org(f"Doctor {n}", kind="production", my_domain=f"doc{n}")
        with sf.runtime.lock:
            seed_standard_setup(self.org, salesforce=3, platform=1, chatter_free=10, integration=2)
        self.username = f"integration@doc{n}.example.com"
        self.password = "Test-Passw0rd-doc"
        self.user_id = sf.admin.add_user(
            self.org.id,
            user_values(
                self.username, "Int", "Egration", self.username, self.org.profile_id("Provisioning Integration")
            ),
            password=self.password,
        )
        app = sf.admin.add_app(self.org.id, "sfprov", client_credentials_enabled=True, run_as_user_id=self.user_id)
        self.key, self.secret = app["consumer_key"], app["consumer_secret"]
        monkeypatch.setenv("DOC_SF_SECRET", self.secret)
        monkeypatch.setenv("DOC_SF_PASSWORD", self.password)
        monkeypatch.setenv("DOC_SF_TOKEN", sf.admin.security_token(self.org.id, self.user_id))

    def target(self, login: dict[str, Any] | None = None, **extra: Any) -> TargetConfig:
        login = login or {
            "method": "client_credentials",
            "my_domain_url": self.sf.org_url(self.org),
            "client_id": self.key,
            "client_secret": {"env": "DOC_SF_SECRET"},
        }
        return TargetConfig.model_validate({"name": "prod", "login": login, "ca_bundle": self.ca_file, **extra})

    def soap(self, *, token: bool = True) -> dict[str, Any]:
        login: dict[str, Any] = {
            "method": "soap",
            "login_url": self.sf.url("login.salesforce.com"),
            "username": self.username,
            "password": {"env": "DOC_SF_PASSWORD"},
        }
        if token:
            login["security_token"] = {"env": "DOC_SF_TOKEN"}
        return login


@pytest.fixture
def kit(emulator: SalesforceEmulator, local_ca: LocalCA, monkeypatch: pytest.MonkeyPatch) -> OrgKit:
    return OrgKit(emulator, str(local_ca.ca_file), monkeypatch)


def doctor(target: TargetConfig, mapping: MappingConfig | None = None) -> dict[str, Check]:
    checks = asyncio.run(check_salesforce(target, mapping or MappingConfig()))
    return {c.name: c for c in checks}


def test_all_green_with_client_credentials(kit: OrgKit) -> None:
    checks = doctor(kit.target())
    assert checks["host and TLS"].status is Status.PASS
    assert checks["login"].status is Status.PASS
    assert checks["API access and permissions"].status is Status.PASS
    assert checks["licences: Chatter Free User"].status is Status.PASS
    assert checks["API allowance"].status is Status.PASS
    assert exit_code(list(checks.values())) == 0


def test_untrusted_tls(kit: OrgKit) -> None:
    target = kit.target().model_copy(update={"ca_bundle": None})
    checks = doctor(target)
    assert checks["host and TLS"].status is Status.FAIL
    assert "not trusted" in checks["host and TLS"].detail
    assert "ca_bundle" in (checks["host and TLS"].fix or "")
    assert checks["login"].status is Status.SKIP


def test_soap_login_disabled_names_the_setting(kit: OrgKit) -> None:
    checks = doctor(kit.target(kit.soap()))
    assert checks["login method"].status is Status.WARN
    assert checks["login"].status is Status.FAIL
    assert "Setup > User Interface > 'Enable SOAP API login()'" in (checks["login"].fix or "")
    assert kit.password not in str(checks)


def test_missing_security_token(kit: OrgKit) -> None:
    kit.sf.admin.update_settings(kit.org.id, soap_login_enabled=True)
    checks = doctor(kit.target(kit.soap(token=False)))
    assert checks["login"].status is Status.FAIL
    assert "security token" in (checks["login"].fix or "").lower()


def test_stale_security_token(kit: OrgKit, monkeypatch: pytest.MonkeyPatch) -> None:
    kit.sf.admin.update_settings(kit.org.id, soap_login_enabled=True)
    monkeypatch.setenv("DOC_SF_TOKEN", "AnOldTokenFromBeforeTheReset")
    checks = doctor(kit.target(kit.soap()))
    assert checks["login"].status is Status.FAIL
    assert "INVALID_LOGIN" in checks["login"].detail


def test_expired_password(kit: OrgKit) -> None:
    kit.sf.admin.update_settings(kit.org.id, soap_login_enabled=True)
    new_token = kit.sf.admin.set_password(kit.org.id, kit.user_id, kit.password, expired=True)
    kit.monkeypatch.setenv("DOC_SF_TOKEN", new_token)  # a password reset issues a new token, as in Salesforce
    checks = doctor(kit.target(kit.soap()))
    assert checks["login"].status is Status.FAIL
    assert "expired" in checks["login"].detail.lower()
    assert "new password" in (checks["login"].fix or "")


def test_missing_manage_users(kit: OrgKit) -> None:
    standard = f"standard@{kit.org.my_domain}.example"
    user_id = kit.sf.admin.add_user(
        kit.org.id, user_values(standard, "Std", "User", standard, kit.org.profile_id("Standard User"))
    )
    app = kit.sf.admin.add_app(kit.org.id, "std", client_credentials_enabled=True, run_as_user_id=user_id)
    kit.monkeypatch.setenv("DOC_SF_SECRET", app["consumer_secret"])
    target = kit.target(
        {
            "method": "client_credentials",
            "my_domain_url": kit.sf.org_url(kit.org),
            "client_id": app["consumer_key"],
            "client_secret": {"env": "DOC_SF_SECRET"},
        }
    )
    checks = doctor(target)
    check = checks["API access and permissions"]
    assert check.status is Status.FAIL
    assert "Manage Users" in check.detail
    assert "Setup > Profiles > Standard User" in (check.fix or "")


def test_trial_org_without_api(kit: OrgKit) -> None:
    kit.sf.admin.update_settings(kit.org.id, trial_no_api=True)
    checks = doctor(kit.target())
    assert Status.FAIL in {checks["login"].status, checks["API access and permissions"].status}
    failing = checks["login"] if checks["login"].status is Status.FAIL else checks["API access and permissions"]
    assert "API_DISABLED_FOR_ORG" in failing.detail
    assert failing.fix


def test_licences_for_the_mapping_profiles(kit: OrgKit) -> None:
    for i in range(3):  # fill the three full Salesforce seats
        name = f"seat{i}@{kit.org.my_domain}.example"
        kit.sf.admin.add_user(kit.org.id, user_values(name, "S", "Seat", name, kit.org.profile_id("Standard User")))
    mapping = MappingConfig.model_validate(
        {
            "profile_source": "group_rules",
            "profile_rules": [
                {"group": "Sales", "profile": "Standard User"},
                {"group": "Finance", "profile": "Finance Analyst"},
            ],
            "profile_default": "Chatter Free User",
        }
    )
    assert profiles_used(mapping) == {"Standard User", "Finance Analyst", "Chatter Free User"}
    checks = doctor(kit.target(), mapping)
    assert checks["licences: Standard User"].status is Status.WARN
    assert "No free Salesforce licence" in checks["licences: Standard User"].detail
    assert checks["licences: Finance Analyst"].status is Status.FAIL
    assert checks["licences: Chatter Free User"].status is Status.PASS


def test_api_allowance_near_the_reserve(kit: OrgKit) -> None:
    maximum = kit.org.settings.daily_api_requests
    kit.sf.admin.set_api_usage(kit.org.id, maximum - 10)
    checks = doctor(kit.target())
    assert checks["API allowance"].status is Status.WARN
    assert "reserve" in checks["API allowance"].detail


def test_missing_secret_is_a_config_failure(kit: OrgKit, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOC_SF_SECRET")
    checks = doctor(kit.target())
    assert checks["secrets"].status is Status.FAIL
    assert "DOC_SF_SECRET" in checks["secrets"].detail
    assert checks["login"].status is Status.SKIP


def test_profiles_used_follow_the_effective_mapping() -> None:
    assert profiles_used(MappingConfig()) == {"Chatter Free User"}  # the gallery row's default
    constant = {"target": "ProfileName", "type": "constant", "value": "Standard User"}
    assert profiles_used(MappingConfig.model_validate({"attributes": [constant]})) == {"Standard User"}
    assert profiles_used(MappingConfig.model_validate({"remove": ["ProfileName"]})) == set()
