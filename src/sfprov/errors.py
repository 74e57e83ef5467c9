"""The one error hierarchy of sfprov.

Connectors translate vendor errors into these at their edge, so that the engine decides what to do from the
*kind* of failure (retry later, stop the cycle, record a per-user failure) and never from vendor strings.
Every message names the thing that failed and, where there is one, the fix. No message ever holds a secret.
"""

from __future__ import annotations


class SfprovError(Exception):
    """Base of every error sfprov raises on purpose."""

    fix: str | None = None

    def __init__(self, message: str, *, fix: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if fix is not None:
            self.fix = fix
        self.code = code

    def __str__(self) -> str:
        if not self.fix:
            return self.message
        return f"{self.message}\nFix: {self.fix}" if "\n" in self.message else f"{self.message} Fix: {self.fix}"


class ConfigError(SfprovError):
    """The configuration file is missing, malformed or inconsistent; nothing was contacted."""


class ConnectorError(SfprovError):
    """A remote system refused or failed a request; ``fields`` names the fields it blamed, if any."""

    def __init__(
        self, message: str, *, fix: str | None = None, code: str | None = None, fields: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, fix=fix, code=code)
        self.fields = fields


class Transient(ConnectorError):
    """Worth retrying soon: a 5xx, a dropped connection, a locked row."""


class RateLimited(Transient):
    """The remote asked us to slow down; ``retry_after`` is in seconds when it said so."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        fix: str | None = None,
        code: str | None = None,
        fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, fix=fix, code=code, fields=fields)
        self.retry_after = retry_after


class AuthFailed(ConnectorError):
    """Login or token acquisition failed; retrying with the same credentials will not help."""


class PermissionDenied(ConnectorError):
    """Authenticated, but not allowed to do this."""


class NotFound(ConnectorError):
    """The object does not exist (any more)."""


class Conflict(ConnectorError):
    """The change clashes with existing data (duplicate username, nickname, ...)."""


class LicenceLimit(ConnectorError):
    """No free licence for the user's profile."""


class InvalidField(ConnectorError):
    """A value was refused: missing, too long, not in a picklist, unknown field."""


class StopCycle(SfprovError):
    """The cycle must stop now without further writes (failed source read, API allowance reserve reached)."""
