"""BitAnd, CStr, Guid, RandomString, Redact."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime

import pytest

from sfprov.mapping.expressions import ExpressionEvaluationError, compile_expression, evaluate, is_redacted
from sfprov.mapping.expressions.functions.conversion import SPECIAL

from .conftest import FIXED_GUID, make_context, run


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BitAnd(&HF, &HF7)", 7),  # doc
        ("BitAnd(512, [uac])", 512),
        ('BitAnd("6", 3)', 2),
        ("BitAnd([missing], 3)", None),
    ],
)
def test_bit_and(text: str, expected: object) -> None:
    assert run(text, {"uac": 514}) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cn=Joe,dc=contoso,dc=com", "cn=Joe,dc=contoso,dc=com"),  # doc
        (42, "42"),
        (2.5, "2.5"),
        (True, "True"),
        (datetime(2021, 7, 2, 15, 33, 38, tzinfo=UTC), "7/2/2021 3:33:38 PM"),
        (None, None),
    ],
)
def test_cstr(value: object, expected: object) -> None:
    assert run("CStr([dn])", {"dn": value}) == expected


def test_guid_uses_the_injected_source() -> None:
    assert run("Guid()") == FIXED_GUID


def test_guid_default_is_random_uuid4() -> None:
    ctx = make_context()
    ctx.new_guid = type(make_context()).new_guid  # the class default: uuid4
    first = evaluate(compile_expression("Guid()"), ctx)
    assert isinstance(first, str)
    assert len(first) == 36
    assert first[14] == "4"


@pytest.mark.parametrize("seed", range(20))
def test_random_string_meets_its_minimums(seed: int) -> None:
    ctx = make_context()
    ctx.rng = random.Random(seed)
    value = evaluate(compile_expression('RandomString(10,2,2,2,1,"?,")'), ctx)  # doc example 2
    assert isinstance(value, str)
    assert len(value) == 10
    assert sum(ch.isdigit() for ch in value) >= 2
    assert sum(ch in SPECIAL for ch in value) >= 2
    assert sum(ch in string.ascii_uppercase for ch in value) >= 2
    assert sum(ch in string.ascii_lowercase for ch in value) >= 1
    assert "?" not in value
    assert "," not in value


def test_random_string_doc_example_one() -> None:
    value = run("RandomString(6,3,0,0,3)")
    assert isinstance(value, str)
    assert len(value) == 6
    assert sum(ch.isdigit() for ch in value) >= 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("RandomString(257,0,0,0,0)", "RandomString: Length must be between 1 and 256, got 257"),
        ("RandomString(3,2,2,0,0)", "RandomString: the minimums add up to 4, more than Length 3"),
        ('RandomString(3,1,0,0,0,"0123456789")', "RandomString: CharactersToAvoid excludes every candidate"),
    ],
)
def test_random_string_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        run(text)
    assert caught.value.reason.startswith(message)


def test_redact_passes_the_value_and_marks_the_expression() -> None:
    assert run("Redact([userPrincipalName])", {"userPrincipalName": "u@x"}) == "u@x"  # doc example 1
    assert run('Redact("StringToBeRedacted")') == "StringToBeRedacted"  # doc example 2
    assert is_redacted(compile_expression("Redact(RandomString(6,3,0,0,3))"))  # doc example 3
    assert is_redacted(compile_expression('Join("", "x", Redact([secret]))'))
    assert not is_redacted(compile_expression("[userPrincipalName]"))


def test_redact_hides_the_details_of_a_failure_inside() -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        run('Redact(Mid([secret], "s3cr3t", 1))', {"secret": "value"})
    assert caught.value.reason == "Redact: the redacted value could not be computed (Mid failed)"
    assert "s3cr3t" not in str(caught.value)
