"""The result of one check, and how a list of them becomes an exit code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "PASS"  # noqa: S105 - a check status, not a password
    WARN = "WARN"
    FAIL = "FAIL"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Check:
    area: str
    """``salesforce:<target>`` or ``entra``."""
    name: str
    status: Status
    detail: str
    fix: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


class CheckList:
    """Collects the checks of one area in order."""

    def __init__(self, area: str) -> None:
        self.area = area
        self.items: list[Check] = []

    def add(self, name: str, status: Status, detail: str, fix: str | None = None) -> None:
        self.items.append(Check(self.area, name, status, detail, fix))

    def skip(self, names: list[str], why: str) -> None:
        for name in names:
            self.add(name, Status.SKIP, why)


def exit_code(checks: list[Check]) -> int:
    """0 when nothing failed, 1 when any check failed (warnings do not fail the run)."""
    return 1 if any(c.status is Status.FAIL for c in checks) else 0
