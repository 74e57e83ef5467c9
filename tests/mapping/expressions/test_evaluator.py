"""Evaluator: attribute lookup and null handling, comparisons, the context, text forms of values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sfprov.mapping.expressions import (
    EvalContext,
    ExpressionEvaluationError,
    FunctionCall,
    as_text,
    evaluate,
    parse,
)
from sfprov.model import SourceUser

from .conftest import run


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("x", "x"),
        (True, True),
        (7, 7),
        ([], None),  # an empty multi-valued attribute is absent
        (("a", "b"), ["a", "b"]),
        (["a", None, 3], ["a", "3"]),
        (object, str(object)),
    ],
)
def test_attribute_values_are_normalized(raw: object, expected: object) -> None:
    assert run("[a]", {"a": raw}) == expected


def test_context_for_user_reads_source_user_values() -> None:
    user = SourceUser(id="id-1", attributes={"userPrincipalName": "u@x", "accountEnabled": False})
    ctx = EvalContext.for_user(user)
    assert evaluate(parse("[objectId]"), ctx) == "id-1"
    assert evaluate(parse("[UserPrincipalName]"), ctx) == "u@x"  # SourceUser matches names case-insensitively
    assert evaluate(parse("Not([IsSoftDeleted])"), ctx) is False


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ('[a] = "x"', {"a": "x"}, True),
        ('[a] = "X"', {"a": "x"}, False),
        ('[a] <> "x"', {}, True),
        ('[a] = ""', {}, True),
        ("[n] > 5", {"n": 10}, True),
        ('[n] > "5"', {"n": 10}, True),
        ('"10" > "5"', {}, False),  # two texts compare as text
        ("[n] = 10", {"n": "10.0"}, True),
        ("[n] >= 10.5", {"n": 10}, False),
        ('[b] = "true"', {"b": True}, True),
        ('[b] <> "False"', {"b": False}, False),
        ('CDate("2021-01-02") > CDate("2021-01-01")', {}, True),
        ('CDate("2021-01-02") = "1/2/2021 12:00:00 AM"', {}, True),
        ('CDate("2021-01-02") <= "2021-01-01T23:00:00-02:00"', {}, True),
        ('"b" < "a"', {}, False),
    ],
)
def test_comparisons(text: str, attributes: dict[str, Any], expected: bool) -> None:
    assert run(text, attributes) is expected


@pytest.mark.parametrize(
    ("text", "attributes"),
    [
        ('[p] = "x"', {"p": ["x", "y"]}),
        ('Now() > "whenever"', {}),
    ],
)
def test_comparison_errors(text: str, attributes: dict[str, Any]) -> None:
    with pytest.raises(ExpressionEvaluationError, match="cannot compare the two sides"):
        run(text, attributes)


def test_unknown_function_in_a_hand_built_tree() -> None:
    with pytest.raises(ExpressionEvaluationError, match="Nope: unknown function"):
        evaluate(FunctionCall("Nope"), EvalContext(attribute=lambda name: None))


def test_evaluate_refuses_foreign_objects() -> None:
    with pytest.raises(TypeError):
        evaluate("[a]", EvalContext(attribute=lambda name: None))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("x", "x"),
        (True, "True"),
        (False, "False"),
        (5, "5"),
        (2.0, "2"),
        (0.5, "0.5"),
        (1e20, "1E+20"),
        (datetime(2021, 7, 2, 0, 5, 9, tzinfo=UTC), "7/2/2021 12:05:09 AM"),
        (["a", "b"], ["a", "b"]),
    ],
)
def test_as_text_gives_entras_text_forms(value: Any, expected: object) -> None:
    assert as_text(value) == expected


def test_evaluation_error_points_at_the_call() -> None:
    text = 'Append("x", Mid([a], 0, 1))'
    with pytest.raises(ExpressionEvaluationError) as caught:
        evaluate(parse(text), EvalContext(attribute={"a": "abc"}.get))
    assert caught.value.position == text.index("Mid")
    assert caught.value.function == "Mid"
