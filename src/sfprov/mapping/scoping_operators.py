"""The scoping-filter operators of Entra, their spellings, and .NET-to-Python regular expressions.

Operator names and meanings are those of Microsoft's "Scoping users or groups to be provisioned with scoping
filters" page (reference ``entra-provisioning-service.md`` §4): ``&``, ``!&``, ``ENDS_WITH``, ``EQUALS``,
``Greater_Than``, ``Greater_Than_OR_EQUALS``, ``Includes``, ``IS FALSE``, ``IS NOT NULL``, ``IS NULL``,
``IS TRUE``, ``NOT EQUALS``, ``NOT REGEX MATCH``, ``REGEX MATCH``. The spellings the Graph API accepts are not
documented, so configuration may write any case and use ``_`` or a space between words (``not_equals``,
``greater than``); they all mean the documented operator.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache


class ScopingOperator(StrEnum):
    EQUALS = "EQUALS"
    NOT_EQUALS = "NOT EQUALS"
    IS_TRUE = "IS TRUE"
    IS_FALSE = "IS FALSE"
    IS_NULL = "IS NULL"
    IS_NOT_NULL = "IS NOT NULL"
    REGEX_MATCH = "REGEX MATCH"
    NOT_REGEX_MATCH = "NOT REGEX MATCH"
    GREATER_THAN = "Greater_Than"
    GREATER_THAN_OR_EQUALS = "Greater_Than_OR_EQUALS"
    INCLUDES = "Includes"
    EXISTS_IN = "&"
    """True when the attribute's value occurs in the clause's string (the page: "exists in the input string")."""
    NOT_EXISTS_IN = "!&"
    ENDS_WITH = "ENDS_WITH"


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", "_", text.strip().upper())


_BY_KEY = {_key(op.value): op for op in ScopingOperator}
_BY_KEY.update({"CONTAINS": ScopingOperator.INCLUDES, "INCLUDE": ScopingOperator.INCLUDES})

_NO_VALUE = frozenset(
    {ScopingOperator.IS_TRUE, ScopingOperator.IS_FALSE, ScopingOperator.IS_NULL, ScopingOperator.IS_NOT_NULL}
)


def normalise_operator(text: str) -> ScopingOperator:
    op = _BY_KEY.get(_key(text))
    if op is None:
        known = ", ".join(o.value for o in ScopingOperator)
        raise ValueError(f"unknown scoping operator '{text}'; Entra's operators are: {known}")
    return op


def needs_value(op: ScopingOperator) -> bool:
    return op not in _NO_VALUE


_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


@lru_cache(maxsize=512)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a .NET pattern with Python's engine: ``(?<name>…)`` becomes ``(?P<name>…)``; the rest is shared syntax.

    Constructs only .NET has (balancing groups, ``RegexOptions`` inline flags beyond ``imsx``) fail to compile and
    are reported at configuration time.
    """
    return re.compile(_NAMED_GROUP.sub("(?P<", pattern))
