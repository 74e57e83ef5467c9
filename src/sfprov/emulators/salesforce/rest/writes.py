"""What single-record and collection writes share: JSON bodies, Manage Users, injected lock failures, results.

Why here and not in the org rules: the running user's permission to write setup objects and the
``UNABLE_TO_LOCK_ROW`` fault are properties of the call, not of a record's values. Creating or updating users needs
"Manage Internal Users", which "Manage Users" includes (reference ``salesforce.md`` §3.1); freezing through
``UserLogin`` needs "Manage Users" itself (§4.3); permission set assignments need it or "Assign Permission Sets" (§6).
Each permission counts whether the profile or an assigned permission set grants it (:meth:`Org.has_permission`).
The refusal is per record (``INSUFFICIENT_ACCESS_OR_READONLY``, reference §8.4; the message is the common Salesforce
text, UNVERIFIED for User).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from starlette.responses import Response

from sfprov.emulators.salesforce import errors, rules, schema
from sfprov.emulators.salesforce.errors import SalesforceError
from sfprov.emulators.salesforce.rest.context import RequestContext
from sfprov.emulators.salesforce.rest.errors import json_parser_error
from sfprov.emulators.salesforce.store import SaveResult

INSUFFICIENT_ACCESS_MESSAGE = "insufficient access rights on object id"
LOCK_MESSAGE = "unable to obtain exclusive access to this record"

_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "User": ("PermissionsManageUsers", "PermissionsManageInternalUsers"),
    "UserLogin": ("PermissionsManageUsers",),
    "PermissionSetAssignment": ("PermissionsManageUsers", "PermissionsAssignPermissionSets"),
}


class BadJson(Exception):
    """The body is not the JSON the resource expects; :attr:`response` is the answer."""

    def __init__(self, response: Response) -> None:
        super().__init__("bad JSON body")
        self.response = response


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8") if body else "")
    except UnicodeDecodeError:
        raise BadJson(json_parser_error(json.JSONDecodeError("Invalid UTF-8 start byte", "", 0))) from None
    except json.JSONDecodeError as exc:
        raise BadJson(json_parser_error(exc)) from None


def parse_object(body: bytes) -> dict[str, Any]:
    """A JSON object body (``attributes`` dropped: it only names the type)."""
    value = parse_json(body)
    if not isinstance(value, dict):
        raise BadJson(
            json_parser_error(json.JSONDecodeError("expected a JSON object", body.decode("utf-8", "replace"), 0))
        )
    return {k: v for k, v in value.items() if k != "attributes"}


def may_write(ctx: RequestContext, sobject: str) -> bool:
    """True when the running user holds a permission that allows writing ``sobject``."""
    sdef = schema.sobject(sobject)
    needed = _PERMISSIONS.get(sdef.name if sdef else sobject, ())
    if not needed:
        return True
    return any(schema.SCHEMA["Profile"].field(p) is not None and ctx.org.has_permission(ctx.user_id, p) for p in needed)


def insufficient_access() -> SalesforceError:
    return SalesforceError(400, "INSUFFICIENT_ACCESS_OR_READONLY", INSUFFICIENT_ACCESS_MESSAGE)


def lock_error(record_id: str | None) -> SalesforceError:
    message = f"{LOCK_MESSAGE} or 1 records: {record_id}" if record_id else LOCK_MESSAGE
    return SalesforceError(400, "UNABLE_TO_LOCK_ROW", message)


Writer = Callable[[Sequence[dict[str, Any]], bool], list[SaveResult]]


def guarded_write(
    ctx: RequestContext,
    sobject: str,
    records: Sequence[dict[str, Any]],
    all_or_none: bool,
    write: Writer,
    *,
    updating: bool,
) -> list[SaveResult]:
    """Run ``write`` over ``records`` after the permission check and the injected lock failures.

    A record hit by an injected lock fails on its own; under ``allOrNone`` the others then report
    ``ALL_OR_NONE_OPERATION_ROLLED_BACK`` and nothing is written, as with any other record failure. Before anything,
    the body must deserialize (Part B's :func:`rules.check_deserializable`): otherwise the call fails as a whole.
    """

    def key(record: dict[str, Any]) -> str | None:
        value = record.get("Id", record.get("id")) if updating else None
        return value if isinstance(value, str) else None

    sdef = ctx.org.sobject(sobject)
    if sdef is not None:
        rules.check_deserializable(sdef, records)  # unknown field / wrong JSON type: the whole request fails (400)
    if not may_write(ctx, sobject):
        return [SaveResult(key(r), False, [insufficient_access()]) for r in records]
    locked = [ctx.runtime.faults.should_lock_row() for _ in records]
    if not any(locked):
        return write(records, all_or_none)
    if all_or_none:
        return [
            SaveResult(key(r), False, [lock_error(key(r))] if hit else [errors.rolled_back()])
            for r, hit in zip(records, locked, strict=True)
        ]
    free = [r for r, hit in zip(records, locked, strict=True) if not hit]
    written = iter(write(free, False) if free else [])
    return [
        SaveResult(key(r), False, [lock_error(key(r))]) if hit else next(written)
        for r, hit in zip(records, locked, strict=True)
    ]
