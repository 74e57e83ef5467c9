"""Who is calling: the checks every authenticated REST call passes before it reaches a resource.

Why: the order and the answers of these checks are what a connector meets first on a real org (reference
``salesforce.md`` §8.3-§8.5, §12.1):

1. no ``Authorization`` header, an unknown or expired session, a session of another org, or a session whose user
   was deactivated or frozen since -> ``401 INVALID_SESSION_ID`` / ``Session expired or invalid``;
2. a session from a ``login()`` whose password had expired -> ``INVALID_OPERATION_WITH_EXPIRED_PASSWORD``;
3. an org without API access -> ``403 API_DISABLED_FOR_ORG``; a user whose profile lacks "API Enabled" ->
   ``403 API_CURRENTLY_DISABLED``;
4. the daily allocation spent -> ``403 REQUEST_LIMIT_EXCEEDED`` / ``TotalRequests Limit exceeded.``

Every answer after step 1 carries ``Sforce-Limit-Info`` (§8.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from sfprov.emulators.salesforce.rest.errors import (
    API_CURRENTLY_DISABLED,
    EXPIRED_PASSWORD_TEXT,
    REQUEST_LIMIT,
    REST_API_DISABLED_FOR_ORG,
    SESSION_INVALID,
    error_response,
)
from sfprov.emulators.salesforce.rest.usage import limit_header
from sfprov.emulators.salesforce.sessions import Session

if TYPE_CHECKING:
    from sfprov.emulators.salesforce.app import Runtime
    from sfprov.emulators.salesforce.store import Org


@dataclass
class RequestContext:
    """An authenticated REST call: the org, the running user and the API version of the URL."""

    runtime: Runtime
    org: Org
    session: Session
    user: dict[str, Any]
    api_version: str
    headers: dict[str, str] = field(default_factory=dict)
    records: int = 0
    """Records written or returned, for the per-record latency model."""

    @property
    def user_id(self) -> str:
        return self.session.user_id


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (``OAuth <token>`` is the older form Salesforce accepts)."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not token.strip():
        return None
    return token.strip()


def invalid_session() -> Response:
    return error_response(401, "INVALID_SESSION_ID", SESSION_INVALID)


def authenticate(request: Request, runtime: Runtime, org: Org, api_version: str) -> RequestContext | Response:
    """Run checks 1-4 above; return the context or the error answer."""
    token = bearer_token(request)
    session = runtime.sessions.use(token) if token else None
    if session is None or session.org_id != org.id:
        return invalid_session()
    user = org.user(session.user_id)
    if user is None or not user["IsActive"] or org.is_frozen(session.user_id):
        runtime.sessions.expire_user(org.id, session.user_id)
        return invalid_session()
    allowance = org.settings.daily_api_requests
    headers = {"Sforce-Limit-Info": limit_header(runtime.usage.used(org.id), allowance)}
    if session.password_expired:
        return error_response(403, "INVALID_OPERATION_WITH_EXPIRED_PASSWORD", EXPIRED_PASSWORD_TEXT, headers=headers)
    if org.settings.trial_no_api:
        return error_response(403, "API_DISABLED_FOR_ORG", REST_API_DISABLED_FOR_ORG, headers=headers)
    if not org.has_permission(session.user_id, "PermissionsApiEnabled"):
        return error_response(403, "API_CURRENTLY_DISABLED", API_CURRENTLY_DISABLED, headers=headers)
    used = runtime.usage.try_spend(org.id, allowance)
    if used is None:
        return error_response(403, "REQUEST_LIMIT_EXCEEDED", REQUEST_LIMIT, headers=headers)
    headers["Sforce-Limit-Info"] = limit_header(used, allowance)
    return RequestContext(
        runtime=runtime, org=org, session=session, user=user, api_version=api_version, headers=headers
    )
