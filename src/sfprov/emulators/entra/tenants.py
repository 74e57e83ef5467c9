"""Tenants and application registrations as the token endpoint sees them.

A tenant is named in a URL either by its GUID or by one of its verified domain names
(``contoso.onmicrosoft.com``); both resolve to the same tenant, and every document and token carries the GUID
(Microsoft identity platform "OpenID Connect" page: "{tenant} can take one of four values ... the tenant ID or
domain name"). An application registration holds its client secrets and certificates (``passwordCredentials`` /
``keyCredentials`` of the Graph ``application`` resource) and the application permissions an administrator
consented to, which the token endpoint copies into the ``roles`` claim of every app-only token
(``v2-oauth2-client-creds-grant-flow``: "the token ... contains all the application permissions that were granted").

Client secrets are kept only as a SHA-256 digest plus the three-character ``hint`` Graph shows, so snapshots and
logs never hold a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sfprov.emulators.entra.jwks import CertificateThumbprints

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$")


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value))


def is_dns_name(value: str) -> bool:
    return bool(_DNS_NAME.match(value))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass
class ClientSecret:
    """A ``passwordCredential``: only its digest is stored. ``end_time`` (epoch seconds) ``None`` = never expires."""

    key_id: str
    hint: str
    sha256: str
    display_name: str = ""
    end_time: float | None = None

    @classmethod
    def create(cls, secret: str, *, display_name: str = "", end_time: float | None = None) -> ClientSecret:
        return cls(str(uuid.uuid4()), secret[:3], _digest(secret), display_name, end_time)

    def matches(self, candidate: str) -> bool:
        return hmac.compare_digest(self.sha256, _digest(candidate))

    def to_json(self) -> dict[str, Any]:
        return {
            "keyId": self.key_id,
            "hint": self.hint,
            "sha256": self.sha256,
            "displayName": self.display_name,
            "endTime": self.end_time,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClientSecret:
        return cls(data["keyId"], data["hint"], data["sha256"], data.get("displayName", ""), data.get("endTime"))


@dataclass
class ClientCertificate:
    """A ``keyCredential`` of type ``AsymmetricX509Cert`` (public certificate only)."""

    key_id: str
    certificate: x509.Certificate
    thumbprints: CertificateThumbprints

    @classmethod
    def from_pem(cls, pem: bytes, key_id: str | None = None) -> ClientCertificate:
        cert = x509.load_pem_x509_certificate(pem)
        return cls(key_id or str(uuid.uuid4()), cert, CertificateThumbprints.of(cert))

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class ClientApp:
    """An application registration together with its service principal in the same tenant."""

    client_id: str
    display_name: str
    tenant_id: str
    service_principal_id: str
    application_object_id: str
    secrets: list[ClientSecret] = field(default_factory=list)
    certificates: list[ClientCertificate] = field(default_factory=list)
    granted_roles: frozenset[str] = frozenset()
    enabled: bool = True
    """``accountEnabled`` of the service principal: a disabled app gets no token (AADSTS7000112)."""

    def certificate_by_x5t(self, x5t: str | None, x5t_s256: str | None) -> ClientCertificate | None:
        """The registered certificate the assertion header designates (SHA-256 thumbprint preferred). Padding is
        ignored: MSAL sends the thumbprints base64url-encoded *with* ``=`` padding (``_encode_thumbprint``)."""
        x5t = x5t.rstrip("=") if x5t is not None else None
        x5t_s256 = x5t_s256.rstrip("=") if x5t_s256 is not None else None
        for cert in self.certificates:
            if x5t_s256 is not None and cert.thumbprints.x5t_s256 == x5t_s256:
                return cert
            if x5t_s256 is None and x5t is not None and cert.thumbprints.x5t == x5t:
                return cert
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "clientId": self.client_id,
            "displayName": self.display_name,
            "servicePrincipalId": self.service_principal_id,
            "applicationObjectId": self.application_object_id,
            "secrets": [s.to_json() for s in self.secrets],
            "certificates": [{"keyId": c.key_id, "pem": c.pem.decode("ascii")} for c in self.certificates],
            "grantedRoles": sorted(self.granted_roles),
            "enabled": self.enabled,
        }

    @classmethod
    def from_json(cls, tenant_id: str, data: dict[str, Any]) -> ClientApp:
        return cls(
            client_id=data["clientId"],
            display_name=data["displayName"],
            tenant_id=tenant_id,
            service_principal_id=data["servicePrincipalId"],
            application_object_id=data["applicationObjectId"],
            secrets=[ClientSecret.from_json(s) for s in data.get("secrets", [])],
            certificates=[
                ClientCertificate.from_pem(c["pem"].encode("ascii"), c["keyId"]) for c in data.get("certificates", [])
            ],
            granted_roles=frozenset(data.get("grantedRoles", [])),
            enabled=bool(data.get("enabled", True)),
        )


@dataclass
class Tenant:
    """A directory. ``region_scope`` feeds ``tenant_region_scope`` in discovery and tokens; ``created_at``
    (epoch seconds) feeds the ``xms_tcdt`` claim."""

    tenant_id: str
    display_name: str
    domains: list[str]
    region_scope: str = "NA"
    created_at: int = 0
    apps: dict[str, ClientApp] = field(default_factory=dict)

    def app(self, client_id: str) -> ClientApp | None:
        return self.apps.get(client_id.lower())

    def to_json(self) -> dict[str, Any]:
        return {
            "tenantId": self.tenant_id,
            "displayName": self.display_name,
            "domains": list(self.domains),
            "regionScope": self.region_scope,
            "createdAt": self.created_at,
            "apps": [a.to_json() for a in self.apps.values()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tenant:
        tenant = cls(
            tenant_id=data["tenantId"],
            display_name=data["displayName"],
            domains=list(data["domains"]),
            region_scope=data.get("regionScope", "NA"),
            created_at=int(data.get("createdAt", 0)),
        )
        for app in data.get("apps", []):
            loaded = ClientApp.from_json(tenant.tenant_id, app)
            tenant.apps[loaded.client_id.lower()] = loaded
        return tenant


class UnknownTenant(LookupError):
    """No tenant has this GUID or verified domain (AADSTS90002)."""


class InvalidTenantIdentifier(ValueError):
    """The tenant segment is neither a GUID nor a DNS name (AADSTS900023)."""


class TenantRegistry:
    """All tenants of the emulated cloud, found by GUID or verified domain, case-insensitively."""

    def __init__(self) -> None:
        self._by_id: dict[str, Tenant] = {}
        self._by_domain: dict[str, Tenant] = {}

    def add(self, tenant: Tenant) -> Tenant:
        if not is_guid(tenant.tenant_id):
            raise ValueError(f"tenant id {tenant.tenant_id!r} is not a GUID")
        key = tenant.tenant_id.lower()
        if key in self._by_id:
            raise ValueError(f"tenant {tenant.tenant_id} already exists")
        for domain in tenant.domains:
            if not is_dns_name(domain):
                raise ValueError(f"domain {domain!r} is not a DNS name")
            if domain.lower() in self._by_domain:
                raise ValueError(f"domain {domain} is already verified in another tenant")
        self._by_id[key] = tenant
        for domain in tenant.domains:
            self._by_domain[domain.lower()] = tenant
        return tenant

    def resolve(self, identifier: str) -> Tenant:
        """The tenant named by a URL segment; raises :class:`UnknownTenant` or :class:`InvalidTenantIdentifier`."""
        if is_guid(identifier):
            found = self._by_id.get(identifier.lower())
        elif is_dns_name(identifier):
            found = self._by_domain.get(identifier.lower())
        else:
            raise InvalidTenantIdentifier(identifier)
        if found is None:
            raise UnknownTenant(identifier)
        return found

    def get(self, tenant_id: str) -> Tenant | None:
        return self._by_id.get(tenant_id.lower())

    def all(self) -> list[Tenant]:
        return list(self._by_id.values())
