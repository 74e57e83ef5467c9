"""Syntax tree -> :class:`~.ast.Query`: names resolved against the data dictionary, literals typed and checked.

Order of checks, as Salesforce reports the first one: the sObject (INVALID_TYPE), then the selected fields, the
WHERE clause and ORDER BY in text order (INVALID_FIELD: ``No such column``, ``Didn't understand relationship``,
``can not be filtered/sorted``, literal types), then OFFSET's ceiling.

Names are case-insensitive; the query keeps canonical names so that results carry the schema's spelling.

The ``No such column``, ``sObject type ... is not supported``, ``Didn't understand relationship``, ``can not be
filtered`` and ``value of filter criterion`` texts are seen in real responses, ``duplicate field selected`` in the
SOQL reference; the others are UNVERIFIED (docs/dev/sf-soql.md lists the confidence of each).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from sfprov.emulators.salesforce.schema import CHILD_RELATIONSHIPS, FieldDef, SObjectDef, child_relationship, sobject
from sfprov.emulators.salesforce.soql import errors as e
from sfprov.emulators.salesforce.soql.ast import (
    And,
    Comparison,
    Condition,
    FieldPath,
    Hop,
    Literal,
    Not,
    Or,
    OrderItem,
    Query,
    RelativeDate,
    SubQuery,
)
from sfprov.emulators.salesforce.soql.lexer import Kind, Token
from sfprov.emulators.salesforce.soql.parser import (
    RELATIVE_N,
    RELATIVE_SIMPLE,
    RawAnd,
    RawComparison,
    RawCondition,
    RawLiteral,
    RawNot,
    RawOr,
    RawOrder,
    RawQuery,
    RawSubquery,
)

MAX_OFFSET = 2000
"""SOQL's OFFSET ceiling (SOQL reference, "OFFSET": the maximum offset is 2,000 rows)."""

STRING_TYPES = frozenset({"string", "email", "phone", "textarea", "url", "picklist"})
ID_TYPES = frozenset({"id", "reference"})
_ID_RE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_TYPE_WORDS = {"boolean": "boolean", "int": "integer", "double": "double", "datetime": "dateTime", "date": "date"}
_DT_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))"
)


Resolver = Callable[[str], SObjectDef | None]
"""Name -> object definition: :func:`schema.sobject`, or an org's own (with its custom fields, ``Org.sobject``)."""


def bind(raw: RawQuery, resolve: Resolver = sobject) -> Query:
    """Check ``raw`` against the schema; raises :class:`~.errors.SoqlError` (INVALID_TYPE, INVALID_FIELD, ...)."""
    return _Binder(raw.text, resolve).query(raw)


