"""Section 4, reconciliation: who is in scope in Entra, who is active in Salesforce, who is linked, and every
difference between the three, one row per user and difference.

The Entra side is the in-scope set the engine saved with its last good read (the ``entra_source`` watermark of
``engine/cycle.py``); it is as fresh as the last cycle, which the report says. Without it (no cycle has finished),
the active links stand in for it and the report says so.
"""

from __future__ import annotations

from sfprov.report.accounts import is_active
from sfprov.report.collect import ReportInput
from sfprov.report.model import Row, Section
from sfprov.state import LinkState

COLUMNS = ("difference", "user", "sourceId", "salesforceId", "username", "detail")

IN_SCOPE_NOT_PROVISIONED = "in scope in Entra, no active Salesforce account"
LINKED_INACTIVE = "linked as active, inactive in Salesforce"
LINKED_MISSING = "linked, account not found in Salesforce"
LINKED_OUT_OF_SCOPE = "linked as active, out of scope in Entra"
ACTIVE_UNLINKED = "active in Salesforce, not linked to an in-scope user"


def reconcile_rows(data: ReportInput) -> tuple[list[Row], dict[str, int | bool]]:
    sf = data.salesforce
    users = {str(u["Id"]): u for u in sf.users}
    active_sf = {uid for uid, u in users.items() if is_active(u)}
    linked = {sid: link for sid, link in data.links.items() if link.state is LinkState.ACTIVE}
    scope_known = data.in_scope is not None
    in_scope = data.in_scope if data.in_scope is not None else frozenset(linked)
    names = data.names()
    escrows = {e.source_id: e for e in data.escrows}
    last_entry = {e.source_id: e for e in data.entries if e.source_id}
    rows: list[Row] = []

    def add(kind: str, source_id: str | None, sf_id: str | None, detail: str = "") -> None:
        user = users.get(sf_id or "", {})
        rows.append(
            {
                "difference": kind,
                "user": names.get(source_id or ""),
                "sourceId": source_id,
                "salesforceId": sf_id,
                "username": user.get("Username"),
                "detail": detail,
            }
        )

    for sid in sorted(in_scope, key=lambda s: (names.get(s) or s).casefold()):
        link = linked.get(sid)
        if link is None or link.target_id not in active_sf:
            escrow = escrows.get(sid)
            why = f"in escrow: {escrow.error_code}" if escrow else ""
            if link is None and sid in data.links:
                why = why or f"link {data.links[sid].state.value}"
            if not why and sid in last_entry:
                entry = last_entry[sid]
                why = f"last log entry: {entry.action.value} ({entry.status.value}) {entry.at:%Y-%m-%d %H:%M}"
            why = why or "no log entry: skipped without one (e.g. disabled in Entra or filtered by scoping)"
            add(IN_SCOPE_NOT_PROVISIONED, sid, link.target_id if link else None, why)
    for sid, link in sorted(linked.items()):
        if link.target_id not in users:
            add(LINKED_MISSING, sid, link.target_id)
        elif link.target_id not in active_sf:
            add(LINKED_INACTIVE, sid, link.target_id, "deactivated outside sfprov")
        if scope_known and sid not in in_scope:
            add(LINKED_OUT_OF_SCOPE, sid, link.target_id, "the next cycle deactivates it")
    accounted = {link.target_id for sid, link in linked.items() if sid in in_scope}
    for uid in sorted(active_sf - accounted, key=lambda u: str(users[u].get("Username")).casefold()):
        add(ACTIVE_UNLINKED, None, uid, "integration user" if uid == sf.integration_user_id else "see orphans")
    summary: dict[str, int | bool] = {
        "entraScopeKnown": scope_known,
        "inScopeInEntra": len(in_scope),
        "activeInSalesforce": len(active_sf),
        "linkedActive": len(linked),
        "inScopeLinkedAndActive": sum(1 for sid in in_scope if sid in linked and linked[sid].target_id in active_sf),
        "differences": len(rows),
    }
    return rows, summary


def reconcile_section(data: ReportInput) -> Section:
    rows, summary = reconcile_rows(data)
    source = (
        "Entra scope: the in-scope set saved by the last successful cycle."
        if data.in_scope is not None
        else "Entra scope unknown (no cycle has finished): the active links stand in for it."
    )
    return Section(
        "reconciliation",
        "Reconciliation",
        COLUMNS,
        rows,
        dict(summary),
        (source, "Salesforce: read at the report time."),
    )
