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


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def relative_days(literal: RelativeDate, today: dt.date) -> tuple[dt.date, dt.date]:
    """The half-open range of days ``[start, end)`` a date literal covers (SOQL reference, "Date Formats and Date
    Literals"). Weeks start on Sunday, as in the en_US locale (Salesforce uses the running user's locale)."""
    name, n = literal.name, literal.n
    day = dt.timedelta(days=1)
    week = today - dt.timedelta(days=(today.weekday() + 1) % 7)
    month = today.replace(day=1)
    quarter = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    year = dt.date(today.year, 1, 1)
    ranges: dict[str, tuple[dt.date, dt.date]] = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        "LAST_90_DAYS": (today - 90 * day, today + day),
        "NEXT_90_DAYS": (today + day, today + 91 * day),
        "LAST_N_DAYS": (today - n * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (n + 1) * day),
        "N_DAYS_AGO": (today - n * day, today - (n - 1) * day),
        "THIS_WEEK": (week, week + 7 * day),
        "LAST_WEEK": (week - 7 * day, week),
        "NEXT_WEEK": (week + 7 * day, week + 14 * day),
        "LAST_N_WEEKS": (week - 7 * n * day, week),
        "NEXT_N_WEEKS": (week + 7 * day, week + 7 * (n + 1) * day),
        "N_WEEKS_AGO": (week - 7 * n * day, week - 7 * (n - 1) * day),
        "THIS_MONTH": (month, _add_months(month, 1)),
        "LAST_MONTH": (_add_months(month, -1), month),
        "NEXT_MONTH": (_add_months(month, 1), _add_months(month, 2)),
        "LAST_N_MONTHS": (_add_months(month, -n), month),
        "NEXT_N_MONTHS": (_add_months(month, 1), _add_months(month, n + 1)),
        "N_MONTHS_AGO": (_add_months(month, -n), _add_months(month, -n + 1)),
        "THIS_QUARTER": (quarter, _add_months(quarter, 3)),
        "LAST_QUARTER": (_add_months(quarter, -3), quarter),
        "NEXT_QUARTER": (_add_months(quarter, 3), _add_months(quarter, 6)),
        "LAST_N_QUARTERS": (_add_months(quarter, -3 * n), quarter),
        "NEXT_N_QUARTERS": (_add_months(quarter, 3), _add_months(quarter, 3 * (n + 1))),
        "N_QUARTERS_AGO": (_add_months(quarter, -3 * n), _add_months(quarter, -3 * (n - 1))),
        "THIS_YEAR": (year, year.replace(year=year.year + 1)),
        "LAST_YEAR": (year.replace(year=year.year - 1), year),
        "NEXT_YEAR": (year.replace(year=year.year + 1), year.replace(year=year.year + 2)),
        "LAST_N_YEARS": (year.replace(year=year.year - n), year),
        "NEXT_N_YEARS": (year.replace(year=year.year + 1), year.replace(year=year.year + n + 1)),
        "N_YEARS_AGO": (year.replace(year=year.year - n), year.replace(year=year.year - n + 1)),
    }
    return ranges[name]


def relative_range(literal: RelativeDate, kind: str, today: dt.date) -> tuple[str, str]:
    """The half-open range ``[start, end)`` a date literal covers, as comparison keys of ``kind``."""
    start, end = relative_days(literal, today)
    if kind == DATE:
        return start.isoformat(), end.isoformat()
    return (
        sf_datetime(dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)),
        sf_datetime(dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC)),
    )
