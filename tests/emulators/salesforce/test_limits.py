"""Daily API allocation: Sforce-Limit-Info, /limits, REQUEST_LIMIT_EXCEEDED, and the version list (§8.5, §12.1)."""

from __future__ import annotations

import httpx

from sfprov.emulators.salesforce import SalesforceEmulator
from tests.emulators.salesforce.conftest import Kit


def usage(answer: httpx.Response) -> tuple[int, int]:
    used, allowance = answer.headers["Sforce-Limit-Info"].removeprefix("api-usage=").split("/")
    return int(used), int(allowance)


def test_each_call_counts_one_and_limits_agrees(kit: Kit) -> None:
    token = kit.token()
    first = kit.rest("GET", "limits", token)
    second = kit.rest("GET", "limits", token)
    assert usage(first)[1] == kit.org.settings.daily_api_requests
    assert usage(second)[0] == usage(first)[0] + 1
    body = second.json()
    assert body["DailyApiRequests"] == {
        "Max": kit.org.settings.daily_api_requests,
        "Remaining": kit.org.settings.daily_api_requests - usage(second)[0],
    }


def test_spent_allowance_is_request_limit_exceeded(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    sf.admin.spend_allowance(kit.org.id)
    answer = kit.rest("GET", "query", token, params={"q": "SELECT Id FROM User"})
    assert answer.status_code == 403
    assert answer.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    allowance = kit.org.settings.daily_api_requests
    assert answer.headers["Sforce-Limit-Info"] == f"api-usage={allowance}/{allowance}"


def test_allowance_is_configurable_per_org(kit: Kit) -> None:
    kit.settings(daily_api_requests=3)
    token = kit.token()
    statuses = [kit.rest("GET", "limits", token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 403]


def test_allowance_window_resets_after_a_day(kit: Kit, sf: SalesforceEmulator) -> None:
    kit.settings(daily_api_requests=1, session_seconds=3 * 24 * 3600)
    token = kit.token()
    assert kit.rest("GET", "limits", token).status_code == 200
    assert kit.rest("GET", "limits", token).status_code == 403
    sf.admin.advance_clock(24 * 3600)
    assert kit.rest("GET", "limits", token).status_code == 200


def test_version_list_needs_no_session_and_has_no_limit_header(kit: Kit) -> None:
    answer = kit.http.get(f"{kit.login_url}/services/data/")
    assert answer.status_code == 200
    assert "Sforce-Limit-Info" not in answer.headers
    versions = answer.json()
    assert versions[-1] == {"label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"}
    assert {"label": "Winter '26", "url": "/services/data/v65.0", "version": "65.0"} in versions
    assert versions[0]["version"] == "31.0"
    assert versions[0]["label"] == "Summer '14"


def test_unserved_versions(kit: Kit) -> None:
    token = kit.token()
    assert kit.rest("GET", f"{kit.instance_url}/services/data/v99.0/limits", token).status_code == 404
    retired = kit.rest("GET", f"{kit.instance_url}/services/data/v20.0/limits", token)
    assert retired.status_code == 410
