""".NET date format strings and regular expressions as Entra's FormatDateTime and Replace take them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sfprov.mapping.expressions.dotnet_datetime import (
    DEFAULT_STYLES,
    DateFormatError,
    format_datetime,
    parse_exact,
    parse_styles,
)
from sfprov.mapping.expressions.dotnet_regex import RegexError, compile_pattern, substitution, translate_pattern

MOMENT = datetime(2009, 6, 15, 13, 45, 30, 617500)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("d", "6/15/2009"),
        ("%d", "15"),
        ("dd ddd dddd", "15 Mon Monday"),
        ("M MM MMM MMMM", "6 06 Jun June"),
        ("y yy yyy yyyy yyyyy", "9 09 2009 2009 02009"),
        ("h hh H HH", "1 01 13 13"),
        ("m mm s ss", "45 45 30 30"),
        ("f ff fff ffff fffffff", "6 61 617 6175 6175000"),
        ("F FF FFFF FFFFFFF", "6 61 6175 6175"),
        ("t tt", "P PM"),
        ("%g", "A.D."),
        ("zzz", "+00:00"),
        ("%K", ""),
        ("'literal' \"also\" \\h", "literal also h"),
        ("yyyy-MM-ddTHH:mm:ss.fffZ", "2009-06-15T13:45:30.617Z"),
        ("T", "1:45:30 PM"),
        ("D", "Monday, June 15, 2009"),
        ("s", "2009-06-15T13:45:30"),
        ("y", "June 2009"),
    ],
)
def test_format_specifiers(fmt: str, expected: str) -> None:
    assert format_datetime(MOMENT, fmt) == expected


def test_zone_specifiers_of_aware_values() -> None:
    aware = MOMENT.replace(tzinfo=timezone(timedelta(hours=-7)))
    assert format_datetime(aware, "%z zz zzz K") == "-7 -07 -07:00 -07:00"
    assert format_datetime(MOMENT.replace(tzinfo=UTC), "%K") == "Z"


def test_f_trailing_zero_removes_the_point() -> None:
    assert format_datetime(MOMENT.replace(microsecond=0), "ss.FFF") == "30"


@pytest.mark.parametrize("fmt", ["", "Q", "K", "'open", "yyyy\\", "%", "ffffffff"])
def test_bad_formats(fmt: str) -> None:
    with pytest.raises(DateFormatError):
        format_datetime(MOMENT, fmt)


@pytest.mark.parametrize(
    ("text", "fmt", "styles", "expected"),
    [
        ("15/06/09", "dd/MM/yy", DEFAULT_STYLES, datetime(2009, 6, 15)),
        ("15/06/50", "dd/MM/yy", DEFAULT_STYLES, datetime(1950, 6, 15)),
        ("June 15, 2009", "MMMM d, yyyy", DEFAULT_STYLES, datetime(2009, 6, 15)),
        ("Mon 15 jun 2009", "ddd d MMM yyyy", DEFAULT_STYLES, datetime(2009, 6, 15)),
        ("1:05:09 p", "h:mm:ss t", DEFAULT_STYLES, None),  # t with a date missing: today's date
        ("2009-06-15 12:00 AM", "yyyy-MM-dd hh:mm tt", DEFAULT_STYLES, datetime(2009, 6, 15, 0, 0)),
        ("2009-06-15Z", "yyyy-MM-ddK", DEFAULT_STYLES, datetime(2009, 6, 15, tzinfo=UTC)),
        ("2009-06-15", "yyyy-MM-dd", parse_styles("AssumeUniversal"), datetime(2009, 6, 15, tzinfo=UTC)),
        ("2009 - 06 - 15", "yyyy-MM-dd", parse_styles("AllowWhiteSpaces"), datetime(2009, 6, 15)),
        ("20090615.12", "yyyyMMdd.FFF", DEFAULT_STYLES, datetime(2009, 6, 15, 0, 0, 0, 120000)),
    ],
)
def test_parse_exact(text: str, fmt: str, styles: int, expected: datetime | None) -> None:
    value = parse_exact(text, fmt, styles)
    if expected is None:
        assert (value.hour, value.minute, value.second) == (13, 5, 9)
    else:
        assert value == expected


@pytest.mark.parametrize(
    ("text", "fmt"),
    [("2009-13-01", "yyyy-MM-dd"), ("13:00 PM", "hh:mm tt"), ("2009-06-15+15:00", "yyyy-MM-ddzzz"), ("x", "yyyy")],
)
def test_parse_exact_refuses(text: str, fmt: str) -> None:
    with pytest.raises(DateFormatError):
        parse_exact(text, fmt)


@pytest.mark.parametrize("styles", ["RoundtripKind, AdjustToUniversal", "AssumeLocal, AssumeUniversal", "Whenever"])
def test_bad_style_combinations(styles: str) -> None:
    with pytest.raises(DateFormatError):
        parse_styles(styles)


@pytest.mark.parametrize(
    ("pattern", "translated"),
    [
        (r"(?<name>\d+)", r"(?P<name>\d+)"),
        (r"(?'name'\d+)", r"(?P<name>\d+)"),
        (r"(?<x>a)\k<x>", r"(?P<x>a)(?P=x)"),
        (r"(?<=a)b(?<!c)", r"(?<=a)b(?<!c)"),
        (r"[(?<n>)]", r"[(?<n>)]"),
        (r"[]a]", r"[]a]"),
        (r"a\z", r"a\Z"),
        (r"a\Z", r"a(?=\n?\Z)"),
        (r"\(?<n>", r"\(?<n>"),
    ],
)
def test_pattern_translation(pattern: str, translated: str) -> None:
    assert translate_pattern(pattern) == translated


@pytest.mark.parametrize("pattern", [r"(?<1>a)", r"(?<-x>a)", "(unclosed", r"\k<x"])
def test_bad_patterns(pattern: str) -> None:
    with pytest.raises(RegexError):
        compile_pattern(pattern)


@pytest.mark.parametrize(
    ("replacement", "expected"),
    [
        ("${b}-${a}", "2-1"),
        ("$2$1", "21"),
        ("$$", "$"),
        ("[$&]", "[12]"),
        ("$`|$'", "x|y"),
        ("$+", "2"),
        ("$_", "x12y"),
        ("$9 ${zz} $", "$9 ${zz} $"),  # unknown groups stay literal, as in .NET
    ],
)
def test_substitutions(replacement: str, expected: str) -> None:
    regex = compile_pattern(r"(?<a>\d)(?<b>\d)")
    match = regex.search("x12y")
    assert match is not None
    assert substitution(replacement, regex)(match) == expected
    assert isinstance(regex, re.Pattern)
