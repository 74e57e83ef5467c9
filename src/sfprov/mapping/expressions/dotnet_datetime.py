"""The subset of .NET date/time formatting and parsing that Entra's date functions expose.

``FormatDateTime(source, dateTimeStyles, inputFormat, outputFormat)`` takes .NET custom date and time format strings
(learn.microsoft.com "Custom date and time format strings") for both parsing (``DateTime.ParseExact``) and output;
``CDate`` takes "any valid string that represents a date/time" (``DateTime.Parse``). The service formats with the
en-US culture (its date text is ``M/d/yyyy h:mm:ss tt``). Specifiers: d dd ddd dddd, f…fffffff, F…FFFFFFF, g gg,
h hh, H HH, K, m mm, M MM MMM MMMM, s ss, t tt, y yy yyy yyyy yyyyy, z zz zzz, ``:`` ``/``, ``'literal'``,
``"literal"``, ``\\c`` and ``%c``; any other character is a literal (so the ``Z`` in ``yyyyMMddHHmmss.fZ`` is
just a ``Z``). One-character formats are .NET standard formats (``o``, ``s``, ``u``, ``G``, ...).

Kinds: a naive ``datetime`` is .NET's ``Unspecified``, an aware UTC one is ``Utc``. The service's local time zone is
taken to be UTC (UNVERIFIED), so converting an offset to "local" time is converting it to UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

STANDARD_FORMATS = {
    "d": "M/d/yyyy",
    "D": "dddd, MMMM d, yyyy",
    "f": "dddd, MMMM d, yyyy h:mm tt",
    "F": "dddd, MMMM d, yyyy h:mm:ss tt",
    "g": "M/d/yyyy h:mm tt",
    "G": "M/d/yyyy h:mm:ss tt",
    "m": "MMMM d",
    "M": "MMMM d",
    "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "h:mm tt",
    "T": "h:mm:ss tt",
    "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
    "U": "dddd, MMMM d, yyyy h:mm:ss tt",
    "y": "MMMM yyyy",
    "Y": "MMMM yyyy",
}  # en-US patterns

DATETIME_STYLES = {
    "None": 0,
    "AllowLeadingWhite": 1,
    "AllowTrailingWhite": 2,
    "AllowInnerWhite": 4,
    "AllowWhiteSpaces": 7,
    "NoCurrentDateDefault": 8,
    "AdjustToUniversal": 16,
    "AssumeLocal": 32,
    "AssumeUniversal": 64,
    "RoundtripKind": 128,
}
DEFAULT_STYLES = DATETIME_STYLES["RoundtripKind"] | 1 | 2
"""FormatDateTime's default when ``dateTimeStyles`` is empty: RoundtripKind, AllowLeadingWhite, AllowTrailingWhite."""

_SPECIFIER_LETTERS = set("dfFghHKmMstyz")


class DateFormatError(ValueError):
    """A format string, style or date text that .NET would refuse (FormatException)."""


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of a format: a specifier (``letter`` repeated ``count`` times) or a literal text."""

    letter: str
    count: int
    literal: str = ""


def parse_styles(text: str | None) -> int:
    """``dateTimeStyles`` as .NET's enum: names separated by commas (``"AdjustToUniversal, AllowWhiteSpaces"``)."""
    if text is None or not text.strip():
        return DEFAULT_STYLES
    flags = 0
    for name in (part.strip() for part in text.split(",")):
        match = next((key for key in DATETIME_STYLES if key.lower() == name.lower()), None)
        if match is None:
            raise DateFormatError(f"unknown DateTimeStyles value {name!r} (known: {', '.join(DATETIME_STYLES)})")
        flags |= DATETIME_STYLES[match]
    if flags & DATETIME_STYLES["RoundtripKind"] and flags & (16 | 32 | 64):
        raise DateFormatError("RoundtripKind cannot be combined with AdjustToUniversal, AssumeLocal or AssumeUniversal")
    if flags & 32 and flags & 64:
        raise DateFormatError("AssumeLocal and AssumeUniversal cannot be combined")
    return flags