class _Binder:
    def __init__(self, text: str, resolve: Resolver = sobject) -> None:
        self.text = text
        self.resolve = resolve

    def error(self, code: str, token: Token, detail: str) -> e.SoqlError:
        return e.positioned(code, self.text, token.offset, detail)

    def query(self, raw: RawQuery) -> Query:
        obj = self.resolve(raw.sobject.text)
        if obj is None or not obj.queryable:
            raise self.error(e.INVALID_TYPE, raw.sobject, e.unsupported_sobject(raw.sobject.text))
        fields: list[FieldPath] = []
        subqueries: list[SubQuery] = []
        for position, item in enumerate(raw.fields):
            if isinstance(item, RawSubquery):
                subqueries.append(self.subquery(obj, item, position))
            else:
                fields.append(self.path(obj, item))
        _check_duplicates(fields)
        where = self.condition(obj, raw.where) if raw.where is not None else None
        if raw.count_only and raw.order_by:
            token = raw.order_by[0].path
            self.path(obj, token)
            raise self.error(e.MALFORMED_QUERY, token, f"Ordered field must be grouped or aggregated: {token.text}")
        order = self.order(obj, raw.order_by)
        if raw.offset is not None and raw.offset > MAX_OFFSET:
            raise e.SoqlError(e.NUMBER_OUTSIDE_VALID_RANGE, f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        return Query(
            raw.text, obj, tuple(fields), raw.count_only, where, order, raw.limit, raw.offset, tuple(subqueries)
        )

    def subquery(self, parent: SObjectDef, raw: RawSubquery, position: int) -> SubQuery:
        found = child_relationship(parent.name, raw.relationship.text)
        if found is None:
            raise self.error(e.INVALID_TYPE, raw.relationship, e.unknown_child_relationship(raw.relationship.text))
        child, reference = found
        child = self.resolve(child.name) or child
        fields = [self.path(child, token) for token in raw.fields]
        _check_duplicates(fields)
        where = self.condition(child, raw.where) if raw.where is not None else None
        name = CHILD_RELATIONSHIPS[(child.name, reference.name)]
        return SubQuery(
            name, child, reference, tuple(fields), position, where, self.order(child, raw.order_by), raw.limit
        )

    def order(self, obj: SObjectDef, raw: tuple[RawOrder, ...]) -> tuple[OrderItem, ...]:
        items: list[OrderItem] = []
        for item in raw:
            path = self.path(obj, item.path)
            if not path.field.sortable:
                raise self.error(
                    e.INVALID_FIELD, item.path, f"field '{path.field.name}' can not be sorted in a query call"
                )
            items.append(OrderItem(path, item.descending, item.nulls_last))
        return tuple(items)

    # --- names ------------------------------------------------------------------------------------------------------

    def path(self, obj: SObjectDef, token: Token) -> FieldPath:
        """Resolve a dotted name case-insensitively: relationships first, then the final field."""
        parts = token.text.split(".")
        if len(parts) > 1 and parts[0].lower() == obj.name.lower() and obj.relationship(parts[0]) is None:
            parts = parts[1:]  # SOQL allows the queried object's own name as a prefix
        hops: list[Hop] = []
        current = obj
        for index, part in enumerate(parts[:-1]):
            ref = current.relationship(part)
            if ref is None:
                raise self.error(e.INVALID_FIELD, token, e.unknown_relationship(part))
            target = _target(ref, parts[index + 1], self.resolve)
            hops.append(Hop(ref, target))
            current = target
        final = current.field(parts[-1])
        if final is None:
            raise self.error(e.INVALID_FIELD, token, e.no_such_column(parts[-1], current.name))
        return FieldPath(token.text, token.offset, tuple(hops), final)

    # --- conditions -------------------------------------------------------------------------------------------------

    def condition(self, obj: SObjectDef, raw: RawCondition) -> Condition:
        if isinstance(raw, RawAnd):
            return And(tuple(self.condition(obj, p) for p in raw.parts))
        if isinstance(raw, RawOr):
            return Or(tuple(self.condition(obj, p) for p in raw.parts))
        if isinstance(raw, RawNot):
            return Not(self.condition(obj, raw.part))
        return self.comparison(obj, raw)

    def comparison(self, obj: SObjectDef, raw: RawComparison) -> Comparison:
        path = self.path(obj, raw.path)
        field = path.field
        if not field.filterable:
            raise self.error(e.INVALID_FIELD, raw.path, f"field '{field.name}' can not be filtered in a query call")
        if raw.op == "LIKE":
            if field.type not in STRING_TYPES and field.type not in ID_TYPES:
                raise self.error(e.INVALID_FIELD, raw.op_token, f"invalid operator on {field.type} field")
            return Comparison(path, "LIKE", (raw.values[0].token.pattern,))
        values = tuple(self.literal(field, v) for v in raw.values)
        if raw.op not in ("=", "!=", "IN", "NOT IN") and field.type == "boolean":
            raise self.error(e.INVALID_FIELD, raw.op_token, f"invalid operator on {field.type} field")
        return Comparison(path, raw.op, values)

    def literal(self, field: FieldDef, raw: RawLiteral) -> Literal:
        """One literal, checked against the type of the field it is compared with."""
        token = raw.token
        word = token.text.upper() if token.kind is Kind.IDENT else ""
        if word == "NULL":
            return None
        if field.type in STRING_TYPES:
            return self.quoted(token, field, "string")
        if field.type in ID_TYPES:
            value = self.quoted(token, field, "id")
            if value == "":
                return None
            if not _ID_RE.fullmatch(value):
                raise self.error(e.INVALID_ID_ERROR_CODE, token, f"invalid ID field: {value}")
            return value
        if field.type == "boolean" and word in ("TRUE", "FALSE"):
            return word == "TRUE"
        if field.type == "int" and token.kind is Kind.NUMBER and re.fullmatch(r"[+-]?\d+", token.text):
            return int(token.text)
        if field.type == "double" and token.kind is Kind.NUMBER:
            return float(token.text)
        if field.type in ("datetime", "date") and (word in RELATIVE_SIMPLE or word in RELATIVE_N):
            return RelativeDate(word, int(raw.n.text) if raw.n is not None else 0)
        if field.type == "datetime" and token.kind is Kind.DATETIME:
            return self.datetime(token)
        if field.type == "date" and token.kind is Kind.DATE:
            try:
                return dt.date.fromisoformat(token.text)
            except ValueError:
                raise self.error(e.MALFORMED_QUERY, token, f"Invalid date: {token.text}") from None
        raise self.wrong_type(token, field, quoted=False)

    def quoted(self, token: Token, field: FieldDef, type_word: str) -> str:
        if token.kind is not Kind.STRING:
            raise self.wrong_type(token, field, quoted=True, type_word=type_word)
        return token.value

    def wrong_type(self, token: Token, field: FieldDef, *, quoted: bool, type_word: str | None = None) -> e.SoqlError:
        word = type_word or _TYPE_WORDS.get(field.type, field.type)
        should = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        detail = f"value of filter criterion for field '{field.name}' must be of type {word} and {should}"
        return self.error(e.INVALID_FIELD, token, detail)

    def datetime(self, token: Token) -> dt.datetime:
        """A SOQL dateTime literal (``YYYY-MM-DDThh:mm:ss[.sss](Z|±hh[:]mm)``) as an aware UTC datetime."""
        m = _DT_RE.fullmatch(token.text)
        try:
            if m is None:
                raise ValueError(token.text)
            year, month, day, hour, minute, second = (int(m.group(k)) for k in range(1, 7))
            millis = int((m.group(7) or "0").ljust(3, "0"))
            if m.group(8):
                tz = dt.UTC
            else:
                oh, om = int(m.group(10)), int(m.group(11))
                if oh > 23 or om > 59:
                    raise ValueError(token.text)
                sign = -1 if m.group(9) == "-" else 1
                tz = dt.timezone(sign * dt.timedelta(hours=oh, minutes=om))
            value = dt.datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=tz)
        except ValueError:
            raise self.error(e.MALFORMED_QUERY, token, f"Invalid datetime: {token.text}") from None
        return value.astimezone(dt.UTC)


def _check_duplicates(fields: list[FieldPath]) -> None:
    """SOQL reference, "FIELDS()": ``[{"message": "duplicate field selected: Id", "errorCode": "INVALID_FIELD"}]``,
    without an excerpt."""
    seen: set[str] = set()
    for path in fields:
        if path.canonical.lower() in seen:
            raise e.SoqlError(e.INVALID_FIELD, f"duplicate field selected: {path.canonical}")
        seen.add(path.canonical.lower())


def _target(ref: FieldDef, next_part: str, resolve: Resolver = sobject) -> SObjectDef:
    """The object a reference leads to; for a polymorphic one, the first target that has the next name."""
    targets = [t for t in (resolve(name) for name in ref.reference_to) if t is not None]
    for target in targets:
        if target.field(next_part) is not None or target.relationship(next_part) is not None:
            return target
    return targets[0]
