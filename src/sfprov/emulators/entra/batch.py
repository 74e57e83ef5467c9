"""JSON batching: ``POST /v1.0/$batch`` (concepts/json-batching.md; reference ``entra-graph.md`` §11).

Each sub-request runs through :meth:`GraphService.handle` like an HTTP request (own counter, own throttling and
faults, own permission check), with the batch's ``Authorization`` header; ``batch_item_error_storm`` fails the next
sub-requests only (a 5xx inside a 200 batch answer). ``dependsOn`` orders requests; when a
prerequisite fails (status >= 400) its dependants answer 424 Failed Dependency. The outer answer is 200 whenever
the batch itself parses; a malformed batch, duplicate ids or more than the limit (20) requests are a 400 for the
whole batch. Responses come back in completion order, which Graph does not guarantee to match request order.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sfprov.emulators.entra.directory import GraphError

if TYPE_CHECKING:
    from sfprov.emulators.entra.graph import GraphRequest, GraphResponse, GraphService

_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})


def _invalid(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _validate(body: Any, limit: int) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise _invalid("Invalid batch payload format.")
    requests: list[dict[str, Any]] = body["requests"]
    if len(requests) > limit:
        raise _invalid(f"Number of requests exceeds the limit of {limit}.")
    seen: set[str] = set()
    for item in requests:
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("id", "method", "url")):
            raise _invalid("Invalid batch payload format.")
        if item["id"].lower() in seen:
            raise _invalid("Request Id must be unique. Duplicated Id found.")
        seen.add(item["id"].lower())
        if item["method"].upper() not in _METHODS:
            raise _invalid(f"Invalid HTTP method '{item['method']}'.")
        if "body" in item and "content-type" not in {k.lower() for k in (item.get("headers") or {})}:
            raise _invalid("Content-Type header is required when a body is present.")
    for item in requests:
        for dep in item.get("dependsOn") or []:
            if str(dep).lower() not in seen:
                raise _invalid(f"Request '{item['id']}' depends on an unknown request '{dep}'.")
    return requests


def _injected_error(service: GraphService, sub: GraphRequest) -> GraphError | None:
    """A configured sub-request failure (``batch_item_error_storm``), counted under the endpoint's name."""
    try:
        endpoint = service.match(sub.method, sub.path)[0].endpoint
    except GraphError:
        return None  # an unknown URL answers its own error
    return service.faults.batch_item_error(endpoint)


async def run_batch(service: GraphService, outer: GraphRequest) -> GraphResponse:
    from sfprov.emulators.entra.graph import GraphRequest, GraphResponse, error_body

    requests = _validate(outer.json(), service.faults.config.batch_limit)
    status: dict[str, int] = {}
    responses: list[dict[str, Any]] = []
    for item in requests:
        rid = item["id"]
        deps = [str(d).lower() for d in item.get("dependsOn") or []]
        if any(status.get(d, 0) >= 400 for d in deps):
            status[rid.lower()] = 424
            responses.append(
                {
                    "id": rid,
                    "status": 424,
                    "headers": {},
                    "body": {"error": {"code": "FailedDependency", "message": "Failed dependency."}},
                }
            )
            continue
        url = item["url"]
        if urlsplit(url).scheme:
            raise _invalid("Invalid request URL: batch request URLs must be relative.")
        parts = urlsplit(url if url.startswith("/") else "/" + url)
        path = unquote(parts.path)
        if path.startswith("/v1.0/"):
            path = path[len("/v1.0") :]
        headers = {k.lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        if "authorization" in outer.headers:
            headers["authorization"] = outer.headers["authorization"]
        body = item.get("body")
        raw = b"" if body is None else (json.dumps(body).encode() if not isinstance(body, str) else body.encode())
        sub = GraphRequest(
            method=item["method"].upper(),
            path=path,
            params=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=headers,
            body=raw,
            base_url=outer.base_url,
        )
        injected = _injected_error(service, sub)
        if injected is None:
            resp = await service.handle(sub)
        else:
            request_id = str(uuid.uuid4())
            client_request_id = sub.headers.get("client-request-id", request_id)
            body = error_body(injected, request_id, client_request_id, service.clock())
            headers = {**injected.headers, "request-id": request_id, "client-request-id": client_request_id}
            resp = GraphResponse(injected.status, body, headers)
        status[rid.lower()] = resp.status
        entry: dict[str, Any] = {"id": rid, "status": resp.status, "headers": dict(resp.headers)}
        if resp.body is not None:
            entry["body"] = resp.body
            entry["headers"].setdefault(
                "Content-Type", "text/plain" if isinstance(resp.body, str) else "application/json"
            )
        responses.append(entry)
    if service.faults.config.batch_shuffle:
        service.faults.shuffle(responses)
    return GraphResponse(200, {"responses": responses})