def split_format(fmt: str) -> list[Part]:
    """Tokenize a .NET date format (a one-character format is a standard format and is expanded first)."""
    if fmt == "":
        raise DateFormatError("the format is empty")
    if len(fmt) == 1:
        if fmt not in STANDARD_FORMATS:
            raise DateFormatError(f"{fmt!r} is not a standard date and time format")
        fmt = STANDARD_FORMATS[fmt]
    parts: list[Part] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch in "'\"":
            end = fmt.find(ch, i + 1)
            if end < 0:
                raise DateFormatError(f"unterminated quoted text in format {fmt!r}")
            parts.append(Part("", 0, fmt[i + 1 : end]))
            i = end + 1
        elif ch == "\\":
            if i + 1 >= len(fmt):
                raise DateFormatError(f"format {fmt!r} ends with a backslash")
            parts.append(Part("", 0, fmt[i + 1]))
            i += 2
        elif ch == "%":
            if i + 1 >= len(fmt) or fmt[i + 1] not in _SPECIFIER_LETTERS:
                raise DateFormatError(f"'%' in format {fmt!r} must be followed by one specifier letter")
            i += 1
        elif ch in _SPECIFIER_LETTERS:
            j = i
            while j < len(fmt) and fmt[j] == ch:
                j += 1
            count = j - i
            if ch in "fF" and count > 7:
                raise DateFormatError(f"at most 7 '{ch}' specifiers are allowed")
            parts.append(Part(ch, count))
            i = j
        else:
            parts.append(Part("", 0, ch))
            i += 1
    return parts


# ----------------------------------------------------------------------------------------------------- formatting


def _offset_text(value: datetime, count: int) -> str:
    offset = value.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hours, mins = divmod(minutes, 60)
    if count == 1:
        return f"{sign}{hours}"
    if count == 2:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}:{mins:02d}"


def format_datetime(value: datetime, fmt: str) -> str:
    """``value.ToString(fmt, en-US)``."""
    out: list[str] = []
    for part in split_format(fmt):
        letter, n = part.letter, part.count
        if not letter:
            out.append(part.literal)
        elif letter == "d":
            out.append(
                str(value.day) if n == 1 else f"{value.day:02d}" if n == 2
                else DAYS[value.weekday()][:3] if n == 3 else DAYS[value.weekday()]
            )  # fmt: skip
        elif letter == "M":
            out.append(
                str(value.month) if n == 1 else f"{value.month:02d}" if n == 2
                else MONTHS[value.month - 1][:3] if n == 3 else MONTHS[value.month - 1]
            )  # fmt: skip
        elif letter == "y":
            out.append(
                str(value.year % 100) if n == 1 else f"{value.year % 100:02d}" if n == 2 else f"{value.year:0{n}d}"
            )
        elif letter in "hH":
            hour = value.hour if letter == "H" else value.hour % 12 or 12
            out.append(str(hour) if n == 1 else f"{hour:02d}")
        elif letter == "m":
            out.append(str(value.minute) if n == 1 else f"{value.minute:02d}")
        elif letter == "s":
            out.append(str(value.second) if n == 1 else f"{value.second:02d}")
        elif letter == "f":
            out.append(f"{value.microsecond:06d}0"[:n])
        elif letter == "F":
            digits = f"{value.microsecond:06d}0"[:n].rstrip("0")
            if not digits and out and out[-1].endswith("."):
                out[-1] = out[-1][:-1]
            out.append(digits)
        elif letter == "t":
            ampm = "AM" if value.hour < 12 else "PM"
            out.append(ampm[:1] if n == 1 else ampm)
        elif letter == "z":
            out.append(_offset_text(value, min(n, 3)))
        elif letter == "K":
            out.append(
                "" if value.tzinfo is None else "Z" if value.utcoffset() == timedelta(0) else _offset_text(value, 3)
            )
        elif letter == "g":
            out.append("A.D.")
    return "".join(out)


# -------------------------------------------------------------------------------------------------------- parsing


def _names_pattern(names: list[str]) -> str:
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


