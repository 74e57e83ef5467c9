"""Inline SVG charts drawn here, so the HTML needs no script, no font and no network (prints as vectors).

Two charts, where people would rather look than read (issue 8): accounts created, deactivated and reactivated per
week, and licence use (seats bought, used by sfprov's users, used by others).
"""

from __future__ import annotations

from html import escape
from typing import Any

COLOURS = {"created": "#2e7d32", "deactivated": "#c62828", "reactivated": "#1565c0"}
MANAGED, OTHER, FREE = "#1565c0", "#90caf9", "#eeeeee"


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 11, fill: str = "#333") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def weekly_chart(weeks: list[dict[str, Any]]) -> str:
    """Grouped bars per ISO week; the y axis is scaled to the busiest week."""
    if not weeks:
        return '<p class="empty">No accounts were created or deactivated in this period.</p>'
    kinds = ("created", "deactivated", "reactivated")
    peak = max(max(int(w[k]) for k in kinds) for w in weeks) or 1
    left, top, height, group = 40, 20, 160, max(36, min(120, 640 // len(weeks)))
    bar = (group - 10) / len(kinds)
    width = max(left + group * len(weeks) + 10, 420)
    parts = [
        f'<svg class="chart" role="img" aria-label="Accounts per week" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{top + height + 60}" viewBox="0 0 {width} {top + height + 60}">'
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = top + height - height * tick / peak
        parts.append(f'<line x1="{left}" x2="{width - 5}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(_text(left - 6, y + 4, str(tick), anchor="end"))
    for i, week in enumerate(weeks):
        x0 = left + i * group + 5
        for j, kind in enumerate(kinds):
            value = int(week[kind])
            h = height * value / peak
            x = x0 + j * bar
            parts.append(
                f'<rect class="bar-{kind}" x="{x:.1f}" y="{top + height - h:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[kind]}"><title>{escape(kind)} {value} '
                f"(week of {escape(str(week['week']))})</title></rect>"
            )
            if value:
                parts.append(_text(x + (bar - 2) / 2, top + height - h - 3, str(value), anchor="middle", size=10))
        parts.append(_text(x0 + (group - 10) / 2, top + height + 14, str(week["week"])[5:], anchor="middle", size=10))
    y = top + height + 36
    legend = {"created": "created or adopted", "deactivated": "deactivated", "reactivated": "reactivated"}
    for j, kind in enumerate(kinds):
        x = left + j * 130
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{COLOURS[kind]}"/>')
        parts.append(_text(x + 14, y, legend[kind]))
    parts.append(_text(left, y + 18, "weeks start on Monday (UTC)", size=10, fill="#777"))
    parts.append("</svg>")
    return "".join(parts)


def licence_chart(rows: list[dict[str, Any]]) -> str:
    """One horizontal bar per licence, each as a share of its own total (a 5,000-seat Chatter Free licence must not
    flatten a 20-seat one): used by sfprov's users, used by others, free."""
    if not rows:
        return '<p class="empty">No licences to show.</p>'
    label_w, bar_w, row_h, top = 220, 420, 26, 10
    height = top + row_h * len(rows) + 30
    width = label_w + bar_w + 90
    parts = [
        f'<svg class="chart" role="img" aria-label="Licence use" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for i, r in enumerate(rows):
        y = top + i * row_h
        total, used, managed = int(r["total"]), int(r["used"]), min(int(r["usedByManaged"]), int(r["used"]))
        scale = bar_w / (max(total, used) or 1)
        parts.append(_text(label_w - 8, y + 15, str(r["licence"])[:34], anchor="end"))
        segments = ((managed, MANAGED, "used by sfprov users"), (used - managed, OTHER, "used by others"))
        x = float(label_w)
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{max(total, used) * scale:.1f}" height="16" fill="{FREE}" '
            f'stroke="#bbb"><title>{escape(str(r["licence"]))}: {total} total</title></rect>'
        )
        for value, colour, label in segments:
            if value > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{value * scale:.1f}" height="16" fill="{colour}">'
                    f"<title>{value} {label}</title></rect>"
                )
                x += value * scale
        parts.append(_text(label_w + max(total, used) * scale + 6, y + 15, f"{used}/{total}", size=10))
    y = top + row_h * len(rows) + 16
    for j, (colour, label) in enumerate(((MANAGED, "used by sfprov users"), (OTHER, "used by others"), (FREE, "free"))):
        x = label_w + j * 150
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}" stroke="#bbb"/>')
        parts.append(_text(x + 14, y, label))
    parts.append("</svg>")
    return "".join(parts)
