"""Attribute-based scoping filters, evaluated as Entra evaluates them.

Reference ``entra-provisioning-service.md`` §4 and Microsoft's page "Scoping users or groups to be provisioned with
scoping filters": clauses inside one filter are AND-ed, filters are OR-ed, no filter means in scope; ``EQUALS``,
``NOT EQUALS``, ``Includes``, ``ENDS_WITH`` and the regular expressions are case-sensitive; ``Greater_Than`` and
``Greater_Than_OR_EQUALS`` compare integers; and "scoping filters will return false if the value is null / empty"
— for every operator, ``NOT EQUALS``, ``!&`` and ``NOT REGEX MATCH`` included, except ``IS NULL`` (true exactly
then) and ``IS NOT NULL``. Multi-valued attributes cannot be filtered on (the clause is false).

``&`` is documented as "returns true if the evaluated attribute exists in the input string value": the attribute's
value occurs in the clause's value (``department & "Sales,Marketing"``). It is not a bitwise AND; nothing on the
page says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sfprov.mapping import attributes
from sfprov.mapping.config import ScopingClause, ScopingConfig, ScopingFilter
from sfprov.mapping.scoping_operators import ScopingOperator, compile_regex
from sfprov.model import SourceUser

Op = ScopingOperator


@dataclass(frozen=True, slots=True)
class ClauseOutcome:
    clause: ScopingClause
    value: Any
    result: bool

    def text(self) -> str:
        """As on-demand provisioning shows it: ``{attribute} {operator} {value}`` plus the user's value."""
        shown = "null" if _empty(self.value) else repr(self.value)
        return f"{self.clause.text()} → {self.result} (value: {shown})"


@dataclass(frozen=True, slots=True)
class FilterOutcome:
    filter: ScopingFilter
    clauses: tuple[ClauseOutcome, ...]

    @property
    def result(self) -> bool:
        return all(c.result for c in self.clauses)


@dataclass(frozen=True, slots=True)
class ScopeDecision:
    in_scope: bool
    filters: tuple[FilterOutcome, ...] = ()

    def reason(self) -> str:
        if not self.filters:
            return "no scoping filter: in scope"
        if self.in_scope:
            passed = next(f for f in self.filters if f.result)
            return f"passes scoping filter '{passed.filter.title or '(untitled)'}'"
        failed = [
            f"'{f.filter.title or '(untitled)'}' ({next(c for c in f.clauses if not c.result).clause.text()})"
            for f in self.filters
        ]
        return "fails every scoping filter: " + "; ".join(failed)


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | tuple) and not value)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def clause_matches(clause: ScopingClause, value: Any, *, regex: str = "search") -> bool:
    op = clause.operator
    if op is Op.IS_NULL:
        return _empty(value)
    if _empty(value) or isinstance(value, list | tuple):
        return False
    if op is Op.IS_NOT_NULL:
        return True
    if op in (Op.IS_TRUE, Op.IS_FALSE):
        flag = value if isinstance(value, bool) else {"true": True, "false": False}.get(_as_text(value).lower())
        return flag is (op is Op.IS_TRUE)
    if op in (Op.GREATER_THAN, Op.GREATER_THAN_OR_EQUALS):
        number, limit = _as_int(value), _as_int(clause.value)
        if number is None or limit is None:
            return False
        return number > limit if op is Op.GREATER_THAN else number >= limit
    text, operand = _as_text(value), _as_text(clause.value)
    if op in (Op.REGEX_MATCH, Op.NOT_REGEX_MATCH):
        pattern = compile_regex(operand)
        found = (pattern.fullmatch(text) if regex == "full" else pattern.search(text)) is not None
        return found if op is Op.REGEX_MATCH else not found
    results = {
        Op.EQUALS: text == operand,
        Op.NOT_EQUALS: text != operand,
        Op.INCLUDES: operand in text,
        Op.EXISTS_IN: text in operand,
        Op.NOT_EXISTS_IN: text not in operand,
        Op.ENDS_WITH: text.endswith(operand),
    }
    return results[op]


def evaluate_scope(user: SourceUser, config: ScopingConfig, *, guest_upn: str = "original") -> ScopeDecision:
    """Whether ``user`` passes the scoping filters, with the outcome of every clause (for explain/on demand)."""
    if not config.filters:
        return ScopeDecision(True)
    read = attributes.reader(user, "original" if guest_upn == "original" else "as_is")
    outcomes: list[FilterOutcome] = []
    for scoping_filter in config.filters:
        clauses = []
        for clause in scoping_filter.clauses:
            value = read(clause.attribute)
            clauses.append(ClauseOutcome(clause, value, clause_matches(clause, value, regex=config.regex)))
        outcomes.append(FilterOutcome(scoping_filter, tuple(clauses)))
    return ScopeDecision(any(f.result for f in outcomes), tuple(outcomes))
