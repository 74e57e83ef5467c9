"""The integration user's effective permissions: what its profile grants OR any permission set assigned to it grants.

Why: Salesforce's recommended integration setup is the "Salesforce Integration" licence with the "Minimum Access -
API Only Integrations" profile, the permissions coming from permission sets (reference ``salesforce.md`` §11.1,
§5.1). Reading only the profile would fail such a user although sfprov works with it. A profile's own permissions
live in its profile-owned permission set (``PermissionSet.IsOwnedByProfile``, §6), and every user is assigned that
set, so one query over ``PermissionSetAssignment`` sees the profile and the permission sets alike.

Which permission each operation of sfprov needs (all *(doc)* in the reference):

* every API call: **API Enabled** (§3.1; without it ``API_CURRENTLY_DISABLED``, §8.4);
* creating and updating users: **Manage Internal Users**, which **Manage Users** includes (§3.1);
* freezing logins (``safety.freeze_before_deactivate``): updating ``UserLogin`` needs **Manage Users** (§4.3);
* assigning and removing permission sets (the mapping manages them, or ``safety.remove_permission_sets_on_deactivate``
  removes them on deactivation): **Assign Permission Sets** or **Manage Users** (§6);
* reading ``/limits`` for the doctor's own allowance check: **View Setup and Configuration** (§8.5); the cycle reads
  the ``Sforce-Limit-Info`` header instead, so a missing View Setup is a warning;
* SOAP ``login()`` from API 67.0, where the org enforces it: **Use Any API Auth** (§10), a warning when the login
  just worked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sfprov.config.models import TargetConfig
from sfprov.doctor.model import CheckList, Status
from sfprov.errors import ConnectorError
from sfprov.mapping.config import MappingConfig
from sfprov.targets.salesforce.client import SalesforceClient
from sfprov.targets.salesforce.soql import quote, select

CHECK = "API access and permissions"
ADVISORY = "optional permissions"

LABELS = {
    "PermissionsApiEnabled": "API Enabled",
    "PermissionsManageUsers": "Manage Users",
    "PermissionsManageInternalUsers": "Manage Internal Users",
    "PermissionsAssignPermissionSets": "Assign Permission Sets",
    "PermissionsViewSetup": "View Setup and Configuration",
    "PermissionsUseAnyApiAuth": "Use Any API Auth",
}
"""The permission fields read, with the names Setup shows (reference §3.1, §6, §8.5, §10)."""

LATE_FIELDS = frozenset({"PermissionsUseAnyApiAuth"})
"""Permissions new in recent releases (§10: API 67.0): read in a query of their own, so that an org or API version
without the field (``INVALID_FIELD``) costs only that permission, reported as unknown, not the whole check."""


@dataclass(frozen=True)
class Need:
    """One permission sfprov needs for one purpose; any of ``fields`` grants it (the first is the one to tick)."""

    fields: tuple[str, ...]
    purpose: str
    section: str
    required: bool = True

    @property
    def label(self) -> str:
        return " or ".join(LABELS[f] for f in self.fields)


def needs(target: TargetConfig, mapping: MappingConfig) -> list[Need]:
    """The permissions the integration user needs for what this target's config asks."""
    out = [
        Need(("PermissionsApiEnabled",), "every API call", "§3.1"),
        Need(("PermissionsManageUsers", "PermissionsManageInternalUsers"), "creating and updating users", "§3.1"),
    ]
    if target.safety.freeze_before_deactivate:
        out.append(Need(("PermissionsManageUsers",), "freezing logins (safety.freeze_before_deactivate)", "§4.3"))
    if manages_permission_sets(target, mapping):
        why = (
            "assigning permission sets (the mapping manages them)"
            if mapping_manages_permission_sets(mapping)
            else "removing permission sets on deactivation (safety.remove_permission_sets_on_deactivate)"
        )
        out.append(Need(("PermissionsAssignPermissionSets", "PermissionsManageUsers"), why, "§6"))
    out.append(
        Need(
            ("PermissionsViewSetup",),
            "reading /limits, which only this doctor's API allowance check does (the cycle does not)",
            "§8.5",
            required=False,
        )
    )
    if target.login.method == "soap":
        out.append(
            Need(("PermissionsUseAnyApiAuth",), "SOAP login() from API 67.0 where enforced", "§10", required=False)
        )
    return out


def mapping_manages_permission_sets(mapping: MappingConfig) -> bool:
    """As the engine decides: group rules for permission sets, or a ``PermissionSets`` mapping."""
    return bool(mapping.permission_set_rules) or any(a.target == "PermissionSets" for a in mapping.attributes)


def manages_permission_sets(target: TargetConfig, mapping: MappingConfig) -> bool:
    return mapping_manages_permission_sets(mapping) or target.safety.remove_permission_sets_on_deactivate


@dataclass
class Grants:
    """Who grants each permission to the user: ``{field: ["profile X", "permission set Y", ...]}``."""

    username: str
    profile: str
    by_field: dict[str, list[str]]
    from_profile_only: bool = False
    """True when the assignments could not be read: only the profile's own permissions are known."""
    unreadable: set[str] = field(default_factory=set)
    """Permission fields the org would not let us read (see :data:`LATE_FIELDS`)."""

    def grantors(self, need: Need) -> list[str]:
        return [g for f in need.fields for g in self.by_field.get(f, [])]


