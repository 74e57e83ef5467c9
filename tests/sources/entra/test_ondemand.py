"""On-demand reads (`sfprov provision USER`) give, for each user, exactly what a full read gives for them.

Compared for every user of the demo tenant and of a generated tenant with nested groups (a chain and a diamond, users
assigned directly and through groups with different roles, disabled and soft-deleted users), in every scope mode:
scope membership, attributes, app role assignments and groups (in the same order), and the removed state.
"""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.emulators.entra import EntraEmulator
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME, SALESFORCE_APP_ID
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA
from sfprov.errors import NotFound
from sfprov.sources.entra.ondemand import OnDemandReader, UsersRead
from sfprov.sources.entra.reader import SourceRead

from .conftest import Tenant, no_delay, run

SCOPES: dict[str, dict[str, Any]] = {
    "assigned, direct members": {},
    "assigned, nested groups": {"nested_groups": True},
    "groups": {"mode": "groups", "groups": (LICENSED_GROUP_NAME, "All Staff")},
    "all users": {"mode": "all_users"},
}


def reads(tenant: Tenant, keys: list[list[str]], **scope: Any) -> tuple[SourceRead, list[UsersRead]]:
    """A full read, then one on-demand read per list of keys, with the same settings."""

    async def go() -> tuple[SourceRead, list[UsersRead]]:
        async with tenant.graph() as graph:
            reader = tenant.reader(graph, **scope)
            full = await reader.read_full()
            return full, [await OnDemandReader(reader).read(k) for k in keys]

    return run(go())


def assert_same(full: SourceRead, one: UsersRead, user_ids: list[str]) -> None:
    for uid in user_ids:
        assert (uid in full.in_scope) == (uid in one.read.in_scope), uid
        assert full.users.get(uid) == one.read.users.get(uid), uid  # attributes, roles and groups, in order
        assert full.removed.get(uid) == one.read.removed.get(uid), uid
    assert set(one.read.users) <= set(user_ids)
    assert not one.read.users_delta_link, "an on-demand read must not give a delta link to store"


def everybody(emulator: EntraEmulator) -> list[str]:
    deleted = [oid for oid, entry in emulator.directory.deleted.items() if entry["kind"] == "user"]
    return sorted(emulator.directory.users) + sorted(deleted)


@pytest.mark.parametrize("scope", SCOPES)
def test_each_demo_user_alone_reads_as_in_the_full_read(tenant: Tenant, scope: str) -> None:
    emulator = tenant.emulator
    some = sorted(emulator.directory.users)
    emulator.admin.disable_user(some[3])
    emulator.admin.delete_user(some[5])  # soft-deleted: in the recycle bin
    users = everybody(emulator)
    full, singles = reads(tenant, [[uid] for uid in users], **SCOPES[scope])
    assert full.in_scope, "the comparison needs users in scope"
    for uid, one in zip(users, singles, strict=True):
        assert one.resolved == {uid: uid}
        assert_same(full, one, [uid])
    assert full.removed.get(some[5]) == "soft_deleted"


def test_a_user_is_found_by_user_principal_name(tenant: Tenant) -> None:
    user = next(u for u in tenant.emulator.directory.users.values() if u.get("accountEnabled"))
    full, (one,) = reads(tenant, [[str(user["userPrincipalName"]).upper()]])
    assert one.resolved == {str(user["userPrincipalName"]).upper(): user["id"]}
    assert_same(full, one, [user["id"]])


def test_a_guest_upn_with_a_hash_is_found(tenant: Tenant) -> None:
    guest = next(u for u in tenant.emulator.directory.users.values() if "#EXT#" in str(u["userPrincipalName"]))
    full, (one,) = reads(tenant, [[str(guest["userPrincipalName"])]], mode="all_users")
    assert_same(full, one, [guest["id"]])
    assert guest["id"] in one.read.in_scope


