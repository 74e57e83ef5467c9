"""Canonical text of an expression tree, in the style of Entra's documentation.

``Name(arg1, arg2)`` with ", " between arguments, an empty argument as nothing (``Replace([x], "-", , , "_", , )``),
comparisons with spaces around the operator, strings with ``\\`` and ``"`` escaped by a backslash. Parsing the
result gives back an equal tree (tested with hypothesis).
"""

from __future__ import annotations

from decimal import Decimal

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


def quote(value: str) -> str:
    """A string constant as Entra writes it: backslash and double quote escaped with a backslash."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def number_text(node: NumberLiteral) -> str:
    if node.hex:
        return f"&H{int(node.value):X}"
    if isinstance(node.value, int):
        return str(node.value)
    text = format(Decimal(repr(node.value)), "f")
    return text if "." in text else text + ".0"


def to_source(node: Expression) -> str:
    if isinstance(node, AttributeRef):
        return f"[{node.name}]"
    if isinstance(node, StringLiteral):
        return quote(node.value)
    if isinstance(node, NumberLiteral):
        return number_text(node)
    if isinstance(node, Identifier):
        return node.name
    if isinstance(node, EmptyArgument):
        return ""
    if isinstance(node, Comparison):
        return f"{to_source(node.left)} {node.operator} {to_source(node.right)}"
    if isinstance(node, FunctionCall):
        parts = [to_source(arg) for arg in node.args]
        return f"{node.name}({', '.join(parts)})"
    raise TypeError(f"not an expression node: {node!r}")
