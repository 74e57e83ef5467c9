"""REST error bodies: every REST error is a JSON array of ``{"message", "errorCode"[, "fields"]}`` objects.

Why: connectors decide retry versus give-up from ``errorCode`` and the HTTP status, so both must be Salesforce's
(reference ``salesforce.md`` §8.2-§8.4). Call-level errors (session, limits, routing) carry no ``fields`` key, as in
the documented ``NOT_FOUND`` example; record-level errors from the org rules keep theirs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

JSON_TYPE = "application/json;charset=UTF-8"

SESSION_INVALID = "Session expired or invalid"
"""``INVALID_SESSION_ID`` text (reference §8.4, observed)."""
NOT_FOUND = "The requested resource does not exist"
REQUEST_LIMIT = "TotalRequests Limit exceeded."
INVALID_LOCATOR = "invalid query locator"
EXPIRED_PASSWORD_TEXT = (
    "The users password has expired, you must call SetPassword before attempting any other API operations"  # noqa: S105
)
"""``INVALID_OPERATION_WITH_EXPIRED_PASSWORD`` (WSDL exception code; text as public clients quote it, UNVERIFIED)."""
REST_API_DISABLED_FOR_ORG = "The REST API is not enabled for this Organization."
"""Observed REST text (restforce/restforce#219)."""
API_CURRENTLY_DISABLED = "API is disabled for this User"
ID_LIMIT = "record limit reached. cannot submit more than 200 records into this call"
"""``EXCEEDED_ID_LIMIT`` text observed on sObject Collections (django-salesforce#328)."""


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON as Salesforce sends it (compact, UTF-8)."""
    return Response(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(),
        status_code=status,
        media_type=JSON_TYPE,
        headers=headers,
    )


def error_body(code: str, message: str, fields: Sequence[str] | None = None) -> list[dict[str, Any]]:
    item: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        item["fields"] = list(fields)
    return [item]


def error_response(
    status: int, code: str, message: str, fields: Sequence[str] | None = None, headers: dict[str, str] | None = None
) -> Response:
    return json_response(error_body(code, message, fields), status, headers)


def method_not_allowed(method: str, allowed: Sequence[str]) -> Response:
    """``405`` with Salesforce's wording (``HTTP Method 'DELETE' not allowed. Allowed are GET,HEAD,PATCH``)."""
    allowed_text = ",".join(sorted(set(allowed)))
    return error_response(
        405,
        "METHOD_NOT_ALLOWED",
        f"HTTP Method '{method}' not allowed. Allowed are {allowed_text}",
        headers={"Allow": ", ".join(sorted(set(allowed)))},
    )


_JACKSON_WORDING: dict[str, str] = {
    "expecting value": "expected a value",
    "expecting property name enclosed in double quotes": "was expecting double-quote to start field name",
    "expecting ',' delimiter": "was expecting comma to separate Object entries",
    "expecting ':' delimiter": "was expecting a colon to separate field name and value",
}
"""Python's JSON parser messages in the words of Jackson, the parser whose messages Salesforce returns."""


def json_parser_error(exc: json.JSONDecodeError) -> Response:
    """``400 JSON_PARSER_ERROR`` with a message in the form of Salesforce's JSON parser (Jackson): the offending
    character, what was expected, line and column (observed form ``Unexpected character ('}' (code 125)): expected a
    value at [line:1, column:14]``; the wording of rarer parser messages is UNVERIFIED)."""
    wording = _JACKSON_WORDING.get(exc.msg.lower(), exc.msg.lower())
    if exc.pos < len(exc.doc):
        char = exc.doc[exc.pos]
        detail = f"Unexpected character ('{char}' (code {ord(char)})): {wording}"
    else:
        detail = "Unexpected end-of-input: expected close marker for OBJECT"
    return error_response(400, "JSON_PARSER_ERROR", f"{detail} at [line:{exc.lineno}, column:{exc.colno}]")
