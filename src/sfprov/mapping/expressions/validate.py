"""Checks beyond syntax: what Entra refuses or what cannot work outside Entra, found before any user is evaluated.

``parse`` already refuses unknown functions and wrong argument counts. ``validate`` adds: functions sfprov refuses
(with the reason — SelectUniqueValue, AppRoleAssignmentsComplex, AssertiveAppRoleAssignmentsComplex), role functions
whose argument is not ``[appRoleAssignments]``, Replace argument combinations outside the documented five, and
constant arguments that can never work (an unknown DateAdd interval, an invalid regex or date format, a culture
that is not an RFC 4646 name, ``Item`` index 0, compare-type words outside InStr).
"""

from __future__ import annotations

from sfprov.mapping.expressions.ast import (
    AttributeRef,
    EmptyArgument,
    Expression,
    FunctionCall,
    Identifier,
    NumberLiteral,
    StringLiteral,
)
from sfprov.mapping.expressions.dotnet_datetime import DateFormatError, parse_styles, split_format
from sfprov.mapping.expressions.dotnet_regex import RegexError, compile_pattern
from sfprov.mapping.expressions.errors import ExpressionError
from sfprov.mapping.expressions.functions import FUNCTIONS
from sfprov.mapping.expressions.functions.dates import INTERVALS
from sfprov.mapping.expressions.functions.replace import GROUP, PATTERN, mode_of
from sfprov.mapping.expressions.functions.roles import APP_ROLE_ASSIGNMENTS
from sfprov.mapping.expressions.functions.strings import CULTURE_PATTERN
from sfprov.mapping.expressions.parser import parse

_ROLE_FUNCTIONS = ("SingleAppRoleAssignment", "AppRoleAssignmentsComplex", "AssertiveAppRoleAssignmentsComplex")
_CULTURE_FUNCTIONS = ("ToLower", "ToUpper")


def validate(expr: Expression, text: str | None = None) -> Expression:
    """Raise :class:`ExpressionError` for the first problem found (``text``, when given, positions the caret)."""
    for node in expr.walk():
        if isinstance(node, FunctionCall):
            _check_call(node, text)
    _check_words(expr, None, text)
    return expr


def compile_expression(text: str) -> Expression:
    """``parse`` then ``validate``: what a configuration loader should call."""
    return validate(parse(text), text)


def is_redacted(expr: Expression) -> bool:
    """True when the expression uses ``Redact``: its value must appear as "[Redact]" in logs."""
    return "Redact" in expr.functions()


def _fail(reason: str, node: Expression, text: str | None, fix: str | None = None) -> ExpressionError:
    return ExpressionError(reason, node.start if text is not None else None, text, fix=fix)


def _literal(node: Expression) -> str | None:
    if isinstance(node, StringLiteral):
        return node.value
    return None


def _check_call(node: FunctionCall, text: str | None) -> None:
    spec = FUNCTIONS[node.name]
    if spec.refused:
        raise _fail(f"{node.name} is not supported by sfprov: {spec.refused}", node, text)
    if node.name in _ROLE_FUNCTIONS and node.args != (AttributeRef(APP_ROLE_ASSIGNMENTS),):
        raise _fail(f"{node.name} takes exactly [{APP_ROLE_ASSIGNMENTS}]", node, text)
    if node.name == "Replace":
        mode = mode_of(tuple(not isinstance(arg, EmptyArgument) for arg in node.args))
        if isinstance(mode, str):
            raise _fail(f"Replace: {mode}", node, text, fix='e.g. Replace([mail], "@contoso.com", , , "", , )')
        _check_regex(node, text)
    if node.name in ("DateAdd", "DateDiff"):
        interval = _literal(node.args[0])
        if interval is not None and interval.lower() not in INTERVALS:
            raise _fail(f"{node.name}: unknown interval {interval!r}; use one of {', '.join(INTERVALS)}", node, text)
    if node.name == "FormatDateTime":
        _check_formats(node, text)
    if node.name in _CULTURE_FUNCTIONS and len(node.args) > 1:
        culture = _literal(node.args[1])
        if culture and not CULTURE_PATTERN.fullmatch(culture):
            raise _fail(f"{node.name}: culture {culture!r} is not an RFC 4646 name such as en-US", node, text)
    if node.name == "Item" and isinstance(node.args[1], NumberLiteral) and node.args[1].value < 1:
        raise _fail("Item: the index is 1-based; index 0 must not be used", node, text)


def _check_regex(node: FunctionCall, text: str | None) -> None:
    pattern = _literal(node.args[PATTERN])
    if pattern is None:
        return
    try:
        regex = compile_pattern(pattern)
    except RegexError as exc:
        raise _fail(f"Replace: regexPattern: {exc}", node.args[PATTERN], text) from None
    group = _literal(node.args[GROUP])
    if group is not None and group not in regex.groupindex:
        raise _fail(f"Replace: regexGroupName {group!r} is not a named group of the pattern", node.args[GROUP], text)


def _check_formats(node: FunctionCall, text: str | None) -> None:
    styles = _literal(node.args[1])
    try:
        if styles is not None:
            parse_styles(styles)
        for index in (2, 3):
            fmt = _literal(node.args[index])
            if fmt is not None:
                split_format(fmt)
    except DateFormatError as exc:
        raise _fail(f"FormatDateTime: {exc}", node, text) from None


def _check_words(node: Expression, parent: tuple[FunctionCall, int] | None, text: str | None) -> None:
    if isinstance(node, Identifier) and (parent is None or parent[0].name != "InStr" or parent[1] != 3):
        raise _fail(f"{node.name} can only be InStr's compareType (its 4th argument)", node, text)
    if isinstance(node, FunctionCall):
        for index, arg in enumerate(node.args):
            _check_words(arg, (node, index), text)
    else:
        for child in node.children():
            _check_words(child, None, text)
