"""The Entra token service in process: discovery, keys, the client-credentials grant with a secret and with a
certificate, every modelled AADSTS error with its exact status and body, and Graph's bearer-token check."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.testclient import TestClient

from sfprov.emulators.entra.tokens import (
    GRAPH_APP_ID,
    GRAPH_TOKEN_MESSAGES,
    STS_ERRORS,
    AccessClaims,
    GraphTokenError,
    StsError,
    TokenService,
    describe_certificate,
)
from tests.emulators.entra.token_fixtures import (
    CERT_APP_ID,
    READ_ROLES,
    SECRET,
    SECRET_APP_ID,
    TENANT_DOMAIN,
    TENANT_ID,
    Clock,
    assertion,
    assertion_form,
    client_cert,
    make_service,
    other_cert,
    secret_form,
)

TOKEN_PATH = f"/{TENANT_ID}/oauth2/v2.0/token"
STS_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(clock: Clock) -> TokenService:
    return make_service(clock)


@pytest.fixture
def client(service: TokenService) -> Iterator[TestClient]:
    with TestClient(Starlette(routes=service.routes()), base_url="https://testserver") as test_client:
        yield test_client


def post_token(client: TestClient, form: dict[str, str], path: str = TOKEN_PATH, **kw: Any) -> Any:
    return client.post(path, data=form, **kw)


def assert_sts_error(response: Any, status: int, error: str, code: int, description: str) -> dict[str, Any]:
    """The whole AADSTS body: exact key set, error, code, description text, timestamps and ids."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {
        "error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"
    }  # fmt: skip
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert STS_TIMESTAMP.match(body["timestamp"])
    assert GUID.match(body["trace_id"])
    assert GUID.match(body["correlation_id"])
    assert body["error_description"] == (
        f"AADSTS{code}: {description} Trace ID: {body['trace_id']} Correlation ID: {body['correlation_id']} "
        f"Timestamp: {body['timestamp']}"
    )
    assert body["error_uri"] == f"https://testserver/error?code={code}"
    assert response.headers["x-ms-request-id"] == body["trace_id"]
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return body


def decode(service: TokenService, token: str) -> dict[str, Any]:
    """Decode with the published JWKS, as any third party holding the keys could."""
    keys = service.jwks(service.tenant(TENANT_ID))["keys"]
    key = jwt.PyJWK(keys[0]).key
    return jwt.decode(token, key=key, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False})


