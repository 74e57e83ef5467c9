"""CSV (one file per section) and JSON (everything) renderings: the same rows the HTML shows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sfprov.report.model import Report, Section


def _cell(value: object) -> object:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


def write_csv(section: Section, path: Path) -> Path:
    """``<key>.csv`` with a header row of the section's columns (UTF-8 with BOM, so Excel reads accents)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(section.columns)
        for row in section.rows:
            writer.writerow([_cell(row.get(c)) for c in section.columns])
    return path


def write_csvs(report: Report, folder: Path) -> list[Path]:
    return [write_csv(s, folder / f"{s.key}.csv") for s in report.sections]


def write_json(report: Report, path: Path) -> Path:
    path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
