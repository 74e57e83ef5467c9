"""A scope that comes back empty or much smaller than before stops the cycle, unless the shrink is allowed."""

from __future__ import annotations

import pytest

from sfprov.errors import StopCycle
from sfprov.sources.entra.reader import EntraReader
from sfprov.sources.entra.safety import SuspiciousRead, check_shrink

from .conftest import ATTRIBUTES, Tenant, run

BEFORE = [f"u{i}" for i in range(10)]


def test_empty_scope_after_a_non_empty_one_is_refused() -> None:
    with pytest.raises(SuspiciousRead) as caught:
        check_shrink(BEFORE, [])
    assert isinstance(caught.value, StopCycle)
    assert (caught.value.previous, caught.value.current, caught.value.lost) == (10, 0, 10)
    assert "allow_shrink" in (caught.value.fix or "")


def test_shrink_beyond_the_share_is_refused_and_up_to_it_passes() -> None:
    check_shrink(BEFORE, BEFORE[5:])  # lost 5 of 10: exactly 50 %, allowed
    with pytest.raises(SuspiciousRead, match="lost 6 of 10"):
        check_shrink(BEFORE, BEFORE[6:])
    check_shrink(BEFORE, BEFORE[6:], max_shrink=0.7)
    with pytest.raises(SuspiciousRead):  # replaced by as many newcomers: still 6 of 10 gone
        check_shrink(BEFORE, [*BEFORE[6:], "n1", "n2", "n3", "n4", "n5", "n6"])


def test_allowed_shrink_and_first_run_pass() -> None:
    check_shrink(BEFORE, [], allow_shrink=True)
    check_shrink(None, [])
    check_shrink([], [])


def test_reader_refuses_a_scope_emptied_by_a_removed_assignment(tenant: Tenant) -> None:
    async def go() -> None:
        async with tenant.graph() as graph:
            reader = tenant.reader(graph)
            first = await reader.read_full()
            directory = tenant.emulator.directory
            sp = directory.service_principal_by_app_id(reader.scope_settings.app_id or "")
            for assignment in directory.assignments_to(sp["id"]):
                tenant.emulator.admin.unassign(assignment["id"])
            with pytest.raises(SuspiciousRead, match="came back empty"):
                await reader.read_changes_since(first.state)
            with pytest.raises(SuspiciousRead):  # the full read after a resync is checked too
                await reader.read_full(first.in_scope)
            allowed = await reader.read_changes_since(first.state, allow_shrink=True)
            assert allowed.in_scope == frozenset()

    run(go())


def test_reader_refuses_a_halved_scope(tenant: Tenant) -> None:
    async def go() -> None:
        async with tenant.graph() as graph:
            reader = tenant.reader(graph)
            first = await reader.read_full()
            tenant.emulator.admin.unassign(
                next(
                    a["id"]
                    for a in tenant.emulator.directory.assignments.values()
                    if a["principalId"] == tenant.licensed_group["id"]
                )
            )
            with pytest.raises(SuspiciousRead, match="more than the allowed 50%"):
                await reader.read_changes_since(first.state)
            lenient = EntraReader(graph, reader.scope_settings, ATTRIBUTES, max_shrink=0.95)
            read = await lenient.read_changes_since(first.state)
            assert 0 < len(read.in_scope) < len(first.in_scope) / 2

    run(go())
