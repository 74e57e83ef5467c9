"""Every way Salesforce lets an integration log in, and the session each gives.

Four methods, in the order we recommend them (reference ``salesforce.md`` §10, §11):

1. **OAuth client credentials** through an External Client App with a Run As user. Salesforce's stated direction;
   only accepted on the org's My Domain host (KB 000886201).
2. **OAuth JWT bearer** with a certificate uploaded to the app; no stored password at all.
3. **SOAP ``login()``** with username + password + security token: what the Entra gallery app uses. Disabled by
   default in orgs created from Winter '26, unavailable from API 65.0, retired in Summer '27.
4. **OAuth username-password**: deprecated by Salesforce; kept for parity only.

The result is a :class:`SalesforceSession` whose token works as a REST bearer token in every case.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import httpx
import jwt
from defusedxml import ElementTree

from sfprov.errors import AuthFailed, ConfigError, ConnectorError, PermissionDenied, Transient
from sfprov.secrets import Secret
from sfprov.targets.salesforce.errors import make_error

SOAP_MAX_LOGIN_VERSION = "64.0"
"""login() is not available from API 65.0 (Winter '26); reference §10."""

_SOAP_NS = "{http://schemas.xmlsoap.org/soap/envelope/}"
_PARTNER_NS = "{urn:partner.soap.sforce.com}"

SOAP_DISABLED_FIX = (
    "An admin must switch on Setup > User Interface > 'Enable SOAP API login()' (off by default in orgs created "
    "in Winter '26 or later), or better: use the OAuth client-credentials login through an External Client App "
    "(login: client_credentials), which does not retire in Summer '27."
)


@dataclass(frozen=True)
class ClientCredentials:
    """OAuth 2.0 client credentials through an External Client App; must go to the My Domain URL."""

    my_domain_url: str
    client_id: str
    client_secret: Secret
    name: str = "client_credentials"


@dataclass(frozen=True)
class JwtBearer:
    """OAuth 2.0 JWT bearer: a JWT signed with the key whose certificate is uploaded to the app."""

    login_url: str
    client_id: str
    username: str
    private_key_pem: Secret
    audience: str | None = None
    """``aud`` claim; defaults to ``https://login.salesforce.com`` or ``https://test.salesforce.com`` by host."""
    name: str = "jwt_bearer"


@dataclass(frozen=True)
class SoapLogin:
    """SOAP ``login()`` with username and password + security token (the gallery app's way)."""

    login_url: str
    username: str
    password: Secret
    security_token: Secret | None = None
    api_version: str = SOAP_MAX_LOGIN_VERSION
    name: str = "soap"


@dataclass(frozen=True)
class PasswordFlow:
    """OAuth 2.0 username-password flow; deprecated by Salesforce."""

    login_url: str
    client_id: str
    client_secret: Secret
    username: str
    password: Secret
    security_token: Secret | None = None
    name: str = "password"


LoginMethod = ClientCredentials | JwtBearer | SoapLogin | PasswordFlow


@dataclass(frozen=True)
class SalesforceSession:
    instance_url: str
    access_token: Secret
    method: str
    user_id: str | None = None
    org_id: str | None = None
    issued_at: float = 0.0
    seconds_valid: int | None = None

    @property
    def authorization(self) -> str:
        return f"Bearer {self.access_token.reveal()}"


def method_warnings(method: LoginMethod) -> list[str]:
    """What an admin should know about the chosen login before relying on it."""
    if isinstance(method, SoapLogin):
        return [
            "SOAP login() is disabled by default in orgs created in Winter '26 or later, is not available from API "
            "65.0, and is retired in Summer '27. Move to login: client_credentials (External Client App)."
        ]
    if isinstance(method, PasswordFlow):
        return [
            "The OAuth username-password flow is deprecated by Salesforce and often blocked by org policy. Move to "
            "login: client_credentials (External Client App)."
        ]
    return []


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _ids_from_identity_url(identity: str | None) -> tuple[str | None, str | None]:
    """The org and user ids from an OAuth ``id`` URL (``https://login.salesforce.com/id/00D.../005...``)."""
    if not identity:
        return None, None
    parts = urlsplit(identity).path.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2].startswith("00D") and parts[-1].startswith("005"):
        return parts[-2], parts[-1]
    return None, None


