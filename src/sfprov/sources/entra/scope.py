"""Who is in scope, with which app roles and through which groups: computed from memberships, no I/O.

The same function serves a full read and an incremental one, which is what makes them agree: both end with a
:class:`~sfprov.sources.entra.state.Memberships` (assignments or configured groups, plus the tracked group graph)
and derive the scope from it here. Rules (reference ``entra-graph.md`` §8-§9): an assignment to a group applies to
its *direct* members, as Entra's provisioning service does, unless nested expansion is asked for; ``groups`` mode
always expands nesting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sfprov.model import AppRoleAssignment, GroupMembership
from sfprov.sources.entra.memberships import GroupGraph
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


class Members(Protocol):
    """What the scope needs to know about a group's members: the tracked group graph of a full or incremental read,
    or, for on-demand provisioning (:mod:`.ondemand`), answers Graph gave about the requested users only."""

    def known(self, group_id: str) -> bool:
        """False for a group whose members were not read (it puts nobody in scope)."""

    def users_of(self, group_id: str, *, nested: bool) -> set[str]:
        """Direct user members, or with ``nested`` every user reached through nested groups."""

    def is_direct(self, user_id: str, group_id: str) -> bool: ...


@dataclass(frozen=True)
class GraphMembers:
    """:class:`Members` from the tracked group graph."""

    graph: GroupGraph

    def known(self, group_id: str) -> bool:
        return group_id in self.graph.nodes

    def users_of(self, group_id: str, *, nested: bool) -> set[str]:
        return self.graph.users_of(group_id, nested=nested)

    def is_direct(self, user_id: str, group_id: str) -> bool:
        return user_id in self.graph.nodes[group_id].users


def compute_scope(memberships: Memberships, *, mode: str, nested: bool) -> Scope:
    """The scope for ``app_assignment`` or ``groups`` mode (``all_users`` needs no memberships)."""
    names = {gid: node.name for gid, node in memberships.graph.nodes.items()}
    return scope_from(
        memberships.assignments, memberships.roots, names, GraphMembers(memberships.graph), mode=mode, nested=nested
    )


def scope_from(
    assignments: Sequence[AppRoleAssignment],
    roots: Mapping[str, str],
    names: Mapping[str, str],
    members: Members,
    *,
    mode: str,
    nested: bool,
) -> Scope:
    """The scope from assignments (``app_assignment``) or root groups (``groups``) and what is known of members.

    One function for every read, so that a full read, an incremental one and an on-demand one agree, down to the
    order of roles and groups: assignments in the order Graph listed them, groups in the order they were reached.
    ``names`` gives each group's display name (a group without one is named by its id, as Graph shows it).
    """
    scope = Scope()

    def add_group_members(group_id: str, expand: bool) -> set[str]:
        if not members.known(group_id):
            return set()
        users = members.users_of(group_id, nested=expand)
        name = names.get(group_id) or group_id
        for user_id in users:
            scope.user_ids.add(user_id)
            scope._add_group(user_id, GroupMembership(group_id, name, direct=members.is_direct(user_id, group_id)))
        return users

    if mode == "groups":
        for group_id in roots:
            add_group_members(group_id, True)
        return scope
    for assignment in assignments:
        if assignment.principal_type == "User":
            scope.user_ids.add(assignment.principal_id)
            scope.roles.setdefault(assignment.principal_id, []).append(assignment)
        elif assignment.principal_type == "Group":
            for user_id in add_group_members(assignment.principal_id, nested):
                scope.roles.setdefault(user_id, []).append(assignment)
    return scope
