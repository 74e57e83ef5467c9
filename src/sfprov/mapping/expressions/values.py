"""Conversions between values the way Entra's functions see them.

Entra's expression values are mostly strings: booleans travel as "True"/"False" and dates as
"M/d/yyyy h:mm:ss tt" (functions-for-customizing-application-data.md, CDate/Now/DateAdd remarks). Internally sfprov
keeps the Python type (``bool``, ``int``, ``datetime``, ``list[str]``) and converts when a function needs text, so
that a boolean mapped to Salesforce ``IsActive`` stays a boolean. :func:`as_text` gives the Entra text form.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

Value = str | bool | int | float | datetime | list[str] | None
"""What an expression evaluates to. Booleans are Python bools (Entra writes them as "True"/"False")."""


class CoercionError(ValueError):
    """A value cannot be used as the type a parameter needs; the caller turns it into an evaluation error."""


def normalize(raw: Any) -> Value:
    """A source attribute value as an expression value: absent or empty multi-valued → null, tuples → lists."""
    if raw is None or isinstance(raw, str | bool | int | float):
        return raw
    if isinstance(raw, datetime):
        return raw
    if isinstance(raw, list | tuple | set | frozenset):
        items = [item if isinstance(item, str) else text_of(normalize(item)) for item in raw if item is not None]
        values = [item for item in items if item is not None]
        return values or None
    return str(raw)


def format_general_date(value: datetime) -> str:
    """Entra's date text, ``M/d/yyyy h:mm:ss tt`` (en-US general format; CDate, Now and DateAdd use it)."""
    hour12 = value.hour % 12 or 12
    suffix = "AM" if value.hour < 12 else "PM"
    return f"{value.month}/{value.day}/{value.year} {hour12}:{value.minute:02d}:{value.second:02d} {suffix}"


def format_number(value: int | float) -> str:
    """A number as .NET prints it: integers plainly, doubles without a trailing ``.0``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value).replace("e+", "E+").replace("e-", "E-")


def text_of(value: Value) -> str | None:
    """The single text of a value; null stays null; a multi-valued value with several entries is refused."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, datetime):
        return format_general_date(value)
    if len(value) == 0:
        return None
    if len(value) == 1:
        return value[0]
    raise CoercionError(f"expects a single value, got a multi-valued value with {len(value)} entries")


def as_text(value: Value) -> str | list[str] | None:
    """The value as Entra would send it: text, or a list of texts for a multi-valued result."""
    if isinstance(value, list):
        return list(value)
    return text_of(value)


def values_of(value: Value) -> list[str]:
    """Every text of a value (a single value gives one entry, null none)."""
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    text = text_of(value)
    return [] if text is None else [text]


def is_null_or_empty(value: Value) -> bool:
    return value is None or value == "" or (isinstance(value, list) and not value)


def is_true(value: Value) -> bool:
    """True for a boolean true or the text "True" in any case (how .NET ``bool.Parse`` reads it)."""
    if isinstance(value, bool):
        return value
    text = text_of(value) if not isinstance(value, list) else (value[0] if len(value) == 1 else None)
    return text is not None and text.strip().lower() == "true"


def to_number(value: Value) -> int | float | None:
    """A number from a number or numeric text; null stays null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return -1 if value else 0  # VB's CInt(True) is -1
    if isinstance(value, int | float):
        return value
    text = text_of(value)
    if text is None:
        return None
    stripped = text.strip()
    try:
        return int(stripped)
    except ValueError:
        pass
    if stripped[:2].lower() == "&h":
        try:
            return int(stripped[2:], 16)
        except ValueError:
            pass
    try:
        number = float(stripped)
    except ValueError:
        raise CoercionError(f"expects a number, got {show(value)}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CoercionError(f"expects a number, got {show(value)}")
    return number


def to_int(value: Value) -> int | None:
    """An integer (fractions are truncated toward zero, as VB's ``Fix``)."""
    number = to_number(value)
    if number is None:
        return None
    return int(number)


def utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken as UTC (the provisioning service runs in UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def show(value: Value, limit: int = 60) -> str:
    """A value for an error message, shortened."""
    if isinstance(value, list):
        return "[" + ", ".join(show(item, 20) for item in value[:5]) + (", …]" if len(value) > 5 else "]")
    text = text_of(value)
    if text is None:
        return "null"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text) if isinstance(value, str) else text


def flatten(values: Iterable[Value]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(values_of(value))
    return out
