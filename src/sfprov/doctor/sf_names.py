"""Permission sets and roles the mapping names, looked up in the org before the first cycle.

Why: the engine resolves a permission set by its API name or label and a role by its name, case-insensitively, in
the org's catalogue (``SELECT Id, Name, Label FROM PermissionSet WHERE IsOwnedByProfile = false``, ``SELECT Id, Name
FROM UserRole``; reference ``salesforce.md`` §6); an unknown name makes every user it applies to an error action.
The doctor reads the same catalogue, so a name it finds is one the engine finds. Only names fixed in the config
(group rules, constants and defaults) can be checked; names computed from Entra attributes are per user.
"""

from __future__ import annotations

from collections.abc import Iterable

from sfprov.doctor.model import CheckList, Status
from sfprov.mapping import salesforce_fields as sf
from sfprov.mapping.config import MappingConfig, MappingType
from sfprov.targets.salesforce.users import Catalogue


def fixed_values(mapping: MappingConfig, target: str) -> set[str]:
    """Values of ``target`` fixed in the config: constants and defaults of its effective mapping rows."""
    out: set[str] = set()
    for attr in mapping.effective_attributes():
        if attr.target != target:
            continue
        values: list[object] = [attr.default]
        if attr.kind is MappingType.CONSTANT:
            values += list(attr.value) if isinstance(attr.value, tuple) else [attr.value]
        out |= {str(v).strip() for v in values if isinstance(v, str) and v.strip()}
    return out


def permission_sets_used(mapping: MappingConfig) -> set[str]:
    """Permission set names from group rules, and from constants and defaults of a ``PermissionSets`` row."""
    names = {name for rule in mapping.permission_set_rules for name in rule.permission_sets}
    return names | fixed_values(mapping, sf.PERMISSION_SETS)


def profiles_used(mapping: MappingConfig) -> set[str]:
    """Profile names the mapping can produce without looking at Entra: group rules, ``profile_default``, and the
    ``ProfileName`` row's constants and defaults (the gallery's "Chatter Free User") unless only group rules count
    (``profile_source: group_rules``, where the mapper never reads that row)."""
    names = {rule.profile for rule in mapping.profile_rules}
    if mapping.profile_default:
        names.add(mapping.profile_default)
    if mapping.profile_source != "group_rules":
        names |= fixed_values(mapping, sf.PROFILE_NAME)
    return names


def roles_used(mapping: MappingConfig) -> set[str]:
    """Role names from group rules, and from constants and defaults of a ``UserRoleName`` row."""
    return {rule.role for rule in mapping.role_rules} | fixed_values(mapping, sf.USER_ROLE_NAME)


def _check(checks: CheckList, name: str, used: Iterable[str], known: dict[str, str], fix: str) -> None:
    wanted = sorted(set(used), key=str.casefold)
    if not wanted:
        return
    missing = [n for n in wanted if n.casefold() not in known]
    if missing:
        checks.add(
            name,
            Status.FAIL,
            f"Not in this org: {', '.join(repr(n) for n in missing)} (found: "
            f"{', '.join(repr(n) for n in wanted if n not in missing) or 'none'}). Users they apply to would fail.",
            fix,
        )
    else:
        checks.add(name, Status.PASS, f"all found: {', '.join(repr(n) for n in wanted)}")


def check_names(checks: CheckList, catalogue: Catalogue, mapping: MappingConfig) -> None:
    _check(
        checks,
        "permission sets",
        permission_sets_used(mapping),
        catalogue.permission_sets,
        "Use the permission set's API Name or Label as Setup > Permission Sets shows it (case does not matter), or "
        "create it there.",
    )
    _check(
        checks,
        "roles",
        roles_used(mapping),
        catalogue.roles,
        "Use the role's name as Setup > Roles shows it (case does not matter), or create the role there.",
    )
