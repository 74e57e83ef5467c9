"""Argument access with Entra's types, turning a wrong type into an evaluation error that names the parameter."""

from __future__ import annotations

from sfprov.mapping.expressions.functions.spec import Args
from sfprov.mapping.expressions.values import CoercionError, text_of, to_int


def text_arg(a: Args, index: int, param: str) -> str | None:
    """Argument ``index`` as text (null stays null)."""
    try:
        return text_of(a.value(index))
    except CoercionError as exc:
        raise a.fail(f"{param} {exc}") from None


def int_arg(a: Args, index: int, param: str) -> int | None:
    """Argument ``index`` as an integer (null stays null)."""
    try:
        return to_int(a.value(index))
    except CoercionError as exc:
        raise a.fail(f"{param} {exc}") from None


def required_int(a: Args, index: int, param: str) -> int:
    number = int_arg(a, index, param)
    if number is None:
        raise a.fail(f"{param} is null; a number is required")
    return number
