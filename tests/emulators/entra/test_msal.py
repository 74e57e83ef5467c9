"""MSAL Python, unchanged but for the authority URL and the CA bundle, acquires app-only Graph tokens from the
emulator over HTTPS, with a client secret and with a certificate (SHA-1 ``thumbprint`` -> RS256 + ``x5t``;
``public_certificate`` -> PS256 + ``x5t#S256`` + ``x5c``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import msal
import pytest
import requests
from starlette.applications import Starlette

from sfprov.emulators.entra.tokens import TokenService
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA
from tests.emulators.entra.token_fixtures import (
    CERT_APP_ID,
    READ_ROLES,
    SECRET,
    SECRET_APP_ID,
    TENANT_DOMAIN,
    TENANT_ID,
    client_cert,
    make_service,
)

LOGIN_HOST = "login.microsoftonline.com"
GRAPH_SCOPE = ["https://graph.microsoft.com/.default"]


def _serve(host: EmulatorHost) -> tuple[str, TokenService]:
    service = make_service(time.time)
    url = host.add(Starlette(routes=service.routes()), LOGIN_HOST)
    service.set_base_url(url, "https://graph.microsoft.com")
    return url, service


@pytest.fixture(scope="module")
def login_url(emulator_host: EmulatorHost, local_ca: LocalCA) -> Iterator[tuple[str, TokenService]]:
    """The token routes on a listener named ``login.microsoftonline.com`` of the session host. That host keeps one
    listener per name: if another module (the full Entra emulator) took the name first, serve on a private host."""
    if LOGIN_HOST not in emulator_host.listeners:
        yield _serve(emulator_host)
        return
    with EmulatorHost(local_ca) as private:
        yield _serve(private)


@pytest.fixture(autouse=True)
def _no_ca_bundle_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """``requests`` lets ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` override ``Session.verify`` (which is what
    MSAL's ``verify=`` sets) while ``trust_env`` is on; clear them so the emulator CA given to MSAL is used."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)


AppFactory = Callable[..., msal.ConfidentialClientApplication]


@pytest.fixture
def app_for(login_url: tuple[str, TokenService], ca_file: Path) -> Iterator[AppFactory]:
    """Build MSAL applications against the emulator; close their HTTP sessions afterwards so that no keep-alive
    connection delays the listener's shutdown."""
    url, _ = login_url
    built: list[msal.ConfidentialClientApplication] = []

    def build(client_id: str, credential: object, tenant: str = TENANT_ID) -> msal.ConfidentialClientApplication:
        app = msal.ConfidentialClientApplication(
            client_id,
            client_credential=credential,
            authority=f"{url}/{tenant}",
            verify=str(ca_file),
            instance_discovery=False,
        )
        built.append(app)
        return app

    yield build
    for app in built:
        app.http_client.close()


@pytest.mark.parametrize("tenant", [TENANT_ID, TENANT_DOMAIN])
def test_msal_with_a_client_secret(login_url: tuple[str, TokenService], app_for: AppFactory, tenant: str) -> None:
    _, service = login_url
    app = app_for(SECRET_APP_ID, SECRET, tenant)
    result = app.acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert "access_token" in result, result
    assert result["token_type"] == "Bearer"
    assert result["expires_in"] > 3500
    claims = service.verify_bearer(f"Bearer {result['access_token']}")
    assert claims.tenant_id == TENANT_ID
    assert claims.app_id == SECRET_APP_ID
    assert claims.roles == READ_ROLES
    assert claims.auth_method == "1"
    again = app.acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert again["access_token"] == result["access_token"]
    assert again.get("token_source") == "cache"


def test_msal_with_a_wrong_secret_gets_the_aadsts_error(app_for: AppFactory) -> None:
    result = app_for(SECRET_APP_ID, "wrong").acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]
    assert result["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")


def test_msal_refuses_an_unknown_tenant(login_url: tuple[str, TokenService], ca_file: Path) -> None:
    """MSAL raises in its constructor here, so the test owns the session (to close its keep-alive connection)."""
    url, _ = login_url
    with requests.Session() as session:
        session.verify = str(ca_file)
        with pytest.raises(ValueError, match="Unable to get authority configuration") as info:
            msal.ConfidentialClientApplication(
                SECRET_APP_ID,
                client_credential=SECRET,
                authority=f"{url}/fabrikam.onmicrosoft.com",
                http_client=session,
                instance_discovery=False,
            )
    assert "HTTP status: 400" in str(info.value.__context__)
    assert "AADSTS90002: Tenant 'fabrikam.onmicrosoft.com' not found." in str(info.value.__context__)


def test_msal_with_a_certificate_thumbprint(login_url: tuple[str, TokenService], app_for: AppFactory) -> None:
    _, service = login_url
    cert = client_cert()
    credential = {"private_key": cert.key_pem, "thumbprint": cert.sha1_hex}
    result = app_for(CERT_APP_ID, credential).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert "access_token" in result, result
    claims = service.verify_bearer(f"Bearer {result['access_token']}")
    assert claims.app_id == CERT_APP_ID
    assert claims.auth_method == "2"
    assert claims.roles == {"User.Read.All"}


def test_msal_with_a_public_certificate(login_url: tuple[str, TokenService], app_for: AppFactory) -> None:
    _, service = login_url
    cert = client_cert()
    credential = {"private_key": cert.key_pem, "public_certificate": cert.cert_pem.decode("ascii")}
    result = app_for(CERT_APP_ID, credential).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert "access_token" in result, result
    assert service.verify_bearer(f"Bearer {result['access_token']}").auth_method == "2"


def test_msal_with_an_unregistered_certificate(app_for: AppFactory) -> None:
    from tests.emulators.entra.token_fixtures import other_cert

    stranger = other_cert()
    credential = {"private_key": stranger.key_pem, "thumbprint": stranger.sha1_hex}
    result = app_for(CERT_APP_ID, credential).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700027]
    assert f"Thumbprint of key used by client: '{stranger.sha1_hex}'" in result["error_description"]


@pytest.mark.parametrize("with_certificate", [False, True], ids=["secret", "certificate"])
def test_sfprov_token_provider_against_the_emulator(
    login_url: tuple[str, TokenService], ca_file: Path, with_certificate: bool
) -> None:
    """The Entra source's own provider (trust_env off, explicit CA bundle, SHA-1 thumbprint) works as shipped."""
    from sfprov.secrets import Secret
    from sfprov.sources.entra.tokens import CertificateCredential, ClientSecretCredential, GraphTokenProvider

    url, service = login_url
    cert = client_cert()
    credential: CertificateCredential | ClientSecretCredential = (
        CertificateCredential(private_key_pem=Secret(cert.key_pem), thumbprint=cert.sha1_hex)
        if with_certificate
        else ClientSecretCredential(Secret(SECRET))
    )
    provider = GraphTokenProvider(
        authority_url=url,
        tenant_id=TENANT_ID,
        client_id=CERT_APP_ID if with_certificate else SECRET_APP_ID,
        credential=credential,
        ca_bundle=str(ca_file),
    )
    try:
        token = provider.token_sync()
    finally:
        provider._session.close()  # no public close(); an open keep-alive delays the listener's shutdown
    claims = service.verify_bearer(f"Bearer {token}")
    assert claims.auth_method == ("2" if with_certificate else "1")
