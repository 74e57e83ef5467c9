"""Field-level rules of the emulated org, driven by the data dictionary (``schema.py``).

Salesforce checks a record in a fixed order and reports the first failure; the reference's checklist (§14 item 4,
order UNVERIFIED) is: field names -> read-only fields -> required fields -> lengths -> (formats) -> picklists ->
references -> uniqueness -> licences. This module holds the steps that need only the record and the schema; the
steps that need the org (references, uniqueness, licences, state rules) live in :mod:`dml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sfprov.emulators.salesforce import errors
from sfprov.emulators.salesforce.schema import FieldDef, SObjectDef

_EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
"""An e-mail address as Salesforce accepts it: dotted local part, a domain with at least one dot. Sandbox forms such
as ``a@example.com.dev1`` and ``a@example.com.invalid`` pass (reference §1.3)."""

_JSON_KINDS: dict[str, tuple[tuple[type, ...], str]] = {
    "boolean": ((bool,), "boolean"),
    "int": ((int,), "int"),
    "double": ((int, float), "double"),
}

SETUP_OBJECTS = frozenset(
    {
        "User",
        "UserRole",
        "Profile",
        "PermissionSet",
        "PermissionSetAssignment",
        "PermissionSetGroup",
        "PermissionSetLicense",
        "PermissionSetLicenseAssign",
        "UserLicense",
        "UserLogin",
        "Organization",
        "Group",
        "GroupMember",
        "QueueSobject",
        "UserTerritory",
        "Territory",
    }
)
"""Setup objects that cannot be written together with non-setup objects in one transaction (reference §6,
``MIXED_DML_OPERATION``). The list follows the Apex guide's "sObjects That Cannot Be Used Together in DML
Operations" for the objects the emulator knows, plus the usual group/territory ones."""


def is_setup_object(name: str) -> bool:
    """True for a setup sObject (case-insensitive), so that Part C can refuse mixed DML."""
    return any(name.lower() == s.lower() for s in SETUP_OBJECTS)


def is_email(value: str) -> bool:
    """True when ``value`` has the form of an e-mail address."""
    return _EMAIL_RE.fullmatch(value) is not None


def blank(value: Any) -> bool:
    """Salesforce treats null and the empty string alike for required text fields."""
    return value is None or value == ""


class FieldIndex:
    """Per-sObject lookups precomputed from the schema, so that validating a record costs a few dict hits per
    value instead of a walk over every field (a 200-record batch must validate in well under 50 ms)."""

    def __init__(self, sdef: SObjectDef) -> None:
        self.sdef = sdef
        self.by_name: dict[str, FieldDef] = {f.name: f for f in sdef.fields}
        self.by_lower: dict[str, FieldDef] = {f.name.lower(): f for f in sdef.fields}
        self.position: dict[str, int] = {f.name: i for i, f in enumerate(sdef.fields)}
        self.required_on_create: tuple[FieldDef, ...] = tuple(f for f in sdef.fields if f.required_on_create)
        self.json_types: dict[str, frozenset[type]] = {f.name: _json_types(f) for f in sdef.fields}
        self.max_length: dict[str, int] = {
            f.name: f.length for f in sdef.fields if f.length and f.type not in ("id", "reference", "boolean")
        }
        self.restricted: dict[str, FieldDef] = {
            f.name: f for f in sdef.fields if f.type == "picklist" and f.restricted_picklist
        }

    def field(self, key: str) -> FieldDef | None:
        return self.by_name.get(key) or self.by_lower.get(key.lower())

    def in_order(self, names: Iterable[str]) -> list[str]:
        """``names`` in describe order (Salesforce reports the first failing field in that order)."""
        return sorted(names, key=self.position.__getitem__)


def _json_types(fdef: FieldDef) -> frozenset[type]:
    """The JSON value types a field takes (``type(value)`` membership: a bool is never a number)."""
    if fdef.type == "boolean":
        return frozenset({bool})
    if fdef.type == "int":
        return frozenset({int})
    if fdef.type == "double":
        return frozenset({int, float})
    return frozenset({str})


_INDEXES: dict[tuple[str, int], FieldIndex] = {}


def field_index(sdef: SObjectDef) -> FieldIndex:
    """The cached :class:`FieldIndex` of ``sdef`` (keyed by identity too: an org with custom fields has its own
    definition of a standard object, and orgs must not evict each other's index)."""
    key = (sdef.name, id(sdef))
    index = _INDEXES.get(key)
    if index is None or index.sdef is not sdef:
        index = _INDEXES[key] = FieldIndex(sdef)
    return index


