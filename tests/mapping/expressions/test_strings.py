"""Text functions, one table per function; rows marked "doc" are the examples of Entra's function reference."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.mapping.expressions import ExpressionEvaluationError

from .conftest import run

UPN = {"userPrincipalName": "John.Doe@contoso.com"}


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ('Append([userPrincipalName], ".test")', UPN, "John.Doe@contoso.com.test"),  # doc
        ('Append([missing], ".test")', {}, None),
        ('Append("a", [missing])', {}, "a"),
        ("Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))", {"givenName": "John", "surname": "Doe"}, "JohDoe"),
    ],
)
def test_append(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('ConvertToBase64("Hello world!")', "SABlAGwAbABvACAAdwBvAHIAbABkACEA"),  # doc
        ('ConvertToBase64("")', ""),
        ("ConvertToBase64([missing])", None),
        ('ConvertToUTF8Hex("Hello world!")', "48656C6C6F20776F726C6421"),  # doc
        ('ConvertToUTF8Hex("é")', "C3A9"),
        ("ConvertToUTF8Hex([missing])", None),
    ],
)
def test_encodings(text: str, expected: object) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('InStr("The quick brown fox","quick")', 5),  # doc
        ('InStr("repEated","e",3,vbBinaryCompare)', 7),  # doc
        ('InStr("repEated","e",3,vbTextCompare)', 4),
        ('InStr("repEated","E")', 4),
        ('InStr("abc","z")', 0),
        ('InStr("abc","")', 1),
        ('InStr("abc","c", 9)', 0),
        ('InStr("abc","b", , vbTextCompare)', 2),
        ('InStr([missing],"b")', None),
    ],
)
def test_instr(text: str, expected: object) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Left("John Doe", 3)', "Joh"),  # doc
        ('Left("John Doe", 0)', ""),  # doc: numChars = 0 → empty
        ('Left("John Doe", -1)', "John Doe"),  # doc: numChars < 0 → input
        ("Left([missing], 3)", ""),  # doc: null → empty
        ('Left("Jo", 5)', "Jo"),  # doc: shorter → whole
    ],
)
def test_left(text: str, expected: object) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mid([userPrincipalName], 1, 8)", "John.Doe"),  # Salesforce default for Alias
        ("Mid([userPrincipalName], 6, 3)", "Doe"),
        ("Mid([userPrincipalName], 10, 100)", "contoso.com"),  # doc: length past the end → rest
        ("Mid([userPrincipalName], 50, 2)", ""),
        ("Mid([userPrincipalName], 1, 0)", ""),
        ("Mid([missing], 1, 8)", None),
        ('Mid([userPrincipalName], "2", "3")', "ohn"),
    ],
)
def test_mid(text: str, expected: object) -> None:
    assert run(text, UPN) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mid([userPrincipalName], 0, 8)", "Mid: start is 1-based and must be 1 or more, got 0"),
        ("Mid([userPrincipalName], 1, -1)", "Mid: length must not be negative, got -1"),
        ('Mid([userPrincipalName], "x", 1)', "Mid: start expects a number, got 'x'"),
        ("Mid([userPrincipalName], [missing], 1)", "Mid: start is null; a number is required"),
        ('InStr("a", "b", 0)', "InStr: start must be 1 or more, got 0"),
        ('InStr("a", "b", 1, "other")', "InStr: compareType must be vbBinaryCompare or vbTextCompare"),
    ],
)
def test_text_errors_name_the_function(text: str, message: str) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        run(text, UPN)
    assert caught.value.reason == message


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Zoë", "Zoe"),  # doc
        ("Åsa Ærøskøbing", "Asa AEroeskoebing"),
        ("Straße", "Strasse"),
        ("İstanbul ılık", "Istanbul ilik"),
        ("Łódź Żółć", "Lodz Zolc"),
        ("ā́ a̱", "a a"),  # letters with combining marks from the table are replaced whole
        ("Þór", "Þor"),  # not in the table → unchanged
        ("plain", "plain"),
    ],
)
def test_normalize_diacritics(source: str, expected: str) -> None:
    assert run("NormalizeDiacritics([givenName])", {"givenName": source}) == expected


def test_normalize_diacritics_null() -> None:
    assert run("NormalizeDiacritics([givenName])") is None


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ("PCase([firstName])", {"firstName": "PABLO GONSALVES (SECOND)"}, "Pablo Gonsalves (Second)"),  # doc
        ('PCase([lastName]," \'-")', {"lastName": "PINTO-DE'SILVA"}, "Pinto-De'Silva"),  # doc
        (
            'PCase(Join(" ",[firstName],[lastName]))',
            {"firstName": "GREGORY", "lastName": "JAMES"},
            "Gregory James",
        ),  # doc
        ('PCase([x], " ")', {"x": "anne-marie o'neil"}, "Anne-marie O'neil"),
        ("PCase([x])", {"x": "anne-marie_x2y"}, "Anne-Marie_X2y"),
        ("PCase([x])", {}, None),
    ],
)
def test_pcase(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('StripSpaces(" a b  c ")', "abc"),
        ('StripSpaces("a\tb")', "a\tb"),  # only the space character
        ("StripSpaces([missing])", None),
    ],
)
def test_strip_spaces(text: str, expected: object) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], '
            '[PreferredLastName]))), "contoso.com"))',
            "john.smith@contoso.com",
        ),  # doc
        ('ToLower("ÀÉÎ")', "àéî"),
        ('ToUpper("straße")', "STRAßE"),  # .NET maps one character to one character
        ('ToUpper("istanbul", "tr-TR")', "İSTANBUL"),
        ('ToLower("ISTANBUL", "tr-TR")', "ıstanbul"),
        ('ToUpper("istanbul", "en-US")', "ISTANBUL"),
        ('ToLower("İ")', "i"),
        ("ToUpper([missing])", None),
    ],
)
def test_case(text: str, expected: object) -> None:
    assert run(text, {"PreferredFirstName": "John", "PreferredLastName": "Smith"}) == expected


def test_bad_culture_at_runtime() -> None:
    with pytest.raises(ExpressionEvaluationError, match="culture 'not a culture!' is not an RFC 4646 name"):
        run("ToUpper([a], [c])", {"a": "x", "c": "not a culture!"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Word("The quick brown fox",3," ")', "brown"),  # doc
        ('Word("This,string!has&many separators",3,",!&#")', "has"),  # doc
        ('Word("The quick",0," ")', ""),  # doc: number < 1
        ('Word([missing],1," ")', ""),  # doc: null
        ('Word("The quick",3," ")', ""),  # doc: too few words
        ('Word("a,,b",2,",")', "b"),
        ('Word("single",1,"")', "single"),
    ],
)
def test_word(text: str, expected: object) -> None:
    assert run(text) == expected


def test_instr_not_found_value_is_a_setting() -> None:
    assert run('InStr("abc", "z")', instr_not_found=None) is None
    assert run('InStr("abc", "b")', instr_not_found=None) == 2
