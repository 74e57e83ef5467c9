"""Date functions: CDate, DateAdd, DateDiff, DateFromNum, FormatDateTime, Now, NumFromDate.

Semantics from functions-for-customizing-application-data.md. Dates are aware UTC ``datetime`` values (naive ones,
.NET's "Unspecified", are read as UTC); their text form is ``M/d/yyyy h:mm:ss tt``. DateAdd and DateDiff follow
VB.NET's ``DateAdd``/``DateDiff`` (interval codes yyyy q m y d w ww h n s, case-insensitive), which reproduces every
row of the docs' tables (e.g. DateDiff "ww" from 8/25/2021 5:41:18 PM to 2012-03-16-07:00 = -493).
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from sfprov.mapping.expressions.dotnet_datetime import (
    DateFormatError,
    format_datetime,
    parse_exact,
    parse_general,
    parse_styles,
)
from sfprov.mapping.expressions.functions.coerce import int_arg, text_arg
from sfprov.mapping.expressions.functions.spec import Args, FunctionSpec, Value
from sfprov.mapping.expressions.values import show, utc

INTERVALS = ("yyyy", "q", "m", "y", "d", "w", "ww", "h", "n", "s")
"""VB interval codes: year, quarter, month, day of year, day, weekday, week, hour, minute (n), second."""

FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
"""Active Directory integer dates (accountExpires, lastLogonTimestamp) count 100-ns ticks from 1601-01-01 UTC."""
MAX_FILETIME = (
    (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - FILETIME_EPOCH) // timedelta(microseconds=1) * 10
)


def to_datetime(a: Args, index: int, param: str) -> datetime | None:
    """A date argument: a date value, or text read as CDate reads it; null stays null."""
    value = a.value(index)
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc(value)
    text = text_arg(a, index, param)
    if text is None:
        return None
    try:
        return parse_general(text)
    except DateFormatError as exc:
        raise a.fail(f"{param} {show(value)} is {exc}", fix="Convert it with FormatDateTime or CDate first.") from None


def interval_of(a: Args, index: int) -> str:
    code = (text_arg(a, index, "interval") or "").lower()
    if code not in INTERVALS:
        raise a.fail(f"interval must be one of {', '.join(INTERVALS)}, got {show(a.value(index))}")
    return code


def add_months(value: datetime, months: int) -> datetime:
    """Calendar month arithmetic; the day is clamped to the target month's last day (.NET AddMonths)."""
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def cdate(a: Args) -> Value:
    """A UTC date from text ("2020-03-16-07:00" → 3/16/2020 7:00:00 AM); null stays null."""
    return to_datetime(a, 0, "expression")


def date_add(a: Args) -> Value:
    """``DateAdd(interval, value, dateTime)``: dateTime plus value (may be negative) units."""
    interval = interval_of(a, 0)
    amount = int_arg(a, 1, "value")
    value = to_datetime(a, 2, "dateTime")
    if amount is None or value is None:
        return None
    try:
        if interval == "yyyy":
            return add_months(value, 12 * amount)
        if interval == "q":
            return add_months(value, 3 * amount)
        if interval == "m":
            return add_months(value, amount)
        step = {
            "y": timedelta(days=1),
            "d": timedelta(days=1),
            "w": timedelta(days=1),
            "ww": timedelta(weeks=1),
            "h": timedelta(hours=1),
            "n": timedelta(minutes=1),
            "s": timedelta(seconds=1),
        }[interval]
        return value + step * amount
    except OverflowError:
        raise a.fail("the result is outside the range of dates") from None


def _fix(number: float) -> int:
    return int(number)  # int() truncates toward zero, as VB's Fix


