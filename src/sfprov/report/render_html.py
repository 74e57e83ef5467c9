"""The HTML report: one self-contained file (inline CSS and SVG, no script, no font, nothing fetched) that an
auditor opens in a browser or prints. Print CSS: A4 landscape, table headers repeated on each page, rows and charts
never split, links not needed.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from sfprov.report.charts import licence_chart, weekly_chart
from sfprov.report.model import Report, Section

CSS = """
:root { color-scheme: light; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; border-bottom: 2px solid #1565c0; padding-bottom: 3px; margin-top: 32px; }
.meta { color: #555; margin: 0 0 12px; }
.glance { display: flex; flex-wrap: wrap; gap: 10px; margin: 14px 0; }
.glance div { border: 1px solid #ccc; border-radius: 4px; padding: 8px 12px; min-width: 130px; }
.glance b { display: block; font-size: 20px; }
.glance .alert b { color: #c62828; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 2px 14px; margin: 8px 0; }
dl.summary dt { color: #555; }
dl.summary dd { margin: 0; font-weight: 600; }
ul.notes { color: #555; font-size: 12px; padding-left: 18px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f1f4f8; }
td.time { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.finding td { background: #fff4f4; }
.empty { color: #2e7d32; font-style: italic; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 8px 0; }
footer { margin-top: 30px; color: #777; font-size: 11px; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { margin: 0; font-size: 10.5px; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  thead { display: table-header-group; }
  tr, svg.chart, .glance div { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""

NUMERIC = {
    "total",
    "used",
    "free",
    "usedByManaged",
    "reclaimableInactive",
    "reclaimableDeactivated",
    "monthlyPrice",
    "monthlyCostUsed",
    "monthlySavingReclaimable",
    "attempts",
    "daysSinceLogin",
    "secondsFromCycleStart",
    "secondsAtMost",
}


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value)


PROPER_NOUNS = ("Entra", "Salesforce", "UTC")


def _label(name: str) -> str:
    """camelCase -> words, for headings an auditor reads."""
    out = "".join(f" {c.lower()}" if c.isupper() else c for c in name)
    for proper in PROPER_NOUNS:
        out = out.replace(f" {proper.lower()}", f" {proper}")
    return out[:1].upper() + out[1:]


def _summary(section: Section) -> str:
    items = "".join(
        f"<dt>{escape(_label(k))}</dt><dd>{escape(_value(v)) or '—'}</dd>" for k, v in section.summary.items()
    )
    return f'<dl class="summary">{items}</dl>'


MAX_HTML_ROWS = 2_000
"""Rows shown per table: a page of 100,000 rows neither opens nor prints; the CSV and JSON always hold them all."""

HIDDEN = {"sourceId", "targetId", "linkedSourceId"}
"""Object ids an auditor does not read; they stay in the CSV and JSON, and in each row's tooltip here."""
SHORT_TIMES = {"at", "since", "lastFailure", "nextRetry", "lastLoginDate"}


def _cell(column: str, value: Any) -> str:
    text = _value(value)
    if column in SHORT_TIMES and len(text) >= 19:
        return f'<td class="time" title="{escape(text)}">{escape(text[:10])} {escape(text[11:19])}</td>'
    if column == "cycleId" and text:
        return f'<td title="{escape(text)}">{escape(text[:8])}</td>'
    css = ' class="num"' if column in NUMERIC else ""
    return f"<td{css}>{escape(text)}</td>"


def _table(section: Section, empty: str) -> str:
    if not section.rows:
        return f'<p class="empty">{escape(empty)}</p>'
    columns = [c for c in section.columns if c not in HIDDEN]
    head = "".join(f"<th>{escape(_label(c))}</th>" for c in columns)
    body = []
    for row in section.rows[:MAX_HTML_ROWS]:
        cells = "".join(_cell(c, row.get(c)) for c in columns)
        ids = " · ".join(f"{c} {row[c]}" for c in section.columns if c in HIDDEN and row.get(c))
        css = ' class="finding"' if row.get("finding") not in (None, "integration user") else ""
        body.append(f'<tr{css} title="{escape(ids)}">{cells}</tr>')
    more = len(section.rows) - MAX_HTML_ROWS
    if more > 0:
        body.append(
            f'<tr class="more"><td colspan="{len(columns)}">… and {more:,} more rows: see {escape(section.key)}.csv '
            "or report.json beside this page.</td></tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


EMPTY = {
    "lifecycle": "No provisioning activity in this period.",
    "orphans": "No orphan accounts: every active Salesforce user is accounted for by an in-scope Entra user.",
    "licences": "No licence information.",
    "reconciliation": "No differences: Entra, Salesforce and sfprov's links agree.",
    "failures": "No open failures.",
}


def _section(report: Report, section: Section) -> str:
    chart = ""
    if section.key == "lifecycle":
        chart = "<h3>Accounts per week</h3>" + weekly_chart(report.charts.get("weekly", []))
    elif section.key == "licences":
        chart = "<h3>Licence use</h3>" + licence_chart(report.charts.get("licenceUse", []))
    notes = "".join(f"<li>{escape(n)}</li>" for n in section.notes)
    return (
        f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>{_summary(section)}{chart}'
        f'<ul class="notes">{notes}</ul>{_table(section, EMPTY.get(section.key, "Nothing to show."))}</section>'
    )


def _glance(report: Report) -> str:
    s = {sec.key: sec.summary for sec in report.sections}
    boxes = (
        ("Orphan accounts", s["orphans"].get("orphans", 0), True),
        ("Open failures", s["failures"].get("open", 0), True),
        ("Reconciliation differences", s["reconciliation"].get("differences", 0), True),
        ("Accounts created", s["lifecycle"].get("created", 0), False),
        ("Accounts deactivated", s["lifecycle"].get("deactivated", 0), False),
        ("Reclaimable licences", s["licences"].get("reclaimableInactive", 0), True),
    )
    items = "".join(
        f'<div class="{"alert" if alert and value else ""}"><b>{escape(str(value))}</b>{escape(label)}</div>'
        for label, value, alert in boxes
    )
    return f'<div class="glance">{items}</div>'


def render_html(report: Report) -> str:
    m = report.meta
    window = f"{m['since'] or 'the first entry'} to {m['until'] or 'now'}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>sfprov audit report: {escape(str(m['job']))}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Salesforce user provisioning: audit evidence</h1>"
        f'<p class="meta">Job <b>{escape(str(m["job"]))}</b> · generated {escape(str(m["generatedAt"]))} UTC · '
        f"provisioning log from {escape(window)} · {escape(str(m['cycles']))} cycles, "
        f"{escape(str(m['logEntries']))} log entries · inactive after {escape(str(m['inactiveDays']))} days</p>"
        f"{_glance(report)}</header>"
        + "".join(_section(report, s) for s in report.sections)
        + f"<footer>Written by sfprov {escape(str(m['sfprovVersion']))} from its provisioning log and state store "
        "and a read of the Salesforce org at the time above. Orphans, licences, reconciliation and failures are "
        "as of that time; lifecycle events are those of the period. The same data is in report.json and the CSV "
        "files beside this page.</footer></body></html>\n"
    )


def write_html(report: Report, path: Path) -> Path:
    path.write_text(render_html(report), encoding="utf-8")
    return path
