"""Conversions and generators: BitAnd, CStr, Guid, RandomString, Redact.

Semantics from functions-for-customizing-application-data.md.
"""

from __future__ import annotations

from sfprov.mapping.expressions.errors import ExpressionEvaluationError
from sfprov.mapping.expressions.functions.coerce import int_arg, required_int, text_arg
from sfprov.mapping.expressions.functions.spec import Args, FunctionSpec, Value

RANDOM_STRING_MAX_LENGTH = 256
"""RandomString: "256 characters max"."""

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
SPECIAL = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/"
"""The non-alphanumeric characters of Windows' password complexity rule, which the RandomString section links."""


def bit_and(a: Args) -> Value:
    """Bitwise AND of two integers: ``BitAnd(&HF, &HF7)`` = 7."""
    first = int_arg(a, 0, "value1")
    second = int_arg(a, 1, "value2")
    if first is None or second is None:
        return None
    return first & second


def cstr(a: Args) -> Value:
    """The value as text (numbers, booleans as "True"/"False", dates as M/d/yyyy h:mm:ss tt); null stays null."""
    return text_arg(a, 0, "value")


def guid(a: Args) -> Value:
    """A new random GUID (``EvalContext.new_guid``)."""
    return a.ctx.new_guid()


def random_string(a: Args) -> Value:
    """``RandomString(Length, MinimumNumbers, MinimumSpecialCharacters, MinimumCapital, MinimumLowerCase,
    CharactersToAvoid)``: a random text meeting the minimums, at most 256 characters, from a cryptographic
    generator (``EvalContext.rng``) since it is typically an initial password."""
    length = required_int(a, 0, "Length")
    minimums = [
        required_int(a, 1, "MinimumNumbers"),
        required_int(a, 2, "MinimumSpecialCharacters"),
        required_int(a, 3, "MinimumCapital"),
        required_int(a, 4, "MinimumLowerCase"),
    ]
    avoid = set(text_arg(a, 5, "CharactersToAvoid") or "")
    if not 1 <= length <= RANDOM_STRING_MAX_LENGTH:
        raise a.fail(f"Length must be between 1 and {RANDOM_STRING_MAX_LENGTH}, got {length}")
    if any(m < 0 for m in minimums):
        raise a.fail("the minimums must not be negative")
    if sum(minimums) > length:
        raise a.fail(f"the minimums add up to {sum(minimums)}, more than Length {length}")
    pools = ["".join(ch for ch in pool if ch not in avoid) for pool in (DIGITS, SPECIAL, UPPER, LOWER)]
    for pool, minimum, name in zip(
        pools, minimums, ("numbers", "special characters", "capitals", "lower case"), strict=True
    ):
        if minimum and not pool:
            raise a.fail(f"CharactersToAvoid excludes every candidate for the minimum of {name}")
    everything = "".join(pools)
    if not everything:
        raise a.fail("CharactersToAvoid excludes every character")
    rng = a.ctx.rng
    chosen = [rng.choice(pool) for pool, minimum in zip(pools, minimums, strict=True) for _ in range(minimum)]
    chosen += [rng.choice(everything) for _ in range(length - len(chosen))]
    rng.shuffle(chosen)
    return "".join(chosen)


def redact(a: Args) -> Value:
    """The value unchanged; the mapping layer shows "[Redact]" instead of it in logs (see ``is_redacted``).

    A failure inside is reported without its details: they may quote the value that is meant to stay hidden.
    """
    try:
        return a.value(0)
    except ExpressionEvaluationError as exc:
        raise a.fail(f"the redacted value could not be computed ({exc.function or 'evaluation'} failed)") from None


SPECS = (
    FunctionSpec("BitAnd", ("value1", "value2"), bit_and, summary="bitwise AND"),
    FunctionSpec("CStr", ("value",), cstr, summary="value as text"),
    FunctionSpec("Guid", (), guid, summary="new random GUID"),
    FunctionSpec(
        "RandomString",
        (
            "Length",
            "MinimumNumbers",
            "MinimumSpecialCharacters",
            "MinimumCapital",
            "MinimumLowerCase",
            "CharactersToAvoid",
        ),
        random_string,
        optional=frozenset({5}),
        summary="random text meeting minimums",
    ),
    FunctionSpec("Redact", ("value",), redact, summary="value, shown as [Redact] in logs"),
)
