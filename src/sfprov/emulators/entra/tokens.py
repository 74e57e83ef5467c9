"""The token side of the Entra emulator: OpenID discovery, the signing keys, the v2.0 token endpoint for the
client-credentials grant, and the access-token check Microsoft Graph performs.

What is modelled (Microsoft identity platform "OAuth 2.0 client credentials flow", "Certificate credentials",
"OpenID Connect" pages, and MSAL Python 1.39's requests, see ``docs/dev/entra-tokens.md``):

* ``GET /{tenant}/v2.0/.well-known/openid-configuration`` and ``GET /{tenant}/discovery/v2.0/keys``: what
  MSAL reads before its first token request when ``instance_discovery=False`` (``authority.tenant_discovery``);
  ``GET /common/discovery/instance``: what it reads first when instance discovery is on.
* ``POST /{tenant}/oauth2/v2.0/token`` with ``grant_type=client_credentials``, a ``scope`` of
  ``{resource}/.default`` and either a client secret (form body or HTTP Basic) or a ``private_key_jwt`` assertion
  signed RS256 or PS256 with a registered certificate, picked by its ``x5t`` / ``x5t#S256`` header.
* App-only access tokens shaped like Graph's v1.0 tokens (``iss`` ``https://sts.windows.net/{tid}/``, ``appid``,
  ``appidacr``, ``roles`` = the consented application permissions, ...), signed RS256 with a published key.
* Errors as the real service sends them: the AADSTS JSON body with ``error``, ``error_description``,
  ``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id``, ``error_uri``, and the Graph
  ``InvalidAuthenticationToken`` 401 data for rejected bearer tokens.

Every error text whose exact wording is not confirmed by a Microsoft page is listed in :data:`STS_ERRORS` /
:data:`GRAPH_TOKEN_MESSAGES` with its confidence, and can be replaced through ``TokenService(...)``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

import jwt
from cryptography import x509
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sfprov.emulators.entra.jwks import CertificateThumbprints, SigningKey, b64url, b64url_decode
from sfprov.emulators.entra.tenants import (
    ClientApp,
    ClientCertificate,
    ClientSecret,
    InvalidTenantIdentifier,
    Tenant,
    TenantRegistry,
    UnknownTenant,
    is_guid,
)
from sfprov.emulators.entra.token_errors import (
    GRAPH_TOKEN_MESSAGES,
    GRAPH_WWW_AUTHENTICATE,
    STS_ERRORS,
    GraphTokenError,
    StsError,
    StsErrorSpec,
)

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
"""The application id of Microsoft Graph, one of the two audiences Graph accepts."""
GRAPH_RESOURCE = "https://graph.microsoft.com"
REAL_LOGIN_URL = "https://login.microsoftonline.com"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MULTI_TENANT_ALIASES = ("common", "organizations", "consumers")
ASSERTION_ALGORITHMS = ("RS256", "PS256")
"""Signature algorithms accepted on client assertions: MSAL signs PS256 when it knows the SHA-256 thumbprint and
RS256 with a SHA-1 thumbprint (``msal.application._build_client``)."""
_DEFAULT_WIDS = ("0997a1d0-0d1d-4acb-b408-d5ca73121e90",)
"""``wids`` seen in every decoded app-only Graph token (**UNVERIFIED**: observed, not documented)."""
_CLAIMS_SUPPORTED = (
    "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud",
    "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash",
    "email",
)  # fmt: skip


@dataclass(frozen=True)
class AccessClaims:
    """What Graph learns from a valid app-only token."""

    tenant_id: str
    app_id: str
    roles: frozenset[str]
    expires_at: int
    issued_at: int
    not_before: int
    audience: str
    object_id: str
    app_display_name: str
    token_id: str
    auth_method: str
    """``appidacr``: ``"1"`` client secret, ``"2"`` certificate."""


# --------------------------------------------------------------------------------------------------------------
# Helpers


def _sts_time(epoch: float) -> str:
    """The ``2023-05-06 06:03:00Z`` form of AADSTS timestamps."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _assertion_time(epoch: float) -> str:
    """The ``2024-10-02T22:05:03.6755165Z`` form (seven fractional digits) of AADSTS700024."""
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def _key_time(moment: dt.datetime) -> str:
    return moment.strftime("%m/%d/%Y %H:%M:%S")


