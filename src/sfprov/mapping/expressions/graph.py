"""The Graph form of an expression: ``attributeMappingSource`` (synchronization schema JSON).

Graph stores a mapping's source both as text (``expression``) and as a tree of ``{"expression", "name",
"parameters": [{"key", "value"}], "type": "Attribute" | "Constant" | "Function"}`` (microsoft-graph-docs-contrib,
api-reference/beta/resources/synchronization-attributemappingsource.md). Its example ``Mid([userPrincipalName], 1, 8)``
shows that numbers are constants (``"name": "1"``, ``"expression": "\\"1\\""``) and that parameters are keyed by the
function's parameter names. This lets a schema exported from an Entra job be read, and sfprov's mappings be shown
in the same shape. Not documented, hence refused: comparisons (``[a] = "x"``) have no tree form; keys of repeating
parameters (Join's sources) are written with the parameter's name each time (UNVERIFIED).
"""

from __future__ import annotations

from collections.abc import Callable
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
from sfprov.mapping.expressions.errors import ExpressionError
from sfprov.mapping.expressions.functions import FUNCTIONS
from sfprov.mapping.expressions.parser import parse
from sfprov.mapping.expressions.printer import number_text, quote, to_source


def to_graph(expr: Expression) -> dict[str, Any]:
    """``expr`` as a Graph ``attributeMappingSource``."""
    if isinstance(expr, AttributeRef):
        return {"expression": to_source(expr), "name": expr.name, "parameters": [], "type": "Attribute"}
    if isinstance(expr, StringLiteral | NumberLiteral | Identifier):
        name = (
            expr.value
            if isinstance(expr, StringLiteral)
            else (number_text(expr) if isinstance(expr, NumberLiteral) else expr.name)
        )
        return {"expression": quote(name), "name": name, "parameters": [], "type": "Constant"}
    if isinstance(expr, FunctionCall):
        spec = FUNCTIONS[expr.name]
        parameters = [
            {"key": spec.param_name(position), "value": to_graph(arg)}
            for position, arg in enumerate(expr.args)
            if not isinstance(arg, EmptyArgument)
        ]
        return {"expression": to_source(expr), "name": expr.name, "parameters": parameters, "type": "Function"}
    if isinstance(expr, Comparison):
        raise ExpressionError(f"the comparison {to_source(expr)} has no documented Graph parse-tree form")
    raise ExpressionError(f"{type(expr).__name__} has no Graph form")


def from_graph(source: dict[str, Any]) -> Expression:
    """An expression from a Graph ``attributeMappingSource``; its text (``expression``) wins when present, since
    it is what Entra shows and validates; otherwise the tree is read and checked like parsed text."""
    text = source.get("expression")
    if isinstance(text, str) and text.strip():
        return parse(text)
    return parse(to_source(_tree(source, "source")))


def _next_position(param_name: Callable[[int], str], start: int, key: str, width: int) -> int | None:
    """The first argument position from ``start`` whose parameter is called ``key`` (parameters repeat)."""
    for position in range(start, start + width + 1):
        if param_name(position) == key:
            return position
    return None


def _tree(node: Any, where: str) -> Expression:
    if not isinstance(node, dict):
        raise ExpressionError(f"{where}: expected an attributeMappingSource object")
    kind = node.get("type", "Attribute")
    name = node.get("name")
    if not isinstance(name, str):
        raise ExpressionError(f"{where}: 'name' must be text")
    if kind == "Attribute":
        return AttributeRef(name)
    if kind == "Constant":
        return StringLiteral(name)
    if kind != "Function":
        raise ExpressionError(f"{where}: unknown type {kind!r} (Attribute, Constant or Function)")
    spec = FUNCTIONS.get(name)
    if spec is None:
        raise ExpressionError(f"{where}: unknown function {name!r}")
    pairs = node.get("parameters") or []
    if not isinstance(pairs, list):
        raise ExpressionError(f"{where}: 'parameters' must be a list")
    args: list[Expression] = []
    for index, pair in enumerate(pairs):
        if not isinstance(pair, dict) or not isinstance(pair.get("key"), str):
            raise ExpressionError(f"{where}.parameters[{index}]: expected {{'key', 'value'}}")
        value = _tree(pair.get("value"), f"{where}.parameters[{index}]")
        position = _next_position(spec.param_name, len(args), pair["key"], len(spec.params))
        if position is None or (spec.maximum is not None and position >= spec.maximum):
            raise ExpressionError(f"{where}: {name} has no parameter {pair['key']!r} at this place")
        args.extend(EmptyArgument() for _ in range(position - len(args)))  # omitted (empty) parameters
        args.append(value)
    while len(args) < spec.minimum:
        args.append(EmptyArgument())
    return FunctionCall(name, tuple(args))
