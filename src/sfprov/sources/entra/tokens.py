"""Access tokens for Microsoft Graph with MSAL, by client secret or certificate.

MSAL is Microsoft's own library for the identity platform; it handles the token cache, the client assertion for
certificates, and the protocol details. For authorities other than the public clouds' (the emulator, a proxy) it is
told not to run instance discovery, which would otherwise call ``login.microsoftonline.com`` (reference
``entra-graph.md`` §1.2).
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msal
import requests

from sfprov.errors import AuthFailed, Transient
from sfprov.secrets import Secret

KNOWN_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    }
)

# AADSTS code -> fix (Microsoft identity platform error codes).
_AADSTS_FIXES = {
    "7000215": "The client secret is wrong or expired: create a new one under App registrations > Certificates & "
    "secrets and update the secret reference in the config.",
    "7000222": "The client secret has expired: create a new one under App registrations > Certificates & secrets.",
    "700016": "No app with this client id exists in the tenant: check client_id and tenant_id, or whether the app "
    "was deleted.",
    "90002": "The tenant does not exist: check tenant_id (a GUID or a verified domain such as "
    "contoso.onmicrosoft.com).",
    "700027": "The certificate's signature did not verify: upload the certificate to the app registration "
    "(Certificates & secrets), and make source.certificate.thumbprint and source.certificate.private_key match it.",
    "7000274": "The certificate's signature did not verify: check the key and the thumbprint.",
    "700024": "The client assertion is expired or not yet valid: check this machine's clock.",
    "1002012": "The scope is not valid: the Graph scope must end with /.default.",
    "70011": "The scope is not valid: the Graph scope must end with /.default.",
}


@dataclass(frozen=True)
class ClientSecretCredential:
    secret: Secret


@dataclass(frozen=True)
class CertificateCredential:
    private_key_pem: Secret
    thumbprint: str
    """SHA-1 thumbprint (hex) of the certificate uploaded to the app registration."""
    public_certificate_pem: str | None = None


Credential = ClientSecretCredential | CertificateCredential


class GraphTokenProvider:
    """Gets and caches app-only tokens; ``await token()`` returns a bearer token string."""

    def __init__(
        self,
        *,
        authority_url: str,
        tenant_id: str,
        client_id: str,
        credential: Credential,
        graph_url: str = "https://graph.microsoft.com",
        ca_bundle: str | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.scope = graph_url.rstrip("/").removesuffix("/v1.0") + "/.default"
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise override verify (entra-graph.md §1.3)
        session.verify = ca_bundle if ca_bundle else True
        self._session = session
        client_credential: Any
        if isinstance(credential, ClientSecretCredential):
            client_credential = credential.secret.reveal()
        else:
            client_credential = {
                "private_key": credential.private_key_pem.reveal(),
                "thumbprint": credential.thumbprint,
            }
            if credential.public_certificate_pem:
                client_credential["public_certificate"] = credential.public_certificate_pem
        host = urlsplit(authority_url).hostname or ""
        self._app_args: dict[str, Any] = {
            "client_id": client_id,
            "client_credential": client_credential,
            "authority": f"{authority_url.rstrip('/')}/{tenant_id}",
            "http_client": session,
            "instance_discovery": host in KNOWN_AUTHORITY_HOSTS,
            "timeout": timeout_seconds,
        }
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def _client(self) -> msal.ConfidentialClientApplication:
        """MSAL's client, built on first use: building it runs the tenant discovery (an HTTP call, §1.1), whose
        failures must surface as token errors like any other, not from a constructor."""
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(**self._app_args)
        return self._app

    def token_sync(self, *, force_refresh: bool = False) -> str:
        with self._lock:
            try:
                client = self._client()
                if force_refresh:  # MSAL refuses force_refresh for client credentials: drop the cached token instead
                    client.remove_tokens_for_client()
                result = client.acquire_token_for_client(scopes=[self.scope])
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise Transient(
                    f"Entra token endpoint unreachable ({type(exc).__name__}).",
                    fix="Check the authority URL, the network path and the ca_bundle setting.",
                    code="CONNECTION_FAILED",
                ) from None
            except ValueError as exc:  # MSAL's own checks: tenant discovery failed, an http authority, ...
                text = str(exc)
                fix = _AADSTS_FIXES["90002"] if "authority configuration" in text else None
                raise AuthFailed(f"Entra token request refused by MSAL: {text}", fix=fix, code="MSAL_CONFIG") from None
        if "access_token" in result:
            return str(result["access_token"])
        raise token_error(result)

    async def token(self, *, force_refresh: bool = False) -> str:
        return await asyncio.to_thread(self.token_sync, force_refresh=force_refresh)


def token_error(result: dict[str, Any]) -> AuthFailed:
    """An :class:`AuthFailed` from MSAL's error result, naming the AADSTS code and its fix."""
    error = str(result.get("error", "unknown_error"))
    description = str(result.get("error_description", "")).split("\r\n")[0].split(" Trace ID:")[0]
    codes = [str(c) for c in result.get("error_codes") or []]
    fix = next((_AADSTS_FIXES[c] for c in codes if c in _AADSTS_FIXES), None)
    if fix is None:
        fix = next((text for code, text in _AADSTS_FIXES.items() if f"AADSTS{code}:" in description), None)
    return AuthFailed(f"Entra token request failed: {error}: {description}", fix=fix, code=error)
