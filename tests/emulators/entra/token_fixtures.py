"""Shared builders for the token-service tests: a tenant with two applications (secret and certificate),
a client certificate, hand-made client assertions, and a movable clock."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sfprov.emulators.entra.jwks import SigningKey, b64url
from sfprov.emulators.entra.tokens import TokenService

TENANT_ID = "8c3dad1d-b6bc-4f8b-939b-8263372eced6"
TENANT_DOMAIN = "contoso.onmicrosoft.com"
TENANT_NAME = "Contoso"
SECRET_APP_ID = "6731de76-14a6-49ae-97bc-6eba6914391e"
CERT_APP_ID = "2f4b6d2c-0a6e-4a4b-9c77-3c2a7a1f8e11"
SECRET = "sfprov~emulator~secret~value~0001"
READ_ROLES = frozenset({"User.Read.All", "GroupMember.Read.All", "Application.Read.All"})


class Clock:
    """A clock tests can move; starts at the real time so certificates are within their validity."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class ClientCert:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def sha1_hex(self) -> str:
        return self.cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - x5t is SHA-1 by definition

    @property
    def x5t(self) -> str:
        return b64url(self.cert.fingerprint(hashes.SHA1()))  # noqa: S303

    @property
    def x5t_s256(self) -> str:
        der = self.cert.public_bytes(serialization.Encoding.DER)
        return b64url(hashlib.sha256(der).digest())


def _make_cert(common_name: str) -> ClientCert:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return ClientCert(key, cert)


@functools.cache
def client_cert() -> ClientCert:
    """The registered certificate (generated once per test session)."""
    return _make_cert("sfprov test client")


@functools.cache
def other_cert() -> ClientCert:
    """A certificate that is not registered anywhere."""
    return _make_cert("someone else")


@functools.cache
def signing_key() -> SigningKey:
    """One token-signing key for the session: RSA generation is the slow part of building a service."""
    return SigningKey.generate()


def make_service(
    clock: Callable[[], float], login_url: str = "https://testserver", graph_url: str = "https://graph.test"
) -> TokenService:
    service = TokenService(clock=clock, signing_key=signing_key())
    service.set_base_url(login_url, graph_url)
    service.add_tenant(TENANT_ID, domains=[TENANT_DOMAIN], display_name=TENANT_NAME)
    service.add_client_app(
        TENANT_ID, client_id=SECRET_APP_ID, display_name="sfprov", secrets=[SECRET], granted_roles=READ_ROLES
    )
    service.add_client_app(
        TENANT_ID,
        client_id=CERT_APP_ID,
        display_name="sfprov-cert",
        certificates_pem=[client_cert().cert_pem],
        granted_roles={"User.Read.All"},
    )
    return service


def assertion(
    service: TokenService,
    *,
    cert: ClientCert | None = None,
    alg: str = "PS256",
    header: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
) -> str:
    """A client assertion as MSAL builds it (``oauth2cli.assertion.JwtAssertionCreator``), adjustable."""
    used = cert or client_cert()
    now = service.clock()
    payload: dict[str, Any] = {
        "aud": service.token_endpoint(TENANT_ID),
        "iss": CERT_APP_ID,
        "sub": CERT_APP_ID,
        "exp": now + 600,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims or {})
    for name in drop:
        payload.pop(name, None)
    headers = header if header is not None else {"x5t#S256": used.x5t_s256}
    return jwt.encode(payload, used.key, algorithm=alg, headers=headers)


def assertion_form(token: str, client_id: str = CERT_APP_ID) -> dict[str, str]:
    return {
        "client_id": client_id,
        "grant_type": "client_credentials",
        "scope": "https://graph.microsoft.com/.default",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": token,
    }


def secret_form(**overrides: str) -> dict[str, str]:
    form = {
        "client_id": SECRET_APP_ID,
        "grant_type": "client_credentials",
        "client_info": "1",
        "client_secret": SECRET,
        "scope": "https://graph.microsoft.com/.default",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v != ""}
