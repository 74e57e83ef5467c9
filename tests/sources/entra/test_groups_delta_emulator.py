"""Group memberships followed through ``/groups/delta`` (members@delta), against the Entra emulator.

The key property: after any series of changes, chaining incremental reads gives the same scope, roles, groups and
user data as a fresh full read (reference ``entra-graph.md`` §5; issue 6 §3).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from sfprov.emulators.entra.generators import SALESFORCE_APP_ID
from sfprov.model import SourceUser
from sfprov.sources.entra.graph import ResyncRequired
from sfprov.sources.entra.reader import SourceRead, SourceState

from .conftest import Tenant, run

EMEA = "Sales EMEA"

MODES: dict[str, dict[str, Any]] = {
    "assigned": {},
    "assigned_nested": {"nested_groups": True},
    "groups": {"mode": "groups", "groups": ("Salesforce – Licensed Users", EMEA), "app_id": None},
    "all_users": {"mode": "all_users", "app_id": None},
}


def full(tenant: Tenant, **scope: Any) -> SourceRead:
    async def go() -> SourceRead:
        async with tenant.graph() as graph:
            return await tenant.reader(graph, **scope).read_full(allow_shrink=True)

    return run(go())


def since(tenant: Tenant, state: SourceState, **scope: Any) -> SourceRead:
    async def go() -> SourceRead:
        async with tenant.graph() as graph:
            return await tenant.reader(graph, **scope).read_changes_since(state, allow_shrink=True)

    return run(go())


def comparable(user: SourceUser) -> tuple[Any, ...]:
    """A user as the mapping sees it: a property Graph omits and one it sends as null read the same."""
    attributes = {k: v for k, v in user.attributes.items() if v is not None}
    return user.id, attributes, user.app_role_assignments, user.groups


ACTIONS = (
    *("add", "add", "add", "remove", "remove", "nest", "unnest", "new_group", "assign_user", "unassign"),
    *("soft_delete", "restore", "purge", "update", "delete_group"),
)


class Mutator:
    """Random directory changes through the emulator's admin API: membership, nesting, assignments, users."""

    def __init__(self, tenant: Tenant, rng: random.Random) -> None:
        self.tenant = tenant
        self.admin = tenant.emulator.admin
        self.d = tenant.emulator.directory
        self.rng = rng
        self.created = 0

    def groups(self) -> list[str]:
        return sorted(self.d.groups)

    def live_users(self) -> list[str]:
        return sorted(self.d.users)

    def step(self) -> str:
        rng, admin = self.rng, self.admin
        action = rng.choice(ACTIONS)
        groups = self.groups()
        try:
            if action == "add":
                admin.add_member(rng.choice(groups), rng.choice(self.live_users()))
            elif action == "remove":
                gid = rng.choice(groups)
                users = sorted(m for m, kind in self.d.members[gid].items() if kind == "user")
                if users:
                    admin.remove_member(gid, rng.choice(users))
            elif action == "nest":
                admin.add_member(rng.choice(groups), rng.choice(groups))
            elif action == "unnest":
                pairs = sorted((g, m) for g in groups for m, kind in self.d.members[g].items() if kind == "group")
                if pairs:
                    admin.remove_member(*rng.choice(pairs))
            elif action == "new_group":
                self.created += 1
                group = admin.add_group(f"Random {self.created}")
                for uid in rng.sample(self.live_users(), 3):
                    admin.add_member(group["id"], uid)
                admin.assign(group["id"], SALESFORCE_APP_ID, rng.choice(["Standard User", "Chatter Free User"]))
            elif action == "assign_user":
                admin.assign(rng.choice(self.live_users()), SALESFORCE_APP_ID, "Chatter Free User")
            elif action == "unassign":
                sp = self.d.service_principal_by_app_id(SALESFORCE_APP_ID)
                assignments = sorted(a["id"] for a in self.d.assignments_to(sp["id"]))
                if assignments:
                    admin.unassign(rng.choice(assignments))
            elif action == "soft_delete":
                admin.delete_user(rng.choice(self.live_users()))
            elif action == "restore":
                deleted = sorted(u["id"] for u in self.d.deleted_users())
                if deleted:
                    admin.restore_user(rng.choice(deleted))
            elif action == "purge":
                admin.delete_user(rng.choice(self.live_users()), permanent=True)
            elif action == "update":
                admin.update_user(rng.choice(self.live_users()), department=rng.choice(["Legal", "Ops", "R&D"]))
            elif action == "delete_group":
                random_groups = sorted(g for g in groups if self.d.groups[g]["displayName"].startswith("Random"))
                if random_groups:
                    self.d.delete_group(rng.choice(random_groups))
        except Exception as exc:  # refused by the directory (existing member, nesting cycle, ...): a no-op
            if "GraphError" not in type(exc).__name__ and not isinstance(exc, KeyError):
                raise
        return action


@pytest.mark.parametrize("mode", sorted(MODES))
def test_chained_delta_reads_agree_with_a_full_read(tenant: Tenant, mode: str) -> None:
    scope = MODES[mode]
    rng = random.Random(f"entra-delta-{mode}")
    mutator = Mutator(tenant, rng)
    read = full(tenant, **scope)
    view = {uid: comparable(u) for uid, u in read.users.items()}  # what the caller knows about each user
    state = SourceState.from_json(read.state.to_json())  # through JSON, as the state store keeps it
    actions: list[str] = []
    for _cycle in range(12):
        actions += [mutator.step() for _ in range(rng.randint(1, 4))]
        read = since(tenant, state, **scope)
        state = SourceState.from_json(read.state.to_json())
        view.update({uid: comparable(u) for uid, u in read.users.items()})
        fresh = full(tenant, **scope)
        assert read.in_scope == fresh.in_scope, actions
        assert {uid: view[uid] for uid in read.in_scope} == {uid: comparable(u) for uid, u in fresh.users.items()}, (
            actions
        )
        if fresh.memberships is not None:
            assert read.memberships is not None
            assert read.memberships.graph.to_json().keys() == fresh.memberships.graph.to_json().keys()