def _part_pattern(part: Part, index: int, inner_white: bool) -> str:
    letter, n = part.letter, part.count
    group = f"(?P<{letter}{n}_{index}>"
    if not letter:
        return r"\s*" if inner_white and part.literal.isspace() else re.escape(part.literal)
    if letter == "d":
        if n >= 3:
            return group + _names_pattern([d[:3] if n == 3 else d for d in DAYS]) + ")"
        return group + (r"\d{1,2})" if n == 1 else r"\d{2})")
    if letter == "M":
        if n >= 3:
            return group + _names_pattern([m[:3] if n == 3 else m for m in MONTHS]) + ")"
        return group + (r"\d{1,2})" if n == 1 else r"\d{2})")
    if letter == "y":
        if n <= 2:
            return group + (r"\d{1,2})" if n == 1 else r"\d{2})")
        return group + (rf"\d{{{n}}})" if n >= 4 else r"\d{3,4})")
    if letter in "hHms":
        return group + (r"\d{1,2})" if n == 1 else r"\d{2})")
    if letter == "f":
        return group + rf"\d{{{n}}})"
    if letter == "F":
        return group + rf"\d{{0,{n}}})"
    if letter == "t":
        return group + (r"[AaPp])" if n == 1 else r"[AaPp][Mm])")
    if letter == "z":
        return group + (r"[+-]\d{1,2})" if n <= 2 else r"[+-]\d{1,2}(?::?\d{2})?)")
    if letter == "K":
        return group + r"(?:Z|z|[+-]\d{2}:?\d{2})?)"
    return group + r"A\.D\.|AD)"


def parse_exact(text: str, fmt: str, styles: int = DEFAULT_STYLES) -> datetime:
    """``DateTime.ParseExact(text, fmt, en-US, styles)``."""
    parts = split_format(fmt)
    inner = bool(styles & 4)
    # AllowInnerWhite: white space may appear between any two elements of the format
    pattern = (r"\s*" if inner else "").join(_part_pattern(part, i, inner) for i, part in enumerate(parts))
    pattern = (r"\s*" if styles & 1 else "") + pattern + (r"\s*" if styles & 2 else "")
    match = re.fullmatch(pattern, text, flags=re.IGNORECASE)
    if match is None:
        raise DateFormatError(f"the text does not match the format {fmt!r}")
    fields: dict[str, str] = {}
    for name, found in match.groupdict().items():
        if found is None:
            continue
        key = name.split("_")[0]
        fields[key] = found
    return _assemble(fields, styles)


def _assemble(fields: dict[str, str], styles: int) -> datetime:
    now = datetime.now(UTC)
    year = now.year
    for key in ("y5", "y4", "y3"):
        if key in fields:
            year = int(fields[key])
    for key in ("y2", "y1"):
        if key in fields:
            short = int(fields[key])
            year = 2000 + short if short <= 49 else 1900 + short  # en-US TwoDigitYearMax 2049 (UNVERIFIED)
    # .NET fills a missing date from today unless a year is given or NoCurrentDateDefault is set
    month, day = (1, 1) if styles & 8 or any(k.startswith("y") for k in fields) else (now.month, now.day)
    for key, value in fields.items():
        if key in ("M1", "M2"):
            month = int(value)
        elif key in ("M3", "M4"):
            month = next(i for i, m in enumerate(MONTHS, 1) if m.lower().startswith(value.lower()[:3]))
        elif key in ("d1", "d2"):
            day = int(value)
    hour = int(fields.get("H2", fields.get("H1", fields.get("h2", fields.get("h1", "0")))))
    if ("h1" in fields or "h2" in fields) and hour > 12:
        raise DateFormatError("12-hour value out of range")
    ampm = (fields.get("t2") or fields.get("t1") or "").upper()
    if ampm and ("h1" in fields or "h2" in fields or "H1" in fields or "H2" in fields):
        if ampm.startswith("P") and hour < 12:
            hour += 12
        elif ampm.startswith("A") and hour == 12:
            hour = 0
    minute = int(fields.get("m2", fields.get("m1", "0")))
    second = int(fields.get("s2", fields.get("s1", "0")))
    fraction = next((fields[k] for k in fields if k[0] in "fF"), "")
    microsecond = int((fraction + "000000")[:6]) if fraction else 0
    try:
        result = datetime(year, month, day, hour, minute, second, microsecond)
    except ValueError as exc:
        raise DateFormatError(f"not a valid date ({exc})") from None
    offset = _offset_of(fields)
    if offset is not None:
        result = (result.replace(tzinfo=offset)).astimezone(UTC)
        if not styles & (16 | 128):
            result = result.replace(tzinfo=None)  # .NET converts to local time (UTC here), Kind=Local
        return result
    if styles & (64 | 32) or styles & 16:
        return result.replace(tzinfo=UTC)
    return result


