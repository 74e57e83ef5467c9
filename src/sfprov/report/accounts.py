"""Helpers shared by the snapshot sections (orphans, licences, reconciliation): dates and who is managed.

Salesforce datetimes come as ``2026-11-23T10:00:00.000+0000`` (REST API guide, "Valid Date and DateTime Formats").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sfprov.report.collect import ReportInput
from sfprov.state import Link, LinkState


def sf_datetime(value: Any) -> datetime | None:
    """A Salesforce datetime string as an aware datetime; None for empty values."""
    if not value:
        return None
    text = str(value)
    if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def days_since(value: Any, now: datetime) -> int | None:
    when = sf_datetime(value)
    return None if when is None else max((now - when).days, 0)


def links_by_target(data: ReportInput) -> dict[str, Link]:
    """Salesforce user id -> the link that points at it (the connector data store, reference §1)."""
    return {link.target_id: link for link in data.links.values()}


def active_links(data: ReportInput) -> dict[str, Link]:
    """Links sfprov keeps active, by Salesforce user id."""
    return {t: link for t, link in links_by_target(data).items() if link.state is LinkState.ACTIVE}


def is_active(user: dict[str, Any]) -> bool:
    return user.get("IsActive") is True or str(user.get("IsActive")).lower() == "true"


def display_name(user: dict[str, Any]) -> str:
    return " ".join(str(p) for p in (user.get("FirstName"), user.get("LastName")) if p)
