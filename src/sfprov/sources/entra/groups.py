"""Reading the inputs of the scope from Graph: the app role assignments, the configured groups, and the member
lists of the groups the scope reaches, in full once and then through ``/groups/delta`` (``members@delta``).

Assignments are re-listed every cycle: Graph has no delta for ``appRoleAssignedTo`` (reference ``entra-graph.md``
§9). Group memberships are read in full only for groups new to the scope (``/groups/{id}/members``, §8) and
otherwise followed through the groups delta (§5), folded into :class:`~.memberships.GroupGraph`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sfprov.errors import ConfigError, NotFound, Transient
from sfprov.model import AppRoleAssignment
from sfprov.sources.entra.graph import GraphClient, Page, ResyncRequired, graph_error
from sfprov.sources.entra.memberships import GROUP_TYPE, USER_TYPE, GroupGraph, GroupNode
from sfprov.sources.entra.state import Memberships

ScopeMode = Literal["app_assignment", "groups", "all_users"]

GROUPS_DELTA_SELECT = "displayName,members"
"""Group delta tracks the name (for GroupMembership) and members, reported as ``members@delta`` (§5)."""


@dataclass(frozen=True)
class ScopeSettings:
    mode: ScopeMode = "app_assignment"
    app_id: str | None = None
    """The Salesforce enterprise app's application (client) id, for ``app_assignment``."""
    groups: tuple[str, ...] = ()
    """Group object ids or display names, for ``groups``."""
    nested_groups: bool = False
    """Expand nested groups. Entra's provisioning service uses direct members of assigned groups only
    (entra-graph.md §8), so this is off by default for ``app_assignment``; ``groups`` mode always expands."""

    def validate(self) -> None:
        if self.mode == "app_assignment" and not self.app_id:
            raise ConfigError(
                "source.scope.app_id is required when source.scope.mode is app_assignment.",
                fix="Set it to the Application (client) ID of the Salesforce enterprise app (Entra admin center > "
                "Enterprise applications > Salesforce > Properties).",
            )
        if self.mode == "groups" and not self.groups:
            raise ConfigError(
                "source.scope.groups is empty while source.scope.mode is groups.",
                fix="List the group names or object ids whose members should have Salesforce accounts.",
            )


