"""Functions over multi-valued attributes: Count, Item, Join, RemoveDuplicates, Split.

Semantics from functions-for-customizing-application-data.md. A single value counts as a one-entry list, null as an
empty one.
"""

from __future__ import annotations

from sfprov.mapping.expressions.functions.coerce import required_int, text_arg
from sfprov.mapping.expressions.functions.spec import Args, FunctionSpec, Value
from sfprov.mapping.expressions.values import CoercionError, values_of


def _values(a: Args, index: int) -> list[str]:
    try:
        return values_of(a.value(index))
    except CoercionError as exc:
        raise a.fail(str(exc)) from None


def count(a: Args) -> Value:
    """Number of values of a multi-valued attribute (null → 0)."""
    return len(_values(a, 0))


def item(a: Args) -> Value:
    """The index-th value, 1-based ("Index 0 shouldn't be used"); out of range → null."""
    values = _values(a, 0)
    index = required_int(a, 1, "index")
    if index < 1:
        raise a.fail(f"index is 1-based and must be 1 or more, got {index}")
    return values[index - 1] if index <= len(values) else None


def join(a: Args) -> Value:
    """Sources joined with separator; a multi-valued source contributes every value.

    Null and empty sources are skipped: the docs' example ``Join(", ", "", [surname], [givenName])`` gives
    "Doe, John", not ", Doe, John" (UNVERIFIED as a general rule: ``EvalContext.join_skips_empty`` keeps empty
    strings when off). When every source is null the result is null.
    """
    separator = text_arg(a, 0, "separator") or ""
    parts: list[str] = []
    all_null = True
    for index in range(1, len(a)):
        value = a.value(index)
        if value is not None:
            all_null = False
        parts.extend(part for part in _values(a, index) if part != "" or not a.ctx.join_skips_empty)
    if all_null:
        return None
    return separator.join(parts)


def remove_duplicates(a: Args) -> Value:
    """The values with exact duplicates removed, first occurrence kept."""
    values = _values(a, 0)
    if a.value(0) is None:
        return None
    return list(dict.fromkeys(values))


def split(a: Args) -> Value:
    """Text split on ``delimiter`` into a multi-valued value.

    The docs' example splits "PermissionSetOne, PermissionSetTwo" on "," into "PermissionSetOne" and
    "PermissionSetTwo", so each value is trimmed; ``EvalContext.split_trims`` turns that off (UNVERIFIED).
    """
    source = text_arg(a, 0, "source")
    delimiter = text_arg(a, 1, "delimiter")
    if source is None:
        return None
    parts = source.split(delimiter) if delimiter else [source]
    return [part.strip() for part in parts] if a.ctx.split_trims else parts


SPECS = (
    FunctionSpec("Count", ("attribute",), count, summary="number of values"),
    FunctionSpec("Item", ("attribute", "index"), item, summary="one value, 1-based"),
    FunctionSpec(
        "Join",
        ("separator", "source"),
        join,
        min_args=2,
        max_args=None,
        repeat_from=1,
        summary="sources joined with separator",
    ),
    FunctionSpec("RemoveDuplicates", ("attribute",), remove_duplicates, summary="values without duplicates"),
    FunctionSpec("Split", ("source", "delimiter"), split, summary="text split into several values"),
)
