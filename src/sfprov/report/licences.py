"""Section 3, licences: per UserLicense the seats bought and used, how many sfprov's users use, and how many could
be reclaimed; then permission set licences still held by deactivated users.

* ``usedByManaged``: active users of that licence that an active sfprov link points at.
* ``reclaimableInactive``: active users of that licence (the integration user excepted) whose last login, or
  creation when they never logged in, is more than ``inactive_days`` days old. ``UsedLicenses`` counts active users
  only (reference ``salesforce.md`` §6), so deactivating them frees the seat.
* Permission set licences are separate seats: a deactivated user keeps its ``PermissionSetLicenseAssign`` rows
  until they are deleted, so those are reclaimable too.
* Cost: ``licence_prices`` of the target (monthly price per UserLicense or permission set licence name).
"""

from __future__ import annotations

from typing import Any

from sfprov.report.accounts import active_links, days_since, is_active
from sfprov.report.collect import ReportInput
from sfprov.report.model import Row, Section

COLUMNS = (
    "licence",
    "kind",
    "total",
    "used",
    "free",
    "usedByManaged",
    "reclaimableInactive",
    "reclaimableDeactivated",
    "monthlyPrice",
    "monthlyCostUsed",
    "monthlySavingReclaimable",
)


def _idle_days(user: dict[str, Any], data: ReportInput) -> int | None:
    return days_since(user.get("LastLoginDate") or user.get("CreatedDate"), data.generated_at)


def _money(price: float | None, count: int) -> float | None:
    return round(price * count, 2) if price is not None else None


def licence_rows(data: ReportInput) -> list[Row]:
    sf = data.salesforce
    managed = active_links(data)
    by_licence: dict[str, list[dict[str, Any]]] = {}
    for user in sf.users:
        if is_active(user):
            by_licence.setdefault(str(user.get("Profile.UserLicenseId")), []).append(user)
    rows: list[Row] = []
    for lic in sf.licences:
        holders = by_licence.get(lic.id, [])
        inactive = [
            u
            for u in holders
            if str(u["Id"]) != sf.integration_user_id and (_idle_days(u, data) or 0) > data.inactive_days
        ]
        price = data.prices.get(lic.name)
        reclaimable = len(inactive)
        rows.append(
            {
                "licence": lic.name,
                "kind": "UserLicense",
                "total": lic.total,
                "used": lic.used,
                "free": max(lic.total - lic.used, 0),
                "usedByManaged": sum(1 for u in holders if str(u["Id"]) in managed),
                "reclaimableInactive": reclaimable,
                "reclaimableDeactivated": 0,
                "monthlyPrice": price,
                "monthlyCostUsed": _money(price, lic.used),
                "monthlySavingReclaimable": _money(price, reclaimable),
            }
        )
    rows.extend(_permission_set_licence_rows(data))
    return rows


def _permission_set_licence_rows(data: ReportInput) -> list[Row]:
    sf = data.salesforce
    if not sf.psl.available:
        return []
    inactive_users = {str(u["Id"]) for u in sf.users if not is_active(u)}
    managed = active_links(data)
    rows: list[Row] = []
    for lic in sf.psl.licences:
        holders = [user for licence_id, user in sf.psl.assignments if licence_id == lic.id]
        held_by_deactivated = sum(1 for user in holders if user in inactive_users)
        price = data.prices.get(lic.name)
        rows.append(
            {
                "licence": lic.name,
                "kind": "PermissionSetLicense",
                "total": lic.total,
                "used": lic.used,
                "free": max(lic.total - lic.used, 0),
                "usedByManaged": sum(1 for user in holders if user in managed),
                "reclaimableInactive": 0,
                "reclaimableDeactivated": held_by_deactivated,
                "monthlyPrice": price,
                "monthlyCostUsed": _money(price, lic.used),
                "monthlySavingReclaimable": _money(price, held_by_deactivated),
            }
        )
    return rows


def licence_section(data: ReportInput) -> Section:
    rows = licence_rows(data)
    costs = [r["monthlyCostUsed"] for r in rows if r["monthlyCostUsed"] is not None]
    savings = [r["monthlySavingReclaimable"] for r in rows if r["monthlySavingReclaimable"] is not None]
    notes = [
        f"Reclaimable (inactive): active users whose last login (or creation, if they never logged in) is more than "
        f"{data.inactive_days} days old; the integration user is never counted.",
        "Reclaimable (deactivated): permission set licences still assigned to deactivated users.",
    ]
    if not data.salesforce.psl.available:
        notes.append(f"Permission set licences not available: {data.salesforce.psl.reason}")
    if not data.prices:
        notes.append("No prices configured: set licence_prices on the target (monthly price per licence name).")
    return Section(
        "licences",
        "Licences",
        COLUMNS,
        rows,
        {
            "inactiveDays": data.inactive_days,
            "reclaimableInactive": sum(int(r["reclaimableInactive"]) for r in rows),
            "reclaimableDeactivated": sum(int(r["reclaimableDeactivated"]) for r in rows),
            "monthlyCostUsed": round(sum(costs), 2) if costs else None,
            "monthlySavingReclaimable": round(sum(savings), 2) if savings else None,
            "permissionSetLicencesAvailable": data.salesforce.psl.available,
        },
        tuple(notes),
    )
