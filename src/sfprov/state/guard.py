"""Keeping secrets out of the store, and the fingerprint of exported values.

The links table remembers the values last exported to Salesforce so that the engine can show old → new and skip
unchanged users; the provisioning log records modified properties (§10.1 ``modifiedProperties``). Neither may ever
hold a password or token: the mapping could, by mistake, target Salesforce's ``Password`` pseudo-field or a custom
field named like a secret. Links *refuse* such keys (the caller has a bug); the log *redacts* them (a log entry must
still be written for the action).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from sfprov.state.errors import SecretValueRefused

REDACTED = "[redacted]"

_SECRET_NAME = re.compile(
    r"pass(word|wd|phrase)|secret|token|api_?key|private_?key|credential|client_?assertion|session_?id",
    re.IGNORECASE,
)
"""Field names that look like secrets: ``Password``, ``SecurityToken``, ``client_secret``, ``SecretToken``, ..."""


@functools.lru_cache(maxsize=4096)
def looks_secret(name: str) -> bool:
    """True when a field name suggests it carries a credential (Entra's ``Password``/``SecretToken`` job secrets,
    Salesforce's ``Password`` and security token)."""
    return _SECRET_NAME.search(name) is not None


def refuse_secret_keys(values: Mapping[str, Any], *, where: str) -> None:
    """Raise :class:`SecretValueRefused` naming the offending *keys* (never the values)."""
    bad = sorted(k for k in values if looks_secret(k))
    if bad:
        raise SecretValueRefused(
            f"Refused to store field(s) {', '.join(bad)} in {where}: their names look like secrets.",
            fix="Remove secret fields from the exported values; the state store must never hold credentials.",
        )


def redact_value(value: str | None) -> str | None:
    """What is stored instead of a secret's value: ``[redacted]``, or ``None`` when there was no value."""
    return None if value is None else REDACTED


def canonical_json(values: Mapping[str, Any]) -> str:
    """JSON with sorted keys and no whitespace: equal mappings give equal text on every run and platform."""
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def fingerprint(values: Mapping[str, Any]) -> str:
    """A stable hash of exported values (SHA-256 of the canonical JSON, hex).

    The engine compares ``fingerprint(desired)`` with the stored link's fingerprint to skip users whose Salesforce
    values have not changed since the last export, without comparing field by field.
    """
    return fingerprint_json(canonical_json(values))


def fingerprint_json(text: str) -> str:
    """The fingerprint of values already in canonical JSON (saves encoding twice in bulk writes)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
