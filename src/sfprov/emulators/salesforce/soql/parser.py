"""SOQL text -> syntax tree (no schema yet), so that syntax errors win over name errors as in Salesforce.

The subset is what provisioning and its reports send (SOQL and SOSL Reference: SELECT, "Condition Expression
Syntax", "Comparison Operators", "Date Formats and Date Literals", ORDER BY, LIMIT, OFFSET, COUNT())::

    SELECT (COUNT() | item {, item}) FROM sobject
      [WHERE condition] [ORDER BY path [ASC|DESC] [NULLS FIRST|LAST] {, ...}] [LIMIT n] [OFFSET n]

    item       := path | '(' SELECT path {, path} FROM childRelationship [WHERE ...] [ORDER BY ...] [LIMIT n] ')'

    condition  := unary {AND unary} | unary {OR unary}     -- mixing AND and OR needs parentheses, as in SOQL
    unary      := NOT unary | '(' condition ')' | path op literal | path [NOT] IN '(' literal {, literal} ')'
    op         := = != <> < <= > >= LIKE
    literal    := 'string' | number | date | datetime | TRUE | FALSE | NULL | TODAY ... | LAST_N_DAYS:n ...

Syntax errors are ``unexpected token: 'X'`` at the offending token, with the Summer '24 forms ``'SELECT FROM'`` and
``'<field> IN ()'`` (release notes, "SOQL: changed error messages"); a ``:name`` bind variable gives ``Bind
variables only allowed in Apex code``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sfprov.emulators.salesforce.soql import errors as e
from sfprov.emulators.salesforce.soql.lexer import Kind, Token, tokenize

RESERVED = frozenset({"SELECT", "FROM", "WHERE", "ORDER", "BY", "LIMIT", "OFFSET", "AND", "OR", "NOT", "IN", "LIKE",
                      "ASC", "DESC", "NULLS", "NULL", "TRUE", "FALSE", "GROUP", "HAVING", "WITH", "USING"})  # fmt: skip
RELATIVE_SIMPLE = frozenset({
    "TODAY", "YESTERDAY", "TOMORROW", "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_WEEK", "LAST_WEEK", "NEXT_WEEK",
    "THIS_MONTH", "LAST_MONTH", "NEXT_MONTH", "THIS_QUARTER", "LAST_QUARTER", "NEXT_QUARTER", "THIS_YEAR", "LAST_YEAR",
    "NEXT_YEAR",
})  # fmt: skip
RELATIVE_N = frozenset({
    "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS", "N_WEEKS_AGO", "LAST_N_MONTHS",
    "NEXT_N_MONTHS", "N_MONTHS_AGO", "LAST_N_QUARTERS", "NEXT_N_QUARTERS", "N_QUARTERS_AGO", "LAST_N_YEARS",
    "NEXT_N_YEARS", "N_YEARS_AGO",
})  # fmt: skip
"""Date literals understood: the calendar ones of the SOQL reference (the fiscal-period ones are not modelled)."""


@dataclass(frozen=True)
class RawLiteral:
    token: Token
    n: Token | None = None
    """The number of a ``LAST_N_DAYS:n`` style literal."""


@dataclass(frozen=True)
class RawComparison:
    path: Token
    op_token: Token
    op: str
    values: tuple[RawLiteral, ...]


@dataclass(frozen=True)
class RawAnd:
    parts: tuple[RawCondition, ...]


@dataclass(frozen=True)
class RawOr:
    parts: tuple[RawCondition, ...]


@dataclass(frozen=True)
class RawNot:
    part: RawCondition


RawCondition = RawComparison | RawAnd | RawOr | RawNot


@dataclass(frozen=True)
class RawOrder:
    path: Token
    descending: bool
    nulls_last: bool


@dataclass(frozen=True)
class RawSubquery:
    """``(SELECT fields FROM ChildRelationship [WHERE ...] [ORDER BY ...] [LIMIT n])`` in a select list."""

    open_paren: Token
    fields: tuple[Token, ...]
    relationship: Token
    where: RawCondition | None
    order_by: tuple[RawOrder, ...]
    limit: int | None


@dataclass(frozen=True)
class RawQuery:
    text: str
    count_only: bool
    fields: tuple[Token | RawSubquery, ...]
    sobject: Token
    where: RawCondition | None
    order_by: tuple[RawOrder, ...]
    limit: int | None
    offset: int | None


def parse_syntax(text: str) -> RawQuery:
    """Parse ``text`` into a :class:`RawQuery`; raises :class:`~.errors.SoqlError` for syntax errors."""
    if not text.strip():
        raise e.SoqlError(e.MALFORMED_QUERY, "SOQL statements cannot be empty or null")
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        if token.kind is not Kind.EOF:
            self.i += 1
        return token

    def unexpected(self, token: Token | None = None, shown: str | None = None) -> e.SoqlError:
        token = token or self.tok
        if token.kind is Kind.COLON:
            return e.positioned(e.MALFORMED_QUERY, self.text, token.offset, "Bind variables only allowed in Apex code")
        return e.positioned(e.MALFORMED_QUERY, self.text, token.offset, f"unexpected token: '{shown or token.text}'")

    def keyword(self, *words: str) -> Token:
        if not self.tok.is_keyword(*words):
            raise self.unexpected()
        return self.advance()

    def expect(self, kind: Kind) -> Token:
        if self.tok.kind is not kind:
            raise self.unexpected()
        return self.advance()

    def name(self) -> Token:
        """An identifier that is not a reserved word (a field path or an sObject name)."""
        if self.tok.kind is not Kind.IDENT or self.tok.text.upper() in RESERVED:
            raise self.unexpected()
        return self.advance()

    def number(self) -> int:
        token = self.tok
        if token.kind is not Kind.NUMBER or not token.text.isdigit():
            raise self.unexpected()
        self.advance()
        return int(token.text)

    # --- clauses ----------------------------------------------------------------------------------------------------

    def query(self) -> RawQuery:
        select = self.keyword("SELECT")
        if self.tok.is_keyword("FROM"):
            raise self.unexpected(shown=f"{select.text} {self.tok.text}")
        count_only = False
        fields: list[Token | RawSubquery] = []
        if self.tok.is_keyword("COUNT") and self.tokens[self.i + 1].kind is Kind.LPAREN:
            self.advance()
            self.advance()
            self.expect(Kind.RPAREN)
            count_only = True
        else:
            fields.append(self.select_item())
            while self.tok.kind is Kind.COMMA:
                self.advance()
                fields.append(self.select_item())
        self.keyword("FROM")
        obj = self.name()
        where = self.where_clause()
        order = self.order_clause()
        limit = offset = None
        if self.tok.is_keyword("LIMIT"):
            self.advance()
            limit = self.number()
        if self.tok.is_keyword("OFFSET"):
            self.advance()
            offset = self.number()
        if self.tok.kind is not Kind.EOF:
            raise self.unexpected()
        return RawQuery(self.text, count_only, tuple(fields), obj, where, order, limit, offset)

    def select_item(self) -> Token | RawSubquery:
        if self.tok.kind is Kind.LPAREN and self.tokens[self.i + 1].is_keyword("SELECT"):
            return self.subquery()
        return self.name()

    def subquery(self) -> RawSubquery:
        """A parent-to-child sub-query (SOQL reference, "Relationship Queries"); no COUNT(), OFFSET or nesting."""
        open_paren = self.expect(Kind.LPAREN)
        self.keyword("SELECT")
        if self.tok.is_keyword("FROM"):
            raise self.unexpected(shown=f"SELECT {self.tok.text}")
        fields = [self.name()]
        while self.tok.kind is Kind.COMMA:
            self.advance()
            fields.append(self.name())
        self.keyword("FROM")
        relationship = self.name()
        where = self.where_clause()
        order = self.order_clause()
        limit = None
        if self.tok.is_keyword("LIMIT"):
            self.advance()
            limit = self.number()
        self.expect(Kind.RPAREN)
        return RawSubquery(open_paren, tuple(fields), relationship, where, order, limit)

    def where_clause(self) -> RawCondition | None:
        if not self.tok.is_keyword("WHERE"):
            return None
        self.advance()
        return self.condition()

    def order_clause(self) -> tuple[RawOrder, ...]:
        if not self.tok.is_keyword("ORDER"):
            return ()
        self.advance()
        self.keyword("BY")
        order = [self.order_item()]
        while self.tok.kind is Kind.COMMA:
            self.advance()
            order.append(self.order_item())
        return tuple(order)

    def order_item(self) -> RawOrder:
        path = self.name()
        descending = False
        if self.tok.is_keyword("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_last = False
        if self.tok.is_keyword("NULLS"):
            self.advance()
            nulls_last = self.keyword("FIRST", "LAST").text.upper() == "LAST"
        return RawOrder(path, descending, nulls_last)

    # --- conditions -------------------------------------------------------------------------------------------------

    def condition(self) -> RawCondition:
        first = self.unary()
        if not self.tok.is_keyword("AND", "OR"):
            return first
        connector = self.tok.text.upper()
        parts = [first]
        while self.tok.is_keyword("AND", "OR"):
            if self.tok.text.upper() != connector:
                raise self.unexpected()
            self.advance()
            parts.append(self.unary())
        return RawAnd(tuple(parts)) if connector == "AND" else RawOr(tuple(parts))

    def unary(self) -> RawCondition:
        if self.tok.is_keyword("NOT"):
            self.advance()
            return RawNot(self.unary())
        if self.tok.kind is Kind.LPAREN:
            self.advance()
            inner = self.condition()
            self.expect(Kind.RPAREN)
            return inner
        return self.comparison()

    def comparison(self) -> RawComparison:
        path = self.name()
        op_token = self.tok
        if op_token.is_keyword("NOT"):
            self.advance()
            self.keyword("IN")
            return RawComparison(path, op_token, "NOT IN", self.in_list(path, "NOT IN"))
        if op_token.is_keyword("IN"):
            self.advance()
            return RawComparison(path, op_token, "IN", self.in_list(path, "IN"))
        if op_token.is_keyword("LIKE"):
            self.advance()
            if self.tok.kind is not Kind.STRING:
                raise self.unexpected()
            return RawComparison(path, op_token, "LIKE", (RawLiteral(self.advance()),))
        if op_token.kind is not Kind.OP:
            raise self.unexpected()
        self.advance()
        op = "!=" if op_token.text == "<>" else op_token.text
        return RawComparison(path, op_token, op, (self.literal(),))

    def in_list(self, path: Token, op: str) -> tuple[RawLiteral, ...]:
        self.expect(Kind.LPAREN)
        if self.tok.kind is Kind.RPAREN:
            raise self.unexpected(shown=f"{path.text} {op} ()")
        values = [self.literal()]
        while self.tok.kind is Kind.COMMA:
            self.advance()
            values.append(self.literal())
        self.expect(Kind.RPAREN)
        return tuple(values)

    def literal(self) -> RawLiteral:
        token = self.tok
        if token.kind in (Kind.STRING, Kind.NUMBER, Kind.DATE, Kind.DATETIME):
            return RawLiteral(self.advance())
        name = token.text.upper()
        if token.kind is Kind.IDENT and (name in ("TRUE", "FALSE", "NULL") or name in RELATIVE_SIMPLE):
            return RawLiteral(self.advance())
        if token.kind is Kind.IDENT and name in RELATIVE_N:
            self.advance()
            self.expect(Kind.COLON)
            n = self.tok
            self.number()
            return RawLiteral(token, n)
        raise self.unexpected()
