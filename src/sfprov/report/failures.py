"""Section 5, failures: users sfprov could not provision, still in escrow (retried later, reference
``entra-provisioning-service.md`` §8.1), with the error code, the fix and since when.

The fix comes from the same place the engine's messages do: Salesforce codes from
``targets/salesforce/errors.py``; mapping problems carry their fix in the message (``... Fix: ...``); the plan's
own codes (unknown profile, ambiguous match, ...) are explained here.
"""

from __future__ import annotations

from sfprov.report.collect import ReportInput
from sfprov.report.model import Row, Section
from sfprov.targets.salesforce.errors import error_class

COLUMNS = (
    "user",
    "sourceId",
    "action",
    "errorCode",
    "error",
    "fix",
    "since",
    "lastFailure",
    "attempts",
    "nextRetry",
    "givenUp",
)

PLAN_FIXES = {
    "UnknownProfile": "Create the profile in Salesforce or correct its name in the mapping (app role or group rule).",
    "UnknownRole": "Create the role in Salesforce or correct its name in the mapping.",
    "UnknownPermissionSet": "Create the permission set in Salesforce or correct its name in the mapping.",
    "AmbiguousMatch": "Several Salesforce users share the matching value: make it unique or link one by hand.",
    "MatchesIntegrationUser": "The user maps to the integration user's account: exclude them with a scoping filter.",
    "AlreadyLinked": "Another Entra user is linked to that account: fix the duplicate value in Entra.",
    "MappingError": "See the error: the mapping could not produce a valid user.",
}


def fix_for(code: str, message: str) -> str | None:
    """The admin's fix for an escrowed failure: Salesforce's table, the fix in the message, or the plan's table."""
    _cls, fix = error_class(code)
    if fix:
        return fix
    if " Fix: " in message:
        return message.split(" Fix: ", 1)[1].strip()
    return PLAN_FIXES.get(code)


def failure_rows(data: ReportInput) -> list[Row]:
    names = data.names()
    return [
        {
            "user": names.get(e.source_id),
            "sourceId": e.source_id,
            "action": e.action,
            "errorCode": e.error_code,
            "error": e.error_message.split(" Fix: ", 1)[0],
            "fix": fix_for(e.error_code, e.error_message),
            "since": e.first_failure.isoformat(),
            "lastFailure": e.last_failure.isoformat(),
            "attempts": e.attempts,
            "nextRetry": None if e.given_up else e.next_retry.isoformat(),
            "givenUp": e.given_up,
        }
        for e in sorted(data.escrows, key=lambda e: (e.first_failure, e.source_id))
    ]


def failure_section(data: ReportInput) -> Section:
    rows = failure_rows(data)
    codes: dict[str, int] = {}
    for row in rows:
        codes[row["errorCode"]] = codes.get(row["errorCode"], 0) + 1
    return Section(
        "failures",
        "Failures",
        COLUMNS,
        rows,
        {"open": len(rows), "givenUp": sum(1 for r in rows if r["givenUp"]), "byCode": codes},
        ("Open escrows at the report time: each user is retried by later cycles until it succeeds or is given up.",),
    )
