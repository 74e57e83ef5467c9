"""``query`` and ``queryAll``: SOQL over REST with batches, ``nextRecordsUrl`` and query locators.

Why: the provisioning engine reads the org's users, profiles and assignments through SOQL and must page through
large results exactly as on a real org (reference ``salesforce.md`` §8.6): at most 2,000 rows per batch,
``Sforce-Query-Options: batchSize=N`` honoured within 200..2,000, ``done``/``totalSize``/``nextRecordsUrl`` in that
order, and ``400 INVALID_QUERY_LOCATOR`` for an unknown or expired locator. Parsing and execution are Part A's SOQL
engine; the org is its ``TableSource``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sfprov.emulators.salesforce import soql
from sfprov.emulators.salesforce.rest.context import RequestContext
from sfprov.emulators.salesforce.rest.cursors import batch_size
from sfprov.emulators.salesforce.rest.errors import INVALID_LOCATOR, error_response, json_response


def _body(total: int, records: list[dict[str, Any]], next_url: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"totalSize": total, "done": next_url is None}
    if next_url is not None:
        body["nextRecordsUrl"] = next_url
    body["records"] = records
    return body


def run_query(request: Request, ctx: RequestContext, *, include_deleted: bool) -> Response:
    """``GET /services/data/vXX.X/query?q=...`` (or ``queryAll``)."""
    resource = "queryAll" if include_deleted else "query"
    text = request.query_params.get("q")
    if text is None or not text.strip():
        return error_response(400, "MALFORMED_QUERY", "A query string has to be specified")
    try:
        parsed = soql.parse(text, ctx.org.sobject)
        rows = soql.execute(parsed, ctx.org, api_version=ctx.api_version, include_deleted=include_deleted)
    except soql.SoqlError as exc:
        return error_response(400, exc.error_code, exc.message)
    records = list(rows.records)
    size = batch_size(request.headers.get("sforce-query-options"))
    ctx.records = min(len(records), size)
    if len(records) <= size:
        return json_response(_body(rows.total_size, records, None))
    locator = ctx.runtime.cursors.open(ctx.org.id, ctx.user_id, records, rows.total_size, size)
    next_url = f"/services/data/v{ctx.api_version}/{resource}/{locator}-{size}"
    return json_response(_body(rows.total_size, records[:size], next_url))


def query_more(ctx: RequestContext, locator_path: str, *, include_deleted: bool) -> Response:
    """``GET /services/data/vXX.X/query/01g...-2000``: the next batch of an open cursor."""
    resource = "queryAll" if include_deleted else "query"
    locator, sep, start_text = locator_path.rpartition("-")
    if not sep:
        locator, start_text = locator_path, "0"
    cursor = ctx.runtime.cursors.get(locator, ctx.org.id)
    if cursor is None or not start_text.isdigit() or int(start_text) > len(cursor.records):
        return error_response(400, "INVALID_QUERY_LOCATOR", INVALID_LOCATOR)
    start = int(start_text)
    end = start + cursor.batch
    batch = list(cursor.records[start:end])
    ctx.records = len(batch)
    next_url = None
    if end < len(cursor.records):
        next_url = f"/services/data/v{ctx.api_version}/{resource}/{locator}-{end}"
    return json_response(_body(cursor.total_size, batch, next_url))
