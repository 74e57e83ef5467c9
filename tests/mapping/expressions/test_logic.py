"""Conditions, null tests and flow control; rows marked "doc" come from Entra's function reference."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.mapping.expressions import ExpressionEvaluationError, IgnoreFlow

from .conftest import run


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ("CBool([attribute1] = [attribute2])", {"attribute1": "x", "attribute2": "x"}, True),  # doc
        ("CBool([attribute1] = [attribute2])", {"attribute1": "x", "attribute2": "y"}, False),
        ('CBool("True")', {}, True),
        ('CBool("false")', {}, False),
        ("CBool(5)", {}, True),
        ('CBool("0")', {}, False),
        ('CBool("-1")', {}, True),
        ('CBool("abc")', {}, False),
        ("CBool([missing])", {}, False),
        ("CBool([flag])", {"flag": True}, True),
    ],
)
def test_cbool(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"mail": None, "userPrincipalName": "John.Doe@contoso.com"}, "John.Doe@contoso.com"),  # doc
        ({"mail": "j@contoso.com", "userPrincipalName": "John.Doe@contoso.com"}, "j@contoso.com"),
        ({"mail": "", "userPrincipalName": "u"}, ""),  # "first source value that isn't NULL": "" is a value
        ({}, None),
    ],
)
def test_coalesce(attributes: dict[str, Any], expected: object) -> None:
    assert run("Coalesce([mail],[userPrincipalName])", attributes) == expected


def test_coalesce_default_value() -> None:
    assert run('Coalesce([a], [b], "default")') == "default"
    assert run('Coalesce([a], [b], "")') == ""


def test_coalesce_does_not_evaluate_past_the_first_value() -> None:
    assert run("Coalesce([a], Mid([a], 0, 1))", {"a": "x"}) == "x"


@pytest.mark.parametrize(
    ("text", "attributes"),
    [
        ("IgnoreFlowIfNullOrEmpty([department])", {}),  # doc example 1
        ("IgnoreFlowIfNullOrEmpty([department])", {"department": ""}),
        ("IgnoreFlowIfNullOrEmpty([proxyAddresses])", {"proxyAddresses": []}),
        (
            'IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof.", "3445", "Prof. Dr."))',
            {"prefix": "9999"},
        ),  # doc example 2
    ],
)
def test_ignore_flow(text: str, attributes: dict[str, Any]) -> None:
    with pytest.raises(IgnoreFlow):
        run(text, attributes)


def test_ignore_flow_passes_values_through() -> None:
    assert run("IgnoreFlowIfNullOrEmpty([department])", {"department": "Sales"}) == "Sales"
    assert (
        run(
            'IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof.", "3445", "Prof. Dr."))',
            {"prefix": "3444"},
        )
        == "Prof."
    )


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ('IIF([country]="USA",[country],[department])', {"country": "USA", "department": "D"}, "USA"),  # doc
        ('IIF([country]="USA",[country],[department])', {"country": "FR", "department": "D"}, "D"),  # doc
        ('IIF([country]="USA",IIF([state]="CA","True","False"),"False")', {"country": "USA", "state": "CA"}, "True"),
        ('IIF([country]="USA",IIF([state]="CA","True","False"),"False")', {"country": "USA", "state": "NY"}, "False"),
        ('IIF([country]="USA","True",IIF([state]="CA","True","False"))', {"country": "FR", "state": "CA"}, "True"),
        ('IIF([n] > 5, "big", "small")', {"n": 10}, "big"),
        ('IIF([n] >= "10", "big", "small")', {"n": 10}, "big"),
        ('IIF([n] < 5, "lt", "ge")', {"n": "3"}, "lt"),
        ('IIF([a] <> "x", "ne", "eq")', {"a": "X"}, "ne"),  # case-sensitive
        ('IIF([flag] = "True", "on", "off")', {"flag": True}, "on"),
        ('IIF([flag], "on", "off")', {"flag": False}, "off"),
        ('IIF(IsPresent([country]), "yes", "no")', {"country": "FR"}, "yes"),
        ('IIF("b" > "a", 1, 2)', {}, 1),
        ('IIF([country]="USA", "yes", Mid([country], 0, 1))', {"country": "USA"}, "yes"),  # other branch not evaluated
    ],
)
def test_iif(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


@pytest.mark.parametrize(
    "text",
    [
        'IIF([country]="","Other",[country])',  # doc: unsupported
        'IIF(IsNullOrEmpty([country]),"Other",[country])',  # doc: unsupported
        'IIF(IsPresent([country]),[country],"Other")',  # doc: unsupported
    ],
)
def test_iif_condition_on_null_fails_as_in_entra(text: str) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        run(text, {"country": None})
    assert caught.value.function == "IIF"
    assert "[country], which is null or empty" in caught.value.reason
    assert caught.value.fix == 'Test for empty values with Switch, e.g. Switch([country], [country], "", "Other").'


def test_iif_null_failure_can_be_switched_off() -> None:
    assert run('IIF(IsPresent([country]),[country],"Other")', {}, iif_null_condition_fails=False) == "Other"


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ("IsNull([displayName])", {}, True),  # doc
        ("IsNull([displayName])", {"displayName": ""}, False),
        ("IsNullOrEmpty([displayName])", {}, True),  # doc
        ("IsNullOrEmpty([displayName])", {"displayName": ""}, True),  # doc
        ("IsNullOrEmpty([displayName])", {"displayName": "x"}, False),
        ("IsPresent([displayName])", {"displayName": "x"}, True),
        ("IsPresent([displayName])", {"displayName": ""}, False),
        ("IsPresent([displayName])", {}, False),
        ("IsPresent([flag])", {"flag": False}, True),
        ("IsString([displayName])", {"displayName": "x"}, True),
        ("IsString([n])", {"n": 5}, False),
        ("IsString([missing])", {}, False),
        ("IsString([flag])", {"flag": True}, True),
    ],
)
def test_null_tests(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, False),
        (False, True),
        ("True", False),
        ("true", False),
        ("False", True),
        ("yes", True),  # doc: anything but True → True
        (None, True),
    ],
)
def test_not(value: object, expected: bool) -> None:
    assert run("Not([IsSoftDeleted])", {"IsSoftDeleted": value}) is expected


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        (
            'Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", "SA", '
            '"Australia/Adelaide")',
            {"state": "QLD"},
            "Australia/Brisbane",
        ),  # doc
        (
            'Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", "SA", '
            '"Australia/Adelaide")',
            {"state": "WA"},
            "Australia/Sydney",
        ),  # doc: default
        ('Switch([state], "d", "qld", "x")', {"state": "QLD"}, "d"),  # case-sensitive
        ('Switch(ToLower([statusFlag]), "0", "true", "1", "false", "0")', {"statusFlag": "TRUE"}, "1"),  # doc
        ('Switch([statusFlag], "Default Value", "true", "1", "", "0")', {}, "0"),  # doc: empty key matches null
        ('Switch([statusFlag], "Default Value", "true", "1", "", "0")', {"statusFlag": ""}, "0"),
        ('Switch([country],[country],"","Other")', {}, "Other"),  # doc workaround
        ('Switch([country],[country],"","Other")', {"country": "FR"}, "FR"),
        ('Switch([Active], , "1", "True", "0", "False")', {"Active": "7"}, None),  # empty default → null
        ('Switch(IsPresent([jobTitle]), "DefaultValue", "True", [jobTitle])', {"jobTitle": "CEO"}, "CEO"),  # doc
        ('Switch(IsPresent([jobTitle]), "DefaultValue", "True", [jobTitle])', {}, "DefaultValue"),  # doc
        ('Switch([n], "d", 1, "one", 2, "two")', {"n": 2}, "two"),
        ('Switch([a], "d", "x", "hit", "x", Mid([a], 0, 1))', {"a": "x"}, "hit"),  # later values not evaluated
    ],
)
def test_switch(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


def test_documented_date_switch_example() -> None:
    text = (
        'Switch([Active], , \n  "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"), '
        '\n  "0", "False")'
    )
    # Now() is 2021-07-02 in the tests.
    assert run(text, {"Active": "1", "StatusHireDate": "2021-07-20"}) == "False"
    assert run(text, {"Active": "1", "StatusHireDate": "2021-07-04"}) == "True"
    assert run(text, {"Active": "0", "StatusHireDate": "2021-07-04"}) == "False"


def test_switch_refuses_a_multi_valued_source() -> None:
    with pytest.raises(ExpressionEvaluationError, match="Switch: source expects a single value"):
        run('Switch([p], "d", "a", "b")', {"p": ["a", "b"]})
