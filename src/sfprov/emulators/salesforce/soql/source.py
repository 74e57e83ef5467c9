"""What the SOQL executor reads rows from: the contract Part B's ``Org`` implements.

Rows are mappings keyed by the canonical field names of the schema; datetimes are ISO strings in Salesforce's form
(``2026-11-23T21:53:22.000+0000``), dates ``YYYY-MM-DD``, ids 18 characters. The executor never mutates a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class TableSource(Protocol):
    """Read access to one org's rows."""

    def scan(self, sobject: str) -> Iterable[Mapping[str, Any]]:
        """Every row of ``sobject`` (canonical name), in a stable order (insertion order)."""
        ...

    def get_by_id(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        """The row of ``sobject`` with ``record_id`` (18 characters), or None."""
        ...

    def lookup(self, sobject: str, field: str, values: Iterable[Any]) -> Iterable[Mapping[str, Any]] | None:
        """Rows whose ``field`` equals one of ``values`` (text compared case-insensitively, ids given in 18
        characters), or None when ``field`` has no index. The executor re-checks every row it gets, so an index
        may return extra rows but must not miss any."""
        ...
