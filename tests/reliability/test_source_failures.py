"""Issue 10 §3: when Entra cannot be read, nothing is deactivated, the cycle fails loudly, the next cycle catches up.

The rule of older sync tools ("an empty source means stop") and Entra's own safety (reference
``entra-provisioning-service.md`` §7.3 accidental deletions, §8.2 quarantine): a read that failed, was cut short or
came back empty says nothing about who left. Each test first lets a
user leave the licensed group (a deactivation is due), then breaks the read, and checks that

* the cycle ends ``failed`` (or ``stopped`` for an empty answer) with an error that names Graph and the cause,
* no account was deactivated, no watermark moved, the cycle is recorded with its error,
* once Graph is healthy, the next cycle deactivates the leaver (nothing was lost).

Faults come from the Entra emulator (``entra-graph.md`` §10 and §1.4: 503/504 storms, 403
``Authorization_RequestDenied``); "mid-cycle" faults are switched on from inside the reader's first page request,
the moment a real outage would hit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sfprov.emulators.entra.directory import GraphError
from sfprov.emulators.entra.generators import SALESFORCE_APP_ID
from sfprov.sources.entra.graph import GraphClient
from sfprov.state import CycleStatus, LogAction, LogQuery

from .fixtures_faults import FaultWorld, demo_world

__all__ = ["demo_world"]

DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"
"""The "Default Access" app role id of an assignment without a role (entra-graph.md, appRoleAssignment)."""


def provisioned_member(world: FaultWorld) -> dict[str, Any]:
    """A user linked to an active account and in scope through the licensed group only."""
    group = world.licensed_group["id"]
    sp = world.entra.directory.service_principal_by_app_id(SALESFORCE_APP_ID)
    direct = {a["principalId"] for a in world.entra.directory.assignments_to(sp["id"])}
    for member_id, kind in world.entra.directory.transitive_members(group):
        link = world.store.links.get("production", member_id)
        user = world.entra.directory.users.get(member_id)
        if kind != "user" or link is None or user is None or member_id in direct:
            continue
        account = world.org.get_by_id("User", link.target_id)
        if account is not None and account["IsActive"]:
            return dict(user)
    raise AssertionError("no provisioned group member")


@pytest.fixture
def leaver(demo_world: FaultWorld) -> dict[str, Any]:
    """After a good first cycle, one provisioned user leaves the licensed group: the next good cycle deactivates."""
    first = demo_world.cycle()
    assert first.status is CycleStatus.PARTIAL  # the demo tenant's known refusals (licence-less roles)
    user = provisioned_member(demo_world)
    demo_world.entra.admin.remove_member(demo_world.licensed_group["id"], str(user["id"]))
    return user


def active_accounts(world: FaultWorld) -> int:
    with world.salesforce.runtime.lock:
        return sum(1 for u in world.org.scan("User") if u["IsActive"])


def assert_failed_safely(world: FaultWorld, status: CycleStatus, *words: str) -> None:
    """Run a cycle under the current fault; it must end ``status`` with a clear error and deactivate nobody."""
    active = active_accounts(world)
    watermark = world.store.watermarks.all("production")
    report = world.cycle()
    assert report.status is status, report.error
    assert report.error is not None
    for word in words:
        assert word in report.error, report.error
    assert report.result is None
    assert active_accounts(world) == active
    assert world.store.watermarks.all("production") == watermark
    latest = world.store.cycles.latest("production")
    assert latest is not None
    assert latest.status is status
    assert latest.error_message == report.error
    disabled = world.store.log.query(LogQuery(limit=None, job="production", actions=(LogAction.DISABLE,)))
    assert disabled == []


def assert_catches_up(world: FaultWorld, leaver: dict[str, Any]) -> None:
    report = world.cycle()
    assert report.status in (CycleStatus.SUCCEEDED, CycleStatus.PARTIAL), report.error
    account = world.sf_user(str(leaver["userPrincipalName"]))
    assert account is not None
    assert account["IsActive"] is False


def on_first_page(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> list[int]:
    """Run ``action`` once the reader has fetched its first page: the fault lands mid-read."""
    pages: list[int] = []
    original = GraphClient.page

    async def page(self: GraphClient, *args: Any, **kwargs: Any) -> Any:
        result = await original(self, *args, **kwargs)
        pages.append(1)
        if len(pages) == 1:
            action()
        return result

    monkeypatch.setattr(GraphClient, "page", page)
    return pages


def test_graph_down(demo_world: FaultWorld, leaver: dict[str, Any]) -> None:
    demo_world.entra.admin.configure_faults(error_storm=1_000, retry_after="0.01")
    assert_failed_safely(demo_world, CycleStatus.FAILED, "Graph")
    demo_world.entra.admin.reset_faults()
    assert_catches_up(demo_world, leaver)


def test_entra_unreachable(demo_world: FaultWorld, leaver: dict[str, Any]) -> None:
    """No listener at the authority (DNS or firewall trouble): a connection error, not an empty directory."""
    healthy = demo_world.config
    source = healthy.source.model_copy(update={"authority_url": "https://127.0.0.1:9"})
    demo_world.config = healthy.model_copy(update={"source": source})
    assert_failed_safely(demo_world, CycleStatus.FAILED, "Entra")
    demo_world.config = healthy
    assert_catches_up(demo_world, leaver)


def test_partial_read_fails_the_cycle(
    demo_world: FaultWorld, leaver: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Graph breaks after the first page of a read that spans several: the half-read directory is not used."""
    demo_world.entra.admin.configure_faults(delta_page_size=5, members_delta_page_size=5)
    with pytest.MonkeyPatch.context() as patch:
        pages = on_first_page(
            patch, lambda: demo_world.entra.admin.configure_faults(error_storm=1_000, retry_after="0.01")
        )
        assert_failed_safely(demo_world, CycleStatus.FAILED, "Graph")
        assert len(pages) == 1
    demo_world.entra.admin.reset_faults()
    assert_catches_up(demo_world, leaver)


