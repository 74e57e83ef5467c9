"""Who is in scope and what changed, read from the Entra emulator: every kind of change the engine must see."""

from __future__ import annotations

import pytest

from sfprov.errors import PermissionDenied
from sfprov.model import DEFAULT_ACCESS_ROLE_ID
from sfprov.sources.entra.graph import ResyncRequired
from sfprov.sources.entra.reader import SourceRead

from .conftest import Tenant, run

CHANGED_UPN = "zoe.angstrom@contoso.com"


def full(tenant: Tenant, **scope: object) -> SourceRead:
    async def go() -> SourceRead:
        async with tenant.graph() as graph:
            return await tenant.reader(graph, **scope).read_full()

    return run(go())


def changes(tenant: Tenant, before: SourceRead, **scope: object) -> SourceRead:
    async def go() -> SourceRead:
        async with tenant.graph() as graph:
            return await tenant.reader(graph, **scope).read_changes_since(before.state)

    return run(go())


def emea_members(tenant: Tenant) -> set[str]:
    emea = tenant.emulator.admin.group_by_name("Sales EMEA")
    return {str(m) for m, kind in tenant.emulator.directory.transitive_members(emea["id"]) if kind == "user"}


def test_full_read_app_assignment_scope(tenant: Tenant) -> None:
    read = full(tenant)
    assert read.kind == "full"
    assert read.users_delta_link
    assert set(read.users) == set(read.in_scope)
    group_id = tenant.licensed_group["id"]
    via_group = {
        uid for uid, u in read.users.items() if any(a.principal_id == group_id for a in u.app_role_assignments)
    }
    assert via_group
    # Entra's own rule: only direct members of an assigned group count; "Sales EMEA" is nested in it
    assert emea_members(tenant)
    assert not emea_members(tenant) & read.in_scope
    sample = next(iter(read.users.values()))
    assert "@odata.type" not in sample.attributes
    assert sample.value("userPrincipalName")


def test_nested_groups_are_expanded_on_request(tenant: Tenant) -> None:
    direct = full(tenant).in_scope
    nested = full(tenant, nested_groups=True).in_scope
    assert nested == direct | emea_members(tenant)


def test_groups_mode_without_app_assignments(tenant: Tenant) -> None:
    read = full(tenant, mode="groups", groups=("Salesforce – Licensed Users",), app_id=None)
    assert read.in_scope
    assert all(not u.app_role_assignments for u in read.users.values())
    assert all(any(g.display_name == "Salesforce – Licensed Users" for g in u.groups) for u in read.users.values())


def test_roles_direct_group_conflict_and_default_access(tenant: Tenant) -> None:
    read = full(tenant)
    roles_by_user = {uid: {a.role_display_name for a in u.app_role_assignments} for uid, u in read.users.items()}
    assert any(len(values) == 2 for values in roles_by_user.values())  # direct System Administrator + group role
    default_only = [
        u
        for u in read.users.values()
        if all(a.app_role_id == DEFAULT_ACCESS_ROLE_ID for a in u.app_role_assignments) and u.app_role_assignments
    ]
    assert default_only
    assert default_only[0].app_role_assignments[0].is_default_access


def test_guest_and_disabled_users(tenant: Tenant) -> None:
    read = full(tenant)
    guest = next(u for u in read.users.values() if u.value("userType") == "Guest")
    assert "#EXT#" in guest.value("userPrincipalName")
    dora = next(u for u in read.users.values() if u.value("userPrincipalName") == "dora.desactivee@contoso.com")
    assert dora.value("accountEnabled") is False
    assert dora.is_soft_deleted


def test_delta_attribute_change_and_disable(tenant: Tenant) -> None:
    first = full(tenant)
    members = sorted(
        (u for u in first.users.values() if u.value("department") and u.value("accountEnabled")), key=lambda u: u.id
    )
    target = members[0]
    tenant.emulator.admin.update_user(target.id, department="Procurement")
    other = members[1]
    tenant.emulator.admin.disable_user(other.id)
    read = changes(tenant, first)
    assert read.kind == "delta"
    assert read.users[target.id].value("department") == "Procurement"
    assert read.users[other.id].is_soft_deleted
    assert read.in_scope == first.in_scope
    assert read.users_delta_link != first.users_delta_link
    quiet = changes(tenant, read)
    assert quiet.users == {}


def test_delta_soft_delete_restore_and_hard_delete(tenant: Tenant) -> None:
    first = full(tenant)
    ids = sorted(first.in_scope)
    soft, hard = ids[0], ids[1]
    tenant.emulator.admin.delete_user(soft)
    tenant.emulator.admin.delete_user(hard, permanent=True)  # soft delete, then purge
    read = changes(tenant, first)
    assert read.removed[soft] == "soft_deleted"
    assert read.removed[hard] == "hard_deleted"
    assert soft not in read.in_scope
    tenant.emulator.admin.restore_user(soft)
    back = changes(tenant, read)
    assert soft in back.users
    assert soft not in back.removed


def test_group_add_and_remove(tenant: Tenant) -> None:
    first = full(tenant)
    newcomer = tenant.emulator.admin.add_user(
        displayName="New Comer",
        mailNickname="new.comer",
        userPrincipalName="new.comer@contoso.com",
        accountEnabled=True,
        givenName="New",
        surname="Comer",
        department="Finance",
    )
    group = tenant.licensed_group["id"]
    tenant.emulator.admin.add_member(group, newcomer["id"])
    leaver = next(
        uid
        for uid, u in first.users.items()
        if any(a.principal_id == group for a in u.app_role_assignments)
        and not any(a.principal_type == "User" for a in u.app_role_assignments)
    )
    tenant.emulator.admin.remove_member(group, leaver)
    read = changes(tenant, first)
    assert newcomer["id"] in read.in_scope
    assert read.users[newcomer["id"]].value("department") == "Finance"
    assert read.users[newcomer["id"]].app_role_assignments[0].role_display_name == "Standard User"
    assert leaver not in read.in_scope


def test_direct_assignment_of_an_untouched_user_is_fetched(tenant: Tenant) -> None:
    first = full(tenant)
    outsider = next(u for u in tenant.emulator.directory.users.values() if str(u["id"]) not in first.in_scope)
    tenant.emulator.admin.assign(str(outsider["id"]), "2a9c8f3e-7d61-4b5a-9e0c-5f4d3b2a1c0e", "Chatter Free User")
    read = changes(tenant, first)
    assert str(outsider["id"]) in read.users
    assert read.users[str(outsider["id"])].app_role_assignments[0].role_display_name == "Chatter Free User"


def test_throttling_storm_and_5xx_are_survived(tenant: Tenant) -> None:
    tenant.emulator.admin.configure_faults(throttle_storm=4, retry_after="0.05")
    read = full(tenant)
    assert read.in_scope
    tenant.emulator.admin.configure_faults(error_storm=3)
    assert full(tenant).in_scope == read.in_scope


def test_expired_delta_token_means_resync(tenant: Tenant) -> None:
    first = full(tenant)
    tenant.emulator.admin.configure_faults(sync_reset_storm=1)
    with pytest.raises(ResyncRequired):
        changes(tenant, first)


def test_revoked_permission_fails_loudly_never_empty(tenant: Tenant) -> None:
    info = tenant.info
    tenant.emulator.tokens.set_granted_roles(info["tenant_id"], info["client_id"], {"User.Read.All"})
    tenant.emulator.tokens.expire_all_tokens()
    with pytest.raises(PermissionDenied) as caught:
        full(tenant)
    assert "admin consent" in (caught.value.fix or "")
