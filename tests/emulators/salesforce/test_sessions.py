"""Sessions: the real 401 for a missing, unknown, expired or foreign session; permission checks on every call."""

from __future__ import annotations

import httpx

from sfprov.emulators.salesforce import SalesforceEmulator
from tests.emulators.salesforce.conftest import Kit, make_kit

INVALID = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def assert_invalid_session(answer: httpx.Response) -> None:
    assert answer.status_code == 401
    assert answer.json() == INVALID


def test_missing_or_unknown_token_is_invalid_session(kit: Kit) -> None:
    assert_invalid_session(kit.rest("GET", "limits", None))
    assert_invalid_session(kit.rest("GET", "limits", kit.org.id15 + "!AQbogus"))
    assert_invalid_session(kit.rest("GET", "limits", None, headers={"Authorization": "Basic abc"}))
    # authentication comes before routing: an unknown resource without a session is still a 401
    assert_invalid_session(kit.rest("GET", "no/such/resource", None))


def test_oauth_scheme_is_accepted_as_well_as_bearer(kit: Kit) -> None:
    token = kit.token()
    assert kit.rest("GET", "limits", None, headers={"Authorization": f"OAuth {token}"}).status_code == 200


def test_session_expires_after_the_org_timeout_counted_from_last_use(kit: Kit, sf: SalesforceEmulator) -> None:
    kit.settings(session_seconds=600)
    token = kit.token()
    sf.admin.advance_clock(400)
    assert kit.rest("GET", "limits", token).status_code == 200  # activity renews the session
    sf.admin.advance_clock(400)
    assert kit.rest("GET", "limits", token).status_code == 200
    sf.admin.advance_clock(601)
    assert_invalid_session(kit.rest("GET", "limits", token))


def test_admin_can_expire_every_session_now(kit: Kit, sf: SalesforceEmulator) -> None:
    token = kit.token()
    assert sf.admin.expire_sessions(kit.org.id) >= 1
    assert_invalid_session(kit.rest("GET", "limits", token))
    assert kit.rest("GET", "limits", kit.token()).status_code == 200


def test_session_of_one_org_is_refused_on_another_org_and_on_the_login_host(
    kit: Kit, sf: SalesforceEmulator, http: httpx.Client, jwt_keys: tuple[str, str]
) -> None:
    other = make_kit(sf, http, jwt_keys)
    token = kit.token()
    assert_invalid_session(other.rest("GET", "limits", token))
    assert_invalid_session(
        http.get(f"{kit.login_url}/services/data/v64.0/limits", headers={"Authorization": f"Bearer {token}"})
    )


def test_deactivated_user_loses_its_session(kit: Kit) -> None:
    victim = kit.token(kit.standard)
    admin = kit.token(kit.admin)
    assert (
        kit.rest("PATCH", f"sobjects/User/{kit.standard.user_id}", admin, json={"IsActive": False}).status_code == 204
    )
    assert_invalid_session(kit.rest("GET", "limits", victim))


def test_user_without_api_enabled_is_refused_on_every_call(kit: Kit) -> None:
    token = kit.token(kit.no_api)
    answer = kit.rest("GET", "limits", token)
    assert answer.status_code == 403
    assert answer.json() == [{"message": "API is disabled for this User", "errorCode": "API_CURRENTLY_DISABLED"}]
    assert answer.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_org_without_api_is_refused(kit: Kit) -> None:
    token = kit.token()
    kit.settings(trial_no_api=True)
    answer = kit.rest("GET", "limits", token)
    assert answer.status_code == 403
    assert answer.json() == [
        {"message": "The REST API is not enabled for this Organization.", "errorCode": "API_DISABLED_FOR_ORG"}
    ]
