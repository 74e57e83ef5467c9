"""Errors of the state store.

They derive from :class:`sfprov.errors.SfprovError` so that the CLI prints them with their fix. Messages name the
store by its URL *without* password (``hide_password``) and never quote stored values that could be secrets.
"""

from __future__ import annotations

from sfprov.errors import SfprovError


class StateError(SfprovError):
    """The state store refused an operation or is unusable."""


class SchemaVersionError(StateError):
    """The database schema is not the one this sfprov expects (newer than the code, or not migrated)."""


class SecretValueRefused(StateError):
    """A caller tried to store a field whose name looks like a secret (``Password``, ``SecurityToken``, ...)."""


class LinkConflict(StateError):
    """Two source objects would be linked to the same target object of one job."""


class LeaseHeld(StateError):
    """Another engine holds the job's lease: this one must not run the job now."""
