"""Recursive-descent parser: text → :mod:`ast` tree, refusing what Entra would refuse when the mapping is saved.

Grammar (whitespace between tokens is free)::

    expression := operand [ comparison-operator operand ]
    operand    := attribute | string | number | hex | name [ "(" [ argument { "," argument } ] ")" ]
    argument   := expression | <nothing>          (an empty positional argument)

Besides syntax, the parser checks what is structural in Entra's function reference
(functions-for-customizing-application-data.md): the 10,000-character limit (known-issues.md, "Maximum characters
for attribute-mapping expressions"), that every function exists (names are case-sensitive), the number of
arguments, and that only optional parameters are left empty. Whether a function can run outside Entra is
:func:`sfprov.mapping.expressions.validate.validate`'s job.
"""

from __future__ import annotations

import difflib
import math

from sfprov.mapping.expressions.ast import (
    COMPARISON_OPERATORS,
    AttributeRef,
    Comparison,
    ComparisonOperator,
    EmptyArgument,
    Expression,
    FunctionCall,
    Identifier,
    NumberLiteral,
    StringLiteral,
)
from sfprov.mapping.expressions.errors import ExpressionError
from sfprov.mapping.expressions.functions import FUNCTIONS, WORDS
from sfprov.mapping.expressions.lexer import Kind, Token, tokenize

MAX_EXPRESSION_LENGTH = 10_000
"""Entra's limit: "Attribute-mapping expressions can have a maximum of 10,000 characters" (known-issues.md).
Counted like .NET counts string length, in UTF-16 code units."""


MAX_NESTING_DEPTH = 100
"""sfprov's own limit on nested function calls, far above real mappings (which nest a handful of levels) and low
enough that parsing and evaluating stay within Python's recursion limit; Entra documents no depth limit."""


def expression_length(text: str) -> int:
    """Length of ``text`` as .NET sees it (characters outside the BMP count twice)."""
    return len(text.encode("utf-16-le")) // 2