def test_membership_changes_come_from_members_delta_without_rereading_member_lists(tenant: Tenant) -> None:
    first = full(tenant)
    group = tenant.licensed_group["id"]
    newcomer = next(u for u in tenant.emulator.directory.users if u not in first.in_scope)
    tenant.emulator.admin.add_member(group, newcomer)

    async def go() -> tuple[SourceRead, dict[str, int]]:
        async with tenant.graph() as graph:
            read = await tenant.reader(graph).read_changes_since(first.state)
            return read, dict(graph.counters.by_kind)

    read, kinds = run(go())
    assert newcomer in read.in_scope
    assert "members" not in kinds  # no member list re-read: members@delta said it
    assert kinds["groups_delta"] == 1
    assert read.groups_delta_link
    assert read.groups_delta_link != first.groups_delta_link


def test_nested_group_change_reaches_the_assigned_group(tenant: Tenant) -> None:
    first = full(tenant, nested_groups=True)
    emea = tenant.emulator.admin.group_by_name(EMEA)["id"]
    outsider = next(u for u in tenant.emulator.directory.users if u not in first.in_scope)
    tenant.emulator.admin.add_member(emea, outsider)
    read = since(tenant, first.state, nested_groups=True)
    assert outsider in read.in_scope
    assert read.users[outsider].app_role_assignments[0].principal_id == tenant.licensed_group["id"]
    assert read.users[outsider].groups[0].direct is False
    tenant.emulator.admin.remove_member(tenant.licensed_group["id"], emea)  # the whole nested group leaves
    after = since(tenant, read.state, nested_groups=True)
    assert outsider not in after.in_scope
    assert after.memberships is not None
    assert emea not in after.memberships.graph.nodes


def test_a_big_group_spread_over_pages_is_merged(tenant: Tenant) -> None:
    tenant.emulator.admin.configure_faults(members_delta_page_size=2, delta_page_size=3)
    first = full(tenant)
    group = tenant.licensed_group["id"]
    joiners = sorted(u for u in tenant.emulator.directory.users if u not in first.in_scope)[:7]
    for uid in joiners:
        tenant.emulator.admin.add_member(group, uid)

    async def go() -> tuple[SourceRead, int]:
        async with tenant.graph() as graph:
            read = await tenant.reader(graph).read_changes_since(first.state)
            return read, graph.counters.by_kind["groups_delta"]

    read, pages = run(go())
    assert pages >= 4  # seven entries two at a time: the group re-appeared with each slice
    assert set(joiners) <= read.in_scope


def test_group_newly_assigned_is_read_in_full_once(tenant: Tenant) -> None:
    first = full(tenant)
    group = tenant.emulator.admin.add_group("Salesforce Chatter")
    members = sorted(u for u in tenant.emulator.directory.users if u not in first.in_scope)[:3]
    for uid in members:
        tenant.emulator.admin.add_member(group["id"], uid)
    tenant.emulator.admin.assign(group["id"], SALESFORCE_APP_ID, "Chatter Free User")
    read = since(tenant, first.state)
    assert set(members) <= read.in_scope
    assert {read.users[u].app_role_assignments[0].role_display_name for u in members} == {"Chatter Free User"}
    tenant.emulator.admin.remove_member(group["id"], members[0])
    again = since(tenant, read.state)
    assert members[0] not in again.in_scope


def test_role_change_without_attribute_change_is_reported(tenant: Tenant) -> None:
    first = full(tenant)
    group = tenant.licensed_group["id"]
    member = next(
        uid for uid, u in sorted(first.users.items()) if [a.principal_type for a in u.app_role_assignments] == ["Group"]
    )
    tenant.emulator.admin.assign(member, SALESFORCE_APP_ID, "System Administrator")
    read = since(tenant, first.state)
    assert {a.role_display_name for a in read.users[member].app_role_assignments} == {
        "Standard User",
        "System Administrator",
    }
    assert group in {a.principal_id for a in read.users[member].app_role_assignments}


def test_expired_groups_delta_token_means_resync(tenant: Tenant) -> None:
    first = full(tenant)
    assert first.groups_delta_link
    base, _, _token = first.groups_delta_link.partition("$deltatoken=")
    stale = SourceState(first.users_delta_link, f"{base}$deltatoken=expired~0", first.in_scope, first.memberships)
    with pytest.raises(ResyncRequired):
        since(tenant, stale)


def test_changed_scope_settings_reread_memberships(tenant: Tenant) -> None:
    first = full(tenant)
    read = since(tenant, first.state, nested_groups=True)  # stored memberships were for direct members only
    assert read.in_scope == full(tenant, nested_groups=True).in_scope


def test_older_callers_without_memberships_still_get_the_right_scope(tenant: Tenant) -> None:
    first = full(tenant)
    group = tenant.licensed_group["id"]
    leaver = sorted(m for m, kind in tenant.emulator.directory.members[group].items() if kind == "user")[0]
    tenant.emulator.admin.remove_member(group, leaver)

    async def go() -> SourceRead:
        async with tenant.graph() as graph:
            return await tenant.reader(graph).read_changes(first.users_delta_link, first.in_scope)

    read = run(go())
    assert read.in_scope == full(tenant).in_scope
    assert leaver not in read.in_scope
    assert read.groups_delta_link
    assert read.memberships is not None
