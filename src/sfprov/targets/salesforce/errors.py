"""Salesforce's error codes, translated once into sfprov's error hierarchy, each with the fix an admin needs.

Salesforce reports errors as a JSON array of ``{"message", "errorCode", "fields"}`` (REST) or, inside sObject
Collections results, ``{"statusCode", "message", "fields"}`` (REST API guide, "Status Codes and Error Responses";
reference ``salesforce.md`` §8.2, §8.4, §8.7). The engine never looks at these strings: it decides from the class.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sfprov import errors as e

# errorCode -> (error class, fix). Codes not listed map by HTTP status (see ``from_response``).
_CODES: dict[str, tuple[type[e.ConnectorError], str | None]] = {
    # retry soon
    "UNABLE_TO_LOCK_ROW": (e.Transient, None),
    "UNKNOWN_EXCEPTION": (e.Transient, None),
    "SERVER_UNAVAILABLE": (e.Transient, None),
    "REQUEST_RUNNING_TOO_LONG": (e.Transient, None),
    # limits
    "REQUEST_LIMIT_EXCEEDED": (
        e.RateLimited,
        "The org's API allowance (rolling 24 h) is spent or too many long requests run at once; wait, or raise the "
        "allowance in Setup > Company Information.",
    ),
    # auth
    "INVALID_SESSION_ID": (e.AuthFailed, "Log in again; check the session timeout of the integration user's profile."),
    "INVALID_LOGIN": (
        e.AuthFailed,
        "Check the username, the password and the security token (a password reset issues a new token).",
    ),
    "LOGIN_MUST_USE_SECURITY_TOKEN": (
        e.AuthFailed,
        "Append the user's security token to the password (Settings > Reset My Security Token), or use OAuth "
        "client credentials instead.",
    ),
    "PASSWORD_EXPIRED": (e.AuthFailed, "Log in to Salesforce as the integration user and set a new password."),
    "API_DISABLED_FOR_ORG": (
        e.PermissionDenied,
        "This org's edition has no API access (Trial/Essentials); use Developer, Enterprise, Unlimited or Sandbox, "
        "or give the integration user's profile 'API Enabled'.",
    ),
    "API_CURRENTLY_DISABLED": (
        e.PermissionDenied,
        "Give the integration user's profile the 'API Enabled' system permission.",
    ),
    "INSUFFICIENT_ACCESS": (
        e.PermissionDenied,
        "Give the integration user 'Manage Users' (and, from API 67.0, 'Use Any API Auth' for SOAP login()).",
    ),
    "INSUFFICIENT_ACCESS_OR_READONLY": (
        e.PermissionDenied,
        "Give the integration user's profile the 'Manage Users' system permission.",
    ),
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": (
        e.PermissionDenied,
        "The integration user cannot see the referenced record (profile, role or permission set).",
    ),
    # not found
    "NOT_FOUND": (e.NotFound, None),
    "ENTITY_IS_DELETED": (e.NotFound, None),
    "INVALID_QUERY_LOCATOR": (e.Transient, None),
    # conflicts
    "DUPLICATE_USERNAME": (
        e.Conflict,
        "Usernames are unique across all Salesforce orgs: rename the other user, or map a different Username "
        "(for sandboxes, a suffix).",
    ),
    "DUPLICATE_COMM_NICKNAME": (e.Conflict, "Map a different CommunityNickname or let sfprov add a suffix."),
    "DUPLICATE_VALUE": (e.Conflict, None),
    "CANNOT_DISABLE_LAST_ADMIN": (e.Conflict, "Keep another active System Administrator before deactivating this one."),
    "CANNOT_FREEZE_SELF": (e.Conflict, "The integration user cannot freeze itself; it must stay out of scope."),
    "MIXED_DML_OPERATION": (e.InvalidField, None),
    "ALL_OR_NONE_OPERATION_ROLLED_BACK": (e.Transient, None),
    # licences
    "LICENSE_LIMIT_EXCEEDED": (
        e.LicenceLimit,
        "No free licence for this user's profile: buy licences, free some by deactivating users, or map a profile "
        "of another licence (e.g. Chatter Free User).",
    ),
    # bad values
    "REQUIRED_FIELD_MISSING": (
        e.InvalidField,
        "Populate the source attribute, give the mapping a default, or exclude such users with a scoping filter.",
    ),
    "STRING_TOO_LONG": (e.InvalidField, "Shorten the value in the mapping (e.g. Mid(...)) or in Entra."),
    "INVALID_EMAIL_ADDRESS": (e.InvalidField, "Fix the user's mail attribute in Entra or map another source."),
    "FIELD_INTEGRITY_EXCEPTION": (e.InvalidField, None),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": (
        e.InvalidField,
        "Map a value Salesforce accepts for this picklist (e.g. en_US, America/Los_Angeles, UTF-8).",
    ),
    "INVALID_CROSS_REFERENCE_KEY": (
        e.InvalidField,
        "The referenced profile, role or manager does not exist in this org; check the name in the mapping.",
    ),
    "INVALID_FIELD": (e.InvalidField, "Remove the field from the mapping or fix its name (see `sfprov doctor`)."),
    "INVALID_FIELD_FOR_INSERT_UPDATE": (e.InvalidField, "This field is read-only in Salesforce; remove it."),
    "MALFORMED_ID": (e.InvalidField, None),
    "MALFORMED_QUERY": (e.InvalidField, None),
    "INVALID_TYPE": (e.InvalidField, None),
    "JSON_PARSER_ERROR": (e.InvalidField, None),
    "METHOD_NOT_ALLOWED": (e.InvalidField, None),
    "EXCEEDED_ID_LIMIT": (e.InvalidField, None),
    "INVALID_OPERATION": (e.PermissionDenied, None),
}


def error_class(code: str | None, status: int | None = None) -> tuple[type[e.ConnectorError], str | None]:
    """The sfprov error class and fix for a Salesforce error code (falling back on the HTTP status)."""
    if code and code in _CODES:
        return _CODES[code]
    if status is None:
        return e.ConnectorError, None
    if status in (500, 502, 503, 504) or status == 420:
        return e.Transient, None
    if status == 401:
        return e.AuthFailed, None
    if status == 403:
        return e.PermissionDenied, None
    if status == 404:
        return e.NotFound, None
    return e.ConnectorError, None


def make_error(
    code: str | None, message: str, *, status: int | None = None, fields: Sequence[str] = ()
) -> e.ConnectorError:
    cls, fix = error_class(code, status)
    text = f"Salesforce {code or f'HTTP {status}'}: {message}".rstrip()
    if fields:
        text += f" (fields: {', '.join(fields)})"
    return cls(text, fix=fix, code=code or (f"HTTP_{status}" if status else None), fields=tuple(fields))


def from_error_item(item: Mapping[str, Any], *, status: int | None = None) -> e.ConnectorError:
    """Translate one element of a REST error array or of a collection result's ``errors``."""
    code = item.get("errorCode") or item.get("statusCode")
    message = str(item.get("message", "")).strip()
    fields = [str(f) for f in item.get("fields") or []]
    return make_error(str(code) if code else None, message, status=status, fields=fields)


def from_response(status: int, body: Any) -> e.ConnectorError:
    """Translate a whole error response: REST answers with a JSON array; some proxies answer with HTML/text."""
    if isinstance(body, list) and body and isinstance(body[0], Mapping):
        return from_error_item(body[0], status=status)
    if isinstance(body, Mapping) and "error" in body:  # OAuth style
        return make_error(str(body.get("error")), str(body.get("error_description", "")), status=status)
    text = body if isinstance(body, str) else ""
    return make_error(None, text[:200] or "no error details in the answer", status=status)
