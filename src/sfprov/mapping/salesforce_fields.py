"""The Salesforce ``User`` fields a mapping may target, with what the rules need to know about each.

Lengths and required fields are reference ``salesforce.md`` §3.2/§3.3 (Field Reference, API 67.0). The three virtual
targets are the gallery connector's (§13.4): ``ProfileName`` (resolved to ``ProfileId``), ``PermissionSets``
(multi-valued) and ``UserRoleName`` (resolved to ``UserRoleId``). Custom fields (``…__c``) are accepted as text of
unknown length: Salesforce checks them, we cannot.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["string", "email", "phone", "textarea", "picklist", "boolean", "virtual", "multi", "custom"]

PROFILE_NAME = "ProfileName"
PERMISSION_SETS = "PermissionSets"
USER_ROLE_NAME = "UserRoleName"


@dataclass(frozen=True, slots=True)
class TargetField:
    name: str
    kind: FieldKind
    length: int | None = None
    required_on_create: bool = False
    truncatable: bool = False
    """Cutting the value to ``length`` keeps it useful (a title, an alias); identifiers and addresses are refused."""
    matchable: bool = False
    """Filterable and single-valued, so a matching attribute may use it (entra-provisioning-service.md §6)."""


def _s(name: str, length: int, *, truncatable: bool = True, required: bool = False, match: bool = False) -> TargetField:
    return TargetField(name, "string", length, required, truncatable, match)


def _phone(name: str) -> TargetField:
    return TargetField(name, "phone", 40)


def _pick(name: str) -> TargetField:
    return TargetField(name, "picklist", 40, required_on_create=True)


def _bool(name: str) -> TargetField:
    return TargetField(name, "boolean")


_FIELDS: tuple[TargetField, ...] = (
    TargetField("Username", "string", 80, required_on_create=True, matchable=True),
    _s("LastName", 80, required=True),
    _s("FirstName", 40),
    _s("MiddleName", 40),
    _s("Suffix", 40),
    _s("Alias", 8, required=True, match=True),
    _s("CommunityNickname", 40, match=True),
    TargetField("Email", "email", 128, required_on_create=True, matchable=True),
    TargetField("SenderEmail", "email", 80),
    _s("SenderName", 80),
    TargetField("FederationIdentifier", "string", 512, matchable=True),
    _s("EmployeeNumber", 20, truncatable=False, match=True),
    _s("Title", 80),
    _s("Department", 80),
    _s("Division", 80),
    _s("CompanyName", 80),
    TargetField("Street", "textarea", 255, truncatable=True),
    _s("City", 40),
    _s("State", 80),
    _s("PostalCode", 20, truncatable=False),
    _s("Country", 80),
    _phone("Phone"),
    _phone("MobilePhone"),
    _phone("Fax"),
    _phone("Extension"),
    TargetField("AboutMe", "textarea", 1000, truncatable=True),
    _pick("EmailEncodingKey"),
    _pick("LanguageLocaleKey"),
    _pick("LocaleSidKey"),
    _pick("TimeZoneSidKey"),
    _bool("IsActive"),
    _bool("ReceivesInfoEmails"),
    _bool("ReceivesAdminInfoEmails"),
    TargetField("ManagerId", "string", 18),
    TargetField("DelegatedApproverId", "string", 18),
    TargetField(PROFILE_NAME, "virtual", required_on_create=True),
    TargetField(PERMISSION_SETS, "multi"),
    TargetField(USER_ROLE_NAME, "virtual"),
)

_BY_LOWER: dict[str, TargetField] = {f.name.lower(): f for f in _FIELDS}
_PREFIXED = re.compile(r"^(UserPermissions|UserPreferences)[A-Za-z0-9]+$")
_CUSTOM = re.compile(r"^[A-Za-z][A-Za-z0-9_]*__c$")

REQUIRED_ON_CREATE: tuple[str, ...] = tuple(f.name for f in _FIELDS if f.required_on_create)
"""Reference salesforce.md §3.2, with ``ProfileName`` standing for ``ProfileId``."""


def lookup(name: str) -> TargetField | None:
    """The target field named ``name`` (case-insensitive, as Salesforce field names are), or None when unknown."""
    known = _BY_LOWER.get(name.lower())
    if known is not None:
        return known
    if _PREFIXED.match(name):
        return _bool(name)
    if _CUSTOM.match(name):
        return TargetField(name, "custom")
    return None


def unknown_field_message(name: str, extra: tuple[str, ...] = ()) -> str:
    """An error text for an unknown target, suggesting the nearest known names."""
    virtual = {"profileid": PROFILE_NAME, "userroleid": USER_ROLE_NAME}.get(name.lower())
    if virtual:
        return f"map {virtual} instead of {name}: the connector resolves the name to the id in each org."
    candidates = [f.name for f in _FIELDS] + list(extra)
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return (
        f"'{name}' is not a Salesforce User field sfprov knows.{hint} Custom fields end in __c; other standard "
        f"fields can be declared under mapping.extra_fields."
    )


def all_fields() -> tuple[TargetField, ...]:
    return _FIELDS
