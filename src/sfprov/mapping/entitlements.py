"""Profile, permission sets and role: from the app role (as the gallery app does) or from group rules.

The gallery app publishes each Salesforce profile as an app role and maps ``ProfileName ←
SingleAppRoleAssignment([appRoleAssignments])`` (reference ``salesforce.md`` §13.2, §13.4). Two Entra rules come
with it and are kept here: a user whose only assignment is "Default Access" is not provisioned ("not effectively
entitled", ``entra-provisioning-service.md`` §3), and a user holding two *different* roles (say one through a group
and another directly) cannot be mapped, because ``SingleAppRoleAssignment`` supports one role only (§13.4).

Group rules are sfprov's addition for organisations that grant access by group membership: ``profile_rules`` and
``role_rules`` pick the matching rule with the lowest ``priority`` number; ``permission_set_rules`` give the union of
every matching rule. Groups are named by display name or object id, compared case-insensitively.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sfprov.mapping.config import GroupRule, PermissionSetRule, ProfileRule, RoleRule
from sfprov.mapping.result import IssueCode, MappingIssue
from sfprov.model import AppRoleAssignment, SourceUser

R = TypeVar("R", ProfileRule, RoleRule)


def app_role_issues(user: SourceUser) -> list[MappingIssue]:
    """Why the user's app roles cannot give a profile: only Default Access, or several different roles."""
    assignments = user.app_role_assignments
    if not assignments:
        return []
    real = [a for a in assignments if not a.is_default_access]
    if not real:
        return [
            MappingIssue(
                IssueCode.NOT_EFFECTIVELY_ENTITLED,
                'the user\'s only app role is "Default Access", which does not provision (not effectively entitled)',
                "ProfileName",
                "assign the user (or their group) a role named after a Salesforce profile",
            )
        ]
    distinct: dict[str, list[AppRoleAssignment]] = {}
    for assignment in real:
        distinct.setdefault(assignment.app_role_id, []).append(assignment)
    if len(distinct) > 1:
        described = "; ".join(_describe_role(items) for items in distinct.values())
        return [
            MappingIssue(
                IssueCode.MULTIPLE_ROLES,
                f"the user holds {len(distinct)} different app roles ({described}); SingleAppRoleAssignment "
                "supports one",
                "ProfileName",
                "leave the user one role: remove the direct assignment or the group membership that brings the other",
            )
        ]
    return []


def _describe_role(items: Sequence[AppRoleAssignment]) -> str:
    first = items[0]
    name = first.role_value or first.role_display_name or first.app_role_id
    via = sorted(
        {
            "directly" if a.principal_type == "User" else f"via group {a.principal_display_name or a.principal_id}"
            for a in items
        }
    )
    return f"'{name}' {' and '.join(via)}"


def in_group(rule: GroupRule, user: SourceUser) -> bool:
    wanted = rule.group.lower()
    return any(g.group_id.lower() == wanted or g.display_name.lower() == wanted for g in user.groups)


@dataclass(frozen=True, slots=True)
class RuleChoice:
    value: str | None
    rule_text: str
    issue: MappingIssue | None = None


def choose(rules: Sequence[R], user: SourceUser, target: str) -> RuleChoice:
    """The value of the matching rule with the lowest priority number; an issue when equal priorities disagree."""
    matching = [r for r in rules if in_group(r, user)]
    if not matching:
        return RuleChoice(None, "no group rule matches")
    best = min(r.priority for r in matching)
    top = [r for r in matching if r.priority == best]
    values = sorted({_value(r) for r in top})
    if len(values) > 1:
        groups = ", ".join(f"{r.group} → {_value(r)}" for r in top)
        issue = MappingIssue(
            IssueCode.AMBIGUOUS_RULES,
            f"several rules of priority {best} match and disagree ({groups})",
            target,
            "give the rules different priorities (lower number wins)",
        )
        return RuleChoice(None, f"ambiguous rules of priority {best}", issue)
    rule = top[0]
    return RuleChoice(values[0], f"group rule: member of '{rule.group}' (priority {rule.priority})")


def _value(rule: ProfileRule | RoleRule) -> str:
    return rule.profile if isinstance(rule, ProfileRule) else rule.role


def permission_sets(rules: Sequence[PermissionSetRule], user: SourceUser) -> tuple[tuple[str, ...], list[str]]:
    """The union of the permission sets of every matching rule (in rule order, without repeats) and the groups
    that brought them."""
    names: dict[str, None] = {}
    groups: list[str] = []
    for rule in rules:
        if in_group(rule, user):
            groups.append(rule.group)
            for name in rule.permission_sets:
                names.setdefault(name.strip(), None)
    return tuple(names), groups
