"""sObject Collections (``composite/sobjects``): create, update, delete and retrieve up to 200 records per call.

Why: provisioning hundreds of users one request at a time spends the daily allowance and the clock; collections
write 200 records for one API call (reference ``salesforce.md`` §8.7). Rules modelled, all from §8.7:

* at most 200 records (2,000 ids for POST retrieve) -> otherwise ``400 EXCEEDED_ID_LIMIT`` for the whole call;
* results in request order, one per record; ``allOrNone`` (default false) rolls everything back on any failure, the
  good records reporting ``ALL_OR_NONE_OPERATION_ROLLED_BACK``;
* a well-formed request answers ``200`` even when every record failed; a malformed one ``400``;
* mixed types run in chunks of consecutive same-type records, at most 10 chunks; every sObject of this emulator is
  a setup object, so the ``MIXED_DML_OPERATION`` refusal for setup plus non-setup objects cannot arise here; a type
  the org does not have fails the call with ``INVALID_TYPE``;
* retrieve returns ``null`` for an id that names no record, and an unknown field fails the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sfprov.emulators.salesforce import dml, errors, ids, rules, schema
from sfprov.emulators.salesforce.errors import SalesforceError
from sfprov.emulators.salesforce.rest.context import RequestContext
from sfprov.emulators.salesforce.rest.errors import (
    ID_LIMIT,
    NOT_FOUND,
    error_response,
    json_response,
    method_not_allowed,
)
from sfprov.emulators.salesforce.rest.sobjects import end_sessions_if_locked_out, error, with_attributes
from sfprov.emulators.salesforce.rest.writes import (
    BadJson,
    guarded_write,
    insufficient_access,
    lock_error,
    may_write,
    parse_json,
)
from sfprov.emulators.salesforce.store import Journal, SaveResult

MAX_RECORDS = 200
MAX_RETRIEVE = 2000
MAX_CHUNKS = 10


def _too_many() -> Response:
    return error_response(400, "EXCEEDED_ID_LIMIT", ID_LIMIT)


def handle(ctx: RequestContext, request: Request, parts: list[str], body: bytes) -> Response:
    """``parts`` is the path after ``composite/sobjects``."""
    method = request.method
    try:
        if not parts:
            if method == "POST":
                return _write(ctx, body, updating=False)
            if method == "PATCH":
                return _write(ctx, body, updating=True)
            if method == "DELETE":
                return _delete(ctx, request)
            return method_not_allowed(method, ["DELETE", "PATCH", "POST"])
        if len(parts) == 1:
            sdef = ctx.org.sobject(parts[0])
            if sdef is None:
                return error_response(404, "NOT_FOUND", NOT_FOUND)
            if method == "GET":
                return _retrieve_get(ctx, request, sdef)
            if method == "POST":
                return _retrieve_post(ctx, sdef, body)
            return method_not_allowed(method, ["GET", "POST"])
    except BadJson as bad:
        return bad.response
    except SalesforceError as exc:
        return error(exc)
    return error_response(404, "NOT_FOUND", NOT_FOUND)


def _records_of(body: bytes) -> tuple[list[dict[str, Any]], bool]:
    value = parse_json(body)
    if not isinstance(value, dict) or not isinstance(value.get("records"), list):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body must be an object with a records array")
    all_or_none = value.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise SalesforceError(400, "JSON_PARSER_ERROR", f"Cannot deserialize instance of boolean from {all_or_none}")
    records = value["records"]
    if not all(isinstance(r, dict) for r in records):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "Each element of records must be an object")
    return records, all_or_none


def _type_of(record: dict[str, Any]) -> str:
    attributes = record.get("attributes")
    kind = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(kind, str) or not kind:
        raise SalesforceError(400, "INVALID_TYPE", "Must specify a type in attributes")
    sdef = schema.sobject(kind)
    if sdef is None:
        raise SalesforceError(400, "INVALID_TYPE", f"sObject type '{kind}' is not supported.")
    return sdef.name


def _chunks(records: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    out: list[tuple[str, list[dict[str, Any]]]] = []
    for record in records:
        kind = _type_of(record)
        body = {k: v for k, v in record.items() if k != "attributes"}
        if out and out[-1][0] == kind:
            out[-1][1].append(body)
        else:
            out.append((kind, [body]))
    return out


def _write(ctx: RequestContext, body: bytes, *, updating: bool) -> Response:
    records, all_or_none = _records_of(body)
    if len(records) > MAX_RECORDS:
        return _too_many()
    chunks = _chunks(records)
    if len(chunks) > MAX_CHUNKS:
        return error_response(400, "INVALID_BATCH_REQUEST", "Cannot have more than 10 chunks in a single operation")
    for kind, bodies in chunks:  # every chunk must deserialize before the first one is written
        rules.check_deserializable(ctx.org.sobject(kind) or schema.SCHEMA[kind], bodies)
    ctx.records = len(records)
    if len(chunks) == 1:
        kind, bodies = chunks[0]
        results = _write_one_type(ctx, kind, bodies, all_or_none, updating=updating)
    else:
        results = _write_mixed(ctx, chunks, all_or_none, updating=updating)
    return json_response([r.collection() for r in results])


def _write_one_type(
    ctx: RequestContext, kind: str, bodies: list[dict[str, Any]], all_or_none: bool, *, updating: bool
) -> list[SaveResult]:
    org = ctx.org
    operation = org.update if updating else org.create

    def write(recs: Sequence[dict[str, Any]], aon: bool) -> list[SaveResult]:
        return operation(kind, recs, running_user_id=ctx.user_id, all_or_none=aon)

    results = guarded_write(ctx, kind, bodies, all_or_none, write, updating=updating)
    if updating:
        _expire_sessions(ctx, kind, results)
    return results


def _write_mixed(
    ctx: RequestContext, chunks: list[tuple[str, list[dict[str, Any]]]], all_or_none: bool, *, updating: bool
) -> list[SaveResult]:
    """Several types in one call: chunk by chunk, with one undo journal so ``allOrNone`` spans every chunk. Every
    chunk's handler is resolved first, so a type the API may not write fails the call before anything is written."""
    handlers: dict[str, dml.Handler] = {
        kind: dml.updater(ctx.org, kind) if updating else dml.creator(ctx.org, kind) for kind, _ in chunks
    }
    journal = Journal()
    results: list[SaveResult] = []
    for kind, bodies in chunks:
        handler = handlers[kind]

        def write(recs: Sequence[dict[str, Any]], _aon: bool, handler: dml.Handler = handler) -> list[SaveResult]:
            out: list[SaveResult] = []
            for rec in recs:
                mark = len(journal)
                try:
                    out.append(SaveResult(handler(ctx.org, rec, ctx.user_id, journal), True))
                except SalesforceError as exc:
                    journal.rollback_to(mark)
                    known = rec.get("Id", rec.get("id")) if updating else None
                    out.append(SaveResult(ids.normalize(known) if isinstance(known, str) else None, False, [exc]))
            return out

        results.extend(guarded_write(ctx, kind, bodies, False, write, updating=updating))
    if all_or_none and not all(r.success for r in results):
        journal.rollback_to(0)
        results = [
            SaveResult(r.id if updating else None, False, [errors.rolled_back()]) if r.success else r for r in results
        ]
    if updating:
        start = 0
        for kind, bodies in chunks:
            _expire_sessions(ctx, kind, results[start : start + len(bodies)])
            start += len(bodies)
    return results


