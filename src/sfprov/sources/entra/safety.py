"""A read that comes back suspiciously small is an error for the cycle, never "everybody left" (issue 6 §4).

Why at the source: an empty or halved scope is far more often a broken read (permission revoked, assignment list
of the wrong app, a group replaced during a migration, a replication hiccup) than a real mass departure, and once
the engine deactivates thousands of Salesforce users the damage is done. So the reader refuses such a result
unless the caller says, for this cycle, that the shrink is expected (``allow_shrink``; e.g. ``sfprov run
--allow-shrink`` after an operator confirmed it).

:class:`SuspiciousRead` is a :class:`~sfprov.errors.StopCycle`, not a ``ConnectorError``: Graph answered every
request correctly; it is the *result* that must not be acted upon, and the cycle stops before any write, the same
way it does for a failed read. Retrying the same read would give the same answer, so it is no ``Transient``.
"""

from __future__ import annotations

from collections.abc import Collection

from sfprov.errors import StopCycle

DEFAULT_MAX_SHRINK = 0.5
"""Refuse a scope that lost more than this share of the previous one (0.5: more than half)."""


class SuspiciousRead(StopCycle):
    """The scope came back empty, or shrank by more than the allowed share, compared with the previous cycle."""

    def __init__(self, message: str, *, previous: int, current: int, lost: int) -> None:
        super().__init__(
            message,
            fix="Check the Salesforce enterprise app's assignments (or the scope groups) in the Entra admin center "
            "and `sfprov doctor`; if the change is real, run the cycle once with allow_shrink (--allow-shrink).",
            code="SuspiciousRead",
        )
        self.previous = previous
        self.current = current
        self.lost = lost


def check_shrink(
    previous: Collection[str] | None,
    current: Collection[str],
    *,
    max_shrink: float = DEFAULT_MAX_SHRINK,
    allow_shrink: bool = False,
) -> None:
    """Raise :class:`SuspiciousRead` when ``current`` is empty but ``previous`` was not, or when more than
    ``max_shrink`` of ``previous`` is missing from ``current``; no previous scope (first run) passes."""
    if allow_shrink or not previous:
        return
    now = set(current)
    lost = sum(1 for uid in previous if uid not in now)
    if not now:
        raise SuspiciousRead(
            f"The Entra scope came back empty; the previous cycle had {len(previous)} users in scope. "
            "Refusing to treat this as everybody leaving.",
            previous=len(previous),
            current=0,
            lost=lost,
        )
    if lost / len(previous) > max_shrink:
        raise SuspiciousRead(
            f"The Entra scope lost {lost} of {len(previous)} users ({lost / len(previous):.0%}), more than the "
            f"allowed {max_shrink:.0%}. Refusing to act on it.",
            previous=len(previous),
            current=len(now),
            lost=lost,
        )
