"""Conditions, null tests and flow control: CBool, Coalesce, IgnoreFlowIfNullOrEmpty, IIF, IsNull, IsNullOrEmpty,
IsPresent, IsString, Not, Switch.

Semantics from functions-for-customizing-application-data.md (each function's section). Branches are evaluated
lazily: only the value that is returned is computed.
"""

from __future__ import annotations

from datetime import datetime

from sfprov.mapping.expressions.ast import Expression
from sfprov.mapping.expressions.errors import IgnoreFlow
from sfprov.mapping.expressions.functions.spec import Args, FunctionSpec, Value
from sfprov.mapping.expressions.values import (
    CoercionError,
    is_null_or_empty,
    is_true,
    text_of,
    to_number,
)


def cbool(a: Args) -> Value:
    """ "If the expression evaluates to a non-zero value, then CBool returns True, else it returns False."
    A boolean or "True"/"False" text counts as itself; anything that is neither true nor a non-zero number
    (null, other text) is False."""
    value = a.value(0)
    if isinstance(value, bool):
        return value
    if is_true(value):
        return True
    try:
        number = to_number(value) if not isinstance(value, list | datetime) else None
    except CoercionError:
        return False
    return number is not None and number != 0


def coalesce(a: Args) -> Value:
    """ "Returns the first source value that isn't NULL"; the last argument doubles as the default value (it is
    returned when everything before it is null, and may be ""). All null → null. An empty string is a value."""
    for index in range(len(a)):
        value = a.value(index)
        if value is not None:
            return value
    return None


def ignore_flow_if_null_or_empty(a: Args) -> Value:
    """Drop the target attribute from the export when the value is null or empty (raises :class:`IgnoreFlow`)."""
    value = a.value(0)
    if is_null_or_empty(value):
        raise IgnoreFlow(a.call.to_source())
    return value


def iif(a: Args) -> Value:
    """``IIF(condition, valueIfTrue, valueIfFalse)``.

    Entra: "If the source attribute used within the IIF function is empty or null, the condition check fails"
    (IIF known limitations) and recommends ``Switch([x], [x], "", "Other")`` instead. sfprov reproduces the failure
    as an evaluation error naming the attribute, unless ``EvalContext.iif_null_condition_fails`` is off, in which
    case the condition is simply evaluated (null compares as empty text).
    """
    if a.ctx.iif_null_condition_fails:
        for name in sorted(_condition_attributes(a.node(0))):
            if is_null_or_empty(a.ctx.lookup(name)):
                raise a.fail(
                    f"the condition reads [{name}], which is null or empty; Entra's IIF fails in that case",
                    fix=f'Test for empty values with Switch, e.g. Switch([{name}], [{name}], "", "Other").',
                )
    return a.value(1) if is_true(a.value(0)) else a.value(2)


def _condition_attributes(node: Expression) -> frozenset[str]:
    return node.references()


def is_null(a: Args) -> Value:
    """True when the value is null ("a Null is expressed by the absence of the attribute")."""
    return a.value(0) is None


def is_null_or_empty_fn(a: Args) -> Value:
    """True when the value is null or an empty string."""
    return is_null_or_empty(a.value(0))


def is_present(a: Args) -> Value:
    """The inverse of IsNullOrEmpty."""
    return not is_null_or_empty(a.value(0))


def is_string(a: Args) -> Value:
    """True when the value is text. Booleans count (Entra carries them as the strings "True"/"False"); numbers,
    dates, multi-valued values and null do not (UNVERIFIED beyond the docs' one-line description)."""
    value = a.value(0)
    return isinstance(value, str | bool)


def not_fn(a: Args) -> Value:
    """ "If source value is True, returns False. Otherwise, returns True." (so Not(null) is True)."""
    return not is_true(a.value(0))


def switch(a: Args) -> Value:
    """``Switch(source, defaultValue, key1, value1, …)``: the value of the first key equal to the source,
    compared as case-sensitive text; a null source matches the key "" (the documented way to test for empty
    values); otherwise defaultValue (null when left empty)."""
    try:
        source = text_of(a.value(0))
    except CoercionError as exc:
        raise a.fail(f"source {exc}") from None
    source = "" if source is None else source
    for index in range(2, len(a), 2):
        try:
            key = text_of(a.value(index))
        except CoercionError as exc:
            raise a.fail(f"key {index // 2} {exc}") from None
        if ("" if key is None else key) == source:
            return a.value(index + 1)
    return a.value(1)


SPECS = (
    FunctionSpec("CBool", ("Expression",), cbool, summary="True when the expression is true or a non-zero number"),
    FunctionSpec("Coalesce", ("source",), coalesce, min_args=1, max_args=None, summary="first non-null argument"),
    FunctionSpec(
        "IgnoreFlowIfNullOrEmpty",
        ("expression",),
        ignore_flow_if_null_or_empty,
        summary="leave the target attribute out when the value is null or empty",
    ),
    FunctionSpec("IIF", ("condition", "valueIfTrue", "valueIfFalse"), iif, summary="conditional value"),
    FunctionSpec("IsNull", ("Expression",), is_null, summary="True when null"),
    FunctionSpec("IsNullOrEmpty", ("Expression",), is_null_or_empty_fn, summary="True when null or empty"),
    FunctionSpec("IsPresent", ("Expression",), is_present, summary="True when neither null nor empty"),
    FunctionSpec("IsString", ("Expression",), is_string, summary="True when the value is text"),
    FunctionSpec("Not", ("source",), not_fn, summary="False when source is True, otherwise True"),
    FunctionSpec(
        "Switch",
        ("source", "defaultValue", "key", "value"),
        switch,
        min_args=4,
        max_args=None,
        optional=frozenset({1}),
        repeat_from=2,
        even_args=True,
        summary="value paired with the first key equal to source, else defaultValue",
    ),
)
