"""Key material of the emulated Microsoft identity platform: the token-signing key it publishes and the
certificate thumbprints it uses to pick an application's registered certificate.

Entra signs access tokens with RSA keys that are shared by all tenants of a cloud and published, each with its
X.509 certificate, at ``/{tenant}/discovery/v2.0/keys``; the ``kid`` of a key equals its ``x5t`` (the base64url
SHA-1 thumbprint of the certificate). Clients authenticating with a certificate name it in the assertion header by
``x5t`` (SHA-1, what MSAL sends when given a ``thumbprint``) or ``x5t#S256`` (SHA-256, what MSAL >= 1.35 sends when
given the ``public_certificate``). Sources: Microsoft identity platform "Signing key rollover" and "Certificate
credentials" pages; MSAL Python 1.39 ``application._build_client`` and ``oauth2cli.assertion`` (observed).

One signing key per :class:`SigningKey` instance (RSA-2048, about 50 ms to generate), so a whole test session can
share one emulator without paying that cost per token.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

_SIGNING_CERT_VALIDITY = dt.timedelta(days=365 * 5)


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE headers and JWKS members use it (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url`; tolerates missing padding. Raises ``ValueError`` on bad input."""
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def _uint_b64(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass(frozen=True)
class CertificateThumbprints:
    """The two thumbprints by which an assertion header can designate a certificate."""

    sha1: bytes
    sha256: bytes

    @classmethod
    def of(cls, certificate: x509.Certificate) -> CertificateThumbprints:
        der = certificate.public_bytes(serialization.Encoding.DER)
        return cls(sha1=hashlib.sha1(der, usedforsecurity=False).digest(), sha256=hashlib.sha256(der).digest())

    @property
    def x5t(self) -> str:
        return b64url(self.sha1)

    @property
    def x5t_s256(self) -> str:
        return b64url(self.sha256)


@dataclass(frozen=True)
class SigningKey:
    """An RSA token-signing key with its self-signed certificate, as Entra publishes it in its JWKS."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def generate(cls, now: dt.datetime | None = None) -> SigningKey:
        now = now or dt.datetime.now(dt.UTC)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.accesscontrol.windows.net")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + _SIGNING_CERT_VALIDITY)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    @property
    def kid(self) -> str:
        """Entra uses the certificate's base64url SHA-1 thumbprint as both ``kid`` and ``x5t``."""
        return CertificateThumbprints.of(self.certificate).x5t

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def jwk(self, issuer: str | None = None) -> dict[str, Any]:
        """The key as a JWKS member. The v2.0 keys document adds an ``issuer`` member per key (**UNVERIFIED**:
        seen in published documents, not in a Microsoft reference page)."""
        numbers = self.public_key.public_numbers()
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        member: dict[str, Any] = {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": _uint_b64(numbers.n),
            "e": _uint_b64(numbers.e),
            "x5c": [base64.b64encode(der).decode("ascii")],
        }
        if issuer is not None:
            member["issuer"] = issuer
        return member

    def to_pem(self) -> tuple[str, str]:
        """(private key PEM, certificate PEM), for emulator snapshots."""
        key = self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return key.decode("ascii"), self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @classmethod
    def from_pem(cls, key_pem: str, certificate_pem: str) -> SigningKey:
        key = serialization.load_pem_private_key(key_pem.encode("ascii"), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the snapshot's signing key is not an RSA key")
        return cls(key, x509.load_pem_x509_certificate(certificate_pem.encode("ascii")))
