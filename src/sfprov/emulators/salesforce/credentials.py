"""Secrets of an emulated org, kept apart from the sObject rows so that no query, describe or REST GET can leak them.

* :class:`Credentials` per user: a salted password hash, the security token (reference §9.4: appended to the
  password from untrusted IPs, replaced on reset and when the password changes), and the expiry flag that makes
  ``LoginResult.passwordExpired`` true (§9.2).
* :class:`ExternalClientApp`: the OAuth side (§11): consumer key and secret, client-credentials flow with a Run As
  user, JWT bearer with an uploaded certificate and pre-authorised profiles/users, username-password flow switch.

Secrets never appear in ``repr`` (``field(repr=False)``) and therefore never in a log line or an exception message.
Snapshots are test fixtures and do hold them (the password only as a hash).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import asdict, dataclass, field
from typing import Any

_TOKEN_ALPHABET = string.ascii_letters + string.digits


def new_security_token() -> str:
    """A fresh 24-character security token (Salesforce tokens are 24-25 alphanumerics; UNVERIFIED length)."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(24))


def _hash(salt: str, password: str) -> str:
    return hashlib.sha256((salt + "\x00" + password).encode()).hexdigest()


@dataclass
class Credentials:
    """What a user logs in with. Passwords are stored as salted SHA-256: an emulator needs no slow KDF, only never
    to keep the clear text."""

    password_salt: str = field(default="", repr=False)
    password_hash: str = field(default="", repr=False)
    security_token: str = field(default_factory=new_security_token, repr=False)
    password_expired: bool = False

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def set_password(self, password: str, *, expired: bool = False) -> str:
        """Store ``password``; a password change also issues a new security token (§9.4), which is returned."""
        self.password_salt = secrets.token_hex(8)
        self.password_hash = _hash(self.password_salt, password)
        self.password_expired = expired
        self.security_token = new_security_token()
        return self.security_token

    def check_password(self, password: str) -> bool:
        """True when ``password`` is the user's password (no token)."""
        if not self.password_hash:
            return False
        return hmac.compare_digest(_hash(self.password_salt, password), self.password_hash)

    def check_password_and_token(self, supplied: str) -> bool:
        """True when ``supplied`` is the password followed by the security token, no separator (§9.1)."""
        token = self.security_token
        if not token or not supplied.endswith(token):
            return False
        return self.check_password(supplied[: len(supplied) - len(token)])

    def reset_security_token(self) -> str:
        """ "Reset My Security Token": a new token replaces the old one at once."""
        self.security_token = new_security_token()
        return self.security_token

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Credentials:
        return cls(**data)


@dataclass
class ExternalClientApp:
    """An External Client App (or legacy Connected App) with OAuth enabled (reference §11)."""

    id: str
    name: str
    consumer_key: str = field(repr=False)
    consumer_secret: str = field(repr=False)
    client_credentials_enabled: bool = False
    run_as_user_id: str | None = None
    certificate_pem: str | None = field(default=None, repr=False)
    pre_authorized_profile_ids: list[str] = field(default_factory=list)
    pre_authorized_user_ids: list[str] = field(default_factory=list)
    password_flow_allowed: bool = False
    scopes: list[str] = field(default_factory=lambda: ["api"])

    def is_pre_authorized(self, user_id: str, profile_id: str | None) -> bool:
        """JWT bearer needs the app approved for the user, here by admin pre-authorisation (§11.2)."""
        return user_id in self.pre_authorized_user_ids or (
            profile_id is not None and profile_id in self.pre_authorized_profile_ids
        )

    def check_secret(self, secret: str) -> bool:
        return hmac.compare_digest(secret, self.consumer_secret)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExternalClientApp:
        return cls(**data)


def new_consumer_key() -> str:
    """A consumer key in Salesforce's shape (``3MVG9`` followed by base-64-ish characters; UNVERIFIED length)."""
    return "3MVG9" + "".join(secrets.choice(_TOKEN_ALPHABET + "._") for _ in range(80))


def new_consumer_secret() -> str:
    """A consumer secret (Salesforce issues 64 hex characters in the upper case; UNVERIFIED)."""
    return secrets.token_hex(32).upper()
