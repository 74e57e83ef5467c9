"""Who should have Salesforce, and as what: scope, roles and attributes read from Entra ID.

Each cycle the reader answers two questions, and refuses to answer when it cannot be sure:

1. **Who is in scope now** (always recomputed in full, because there is no delta for app role assignments;
   reference ``entra-graph.md`` §9): the users assigned to the Salesforce enterprise app, directly or through a
   group (the gallery app's way); or the members of named groups (works without Entra ID P1/P2); or all users.
2. **What changed about them**: a full read the first time (``/users/delta`` without a token, which also yields the
   first delta link), then only changes through the stored delta link. An expired link raises
   :class:`ResyncRequired`, and the caller reads in full again.

A read that fails raises; a read that finds nobody in scope where there were people before is reported by the
engine's safety checks, never taken as "everybody left" here. Nothing Graph-shaped leaves this module: the output
is :class:`~sfprov.model.SourceUser` records.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sfprov.errors import ConfigError, NotFound
from sfprov.model import AppRoleAssignment, GroupMembership, SourceUser
from sfprov.sources.entra.graph import GraphClient, ResyncRequired, graph_error

ScopeMode = Literal["app_assignment", "groups", "all_users"]

ALWAYS_SELECTED = ("id", "userPrincipalName", "displayName", "accountEnabled", "userType")
"""Read whatever the mapping says, plus what scope and deprovisioning decisions need."""

_USER_TYPE = "#microsoft.graph.user"
_GROUP_TYPE = "#microsoft.graph.group"


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


@dataclass
class Scope:
    """Users in scope, each with the app roles they hold and the groups that put them there."""

    user_ids: set[str] = field(default_factory=set)
    roles: dict[str, list[AppRoleAssignment]] = field(default_factory=dict)
    groups: dict[str, list[GroupMembership]] = field(default_factory=dict)


@dataclass
class SourceRead:
    """One cycle's read. ``users`` holds in-scope users whose data was read this time (all of them on a full
    read, the changed and newly scoped ones on a delta read); ``removed`` the users Graph reported deleted."""

    kind: Literal["full", "delta"]
    in_scope: frozenset[str]
    users: dict[str, SourceUser]
    removed: dict[str, Literal["soft_deleted", "hard_deleted"]]
    users_delta_link: str
    calls: int = 0


class EntraReader:
    def __init__(self, graph: GraphClient, scope: ScopeSettings, attributes: Iterable[str]) -> None:
        scope.validate()
        self.graph = graph
        self.scope_settings = scope
        wanted = list(attributes)
        selected = [*ALWAYS_SELECTED, *(a for a in wanted if _is_graph_property(a))]
        if any(a.startswith("extensionAttribute") for a in wanted):
            selected.append("onPremisesExtensionAttributes")
        self.select = ",".join(dict.fromkeys(selected))

    # -- scope -----------------------------------------------------------------------------------------------

    async def read_scope(self) -> Scope:
        mode = self.scope_settings.mode
        if mode == "app_assignment":
            return await self._scope_from_assignments()
        if mode == "groups":
            scope = Scope()
            for ref in self.scope_settings.groups:
                group_id, name = await self._resolve_group(ref)
                await self._add_group_members(scope, group_id, name, transitive=True)
            return scope
        return Scope()  # all_users: filled from the user read itself

    async def _scope_from_assignments(self) -> Scope:
        app_id = self.scope_settings.app_id
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
        assignments = await self.graph.get_all(f"servicePrincipals/{sp['id']}/appRoleAssignedTo", kind="assignments")
        scope = Scope()
        for item in assignments:
            role = roles.get(str(item.get("appRoleId")), {})
            principal_type = str(item.get("principalType"))
            assignment = AppRoleAssignment(
                app_role_id=str(item.get("appRoleId")),
                role_value=role.get("value"),
                role_display_name=str(role.get("displayName") or ("Default Access" if not role else "")),
                principal_type=principal_type,
                principal_id=str(item.get("principalId")),
                principal_display_name=str(item.get("principalDisplayName") or ""),
            )
            if principal_type == "User":
                scope.user_ids.add(assignment.principal_id)
                scope.roles.setdefault(assignment.principal_id, []).append(assignment)
            elif principal_type == "Group":
                members = await self._add_group_members(
                    scope,
                    assignment.principal_id,
                    assignment.principal_display_name,
                    transitive=self.scope_settings.nested_groups,
                )
                for user_id in members:
                    scope.roles.setdefault(user_id, []).append(assignment)
        return scope

    async def _resolve_group(self, ref: str) -> tuple[str, str]:
        if _looks_like_guid(ref):
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
        return str(found[0]["id"]), ref

    async def _add_group_members(self, scope: Scope, group_id: str, name: str, *, transitive: bool) -> set[str]:
        path = f"groups/{group_id}/{'transitiveMembers' if transitive else 'members'}"
        members = await self.graph.get_all(path, params={"$select": "id", "$top": "999"}, kind="members")
        users = {str(m["id"]) for m in members if m.get("@odata.type", _USER_TYPE) == _USER_TYPE}
        for user_id in users:
            scope.user_ids.add(user_id)
            scope.groups.setdefault(user_id, []).append(GroupMembership(group_id, name, direct=not transitive))
        return users

    # -- users -----------------------------------------------------------------------------------------------

    async def read_full(self) -> SourceRead:
        """Every user (one delta round without a token, which ends with the first delta link), then scope."""
        calls_before = self.graph.counters.calls
        raw: dict[str, dict[str, Any]] = {}
        removed: dict[str, Literal["soft_deleted", "hard_deleted"]] = {}
        link = await self._delta_round("users/delta", {"$select": self.select}, raw, removed)
        scope = await self.read_scope()
        in_scope = self._in_scope(scope, raw)
        users = {uid: self._source_user(raw[uid], scope) for uid in in_scope if uid in raw}
        return SourceRead("full", frozenset(in_scope), users, removed, link, self.graph.counters.calls - calls_before)

    async def read_changes(self, users_delta_link: str, previous_scope: Collection[str]) -> SourceRead:
        """Changes since ``users_delta_link``, plus users who came into scope; raises ResyncRequired.

        ``previous_scope`` is the in-scope set of the last successful read (kept by the caller): users in scope
        now but not then are fetched in full (20 per ``$batch`` call) even if their own attributes did not change.
        """
        calls_before = self.graph.counters.calls
        raw: dict[str, dict[str, Any]] = {}
        removed: dict[str, Literal["soft_deleted", "hard_deleted"]] = {}
        link = await self._delta_round(users_delta_link, None, raw, removed)
        scope = await self.read_scope()
        if self.scope_settings.mode == "all_users":
            raise ResyncRequired("all_users scope is read in full each cycle.", code="fullRead")
        in_scope = set(scope.user_ids) - set(removed)
        known = set(previous_scope)
        missing = sorted(uid for uid in in_scope if uid not in raw and uid not in known)
        fetched = await self._fetch_users(missing)
        raw.update(fetched)
        users = {uid: self._source_user(raw[uid], scope) for uid in in_scope if uid in raw}
        for uid, data in raw.items():  # changed users now out of scope still need their state (disabled etc.)
            if uid not in users and uid not in removed:
                users.setdefault(uid, self._source_user(data, scope))
        return SourceRead("delta", frozenset(in_scope), users, removed, link, self.graph.counters.calls - calls_before)

    async def _delta_round(
        self,
        start: str,
        params: Mapping[str, str] | None,
        raw: dict[str, dict[str, Any]],
        removed: dict[str, Literal["soft_deleted", "hard_deleted"]],
    ) -> str:
        """Follow a delta round to its delta link; merge repeated objects (Graph may send one several times)."""
        async for page in self.graph.pages(start, params=params, kind="users_delta"):
            for item in page.items:
                uid = str(item["id"])
                gone = item.get("@removed")
                if isinstance(gone, Mapping):
                    removed[uid] = "hard_deleted" if gone.get("reason") == "deleted" else "soft_deleted"
                    raw.pop(uid, None)
                else:
                    removed.pop(uid, None)
                    raw.setdefault(uid, {}).update(item)
            if page.delta_link:
                return page.delta_link
        raise ResyncRequired("The users delta round ended without a delta link.", code="noDeltaLink")

    async def _fetch_users(self, user_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Current attributes of users not in this round's changes, 20 per ``$batch`` call."""
        if not user_ids:
            return {}
        requests = [
            {"id": str(i), "method": "GET", "url": f"/users/{uid}?$select={self.select}"}
            for i, uid in enumerate(user_ids)
        ]
        responses = await self.graph.batch(requests)
        out: dict[str, dict[str, Any]] = {}
        for i, uid in enumerate(user_ids):
            response = responses.get(str(i))
            if response is None:
                continue
            status = int(response.get("status", 0))
            if status == 200 and isinstance(response.get("body"), Mapping):
                out[uid] = dict(response["body"])
            elif status != 404:  # 404: deleted since the assignment list was read; the next round reports it
                raise graph_error(status, response.get("body"))
        return out

    def _in_scope(self, scope: Scope, raw: Mapping[str, Mapping[str, Any]]) -> set[str]:
        if self.scope_settings.mode == "all_users":
            scope.user_ids.update(raw)
        return set(scope.user_ids)

    def _source_user(self, data: Mapping[str, Any], scope: Scope) -> SourceUser:
        uid = str(data["id"])
        attributes = {k: v for k, v in data.items() if not k.startswith("@") and "@" not in k}
        extensions = attributes.pop("onPremisesExtensionAttributes", None)
        if isinstance(extensions, Mapping):
            attributes.update({k: v for k, v in extensions.items() if not k.startswith("@")})
        return SourceUser(
            id=uid,
            attributes=attributes,
            app_role_assignments=tuple(scope.roles.get(uid, ())),
            groups=tuple(scope.groups.get(uid, ())),
        )


def _is_graph_property(name: str) -> bool:
    """True for mapping attributes that are Graph user properties (not IsSoftDeleted, not extensionAttributeN)."""
    if name in {"IsSoftDeleted", "objectId", "appRoleAssignments"} or name.startswith("extensionAttribute"):
        return False
    return name.replace("_", "").isalnum()


def _looks_like_guid(value: str) -> bool:
    parts = value.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdefABCDEF" for c in "".join(parts))
