"""The expression tree.

Node kinds follow what Entra's documented expressions contain (functions-for-customizing-application-data.md,
"Syntax overview", plus the forms its own examples use): attribute references ``[name]``, string constants,
function calls, bare numbers (``Mid([upn], 1, 8)``), VB hex numbers (``BitAnd(&HF, &HF7)``), bare enum words
(``vbBinaryCompare``), empty positional arguments (``Replace([x], "-", , , "_", , )``) and comparisons inside
conditions (``IIF([country]="USA", ...)``). There are no boolean literals: Entra passes booleans as the strings
``"True"``/``"False"``.

Nodes are immutable and compare structurally; their ``span`` (offsets into the parsed text) is kept for error
messages but ignored by ``==`` so that ``parse(e.to_source()) == e`` holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Span = tuple[int, int]
ComparisonOperator = Literal["=", "<>", "<", "<=", ">", ">="]
COMPARISON_OPERATORS: tuple[ComparisonOperator, ...] = ("=", "<>", "<", "<=", ">", ">=")


@dataclass(frozen=True, slots=True)
class Expression:
    """Base of every node."""

    def to_source(self) -> str:
        """The canonical text of this expression; parsing it gives back an equal tree."""
        from sfprov.mapping.expressions.printer import to_source

        return to_source(self)

    def children(self) -> tuple[Expression, ...]:
        return ()

    def walk(self) -> Iterator[Expression]:
        """This node and every node below it, depth first, in source order."""
        yield self
        for child in self.children():
            yield from child.walk()

    def references(self) -> frozenset[str]:
        """Names of the source attributes the expression reads (what Graph must ``$select``)."""
        return frozenset(node.name for node in self.walk() if isinstance(node, AttributeRef))

    def functions(self) -> frozenset[str]:
        """Names of the functions the expression calls."""
        return frozenset(node.name for node in self.walk() if isinstance(node, FunctionCall))

    @property
    def start(self) -> int:
        span: Span = getattr(self, "span", (0, 0))
        return span[0]


@dataclass(frozen=True, slots=True)
class AttributeRef(Expression):
    """``[name]``: the value of a source attribute, null when the user has none."""

    name: str
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class StringLiteral(Expression):
    """``"text"`` (``\\"`` and ``\\\\`` escape a quote and a backslash)."""

    value: str
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NumberLiteral(Expression):
    """A bare number: ``8``, ``-10``, ``1.5``, or VB hex ``&HF7`` (``hex=True``, printed back in hex)."""

    value: int | float
    hex: bool = False
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Identifier(Expression):
    """A bare word that is not a function call, e.g. ``vbTextCompare`` (InStr's compare type)."""

    name: str
    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class EmptyArgument(Expression):
    """An omitted positional argument (nothing between two commas); evaluates to null."""

    span: Span = field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Comparison(Expression):
    """``left op right`` with one of ``= <> < <= > >=`` (IIF/CBool conditions); not chainable."""

    operator: ComparisonOperator
    left: Expression
    right: Expression
    span: Span = field(default=(0, 0), compare=False, repr=False)

    def children(self) -> tuple[Expression, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class FunctionCall(Expression):
    """``Name(arg1, ..., argN)``; function names are case-sensitive."""

    name: str
    args: tuple[Expression, ...] = ()
    span: Span = field(default=(0, 0), compare=False, repr=False)

    def children(self) -> tuple[Expression, ...]:
        return self.args
