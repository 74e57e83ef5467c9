"""The org's daily API allowance, read from every answer, and the reserve sfprov leaves for other integrations.

Salesforce counts API calls over a rolling 24 hours and reports the count on every REST answer in
``Sforce-Limit-Info: api-usage=<used>/<allocation>`` (REST API guide, "API Usage" header; reference §8.5). When it
is spent, every integration of the org fails with ``REQUEST_LIMIT_EXCEEDED``; sfprov stops writing *before* that,
keeping a reserve (a share of the allocation) so that it never starves the org's other integrations.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from sfprov.errors import StopCycle

_USAGE = re.compile(r"(?<![\w-])api-usage=(\d+)/(\d+)")


def parse_limit_info(header: str | None) -> tuple[int, int] | None:
    """``(used, allocation)`` from a ``Sforce-Limit-Info`` header value, or None when absent or unreadable."""
    if not header:
        return None
    match = _USAGE.search(header)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))


@dataclass
class ApiAllowance:
    """Tracks the last reported usage and refuses further writes once only the reserve is left.

    ``reserve`` is a share of the allocation (0.2 keeps 20 %); ``reserve_calls`` an absolute floor. The larger wins.
    Thread-safe: concurrent batches update it.
    """

    reserve: float = 0.2
    reserve_calls: int = 0
    used: int | None = None
    allocation: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.reserve < 1:
            raise ValueError("the API reserve must be a share between 0 and 1 (for example 0.2 for 20 %)")
        self._lock = threading.Lock()

    def observe(self, header: str | None) -> None:
        parsed = parse_limit_info(header)
        if parsed is None:
            return
        with self._lock:
            self.used, self.allocation = parsed

    @property
    def remaining(self) -> int | None:
        if self.used is None or self.allocation is None:
            return None
        return max(self.allocation - self.used, 0)

    @property
    def reserved(self) -> int:
        if self.allocation is None:
            return self.reserve_calls
        return max(int(self.allocation * self.reserve), self.reserve_calls)

    def available_for_us(self) -> int | None:
        """Calls sfprov may still make before touching the reserve (None until Salesforce has told us)."""
        remaining = self.remaining
        return None if remaining is None else max(remaining - self.reserved, 0)

    def check(self, calls_needed: int = 1) -> None:
        """Raise :class:`StopCycle` when ``calls_needed`` more calls would eat into the reserve."""
        available = self.available_for_us()
        if available is not None and available < calls_needed:
            raise StopCycle(
                f"Salesforce API allowance: {self.used} of {self.allocation} calls used in the last 24 hours; "
                f"sfprov keeps {self.reserved} for the org's other integrations and stops writing here.",
                fix="Wait for the rolling 24-hour window to free calls (the next cycle resumes where this stopped), "
                "lower `api_reserve` in the target's settings, or buy more API calls.",
                code="API_RESERVE_REACHED",
            )