# ---- discovery and keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant", [TENANT_ID, TENANT_DOMAIN, TENANT_DOMAIN.upper(), TENANT_ID.upper()])
def test_discovery_document_names_the_tenant_guid(client: TestClient, tenant: str) -> None:
    response = client.get(f"/{tenant}/v2.0/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    base = f"https://testserver/{TENANT_ID}"
    assert doc["token_endpoint"] == f"{base}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{base}/oauth2/v2.0/authorize"
    assert doc["device_authorization_endpoint"] == f"{base}/oauth2/v2.0/devicecode"
    assert doc["jwks_uri"] == f"{base}/discovery/v2.0/keys"
    assert doc["issuer"] == f"{base}/v2.0"
    assert doc["token_endpoint_auth_methods_supported"] == [
        "client_secret_post",
        "private_key_jwt",
        "client_secret_basic",
    ]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["tenant_region_scope"] == "NA"
    assert doc["msgraph_host"] == "graph.test"
    assert doc["userinfo_endpoint"] == "https://graph.test/oidc/userinfo"
    assert doc["cloud_instance_name"] == "microsoftonline.com"
    assert doc["request_uri_parameter_supported"] is False
    assert response.headers["cache-control"] == "no-store, no-cache"


def test_unknown_tenant_discovery_is_aadsts90002(client: TestClient) -> None:
    request_id = str(uuid.uuid4())
    response = client.get(
        "/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration", headers={"client-request-id": request_id}
    )
    body = assert_sts_error(
        response,
        400,
        "invalid_tenant",
        90002,
        "Tenant 'fabrikam.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may happen if there are "
        "no active subscriptions for the tenant.",
    )
    assert body["correlation_id"] == request_id


def test_unknown_tenant_guid_on_keys_is_aadsts90002(client: TestClient) -> None:
    missing = str(uuid.uuid4())
    response = client.get(f"/{missing}/discovery/v2.0/keys")
    assert_sts_error(
        response,
        400,
        "invalid_tenant",
        90002,
        f"Tenant '{missing}' not found. Check to make sure you have the correct tenant ID and are signing into the "
        "correct cloud. Check with your subscription administrator, this may happen if there are no active "
        "subscriptions for the tenant.",
    )


def test_tenant_segment_that_is_no_name_is_aadsts900023(client: TestClient) -> None:
    response = client.get("/not_a_tenant/v2.0/.well-known/openid-configuration")
    assert_sts_error(
        response,
        400,
        "invalid_request",
        900023,
        "Specified tenant identifier 'not_a_tenant' is neither a valid DNS name, nor a valid external domain.",
    )


def test_jwks_publishes_the_signing_key(client: TestClient, service: TokenService) -> None:
    v2 = client.get(f"/{TENANT_DOMAIN}/discovery/v2.0/keys").json()
    v1 = client.get(f"/{TENANT_ID}/discovery/keys").json()
    (key,) = v2["keys"]
    assert key["kty"] == "RSA"
    assert key["use"] == "sig"
    assert key["e"] == "AQAB"
    assert key["kid"] == key["x5t"] == service.signing_key.kid
    assert key["issuer"] == f"https://testserver/{TENANT_ID}/v2.0"
    assert "issuer" not in v1["keys"][0]
    assert v1["keys"][0]["kid"] == key["kid"]
    der = base64.b64decode(key["x5c"][0])
    from cryptography import x509

    published = x509.load_der_x509_certificate(der).public_key().public_numbers()  # type: ignore[union-attr]
    assert published == service.signing_key.public_key.public_numbers()


def test_instance_discovery_points_at_the_tenant_document(client: TestClient) -> None:
    response = client.get(
        "/common/discovery/instance",
        params={
            "api-version": "1.1",
            "authorization_endpoint": f"https://testserver/{TENANT_ID}/oauth2/v2.0/authorize",
        },
    )
    body = response.json()
    assert response.status_code == 200
    assert body["tenant_discovery_endpoint"] == f"https://testserver/{TENANT_ID}/v2.0/.well-known/openid-configuration"
    assert body["metadata"][0]["preferred_network"] == "testserver"


# ---- successful grants ----------------------------------------------------------------------------------------


def test_secret_grant_returns_a_graph_app_token(client: TestClient, service: TokenService, clock: Clock) -> None:
    response = post_token(client, secret_form())
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"token_type", "expires_in", "ext_expires_in", "access_token"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    assert body["ext_expires_in"] == 3599
    assert SECRET not in response.text
    header = jwt.get_unverified_header(body["access_token"])
    assert header == {"typ": "JWT", "alg": "RS256", "x5t": service.signing_key.kid, "kid": service.signing_key.kid}
    claims = decode(service, body["access_token"])
    app = service.client_app(TENANT_ID, SECRET_APP_ID)
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["iss"] == claims["idp"] == f"https://sts.windows.net/{TENANT_ID}/"
    assert claims["tid"] == TENANT_ID
    assert claims["appid"] == SECRET_APP_ID
    assert claims["appidacr"] == "1"
    assert claims["oid"] == claims["sub"] == app.service_principal_id
    assert claims["roles"] == sorted(READ_ROLES)
    assert claims["ver"] == "1.0"
    assert claims["idtyp"] == "app"
    assert claims["app_displayname"] == "sfprov"
    assert claims["iat"] == claims["nbf"] == int(clock.now) - 300
    assert claims["exp"] == int(clock.now) + 3599
    assert isinstance(claims["uti"], str)
    assert len(claims["uti"]) == 22
    assert claims["rh"].startswith("1.A")
    assert isinstance(claims["aio"], str)
    assert claims["xms_tcdt"] == service.tenant(TENANT_ID).created_at
    assert claims["tenant_region_scope"] == "NA"


def test_each_token_is_distinct(client: TestClient) -> None:
    first = post_token(client, secret_form()).json()["access_token"]
    second = post_token(client, secret_form()).json()["access_token"]
    assert first != second


def test_secret_in_http_basic_header_is_accepted(client: TestClient, service: TokenService) -> None:
    basic = base64.b64encode(f"{SECRET_APP_ID}:{SECRET}".encode()).decode()
    form = secret_form(client_secret="", client_id="")
    response = post_token(client, form, headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200, response.text
    assert decode(service, response.json()["access_token"])["appid"] == SECRET_APP_ID


def test_tenant_domain_in_the_path_issues_for_the_tenant_guid(client: TestClient, service: TokenService) -> None:
    response = post_token(client, secret_form(), path=f"/{TENANT_DOMAIN}/oauth2/v2.0/token")
    assert decode(service, response.json()["access_token"])["tid"] == TENANT_ID


@pytest.mark.parametrize(
    ("scope", "audience"),
    [
        ("https://graph.microsoft.com/.default", "https://graph.microsoft.com"),
        ("https://graph.microsoft.com//.default", "https://graph.microsoft.com"),
        (f"{GRAPH_APP_ID}/.default", GRAPH_APP_ID),
        ("https://graph.test/.default", "https://graph.test"),
    ],
)
def test_graph_is_named_by_uri_app_id_or_emulator_url(
    client: TestClient, service: TokenService, scope: str, audience: str
) -> None:
    response = post_token(client, secret_form(scope=scope))
    token = response.json()["access_token"]
    assert decode(service, token)["aud"] == audience
    assert service.verify_bearer(f"Bearer {token}").audience == audience


def test_app_without_consent_gets_a_token_without_roles(client: TestClient, service: TokenService) -> None:
    service.set_granted_roles(TENANT_ID, SECRET_APP_ID, set())
    claims = decode(service, post_token(client, secret_form()).json()["access_token"])
    assert "roles" not in claims


@pytest.mark.parametrize(
    ("alg", "header_of"),
    [
        ("PS256", lambda c: {"x5t#S256": c.x5t_s256}),
        ("RS256", lambda c: {"x5t": c.x5t}),
        ("RS256", lambda c: {"x5t#S256": c.x5t_s256, "x5t": c.x5t}),
    ],
)
def test_certificate_grant(client: TestClient, service: TokenService, alg: str, header_of: Any) -> None:
    token = assertion(service, alg=alg, header=header_of(client_cert()))
    response = post_token(client, assertion_form(token))
    assert response.status_code == 200, response.text
    claims = decode(service, response.json()["access_token"])
    assert claims["appid"] == CERT_APP_ID
    assert claims["appidacr"] == "2"
    assert claims["roles"] == ["User.Read.All"]


def test_assertion_may_name_the_tenant_domain_in_aud(client: TestClient, service: TokenService) -> None:
    token = assertion(service, claims={"aud": f"https://testserver/{TENANT_DOMAIN}/oauth2/v2.0/token"})
    assert post_token(client, assertion_form(token)).status_code == 200


def test_assertion_within_clock_skew_is_accepted(client: TestClient, service: TokenService, clock: Clock) -> None:
    token = assertion(service, claims={"exp": clock.now - 60, "nbf": clock.now + 60})
    assert post_token(client, assertion_form(token)).status_code == 200


# ---- errors of the token endpoint -----------------------------------------------------------------------------

UNKNOWN_APP = "0b5f8c44-7f64-4d6b-9f2e-1d1d1d1d1d1d"


@pytest.mark.parametrize(
    ("form", "status", "error", "code", "description"),
    [
        (
            secret_form(client_secret="not-the-secret"),
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
            f"not the client secret ID, for a secret added to app '{SECRET_APP_ID}'.",
        ),
        (
            secret_form(client_id=UNKNOWN_APP),
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{UNKNOWN_APP}' was not found in the directory 'Contoso'. This can happen if "
            "the application has not been installed by the administrator of the tenant or consented to by any user "
            "in the tenant. You may have sent your authentication request to the wrong tenant.",
        ),
        (
            secret_form(grant_type=""),
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        ),
        (
            secret_form(grant_type="password"),
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type 'password'.",
        ),
        (
            secret_form(client_id=""),
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        ),
        (
            {**secret_form(), "resource": "https://graph.microsoft.com"},
            400,
            "invalid_request",
            901002,
            "The 'resource' request parameter is not supported.",
        ),
        (
            secret_form(scope=""),
            400,
            "invalid_request",
            90014,
            "The required field 'scope' is missing from the credential. Ensure that you have all the necessary "
            "parameters for the login request.",
        ),
        (
            secret_form(scope="User.Read.All"),
            400,
            "invalid_scope",
            1002012,
            "The provided value for scope User.Read.All is not valid. Client credential flows must have a scope "
            "value with /.default suffixed to the resource identifier (application ID URI).",
        ),
        (
            secret_form(scope="https://graph.microsoft.com/.default openid"),
            400,
            "invalid_scope",
            1002012,
            "The provided value for scope openid is not valid. Client credential flows must have a scope value with "
            "/.default suffixed to the resource identifier (application ID URI).",
        ),
        (
            secret_form(scope="https://graph.microsoft.com/.default https://graph.test/.default"),
            400,
            "invalid_scope",
            700022,
            "The provided value for the input parameter scope is not valid because it contains more than one "
            "resource. The scope https://graph.microsoft.com/.default https://graph.test/.default is not valid.",
        ),
        (
            secret_form(scope="https://contoso.example/.default"),
            400,
            "invalid_resource",
            500011,
            "The resource principal named https://contoso.example was not found in the tenant named Contoso. This "
            "can happen if the application has not been installed by the administrator of the tenant or consented "
            "to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
        ),
        (
            secret_form(client_secret=""),
            401,
            "invalid_client",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
        ),
    ],
    ids=[
        "wrong-secret",
        "unknown-client",
        "no-grant-type",
        "unsupported-grant",
        "no-client-id",
        "v1-resource",
        "no-scope",
        "scope-not-default",
        "extra-oidc-scope",
        "two-resources",
        "unknown-resource",
        "no-credential",
    ],
)
def test_token_endpoint_errors(
    client: TestClient, form: dict[str, str], status: int, error: str, code: int, description: str
) -> None:
    response = post_token(client, form)
    assert_sts_error(response, status, error, code, description)
    assert SECRET not in response.text


def test_unknown_tenant_on_token_endpoint(client: TestClient) -> None:
    response = post_token(client, secret_form(), path="/fabrikam.onmicrosoft.com/oauth2/v2.0/token")
    assert_sts_error(
        response,
        400,
        "invalid_request",
        90002,
        "Tenant 'fabrikam.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may happen if there are "
        "no active subscriptions for the tenant.",
    )


def test_app_of_another_tenant_is_unknown_here(client: TestClient, service: TokenService) -> None:
    other = str(uuid.uuid4())
    service.add_tenant(other, domains=["fabrikam.onmicrosoft.com"], display_name="Fabrikam")
    response = post_token(client, secret_form(), path=f"/{other}/oauth2/v2.0/token")
    assert response.status_code == 400
    assert response.json()["error_codes"] == [700016]
    assert "in the directory 'Fabrikam'" in response.json()["error_description"]


def test_get_on_the_token_endpoint(client: TestClient) -> None:
    assert_sts_error(
        client.get(TOKEN_PATH),
        400,
        "invalid_request",
        900561,
        "The endpoint only accepts POST requests. Received a GET request.",
    )


def test_expired_secret(client: TestClient, service: TokenService, clock: Clock) -> None:
    service.add_client_secret(TENANT_ID, SECRET_APP_ID, "short-lived-secret", end_time=clock.now + 10)
    assert post_token(client, secret_form(client_secret="short-lived-secret")).status_code == 200
    clock.advance(11)
    assert_sts_error(
        post_token(client, secret_form(client_secret="short-lived-secret")),
        401,
        "invalid_client",
        7000222,
        f"The provided client secret keys for app '{SECRET_APP_ID}' are expired. Visit the Azure portal to create "
        "new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for "
        "added security: https://aka.ms/certCreds.",
    )


def test_removed_secret_no_longer_works(client: TestClient, service: TokenService) -> None:
    key_id = service.add_client_secret(TENANT_ID, SECRET_APP_ID, "rotated-secret")
    assert post_token(client, secret_form(client_secret="rotated-secret")).status_code == 200
    service.remove_client_secret(TENANT_ID, SECRET_APP_ID, key_id)
    assert post_token(client, secret_form(client_secret="rotated-secret")).json()["error_codes"] == [7000215]


def _key_not_found(thumbprint: str) -> str:
    return (
        "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by "
        f"client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see "
        f"configured keys for app Id '{CERT_APP_ID}'. Review the documentation at "
        "https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and "
        "https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query "
        f"request URL, such as 'https://graph.microsoft.com/beta/applications/{CERT_APP_ID}']. Alternatively, SNI "
        "may be configured on the app. Please ensure that client assertion is being sent with the x5c claim in the "
        "JWT header using MSAL's WithSendX5C() method so that Azure Active Directory can validate the certificate "
        "being used."
    )


def test_assertion_with_unregistered_certificate(client: TestClient, service: TokenService) -> None:
    stranger = other_cert()
    token = assertion(service, cert=stranger, alg="RS256", header={"x5t": stranger.x5t})
    response = post_token(client, assertion_form(token))
    assert_sts_error(response, 401, "invalid_client", 700027, _key_not_found(stranger.sha1_hex))


def test_assertion_signed_by_another_key(client: TestClient, service: TokenService) -> None:
    registered = client_cert()
    token = assertion(service, cert=other_cert(), header={"x5t#S256": registered.x5t_s256})
    response = post_token(client, assertion_form(token))
    start = registered.cert.not_valid_before_utc.strftime("%m/%d/%Y %H:%M:%S")
    end = registered.cert.not_valid_after_utc.strftime("%m/%d/%Y %H:%M:%S")
    thumb = base64.urlsafe_b64decode(registered.x5t_s256 + "=").hex().upper()
    assert_sts_error(
        response,
        401,
        "invalid_client",
        7000274,
        "Client assertion contains an invalid signature. [Reason - Key was found, but use of the key to verify the "
        f"signature failed., Thumbprint of key used by client: '{thumb}', Found key 'Start={start}, End={end}']",
    )


def test_expired_assertion(client: TestClient, service: TokenService, clock: Clock) -> None:
    exp = clock.now - 301
    token = assertion(service, claims={"exp": exp})
    body = post_token(client, assertion_form(token)).json()
    assert body["error"] == "invalid_client"
    assert body["error_codes"] == [700024]
    expected = re.compile(
        r"^AADSTS700024: Client assertion is not within its valid time range\. Current time: "
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from 1970-01-01T00:00:00\.0000000Z, expiry time of "
        r"assertion \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z\. Review the documentation at "
        r"https://learn\.microsoft\.com/entra/identity-platform/certificate-credentials \. Trace ID: "
    )
    assert expected.match(body["error_description"]), body["error_description"]


def test_assertion_not_yet_valid(client: TestClient, service: TokenService, clock: Clock) -> None:
    token = assertion(service, claims={"nbf": clock.now + 400})
    assert post_token(client, assertion_form(token)).json()["error_codes"] == [700024]


@pytest.mark.parametrize(
    ("claims", "drop", "code"),
    [
        ({"aud": "https://login.microsoftonline.com/x/oauth2/v2.0/token"}, (), 50027),
        ({"aud": ["https://testserver/" + TENANT_ID + "/oauth2/v2.0/token"]}, (), 50027),
        ({"iss": SECRET_APP_ID, "sub": SECRET_APP_ID}, (), 700021),
        ({"sub": SECRET_APP_ID}, (), 50048),
        ({}, ("jti",), 50027),
        ({}, ("exp",), 50027),
    ],
    ids=["foreign-aud", "list-aud", "other-client", "sub-differs", "no-jti", "no-exp"],
)
def test_assertion_claim_errors(
    client: TestClient, service: TokenService, claims: dict[str, Any], drop: tuple[str, ...], code: int
) -> None:
    token = assertion(service, claims=claims, drop=drop)
    body = post_token(client, assertion_form(token)).json()
    assert body["error_codes"] == [code], body


def test_assertion_client_id_mismatch_with_form(client: TestClient, service: TokenService) -> None:
    service.add_client_app(
        TENANT_ID,
        client_id=UNKNOWN_APP,
        display_name="second",
        certificates_pem=[client_cert().cert_pem],
    )
    token = assertion(service)  # iss = sub = CERT_APP_ID
    response = post_token(client, assertion_form(token, client_id=UNKNOWN_APP))
    assert_sts_error(
        response,
        401,
        "invalid_client",
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at "
        "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
    )


@pytest.mark.parametrize("bad", ["not-a-jwt", "a.b.c", jwt.encode({"iss": CERT_APP_ID}, "k" * 32, algorithm="HS256")])
def test_malformed_assertion(client: TestClient, bad: str) -> None:
    assert_sts_error(
        post_token(client, assertion_form(bad)), 400, "invalid_request", 50027, "JWT token is invalid or malformed."
    )


# ---- Graph's bearer check -------------------------------------------------------------------------------------


def issue(service: TokenService, **form: str) -> str:
    token: str = service.issue_token(TENANT_ID, secret_form(**form))["access_token"]
    return token


def expect_refusal(service: TokenService, header: str | None, message: str) -> GraphTokenError:
    with pytest.raises(GraphTokenError) as info:
        service.verify_bearer(header)
    assert info.value.status == 401
    assert info.value.code == "InvalidAuthenticationToken"
    assert info.value.message == message
    assert info.value.www_authenticate.startswith('Bearer realm=""')
    assert info.value.headers == {"WWW-Authenticate": info.value.www_authenticate}
    return info.value


def test_verify_bearer_accepts_an_issued_token(service: TokenService) -> None:
    token = issue(service)
    claims = service.verify_bearer(f"Bearer {token}")
    assert isinstance(claims, AccessClaims)
    assert claims.tenant_id == TENANT_ID
    assert claims.app_id == SECRET_APP_ID
    assert claims.roles == READ_ROLES
    assert claims.auth_method == "1"
    assert claims.app_display_name == "sfprov"
    assert service.verify_bearer(f"bearer {token}") is claims  # scheme is case-insensitive; result cached


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz"])
def test_missing_token(service: TokenService, header: str | None) -> None:
    expect_refusal(service, header, "Access token is empty.")


def test_token_without_dots(service: TokenService) -> None:
    expect_refusal(
        service,
        "Bearer opaque-token",
        "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact "
        "Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): "
        "'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext."
        "EncodedAuthenticationTag'.",
    )


def test_malformed_token(service: TokenService) -> None:
    error = expect_refusal(service, "Bearer abc.def.ghi", "CompactToken parsing failed with error code: 80049217")
    assert "abc.def.ghi" not in str(error)


def test_token_signed_by_someone_else(service: TokenService) -> None:
    token = issue(service)
    claims = decode(service, token)
    forged = jwt.encode(claims, other_cert().key, algorithm="RS256", headers={"kid": service.signing_key.kid})
    expect_refusal(service, f"Bearer {forged}", "Access token validation failure.")
    tampered_header, payload, signature = token.split(".")
    claims["roles"] = ["Directory.ReadWrite.All"]
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    expect_refusal(service, f"Bearer {tampered_header}.{payload}.{signature}", "Access token validation failure.")


def _sign(service: TokenService, **changes: Any) -> str:
    claims = decode(service, issue(service))
    claims.update(changes)
    kid = service.signing_key.kid
    return jwt.encode(claims, service.signing_key.private_key, algorithm="RS256", headers={"kid": kid, "x5t": kid})


def test_wrong_audience(service: TokenService) -> None:
    token = _sign(service, aud="https://management.azure.com")
    expect_refusal(service, f"Bearer {token}", "Access token validation failure. Invalid audience.")


def test_wrong_issuer(service: TokenService) -> None:
    token = _sign(service, iss="https://sts.windows.net/00000000-0000-0000-0000-000000000001/")
    expect_refusal(service, f"Bearer {token}", "Access token validation failure. Invalid issuer.")


def test_expired_token(service: TokenService, clock: Clock) -> None:
    token = issue(service)
    service.verify_bearer(f"Bearer {token}")
    clock.advance(3599)
    expect_refusal(service, f"Bearer {token}", "Lifetime validation failed, the token is expired.")


def test_not_yet_valid_token(service: TokenService, clock: Clock) -> None:
    token = _sign(service, nbf=int(clock.now) + 60)
    expect_refusal(service, f"Bearer {token}", "Access token has expired or is not yet valid.")


def test_expire_all_tokens(service: TokenService) -> None:
    old = issue(service)
    service.verify_bearer(f"Bearer {old}")
    service.expire_all_tokens()
    expect_refusal(service, f"Bearer {old}", "Lifetime validation failed, the token is expired.")
    fresh = issue(service)
    assert service.verify_bearer(f"Bearer {fresh}").app_id == SECRET_APP_ID


def test_consent_change_applies_to_new_tokens_only(service: TokenService) -> None:
    before = issue(service)
    service.set_granted_roles(TENANT_ID, SECRET_APP_ID, {"User.ReadWrite.All"})
    after = issue(service)
    assert service.verify_bearer(f"Bearer {before}").roles == READ_ROLES
    assert service.verify_bearer(f"Bearer {after}").roles == frozenset({"User.ReadWrite.All"})


def test_messages_are_configurable(clock: Clock) -> None:
    service = TokenService(clock=clock, graph_messages={"empty": "No token."})
    expect_refusal(service, None, "No token.")


def test_issue_and_verify_are_cheap(service: TokenService) -> None:
    started = time.perf_counter()
    tokens = [issue(service) for _ in range(50)]
    for _ in range(20):
        for token in tokens:
            service.verify_bearer(f"Bearer {token}")
    assert time.perf_counter() - started < 2.0


# ---- snapshot -------------------------------------------------------------------------------------------------


def test_snapshot_round_trip(service: TokenService, clock: Clock) -> None:
    token = issue(service)
    service.expire_all_tokens()
    data = json.loads(service.dumps())
    assert SECRET not in json.dumps(data)
    restored = TokenService.from_json(data, clock=clock, assertion_clock_skew_seconds=60)
    assert restored.assertion_clock_skew_seconds == 60
    restored.set_base_url("https://testserver", "https://graph.test")
    expect_refusal(restored, f"Bearer {token}", "Lifetime validation failed, the token is expired.")
    clock.advance(1)  # the original service knows the new token only by its claims, which have whole seconds
    fresh = issue(restored)
    assert restored.verify_bearer(f"Bearer {fresh}").roles == READ_ROLES
    assert service.verify_bearer(f"Bearer {fresh}").app_id == SECRET_APP_ID  # same signing key
    with TestClient(Starlette(routes=restored.routes()), base_url="https://testserver") as again:
        ok = post_token(again, assertion_form(assertion(restored)))
        assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    ("alias", "code", "error", "description"),
    [
        (
            "common",
            9001023,
            "invalid_request",
            "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations "
            "or tenant-specific endpoint.",
        ),
        (
            "consumers",
            9001023,
            "invalid_request",
            "The grant type is not supported over the /common or /consumers endpoints. Please use the /organizations "
            "or tenant-specific endpoint.",
        ),
        (
            "organizations",
            50059,
            "invalid_request",
            "No tenant-identifying information found in either the request or implied by any provided credentials.",
        ),
    ],
)
def test_client_credentials_need_a_tenant(
    client: TestClient, alias: str, code: int, error: str, description: str
) -> None:
    response = post_token(client, secret_form(), path=f"/{alias}/oauth2/v2.0/token")
    assert_sts_error(response, 400, error, code, description)


def test_multi_tenant_discovery_document(client: TestClient) -> None:
    doc = client.get("/common/v2.0/.well-known/openid-configuration").json()
    assert doc["issuer"] == "https://testserver/{tenantid}/v2.0"
    assert doc["token_endpoint"] == "https://testserver/common/oauth2/v2.0/token"
    assert doc["tenant_region_scope"] is None
    keys = client.get("/organizations/discovery/v2.0/keys").json()["keys"]
    assert keys[0]["issuer"] == "https://testserver/{tenantid}/v2.0"


def test_graph_url_with_version_segment_is_normalised(service: TokenService) -> None:
    service.set_base_url("https://testserver", "https://graph.test/v1.0/")
    assert service.graph_base_url == "https://graph.test"
    token = issue(service, scope="https://graph.test/.default")
    assert service.verify_bearer(f"Bearer {token}").audience == "https://graph.test"


def test_form_body_is_required(client: TestClient) -> None:
    response = client.post(TOKEN_PATH, json=secret_form())
    assert_sts_error(
        response, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.one_of(st.none(), st.text(max_size=60), st.text(max_size=60).map(lambda t: f"Bearer {t}")))
def test_any_authorization_header_is_accepted_or_refused_cleanly(service: TokenService, header: str | None) -> None:
    with pytest.raises(GraphTokenError) as info:
        service.verify_bearer(header)
    assert info.value.status == 401
    assert info.value.message in GRAPH_TOKEN_MESSAGES.values()


_FIELD = st.sampled_from(
    ["grant_type", "client_id", "client_secret", "scope", "client_assertion_type", "client_assertion"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.dictionaries(
        _FIELD,
        st.one_of(
            st.just(""), st.text(max_size=40), st.sampled_from([CERT_APP_ID, GRAPH_APP_ID + "/.default", "a.b.c"])
        ),
    ),
    tenant=st.sampled_from([TENANT_ID, TENANT_DOMAIN, "common", "x y", str(uuid.UUID(int=1))]),
)
def test_any_form_gets_a_token_or_an_aadsts_error(service: TokenService, changes: dict[str, str], tenant: str) -> None:
    form = {**secret_form(), **changes}
    outcome: dict[str, Any] | StsError
    try:
        outcome = service.issue_token(tenant, {k: v for k, v in form.items() if v})
    except StsError as error:
        outcome = error
    if isinstance(outcome, StsError):
        assert outcome.spec in STS_ERRORS.values()
        assert SECRET not in outcome.description
    else:
        assert set(outcome) == {"token_type", "expires_in", "ext_expires_in", "access_token"}


def test_disabled_app_gets_no_token(client: TestClient, service: TokenService) -> None:
    issued = issue(service)
    service.set_app_enabled(TENANT_ID, SECRET_APP_ID, False)
    assert_sts_error(
        post_token(client, secret_form()),
        400,
        "unauthorized_client",
        7000112,
        f"Application '{SECRET_APP_ID}'(sfprov) is disabled.",
    )
    assert service.verify_bearer(f"Bearer {issued}").app_id == SECRET_APP_ID
    service.set_app_enabled(TENANT_ID, SECRET_APP_ID, True)
    assert post_token(client, secret_form()).status_code == 200


def test_deleted_app_is_unknown(client: TestClient, service: TokenService) -> None:
    service.remove_client_app(TENANT_ID, SECRET_APP_ID)
    assert post_token(client, secret_form()).json()["error_codes"] == [700016]
    with pytest.raises(KeyError):
        service.remove_client_app(TENANT_ID, SECRET_APP_ID)


def test_describe_certificate_gives_the_thumbprints_msal_needs() -> None:
    cert = client_cert()
    described = describe_certificate(cert.cert_pem)
    assert described["sha1"] == cert.sha1_hex
    assert described["x5t"] == cert.x5t
    assert described["x5t#S256"] == cert.x5t_s256
    assert len(described["sha256"]) == 64


def test_certificate_rotation(client: TestClient, service: TokenService) -> None:
    stranger = other_cert()
    token = assertion(service, cert=stranger, header={"x5t#S256": stranger.x5t_s256})
    assert post_token(client, assertion_form(token)).json()["error_codes"] == [700027]
    key_id = service.add_client_certificate(TENANT_ID, CERT_APP_ID, stranger.cert_pem)
    assert post_token(client, assertion_form(token)).status_code == 200
    service.remove_client_certificate(TENANT_ID, CERT_APP_ID, key_id)
    assert post_token(client, assertion_form(token)).json()["error_codes"] == [700027]
