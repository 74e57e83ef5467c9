"""Who is in scope, with which app roles and through which groups: computed from memberships, no I/O.

The same function serves a full read and an incremental one, which is what makes them agree: both end with a
:class:`~sfprov.sources.entra.state.Memberships` (assignments or configured groups, plus the tracked group graph)
and derive the scope from it here. Rules (reference ``entra-graph.md`` §8-§9): an assignment to a group applies to
its *direct* members, as Entra's provisioning service does, unless nested expansion is asked for; ``groups`` mode
always expands nesting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sfprov.model import AppRoleAssignment, GroupMembership
from sfprov.sources.entra.state import Memberships


@dataclass
class Scope:
    """Users in scope, each with the app roles they hold and the groups that put them there."""

    user_ids: set[str] = field(default_factory=set)
    roles: dict[str, list[AppRoleAssignment]] = field(default_factory=dict)
    groups: dict[str, list[GroupMembership]] = field(default_factory=dict)

    def entitlements(self, user_id: str) -> tuple[frozenset[AppRoleAssignment], frozenset[GroupMembership]]:
        """What a user holds, for telling whether it changed between two cycles (a renamed group counts: a
        mapping may match groups by name)."""
        return frozenset(self.roles.get(user_id, ())), frozenset(self.groups.get(user_id, ()))

    def _add_group(self, user_id: str, membership: GroupMembership) -> None:
        held = self.groups.setdefault(user_id, [])
        if all(g.group_id != membership.group_id for g in held):
            held.append(membership)


def compute_scope(memberships: Memberships, *, mode: str, nested: bool) -> Scope:
    """The scope for ``app_assignment`` or ``groups`` mode (``all_users`` needs no memberships)."""
    graph = memberships.graph
    scope = Scope()

    def add_group_members(group_id: str, expand: bool) -> set[str]:
        node = graph.nodes.get(group_id)
        if node is None:
            return set()
        users = graph.users_of(group_id, nested=expand)
        for user_id in users:
            scope.user_ids.add(user_id)
            scope._add_group(user_id, GroupMembership(group_id, node.name, direct=user_id in node.users))
        return users

    if mode == "groups":
        for group_id in memberships.roots:
            add_group_members(group_id, True)
        return scope
    for assignment in memberships.assignments:
        if assignment.principal_type == "User":
            scope.user_ids.add(assignment.principal_id)
            scope.roles.setdefault(assignment.principal_id, []).append(assignment)
        elif assignment.principal_type == "Group":
            for user_id in add_group_members(assignment.principal_id, nested):
                scope.roles.setdefault(user_id, []).append(assignment)
    return scope
