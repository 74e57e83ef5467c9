"""How SOQL compares values: text case-insensitively, ids on their case-sensitive 15 characters, nulls as values.

Sources: SOQL and SOSL Reference, "Comparison Operators" (``=`` and ``!=`` accept ``null``; LIKE is case-insensitive
with ``%`` and ``_`` wildcards and ``\\%``/``\\_`` escapes), "Date Formats and Date Literals", "ORDER BY" (sorting is
case-insensitive; nulls first by default). Salesforce stores an empty text value as null, so ``''`` and null are the
same value here. Text ``=`` being case-insensitive is marked UNVERIFIED in the reference (§8.6) but is what the
index of the org assumes as well.

Relative date literals are resolved in UTC; Salesforce resolves them in the running user's time zone (difference
noted in docs/dev/sf-soql.md).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sfprov.emulators.salesforce.soql.ast import Literal, RelativeDate

TEXT = "text"
ID = "id"
DATETIME = "datetime"
DATE = "date"
PLAIN = "plain"

_SF_DT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def kind_of(field_type: str) -> str:
    """How values of a field type compare."""
    if field_type in ("string", "email", "phone", "textarea", "url", "picklist"):
        return TEXT
    if field_type in ("id", "reference"):
        return ID
    if field_type in (DATETIME, DATE):
        return field_type
    return PLAIN


def to18(record_id: str) -> str:
    """The 18-character form of a 15- or 18-character id (checksum per reference §2, UNVERIFIED there)."""
    id15 = record_id[:15]
    suffix = ""
    for block in range(3):
        bits = sum(1 << i for i, ch in enumerate(id15[block * 5 : block * 5 + 5]) if "A" <= ch <= "Z")
        suffix += _CHECKSUM_ALPHABET[bits]
    return id15 + suffix


def sf_datetime(value: dt.datetime) -> str:
    """``2026-11-23T21:53:22.000+0000``: how Salesforce writes a dateTime in JSON."""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def datetime_key(value: Any) -> str | None:
    """A stored dateTime as a string that sorts and compares chronologically (UTC, fixed width)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return sf_datetime(value)
    text = str(value)
    if _SF_DT.fullmatch(text):
        return text
    parsed = dt.datetime.fromisoformat(text.replace("+0000", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return sf_datetime(parsed)


def normalize(kind: str, value: Any) -> Any:
    """A stored value in the form comparisons use; None for null (and for empty text)."""
    if value is None:
        return None
    if kind == TEXT:
        return value.lower() if value != "" else None
    if kind == ID:
        return value[:15] if value != "" else None
    if kind == DATETIME:
        return datetime_key(value)
    if kind == DATE:
        return str(value)[:10] if value != "" else None
    return value


def literal_key(kind: str, value: Literal) -> Any:
    """A query literal in the same form as :func:`normalize` gives stored values (relative dates excluded)."""
    if value is None:
        return None
    if kind == TEXT and isinstance(value, str):
        return value.lower() or None
    if kind == ID and isinstance(value, str):
        return value[:15]
    if kind == DATETIME and isinstance(value, dt.datetime):
        return sf_datetime(value)
    if kind == DATETIME and isinstance(value, dt.date):
        return sf_datetime(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC))
    if kind == DATE and isinstance(value, dt.date):
        return value.isoformat()
    return value


def like_regex(pattern: str) -> re.Pattern[str]:
    """The lexer's regex source of a LIKE literal, compiled case-insensitively (LIKE is case-insensitive)."""
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


def relative_range(literal: RelativeDate, kind: str, today: dt.date) -> tuple[str, str]:
    """The half-open range ``[start, end)`` a relative date literal covers, as comparison keys of ``kind``."""
    n = literal.n
    days = {
        "TODAY": (0, 1),
        "YESTERDAY": (-1, 0),
        "TOMORROW": (1, 2),
        "LAST_90_DAYS": (-90, 1),
        "NEXT_90_DAYS": (1, 91),
        "LAST_N_DAYS": (-n, 1),
        "NEXT_N_DAYS": (1, n + 1),
        "N_DAYS_AGO": (-n, -n + 1),
    }[literal.name]
    start, end = (today + dt.timedelta(days=d) for d in days)
    if kind == DATE:
        return start.isoformat(), end.isoformat()
    return (
        sf_datetime(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)),
        sf_datetime(dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC)),
    )
