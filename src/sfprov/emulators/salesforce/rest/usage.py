"""The daily API allocation: the ``Sforce-Limit-Info`` header, the ``/limits`` resource, and its exhaustion.

Why: a connector should read its remaining allowance from the header or ``/limits`` and stop before the org runs dry,
and must survive ``403 REQUEST_LIMIT_EXCEEDED`` when it does (reference ``salesforce.md`` §8.5, §12.1). The window is
a rolling 24 hours in Salesforce; the emulator counts from the start of a 24-hour window per org, which gives the same
numbers for any run shorter than a day. Every REST call but the version list counts one; a whole sObject Collections
or composite request counts one (§8.7); ``login()`` and the token endpoint do not count against this allowance.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sfprov.emulators.salesforce.sessions import Clock

WINDOW_SECONDS = 24 * 3600


@dataclass
class _Window:
    start: float
    used: int = 0


@dataclass
class ApiUsage:
    """Calls used per org in the current window."""

    clock: Clock
    _windows: dict[str, _Window] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _window(self, org_id: str) -> _Window:
        now = self.clock.now()
        window = self._windows.get(org_id)
        if window is None or now - window.start >= WINDOW_SECONDS:
            window = _Window(start=now)
            self._windows[org_id] = window
        return window

    def used(self, org_id: str) -> int:
        with self._lock:
            return self._window(org_id).used

    def try_spend(self, org_id: str, allowance: int) -> int | None:
        """Count one call and return the new usage, or None (nothing counted) when the allowance is spent."""
        with self._lock:
            window = self._window(org_id)
            if window.used >= allowance:
                return None
            window.used += 1
            return window.used

    def set_used(self, org_id: str, used: int) -> None:
        """Admin hook: pretend ``used`` calls were made (``spend all`` sets it to the allowance)."""
        with self._lock:
            self._window(org_id).used = max(used, 0)

    def reset(self, org_id: str | None = None) -> None:
        with self._lock:
            if org_id is None:
                self._windows.clear()
            else:
                self._windows.pop(org_id, None)


def limit_header(used: int, allowance: int) -> str:
    """``Sforce-Limit-Info`` value (reference §8.5)."""
    return f"api-usage={used}/{allowance}"
