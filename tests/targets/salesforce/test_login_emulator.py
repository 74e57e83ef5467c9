"""Every login method against the emulator, and the precise error each misconfiguration gives."""

from __future__ import annotations

import pytest

from sfprov.errors import AuthFailed
from sfprov.secrets import Secret
from sfprov.targets.salesforce.auth import ClientCredentials

from .conftest import Org, run


def logged_in(org: Org, method: object) -> tuple[str | None, str | None, str]:
    async def go() -> tuple[str | None, str | None, str]:
        async with org.client(method) as sf:
            session = await sf.session()
            return session.user_id, session.org_id, session.instance_url

    return run(go())


def test_client_credentials_on_my_domain(production: Org) -> None:
    user_id, org_id, instance = logged_in(production, production.client_credentials())
    assert user_id == production.integration["user_id"]
    assert org_id == production.org_id
    assert instance == production.info["instance_url"]


def test_client_credentials_on_the_login_host_names_the_fix(production: Org) -> None:
    with pytest.raises(AuthFailed) as info:
        logged_in(production, production.client_credentials(host=production.info["login_url"]))
    assert "request not supported on this domain" in str(info.value)
    assert "My Domain" in (info.value.fix or "")


def test_wrong_consumer_secret(production: Org) -> None:
    method = ClientCredentials(production.info["instance_url"], production.app["consumer_key"], Secret("wrong"))
    with pytest.raises(AuthFailed) as info:
        logged_in(production, method)
    assert "wrong" not in str(info.value)


def test_jwt_bearer(production: Org) -> None:
    user_id, org_id, _ = logged_in(production, production.jwt())
    assert user_id == production.integration["user_id"]
    assert org_id == production.org_id


def test_soap_login_disabled_by_default_in_new_orgs(production: Org) -> None:
    assert production.info["soap_login_enabled"] is False
    with pytest.raises(AuthFailed) as info:
        logged_in(production, production.soap())
    assert info.value.code == "SOAP_LOGIN_DISABLED"
    assert "SOAP API login() is disabled by default in this org" in str(info.value)
    assert "Enable SOAP API login()" in (info.value.fix or "")
    assert production.integration["password"] not in str(info.value)


def test_soap_login_where_enabled(sandbox: Org) -> None:
    user_id, org_id, instance = logged_in(sandbox, sandbox.soap())
    assert user_id == sandbox.integration["user_id"]
    assert org_id is not None
    assert sandbox.org_id.startswith(org_id[:15])
    assert instance == sandbox.info["instance_url"]


def test_soap_login_without_token(sandbox: Org) -> None:
    with pytest.raises(AuthFailed) as info:
        logged_in(sandbox, sandbox.soap(token=False))
    assert info.value.code in {"INVALID_LOGIN", "LOGIN_MUST_USE_SECURITY_TOKEN"}
    assert info.value.fix


def test_password_flow(sandbox: Org) -> None:
    user_id, _, _ = logged_in(sandbox, sandbox.password())
    assert user_id == sandbox.integration["user_id"]


def test_expired_session_is_renewed_transparently(production: Org) -> None:
    async def go() -> int:
        async with production.client() as sf:
            first = await sf.session()
            production.emulator.admin.expire_sessions(production.org_id)
            count = await sf.count("SELECT COUNT() FROM User")
            second = await sf.session()
            assert second.access_token != first.access_token
            assert sf.calls.by_kind["login"] == 2
            return count

    assert run(go()) > 0
