"""The group membership graph the scope depends on, kept between cycles and updated from ``members@delta``.

Why a local graph: Graph's groups delta (reference ``entra-graph.md`` §5) reports membership *changes* per group
(additions without ``@removed``, removals with ``@removed: {"reason": "deleted"}``), never the transitive effect
of a change in a nested group. Keeping each tracked group's *direct* members (users and nested groups) lets an
incremental cycle apply those changes and recompute the transitive closure locally, instead of re-reading every
member list each cycle.

Only the groups the scope can reach are kept (the assigned or configured groups and, when nesting is expanded, the
groups nested in them): the state stays proportional to the scope, not to the tenant. Entries of other groups in a
delta round are ignored; a group that becomes reachable later is read in full once (``/groups/{id}/members``).

This module is pure data (no I/O); it serialises to plain JSON for the caller's state store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

USER_TYPE = "#microsoft.graph.user"
GROUP_TYPE = "#microsoft.graph.group"


@dataclass
class GroupNode:
    """One tracked group: its display name and direct members, split by kind (other kinds are not needed)."""

    name: str
    users: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)

    def add(self, member_id: str, odata_type: str | None) -> None:
        if odata_type == GROUP_TYPE:
            self.groups.add(member_id)
        elif odata_type in (None, USER_TYPE):
            self.users.add(member_id)

    def discard(self, member_id: str) -> None:
        self.users.discard(member_id)
        self.groups.discard(member_id)


@dataclass
class GroupGraph:
    """Tracked groups by object id; ``apply_delta`` folds one ``/groups/delta`` entry in."""

    nodes: dict[str, GroupNode] = field(default_factory=dict)

    def copy(self) -> GroupGraph:
        return GroupGraph({gid: GroupNode(n.name, set(n.users), set(n.groups)) for gid, n in self.nodes.items()})

    def apply_delta(self, entry: Mapping[str, Any]) -> None:
        """Fold one delta entry in. Entries of one group spread over several pages each carry a further slice of
        ``members@delta``; applying them in turn merges them per group id (§5). Replays are harmless: adding a
        present member or removing an absent one changes nothing."""
        gid = str(entry["id"])
        if isinstance(entry.get("@removed"), Mapping):
            self.drop(gid)
            return
        node = self.nodes.get(gid)
        if node is None:
            return  # not reachable from the scope; read in full if it becomes so
        if isinstance(entry.get("displayName"), str):
            node.name = entry["displayName"]
        for member in entry.get("members@delta") or ():
            member_id = str(member["id"])
            if isinstance(member.get("@removed"), Mapping):
                node.discard(member_id)
            else:
                node.add(member_id, member.get("@odata.type"))

    def drop(self, group_id: str) -> None:
        """A deleted group: gone from the graph and from every group it was nested in."""
        self.nodes.pop(group_id, None)
        for node in self.nodes.values():
            node.groups.discard(group_id)

    def missing(self, roots: Iterable[str], *, nested: bool) -> list[str]:
        """Groups reachable from ``roots`` that are not tracked yet (to be read in full)."""
        out: list[str] = []
        for gid in self.reachable(roots, nested=nested, include_missing=True):
            if gid not in self.nodes:
                out.append(gid)
        return out

    def reachable(self, roots: Iterable[str], *, nested: bool, include_missing: bool = False) -> list[str]:
        """Roots and, with ``nested``, every group nested in them (each once; nesting cycles are harmless)."""
        seen: dict[str, None] = {}
        stack = list(roots)
        while stack:
            gid = stack.pop()
            if gid in seen or (gid not in self.nodes and not include_missing):
                continue
            seen[gid] = None
            node = self.nodes.get(gid)
            if nested and node is not None:
                stack.extend(sorted(node.groups))
        return list(seen)

    def prune(self, roots: Iterable[str], *, nested: bool) -> None:
        keep = set(self.reachable(roots, nested=nested))
        for gid in [g for g in self.nodes if g not in keep]:
            del self.nodes[gid]

    def users_of(self, group_id: str, *, nested: bool) -> set[str]:
        """Direct user members, or with ``nested`` every user reached through nested groups."""
        out: set[str] = set()
        for gid in self.reachable([group_id], nested=nested):
            out |= self.nodes[gid].users
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            gid: {"name": n.name, "users": sorted(n.users), "groups": sorted(n.groups)} for gid, n in self.nodes.items()
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GroupGraph:
        return cls(
            {
                str(gid): GroupNode(str(n["name"]), {str(u) for u in n["users"]}, {str(g) for g in n["groups"]})
                for gid, n in data.items()
            }
        )