def parse(text: str) -> Expression:
    """Parse one attribute-mapping expression; raises :class:`ExpressionError` with the offending position."""
    length = expression_length(text)
    if length > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"Expression is {length:,} characters long; Entra allows at most {MAX_EXPRESSION_LENGTH:,}",
            MAX_EXPRESSION_LENGTH,
            text,
            fix="Shorten the expression (Entra refuses longer ones when the mapping is saved).",
        )
    if not text.strip():
        raise ExpressionError("Empty expression", 0, text)
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def kind(self) -> Kind:
        """The current token's kind (a method, so that type checkers do not narrow it across ``advance``)."""
        return self.tokens[self.index].kind

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def error(self, reason: str, position: int, fix: str | None = None) -> ExpressionError:
        return ExpressionError(reason, position, self.text, fix=fix)

    def parse(self) -> Expression:
        expr = self.expression()
        token = self.current
        if token.kind is not Kind.END:
            if token.kind is Kind.OPERATOR:
                raise self.error("Comparisons cannot be chained; nest IIF calls instead", token.start)
            raise self.error(f"Unexpected {token.describe()} after the end of the expression", token.start)
        return expr

    def expression(self) -> Expression:
        left = self.operand()
        if self.kind() is not Kind.OPERATOR:
            return left
        op_token = self.advance()
        operator: ComparisonOperator = next(o for o in COMPARISON_OPERATORS if o == op_token.text)
        if self.kind() in (Kind.COMMA, Kind.RPAREN, Kind.END):
            raise self.error(f"Expected a value after '{operator}'", self.current.start)
        right = self.operand()
        if self.kind() is Kind.OPERATOR:
            raise self.error("Comparisons cannot be chained; nest IIF calls instead", self.current.start)
        return Comparison(operator, left, right, span=(left.start, self._end(right, op_token)))

    def _end(self, node: Expression, fallback: Token) -> int:
        span = getattr(node, "span", (fallback.end, fallback.end))
        return int(span[1])

    def operand(self) -> Expression:
        token = self.current
        if token.kind is Kind.ATTRIBUTE:
            self.advance()
            return AttributeRef(token.text, span=(token.start, token.end))
        if token.kind is Kind.STRING:
            self.advance()
            return StringLiteral(token.text, span=(token.start, token.end))
        if token.kind is Kind.NUMBER:
            self.advance()
            return NumberLiteral(self.number(token), span=(token.start, token.end))
        if token.kind is Kind.HEX:
            self.advance()
            if len(token.text.lstrip("0")) > 16:
                raise self.error("Hex number out of range (more than 64 bits)", token.start)
            return NumberLiteral(int(token.text, 16), hex=True, span=(token.start, token.end))
        if token.kind is Kind.NAME:
            self.advance()
            if self.kind() is Kind.LPAREN:
                return self.call(token)
            return self.word(token)
        if token.kind is Kind.END:
            raise self.error('Expected a function, an [attribute] or a "string"', token.start)
        raise self.error(f'Expected a function, an [attribute] or a "string", found {token.describe()}', token.start)

    def number(self, token: Token) -> int | float:
        """A bare number; integers must fit VB's 64-bit Long (AD dates need 18 digits), decimals a double."""
        if "." in token.text:
            value = float(token.text)
            if math.isinf(value):
                raise self.error("Number out of range", token.start)
            return value
        digits = token.text.lstrip("-").lstrip("0")
        if len(digits) > 19 or not -(2**63) <= int(token.text) < 2**63:
            raise self.error("Number out of range (integers are 64-bit)", token.start)
        return int(token.text)

    def word(self, token: Token) -> Expression:
        if token.text in WORDS:
            return Identifier(token.text, span=(token.start, token.end))
        if token.text in FUNCTIONS:
            raise self.error(f"Expected '(' after function name {token.text}", token.end)
        raise self.error(
            f"Unknown name '{token.text}'",
            token.start,
            fix=f'Write attribute names in brackets ([{token.text}]) and text in double quotes ("{token.text}").',
        )

    def call(self, name: Token) -> Expression:
        if self.depth >= MAX_NESTING_DEPTH:
            raise self.error(f"Function calls are nested more than {MAX_NESTING_DEPTH} levels deep", name.start)
        self.depth += 1
        try:
            return self._call(name)
        finally:
            self.depth -= 1

    def _call(self, name: Token) -> Expression:
        self.advance()  # '('
        args: list[Expression] = []
        arg_starts: list[int] = []
        if self.kind() is Kind.RPAREN:
            close = self.advance()
        else:
            while True:
                arg_starts.append(self.current.start)
                if self.kind() is Kind.END:
                    raise self.error(f"Expected ')' to close {name.text}(", self.current.start)
                if self.kind() in (Kind.COMMA, Kind.RPAREN):
                    args.append(EmptyArgument(span=(self.current.start, self.current.start)))
                else:
                    args.append(self.expression())
                if self.kind() is Kind.COMMA:
                    self.advance()
                    continue
                if self.kind() is Kind.RPAREN:
                    close = self.advance()
                    break
                found = self.current
                if found.kind is Kind.END:
                    raise self.error(f"Expected ')' to close {name.text}(", found.start)
                raise self.error(f"Expected ',' or ')' in {name.text}(...), found {found.describe()}", found.start)
        node = FunctionCall(name.text, tuple(args), span=(name.start, close.end))
        self.check_call(node, name, arg_starts, close)
        return node

    def check_call(self, node: FunctionCall, name: Token, starts: list[int], close: Token) -> None:
        spec = FUNCTIONS.get(node.name)
        if spec is None:
            raise self.error(f"Unknown function '{node.name}'", name.start, fix=_suggest(node.name))
        count = len(node.args)
        maximum = spec.maximum
        if count < spec.minimum:
            missing = spec.param_name(count)
            amount = "exactly" if spec.minimum == maximum else "at least"
            raise self.error(
                f"{spec.name} needs {amount} {spec.minimum} argument{'s' if spec.minimum != 1 else ''}, "
                f"got {count} (missing {missing}); signature: {spec.signature()}",
                close.start,
            )
        if maximum is not None and count > maximum:
            raise self.error(
                f"{spec.name} takes at most {maximum} argument{'s' if maximum != 1 else ''}, got {count}; "
                f"signature: {spec.signature()}",
                starts[maximum],
            )
        if spec.even_args and count % 2:
            raise self.error(
                f"{spec.name} needs an even number of arguments (keys and values come in pairs), got {count}; "
                f"signature: {spec.signature()}",
                close.start,
            )
        for position, arg in enumerate(node.args):
            if isinstance(arg, EmptyArgument) and not spec.may_be_empty(position):
                raise self.error(
                    f"Argument {position + 1} ({spec.param_name(position)}) of {spec.name} must not be empty",
                    starts[position],
                )


def _suggest(name: str) -> str:
    for known in FUNCTIONS:
        if known.lower() == name.lower():
            return f"Function names are case-sensitive: write {known}."
    close = difflib.get_close_matches(name, list(FUNCTIONS), n=1)
    if close:
        return f"Did you mean {close[0]}?"
    return "See docs/dev/mapping-expressions.md for the list of functions."
