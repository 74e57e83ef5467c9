"""Parser: the documented syntax is accepted, malformed text is refused with the exact position."""

from __future__ import annotations

import pytest

from sfprov.mapping.expressions import (
    MAX_EXPRESSION_LENGTH,
    AttributeRef,
    Comparison,
    EmptyArgument,
    ExpressionError,
    FunctionCall,
    Identifier,
    NumberLiteral,
    StringLiteral,
    parse,
)

# Every expression printed in Entra's function reference and the Salesforce defaults must parse.
DOCUMENTED = [
    'Append([userPrincipalName], ".test")',
    "BitAnd(&HF, &HF7)",
    "CBool([attribute1] = [attribute2])",
    "CDate([StatusHireDate])",
    'CDate("2021-06-30+08:00")',
    "Coalesce([mail],[userPrincipalName])",
    'ConvertToBase64("Hello world!")',
    'ConvertToUTF8Hex("Hello world!")',
    "CStr([dn])",
    'DateAdd("d", 7, CDate([StatusHireDate]))',
    'DateDiff("d", Now(), CDate([StatusHireDate]))',
    'Switch([Active], , \n  "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"), \n'
    '  "0", "False")',
    "DateFromNum(129699324000000000)",
    'FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")',
    "Guid()",
    "IgnoreFlowIfNullOrEmpty([department])",
    'IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof.", "3445", "Prof. Dr."))',
    'IIF([country]="USA",[country],[department])',
    'IIF([country]="USA",IIF([state]="CA","True","False"),"False")',
    'InStr("The quick brown fox","quick")',
    'InStr("repEated","e",3,vbBinaryCompare)',
    "IsNull([displayName])",
    "Item([proxyAddresses], 1)",
    'Left("John Doe", 3)',
    "Mid([userPrincipalName], 1, 8)",
    "NormalizeDiacritics([givenName])",
    "Not([IsSoftDeleted])",
    'NumFromDate(Join("", FormatDateTime([ContractEndDate], ,"yyyy-MM-ddzzz", "yyyy-MM-dd"), " 23:59:59-08:00"))',
    'PCase([lastName]," \'-")',
    'RandomString(10,2,2,2,1,"?,")',
    "Redact(RandomString(6,3,0,0,3))",
    'Replace([BusinessTitle],"Product Developer", , , "Software Engineer", , )',
    'Replace([UserID],"<username>", , , , , "<username>@contoso.com")',
    'Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", , "${phoneNumber}", , )',
    'Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", "phoneNumber" , , [mobile], )',
    'Replace([mail], "@contoso.com", , ,"", ,)',
    "SingleAppRoleAssignment([appRoleAssignments])",
    'Split([extensionAttribute5], ",")',
    'Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", "SA", '
    '"Australia/Adelaide")',
    'ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), '
    '"contoso.com"))',
    'Word("This,string!has&many separators",3,",!&#")',
    'Join("", 1000, Replace(ConvertToUTF8Hex([objectId]), , "[a-zA-Z_]*", , "", , ))',
    'SelectUniqueValue(Join("@", [a], "contoso.com"), Join("@", [b], "contoso.com"))',
]


@pytest.mark.parametrize("text", DOCUMENTED)
def test_documented_expressions_parse(text: str) -> None:
    assert parse(text).to_source()


def test_tree_shape() -> None:
    tree = parse('Replace([x], "-", , , "_", , )')
    assert tree == FunctionCall(
        "Replace",
        (
            AttributeRef("x"),
            StringLiteral("-"),
            EmptyArgument(),
            EmptyArgument(),
            StringLiteral("_"),
            EmptyArgument(),
            EmptyArgument(),
        ),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[Employee ID]", AttributeRef("Employee ID")),
        ("[extension_53c9e2c0e_acmeCostCenter]", AttributeRef("extension_53c9e2c0e_acmeCostCenter")),
        (
            "[urn:ietf:params:scim:schemas:core:2.0:User.name]",
            AttributeRef("urn:ietf:params:scim:schemas:core:2.0:User.name"),
        ),
        ('"Company name: \\"Contoso\\""', StringLiteral('Company name: "Contoso"')),
        ('"a\\\\b"', StringLiteral("a\\b")),
        ('"\\d"', StringLiteral("\\d")),
        ('""', StringLiteral("")),
        ("-10", NumberLiteral(-10)),
        ("-9223372036854775808", NumberLiteral(-(2**63))),
        ("&HFFFFFFFFFFFFFFFF", NumberLiteral(2**64 - 1, hex=True)),
        ("1.5", NumberLiteral(1.5)),
        ("&hff", NumberLiteral(255, hex=True)),
        ('[a] <> "x"', Comparison("<>", AttributeRef("a"), StringLiteral("x"))),
        ("Guid( )", FunctionCall("Guid")),
        (
            'InStr("a", "b", 1, vbTextCompare)',
            FunctionCall(
                "InStr", (StringLiteral("a"), StringLiteral("b"), NumberLiteral(1), Identifier("vbTextCompare"))
            ),
        ),
    ],
)
def test_operands(text: str, expected: object) -> None:
    assert parse(text) == expected


def test_spans_point_into_the_text() -> None:
    tree = parse('Append( [upn] , ".x")')
    assert isinstance(tree, FunctionCall)
    assert tree.span == (0, 21)
    assert tree.args[0].start == 8


