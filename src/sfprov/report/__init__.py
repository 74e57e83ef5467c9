"""`sfprov report`: audit evidence from the provisioning log, the state store and the Salesforce org (issue 8).

Five sections (lifecycle, orphan accounts, licences, reconciliation, failures) as one self-contained HTML page,
one CSV per section and one JSON file carrying the same data. See ``docs/dev/report.md``.
"""

from __future__ import annotations

from pathlib import Path

from sfprov.report.build import build_report
from sfprov.report.collect import ReportInput, collect
from sfprov.report.model import Report, Section
from sfprov.report.render_data import write_csvs, write_json
from sfprov.report.render_html import render_html, write_html

FORMATS = ("html", "csv", "json")


def write_report(report: Report, folder: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the chosen formats into ``folder`` (created): report.html, report.json, <section>.csv."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format(s): {', '.join(unknown)}")
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    if "html" in formats:
        paths.append(write_html(report, folder / "report.html"))
    if "json" in formats:
        paths.append(write_json(report, folder / "report.json"))
    if "csv" in formats:
        paths.extend(write_csvs(report, folder))
    return paths


__all__ = [
    "FORMATS",
    "Report",
    "ReportInput",
    "Section",
    "build_report",
    "collect",
    "render_html",
    "write_report",
]