def _opaque(n: int) -> str:
    return b64url(secrets.token_bytes(n))


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``client_secret_basic``: RFC 6749 §2.3.1, both parts form-urlencoded before base64."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(user), unquote_plus(password)


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class _StsJSONResponse(JSONResponse):
    """The identity platform labels its JSON with the charset."""

    media_type = "application/json; charset=utf-8"


# --------------------------------------------------------------------------------------------------------------
# The service


class TokenService:
    """Tenants, applications, the signing key, and the HTTP routes of ``login.microsoftonline.com``.

    ``clock`` is used for every time decision (issue, assertion checks, bearer checks), so tests can move time.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        token_lifetime_seconds: int = 3599,
        assertion_clock_skew_seconds: int = 300,
        issued_at_backdate_seconds: int = 300,
        sts_errors: Mapping[str, StsErrorSpec] | None = None,
        graph_messages: Mapping[str, str] | None = None,
        signing_key: SigningKey | None = None,
        verification_cache_size: int = 4096,
    ) -> None:
        """``issued_at_backdate_seconds``: Entra sets ``iat``/``nbf`` five minutes before issue time (observed
        in decoded tokens, **UNVERIFIED**); ``assertion_clock_skew_seconds``: tolerance on assertion ``exp``/``nbf``
        (**UNVERIFIED**, five minutes is the common identity-platform default)."""
        self.clock = clock
        self.token_lifetime_seconds = token_lifetime_seconds
        self.assertion_clock_skew_seconds = assertion_clock_skew_seconds
        self.issued_at_backdate_seconds = issued_at_backdate_seconds
        self.sts_errors = {**STS_ERRORS, **(sts_errors or {})}
        self.graph_messages = {**GRAPH_TOKEN_MESSAGES, **(graph_messages or {})}
        self.signing_key = signing_key or SigningKey.generate()
        self.tenants = TenantRegistry()
        self.login_base_url = REAL_LOGIN_URL
        self.graph_base_url = GRAPH_RESOURCE
        self._lock = threading.Lock()
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._cache_size = verification_cache_size
        self._issued: dict[str, tuple[int, float]] = {}
        """uti -> (issue sequence number, issue time), to apply :meth:`expire_all_tokens` exactly."""
        self._sequence = 0
        self._expired_through = -1
        self._expired_before: float = float("-inf")

    # ---- administration -------------------------------------------------------------------------------------

    def set_base_url(self, login_base_url: str, graph_base_url: str) -> None:
        """Advertise the listeners' real URLs in discovery documents and accept the Graph URL as a resource."""
        self.login_base_url = login_base_url.rstrip("/")
        self.graph_base_url = graph_base_url.rstrip("/").removesuffix("/v1.0").removesuffix("/beta")
        with self._lock:
            self._verified.clear()

    def add_tenant(self, tenant_id: str, *, domains: list[str], display_name: str, region_scope: str = "NA") -> Tenant:
        created = int(self.clock())
        return self.tenants.add(Tenant(tenant_id.lower(), display_name, list(domains), region_scope, created))

    def tenant(self, identifier: str) -> Tenant:
        """The tenant named by GUID or verified domain; ``KeyError`` when there is none."""
        try:
            return self.tenants.resolve(identifier)
        except (UnknownTenant, InvalidTenantIdentifier) as exc:
            raise KeyError(identifier) from exc

    def add_client_app(
        self,
        tenant_id: str,
        *,
        client_id: str,
        display_name: str,
        secrets: Iterable[str] = (),
        certificates_pem: Iterable[bytes] = (),
        granted_roles: Iterable[str] = (),
        service_principal_id: str | None = None,
        application_object_id: str | None = None,
    ) -> ClientApp:
        """Register an application (and its service principal) in a tenant with its credentials and the
        application permissions an administrator consented to."""
        tenant = self.tenant(tenant_id)
        if not is_guid(client_id):
            raise ValueError(f"client id {client_id!r} is not a GUID")
        if tenant.app(client_id) is not None:
            raise ValueError(f"application {client_id} already exists in tenant {tenant.tenant_id}")
        app = ClientApp(
            client_id=client_id.lower(),
            display_name=display_name,
            tenant_id=tenant.tenant_id,
            service_principal_id=(service_principal_id or str(uuid.uuid4())).lower(),
            application_object_id=(application_object_id or str(uuid.uuid4())).lower(),
            secrets=[ClientSecret.create(s) for s in secrets],
            certificates=[ClientCertificate.from_pem(pem) for pem in certificates_pem],
            granted_roles=frozenset(granted_roles),
        )
        tenant.apps[app.client_id] = app
        return app

    def client_app(self, tenant_id: str, client_id: str) -> ClientApp:
        app = self.tenant(tenant_id).app(client_id)
        if app is None:
            raise KeyError(client_id)
        return app

    def set_granted_roles(self, tenant_id: str, client_id: str, roles: Iterable[str]) -> None:
        """Admin consent or its revocation. Tokens already issued keep their ``roles`` until they expire, as
        in Entra; only new tokens see the change."""
        self.client_app(tenant_id, client_id).granted_roles = frozenset(roles)

    def set_app_enabled(self, tenant_id: str, client_id: str, enabled: bool) -> None:
        """Enable or disable the application's service principal (``accountEnabled``). Tokens already issued
        stay valid until they expire; new requests get AADSTS7000112."""
        self.client_app(tenant_id, client_id).enabled = enabled

    def remove_client_app(self, tenant_id: str, client_id: str) -> None:
        """Delete the registration: later token requests get AADSTS700016, issued tokens run out."""
        tenant = self.tenant(tenant_id)
        if tenant.apps.pop(client_id.lower(), None) is None:
            raise KeyError(client_id)

    def add_client_secret(
        self, tenant_id: str, client_id: str, secret: str, *, display_name: str = "", end_time: float | None = None
    ) -> str:
        """Add a secret (``addPassword``); returns its ``keyId``. ``end_time`` in epoch seconds."""
        created = ClientSecret.create(secret, display_name=display_name, end_time=end_time)
        self.client_app(tenant_id, client_id).secrets.append(created)
        return created.key_id

    def remove_client_secret(self, tenant_id: str, client_id: str, key_id: str) -> None:
        app = self.client_app(tenant_id, client_id)
        remaining = [s for s in app.secrets if s.key_id != key_id]
        if len(remaining) == len(app.secrets):
            raise KeyError(key_id)
        app.secrets = remaining

    def add_client_certificate(self, tenant_id: str, client_id: str, certificate_pem: bytes) -> str:
        """Upload a certificate's public part (``keyCredentials``); returns its ``keyId``."""
        created = ClientCertificate.from_pem(certificate_pem)
        self.client_app(tenant_id, client_id).certificates.append(created)
        return created.key_id

    def remove_client_certificate(self, tenant_id: str, client_id: str, key_id: str) -> None:
        app = self.client_app(tenant_id, client_id)
        remaining = [c for c in app.certificates if c.key_id != key_id]
        if len(remaining) == len(app.certificates):
            raise KeyError(key_id)
        app.certificates = remaining

    def expire_all_tokens(self) -> None:
        """Fault injection: every token issued so far is treated as expired by :meth:`verify_bearer` (as if an
        hour had passed for them), while new tokens are valid."""
        with self._lock:
            self._expired_through = self._sequence
            self._expired_before = self.clock()
            self._verified.clear()

    # ---- URLs -------------------------------------------------------------------------------------------------

    def token_endpoint(self, tenant_id: str) -> str:
        return f"{self.login_base_url}/{tenant_id}/oauth2/v2.0/token"

    def issuer_v2(self, tenant_id: str) -> str:
        return f"{self.login_base_url}/{tenant_id}/v2.0"

    @staticmethod
    def access_token_issuer(tenant_id: str) -> str:
        """``iss`` of v1.0 access tokens, which Graph receives: always the real ``sts.windows.net`` form."""
        return f"https://sts.windows.net/{tenant_id}/"

    def graph_audiences(self) -> set[str]:
        """Audiences Graph accepts: its URI, its app id, and the emulator's Graph URL (lower-case)."""
        return {GRAPH_RESOURCE, GRAPH_APP_ID, self.graph_base_url.lower()}

    # ---- discovery --------------------------------------------------------------------------------------------

    def openid_configuration(self, tenant: Tenant | str) -> dict[str, Any]:
        """The v2.0 discovery document of a tenant, in the field order of the real one (OpenID Connect page).

        For the multi-tenant aliases (``common``, ``organizations``, ``consumers``) the endpoints keep the alias
        and the issuer carries the ``{tenantid}`` placeholder, as Entra publishes them."""
        if isinstance(tenant, str):
            segment, issuer_tenant, region = tenant, "{tenantid}", None
        else:
            segment, issuer_tenant, region = tenant.tenant_id, tenant.tenant_id, tenant.region_scope
        base = f"{self.login_base_url}/{segment}"
        graph_host = urlsplit(self.graph_base_url).netloc
        return {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": self.issuer_v2(issuer_tenant),
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{self.graph_base_url}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "claims_supported": list(_CLAIMS_SUPPORTED),
            "kerberos_endpoint": f"{base}/kerberos",
            "tenant_region_scope": region,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": graph_host,
            "rbac_url": "https://pas.windows.net",
        }

    def jwks(self, tenant: Tenant | str | None) -> dict[str, Any]:
        """The signing keys; the v2.0 document names the tenant's issuer in each key (``{tenantid}`` for the
        multi-tenant aliases), the v1.0 document (``tenant=None``) does not."""
        if tenant is None:
            return {"keys": [self.signing_key.jwk()]}
        issuer = self.issuer_v2("{tenantid}" if isinstance(tenant, str) else tenant.tenant_id)
        return {"keys": [self.signing_key.jwk(issuer)]}

    def instance_discovery(self, authorization_endpoint: str | None) -> dict[str, Any]:
        """``/common/discovery/instance``: MSAL calls it for an authority host it does not know unless
        ``instance_discovery=False``; the reply names the tenant discovery endpoint (observed shape)."""
        login_host = urlsplit(self.login_base_url).netloc
        metadata = [{"preferred_network": login_host, "preferred_cache": login_host, "aliases": [login_host]}]
        body: dict[str, Any] = {"api-version": "1.1", "metadata": metadata}
        if authorization_endpoint:
            parts = urlsplit(authorization_endpoint)
            tenant = parts.path.strip("/").split("/")[0] if parts.path.strip("/") else "common"
            body["tenant_discovery_endpoint"] = f"{self.login_base_url}/{tenant}/v2.0/.well-known/openid-configuration"
        return body

    # ---- the token endpoint -----------------------------------------------------------------------------------

    def _error(self, name: str, **fields: str) -> StsError:
        return StsError(self.sts_errors[name], **fields)

    def _resolve_tenant(self, identifier: str, *, endpoint: str) -> Tenant:
        if endpoint == "token" and identifier.lower() in ("common", "consumers"):
            raise self._error("grant_over_common")
        if endpoint == "token" and identifier.lower() == "organizations":
            raise self._error("no_tenant_information")
        try:
            return self.tenants.resolve(identifier)
        except InvalidTenantIdentifier:
            raise self._error("invalid_tenant_identifier", tenant=identifier) from None
        except UnknownTenant:
            name = "tenant_not_found_discovery" if endpoint == "discovery" else "tenant_not_found_token"
            raise self._error(name, tenant=identifier) from None

    def issue_token(
        self, tenant_identifier: str, form: Mapping[str, str], *, authorization: str | None = None
    ) -> dict[str, Any]:
        """Run the client-credentials grant on a parsed form body; return the JSON reply or raise
        :class:`StsError`. The order of checks follows what public error reports show Entra does first:
        tenant, grant type, client id, scope, application, credential."""
        tenant = self._resolve_tenant(tenant_identifier, endpoint="token")
        grant_type = form.get("grant_type", "")
        if not grant_type:
            raise self._error("missing_parameter", parameter="grant_type")
        if grant_type != "client_credentials":
            raise self._error("unsupported_grant_type", grant_type=grant_type)
        basic = _basic_credentials(authorization)
        client_id = form.get("client_id", "") or (basic[0] if basic else "")
        if not client_id:
            raise self._error("missing_parameter", parameter="client_id")
        if "resource" in form:
            raise self._error("resource_parameter")
        audience = self._graph_audience_for(tenant, form.get("scope", ""))
        app = tenant.app(client_id)
        if app is None:
            raise self._error("unknown_client", client_id=client_id, tenant_name=tenant.display_name)
        auth_method = self._authenticate(tenant, app, form, basic)
        if not app.enabled:
            raise self._error("app_disabled", client_id=app.client_id, display_name=app.display_name)
        return self._mint(tenant, app, audience, auth_method)

    def _graph_audience_for(self, tenant: Tenant, scope_param: str) -> str:
        scopes = scope_param.split()
        if not scopes:
            raise self._error("missing_scope")
        for scope in scopes:
            if not scope.endswith("/.default"):
                raise self._error("scope_not_default", scope=scope)
        if len(scopes) > 1:
            raise self._error("scope_multiple_resources", scope=" ".join(scopes))
        resource = scopes[0][: -len("/.default")]
        normalised = resource.rstrip("/").lower()
        if normalised in self.graph_audiences():
            return GRAPH_APP_ID if normalised == GRAPH_APP_ID else resource.rstrip("/")
        raise self._error("resource_not_found", resource=resource, tenant_name=tenant.display_name)

    def _authenticate(
        self, tenant: Tenant, app: ClientApp, form: Mapping[str, str], basic: tuple[str, str] | None
    ) -> str:
        """Check the client credential; return ``appidacr`` ("1" secret, "2" certificate)."""
        if form.get("client_assertion_type") == JWT_BEARER and form.get("client_assertion"):
            self._check_assertion(tenant, app, form["client_assertion"])
            return "2"
        secret = form.get("client_secret") or (basic[1] if basic and basic[0].lower() == app.client_id else "")
        if not secret:
            raise self._error("missing_credential")
        now = self.clock()
        for stored in app.secrets:
            if stored.matches(secret):
                if stored.end_time is not None and stored.end_time <= now:
                    raise self._error("expired_secret", client_id=app.client_id)
                return "1"
        raise self._error("invalid_secret", client_id=app.client_id)

    def _check_assertion(self, tenant: Tenant, app: ClientApp, assertion: str) -> None:
        """``private_key_jwt`` per the "Certificate credentials" page: header ``alg`` RS256/PS256 and ``x5t`` or
        ``x5t#S256``; claims ``aud`` = token endpoint, ``iss`` = ``sub`` = client id, ``exp``, ``nbf``, ``jti``."""
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise self._error("malformed_assertion") from None
        alg = header.get("alg")
        x5t = header.get("x5t") if isinstance(header.get("x5t"), str) else None
        x5t_s256 = header.get("x5t#S256") if isinstance(header.get("x5t#S256"), str) else None
        if alg not in ASSERTION_ALGORITHMS:
            raise self._error("malformed_assertion")
        shown = self._thumbprint_hex(x5t_s256 or x5t)
        cert = app.certificate_by_x5t(x5t, x5t_s256)
        if cert is None:
            raise self._error("assertion_key_not_found", thumbprint=shown, client_id=app.client_id)
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                key=cert.certificate.public_key(),  # type: ignore[arg-type]
                algorithms=[str(alg)],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise self._error(
                "assertion_bad_signature",
                thumbprint=shown,
                start=_key_time(cert.certificate.not_valid_before_utc),
                end=_key_time(cert.certificate.not_valid_after_utc),
            ) from None
        except jwt.PyJWTError:
            raise self._error("malformed_assertion") from None
        self._check_assertion_claims(tenant, app, claims)

    def _check_assertion_claims(self, tenant: Tenant, app: ClientApp, claims: Mapping[str, Any]) -> None:
        aud = claims.get("aud")
        if not isinstance(aud, str) or aud.rstrip("/").lower() not in self._assertion_audiences(tenant):
            raise self._error("assertion_wrong_audience")
        iss, sub = claims.get("iss"), claims.get("sub")
        if not isinstance(iss, str) or not isinstance(sub, str):
            raise self._error("malformed_assertion")
        if iss.lower() != sub.lower():
            raise self._error("assertion_subject_mismatch")
        if iss.lower() != app.client_id:
            raise self._error("assertion_wrong_client")
        if not isinstance(claims.get("jti"), str) or not claims["jti"]:
            raise self._error("malformed_assertion")
        exp, nbf = _number(claims, "exp"), _number(claims, "nbf")
        if exp is None or ("nbf" in claims and nbf is None):
            raise self._error("malformed_assertion")
        now, skew = self.clock(), self.assertion_clock_skew_seconds
        if exp + skew <= now or (nbf is not None and nbf - skew > now):
            raise self._error(
                "assertion_expired",
                now=_assertion_time(now),
                nbf=_assertion_time(nbf or 0.0),
                exp=_assertion_time(exp),
            )

    def _assertion_audiences(self, tenant: Tenant) -> set[str]:
        """The token endpoint, named by tenant GUID or by any verified domain (v2.0 and v1.0 paths)."""
        names = [tenant.tenant_id, *tenant.domains]
        base = self.login_base_url.lower()
        return {f"{base}/{n.lower()}/oauth2/{v}token" for n in names for v in ("v2.0/", "")}

    @staticmethod
    def _thumbprint_hex(x5t: str | None) -> str:
        if not x5t:
            return ""
        try:
            return b64url_decode(x5t).hex().upper()
        except ValueError:
            return ""

    def _mint(self, tenant: Tenant, app: ClientApp, audience: str, auth_method: str) -> dict[str, Any]:
        now = self.clock()
        issued = int(now) - self.issued_at_backdate_seconds
        expires = int(now) + self.token_lifetime_seconds
        uti = _opaque(16)
        issuer = self.access_token_issuer(tenant.tenant_id)
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": issuer,
            "iat": issued,
            "nbf": issued,
            "exp": expires,
            "aio": _opaque(48),
            "app_displayname": app.display_name,
            "appid": app.client_id,
            "appidacr": auth_method,
            "idp": issuer,
            "idtyp": "app",
            "oid": app.service_principal_id,
            "rh": f"1.A{_opaque(42)}.",
            "sub": app.service_principal_id,
            "tenant_region_scope": tenant.region_scope,
            "tid": tenant.tenant_id,
            "uti": uti,
            "ver": "1.0",
            "wids": list(_DEFAULT_WIDS),
            "xms_tcdt": tenant.created_at,
        }
        if app.granted_roles:
            claims["roles"] = sorted(app.granted_roles)
        kid = self.signing_key.kid
        token = jwt.encode(
            claims, self.signing_key.private_key, algorithm="RS256", headers={"typ": "JWT", "x5t": kid, "kid": kid}
        )
        with self._lock:
            self._sequence += 1
            self._issued[uti] = (self._sequence, now)
            if len(self._issued) > 4 * self._cache_size:
                cutoff = now - self.token_lifetime_seconds - 60
                self._issued = {k: v for k, v in self._issued.items() if v[1] > cutoff}
        return {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime_seconds,
            "ext_expires_in": self.token_lifetime_seconds,
            "access_token": token,
        }

    # ---- Graph's check of the bearer token --------------------------------------------------------------------

    def verify_bearer(self, authorization: str | None) -> AccessClaims:
        """Validate an ``Authorization`` header the way Graph does; raise :class:`GraphTokenError` if refused.

        Signature, issuer and audience checks are cached per token string; lifetime is checked on every call.
        """
        scheme, _, token = (authorization or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise GraphTokenError(self.graph_messages["empty"])
        with self._lock:
            claims = self._verified.get(token)
            if claims is not None:
                self._verified.move_to_end(token)
        if claims is None:
            claims = self._verify_uncached(token)
            with self._lock:
                self._verified[token] = claims
                while len(self._verified) > self._cache_size:
                    self._verified.popitem(last=False)
        self._check_lifetime(claims)
        return claims

    def _verify_uncached(self, token: str) -> AccessClaims:
        if "." not in token:
            raise GraphTokenError(self.graph_messages["no_dots"])
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise GraphTokenError(self.graph_messages["malformed"]) from None
        if header.get("kid") != self.signing_key.kid or header.get("alg") != "RS256":
            raise GraphTokenError(self.graph_messages["bad_signature"])
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=self.signing_key.public_key,
                algorithms=["RS256"],
                options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
            )
        except jwt.InvalidSignatureError:
            raise GraphTokenError(self.graph_messages["bad_signature"]) from None
        except jwt.PyJWTError:
            raise GraphTokenError(self.graph_messages["malformed"]) from None
        aud = claims.get("aud")
        if not isinstance(aud, str) or aud.rstrip("/").lower() not in self.graph_audiences():
            raise GraphTokenError(self.graph_messages["invalid_audience"])
        tid = claims.get("tid")
        if (
            not isinstance(tid, str)
            or self.tenants.get(tid) is None
            or claims.get("iss") != self.access_token_issuer(tid)
        ):
            raise GraphTokenError(self.graph_messages["invalid_issuer"])
        try:
            roles = claims.get("roles", [])
            return AccessClaims(
                tenant_id=tid,
                app_id=str(claims["appid"]),
                roles=frozenset(str(r) for r in roles),
                expires_at=int(claims["exp"]),
                issued_at=int(claims["iat"]),
                not_before=int(claims["nbf"]),
                audience=aud,
                object_id=str(claims["oid"]),
                app_display_name=str(claims.get("app_displayname", "")),
                token_id=str(claims["uti"]),
                auth_method=str(claims.get("appidacr", "")),
            )
        except (KeyError, TypeError, ValueError):
            raise GraphTokenError(self.graph_messages["malformed"]) from None

    def _check_lifetime(self, claims: AccessClaims) -> None:
        now = self.clock()
        if claims.expires_at <= now:
            raise GraphTokenError(self.graph_messages["expired"])
        if claims.not_before > now:
            raise GraphTokenError(self.graph_messages["not_yet_valid"])
        known = self._issued.get(claims.token_id)
        if known is not None:
            expired = known[0] <= self._expired_through
        else:  # issued before a snapshot was restored: only its claims are left
            expired = claims.issued_at + self.issued_at_backdate_seconds <= self._expired_before
        if expired:
            raise GraphTokenError(self.graph_messages["expired"])

    # ---- HTTP -------------------------------------------------------------------------------------------------

    def error_response(self, error: StsError, request: Request | None = None) -> Response:
        """The AADSTS JSON body. ``correlation_id`` echoes the client's ``client-request-id`` when it is a GUID,
        as Entra does; ``trace_id`` is fresh per response and also sent as ``x-ms-request-id``."""
        now = self.clock()
        trace_id = str(uuid.uuid4())
        requested = request.headers.get("client-request-id", "") if request is not None else ""
        correlation_id = requested.lower() if is_guid(requested) else str(uuid.uuid4())
        stamp = _sts_time(now)
        spec = error.spec
        body = {
            "error": spec.error,
            "error_description": (
                f"AADSTS{spec.code}: {error.description} Trace ID: {trace_id} Correlation ID: {correlation_id} "
                f"Timestamp: {stamp}"
            ),
            "error_codes": [spec.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"{self.login_base_url}/error?code={spec.code}",
        }
        return _StsJSONResponse(body, status_code=spec.status, headers=self._headers(trace_id, correlation_id))

    @staticmethod
    def _headers(trace_id: str, correlation_id: str) -> dict[str, str]:
        return {
            "Cache-Control": "no-store, no-cache",
            "Pragma": "no-cache",
            "x-ms-request-id": trace_id,
            "client-request-id": correlation_id,
        }

    def _ok(self, body: dict[str, Any], request: Request) -> Response:
        requested = request.headers.get("client-request-id", "")
        correlation_id = requested.lower() if is_guid(requested) else str(uuid.uuid4())
        return _StsJSONResponse(body, headers=self._headers(str(uuid.uuid4()), correlation_id))

    def _discovery_tenant(self, identifier: str) -> Tenant | str:
        """A tenant, or the lower-cased multi-tenant alias; raises :class:`StsError`."""
        if identifier.lower() in MULTI_TENANT_ALIASES:
            return identifier.lower()
        return self._resolve_tenant(identifier, endpoint="discovery")

    async def _openid_configuration(self, request: Request) -> Response:
        try:
            tenant = self._discovery_tenant(request.path_params["tenant"])
        except StsError as exc:
            return self.error_response(exc, request)
        return self._ok(self.openid_configuration(tenant), request)

    async def _keys_v2(self, request: Request) -> Response:
        try:
            tenant = self._discovery_tenant(request.path_params["tenant"])
        except StsError as exc:
            return self.error_response(exc, request)
        return self._ok(self.jwks(tenant), request)

    async def _keys_v1(self, request: Request) -> Response:
        try:
            self._discovery_tenant(request.path_params["tenant"])
        except StsError as exc:
            return self.error_response(exc, request)
        return self._ok(self.jwks(None), request)

    async def _instance_discovery(self, request: Request) -> Response:
        return self._ok(self.instance_discovery(request.query_params.get("authorization_endpoint")), request)

    async def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return self.error_response(self._error("post_only"), request)
        body = (await request.body()).decode("utf-8", errors="replace")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        pairs = parse_qsl(body, keep_blank_values=True) if content_type == "application/x-www-form-urlencoded" else []
        form: dict[str, str] = {}
        for key, value in pairs:
            form.setdefault(key, value)
        try:
            reply = self.issue_token(
                request.path_params["tenant"], form, authorization=request.headers.get("authorization")
            )
        except StsError as exc:
            return self.error_response(exc, request)
        return self._ok(reply, request)

    def routes(self) -> list[BaseRoute]:
        """Routes for the ``login.microsoftonline.com`` listener."""
        return [
            Route("/common/discovery/instance", self._instance_discovery, methods=["GET"]),
            Route("/{tenant}/v2.0/.well-known/openid-configuration", self._openid_configuration, methods=["GET"]),
            Route("/{tenant}/discovery/v2.0/keys", self._keys_v2, methods=["GET"]),
            Route("/{tenant}/discovery/keys", self._keys_v1, methods=["GET"]),
            Route("/{tenant}/oauth2/v2.0/token", self._token, methods=["GET", "POST"]),
        ]

    # ---- snapshot ---------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Everything needed to resume: tenants, apps (secret digests only), the signing key (so that tokens
        issued before a restart stay valid, as Entra's keys outlive a process) and the expiry fault cutoff."""
        key_pem, cert_pem = self.signing_key.to_pem()
        return {
            "version": 1,
            "signingKey": {"privateKeyPem": key_pem, "certificatePem": cert_pem},
            "tokenLifetimeSeconds": self.token_lifetime_seconds,
            "expiredBefore": None if self._expired_before == float("-inf") else self._expired_before,
            "tenants": [t.to_json() for t in self.tenants.all()],
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], *, clock: Callable[[], float] = time.time, **settings: Any
    ) -> TokenService:
        """Rebuild a service from :meth:`to_json`; ``settings`` are the other constructor options (messages,
        skew, ...), which are configuration rather than state."""
        if data.get("version") != 1:
            raise ValueError(f"unsupported token service snapshot version {data.get('version')!r}")
        key = SigningKey.from_pem(data["signingKey"]["privateKeyPem"], data["signingKey"]["certificatePem"])
        lifetime = int(data["tokenLifetimeSeconds"])
        service = cls(clock=clock, token_lifetime_seconds=lifetime, signing_key=key, **settings)
        if data.get("expiredBefore") is not None:
            service._expired_before = float(data["expiredBefore"])
        for tenant in data.get("tenants", []):
            service.tenants.add(Tenant.from_json(tenant))
        return service

    def dumps(self) -> str:
        return json.dumps(self.to_json())


def describe_certificate(pem: bytes) -> dict[str, str]:
    """Thumbprints of a client certificate as the Azure portal shows them (upper-case hex) and as JOSE headers
    carry them; handy for ``emulator-info.json`` and for clients that configure MSAL with a ``thumbprint``."""
    prints = CertificateThumbprints.of(x509.load_pem_x509_certificate(pem))
    return {
        "sha1": prints.sha1.hex().upper(),
        "sha256": prints.sha256.hex().upper(),
        "x5t": prints.x5t,
        "x5t#S256": prints.x5t_s256,
    }


__all__ = [
    "GRAPH_APP_ID",
    "GRAPH_RESOURCE",
    "GRAPH_TOKEN_MESSAGES",
    "GRAPH_WWW_AUTHENTICATE",
    "STS_ERRORS",
    "AccessClaims",
    "GraphTokenError",
    "StsError",
    "StsErrorSpec",
    "TokenService",
    "describe_certificate",
]