def canonical_values(sdef: SObjectDef, body: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Steps 1-2: resolve field names case-insensitively (``INVALID_FIELD`` for an unknown one), refuse fields the
    operation may not write (``INVALID_FIELD_FOR_INSERT_UPDATE``, all of them named), and check JSON types.

    ``attributes`` is ignored (REST and Collections carry the type there); on update ``Id`` is the key, not a value.
    """
    index = field_index(sdef)
    by_name, json_types = index.by_name, index.json_types
    values: dict[str, Any] = {}
    refused: list[str] = []
    for key, value in body.items():
        if key == "attributes":
            continue
        fdef = by_name.get(key) or index.by_lower.get(key.lower())
        if fdef is None:
            raise errors.no_such_column(key, sdef.name)
        name = fdef.name
        if name == "Id" and not creating:
            continue
        if not (fdef.createable if creating else fdef.updateable):
            refused.append(name)
            continue
        if value is not None and type(value) not in json_types[name]:
            check_json_type(fdef, value)
        values[name] = value
    if refused:
        raise errors.not_writable(index.in_order(refused))
    return values


def check_deserializable(sdef: SObjectDef, records: Iterable[Mapping[str, Any]]) -> None:
    """The checks Salesforce makes while it *parses* a request body, before any record is saved: an unknown field
    (``INVALID_FIELD``) or a value of the wrong JSON type (``JSON_PARSER_ERROR``) fails the whole request with 400,
    not one record. For Part C to call on REST and Collections bodies (whole-request behaviour UNVERIFIED for
    Collections; the per-record check in :func:`canonical_values` stays as the safety net)."""
    index = field_index(sdef)
    for body in records:
        for key, value in body.items():
            if key == "attributes":
                continue
            fdef = index.field(key)
            if fdef is None:
                raise errors.no_such_column(key, sdef.name)
            if value is not None and type(value) not in index.json_types[fdef.name]:
                check_json_type(fdef, value)


def check_json_type(fdef: FieldDef | None, value: Any) -> None:
    """Checkboxes take JSON booleans, numbers take numbers, every other type takes a string (or null)."""
    if fdef is None or value is None:
        return
    kinds, kind_name = _JSON_KINDS.get(fdef.type, ((str,), "String"))
    ok = isinstance(value, kinds) and not (fdef.type in ("int", "double") and isinstance(value, bool))
    if not ok:
        raise errors.json_type_mismatch(kind_name, value)


def missing_required(
    sdef: SObjectDef,
    values: Mapping[str, Any],
    *,
    creating: bool,
    optional: frozenset[str] = frozenset(),
    extra: frozenset[str] = frozenset(),
) -> None:
    """Step 3: ``REQUIRED_FIELD_MISSING`` naming every missing field in describe order.

    On create a field is required when createable, not nillable and not defaulted (describe's rule); on update a
    non-nillable field may not be set to null or "". ``optional`` lists fields the org fills itself, ``extra``
    fields an org setting makes required on create.
    """
    index = field_index(sdef)
    missing: list[str] = []
    if creating:
        candidates = index.required_on_create
        if extra:
            candidates = tuple(f for f in index.sdef.fields if f in candidates or f.name in extra)
        missing = [
            f.name for f in candidates if f.name not in optional and f.type != "boolean" and blank(values.get(f.name))
        ]
    else:
        for name, value in values.items():
            fdef = index.by_name[name]
            if not fdef.nillable and fdef.type != "boolean" and name not in optional and blank(value):
                missing.append(name)
        missing = index.in_order(missing)
    if missing:
        raise errors.required_fields_missing(missing)


def check_lengths(sdef: SObjectDef, values: Mapping[str, Any]) -> None:
    """Step 4: ``STRING_TOO_LONG`` for the first (describe order) text value longer than its field (§3.3)."""
    index = field_index(sdef)
    max_length = index.max_length
    too_long = [
        name for name, value in values.items() if isinstance(value, str) and len(value) > max_length.get(name, 1 << 30)
    ]
    if too_long:
        fdef = index.by_name[index.in_order(too_long)[0]]
        raise errors.string_too_long(fdef.label, fdef.name, values[fdef.name], fdef.length)


def check_picklists(sdef: SObjectDef, values: Mapping[str, Any]) -> None:
    """Step 5: ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`` for a value outside a restricted picklist."""
    index = field_index(sdef)
    restricted = index.restricted
    bad = [
        name
        for name, value in values.items()
        if name in restricted and isinstance(value, str) and value and not restricted[name].allows_picklist_value(value)
    ]
    if bad:
        fdef = index.by_name[index.in_order(bad)[0]]
        raise errors.bad_restricted_picklist(fdef.label, fdef.name, values[fdef.name])


def check_user_formats(values: Mapping[str, Any]) -> None:
    """User formats: a username in e-mail form (``FIELD_INTEGRITY_EXCEPTION``, §3.4, §8.4) and valid e-mail
    addresses (``INVALID_EMAIL_ADDRESS``, §8.4)."""
    username = values.get("Username")
    if isinstance(username, str) and username and not is_email(username):
        raise errors.username_not_email()
    for name, label in (("Email", "Email"), ("SenderEmail", "Email Sender Address")):
        value = values.get(name)
        if isinstance(value, str) and value and not is_email(value):
            raise errors.invalid_email(label, name, value)


def full_name(first: str | None, last: str | None) -> str:
    """``User.Name``: FirstName and LastName joined by a space (read-only, reference §3.3)."""
    return " ".join(part for part in (first, last) if part)


def nickname_base(username: str | None, email: str | None) -> str:
    """The stem of an auto-filled CommunityNickname: the local part of the e-mail (or username), at most 40
    characters (reference §3.2: Salesforce fills it when omitted; the exact form is UNVERIFIED)."""
    source = email or username or "user"
    return source.split("@", 1)[0][:40] or "user"
