"""validate/compile_expression: problems found before any user is evaluated, with positions."""

from __future__ import annotations

import pytest

from sfprov.mapping.expressions import ExpressionError, compile_expression, parse, validate


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ('Replace([x], "a", "b", , "c", , )', 0, "Replace: give either oldValue or regexPattern, not both"),
        ('Replace([x], "a", , , , , )', 0, "Replace: with oldValue give either replacementValue or template"),
        ('Replace([x], "a", , , "b", , "t")', 0, "Replace: with oldValue give either replacementValue or template"),
        ('Replace([x], , , , "b", , )', 0, "Replace: give oldValue or regexPattern"),
        ('Replace([x], , "a", , , , )', 0, "Replace: with regexPattern give replacementValue"),
        ('Replace([x], , "(a", , "b", , )', 15, "Replace: regexPattern: invalid regular expression"),
        ('Replace([x], , "(?<g>a)", "h", "b", , )', 26, "Replace: regexGroupName 'h' is not a named group"),
        ('DateAdd("days", 1, Now())', 0, "DateAdd: unknown interval 'days'"),
        ('DateDiff("x", Now(), Now())', 0, "DateDiff: unknown interval 'x'"),
        ('FormatDateTime([d], "Later", "yyyy", "yyyy")', 0, "FormatDateTime: unknown DateTimeStyles value 'Later'"),
        ('FormatDateTime([d], , "yyyy", "Q")', 0, "FormatDateTime: 'Q' is not a standard date and time format"),
        ('FormatDateTime([d], , "\'yyyy", "yyyy")', 0, "FormatDateTime: unterminated quoted text"),
        ('ToUpper([x], "not valid")', 0, "ToUpper: culture 'not valid' is not an RFC 4646 name"),
        ("Item([proxyAddresses], 0)", 0, "Item: the index is 1-based; index 0 must not be used"),
        ("Append([x], vbTextCompare)", 12, "vbTextCompare can only be InStr's compareType"),
        ('InStr(vbTextCompare, "x")', 6, "vbTextCompare can only be InStr's compareType"),
        ("vbTextCompare", 0, "vbTextCompare can only be InStr's compareType"),
    ],
)
def test_validation_errors(text: str, position: int, reason: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    assert caught.value.reason.startswith(reason)
    assert caught.value.position == position


@pytest.mark.parametrize(
    "text",
    [
        'Replace([x], , "(?<g>a)", "g", , [y], )',
        'FormatDateTime([d], "AdjustToUniversal, AllowWhiteSpaces", "yyyy-MM-dd", "o")',
        'ToLower([x], "ja-JP")',
        'InStr([a], "x", 1, vbBinaryCompare)',
        "DateAdd([interval], 1, Now())",
        "Item([proxyAddresses], [i])",
    ],
)
def test_valid_expressions_pass(text: str) -> None:
    tree = parse(text)
    assert validate(tree) is tree


def test_validate_without_text_has_no_position() -> None:
    with pytest.raises(ExpressionError) as caught:
        validate(parse('DateAdd("days", 1, Now())'))
    assert caught.value.position is None
    assert str(caught.value).startswith("DateAdd: unknown interval 'days'")