async def login(method: LoginMethod, http: httpx.AsyncClient) -> SalesforceSession:
    """Log in with ``method``; raise :class:`AuthFailed` / :class:`PermissionDenied` with the precise fix."""
    try:
        if isinstance(method, SoapLogin):
            return await _soap_login(method, http)
        return await _oauth_login(method, http)
    except httpx.TransportError as exc:
        raise Transient(
            f"Salesforce login: cannot reach {_login_host(method)} ({type(exc).__name__}).",
            fix="Check the URL, the network path and, behind a TLS-inspecting proxy, the ca_bundle setting.",
            code="CONNECTION_FAILED",
        ) from None


def _login_host(method: LoginMethod) -> str:
    return method.my_domain_url if isinstance(method, ClientCredentials) else method.login_url


def _oauth_form(method: ClientCredentials | JwtBearer | PasswordFlow) -> dict[str, str]:
    if isinstance(method, ClientCredentials):
        return {
            "grant_type": "client_credentials",
            "client_id": method.client_id,
            "client_secret": method.client_secret.reveal(),
        }
    if isinstance(method, JwtBearer):
        host = urlsplit(method.login_url).hostname or ""
        audience = method.audience or (
            "https://test.salesforce.com"
            if host.startswith("test.") or ".sandbox." in host
            else "https://login.salesforce.com"
        )
        now = int(time.time())
        claims = {"iss": method.client_id, "sub": method.username, "aud": audience, "exp": now + 180}
        try:
            assertion = jwt.encode(
                claims, method.private_key_pem.reveal(), algorithm="RS256", headers={"jti": str(uuid.uuid4())}
            )
        except (jwt.exceptions.InvalidKeyError, ValueError, TypeError):
            raise ConfigError(
                "JWT bearer login: the private_key is not a PEM RSA private key.",
                fix="Point login.private_key at the PEM file of the key whose certificate is uploaded to the "
                "External Client App (it starts with -----BEGIN PRIVATE KEY-----).",
            ) from None
        return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    token = method.security_token.reveal() if method.security_token else ""
    return {
        "grant_type": "password",
        "client_id": method.client_id,
        "client_secret": method.client_secret.reveal(),
        "username": method.username,
        "password": method.password.reveal() + token,
    }


# OAuth error_description -> (class, fix). Texts as Salesforce sends them (reference §11).
_OAUTH_FIXES: dict[str, tuple[type[ConnectorError], str]] = {
    "request not supported on this domain": (
        AuthFailed,
        "The client-credentials flow only works on the org's My Domain URL (https://<MyDomain>.my.salesforce.com); "
        "set my_domain_url to it, not login.salesforce.com.",
    ),
    "no client credentials user enabled": (
        AuthFailed,
        "In the External Client App's policies, enable the Client Credentials Flow and set 'Run As' to the "
        "integration user.",
    ),
    "user hasn't approved this consumer": (
        AuthFailed,
        "Pre-authorise the integration user for the app: in the app's policies set 'Admin approved users are "
        "pre-authorized' and add the user's profile or a permission set.",
    ),
    "authentication failure": (
        AuthFailed,
        "Check the username, password and security token, and that the org allows the OAuth username-password flow.",
    ),
    "invalid client credentials": (
        AuthFailed,
        "Check the consumer key and consumer secret of the External Client App.",
    ),
    "invalid_client_id": (AuthFailed, "Check the consumer key (client_id) of the External Client App."),
}


