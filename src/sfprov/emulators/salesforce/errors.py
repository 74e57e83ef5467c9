"""The record-level error of the emulated org, and builders for the messages Salesforce really sends.

Why one class: the REST layer (Part C) renders the same failure as a single-record error array
(``[{"message", "errorCode", "fields"}]``, reference §8.2) or as an sObject Collections entry
(``{"statusCode", "message", "fields"}``, §8.7), so the rules raise one object and the HTTP layer picks the shape.

Messages quote Salesforce's wire text where the reference or public client code shows it; each builder says where
its text comes from. No builder ever puts a password, token or secret into a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class SalesforceError(Exception):
    """A failure as Salesforce reports it: HTTP status, ``errorCode``/``statusCode``, message and field names."""

    def __init__(self, status: int, error_code: str, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.fields = list(fields)

    def rest(self) -> dict[str, Any]:
        """The element of a REST error array (reference §8.2)."""
        return {"message": self.message, "errorCode": self.error_code, "fields": list(self.fields)}

    def collection(self) -> dict[str, Any]:
        """The element of ``errors`` in an sObject Collections result (reference §8.7: ``statusCode``)."""
        return {"statusCode": self.error_code, "message": self.message, "fields": list(self.fields)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SalesforceError):
            return NotImplemented
        return (self.status, self.error_code, self.message, self.fields) == (
            other.status,
            other.error_code,
            other.message,
            other.fields,
        )

    def __hash__(self) -> int:
        return hash((self.status, self.error_code, self.message, tuple(self.fields)))

    def __repr__(self) -> str:
        return f"SalesforceError({self.status}, {self.error_code!r}, {self.message!r}, {self.fields!r})"


DUPLICATE_USERNAME_MESSAGE = (
    "Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must "
    "be unique across all Salesforce organizations. To resolve, use a different username (it doesn't need to match "
    "the user's email address). "
)
"""Exact wire text of KB 000381924 (reference §3.4), trailing space included."""

ROLLED_BACK_MESSAGE = "Record rolled back because not all records were valid and the request was using AllOrNone header"
"""Text of the rolled-back entry under ``allOrNone`` (reference §8.7, REST guide example)."""

USERNAME_FORM_MESSAGE = "Username must be in the form of an email address (for example, john@acme.com): Username"
"""Observed REST body for a username not in e-mail form (wso2/product-is#23846; the same text appears in Apex
``DmlException`` messages): ``FIELD_INTEGRITY_EXCEPTION`` with ``fields: ["Username"]`` (reference §8.4)."""


def required_fields_missing(fields: Sequence[str]) -> SalesforceError:
    """``REQUIRED_FIELD_MISSING`` / ``Required fields are missing: [LastName, Alias]`` (reference §8.4, observed)."""
    return SalesforceError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(fields)}]", fields)


def string_too_long(label: str, field: str, value: str, max_length: int) -> SalesforceError:
    """``STRING_TOO_LONG`` / ``<Label>: data value too large: <value> (max length=<n>)`` (observed in public client
    code and tests quoting real responses, e.g. ``Account Name: data value too large: ... (max length=255)``)."""
    return SalesforceError(
        400, "STRING_TOO_LONG", f"{label}: data value too large: {value} (max length={max_length})", [field]
    )


def bad_restricted_picklist(label: str, field: str, value: object) -> SalesforceError:
    """``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`` / ``<Label>: bad value for restricted picklist field: <value>``
    (observed, e.g. ``Race: bad value for restricted picklist field: ...`` with ``fields: ["Race__c"]``)."""
    return SalesforceError(
        400,
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        f"{label}: bad value for restricted picklist field: {value}",
        [field],
    )


def invalid_email(label: str, field: str, value: str) -> SalesforceError:
    """``INVALID_EMAIL_ADDRESS`` / ``Email: invalid email address: x`` (reference §8.4, observed)."""
    return SalesforceError(400, "INVALID_EMAIL_ADDRESS", f"{label}: invalid email address: {value}", [field])


def username_not_email() -> SalesforceError:
    """``FIELD_INTEGRITY_EXCEPTION`` for a username that is not e-mail shaped (reference §8.4)."""
    return SalesforceError(400, "FIELD_INTEGRITY_EXCEPTION", USERNAME_FORM_MESSAGE, ["Username"])


def duplicate_username() -> SalesforceError:
    """``DUPLICATE_USERNAME`` with the KB 000381924 text and ``fields: ["Username"]`` (reference §3.4)."""
    return SalesforceError(400, "DUPLICATE_USERNAME", DUPLICATE_USERNAME_MESSAGE, ["Username"])


def no_such_column(field: str, sobject: str) -> SalesforceError:
    """``INVALID_FIELD`` / ``No such column 'Foo' on sobject of type User`` for an unknown field in a body."""
    return SalesforceError(400, "INVALID_FIELD", f"No such column '{field}' on sobject of type {sobject}")


def not_writable(fields: Iterable[str]) -> SalesforceError:
    """``INVALID_FIELD_FOR_INSERT_UPDATE`` with Salesforce's text (observed in public client code quoting real
    responses: ``Unable to create/update fields: Name. Please check the security settings of this field and verify
    that it is read/write for your profile or permission set.``)."""
    names = list(fields)
    return SalesforceError(
        400,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        f"Unable to create/update fields: {', '.join(names)}. Please check the security settings of this field and "
        "verify that it is read/write for your profile or permission set.",
        names,
    )


def invalid_cross_reference() -> SalesforceError:
    """``INVALID_CROSS_REFERENCE_KEY`` / ``invalid cross reference id`` with no field: a well-formed id of the right
    type that names no record (observed REST bodies carry no field; Apex shows ``invalid cross reference id: []``)."""
    return SalesforceError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")


def reference_of_wrong_type(label: str, field: str, value: str) -> SalesforceError:
    """``FIELD_INTEGRITY_EXCEPTION`` / ``<Label>: id value of incorrect type: <id>`` for a well-formed id of another
    object in a reference field (observed: ``Owner ID: id value of incorrect type: 035...: [OwnerId]``)."""
    return SalesforceError(400, "FIELD_INTEGRITY_EXCEPTION", f"{label}: id value of incorrect type: {value}", [field])


def malformed_id(label: str, field: str, value: object) -> SalesforceError:
    """``MALFORMED_ID`` / ``<Label>: id value of incorrect type: <value>`` (reference §8.2 doc example)."""
    return SalesforceError(400, "MALFORMED_ID", f"{label}: id value of incorrect type: {value}", [field])


def json_type_mismatch(kind: str, value: object) -> SalesforceError:
    """A JSON value of the wrong type for a field (a string for a checkbox, ...). Salesforce fails the whole request
    at its JSON parser with ``JSON_PARSER_ERROR`` and a Jackson message that also names the line and column, which
    the emulator cannot know once the body is parsed; the text without position is UNVERIFIED."""
    token = {bool: "VALUE_TRUE" if value else "VALUE_FALSE", int: "VALUE_NUMBER_INT", float: "VALUE_NUMBER_FLOAT"}.get(
        type(value), "VALUE_STRING" if isinstance(value, str) else "START_OBJECT"
    )
    return SalesforceError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {token} value {value} or request may be missing a required field",
    )


def method_not_allowed(method: str, allowed: Sequence[str]) -> SalesforceError:
    """``METHOD_NOT_ALLOWED`` (405) in Salesforce's observed form ``HTTP Method 'PATCH' not allowed. Allowed are
    GET,HEAD,POST`` (reference §8.3, §8.4)."""
    return SalesforceError(
        405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {','.join(allowed)}"
    )


def license_limit_exceeded() -> SalesforceError:
    """``LICENSE_LIMIT_EXCEEDED`` / ``License Limit Exceeded`` (reference §5.3, observed)."""
    return SalesforceError(400, "LICENSE_LIMIT_EXCEEDED", "License Limit Exceeded")


def rolled_back() -> SalesforceError:
    """``ALL_OR_NONE_OPERATION_ROLLED_BACK`` (reference §8.7, doc)."""
    return SalesforceError(400, "ALL_OR_NONE_OPERATION_ROLLED_BACK", ROLLED_BACK_MESSAGE)


def not_found() -> SalesforceError:
    """``NOT_FOUND`` / ``The requested resource does not exist`` (reference §8.2, doc)."""
    return SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_type(sobject: str) -> SalesforceError:
    """``INVALID_TYPE`` for an sObject the org does not have (the text SOQL and REST use, reference §8.4)."""
    return SalesforceError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
