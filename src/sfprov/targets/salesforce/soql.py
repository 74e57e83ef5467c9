"""Building SOQL safely: every value that came from a directory is quoted here and nowhere else.

SOQL string literals are single-quoted; a backslash escapes ``'``, ``"``, ``\\`` and the control characters
``\\n``, ``\\r``, ``\\t``, ``\\b``, ``\\f`` (SOQL and SOSL Reference, "Quoted String Escape Sequences"). A username
such as ``o'brien@example.com`` must therefore reach Salesforce as ``'o\\'brien@example.com'``; anything else is a
query-injection hole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote as url_quote

_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}

MAX_QUERY_CHARS = 12_000
"""URL-encoded bytes per query: well under the 16,384-byte URI limit (reference §12.3), leaving room for the path."""


def quote(value: str | bool | int | None) -> str:
    """A SOQL literal for ``value``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + "".join(_ESCAPES.get(ch, ch) for ch in str(value)) + "'"


def in_clauses(field: str, values: Iterable[str], *, base_length: int = 300) -> Iterator[tuple[list[str], str]]:
    """Split ``values`` into ``field IN (...)`` clauses that keep each whole query under the URI limit.

    Yields ``(values_of_this_chunk, clause)``.
    """
    chunk: list[str] = []
    parts: list[str] = []
    length = base_length
    for value in values:
        literal = quote(value)
        cost = len(url_quote(literal, safe="")) + 6  # its URL-encoded length, plus the encoded ", " separator
        if chunk and length + cost > MAX_QUERY_CHARS:
            yield chunk, f"{field} IN ({', '.join(parts)})"
            chunk, parts, length = [], [], base_length
        chunk.append(value)
        parts.append(literal)
        length += cost
    if chunk:
        yield chunk, f"{field} IN ({', '.join(parts)})"


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A REST query record as a flat dict: ``{"Profile": {"Name": "x"}}`` becomes ``{"Profile.Name": "x"}``."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, prefix=f"{name}."))
        else:
            flat[name] = value
    return flat


_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")


def identifier(name: str) -> str:
    """``name`` if it is a field or object name (``Profile.Name``, ``Custom__c``); ValueError otherwise.

    Field names come from the configuration, values from the directory: names are checked here, values quoted by
    :func:`quote`, so neither can change the shape of a query.
    """
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a Salesforce field or object name")
    return name


def select(fields: Sequence[str], sobject: str, where: str | None = None, order_by: str | None = None) -> str:
    """``SELECT fields FROM sobject [WHERE ...] [ORDER BY ...]``; ``where`` must be built with :func:`quote`."""
    columns = ", ".join(identifier(f) for f in dict.fromkeys(fields))
    query = f"SELECT {columns} FROM {identifier(sobject)}"  # noqa: S608 - identifiers checked, values quoted
    if where:
        query += f" WHERE {where}"
    if order_by:
        query += f" ORDER BY {order_by}"
    return query
