"""The parsed, schema-checked form of a SOQL query: what the executor runs.

Names are resolved at parse time, so every path here carries the canonical field definitions and the executor never
looks names up again (case-insensitive SOQL names in, canonical JSON keys out).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sfprov.emulators.salesforce.schema import FieldDef, SObjectDef


@dataclass(frozen=True)
class Hop:
    """One relationship traversed: the reference field on the current object and the object it points to."""

    field: FieldDef
    target: SObjectDef


@dataclass(frozen=True)
class FieldPath:
    """``Profile.UserLicense.Name`` resolved: the hops and the final field (on the last hop's target)."""

    text: str
    offset: int
    hops: tuple[Hop, ...]
    field: FieldDef

    @property
    def keys(self) -> tuple[str, ...]:
        """The JSON keys of the result, canonical: relationship names, then the field name."""
        return (*(h.field.relationship_name or h.field.name for h in self.hops), self.field.name)

    @property
    def canonical(self) -> str:
        return ".".join(self.keys)


@dataclass(frozen=True)
class RelativeDate:
    """A date literal such as ``TODAY`` or ``LAST_N_DAYS:30``, resolved against the clock at execution time."""

    name: str
    n: int = 0


Literal = str | int | float | bool | dt.date | dt.datetime | RelativeDate | None


@dataclass(frozen=True)
class Comparison:
    """``path op value`` or ``path [NOT] IN (values)``; ``values`` holds one literal except for IN / NOT IN; for
    LIKE it holds the pattern as a regular expression source."""

    path: FieldPath
    op: str
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class And:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    part: Condition


Condition = Comparison | And | Or | Not


@dataclass(frozen=True)
class OrderItem:
    path: FieldPath
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class SubQuery:
    """A parent-to-child sub-query: the children of each parent row through ``reference`` on ``sobject``."""

    relationship: str
    """The child relationship name, canonical (``PermissionSetAssignments``): the key of the result."""
    sobject: SObjectDef
    reference: FieldDef
    fields: tuple[FieldPath, ...]
    position: int
    """Index of the sub-query among the selected items, so that results keep the order of the select list."""
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None


@dataclass(frozen=True)
class Query:
    """A whole query: the sObject, the selected paths (empty for ``COUNT()``), filter, order, limit and offset."""

    text: str
    sobject: SObjectDef
    fields: tuple[FieldPath, ...]
    count_only: bool = False
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    subqueries: tuple[SubQuery, ...] = ()