def _offset_of(fields: dict[str, str]) -> timezone | None:
    raw = next((fields[k] for k in ("z3", "z4", "z5", "z6", "z7", "z2", "z1", "K1") if fields.get(k)), None)
    if raw is None:
        return None
    if raw in ("Z", "z"):
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    hours = int(digits[:-2]) if len(digits) > 2 else int(digits)
    minutes = int(digits[-2:]) if len(digits) > 2 else 0
    if hours > 14 or minutes > 59:
        raise DateFormatError("time zone offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


# ------------------------------------------------------------------------------------------------ general parsing

_TIME = r"(?:[T ]\s*(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,7}))?)?\s*(?P<ampm>[AaPp][Mm])?)?"
_ZONE = r"\s*(?P<tz>Z|z|GMT|UTC|[+-]\d{2}(?::?\d{2})?)?"
_GENERAL = [
    re.compile(r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})" + _TIME + _ZONE),
    re.compile(r"(?P<y>\d{4})/(?P<mo>\d{1,2})/(?P<d>\d{1,2})" + _TIME + _ZONE),
    re.compile(r"(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})" + _TIME + _ZONE),
    re.compile(
        r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})T?(?:(?P<h>\d{2})(?P<mi>\d{2})(?P<s>\d{2})(?:\.(?P<f>\d{1,7}))?)?"
        + _ZONE
    ),
    re.compile(
        r"(?:(?P<dn>[A-Za-z]+),?\s+)?(?P<mn>[A-Za-z]+)\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})"
        + _TIME.replace("[T ]", "[T ,]")
        + _ZONE
    ),
    re.compile(
        r"(?:(?P<dn>[A-Za-z]+),?\s+)?(?P<d>\d{1,2})\s+(?P<mn>[A-Za-z]+)\.?,?\s+(?P<y>\d{4})"
        + _TIME.replace("[T ]", "[T ,]")
        + _ZONE
    ),
]


def parse_general(text: str) -> datetime:
    """``DateTime.Parse(text, en-US)`` for the forms HR sources and Entra's docs use, as an aware UTC datetime.

    ISO 8601 (``2009-06-15T01:45:30-07:00``), the XML-schema date with an offset Workday sends
    (``2020-03-16-07:00``), US ``M/d/yyyy h:mm:ss tt``, compact ``yyyyMMddHHmmss``, and dates with English month
    names. A text without an offset is taken as UTC; one with an offset is converted to UTC (CDate's remark: "The
    returned string is always in UTC").
    """
    stripped = text.strip()
    for pattern in _GENERAL:
        match = pattern.fullmatch(stripped)
        if match is not None:
            return _general_value(match.groupdict())
    raise DateFormatError("not a recognised date/time")


def _general_value(groups: dict[str, str | None]) -> datetime:
    year_text = groups["y"] or ""
    year = int(year_text)
    if len(year_text) == 2:
        year = 2000 + year if year <= 49 else 1900 + year
    if groups.get("mn"):
        name = (groups["mn"] or "").lower()
        month = next((i for i, m in enumerate(MONTHS, 1) if len(name) >= 3 and m.lower().startswith(name)), 0)
        if not month:
            raise DateFormatError("unknown month name")
    else:
        month = int(groups["mo"] or 0)
    hour = int(groups.get("h") or 0)
    ampm = (groups.get("ampm") or "").upper()
    if ampm:
        if not 1 <= hour <= 12:
            raise DateFormatError("hour out of range for AM/PM")
        hour = hour % 12 + (12 if ampm == "PM" else 0)
    fraction = groups.get("f") or ""
    try:
        value = datetime(
            year,
            month,
            int(groups["d"] or 0),
            hour,
            int(groups.get("mi") or 0),
            int(groups.get("s") or 0),
            int((fraction + "000000")[:6]) if fraction else 0,
        )
    except ValueError as exc:
        raise DateFormatError(f"not a valid date ({exc})") from None
    zone = groups.get("tz")
    if zone and zone not in ("Z", "z", "GMT", "UTC"):
        return value.replace(tzinfo=_offset_of({"z3": zone})).astimezone(UTC)
    return value.replace(tzinfo=UTC)
