"""Evaluation of an expression tree for one user.

What an expression reads comes from an :class:`EvalContext`: the user's attributes (``[name]``), app role
assignments (``[appRoleAssignments]``), and the injectable clock, GUID and random sources that make ``Now()``,
``Guid()`` and ``RandomString`` testable. Settings for behaviour the docs leave open (marked UNVERIFIED in the
reference) live here too, with the documented-looking default.
"""

from __future__ import annotations

import operator
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sfprov.mapping.expressions.ast import (
    AttributeRef,
    Comparison,
    EmptyArgument,
    Expression,
    FunctionCall,
    Identifier,
    NumberLiteral,
    StringLiteral,
)
from sfprov.mapping.expressions.dotnet_datetime import DateFormatError, parse_general
from sfprov.mapping.expressions.errors import ExpressionEvaluationError
from sfprov.mapping.expressions.functions import FUNCTIONS
from sfprov.mapping.expressions.functions.roles import APP_ROLE_ASSIGNMENTS, effective_roles, role_name
from sfprov.mapping.expressions.functions.spec import Args, Value
from sfprov.mapping.expressions.values import CoercionError, normalize, text_of, to_number, utc
from sfprov.model import AppRoleAssignment, SourceUser


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_guid() -> str:
    return str(uuid.uuid4())


@dataclass
class EvalContext:
    """Everything an expression may read while it is evaluated for one user."""

    attribute: Callable[[str], Any]
    """``[name]`` lookup, e.g. ``SourceUser.value``; ``None`` for an absent attribute."""
    app_role_assignments: Sequence[AppRoleAssignment] = ()
    now: Callable[[], datetime] = _utc_now
    new_guid: Callable[[], str] = _new_guid
    rng: random.Random = field(default_factory=random.SystemRandom)
    """Source of RandomString's characters (a cryptographic one by default: it makes initial passwords)."""
    iif_null_condition_fails: bool = True
    """Entra: "If the source attribute used within the IIF function is empty or null, the condition check fails"."""
    split_trims: bool = True
    """Split trims each value, as the docs' example output shows (UNVERIFIED)."""
    join_skips_empty: bool = True
    """Join leaves out null and "" sources, as the docs' ``Join(", ", "", [surname], [givenName])`` = "Doe, John"
    implies (UNVERIFIED as a general rule); when off, only nulls are left out."""
    instr_not_found: int | None = 0
    """InStr's result when value2 does not occur in value1: VB's 0 (UNVERIFIED for Entra)."""

    @classmethod
    def for_user(cls, user: SourceUser, **settings: Any) -> EvalContext:
        return cls(attribute=user.value, app_role_assignments=user.app_role_assignments, **settings)

    def lookup(self, name: str) -> Value:
        """The value of ``[name]``: null when absent; ``[appRoleAssignments]`` is the list of role names."""
        if name == APP_ROLE_ASSIGNMENTS:
            return [role_name(role) for role in effective_roles(list(self.app_role_assignments))] or None
        return normalize(self.attribute(name))


def evaluate(expr: Expression, ctx: EvalContext) -> Value:
    """The value of ``expr`` for the user ``ctx`` describes.

    Raises :class:`ExpressionEvaluationError` when a function cannot compute a value, and
    :class:`~sfprov.mapping.expressions.errors.IgnoreFlow` when ``IgnoreFlowIfNullOrEmpty`` drops the attribute.
    """
    if isinstance(expr, AttributeRef):
        return ctx.lookup(expr.name)
    if isinstance(expr, StringLiteral):
        return expr.value
    if isinstance(expr, NumberLiteral):
        return expr.value
    if isinstance(expr, Identifier):
        return expr.name
    if isinstance(expr, EmptyArgument):
        return None
    if isinstance(expr, Comparison):
        return compare(expr, evaluate(expr.left, ctx), evaluate(expr.right, ctx))
    if isinstance(expr, FunctionCall):
        spec = FUNCTIONS.get(expr.name)
        if spec is None:
            raise ExpressionEvaluationError(expr.name, "unknown function", expr.start)
        return spec.impl(Args(expr, ctx, evaluate))
    raise TypeError(f"not an expression node: {expr!r}")


def compare(node: Comparison, left: Value, right: Value) -> bool:
    """``left op right``: as dates when either side is a date, as numbers when either side is a number and the other
    is numeric, as booleans when either side is a boolean, otherwise as case-sensitive text (null reads as "")."""
    try:
        ordered = _comparable(left, right)
    except (CoercionError, DateFormatError) as exc:
        raise ExpressionEvaluationError(
            f"'{node.operator}'", f"cannot compare the two sides: {exc}", node.start
        ) from None
    a, b = ordered
    outcome = {
        "=": operator.eq,
        "<>": operator.ne,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }[node.operator](a, b)
    return bool(outcome)


def _comparable(left: Value, right: Value) -> tuple[Any, Any]:
    if isinstance(left, list) or isinstance(right, list):
        raise CoercionError("a multi-valued value cannot be compared")
    if isinstance(left, datetime) or isinstance(right, datetime):
        return _as_date(left), _as_date(right)
    if isinstance(left, bool) or isinstance(right, bool):
        return _as_bool_text(left), _as_bool_text(right)
    if isinstance(left, int | float) or isinstance(right, int | float):
        try:
            return to_number(left) or 0, to_number(right) or 0
        except CoercionError:
            pass
    return text_of(left) or "", text_of(right) or ""


def _as_date(value: Value) -> datetime:
    if isinstance(value, datetime):
        return utc(value)
    text = text_of(value)
    if text is None:
        raise CoercionError("a date cannot be compared with null")
    return parse_general(text)


def _as_bool_text(value: Value) -> str:
    text = text_of(value) or ""
    return text.lower() if text.lower() in ("true", "false") else text
