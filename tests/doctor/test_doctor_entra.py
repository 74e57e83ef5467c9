"""`sfprov doctor` Entra checks against the Entra emulator: each prerequisite failure is produced by the emulator
(wrong secret, unknown tenant, consent missing, wrong app id, unknown group) and diagnosed with its fix."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfprov.config.models import SourceConfig
from sfprov.doctor.entra import check_entra
from sfprov.doctor.model import Check, Status, exit_code
from sfprov.emulators.entra import EntraEmulator
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME, SALESFORCE_APP_ID
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA
from tests.sources.entra.conftest import no_delay

SECRET_ENV = "DOCTOR_ENTRA_SECRET"


@pytest.fixture(scope="module")
def host(local_ca: LocalCA) -> Iterator[EmulatorHost]:
    with EmulatorHost(local_ca) as emulator_host:
        yield emulator_host


@pytest.fixture
def emulator(host: EmulatorHost) -> EntraEmulator:
    entra = EntraEmulator.demo()
    entra.serve(host)
    no_delay(host)
    return entra


@pytest.fixture
def config(emulator: EntraEmulator, ca_file: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    info = emulator.info()
    monkeypatch.setenv(SECRET_ENV, info["client_secret"])
    authority, _, tenant = info["authority"].rpartition("/")
    return {
        "tenant_id": tenant,
        "client_id": info["client_id"],
        "client_secret": {"env": SECRET_ENV},
        "authority_url": authority,
        "graph_url": info["graph_base_url"],
        "ca_bundle": str(ca_file),
        "scope": {"mode": "app_assignment", "app_id": SALESFORCE_APP_ID},
    }


def doctor(config: dict[str, Any], **changes: Any) -> dict[str, Check]:
    source = SourceConfig.model_validate({**config, **changes})
    checks = asyncio.run(check_entra(source))
    assert all(c.area == "entra" for c in checks)
    return {c.name: c for c in checks}


def statuses(checks: dict[str, Check]) -> dict[str, Status]:
    return {name: c.status for name, c in checks.items()}


def test_all_green(config: dict[str, Any]) -> None:
    checks = doctor(config)
    assert statuses(checks) == {
        "token": Status.PASS,
        "permissions": Status.PASS,
        "scope": Status.PASS,
        "groups": Status.PASS,
        "directory read": Status.PASS,
    }
    assert "Application.Read.All" in checks["permissions"].detail
    assert "Standard User" in checks["scope"].detail
    assert exit_code(list(checks.values())) == 0


def test_groups_mode_all_green(config: dict[str, Any]) -> None:
    checks = doctor(config, scope={"mode": "groups", "groups": [LICENSED_GROUP_NAME]})
    assert checks["scope"].status is Status.PASS
    assert LICENSED_GROUP_NAME in checks["scope"].detail


def test_wrong_secret_names_the_aadsts_code_and_the_fix(
    config: dict[str, Any], emulator: EntraEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "not-the-secret-" + uuid.uuid4().hex
    monkeypatch.setenv(SECRET_ENV, wrong)
    checks = doctor(config)
    token = checks["token"]
    assert token.status is Status.FAIL
    assert "AADSTS7000215" in token.detail
    assert "Certificates & secrets" in (token.fix or "")
    assert all(c.status is Status.SKIP for name, c in checks.items() if name != "token")
    for check in checks.values():
        assert wrong not in check.detail
        assert emulator.info()["client_secret"] not in check.detail + (check.fix or "")
    assert exit_code(list(checks.values())) == 1


def test_missing_secret_variable(config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    token = doctor(config)["token"]
    assert token.status is Status.FAIL
    assert SECRET_ENV in token.detail


def test_unknown_tenant(config: dict[str, Any]) -> None:
    token = doctor(config, tenant_id=str(uuid.uuid4()))["token"]
    assert token.status is Status.FAIL
    assert "check tenant_id" in (token.fix or "")
    assert "MSAL" in token.detail


def test_missing_permissions_are_named_with_the_admin_consent_step(
    config: dict[str, Any], emulator: EntraEmulator
) -> None:
    info = emulator.info()
    emulator.tokens.set_granted_roles(info["tenant_id"], info["client_id"], {"User.Read.All"})
    emulator.tokens.expire_all_tokens()
    checks = doctor(config)
    permissions = checks["permissions"]
    assert permissions.status is Status.FAIL
    assert "GroupMember.Read.All" in permissions.detail
    assert "Application.Read.All" in permissions.detail
    assert "User.Read.All" not in permissions.detail.split("(granted")[0]
    assert "Grant admin consent" in (permissions.fix or "")
    assert checks["scope"].status is Status.FAIL  # the service principal cannot be read without Application.Read.All
    assert checks["directory read"].status is Status.PASS


def test_broader_permission_counts(config: dict[str, Any], emulator: EntraEmulator) -> None:
    info = emulator.info()
    emulator.tokens.set_granted_roles(info["tenant_id"], info["client_id"], {"Directory.Read.All"})
    emulator.tokens.expire_all_tokens()
    assert doctor(config)["permissions"].status is Status.PASS


def test_service_principal_not_found(config: dict[str, Any]) -> None:
    checks = doctor(config, scope={"mode": "app_assignment", "app_id": str(uuid.uuid4())})
    scope = checks["scope"]
    assert scope.status is Status.FAIL
    assert "No enterprise app" in scope.detail
    assert "Enterprise applications" in (scope.fix or "")
    assert checks["groups"].status is Status.SKIP


def test_groups_mode_with_an_unknown_group(config: dict[str, Any]) -> None:
    unknown_id = str(uuid.uuid4())
    checks = doctor(config, scope={"mode": "groups", "groups": ["No Such Group", LICENSED_GROUP_NAME, unknown_id]})
    scope = [c for c in checks.values() if c.name == "scope"]
    assert len(scope) == 1
    assert scope[0].status is Status.FAIL
    assert "No Such Group" in scope[0].detail
    assert unknown_id in scope[0].detail
    assert LICENSED_GROUP_NAME in scope[0].detail  # the good one is still reported as readable
    assert "Object ID" in (scope[0].fix or "")


def test_assignment_without_anyone_is_a_warning(config: dict[str, Any], emulator: EntraEmulator) -> None:
    directory = emulator.directory
    sp = directory.service_principal_by_app_id(SALESFORCE_APP_ID)
    for assignment in directory.assignments_to(sp["id"]):
        emulator.admin.unassign(assignment["id"])
    checks = doctor(config)
    assert checks["scope"].status is Status.WARN
    assert checks["groups"].status is Status.PASS
    assert exit_code(list(checks.values())) == 0


def test_certificate_credential_from_a_key_file_relative_to_the_config(
    config: dict[str, Any], emulator: EntraEmulator, tmp_path: Path
) -> None:
    info = emulator.info()
    key = tmp_path / "entra-key.pem"
    key.write_text(info["client_private_key_pem"], encoding="utf-8")
    key.chmod(0o600)
    cert_config = {k: v for k, v in config.items() if k != "client_secret"}
    cert_config["certificate"] = {
        "private_key": {"file": "entra-key.pem"},
        "thumbprint": info["client_certificate_thumbprint"],
    }
    checks = asyncio.run(check_entra(SourceConfig.model_validate(cert_config), base_dir=tmp_path))
    assert [c.status for c in checks] == [Status.PASS] * 5
    wrong = {**cert_config, "certificate": {**cert_config["certificate"], "thumbprint": "0" * 40}}
    token = asyncio.run(check_entra(SourceConfig.model_validate(wrong), base_dir=tmp_path))[0]
    assert token.status is Status.FAIL
    assert "AADSTS700027" in token.detail
    assert "source.certificate.thumbprint" in (token.fix or "")
    assert "BEGIN" not in token.detail + (token.fix or "")


def test_group_members_unreadable_without_group_member_permission(
    config: dict[str, Any], emulator: EntraEmulator
) -> None:
    info = emulator.info()
    emulator.tokens.set_granted_roles(info["tenant_id"], info["client_id"], {"User.Read.All", "Application.Read.All"})
    emulator.tokens.expire_all_tokens()
    checks = doctor(config)
    assert checks["permissions"].status is Status.FAIL
    assert checks["permissions"].detail.startswith("Not granted: GroupMember.Read.All")
    assert checks["scope"].status is Status.PASS  # the service principal and its assignments are readable
    assert checks["groups"].status is Status.FAIL
    assert "admin consent" in (checks["groups"].fix or "")
