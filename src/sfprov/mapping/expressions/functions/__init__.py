"""The function table: every function of Entra's expression reference, one module per family.

Names are case-sensitive, as in Entra (functions-for-customizing-application-data.md, "Syntax overview").
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sfprov.mapping.expressions.functions import conversion, dates, logic, multivalue, replace, roles, strings
from sfprov.mapping.expressions.functions.spec import Args, FunctionSpec, Value

FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType(
    {
        spec.name: spec
        for module in (conversion, dates, logic, multivalue, replace, roles, strings)
        for spec in module.SPECS
    }
)
"""Function name → its specification, for every function the parser accepts (refused ones included)."""

WORDS = frozenset({"vbBinaryCompare", "vbTextCompare"})
"""Bare words the language knows: InStr's compare types."""

__all__ = ["FUNCTIONS", "WORDS", "Args", "FunctionSpec", "Value"]
