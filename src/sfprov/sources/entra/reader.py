"""Who should have Salesforce, and as what: scope, roles and attributes read from Entra ID.

Each cycle the reader answers two questions, and refuses to answer when it cannot be sure:

1. **Who is in scope now**: the users assigned to the Salesforce enterprise app, directly or through a group
   (the gallery app's way); or the members of named groups (works without Entra ID P1/P2); or all users.
   App role assignments are re-read every cycle, because Graph has no delta for them (reference
   ``entra-graph.md`` §9); group memberships are read in full once and then followed through ``/groups/delta``
   with ``members@delta`` (§5), folded into a local graph of the tracked groups (:mod:`.memberships`) from which
   nested membership is recomputed (:mod:`.scope`).
2. **What changed about them**: a full read the first time (``/users/delta`` without a token, which also yields the
   first delta link), then only changes through the stored delta link. An expired link (users or groups) raises
   :class:`ResyncRequired`, and the caller reads in full again.

The reader keeps nothing between processes: each read returns a :class:`SourceState` for the caller to store and
hand back. A read that fails raises; a scope that comes back empty or much smaller than the previous one raises
:class:`~sfprov.sources.entra.safety.SuspiciousRead` unless the caller allows the shrink: never "everybody left".
Nothing Graph-shaped leaves this module: the output is :class:`~sfprov.model.SourceUser` records.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sfprov.errors import Transient
from sfprov.model import SourceUser
from sfprov.sources.entra.graph import GraphClient, ResyncRequired, graph_error
from sfprov.sources.entra.groups import MembershipReader, ScopeMode, ScopeSettings
from sfprov.sources.entra.memberships import GroupGraph
from sfprov.sources.entra.safety import DEFAULT_MAX_SHRINK, SuspiciousRead, check_shrink
from sfprov.sources.entra.scope import Scope, compute_scope
from sfprov.sources.entra.state import Memberships, SourceState

ALWAYS_SELECTED = ("id", "userPrincipalName", "displayName", "accountEnabled", "userType")
"""Read whatever the mapping says, plus what scope and deprovisioning decisions need."""

__all__ = [
    "EntraReader",
    "Memberships",
    "Scope",
    "ScopeMode",
    "ScopeSettings",
    "SourceRead",
    "SourceState",
    "SuspiciousRead",
]


Removed = dict[str, Literal["soft_deleted", "hard_deleted"]]
"""Users Graph reported deleted in a round: ``@removed`` reason ``changed`` (soft) or ``deleted`` (hard), §4.2."""


@dataclass
class SourceRead:
    """One cycle's read. ``users`` holds in-scope users whose data was read this time (all of them on a full
    read; on a delta read the changed ones, the newly scoped ones and those whose roles or groups changed);
    ``removed`` the users Graph reported deleted. ``groups_delta_link`` and ``memberships`` are for the next
    cycle (see :attr:`state`); both are ``None`` in ``all_users`` mode, which needs no group data."""

    kind: Literal["full", "delta"]
    in_scope: frozenset[str]
    users: dict[str, SourceUser]
    removed: Removed
    users_delta_link: str
    calls: int = 0
    groups_delta_link: str | None = None
    memberships: Memberships | None = None

    @property
    def state(self) -> SourceState:
        """What the caller stores (``.to_json()``) and hands back to :meth:`EntraReader.read_changes_since`."""
        return SourceState(self.users_delta_link, self.groups_delta_link, self.in_scope, self.memberships)


class EntraReader:
    def __init__(
        self,
        graph: GraphClient,
        scope: ScopeSettings,
        attributes: Iterable[str],
        *,
        max_shrink: float = DEFAULT_MAX_SHRINK,
    ) -> None:
        scope.validate()
        self.graph = graph
        self.scope_settings = scope
        self.groups = MembershipReader(graph, scope)
        self.max_shrink = max_shrink
        wanted = list(attributes)
        selected = [*ALWAYS_SELECTED, *(a for a in wanted if _is_graph_property(a))]
        if any(a.startswith("extensionAttribute") for a in wanted):
            selected.append("onPremisesExtensionAttributes")
        self.select = ",".join(dict.fromkeys(selected))

    @property
    def nested(self) -> bool:
        return self.groups.nested

    @property
    def scope_key(self) -> str:
        return self.groups.scope_key

    # -- scope -----------------------------------------------------------------------------------------------

    async def read_scope(self) -> Scope:
        """The scope now, every membership read in full (``all_users``: empty, filled from the user read)."""
        if self.scope_settings.mode == "all_users":
            return Scope()
        return self._compute(await self.groups.read(GroupGraph()))

    def _compute(self, memberships: Memberships) -> Scope:
        return compute_scope(memberships, mode=self.scope_settings.mode, nested=self.nested)

    # -- reads -----------------------------------------------------------------------------------------------

    async def read_full(
        self, previous_scope: Collection[str] | None = None, *, allow_shrink: bool = False
    ) -> SourceRead:
        """Every user (one delta round without a token, which ends with the first delta link), then scope.

        ``previous_scope`` (the last good in-scope set, after a resync) arms the shrink check of :mod:`.safety`.
        """
        calls_before = self.graph.counters.calls
        raw: dict[str, dict[str, Any]] = {}
        removed: Removed = {}
        link = await self.delta_round("users/delta", {"$select": self.select}, raw, removed)
        groups_link: str | None = None
        memberships: Memberships | None = None
        if self.scope_settings.mode == "all_users":
            scope = Scope(user_ids=set(raw))
        else:
            groups_link = await self.groups.latest_link()
            memberships = await self.groups.read(GroupGraph())
            scope = self._compute(memberships)
        in_scope = set(scope.user_ids) - set(removed)
        await self._complete(in_scope, raw, sorted(uid for uid in in_scope if uid not in raw))
        check_shrink(previous_scope, in_scope, max_shrink=self.max_shrink, allow_shrink=allow_shrink)
        users = {uid: self._source_user(raw[uid], scope) for uid in in_scope}
        calls = self.graph.counters.calls - calls_before
        return SourceRead("full", frozenset(in_scope), users, removed, link, calls, groups_link, memberships)

    async def read_changes_since(self, state: SourceState, *, allow_shrink: bool = False) -> SourceRead:
        """:meth:`read_changes` from a stored :class:`SourceState`."""
        return await self.read_changes(
            state.users_delta_link,
            state.in_scope,
            groups_delta_link=state.groups_delta_link,
            memberships=state.memberships,
            allow_shrink=allow_shrink,
        )

    async def read_changes(
        self,
        users_delta_link: str,
        previous_scope: Collection[str],
        *,
        groups_delta_link: str | None = None,
        memberships: Memberships | None = None,
        allow_shrink: bool = False,
    ) -> SourceRead:
        """Changes since the last read; raises ResyncRequired (either delta link expired) or SuspiciousRead.

        ``previous_scope`` is the in-scope set of the last successful read. With the last read's
        ``groups_delta_link`` and ``memberships``, membership changes come from ``members@delta`` and only groups
        new to the scope are read in full; without them (an older caller) every member list is read again.
        Users in scope now but not before, and users whose roles or groups changed, are fetched (20 per
        ``$batch`` call) even if their own attributes did not change.
        """
        calls_before = self.graph.counters.calls
        raw: dict[str, dict[str, Any]] = {}
        removed: Removed = {}
        link = await self.delta_round(users_delta_link, None, raw, removed)
        known = set(previous_scope)
        before: Scope | None = None
        new_memberships: Memberships | None = None
        groups_link: str | None = None
        if self.scope_settings.mode == "all_users":
            scope = Scope(user_ids=(known | set(raw)) - set(removed))
        else:
            if memberships is not None and groups_delta_link and memberships.scope_key == self.scope_key:
                before = self._compute(memberships)
                graph = memberships.graph.copy()
                groups_link = await self.groups.follow(groups_delta_link, graph)
            else:  # no usable memberships (older caller, changed scope settings): read them in full
                graph = GroupGraph()
                groups_link = await self.groups.latest_link()
            new_memberships = await self.groups.read(graph)
            scope = self._compute(new_memberships)
        in_scope = set(scope.user_ids) - set(removed)
        moved = (
            set()
            if before is None
            else {u for u in in_scope & known if before.entitlements(u) != scope.entitlements(u)}
        )
        wanted = sorted(uid for uid in in_scope if uid not in raw and (uid not in known or uid in moved))
        await self._complete(in_scope, raw, wanted)
        check_shrink(known, in_scope, max_shrink=self.max_shrink, allow_shrink=allow_shrink)
        users = {uid: self._source_user(raw[uid], scope) for uid in in_scope if uid in raw}
        for uid, data in raw.items():  # changed users now out of scope still need their state (disabled etc.)
            if uid not in users and uid not in removed:
                users.setdefault(uid, self._source_user(data, scope))
        calls = self.graph.counters.calls - calls_before
        return SourceRead("delta", frozenset(in_scope), users, removed, link, calls, groups_link, new_memberships)

    async def _complete(self, in_scope: set[str], raw: dict[str, dict[str, Any]], wanted: list[str]) -> None:
        """Fetch ``wanted`` users into ``raw``; those Graph no longer has (deleted since the scope was read) leave
        the scope now, as a fresh full read would not list them either, and the next round reports them."""
        fetched = await self._fetch_users(wanted)
        raw.update(fetched)
        in_scope.difference_update(uid for uid in wanted if uid not in fetched)

    async def delta_round(
        self,
        start: str,
        params: Mapping[str, str] | None,
        raw: dict[str, dict[str, Any]],
        removed: Removed,
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
            if response is None:  # never read as "not there": that would drop the user from the scope
                raise Transient(
                    f"Microsoft Graph's $batch answer lacks the response for user {uid}.", code="BAD_ANSWER"
                )
            status = int(response.get("status", 0))
            if status == 200 and isinstance(response.get("body"), Mapping):
                out[uid] = dict(response["body"])
            elif status != 404:  # 404: deleted since the scope was read; the next round reports it
                raise graph_error(status, response.get("body"))
        return out

    def _source_user(self, data: Mapping[str, Any], scope: Scope) -> SourceUser:
        return source_user(data, scope)


def source_user(data: Mapping[str, Any], scope: Scope) -> SourceUser:
    """A Graph user object and what the scope says about them, as the mapping sees them (nothing Graph-shaped)."""
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
