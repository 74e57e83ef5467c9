"""A throw-away certificate authority for the emulators.

The emulators speak real HTTPS so that connectors run exactly the code path they run against Salesforce and
Microsoft Graph: the only differences are the base URLs and the CA bundle, which is the same ``ca_bundle`` option
an administrator behind a TLS-inspecting proxy uses. The CA is minted at start and lives as long as the process,
unless the caller writes it out to reuse it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = dt.timedelta(days=30)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sfprov emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class LocalCA:
    """A CA plus one server certificate valid for loopback and the emulated host names.

    Keys are P-256: generating them takes about a millisecond, so every test session can have its own CA.
    """

    ca_cert: x509.Certificate
    ca_key: ec.EllipticCurvePrivateKey
    server_cert: x509.Certificate
    server_key: ec.EllipticCurvePrivateKey
    directory: Path
    _files: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def create(cls, host_names: list[str] | None = None, directory: Path | None = None) -> LocalCA:
        """Mint a CA and a server certificate for ``localhost``, ``127.0.0.1``, ``::1`` and ``host_names``."""
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(_name("sfprov emulator local CA"))
            .issuer_name(_name("sfprov emulator local CA"))
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        names: list[x509.GeneralName] = [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
        names += [x509.DNSName(h) for h in sorted(set(host_names or [])) if h != "localhost"]
        server_key = ec.generate_private_key(ec.SECP256R1())
        server_cert = (
            x509.CertificateBuilder()
            .subject_name(_name("localhost"))
            .issuer_name(ca_cert.subject)
            .public_key(server_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        folder = directory or Path(tempfile.mkdtemp(prefix="sfprov-ca-"))
        folder.mkdir(parents=True, exist_ok=True)
        return cls(ca_cert, ca_key, server_cert, server_key, folder)

    @property
    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    def _write(self, name: str, data: bytes, private: bool = False) -> Path:
        if name not in self._files:
            path = self.directory / name
            path.write_bytes(data)
            if private:
                path.chmod(0o600)
            self._files[name] = path
        return self._files[name]

    @property
    def ca_file(self) -> Path:
        """The CA certificate in PEM: what clients pass as their CA bundle (``verify=``)."""
        return self._write("emulator-ca.pem", self.ca_pem)

    @property
    def server_cert_file(self) -> Path:
        return self._write(
            "emulator-server.pem",
            self.server_cert.public_bytes(serialization.Encoding.PEM) + self.ca_pem,
        )

    @property
    def server_key_file(self) -> Path:
        return self._write("emulator-server.key", _pem_key(self.server_key), private=True)

    def write_ca(self, path: Path) -> Path:
        """Copy the CA certificate to ``path`` (for ``sfprov emulate --ca-out``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.ca_pem)
        return path

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts only this CA, for in-process clients."""
        return ssl.create_default_context(cafile=str(self.ca_file))
