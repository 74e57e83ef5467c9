"""The ``scoping:`` section of the configuration: attribute-based scoping filters (reference
``entra-provisioning-service.md`` §4). Evaluation is in :mod:`sfprov.mapping.scoping`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sfprov.mapping.config_errors import LocatedError
from sfprov.mapping.scoping_operators import ScopingOperator, compile_regex, needs_value, normalise_operator

Scalar = str | bool | int


def scalar_text(value: Scalar | None) -> str:
    """A configured scalar as Entra writes it (booleans as ``True``/``False``)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


class ScopingClause(BaseModel):
    """One clause: ``attribute operator value`` (entra-provisioning-service.md §4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    attribute: str = Field(min_length=1)
    operator: ScopingOperator
    value: Scalar | None = None

    @field_validator("operator", mode="before")
    @classmethod
    def _operator_alias(cls, value: Any) -> Any:
        return normalise_operator(value) if isinstance(value, str) else value

    @field_validator("attribute")
    @classmethod
    def _filterable(cls, value: str) -> str:
        if value.lower() in ("appRoleAssignments".lower(), "IsMemberOf".lower(), "members"):
            raise ValueError(f"'{value}' cannot be used in a scoping filter (Entra does not support it either)")
        return value

    @model_validator(mode="after")
    def _value_fits(self) -> ScopingClause:
        op = self.operator
        if needs_value(op) and self.value is None:
            raise LocatedError([(("value",), f"operator {op.value} needs a value")])
        if not needs_value(op) and self.value is not None:
            raise LocatedError([(("value",), f"operator {op.value} takes no value; remove it")])
        integer = not isinstance(self.value, bool) and re.fullmatch(r"-?\d+", str(self.value)) is not None
        if op in (ScopingOperator.GREATER_THAN, ScopingOperator.GREATER_THAN_OR_EQUALS) and not integer:
            raise LocatedError([(("value",), f"{op.value} compares integers; '{self.value}' is not one")])
        if op in (ScopingOperator.REGEX_MATCH, ScopingOperator.NOT_REGEX_MATCH):
            try:
                compile_regex(str(self.value))
            except re.error as exc:
                raise LocatedError([(("value",), f"invalid regular expression: {exc}")]) from None
        return self

    def text(self) -> str:
        value = "" if self.value is None else f" {scalar_text(self.value)}"
        return f"{self.attribute} {self.operator.value}{value}"


class ScopingFilter(BaseModel):
    """Clauses AND-ed together."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = ""
    clauses: tuple[ScopingClause, ...] = Field(min_length=1)


class ScopingConfig(BaseModel):
    """The ``scoping:`` section: filters OR-ed together; no filter means everyone assigned is in scope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filters: tuple[ScopingFilter, ...] = ()
    regex: Literal["search", "full"] = "search"
    """How REGEX MATCH applies the pattern: ``search`` (.NET ``Regex.IsMatch``, anywhere in the value) or ``full``
    (the whole value). Which one Entra uses is not documented (UNVERIFIED); ``search`` is what .NET's API does."""