async def read_grants(client: SalesforceClient, user_id: str, wanted: list[Need]) -> Grants:
    """The user's profile and every assigned permission set (the profile-owned one included), with the flags of
    ``wanted``.

    Falls back to the profile's own flags when ``PermissionSetAssignment`` is not readable (reading it needs View
    Setup and Configuration, Assign Permission Sets or Manage Users, reference §6)."""
    names = list(dict.fromkeys(f for need in wanted for f in need.fields))
    core = [f for f in names if f not in LATE_FIELDS]
    user_fields = ["Id", "Username", "Profile.Name", *(f"Profile.{f}" for f in core)]
    rows = await client.query_list(select(user_fields, "User", f"Id = {quote(user_id)}"))
    if not rows:
        raise ConnectorError("The logged-in user cannot read its own User record.", code="NOT_FOUND")
    profile: dict[str, Any] = rows[0].get("Profile") or {}
    grants = Grants(str(rows[0].get("Username")), str(profile.get("Name")), {})
    assignments = await _assignments(client, user_id, core)
    if not assignments:  # not readable (every user has at least the profile-owned assignment)
        grants.from_profile_only = True
        _add(grants, profile, f"profile {grants.profile}", core)
        return grants
    _add_assignments(grants, assignments, core)
    for late in (f for f in names if f in LATE_FIELDS):
        rows_late = await _assignments(client, user_id, [late])
        if rows_late:
            _add_assignments(grants, rows_late, [late])
        else:
            grants.unreadable.add(late)
    return grants


async def _assignments(client: SalesforceClient, user_id: str, flags: list[str]) -> list[dict[str, Any]]:
    """The user's assignments with the flags of each set; empty when the org refuses the query."""
    set_fields = ["PermissionSet.Name", "PermissionSet.Label", "PermissionSet.IsOwnedByProfile"]
    query = select(
        ["Id", *set_fields, *(f"PermissionSet.{f}" for f in flags)],
        "PermissionSetAssignment",
        f"AssigneeId = {quote(user_id)}",
    )
    try:
        return await client.query_list(query)
    except ConnectorError:
        return []


def _add_assignments(grants: Grants, assignments: list[dict[str, Any]], flags: list[str]) -> None:
    for row in assignments:
        pset: dict[str, Any] = row.get("PermissionSet") or {}
        if pset.get("IsOwnedByProfile"):
            _add(grants, pset, f"profile {grants.profile}", flags)
        else:
            _add(grants, pset, f"permission set {pset.get('Label') or pset.get('Name')}", flags)


def _add(grants: Grants, flags: dict[str, Any], grantor: str, names: list[str]) -> None:
    for name in names:
        if flags.get(name) is True:
            grants.by_field.setdefault(name, []).append(grantor)


def fix_for(missing: Iterable[Need], grants: Grants) -> str:
    """Where to tick the missing permissions: a permission set (recommended), or the profile."""
    ticks = " and ".join(sorted({LABELS[n.fields[0]] for n in missing}))
    return (
        f"Setup > Permission Sets > New (or an existing set for sfprov) > System Permissions > Edit: tick {ticks}; "
        f"Save; then Manage Assignments > Add Assignment > {grants.username}. Or, on the profile itself: Setup > "
        f"Profiles > {grants.profile} > System Permissions > Edit: tick {ticks}. sfprov accepts either; a permission "
        "set keeps a shared or standard profile unchanged."
    )


def check_permissions(checks: CheckList, grants: Grants, wanted: list[Need]) -> None:
    """One check for the required permissions (FAIL names each missing one and where to tick it) and one warning
    for the optional ones that are missing."""
    required = [n for n in wanted if n.required]
    missing = [n for n in required if not grants.grantors(n)]
    caveat = (
        " (only the profile was readable: permission set assignments could not be queried)"
        if grants.from_profile_only
        else ""
    )
    if missing:
        checks.add(
            CHECK,
            Status.FAIL,
            f"{grants.username} (profile {grants.profile}) lacks "
            + "; ".join(f"{n.label} for {n.purpose} ({n.section})" for n in missing)
            + caveat
            + ".",
            fix_for(missing, grants),
        )
    else:
        granted = "; ".join(f"{n.label} for {n.purpose}: {', '.join(_unique(grants.grantors(n)))}" for n in required)
        checks.add(CHECK, Status.PASS, f"{grants.username} (profile {grants.profile}): {granted}")
    optional = [n for n in wanted if not n.required and not grants.grantors(n)]
    unknown = [n for n in optional if all(f in grants.unreadable for f in n.fields)]
    lacking = [n for n in optional if n not in unknown]
    lines: list[str] = []
    if lacking:
        lines.append(
            f"{grants.username} lacks " + "; ".join(f"{n.label} for {n.purpose} ({n.section})" for n in lacking)
        )
    lines += [
        f"UNVERIFIED: {n.label} ({', '.join(n.fields)}) cannot be read in this org at this API version; check it "
        f"by hand for {n.purpose} ({n.section})"
        for n in unknown
    ]
    if optional:
        checks.add(ADVISORY, Status.WARN, ". ".join(lines), fix_for(optional, grants))


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
