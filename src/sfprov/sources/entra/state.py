"""What the Entra reader hands the caller to keep between cycles, as plain JSON.

The reader is stateless between processes: the engine stores this next to its watermarks and gives it back to
:meth:`~sfprov.sources.entra.reader.EntraReader.read_changes`. It holds the two delta links (users and groups,
reference ``entra-graph.md`` §4-§5), the in-scope set, and :class:`Memberships`: the tracked part of the group
graph plus the assignments it was combined with, so that an incremental cycle can tell who gained or lost a role
or a group without re-reading every member list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from sfprov.model import AppRoleAssignment
from sfprov.sources.entra.memberships import GroupGraph

STATE_VERSION = 1


@dataclass
class Memberships:
    """The inputs of the scope besides the users: the group graph, and the app role assignments (app_assignment
    mode) or the configured groups (groups mode). ``scope_key`` names the scope settings they were read with: a
    changed configuration makes them unusable and the reader re-reads memberships in full."""

    scope_key: str
    graph: GroupGraph = field(default_factory=GroupGraph)
    assignments: list[AppRoleAssignment] = field(default_factory=list)
    roots: dict[str, str] = field(default_factory=dict)
    """Root group id -> display name: assigned groups, or the configured groups."""

    def to_json(self) -> dict[str, Any]:
        return {
            "scope_key": self.scope_key,
            "groups": self.graph.to_json(),
            "assignments": [asdict(a) for a in self.assignments],
            "roots": dict(self.roots),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Memberships:
        return cls(
            scope_key=str(data["scope_key"]),
            graph=GroupGraph.from_json(data.get("groups") or {}),
            assignments=[AppRoleAssignment(**a) for a in data.get("assignments") or []],
            roots={str(k): str(v) for k, v in (data.get("roots") or {}).items()},
        )


@dataclass(frozen=True)
class SourceState:
    """Everything a later ``read_changes`` needs; ``to_json`` / ``from_json`` round-trip through the state store."""

    users_delta_link: str
    groups_delta_link: str | None
    in_scope: frozenset[str]
    memberships: Memberships | None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "users_delta_link": self.users_delta_link,
            "groups_delta_link": self.groups_delta_link,
            "in_scope": sorted(self.in_scope),
            "memberships": self.memberships.to_json() if self.memberships else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SourceState:
        """Raises ``ValueError`` for a state of another format version or a damaged one: the caller then reads in
        full, which is always safe."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported Entra source state version {data.get('version')!r}")
        try:
            memberships = data.get("memberships")
            groups_link = data.get("groups_delta_link")
            return cls(
                users_delta_link=str(data["users_delta_link"]),
                groups_delta_link=str(groups_link) if groups_link else None,
                in_scope=frozenset(str(u) for u in data.get("in_scope") or []),
                memberships=Memberships.from_json(memberships) if memberships else None,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"damaged Entra source state ({type(exc).__name__}: {exc})") from None
