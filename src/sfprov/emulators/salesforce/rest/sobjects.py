"""``sobjects``: global describe, per-object info and describe, and single-record create, read, update, delete.

Why: the connector creates a user with ``POST sobjects/User`` (201 ``{"id","success","errors"}``), reads it back
with ``GET sobjects/User/{id}?fields=``, updates with ``PATCH`` (204) and freezes through ``PATCH
sobjects/UserLogin/{id}``; ``DELETE`` of a User is refused because users are never deleted (reference
``salesforce.md`` §3.1, §4.3, §8.1). Record rules and their errors are the org's (Part B); this module maps them to
the REST statuses and bodies.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sfprov.emulators.salesforce import errors, ids, schema
from sfprov.emulators.salesforce.errors import SalesforceError
from sfprov.emulators.salesforce.rest.context import RequestContext
from sfprov.emulators.salesforce.rest.errors import (
    NOT_FOUND,
    error_response,
    json_response,
    method_not_allowed,
)
from sfprov.emulators.salesforce.rest.writes import (
    BadJson,
    guarded_write,
    insufficient_access,
    lock_error,
    may_write,
    parse_object,
)


def record_url(api_version: str, sobject: str, record_id: str) -> str:
    return f"/services/data/v{api_version}/sobjects/{sobject}/{record_id}"


def with_attributes(api_version: str, sobject: str, record_id: str, row: dict[str, Any]) -> dict[str, Any]:
    """A record as REST returns it: ``attributes`` first, then the requested fields, ``Id`` always (last when it was
    not asked for; reference §8.1)."""
    out: dict[str, Any] = {"attributes": {"type": sobject, "url": record_url(api_version, sobject, record_id)}, **row}
    out.setdefault("Id", record_id)
    return out


def error(exc: SalesforceError) -> Response:
    return json_response([exc.rest()], exc.status)


def _urls(ctx: RequestContext, sdef: schema.SObjectDef) -> dict[str, str]:
    base = f"/services/data/v{ctx.api_version}/sobjects/{sdef.name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def _summary(ctx: RequestContext, sdef: schema.SObjectDef) -> dict[str, Any]:
    """The short describe of global describe and ``GET sobjects/{name}`` (DescribeGlobalSObjectResult)."""
    return {
        "activateable": False,
        "createable": sdef.createable,
        "custom": False,
        "customSetting": False,
        "deletable": sdef.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "keyPrefix": sdef.key_prefix,
        "label": sdef.label,
        "labelPlural": sdef.label_plural,
        "layoutable": sdef.name == "User",
        "mergeable": False,
        "mruEnabled": sdef.name == "User",
        "name": sdef.name,
        "queryable": sdef.queryable,
        "replicateable": True,
        "retrieveable": True,
        "searchable": sdef.name == "User",
        "triggerable": sdef.name == "User",
        "undeletable": False,
        "updateable": sdef.updateable,
        "urls": _urls(ctx, sdef),
    }


def global_describe(ctx: RequestContext) -> Response:
    return json_response(
        {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [_summary(ctx, sdef) for sdef in sorted(schema.SCHEMA.values(), key=lambda s: s.name)],
        }
    )


def handle(ctx: RequestContext, request: Request, parts: list[str], body: bytes) -> Response:
    """``parts`` is the path after ``sobjects/``."""
    method = request.method
    sdef = ctx.org.sobject(parts[0])
    if sdef is None:
        return error_response(404, "NOT_FOUND", NOT_FOUND)
    if len(parts) == 1:
        if method == "GET":
            return json_response({"objectDescribe": _summary(ctx, sdef), "recentItems": []})
        if method == "POST":
            return _create(ctx, sdef, body)
        return method_not_allowed(method, ["GET", "HEAD", "POST"])
    if len(parts) == 2 and parts[1] == "describe":
        if method != "GET":
            return method_not_allowed(method, ["GET", "HEAD"])
        return json_response(schema.describe(sdef.name, ctx.api_version, sdef))
    if len(parts) == 2:
        return _record(ctx, request, sdef, parts[1], body)
    return error_response(404, "NOT_FOUND", NOT_FOUND)


def _create(ctx: RequestContext, sdef: schema.SObjectDef, body: bytes) -> Response:
    try:
        values = parse_object(body)
        results = guarded_write(
            ctx,
            sdef.name,
            [values],
            True,
            lambda recs, aon: ctx.org.create(sdef.name, recs, running_user_id=ctx.user_id, all_or_none=aon),
            updating=False,
        )
    except BadJson as bad:
        return bad.response
    except SalesforceError as exc:
        return error(exc)
    ctx.records = 1
    result = results[0]
    if not result.success:
        return error(result.errors[0])
    return json_response({"id": result.id, "success": True, "errors": []}, 201)


def _check_id(sdef: schema.SObjectDef, raw: str) -> str | Response:
    """The canonical id of a path segment, or the answer for a bad one: a string that is not an id is looked up
    as an external id and not found (404); an id of another object is ``MALFORMED_ID`` (reference §8.2)."""
    canonical = ids.normalize(raw)
    if canonical is None:
        return error_response(
            404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {raw}"
        )
    if canonical[:3] != sdef.key_prefix:
        return error(errors.malformed_id(f"{sdef.label} ID", "Id", raw))
    return canonical


def _record(ctx: RequestContext, request: Request, sdef: schema.SObjectDef, raw_id: str, body: bytes) -> Response:
    method = request.method
    if method not in ("GET", "HEAD", "PATCH", "DELETE"):
        return method_not_allowed(
            method, ["GET", "HEAD", "PATCH", "DELETE"] if sdef.deletable else ["GET", "HEAD", "PATCH"]
        )
    checked = _check_id(sdef, raw_id)
    if isinstance(checked, Response):
        return checked
    record_id = checked
    if method in ("GET", "HEAD"):
        fields_param = request.query_params.get("fields")
        fields = [f.strip() for f in fields_param.split(",") if f.strip()] if fields_param else None
        try:
            rows = ctx.org.retrieve(sdef.name, [record_id], fields)
        except SalesforceError as exc:
            return error(exc)
        if rows[0] is None:
            return error_response(404, "NOT_FOUND", NOT_FOUND)
        ctx.records = 1
        return json_response(with_attributes(ctx.api_version, sdef.name, record_id, rows[0]))
    if method == "DELETE":
        if sdef.deletable and not may_write(ctx, sdef.name):
            return error(insufficient_access())
        if sdef.deletable and ctx.runtime.faults.should_lock_row():
            return error(lock_error(record_id))
        try:
            ctx.org.delete(sdef.name, record_id, running_user_id=ctx.user_id)
        except SalesforceError as exc:
            return error(exc)
        return Response(status_code=204)
    try:
        values = parse_object(body)
        values["Id"] = record_id
        results = guarded_write(
            ctx,
            sdef.name,
            [values],
            True,
            lambda recs, aon: ctx.org.update(sdef.name, recs, running_user_id=ctx.user_id, all_or_none=aon),
            updating=True,
        )
    except BadJson as bad:
        return bad.response
    except SalesforceError as exc:
        return error(exc)
    ctx.records = 1
    if not results[0].success:
        return error(results[0].errors[0])
    end_sessions_if_locked_out(ctx, sdef.name, record_id)
    return Response(status_code=204)


def end_sessions_if_locked_out(ctx: RequestContext, sobject: str, record_id: str) -> None:
    """A deactivated or frozen user loses its sessions at once (they would fail on next use anyway)."""
    if sobject == "User":
        user = ctx.org.user(record_id)
        if user is not None and not user["IsActive"]:
            ctx.runtime.sessions.expire_user(ctx.org.id, record_id)
    elif sobject == "UserLogin":
        login = ctx.org.get_by_id("UserLogin", record_id)
        if login is not None and login.get("IsFrozen"):
            ctx.runtime.sessions.expire_user(ctx.org.id, str(login["UserId"]))
