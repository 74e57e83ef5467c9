"""``GET /services/data/vXX.X/limits``: the org's allocations and what is left of them.

Why: a careful connector reads ``DailyApiRequests.Remaining`` before a large run and keeps a reserve (reference
``salesforce.md`` §8.5, §12.1). ``DailyApiRequests`` is live (it counts the calls of this emulator); the other
entries a client commonly reads are static allocations of a healthy org (values UNVERIFIED, typical of an
Enterprise org), reported with their ``Max`` as ``Remaining``.
"""

from __future__ import annotations

from typing import Any

from sfprov.emulators.salesforce.rest.context import RequestContext

_STATIC: dict[str, int] = {
    "ConcurrentAsyncGetReportInstances": 200,
    "ConcurrentSyncReportRuns": 20,
    "DailyAsyncApexExecutions": 250000,
    "DailyBulkApiBatches": 15000,
    "DailyBulkV2QueryFileStorageMB": 976562,
    "DailyBulkV2QueryJobs": 10000,
    "DailyGenericStreamingApiEvents": 10000,
    "DailyStreamingApiEvents": 10000,
    "DailyWorkflowEmails": 2000,
    "DataStorageMB": 5,
    "FileStorageMB": 20,
    "HourlyODataCallout": 20000,
    "HourlyTimeBasedWorkflow": 1000,
    "MassEmail": 10,
    "PermissionSets": 1500,
    "SingleEmail": 15,
}


def limits_body(ctx: RequestContext) -> dict[str, Any]:
    allowance = ctx.org.settings.daily_api_requests
    used = ctx.runtime.usage.used(ctx.org.id)
    body: dict[str, Any] = {
        "DailyApiRequests": {"Max": allowance, "Remaining": max(allowance - used, 0)},
    }
    body.update({name: {"Max": value, "Remaining": value} for name, value in _STATIC.items()})
    return dict(sorted(body.items()))
