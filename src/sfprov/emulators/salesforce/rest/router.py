"""Routing of ``/services/data/...``: the version list, the version check, authentication, then the resource.

Why this order: the version list (``GET /services/data/``) needs no session and carries no ``Sforce-Limit-Info``
(reference ``salesforce.md`` §8.5); a version the platform does not serve is refused before anything else (404 for
an unknown version, 410 for a retired one, §8.4); every other call authenticates first (so an unknown resource
without a session is still a 401) and then finds its resource: 404 ``NOT_FOUND`` for an unknown path, 405
``METHOD_NOT_ALLOWED`` for a wrong method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from sfprov.emulators.salesforce.rest import composite, query, sobjects, versions
from sfprov.emulators.salesforce.rest.context import RequestContext, authenticate, invalid_session
from sfprov.emulators.salesforce.rest.errors import NOT_FOUND, error_response, json_response, method_not_allowed
from sfprov.emulators.salesforce.rest.limits import limits_body

if TYPE_CHECKING:
    from sfprov.emulators.salesforce.app import Runtime

RETIRED_MESSAGE = "The requested version has been retired and is no longer supported."
"""410 text for a retired version (§8.4 documents the status; the body is UNVERIFIED)."""


def handle(request: Request, runtime: Runtime, host: str, path: str, body: bytes) -> tuple[Response, int]:
    """Answer one REST call; also returns how many records it handled (for the latency model)."""
    parts = [p for p in path.split("/") if p][2:]
    if not parts:
        if request.method not in ("GET", "HEAD"):
            return method_not_allowed(request.method, ["GET", "HEAD"]), 0
        return json_response(versions.version_list()), 0
    version = parts[0][1:] if parts[0].startswith("v") else ""
    if versions.is_retired(version):
        return error_response(410, "GONE", RETIRED_MESSAGE), 0
    if not versions.is_served(version):
        return error_response(404, "NOT_FOUND", NOT_FOUND), 0
    org = runtime.state.org_by_my_domain(host)
    if org is None:
        return invalid_session(), 0
    ctx = authenticate(request, runtime, org, version)
    if isinstance(ctx, Response):
        return ctx, 0
    response = _route(ctx, request, parts[1:], body)
    for name, value in ctx.headers.items():
        response.headers[name] = value
    return response, ctx.records


def _directory(ctx: RequestContext) -> dict[str, str]:
    base = f"/services/data/v{ctx.api_version}"
    names = ("composite", "limits", "query", "queryAll", "sobjects")
    return {name: f"{base}/{name}" for name in names}


def _route(ctx: RequestContext, request: Request, parts: list[str], body: bytes) -> Response:
    method = request.method
    if not parts:
        return json_response(_directory(ctx)) if method == "GET" else method_not_allowed(method, ["GET", "HEAD"])
    head, rest = parts[0], parts[1:]
    if head in ("query", "queryAll"):
        if method != "GET":
            return method_not_allowed(method, ["GET", "HEAD"])
        if not rest:
            return query.run_query(request, ctx, include_deleted=head == "queryAll")
        if len(rest) == 1:
            return query.query_more(ctx, rest[0], include_deleted=head == "queryAll")
    elif head == "limits" and not rest:
        return json_response(limits_body(ctx)) if method == "GET" else method_not_allowed(method, ["GET", "HEAD"])
    elif head == "sobjects":
        if not rest:
            return sobjects.global_describe(ctx) if method == "GET" else method_not_allowed(method, ["GET", "HEAD"])
        return sobjects.handle(ctx, request, rest, body)
    elif head == "composite" and rest and rest[0] == "sobjects":
        return composite.handle(ctx, request, rest[1:], body)
    return error_response(404, "NOT_FOUND", NOT_FOUND)
