"""Section 1, lifecycle evidence: for each user, when sfprov first saw them in scope, and when their Salesforce
account was created (or an existing one adopted), changed (which fields), deactivated and reactivated, by which
cycle, and how long each write took.

What is measured, and what cannot be: Entra does not say when a change was made (Graph delta returns the new state,
not its time; reference ``entra-provisioning-service.md`` §2.2), so the delay from the change in Entra is bounded,
not measured. Each event carries

* ``secondsFromCycleStart``: from the start of the cycle that read the change to the write (measured), and
* ``secondsAtMost``: from the start of the previous cycle of the job to the write. The change was not there when
  the previous cycle read Entra (or that cycle would have written it), so this bounds the delay from the change.
  Empty for the first cycle (the user may have been in scope long before sfprov ran).
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime

from sfprov.report.collect import ReportInput
from sfprov.report.model import Row, Section
from sfprov.state import Cycle, LogAction, LogEntry, LogStatus, StepType

COLUMNS = (
    "user",
    "sourceId",
    "targetId",
    "event",
    "at",
    "cycleId",
    "cycleKind",
    "fields",
    "detail",
    "secondsFromCycleStart",
    "secondsAtMost",
)

EVENTS = ("in scope", "created", "adopted", "changed", "deactivated", "reactivated", "deactivation staged")


def _event(entry: LogEntry) -> str | None:
    """The lifecycle event a successful (or staged) log entry records, or None when it is not one."""
    if entry.action is LogAction.STAGED_DISABLE:
        return "deactivation staged"
    if entry.status is not LogStatus.SUCCESS:
        return None
    if entry.action is LogAction.CREATE:
        return "created"
    if entry.action is LogAction.DISABLE:
        return "deactivated"
    if entry.action is LogAction.ENABLE:
        return "reactivated"
    if entry.action is LogAction.UPDATE:
        matched = any(s.type is StepType.MATCHING and s.detail.startswith("matched by") for s in entry.steps)
        return "adopted" if matched else "changed"
    return None


def _detail(entry: LogEntry, event: str) -> str:
    if event in ("deactivated", "deactivation staged"):
        return next((s.detail for s in entry.steps if s.type is StepType.SCOPING), "")
    if event == "adopted":
        return next((s.detail for s in entry.steps if s.type is StepType.MATCHING), "")
    if event == "in scope":
        return f"first {entry.action.value} ({entry.status.value})"
    return ""


class _Timing:
    """Cycle starts in order, to find the cycle before a given one."""

    def __init__(self, cycles: dict[str, Cycle]) -> None:
        self.cycles = cycles
        self.starts = sorted(c.started_at for c in cycles.values())

    def seconds(self, entry: LogEntry) -> tuple[float | None, float | None]:
        cycle = self.cycles.get(entry.cycle_id or "")
        if cycle is None:
            return None, None
        measured = (entry.at - cycle.started_at).total_seconds()
        index = bisect_left(self.starts, cycle.started_at)
        bound = (entry.at - self.starts[index - 1]).total_seconds() if index > 0 else None
        return round(measured, 3), round(bound, 3) if bound is not None else None


def _in_window(at: datetime, data: ReportInput) -> bool:
    return (data.since is None or at >= data.since) and (data.until is None or at < data.until)


def lifecycle_rows(data: ReportInput) -> list[Row]:
    """One row per lifecycle event in the window, grouped by user (evidence is read per person), oldest first."""
    timing = _Timing(data.cycles)
    seen: set[str] = set()
    rows: list[Row] = []
    for entry in data.entries:
        if entry.source_id is None:
            continue
        events: list[str] = []
        if entry.source_id not in seen:
            seen.add(entry.source_id)
            events.append("in scope")
        event = _event(entry)
        if event is not None:
            events.append(event)
        if not _in_window(entry.at, data):
            continue
        cycle = data.cycles.get(entry.cycle_id or "")
        measured, bound = timing.seconds(entry)
        for name in events:
            write = name != "in scope"
            rows.append(
                {
                    "user": entry.source_upn or entry.source_name,
                    "sourceId": entry.source_id,
                    "targetId": entry.target_id,
                    "event": name,
                    "at": entry.at.isoformat(),
                    "cycleId": entry.cycle_id,
                    "cycleKind": cycle.kind.value if cycle else None,
                    "fields": ", ".join(m.name for m in entry.modified) if name in ("changed", "adopted") else "",
                    "detail": _detail(entry, name),
                    "secondsFromCycleStart": measured if write else None,
                    "secondsAtMost": bound if write else None,
                }
            )
    order = {sid: i for i, sid in enumerate(dict.fromkeys(str(r["sourceId"]) for r in rows))}
    rows.sort(key=lambda r: (str(r["user"] or "").casefold(), order[str(r["sourceId"])]))
    return rows


def lifecycle_section(data: ReportInput) -> Section:
    rows = lifecycle_rows(data)
    counts = {name: sum(1 for r in rows if r["event"] == name) for name in EVENTS}
    measured = [float(r["secondsFromCycleStart"]) for r in rows if r["secondsFromCycleStart"] is not None]
    summary: dict[str, object] = {
        "users": len({r["sourceId"] for r in rows}),
        **counts,
        "medianSecondsFromCycleStart": _median(measured),
        "maxSecondsFromCycleStart": max(measured) if measured else None,
    }
    return Section(
        "lifecycle",
        "Lifecycle evidence",
        COLUMNS,
        rows,
        summary,
        (
            "'in scope' is the first time sfprov's provisioning log mentions the user (as observed by sfprov, "
            "not the time of the assignment in Entra).",
            "secondsFromCycleStart is measured: from the start of the cycle that read the change in Entra to the "
            "write in Salesforce. Entra does not record when a change was made, so the delay from the change itself "
            "is bounded by secondsAtMost (from the start of the previous cycle, which had not seen it yet).",
        ),
    )


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else round((ordered[mid - 1] + ordered[mid]) / 2, 3)