async def _oauth_login(
    method: ClientCredentials | JwtBearer | PasswordFlow, http: httpx.AsyncClient
) -> SalesforceSession:
    url = _origin(_login_host(method)) + "/services/oauth2/token"
    response = await http.post(url, data=_oauth_form(method), headers={"Accept": "application/json"})
    body: Any
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        if response.status_code >= 500:
            raise Transient(
                f"Salesforce login answered HTTP {response.status_code}.", code=f"HTTP_{response.status_code}"
            )
        error = str(body.get("error", "")) if isinstance(body, dict) else ""
        description = str(body.get("error_description", "")) if isinstance(body, dict) else ""
        cls, fix = _OAUTH_FIXES.get(description.lower(), (AuthFailed, None))
        raise cls(
            f"Salesforce {method.name} login failed: {error or f'HTTP {response.status_code}'}"
            + (f" ({description})" if description else ""),
            fix=fix,
            code=error or f"HTTP_{response.status_code}",
        )
    org_id, user_id = _ids_from_identity_url(body.get("id"))
    issued = body.get("issued_at")
    return SalesforceSession(
        instance_url=str(body.get("instance_url") or _origin(url)).rstrip("/"),
        access_token=Secret(str(body["access_token"])),
        method=method.name,
        user_id=user_id,
        org_id=org_id,
        issued_at=int(issued) / 1000 if isinstance(issued, str) and issued.isdigit() else time.time(),
    )


def soap_login_envelope(username: str, password_and_token: str) -> str:
    """The Partner API ``login`` request (reference §9.1): username then password, XML-escaped."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:urn="urn:partner.soap.sforce.com">'
        "<soapenv:Header><urn:CallOptions><urn:client>sfprov</urn:client></urn:CallOptions></soapenv:Header>"
        "<soapenv:Body><urn:login>"
        f"<urn:username>{escape(username)}</urn:username>"
        f"<urn:password>{escape(password_and_token)}</urn:password>"
        "</urn:login></soapenv:Body></soapenv:Envelope>"
    )


async def _soap_login(method: SoapLogin, http: httpx.AsyncClient) -> SalesforceSession:
    url = f"{_origin(method.login_url)}/services/Soap/u/{method.api_version}"
    token = method.security_token.reveal() if method.security_token else ""
    envelope = soap_login_envelope(method.username, method.password.reveal() + token)
    response = await http.post(
        url,
        content=envelope.encode("utf-8"),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"},
    )
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError:
        if response.status_code >= 500:
            raise Transient(f"Salesforce SOAP login answered HTTP {response.status_code}.") from None
        raise AuthFailed(f"Salesforce SOAP login answered HTTP {response.status_code} without a SOAP body.") from None
    fault = root.find(f"{_SOAP_NS}Body/{_SOAP_NS}Fault")
    if fault is not None:
        raise _soap_fault(fault)
    result = root.find(f"{_SOAP_NS}Body/{_PARTNER_NS}loginResponse/{_PARTNER_NS}result")
    if result is None:
        raise AuthFailed("Salesforce SOAP login answered without a loginResponse.")

    def text(name: str, parent: Any = result) -> str | None:
        node = parent.find(f"{_PARTNER_NS}{name}")
        return node.text if node is not None and node.text else None

    if text("passwordExpired") == "true":
        raise make_error(
            "PASSWORD_EXPIRED",
            "The integration user's password has expired; the session only allows setting a new password.",
        )
    server_url, session_id = text("serverUrl"), text("sessionId")
    if not server_url or not session_id:
        raise AuthFailed("Salesforce SOAP login answered without serverUrl or sessionId.")
    info = result.find(f"{_PARTNER_NS}userInfo")
    seconds = text("sessionSecondsValid", info) if info is not None else None
    return SalesforceSession(
        instance_url=_origin(server_url),
        access_token=Secret(session_id),
        method=method.name,
        user_id=text("userId"),
        org_id=text("organizationId", info) if info is not None else None,
        issued_at=time.time(),
        seconds_valid=int(seconds) if seconds and seconds.isdigit() else None,
    )


def _soap_fault(fault: Any) -> ConnectorError:
    code = (fault.findtext("faultcode") or "").split(":")[-1]
    message = fault.findtext("faultstring") or ""
    if code == "INVALID_OPERATION" and "login() is disabled" in message:
        return AuthFailed(
            f"Salesforce SOAP login refused: {message}", fix=SOAP_DISABLED_FIX, code="SOAP_LOGIN_DISABLED"
        )
    err = make_error(code or None, message)
    if isinstance(err, AuthFailed | PermissionDenied):
        return err
    return AuthFailed(str(err.message), fix=err.fix, code=err.code)
