"""API sessions: the tokens SOAP ``login()`` and the OAuth token endpoint hand out, and their expiry.

Why: a long provisioning run outlives its session. Salesforce ends a session after the org's session timeout
(``sessionSecondsValid`` in the ``LoginResult``, two hours by default; reference ``salesforce.md`` §9.2) and then
answers every REST call with ``401 INVALID_SESSION_ID`` (§8.4). Activity keeps a session alive, so expiry here
counts from the last use. A SOAP session id and an OAuth access token are the same thing to the REST API (§8.1):
``<15-character org id>!<opaque>``.

The clock is injectable (:class:`Clock`) so tests can move time forward instead of sleeping.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from dataclasses import dataclass, field

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "._"


class Clock:
    """Wall-clock seconds plus an offset that tests (and the admin API) can advance."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds

    def reset(self) -> None:
        """Back to wall-clock time (test isolation: one test's fast-forward must not age the next test's JWTs)."""
        self.offset = 0.0


@dataclass
class Session:
    """One API session of one user in one org."""

    token: str
    org_id: str
    user_id: str
    issued_at: float
    last_used: float
    seconds_valid: int
    password_expired: bool = False
    """Set by a ``login()`` whose password had expired: only ``setPassword`` works (reference §9.2)."""
    grant: str = "soap"
    """How the session was obtained: ``soap``, ``client_credentials``, ``jwt_bearer`` or ``password``."""

    def expired(self, now: float) -> bool:
        return now - self.last_used >= self.seconds_valid


def new_token(org_id: str) -> str:
    """``<15-character org id>!`` followed by an opaque part shaped like Salesforce's (letters, digits, ``._``)."""
    opaque = "AQ" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(94))
    return f"{org_id[:15]}!{opaque}"


@dataclass
class SessionStore:
    """All live sessions of one emulator, looked up by token."""

    clock: Clock = field(default_factory=Clock)
    _sessions: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(
        self, org_id: str, user_id: str, seconds_valid: int, *, password_expired: bool = False, grant: str = "soap"
    ) -> Session:
        now = self.clock.now()
        session = Session(
            token=new_token(org_id),
            org_id=org_id,
            user_id=user_id,
            issued_at=now,
            last_used=now,
            seconds_valid=seconds_valid,
            password_expired=password_expired,
            grant=grant,
        )
        with self._lock:
            self._sessions[session.token] = session
        return session

    def use(self, token: str) -> Session | None:
        """The live session for ``token`` (renewing its idle timer), or None when unknown or expired."""
        now = self.clock.now()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if session.expired(now):
                del self._sessions[token]
                return None
            session.last_used = now
            return session

    def expire_all(self, org_id: str | None = None) -> int:
        """End every session (of one org, or of all orgs); returns how many ended."""
        with self._lock:
            doomed = [t for t, s in self._sessions.items() if org_id is None or s.org_id == org_id]
            for token in doomed:
                del self._sessions[token]
            return len(doomed)

    def expire_user(self, org_id: str, user_id: str) -> int:
        """End the sessions of one user (frozen or deactivated users lose their sessions)."""
        with self._lock:
            doomed = [t for t, s in self._sessions.items() if s.org_id == org_id and s.user_id == user_id]
            for token in doomed:
                del self._sessions[token]
            return len(doomed)

    def count(self) -> int:
        with self._lock:
            return len(self._sessions)
