"""Section 2, orphan accounts: active Salesforce users that no in-scope Entra user accounts for.

This is the finding of user access reviews the issue quotes: an account left active after its owner left. An active
user is accounted for when an active sfprov link points at it and (when the Entra scope is known) the linked Entra
user is in scope. Every other active user is listed, with why, so the auditor sees it before they find it:

* ``integration user``: the user sfprov logs in as (never provisioned, never deactivated by sfprov);
* ``never linked``: sfprov does not manage it (created by hand or by another tool);
* ``deactivated by sfprov, active again``: sfprov deactivated it and someone reactivated it outside sfprov;
* ``deactivation staged``: held back by the deactivation threshold (reference ``entra-provisioning-service.md`` §7.3);
* ``linked, out of scope``: still linked as active, but its Entra user left the scope (the next cycle deactivates).
"""

from __future__ import annotations

from sfprov.report.accounts import days_since, display_name, is_active, links_by_target
from sfprov.report.collect import ReportInput
from sfprov.report.model import Row, Section
from sfprov.state import LinkState

COLUMNS = (
    "salesforceId",
    "username",
    "name",
    "profile",
    "licence",
    "lastLoginDate",
    "daysSinceLogin",
    "managedBySfprov",
    "finding",
    "linkedSourceId",
    "linkedUser",
)


def orphan_rows(data: ReportInput) -> list[Row]:
    sf = data.salesforce
    licence_names = {lic.id: lic.name for lic in sf.licences}
    by_target = links_by_target(data)
    names = data.names()
    rows: list[Row] = []
    for user in sf.users:
        if not is_active(user):
            continue
        uid = str(user["Id"])
        link = by_target.get(uid)
        if uid == sf.integration_user_id:
            finding = "integration user"
        elif link is None:
            finding = "never linked"
        elif link.state is LinkState.DEACTIVATED:
            finding = "deactivated by sfprov, active again"
        elif link.state is LinkState.STAGED_FOR_DEACTIVATION:
            finding = "deactivation staged"
        elif data.in_scope is not None and link.source_id not in data.in_scope:
            finding = "linked, out of scope"
        else:
            continue
        rows.append(
            {
                "salesforceId": uid,
                "username": user.get("Username"),
                "name": display_name(user),
                "profile": user.get("Profile.Name"),
                "licence": licence_names.get(str(user.get("Profile.UserLicenseId"))),
                "lastLoginDate": user.get("LastLoginDate"),
                "daysSinceLogin": days_since(user.get("LastLoginDate"), data.generated_at),
                "managedBySfprov": link is not None,
                "finding": finding,
                "linkedSourceId": link.source_id if link else None,
                "linkedUser": names.get(link.source_id) if link else None,
            }
        )
    rows.sort(key=lambda r: (r["finding"] == "integration user", str(r["username"]).casefold()))
    return rows


def orphan_section(data: ReportInput) -> Section:
    rows = orphan_rows(data)
    findings: dict[str, int] = {}
    for row in rows:
        findings[row["finding"]] = findings.get(row["finding"], 0) + 1
    return Section(
        "orphans",
        "Orphan accounts",
        COLUMNS,
        rows,
        {"orphans": sum(1 for r in rows if r["finding"] != "integration user"), **findings},
        (
            "Active Salesforce users that no in-scope Entra user accounts for, as of the report time. The integration "
            "user is listed for completeness and is not counted as an orphan.",
            "Never logged in: lastLoginDate is empty.",
        ),
    )
