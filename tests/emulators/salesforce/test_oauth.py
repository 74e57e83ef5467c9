"""OAuth token endpoint: client credentials (My Domain only), JWT bearer, username-password (reference §11)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import httpx
import jwt
import pytest

from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.salesforce.seed import generate_jwt_key_pair
from tests.emulators.salesforce.conftest import Kit, make_kit

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def assertion(
    kit: Kit,
    *,
    sub: str | None = None,
    aud: str = "https://login.salesforce.com",
    exp: float | None = None,
    iss: str | None = None,
    key: str | None = None,
) -> str:
    claims = {
        "iss": iss or kit.consumer_key,
        "sub": sub or kit.integration.username,
        "aud": aud,
        "exp": str(int(exp if exp is not None else time.time() + 180)),  # as simple-salesforce sends it
    }
    return jwt.encode(claims, key or kit.private_pem, algorithm="RS256")


def token(kit: Kit, base: str, **form: str) -> httpx.Response:
    return kit.http.post(f"{base}/services/oauth2/token", data=form)


def assert_error(answer: httpx.Response, error: str, description: str) -> None:
    assert answer.status_code == 400
    assert answer.json() == {"error": error, "error_description": description}


def test_client_credentials_on_my_domain(kit: Kit) -> None:
    answer = token(
        kit,
        kit.instance_url,
        grant_type="client_credentials",
        client_id=kit.consumer_key,
        client_secret=kit.consumer_secret,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["access_token", "signature", "scope", "instance_url", "id", "token_type", "issued_at"]
    assert body["access_token"].startswith(kit.org.id15 + "!")
    assert body["instance_url"] == kit.instance_url
    assert body["id"] == f"{kit.login_url}/id/{kit.org.id}/{kit.integration.user_id}"
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "api"
    assert body["issued_at"].isdigit()
    assert len(body["issued_at"]) == 13
    expected = hmac.new(kit.consumer_secret.encode(), (body["id"] + body["issued_at"]).encode(), hashlib.sha256)
    assert body["signature"] == base64.b64encode(expected.digest()).decode()
    assert "refresh_token" not in body
    # the session runs as the Run As user
    me = kit.rest("GET", f"sobjects/User/{kit.integration.user_id}", body["access_token"], params={"fields": "Id"})
    assert me.status_code == 200


def test_client_credentials_with_http_basic(kit: Kit) -> None:
    basic = base64.b64encode(f"{kit.consumer_key}:{kit.consumer_secret}".encode()).decode()
    answer = kit.http.post(
        f"{kit.instance_url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("host", ["login.salesforce.com", "test.salesforce.com"])
def test_client_credentials_refused_on_login_hosts(kit: Kit, host: str) -> None:
    answer = token(
        kit,
        kit.sf.url(host),
        grant_type="client_credentials",
        client_id=kit.consumer_key,
        client_secret=kit.consumer_secret,
    )
    assert_error(answer, "invalid_grant", "request not supported on this domain")


def test_client_credentials_without_run_as_user(kit: Kit) -> None:
    app = kit.sf.admin.add_app(kit.org.id, "no-run-as", client_credentials_enabled=True)
    answer = token(
        kit,
        kit.instance_url,
        grant_type="client_credentials",
        client_id=app["consumer_key"],
        client_secret=app["consumer_secret"],
    )
    assert_error(answer, "invalid_grant", "no client credentials user enabled")


def test_client_credentials_bad_secret_and_unknown_client(kit: Kit) -> None:
    assert_error(
        token(
            kit, kit.instance_url, grant_type="client_credentials", client_id=kit.consumer_key, client_secret="wrong"
        ),
        "invalid_client",
        "invalid client credentials",
    )
    assert_error(
        token(kit, kit.instance_url, grant_type="client_credentials", client_id="3MVG9unknown", client_secret="x"),
        "invalid_client_id",
        "client identifier invalid",
    )


def test_jwt_bearer_success(kit: Kit) -> None:
    answer = token(kit, kit.login_url, grant_type=JWT_GRANT, assertion=assertion(kit))
    assert answer.status_code == 200, answer.text
    assert answer.json()["instance_url"] == kit.instance_url


def test_jwt_bearer_accepts_the_my_domain_audience(kit: Kit) -> None:
    aud = f"https://{kit.org.my_domain}"
    assert token(kit, kit.instance_url, grant_type=JWT_GRANT, assertion=assertion(kit, aud=aud)).status_code == 200


def test_jwt_bearer_wrong_audience(kit: Kit) -> None:
    answer = token(
        kit, kit.login_url, grant_type=JWT_GRANT, assertion=assertion(kit, aud="https://test.salesforce.com")
    )
    assert_error(answer, "invalid_grant", "audience is invalid")


def test_jwt_bearer_bad_signature_expired_and_unknown_subject(kit: Kit) -> None:
    other_key, _ = generate_jwt_key_pair("intruder")
    for bad in (
        assertion(kit, key=other_key),
        assertion(kit, exp=time.time() - 5),
        assertion(kit, sub="nobody@nowhere.example.com"),
        "not-a-jwt",
    ):
        assert_error(
            token(kit, kit.login_url, grant_type=JWT_GRANT, assertion=bad), "invalid_grant", "invalid assertion"
        )


def test_jwt_bearer_unknown_issuer(kit: Kit) -> None:
    answer = token(kit, kit.login_url, grant_type=JWT_GRANT, assertion=assertion(kit, iss="3MVG9nobody"))
    assert_error(answer, "invalid_client_id", "client identifier invalid")


def test_jwt_bearer_needs_pre_authorisation(kit: Kit) -> None:
    answer = token(kit, kit.login_url, grant_type=JWT_GRANT, assertion=assertion(kit, sub=kit.standard.username))
    assert_error(answer, "invalid_grant", "user hasn't approved this consumer")


def test_password_flow(kit: Kit) -> None:
    answer = kit.password_grant(kit.integration)
    assert answer.status_code == 200
    assert answer.json()["instance_url"] == kit.instance_url


def test_password_flow_bad_credentials_and_switched_off(kit: Kit) -> None:
    wrong = type(kit.integration)(kit.integration.user_id, kit.integration.username, "wrong", kit.integration.token)
    assert_error(kit.password_grant(wrong), "invalid_grant", "authentication failure")
    kit.settings(password_flow_enabled=False)
    assert_error(kit.password_grant(kit.integration), "invalid_grant", "authentication failure")


def test_unknown_grant_type(kit: Kit) -> None:
    assert_error(
        token(kit, kit.login_url, grant_type="authorization_code"), "unsupported_grant_type", "grant type not supported"
    )


def test_sandbox_jwt_audience_is_the_test_host(
    sf: SalesforceEmulator, http: httpx.Client, jwt_keys: tuple[str, str]
) -> None:
    sandbox = make_kit(sf, http, jwt_keys, kind="sandbox")
    test_aud = assertion(sandbox, aud="https://test.salesforce.com")
    answer = token(sandbox, sandbox.login_url, grant_type=JWT_GRANT, assertion=test_aud)
    assert answer.status_code == 200
    assert answer.json()["id"].startswith(sandbox.sf.url("test.salesforce.com") + "/id/")
    prod_aud = assertion(sandbox, aud="https://login.salesforce.com")
    assert_error(
        token(sandbox, sandbox.login_url, grant_type=JWT_GRANT, assertion=prod_aud),
        "invalid_grant",
        "audience is invalid",
    )
    # the sandbox's apps are not found through the production login host
    assert_error(
        token(sandbox, sandbox.sf.url("login.salesforce.com"), grant_type=JWT_GRANT, assertion=test_aud),
        "invalid_client_id",
        "client identifier invalid",
    )
