"""The shapes every section of the audit report shares, so that HTML, CSV and JSON carry exactly the same data.

A section is a title, a few headline figures, a table (ordered columns, one dict per row, plain JSON values) and
notes that say what was measured and what was not. Renderers never compute anything: they only lay these out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]
"""One table row: column name -> str, int, float, bool or None (what JSON and CSV can both hold)."""


@dataclass(frozen=True)
class Section:
    key: str
    """Stable identifier: the CSV file name (``<key>.csv``) and the JSON key."""
    title: str
    columns: tuple[str, ...]
    rows: list[Row]
    summary: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """The whole report: metadata, then the sections in the order an auditor reads them."""

    meta: dict[str, Any]
    sections: list[Section]
    charts: dict[str, Any] = field(default_factory=dict)
    """Data for the charts (weekly lifecycle counts, licence use); also written to JSON."""

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def to_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "sections": {
                s.key: {
                    "title": s.title,
                    "summary": s.summary,
                    "notes": list(s.notes),
                    "columns": list(s.columns),
                    "rows": s.rows,
                }
                for s in self.sections
            },
            "charts": self.charts,
        }
