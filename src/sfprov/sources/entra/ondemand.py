"""On-demand provisioning's read (`sfprov provision USER`): the requested users only, never the whole tenant.

Entra's "Provision on demand" acts on one user within seconds (reference ``entra-provisioning-service.md``); reading
the tenant to learn about one user cost 1,105 Graph calls and 135 s at 100,000 users (docs/dev/benchmarks.md). This
read asks Graph about the requested users only and gives **exactly** what :meth:`EntraReader.read_full` would give
for them (the same ``$select``, the same scope rules, the same order of roles and groups), so that on-demand and
scheduled cycles never disagree about a user:

* the user, by object id or userPrincipalName (a UPN is resolved with ``GET /users/{upn}?$select=id``, §3); the
  properties come from a ``users/delta`` round filtered to the user's id (§4.2): the same shape as the full read's
  initial round (never-set properties omitted, where a plain GET would return ``null``), and a user in the recycle
  bin is reported ``@removed`` exactly as the full read's round reports them. A user neither live nor in the
  recycle bin is an error, since a full read would not list them either;
* the scope, through :func:`~.scope.scope_from`, the function every read uses: the app's assignments are listed as
  the full read lists them (``appRoleAssignedTo``, §9: Graph has no per-group filter for it; one call per 999
  assignments), and membership of the root groups (the assigned or configured ones) is asked for the requested
  users only: ``GET /groups/{id}/members/microsoft.graph.user?$filter=id in (…)`` for direct membership and, when
  nested groups count, ``…/transitiveMembers/…`` (§8), all in one ``$batch`` (§11) instead of whole member lists.

So a user given by object id costs 4 Graph calls in ``app_assignment`` mode (service principal, assignments, the
filtered delta round, one ``$batch``; a UPN adds one), plus one per further 999 assignments and per further 10 root
groups (20 with nested groups off); the calls that do not depend on each other run concurrently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sfprov.errors import NotFound, Transient
from sfprov.model import AppRoleAssignment
from sfprov.sources.entra.graph import graph_error
from sfprov.sources.entra.groups import looks_like_guid
from sfprov.sources.entra.reader import EntraReader, Removed, SourceRead, source_user
from sfprov.sources.entra.scope import Scope, scope_from

IDS_PER_FILTER = 15
"""Values in one ``$filter=id in (…)``, kept small on purpose: the reference does not state Graph's limit for the
``in`` operator on member collections, and one requested user is the usual case anyway."""
IDS_PER_DELTA = 50
"""``users/delta`` takes ``$filter=id eq '…' or …`` with at most 50 ids (reference §4.2)."""
USER_CAST = "microsoft.graph.user"


@dataclass
class UsersRead:
    """The read for the requested users, and how each request key resolved."""

    read: SourceRead
    """``kind`` ``full`` (all data of the users it lists is fresh); ``users`` and ``in_scope`` hold the requested
    users in scope, ``removed`` the soft-deleted ones; no delta link (an on-demand cycle never moves the
    watermark)."""
    resolved: dict[str, str] = field(default_factory=dict)
    """Request key (object id or userPrincipalName) -> object id."""
    out_of_scope: dict[str, str] = field(default_factory=dict)
    """Object id -> userPrincipalName of requested users that exist but are not in scope."""


@dataclass(frozen=True)
class QueriedMembers:
    """:class:`~.scope.Members` from Graph's answers about the requested users: per root group, which of them are
    direct members and (when nesting counts) which are members through nested groups."""

    direct: Mapping[str, frozenset[str]]
    transitive: Mapping[str, frozenset[str]]

    def known(self, group_id: str) -> bool:
        return group_id in self.direct

    def users_of(self, group_id: str, *, nested: bool) -> set[str]:
        return set(self.transitive[group_id] if nested else self.direct[group_id])

    def is_direct(self, user_id: str, group_id: str) -> bool:
        return user_id in self.direct[group_id]


class OnDemandReader:
    """Reads a few users with :class:`EntraReader`'s settings (``$select``, scope mode, nested groups)."""

    def __init__(self, reader: EntraReader) -> None:
        self.reader = reader
        self.graph = reader.graph

    async def read(self, keys: Collection[str]) -> UsersRead:
        calls_before = self.graph.counters.calls
        mode = self.reader.scope_settings.mode
        resolving = self._resolve(sorted(set(keys)))
        assignments: list[AppRoleAssignment]
        roots: dict[str, str]
        if mode == "all_users":
            resolved, (assignments, roots) = await resolving, ([], {})
        else:
            resolved, (assignments, roots) = await asyncio.gather(resolving, self.reader.groups.roots())
        ids = sorted(set(resolved.values()))
        raw: dict[str, dict[str, Any]] = {}
        removed: Removed = {}
        if mode == "all_users":
            await self._users(ids, raw, removed)
            scope = Scope(user_ids=set(raw))
        else:
            _, members = await asyncio.gather(self._users(ids, raw, removed), self._members(list(roots), ids))
            scope = scope_from(assignments, roots, roots, members, mode=mode, nested=self.reader.nested)
        unknown = [key for key, uid in resolved.items() if uid not in raw and uid not in removed]
        if unknown:
            raise NotFound(
                f"Entra ID has no user {unknown[0]!r}.",
                fix="Give the user's object id or userPrincipalName (a deleted user: the object id); a user deleted "
                "for good is handled by the next scheduled cycle.",
                code="Request_ResourceNotFound",
            )
        in_scope = scope.user_ids & set(raw)
        users = {uid: source_user(raw[uid], scope) for uid in sorted(in_scope)}
        outside = {uid: str(raw[uid].get("userPrincipalName") or uid) for uid in sorted(set(raw) - in_scope)}
        read = SourceRead(
            "full", frozenset(in_scope), users, removed, "", self.graph.counters.calls - calls_before, None, None
        )
        return UsersRead(read, resolved, outside)

    async def _resolve(self, keys: list[str]) -> dict[str, str]:
        """Request key -> object id: an object id as it is, a userPrincipalName through ``GET /users/{upn}``."""

        async def one(key: str) -> tuple[str, str]:
            if looks_like_guid(key):
                return key, key.lower()
            try:
                data = await self.graph.request(
                    "GET", f"users/{quote(key, safe='@')}", params={"$select": "id"}, kind="user"
                )
            except NotFound:
                raise NotFound(
                    f"Entra ID has no user {key!r}.",
                    fix="Check the userPrincipalName, or give the object id (a deleted user has another UPN).",
                    code="Request_ResourceNotFound",
                ) from None
            if not isinstance(data, Mapping) or "id" not in data:
                raise Transient(f"Microsoft Graph answered the user {key!r} without an id.", code="BAD_ANSWER")
            return key, str(data["id"])

        return dict(await asyncio.gather(*(one(key) for key in keys)))

    async def _users(self, ids: list[str], raw: dict[str, dict[str, Any]], removed: Removed) -> None:
        """The users' properties as the full read gets them: a ``users/delta`` round filtered to their ids (at most
        50 a round, §4.2), which also reports a user in the recycle bin as ``@removed``, exactly as the full read's
        initial round does. The round's delta link is dropped: an on-demand read never moves the watermark."""
        for start in range(0, len(ids), IDS_PER_DELTA):
            wanted = " or ".join(f"id eq '{uid}'" for uid in ids[start : start + IDS_PER_DELTA])
            await self.reader.delta_round(
                "users/delta", {"$select": self.reader.select, "$filter": wanted}, raw, removed
            )

    async def _members(self, groups: list[str], users: list[str]) -> QueriedMembers:
        """Which of ``users`` each group has, directly and (when nesting counts) transitively, in ``$batch``es."""
        relations = ("members", "transitiveMembers") if self.reader.nested else ("members",)
        requests: list[dict[str, Any]] = []
        asked: list[tuple[str, str]] = []
        for group in groups:
            for relation in relations:
                for start in range(0, len(users), IDS_PER_FILTER):
                    ids = ",".join(f"'{u}'" for u in users[start : start + IDS_PER_FILTER])
                    query = f"$filter={quote(f'id in ({ids})')}&$select=id&$count=true"
                    requests.append(
                        {
                            "id": str(len(requests)),
                            "method": "GET",
                            "url": f"/groups/{group}/{relation}/{USER_CAST}?{query}",
                            "headers": {"ConsistencyLevel": "eventual"},  # $filter on members is an advanced query
                        }
                    )
                    asked.append((group, relation))
        found: dict[tuple[str, str], set[str]] = {(g, r): set() for g in groups for r in relations}
        responses = await self.graph.batch(requests) if requests else {}
        for i, (group, relation) in enumerate(asked):
            response = responses.get(str(i))
            if response is None:
                raise Transient(
                    f"Microsoft Graph's $batch answer lacks the {relation} of group {group}.", code="BAD_ANSWER"
                )
            status, body = int(response.get("status", 0)), response.get("body")
            if status != 200:
                raise graph_error(status, body)
            if not isinstance(body, Mapping) or not isinstance(body.get("value"), list):
                raise Transient(f"Microsoft Graph answered the {relation} of group {group} without a list.")
            found[(group, relation)].update(str(item["id"]) for item in body["value"])
        direct = {g: frozenset(found[(g, "members")]) for g in groups}
        transitive = {g: frozenset(found[(g, relations[-1])]) | direct[g] for g in groups}
        return QueriedMembers(direct, transitive)