def date_diff(a: Args) -> Value:
    """``DateDiff(interval, date1, date2)``: date2 − date1 in interval units (positive when date2 is later)."""
    interval = interval_of(a, 0)
    first = to_datetime(a, 1, "date1")
    second = to_datetime(a, 2, "date2")
    if first is None or second is None:
        return None
    if interval == "yyyy":
        return second.year - first.year
    if interval == "q":
        return (second.year - first.year) * 4 + (second.month - 1) // 3 - (first.month - 1) // 3
    if interval == "m":
        return (second.year - first.year) * 12 + second.month - first.month
    if interval == "ww":  # calendar weeks: both dates moved back to their Sunday first
        first = first - timedelta(days=(first.weekday() + 1) % 7)
        second = second - timedelta(days=(second.weekday() + 1) % 7)
        return int(_fix((second - first) / timedelta(days=1)) / 7)
    elapsed = second - first
    if interval == "w":
        return int(_fix(elapsed / timedelta(days=1)) / 7)
    unit = {"y": timedelta(days=1), "d": timedelta(days=1), "h": timedelta(hours=1), "n": timedelta(minutes=1)}
    return _fix(elapsed / unit.get(interval, timedelta(seconds=1)))


def date_from_num(a: Args) -> Value:
    """An AD integer date (FILETIME ticks) as a date: 129699324000000000 → 2012-01-01 23:00 UTC."""
    ticks = int_arg(a, 0, "value")
    if ticks is None:
        return None
    if not 0 <= ticks <= MAX_FILETIME:
        raise a.fail(f"{ticks} is not a valid AD date (0 to {MAX_FILETIME} ticks since 1601)")
    return FILETIME_EPOCH + timedelta(microseconds=ticks // 10)


def format_date_time(a: Args) -> Value:
    """``FormatDateTime(source, dateTimeStyles, inputFormat, outputFormat)``: source parsed with the .NET format
    inputFormat and printed with outputFormat ("20150123105347.1Z", "yyyyMMddHHmmss.fZ", "yyyy-MM-dd" → 2015-01-23).
    """
    source = text_arg(a, 0, "source")
    input_format = text_arg(a, 2, "inputFormat")
    output_format = text_arg(a, 3, "outputFormat")
    if source is None:
        return None
    if not input_format or not output_format:
        raise a.fail("inputFormat and outputFormat are required")
    try:
        styles = parse_styles(text_arg(a, 1, "dateTimeStyles") if a.given(1) else None)
    except DateFormatError as exc:
        raise a.fail(f"dateTimeStyles: {exc}") from None
    try:
        parsed = parse_exact(source, input_format, styles)
    except DateFormatError as exc:
        raise a.fail(f"source {show(source)}: {exc}") from None
    try:
        return format_datetime(parsed, output_format)
    except DateFormatError as exc:
        raise a.fail(f"outputFormat: {exc}") from None


def now(a: Args) -> Value:
    """The current UTC time (``EvalContext.now``)."""
    return utc(a.ctx.now())


def num_from_date(a: Args) -> Value:
    """An ISO 8601 date (or a date value) as an AD integer date (FILETIME ticks), e.g. for accountExpires."""
    value = to_datetime(a, 0, "value")
    if value is None:
        return None
    return (value - FILETIME_EPOCH) // timedelta(microseconds=1) * 10


SPECS = (
    FunctionSpec("CDate", ("expression",), cdate, summary="text to a UTC date"),
    FunctionSpec("DateAdd", ("interval", "value", "dateTime"), date_add, summary="date plus an interval"),
    FunctionSpec("DateDiff", ("interval", "date1", "date2"), date_diff, summary="date2 - date1 in interval units"),
    FunctionSpec("DateFromNum", ("value",), date_from_num, summary="AD integer date to a date"),
    FunctionSpec(
        "FormatDateTime",
        ("source", "dateTimeStyles", "inputFormat", "outputFormat"),
        format_date_time,
        optional=frozenset({1}),
        summary="re-format a date with .NET formats",
    ),
    FunctionSpec("Now", (), now, summary="current UTC time"),
    FunctionSpec("NumFromDate", ("value",), num_from_date, summary="date to an AD integer date"),
)