def test_references_list_every_attribute() -> None:
    tree = parse('IIF([country]="USA", Join(" ", [givenName], [sn]), Coalesce([mail], [upn]))')
    assert tree.references() == frozenset({"country", "givenName", "sn", "mail", "upn"})


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ('Replace([x], "-", , , "_", , ', 29, "Expected ')' to close Replace("),
        ("Mid([upn], 1 8)", 13, "Expected ',' or ')' in Mid(...), found number"),
        ('"abc', 4, "Unterminated string constant"),
        ("[abc", 4, "Unterminated attribute name"),
        ("Append([], 'x')", 7, "Empty attribute name"),
        ("Append([a], 'x')", 12, 'Unexpected "\'"'),
        ("toLower([x])", 0, "Unknown function 'toLower'"),
        ("Frobnicate([x])", 0, "Unknown function 'Frobnicate'"),
        ("Append([x])", 10, "Append needs exactly 2 arguments, got 1"),
        ("Mid([x], 1, 2, 3)", 15, "Mid takes at most 3 arguments, got 4"),
        ('Replace([x], "-")', 16, "Replace needs exactly 7 arguments, got 2"),
        ('Switch([x], "d", "k")', 20, "Switch needs at least 4 arguments"),
        ('Switch([x], "d", "k", "v", "k2")', 31, "Switch needs an even number of arguments"),
        ('Append(, "x")', 7, "Argument 1 (source) of Append must not be empty"),
        ('FormatDateTime([d], , , "yyyy")', 22, "Argument 3 (inputFormat) of FormatDateTime must not be empty"),
        ("[a] = [b] = [c]", 10, "Comparisons cannot be chained"),
        ("[a] =", 5, "Expected a value after '='"),
        ("userPrincipalName", 0, "Unknown name 'userPrincipalName'"),
        ("Mid", 3, "Expected '(' after function name Mid"),
        ("Mid([a], 1, 2) [b]", 15, "Unexpected attribute after the end of the expression"),
        ("", 0, "Empty expression"),
        ("   ", 0, "Empty expression"),
        ("Append([a], ]", 12, "Unexpected ']'"),
        ("Append([a], #)", 12, "Unexpected character '#'"),
        ("12abc", 2, "Unexpected character 'a' in a number"),
        ("&H", 2, "Expected hex digits after '&H'"),
        ("Left([a], 9223372036854775808)", 10, "Number out of range (integers are 64-bit)"),
        ("Left([a], " + "1" * 5000 + ")", 10, "Number out of range (integers are 64-bit)"),
        ("Left([a], " + "1" * 400 + ".5)", 10, "Number out of range"),
        ("BitAnd(&H10000000000000000, 1)", 7, "Hex number out of range"),
        (")", 0, "Expected a function, an [attribute] or a \"string\", found ')'"),
    ],
)
def test_errors_have_exact_positions(text: str, position: int, reason: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.position == position
    assert caught.value.reason.startswith(reason)
    assert caught.value.text == text


def test_message_shows_column_and_caret() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse('Append([upn], ".x"')
    message = str(caught.value)
    assert message.splitlines() == [
        "Expected ')' to close Append( at column 19",
        '  Append([upn], ".x"',
        "                    ^",
    ]
    assert (caught.value.line, caught.value.column) == (1, 19)


def test_multi_line_message_names_the_line() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse('Switch([a], ,\n  "1", "x",\n  "2" "y")')
    assert caught.value.reason.startswith("Expected ',' or ')'")
    assert "at line 3, column 7" in str(caught.value)
    assert (caught.value.line, caught.value.column) == (3, 7)


def test_case_sensitivity_hint() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("tolower([x])")
    assert caught.value.fix == "Function names are case-sensitive: write ToLower."


def test_length_limit_is_entras() -> None:
    padding = "x" * (MAX_EXPRESSION_LENGTH - len('Append([a], "")'))
    at_limit = f'Append([a], "{padding}")'
    assert len(at_limit) == MAX_EXPRESSION_LENGTH
    assert parse(at_limit)
    with pytest.raises(ExpressionError) as caught:
        parse(f'Append([a], "{padding}x")')
    assert caught.value.position == MAX_EXPRESSION_LENGTH
    assert "10,001 characters long; Entra allows at most 10,000" in caught.value.reason


def test_length_counts_utf16_code_units_like_dotnet() -> None:
    emoji = "\U0001f600"  # two UTF-16 code units
    padding = emoji * ((MAX_EXPRESSION_LENGTH - len('Append([a], "")')) // 2 + 1)
    with pytest.raises(ExpressionError, match="Entra allows at most"):
        parse(f'Append([a], "{padding}")')


def test_nesting_depth_is_bounded() -> None:
    deep = "Not(" * 100 + "[a]" + ")" * 100
    assert parse(deep).to_source() == deep
    too_deep = "Not(" * 101 + "[a]" + ")" * 101
    with pytest.raises(ExpressionError) as caught:
        parse(too_deep)
    assert caught.value.reason == "Function calls are nested more than 100 levels deep"
    assert caught.value.position == 400
    with pytest.raises(ExpressionError, match="nested more than 100 levels"):
        parse("Not(" * 1990 + "[a]" + ")" * 1990)  # within 10,000 characters, would exhaust Python's stack
