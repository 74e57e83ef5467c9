"""Query locators: the rest of a query result, fetched batch by batch through ``nextRecordsUrl``.

Why: a user table of an enterprise org is larger than one batch (2,000 rows at most, reference ``salesforce.md``
§8.6); a connector must follow ``nextRecordsUrl`` until ``done`` and must cope with ``INVALID_QUERY_LOCATOR`` when a
locator is unknown or expired. Since API 56.0 a locator lives two days and open cursors are not limited (§8.6).

A locator is ``01g`` + 15 characters; the URL suffix ``-<n>`` is the index of the next row, as in Salesforce's
``/services/data/v66.0/query/01gRO0000016PIAYA2-500``.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sfprov.emulators.salesforce.sessions import Clock

LOCATOR_SECONDS = 2 * 24 * 3600
MIN_BATCH = 200
MAX_BATCH = 2000
_ALPHABET = string.ascii_letters + string.digits


def batch_size(header: str | None) -> int:
    """The batch size for ``Sforce-Query-Options: batchSize=N``: honoured within 200..2,000, else the default 2,000.

    Salesforce treats the size as a request, not a promise (§8.6); values outside the range are clamped.
    """
    if not header:
        return MAX_BATCH
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "batchsize":
            try:
                wanted = int(value.strip())
            except ValueError:
                return MAX_BATCH
            return min(max(wanted, MIN_BATCH), MAX_BATCH)
    return MAX_BATCH


@dataclass
class Cursor:
    org_id: str
    user_id: str
    records: Sequence[dict[str, Any]]
    total_size: int
    batch: int
    created: float


@dataclass
class CursorStore:
    clock: Clock
    _cursors: dict[str, Cursor] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, org_id: str, user_id: str, records: Sequence[dict[str, Any]], total_size: int, batch: int) -> str:
        locator = "01g" + "".join(secrets.choice(_ALPHABET) for _ in range(15))
        cursor = Cursor(org_id, user_id, records, total_size, batch, self.clock.now())
        with self._lock:
            self._cursors[locator] = cursor
        return locator

    def get(self, locator: str, org_id: str) -> Cursor | None:
        """The cursor, or None when unknown, expired or opened in another org."""
        now = self.clock.now()
        with self._lock:
            cursor = self._cursors.get(locator)
            if cursor is None:
                return None
            if now - cursor.created >= LOCATOR_SECONDS:
                del self._cursors[locator]
                return None
            return cursor if cursor.org_id == org_id else None

    def close(self, locator: str) -> None:
        with self._lock:
            self._cursors.pop(locator, None)

    def clear(self) -> None:
        with self._lock:
            self._cursors.clear()