class MembershipReader:
    """Reads :class:`Memberships` for ``app_assignment`` and ``groups`` scopes."""

    def __init__(self, graph: GraphClient, settings: ScopeSettings) -> None:
        self.graph = graph
        self.settings = settings

    @property
    def nested(self) -> bool:
        return self.settings.mode == "groups" or self.settings.nested_groups

    @property
    def scope_key(self) -> str:
        """The settings stored memberships depend on; any change makes them unusable."""
        s = self.settings
        return json.dumps([s.mode, s.app_id, list(s.groups), self.nested])

    async def read(self, graph: GroupGraph) -> Memberships:
        """Roots read now (assignments have no delta, §9), then every reachable group ``graph`` lacks, read in
        full; groups no longer reachable are dropped so the state follows the scope."""
        assignments, roots = await self.roots()
        names = dict(roots)
        while missing := graph.missing(roots, nested=self.nested):
            await self._read_groups(graph, missing, names)
        graph.prune(roots, nested=self.nested)
        return Memberships(self.scope_key, graph, assignments, roots)

    async def roots(self) -> tuple[list[AppRoleAssignment], dict[str, str]]:
        """The app's assignments (``app_assignment``; empty in ``groups`` mode) and the root groups, id -> display
        name: the assigned groups, or the configured ones. Read in full every time (no delta for assignments)."""
        if self.settings.mode == "app_assignment":
            assignments = await self._assignments()
            roots = {a.principal_id: a.principal_display_name for a in assignments if a.principal_type == "Group"}
            return assignments, roots
        return [], dict([await self.resolve_group(ref) for ref in self.settings.groups])

    async def _assignments(self) -> list[AppRoleAssignment]:
        app_id = self.settings.app_id
        sps = await self.graph.get_all(
            "servicePrincipals", params={"$filter": f"appId eq '{app_id}'", "$select": "id,appId,displayName,appRoles"}
        )
        if not sps:
            raise NotFound(
                f"No service principal for app id {app_id} in this tenant.",
                fix="Check source.scope.app_id: it is the Application (client) ID of the Salesforce enterprise app.",
                code="ServicePrincipalNotFound",
            )
        sp = sps[0]
        roles = {str(r["id"]): r for r in sp.get("appRoles") or []}
        items = await self.graph.get_all(
            f"servicePrincipals/{sp['id']}/appRoleAssignedTo", params={"$top": "999"}, kind="assignments"
        )
        out: list[AppRoleAssignment] = []
        for item in items:
            role = roles.get(str(item.get("appRoleId")), {})
            out.append(
                AppRoleAssignment(
                    app_role_id=str(item.get("appRoleId")),
                    role_value=role.get("value"),
                    role_display_name=str(role.get("displayName") or ("Default Access" if not role else "")),
                    principal_type=str(item.get("principalType")),
                    principal_id=str(item.get("principalId")),
                    principal_display_name=str(item.get("principalDisplayName") or ""),
                )
            )
        return out

    async def resolve_group(self, ref: str) -> tuple[str, str]:
        if looks_like_guid(ref):
            group = await self.graph.request("GET", f"groups/{ref}", params={"$select": "id,displayName"})
            return str(group["id"]), str(group.get("displayName") or ref)
        quoted = ref.replace("'", "''")
        found = await self.graph.get_all(
            "groups", params={"$filter": f"displayName eq '{quoted}'", "$select": "id,displayName"}
        )
        if len(found) != 1:
            raise ConfigError(
                f"source.scope.groups: {len(found)} groups are named {ref!r}.",
                fix="Use the group's object id instead of its name (Entra admin center > Groups > the group > "
                "Object ID).",
            )
        return str(found[0]["id"]), str(found[0].get("displayName") or ref)

    async def _read_groups(self, graph: GroupGraph, group_ids: list[str], names: dict[str, str]) -> None:
        """Direct members of each group, in full: first pages 20 per ``$batch`` call when there are several
        groups (§11), then each big group's further pages (999 members each, §8)."""
        query = {"$select": "id,displayName", "$top": "999"}
        first: dict[str, Page] = {}
        if len(group_ids) == 1:
            first[group_ids[0]] = await self.graph.page(f"groups/{group_ids[0]}/members", params=query, kind="members")
        else:
            url = "?$select=id,displayName&$top=999"
            requests = [
                {"id": str(i), "method": "GET", "url": f"/groups/{g}/members{url}"} for i, g in enumerate(group_ids)
            ]
            responses = await self.graph.batch(requests)
            for i, gid in enumerate(group_ids):
                response = responses.get(str(i))
                if response is None:
                    raise Transient(
                        f"Microsoft Graph's $batch answer lacks the members of group {gid}.", code="BAD_ANSWER"
                    )
                body = response.get("body")
                if int(response.get("status", 0)) != 200:
                    raise graph_error(int(response.get("status", 0)), body)
                if not isinstance(body, Mapping) or not isinstance(body.get("value"), list):
                    raise Transient(
                        f"Microsoft Graph answered the members of group {gid} without a list.", code="BAD_ANSWER"
                    )
                first[gid] = Page(list(body["value"]), body.get("@odata.nextLink"), None)
        for gid, page in first.items():
            node = GroupNode(names.get(gid) or gid)
            items = list(page.items)
            if page.next_link:
                items += await self.graph.get_all(page.next_link, kind="members")
            for member in items:
                member_id = str(member["id"])
                node.add(member_id, member.get("@odata.type", USER_TYPE))
                if member.get("@odata.type") == GROUP_TYPE and member.get("displayName"):
                    names.setdefault(member_id, str(member["displayName"]))
            graph.nodes[gid] = node

    async def latest_link(self) -> str:
        """A groups delta link "from now" (``$deltatoken=latest``, §4.2), taken *before* member lists are read so
        that a change made while they are read is replayed next cycle rather than lost (replays are harmless)."""
        page = await self.graph.page(
            "groups/delta", params={"$select": GROUPS_DELTA_SELECT, "$deltatoken": "latest"}, kind="groups_delta"
        )
        if not page.delta_link:
            raise ResyncRequired("The groups delta 'latest' request gave no delta link.", code="noDeltaLink")
        return page.delta_link

    async def follow(self, link: str, graph: GroupGraph) -> str:
        """Fold one groups delta round into ``graph``, page after page, to its new delta link (§5)."""
        async for page in self.graph.pages(link, kind="groups_delta"):
            for item in page.items:
                graph.apply_delta(item)
            if page.delta_link:
                return page.delta_link
        raise ResyncRequired("The groups delta round ended without a delta link.", code="noDeltaLink")

    # -- users -----------------------------------------------------------------------------------------------


def looks_like_guid(value: str) -> bool:
    parts = value.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdefABCDEF" for c in "".join(parts))