def out_of_scope_user(world: FaultWorld) -> dict[str, Any]:
    """An enabled member user with a mail, not linked and not in the licensed group."""
    group = world.licensed_group["id"]
    members = {m for m, _ in world.entra.directory.transitive_members(group)}
    for uid, user in world.entra.directory.users.items():
        if (
            uid not in members
            and user.get("accountEnabled")
            and user.get("mail")
            and user.get("surname")
            and user.get("userType") != "Guest"
            and world.store.links.get("production", uid) is None
        ):
            return dict(user)
    raise AssertionError("no out-of-scope user")


def test_batch_sub_request_failure_fails_the_cycle(demo_world: FaultWorld, leaver: dict[str, Any]) -> None:
    """One user read inside ``$batch`` answers 403 while the batch itself succeeds: never read as "user gone".

    A user whose attributes did not change but who joins the licensed group is not in the users delta; the reader
    fetches them through ``$batch`` (entra-graph.md §11): the failure of that sub-request must fail the read.
    """
    faults = demo_world.entra.faults
    original = faults.admit
    user_reads: list[str] = []

    def admit(app_id: str, tenant_id: str, endpoint: str, now: float) -> None:
        original(app_id, tenant_id, endpoint, now)
        if endpoint == "GET /users/{id}":
            user_reads.append(endpoint)
            raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

    joiner = out_of_scope_user(demo_world)
    demo_world.entra.admin.add_member(demo_world.licensed_group["id"], str(joiner["id"]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(faults, "admit", admit)
        assert_failed_safely(demo_world, CycleStatus.FAILED, "Insufficient privileges")
    assert user_reads
    assert_catches_up(demo_world, leaver)
    assert demo_world.sf_user(str(joiner["userPrincipalName"])) is not None


def test_empty_answer_stops(demo_world: FaultWorld, leaver: dict[str, Any]) -> None:
    """Every assignment gone at once (a misconfigured app, a script gone wrong): stop, never deactivate everybody."""
    sp = demo_world.entra.directory.service_principal_by_app_id(SALESFORCE_APP_ID)
    removed = list(demo_world.entra.directory.assignments_to(sp["id"]))
    for assignment in removed:
        demo_world.entra.admin.unassign(assignment["id"])
    assert_failed_safely(demo_world, CycleStatus.STOPPED, "empty")
    for assignment in removed:
        role = assignment.get("appRoleId")
        demo_world.entra.admin.assign(
            assignment["principalId"], SALESFORCE_APP_ID, None if role == DEFAULT_ACCESS else role
        )
    assert_catches_up(demo_world, leaver)


def _revoke_mid_read(world: FaultWorld, patch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Withdraw admin consent (no app roles) and end issued tokens once the reader has its first page; return the
    function that grants the roles again."""
    source = world.config.source
    tenant = str(source.tenant_id)
    tokens = world.entra.tokens
    granted = tokens.client_app(tenant, source.client_id).granted_roles
    world.entra.admin.configure_faults(delta_page_size=5, members_delta_page_size=5)

    def revoke() -> None:
        tokens.set_granted_roles(tenant, source.client_id, [])
        world.entra.admin.expire_access_tokens()

    on_first_page(patch, revoke)
    return lambda: tokens.set_granted_roles(tenant, source.client_id, granted)


def test_permission_revoked_mid_cycle(demo_world: FaultWorld, leaver: dict[str, Any]) -> None:
    """Admin consent withdrawn while the reader pages through users: the cycle fails, nobody is deactivated."""
    with pytest.MonkeyPatch.context() as patch:
        restore = _revoke_mid_read(demo_world, patch)
        assert_failed_safely(demo_world, CycleStatus.FAILED, "Authorization_RequestDenied")
    restore()
    demo_world.entra.admin.reset_faults()
    assert_catches_up(demo_world, leaver)


def test_permission_revoked_mid_cycle_names_the_missing_permission(demo_world: FaultWorld) -> None:
    demo_world.cycle()
    with pytest.MonkeyPatch.context() as patch:
        _revoke_mid_read(demo_world, patch)
        report = demo_world.cycle()
    assert report.status is CycleStatus.FAILED
    assert report.error is not None
    assert "Insufficient privileges" in report.error


def test_access_token_expiring_mid_read_is_renewed(demo_world: FaultWorld) -> None:
    demo_world.cycle()
    demo_world.entra.admin.configure_faults(delta_page_size=5, members_delta_page_size=5)
    with pytest.MonkeyPatch.context() as patch:
        on_first_page(patch, demo_world.entra.admin.expire_access_tokens)
        report = demo_world.cycle(full=True)
    assert report.status in (CycleStatus.SUCCEEDED, CycleStatus.PARTIAL), report.error