def _expire_sessions(ctx: RequestContext, kind: str, results: list[SaveResult]) -> None:
    for result in results:
        if result.success and result.id:
            end_sessions_if_locked_out(ctx, kind, result.id)


def _delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE composite/sobjects?ids=...&allOrNone=``: ids of any deletable type, results in order."""
    raw = request.query_params.get("ids", "")
    record_ids = [i.strip() for i in raw.split(",") if i.strip()]
    if not record_ids:
        return error_response(400, "MISSING_ARGUMENT", "ids parameter is required")
    if len(record_ids) > MAX_RECORDS:
        return _too_many()
    all_or_none = request.query_params.get("allOrNone", "false").lower() == "true"
    ctx.records = len(record_ids)
    slots: list[SaveResult | None] = [None] * len(record_ids)
    runnable: dict[str, list[int]] = {}
    for index, rid in enumerate(record_ids):
        canonical = ids.normalize(rid)
        sdef = schema.sobject_for_id(canonical) if canonical else None
        if canonical is None or sdef is None:
            slots[index] = SaveResult(None, False, [errors.malformed_id("Id", "Id", rid)])
        elif not may_write(ctx, sdef.name):
            slots[index] = SaveResult(canonical, False, [insufficient_access()])
        else:
            try:
                dml.deleter(ctx.org, sdef.name)
            except SalesforceError as exc:
                slots[index] = SaveResult(canonical, False, [exc])
            else:
                if ctx.runtime.faults.should_lock_row():
                    slots[index] = SaveResult(canonical, False, [lock_error(canonical)])
                else:
                    runnable.setdefault(sdef.name, []).append(index)
    if all_or_none and any(slot is not None for slot in slots):
        final = [
            s or SaveResult(ids.normalize(record_ids[i]), False, [errors.rolled_back()]) for i, s in enumerate(slots)
        ]
        return json_response([r.collection() for r in final])
    for kind, indexes in runnable.items():
        done = ctx.org.delete_many(
            kind, [record_ids[i] for i in indexes], running_user_id=ctx.user_id, all_or_none=all_or_none
        )
        for index, result in zip(indexes, done, strict=True):
            slots[index] = result
    return json_response([r.collection() for r in slots if r is not None])


def _retrieve(ctx: RequestContext, sdef: schema.SObjectDef, record_ids: list[str], fields: list[str]) -> Response:
    if not fields:
        return error_response(400, "MISSING_ARGUMENT", "fields parameter is required")
    rows = ctx.org.retrieve(sdef.name, record_ids, fields)
    ctx.records = len(record_ids)
    out: list[dict[str, Any] | None] = []
    for rid, row in zip(record_ids, rows, strict=True):
        canonical = ids.normalize(rid)
        out.append(
            None if row is None or canonical is None else with_attributes(ctx.api_version, sdef.name, canonical, row)
        )
    return json_response(out)


def _retrieve_get(ctx: RequestContext, request: Request, sdef: schema.SObjectDef) -> Response:
    record_ids = [i.strip() for i in request.query_params.get("ids", "").split(",") if i.strip()]
    fields = [f.strip() for f in request.query_params.get("fields", "").split(",") if f.strip()]
    if not record_ids:
        return error_response(400, "MISSING_ARGUMENT", "ids parameter is required")
    if len(record_ids) > MAX_RETRIEVE:
        return _too_many()
    return _retrieve(ctx, sdef, record_ids, fields)


def _retrieve_post(ctx: RequestContext, sdef: schema.SObjectDef, body: bytes) -> Response:
    value = parse_json(body)
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("ids"), list)
        or not isinstance(value.get("fields"), list)
    ):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body must be an object with ids and fields arrays")
    record_ids = [str(i) for i in value["ids"]]
    if len(record_ids) > MAX_RETRIEVE:
        return _too_many()
    return _retrieve(ctx, sdef, record_ids, [str(f) for f in value["fields"]])
