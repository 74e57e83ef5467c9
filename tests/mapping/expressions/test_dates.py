"""Date functions; the rows marked "doc" are the tables and examples of Entra's function reference."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sfprov.mapping.expressions import ExpressionEvaluationError, as_text

from .conftest import FIXED_NOW, run


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("2020-03-16-07:00", "3/16/2020 7:00:00 AM"),  # doc example 1
        ("2021-06-30+08:00", "6/29/2021 4:00:00 PM"),  # doc example 2
        ("2009-06-15T01:45:30-07:00", "6/15/2009 8:45:30 AM"),  # doc example 3
        ("2009-06-15T01:45:30Z", "6/15/2009 1:45:30 AM"),
        ("2009-06-15T13:45:30.1234567", "6/15/2009 1:45:30 PM"),
        ("8/25/2021 5:41:18 PM", "8/25/2021 5:41:18 PM"),
        ("12/1/2021 12:05:00 AM", "12/1/2021 12:05:00 AM"),
        ("2021-08-24", "8/24/2021 12:00:00 AM"),
        ("January 1, 2012", "1/1/2012 12:00:00 AM"),
        ("Sun, 01 Jan 2012 23:00:00 GMT", "1/1/2012 11:00:00 PM"),
    ],
)
def test_cdate(source: str, expected: str) -> None:
    value = run("CDate([d])", {"d": source})
    assert isinstance(value, datetime)
    assert value.tzinfo is UTC
    assert as_text(value) == expected


def test_cdate_null_and_garbage() -> None:
    assert run("CDate([d])") is None
    with pytest.raises(ExpressionEvaluationError, match="CDate: expression 'soon' is not a recognised date/time"):
        run("CDate([d])", {"d": "soon"})


@pytest.mark.parametrize(
    ("interval", "amount", "expected"),
    [
        ("d", 7, "3/23/2012 7:00:00 AM"),  # doc
        ("d", -10, "3/6/2012 7:00:00 AM"),  # doc
        ("ww", 2, "3/30/2012 7:00:00 AM"),  # doc
        ("m", 10, "1/16/2013 7:00:00 AM"),  # doc
        ("yyyy", 2, "3/16/2014 7:00:00 AM"),  # doc
        ("q", 1, "6/16/2012 7:00:00 AM"),
        ("h", 5, "3/16/2012 12:00:00 PM"),
        ("n", 90, "3/16/2012 8:30:00 AM"),
        ("s", -1, "3/16/2012 6:59:59 AM"),
        ("M", 1, "4/16/2012 7:00:00 AM"),  # VB interval codes are case-insensitive
    ],
)
def test_date_add(interval: str, amount: int, expected: str) -> None:
    value = run(f'DateAdd("{interval}", {amount}, CDate([StatusHireDate]))', {"StatusHireDate": "2012-03-16-07:00"})
    assert as_text(value) == expected


def test_date_add_clamps_to_month_end() -> None:
    assert as_text(run('DateAdd("m", 1, CDate("2021-01-31"))')) == "2/28/2021 12:00:00 AM"
    assert as_text(run('DateAdd("yyyy", 1, CDate("2020-02-29"))')) == "2/28/2021 12:00:00 AM"


def test_date_add_accepts_text_dates_and_numbers() -> None:
    assert as_text(run('DateAdd("d", "1", "2021-01-31")')) == "2/1/2021 12:00:00 AM"


@pytest.mark.parametrize(
    ("interval", "date1", "date2", "expected"),
    [
        ("d", "2021-08-18+08:00", "2021-08-31+08:00", 13),  # doc
        ("d", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -3449),  # doc
        ("ww", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -493),  # doc
        ("m", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -113),  # doc
        ("yyyy", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -9),  # doc
        ("d", "2021-08-31+08:00", "2021-08-31+08:00", 0),  # doc
        ("h", "2021-08-24", "2021-08-25", 24),  # doc
        ("n", "2021-08-24", "2021-08-25", 1440),  # doc
        ("s", "2021-08-24", "2021-08-25", 86400),  # doc
        ("w", "2021-08-01", "2021-08-15", 2),
        ("q", "2021-03-31", "2021-04-01", 1),
    ],
)
def test_date_diff(interval: str, date1: str, date2: str, expected: int) -> None:
    assert run(f'DateDiff("{interval}", CDate("{date1}"), CDate("{date2}"))') == expected


def test_date_diff_with_now_and_nulls() -> None:
    assert run('DateDiff("d", Now(), CDate([StatusHireDate]))', {"StatusHireDate": "2021-07-12"}) == 9
    assert run('DateDiff("d", Now(), CDate([StatusHireDate]))', {}) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DateAdd([i], 1, Now())", "DateAdd: interval must be one of yyyy, q, m, y, d, w, ww, h, n, s, got 'x'"),
        ('DateAdd("d", 100000000, Now())', "DateAdd: the result is outside the range of dates"),
        ('DateDiff("d", Now(), "never")', "DateDiff: date2 'never' is not a recognised date/time"),
    ],
)
def test_date_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        run(text, {"i": "x"})
    assert caught.value.reason == message


def test_now_is_the_injected_utc_clock() -> None:
    value = run("Now()")
    assert value == FIXED_NOW
    assert as_text(value) == "7/2/2021 3:33:38 PM"  # doc's example format


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (129699324000000000, datetime(2012, 1, 1, 23, 0, tzinfo=UTC)),  # doc: January 1, 2012 at 11:00PM
        ("129699324000000000", datetime(2012, 1, 1, 23, 0, tzinfo=UTC)),
        (0, datetime(1601, 1, 1, tzinfo=UTC)),
        (None, None),
    ],
)
def test_date_from_num(value: object, expected: object) -> None:
    assert run("DateFromNum([lastLogonTimestamp])", {"lastLogonTimestamp": value}) == expected


def test_date_from_num_refuses_never() -> None:
    with pytest.raises(ExpressionEvaluationError, match="is not a valid AD date"):
        run("DateFromNum(9223372036854775807)")


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ('NumFromDate("2012-01-01T23:00:00Z")', {}, 129699324000000000),
        (
            'NumFromDate(Join("", FormatDateTime([ContractEndDate], ,"yyyy-MM-ddzzz", "yyyy-MM-dd"), '
            '" 23:59:59-08:00"))',
            {"ContractEndDate": "2020-12-31-08:00"},
            132539615990000000,
        ),  # doc (Workday): 2021-01-01 07:59:59 UTC
        (
            'NumFromDate(Join("",FormatDateTime([endDate], ,"M/d/yyyy hh:mm:ss tt","yyyy-MM-dd")," 23:59:59-08:00"))',
            {"endDate": "12/31/2020 08:00:00 AM"},
            132539615990000000,
        ),  # doc (SuccessFactors)
        ("NumFromDate([d])", {}, None),
        ("NumFromDate(DateFromNum(129699324000000000))", {}, 129699324000000000),
    ],
)
def test_num_from_date(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


@pytest.mark.parametrize(
    ("source", "styles", "input_format", "output_format", "expected"),
    [
        ("20150123105347.1Z", "", "yyyyMMddHHmmss.fZ", "yyyy-MM-dd", "2015-01-23"),  # doc
        ("20150123105347.0Z", "", "yyyyMMddHHmmss.fZ", "yyyy-MM-ddTHH:mm:ss.fff", "2015-01-23T10:53:47.000"),  # AD
        ("2020-12-31-08:00", "", "yyyy-MM-ddzzz", "yyyy-MM-dd", "2020-12-31"),  # doc (NumFromDate example)
        ("2020-12-31+08:00", "", "yyyy-MM-ddzzz", "yyyy-MM-dd HH:mm", "2020-12-30 16:00"),  # offset → UTC
        ("12/31/2020 11:59:59 PM", "", "M/d/yyyy hh:mm:ss tt", "yyyy-MM-dd HH:mm:ss", "2020-12-31 23:59:59"),
        ("  2021-02-03 ", "", "yyyy-MM-dd", "dd/MM/yy", "03/02/21"),  # leading/trailing white allowed by default
        ("2021-02-03", "", "yyyy-MM-dd", "dddd, MMMM d, yyyy", "Wednesday, February 3, 2021"),
        ("2021-02-03", "", "yyyy-MM-dd", "ddd MMM", "Wed Feb"),
        ("03-Feb-2021", "", "dd-MMM-yyyy", "yyyyMMdd", "20210203"),
        ("2021-02-03T04:05:06.789Z", "", "yyyy-MM-ddTHH:mm:ss.fffK", "o", "2021-02-03T04:05:06.7890000Z"),
        ("2021-02-03T04:05:06", "", "s", "u", "2021-02-03 04:05:06Z"),
        ("2021-02-03", "", "yyyy-MM-dd", "G", "2/3/2021 12:00:00 AM"),
        ("2021-02-03 7:05", "", "yyyy-MM-dd H:mm", "h:mm tt", "7:05 AM"),
        ("2021-02-03", "", "yyyy-MM-dd", "'Date:' yyyy \\y", "Date: 2021 y"),
        ("2021-02-03T04:05:06.5", "", "yyyy-MM-ddTHH:mm:ss.F", "HH:mm:ss.FFF", "04:05:06.5"),
        ("2021-02-03T04:05:06", "", "yyyy-MM-ddTHH:mm:ss", "HH:mm:ss.FFF", "04:05:06"),
        ("2021-02-03T04:05:06", "", "yyyy-MM-ddTHH:mm:ss", "%d", "3"),
        ("2021-02-03T04:05:06+02:00", "AdjustToUniversal", "yyyy-MM-ddTHH:mm:sszzz", "HH:mm zzz", "02:05 +00:00"),
    ],
)
def test_format_date_time(source: str, styles: str, input_format: str, output_format: str, expected: str) -> None:
    styles_arg = f'"{styles}"' if styles else ""
    text = f'FormatDateTime([d], {styles_arg}, "{input_format}", "{output_format}")'.replace("\\", "\\\\")
    assert run(text, {"d": source}) == expected


@pytest.mark.parametrize(
    ("styles", "source", "message"),
    [
        ("", "2021-02-03T04", "FormatDateTime: source '2021-02-03T04': the text does not match the format"),
        ("None", " 2021-02-03", "FormatDateTime: source ' 2021-02-03': the text does not match the format"),
        ("Sometimes", "2021-02-03", "FormatDateTime: dateTimeStyles: unknown DateTimeStyles value 'Sometimes'"),
        ("", "2021-02-30", "FormatDateTime: source '2021-02-30': not a valid date"),
    ],
)
def test_format_date_time_errors(styles: str, source: str, message: str) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        run('FormatDateTime([d], [styles], "yyyy-MM-dd", "yyyy")', {"d": source, "styles": styles or None})
    assert caught.value.reason.startswith(message)


def test_format_date_time_null_source() -> None:
    assert run('FormatDateTime([d], , "yyyy-MM-dd", "yyyy")') is None


def test_dates_flow_through_text_functions_as_entras_date_text() -> None:
    assert run('FormatDateTime(CDate([d]), , "M/d/yyyy h:mm:ss tt", "yyyy-MM-dd")', {"d": "2021-06-30+08:00"}) == (
        "2021-06-29"
    )
    assert run('Join(" ", "Hired", CDate([d]))', {"d": "2021-06-30"}) == "Hired 6/30/2021 12:00:00 AM"