def test_out_of_scope_users_are_named(tenant: Tenant) -> None:
    emea = tenant.emulator.admin.group_by_name("Sales EMEA")
    outsider = next(
        uid
        for uid, kind in tenant.emulator.directory.transitive_members(emea["id"])
        if kind == "user"
        and uid not in {m for m, k in tenant.emulator.directory.members[tenant.licensed_group["id"]].items()}
    )
    _full, (one,) = reads(tenant, [[outsider]])
    assert outsider in one.out_of_scope
    assert not one.read.users


def test_unknown_and_purged_users_are_not_found(tenant: Tenant) -> None:
    gone = sorted(tenant.emulator.directory.users)[0]
    tenant.emulator.admin.delete_user(gone, permanent=True)
    for key in (gone, "nobody@contoso.com"):
        with pytest.raises(NotFound, match="Entra ID has no user"):
            reads(tenant, [[key]])


def test_one_user_costs_a_handful_of_calls(tenant: Tenant) -> None:
    uid = sorted(tenant.emulator.directory.users)[0]
    full, (one,) = reads(tenant, [[uid]], nested_groups=True)
    assert one.read.calls <= 4, one.read.calls  # user, service principal, assignments, one $batch
    assert full.calls > one.read.calls


# -- a generated tenant with nested groups -----------------------------------------------------------------


@pytest.fixture(scope="module")
def nested(host: EmulatorHost, local_ca: LocalCA) -> Tenant:
    """240 generated users; groups A (Standard User) > B > C, D (Chatter Free User) > B (a diamond: B and C are
    reached twice), and users assigned directly with another role, members of several groups, disabled and
    soft-deleted. (Graph refuses nesting cycles, so there is none.)"""
    emulator = EntraEmulator.bulk(240, seed=11)
    admin = emulator.admin
    users = sorted(emulator.directory.users)
    a, b, c, d = (admin.add_group(name)["id"] for name in ("Nested A", "Nested B", "Nested C", "Nested D"))
    for group, member in ((a, b), (b, c), (d, b)):
        admin.add_member(group, member)
    for i, uid in enumerate(users[:200]):
        admin.add_member((a, b, c, d)[i % 4], uid)
        if i % 7 == 0:
            admin.add_member((b, c)[i % 2], uid)
    admin.assign(a, SALESFORCE_APP_ID, "Standard User")
    admin.assign(d, SALESFORCE_APP_ID, "Chatter Free User")
    for uid in users[::9]:
        admin.assign(uid, SALESFORCE_APP_ID, "System Administrator")
    for uid in users[5::31]:
        admin.disable_user(uid)
    for uid in users[11::37]:
        admin.delete_user(uid)
    emulator.serve(host)
    no_delay(host)
    return Tenant(emulator, str(local_ca.ca_file))


@pytest.mark.parametrize("scope", ["assigned, direct members", "assigned, nested groups", "all users"])
def test_each_user_of_a_nested_tenant_reads_as_in_the_full_read(nested: Tenant, scope: str) -> None:
    users = everybody(nested.emulator)
    full, singles = reads(nested, [[uid] for uid in users], **SCOPES[scope])
    assert full.in_scope
    for uid, one in zip(users, singles, strict=True):
        assert_same(full, one, [uid])
    if scope == "assigned, nested groups":  # the comparison covered the hard cases
        assert any(not g.direct for u in full.users.values() for g in u.groups), "nobody in scope through nesting"
        assert any(len(u.app_role_assignments) > 2 for u in full.users.values()), "nobody with several roles"
    assert any(full.removed.get(uid) == "soft_deleted" for uid in users)


def test_groups_mode_on_a_nested_tenant(nested: Tenant) -> None:
    users = everybody(nested.emulator)
    full, singles = reads(nested, [[uid] for uid in users], mode="groups", groups=("Nested B", "Nested D"))
    for uid, one in zip(users, singles, strict=True):
        assert_same(full, one, [uid])


def test_many_users_in_one_read(nested: Tenant) -> None:
    """Several users at once share the calls (15 ids per member filter) and still read as the full read."""
    users = everybody(nested.emulator)
    full, (one,) = reads(nested, [users], nested_groups=True)
    assert_same(full, one, users)
    assert one.read.calls < 40, one.read.calls
