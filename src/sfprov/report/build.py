"""Assemble the report from collected data: the five sections in reading order, the chart data, the metadata."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sfprov import __version__
from sfprov.report.collect import ReportInput
from sfprov.report.failures import failure_section
from sfprov.report.licences import licence_section
from sfprov.report.lifecycle import lifecycle_section
from sfprov.report.model import Report, Row
from sfprov.report.orphans import orphan_section
from sfprov.report.reconcile import reconcile_section


def week_start(at: datetime) -> date:
    """Monday of the ISO week of ``at`` (UTC)."""
    day = at.date()
    return day - timedelta(days=day.weekday())


def weekly_lifecycle(rows: list[Row]) -> list[dict[str, Any]]:
    """Accounts created (or adopted), deactivated and reactivated per ISO week, with empty weeks in between."""
    counts: dict[date, dict[str, int]] = {}
    kinds = {"created": "created", "adopted": "created", "deactivated": "deactivated", "reactivated": "reactivated"}
    for row in rows:
        kind = kinds.get(str(row["event"]))
        if kind is None:
            continue
        week = week_start(datetime.fromisoformat(str(row["at"])))
        bucket = counts.setdefault(week, {"created": 0, "deactivated": 0, "reactivated": 0})
        bucket[kind] += 1
    if not counts:
        return []
    out: list[dict[str, Any]] = []
    week, last = min(counts), max(counts)
    while week <= last:
        out.append({"week": week.isoformat(), **counts.get(week, {"created": 0, "deactivated": 0, "reactivated": 0})})
        week += timedelta(days=7)
    return out


def build_report(data: ReportInput) -> Report:
    sections = [
        lifecycle_section(data),
        orphan_section(data),
        licence_section(data),
        reconcile_section(data),
        failure_section(data),
    ]
    licences = next(s for s in sections if s.key == "licences")
    charts = {
        "weekly": weekly_lifecycle(sections[0].rows),
        "licenceUse": [
            {
                "licence": r["licence"],
                "kind": r["kind"],
                "total": r["total"],
                "used": r["used"],
                "usedByManaged": r["usedByManaged"],
            }
            for r in licences.rows
            if r["total"] or r["used"]
        ],
    }
    cycles = sorted(data.cycles.values(), key=lambda c: c.started_at)
    meta = {
        "job": data.job,
        "generatedAt": data.generated_at.isoformat(),
        "since": data.since.isoformat() if data.since else None,
        "until": data.until.isoformat() if data.until else None,
        "inactiveDays": data.inactive_days,
        "sfprovVersion": __version__,
        "cycles": len(cycles),
        "firstCycle": cycles[0].started_at.isoformat() if cycles else None,
        "lastCycle": cycles[-1].started_at.isoformat() if cycles else None,
        "logEntries": len(data.entries),
    }
    return Report(meta, sections, charts)
