"""The local group graph: members@delta folded in per group id, nesting, pruning, and the JSON state round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfprov.model import AppRoleAssignment
from sfprov.sources.entra.memberships import GROUP_TYPE, USER_TYPE, GroupGraph, GroupNode
from sfprov.sources.entra.scope import compute_scope
from sfprov.sources.entra.state import Memberships, SourceState

REMOVED = {"@removed": {"reason": "deleted"}}


def user(uid: str, **extra: object) -> dict[str, object]:
    return {"@odata.type": USER_TYPE, "id": uid, **extra}


def graph() -> GroupGraph:
    return GroupGraph({"root": GroupNode("Root", {"u1"}, {"child"}), "child": GroupNode("Child", {"u2"}, set())})


def test_slices_of_one_group_over_pages_are_merged_and_replays_are_harmless() -> None:
    g = graph()
    g.apply_delta({"id": "root", "displayName": "Root", "members@delta": [user("u3"), user("u1", **REMOVED)]})
    g.apply_delta({"id": "root", "displayName": "Root", "members@delta": [user("u4")]})  # next page, next slice
    g.apply_delta({"id": "root", "members@delta": [user("u3"), user("u1", **REMOVED)]})  # replay
    assert g.nodes["root"].users == {"u3", "u4"}


def test_untracked_groups_and_other_member_kinds_are_ignored() -> None:
    g = graph()
    g.apply_delta({"id": "elsewhere", "members@delta": [user("u9")]})
    g.apply_delta({"id": "root", "members@delta": [{"@odata.type": "#microsoft.graph.device", "id": "d1"}]})
    assert set(g.nodes) == {"root", "child"}
    assert g.nodes["root"].users == {"u1"}


def test_renamed_group_and_deleted_group() -> None:
    g = graph()
    g.apply_delta({"id": "child", "displayName": "Child (renamed)"})
    assert g.nodes["child"].name == "Child (renamed)"
    g.apply_delta({"id": "child", "@removed": {"reason": "deleted"}})
    assert "child" not in g.nodes
    assert g.nodes["root"].groups == set()


def test_nesting_closure_with_a_cycle_and_missing_groups() -> None:
    g = graph()
    g.nodes["child"].groups.add("root")  # a nesting cycle must not loop
    assert g.users_of("root", nested=True) == {"u1", "u2"}
    assert g.users_of("root", nested=False) == {"u1"}
    g.apply_delta({"id": "child", "members@delta": [{"@odata.type": GROUP_TYPE, "id": "grandchild"}]})
    assert g.missing(["root"], nested=True) == ["grandchild"]
    assert g.missing(["root"], nested=False) == []
    g.prune(["root"], nested=False)
    assert set(g.nodes) == {"root"}


def test_scope_roles_and_direct_flag() -> None:
    role = AppRoleAssignment("r1", "Standard User", "Standard User", "Group", "root", "Root")
    direct = AppRoleAssignment("r2", "System Administrator", "System Administrator", "User", "u9")
    memberships = Memberships("key", graph(), [role, direct], {"root": "Root"})
    nested = compute_scope(memberships, mode="app_assignment", nested=True)
    assert nested.user_ids == {"u1", "u2", "u9"}
    assert nested.roles["u2"] == [role]
    assert [(m.group_id, m.direct) for m in nested.groups["u2"]] == [("root", False)]
    assert [(m.group_id, m.direct) for m in nested.groups["u1"]] == [("root", True)]
    assert compute_scope(memberships, mode="app_assignment", nested=False).user_ids == {"u1", "u9"}
    assert compute_scope(memberships, mode="groups", nested=True).roles == {}


def test_state_round_trips_through_json() -> None:
    role = AppRoleAssignment("r1", None, "Default Access", "Group", "root", "Root")
    memberships = Memberships("key", graph(), [role], {"root": "Root"})
    state = SourceState(
        "https://g/users/delta?$deltatoken=a", "https://g/groups/delta?$deltatoken=b", frozenset({"u1"}), memberships
    )
    back = SourceState.from_json(state.to_json())
    assert back.to_json() == state.to_json()
    assert back.memberships is not None
    assert back.memberships.assignments == [role]
    assert back.memberships.graph.nodes == memberships.graph.nodes


MEMBERS = [f"u{i}" for i in range(8)]


@settings(max_examples=200, deadline=None)
@given(
    start=st.sets(st.sampled_from(MEMBERS)),
    changes=st.lists(st.tuples(st.sampled_from(MEMBERS), st.booleans()), max_size=20),
    slice_size=st.integers(min_value=1, max_value=5),
    replay=st.booleans(),
)
def test_a_round_folded_slice_by_slice_gives_the_group_as_it_is_now(
    start: set[str], changes: list[tuple[str, bool]], slice_size: int, replay: bool
) -> None:
    """A round reports each member's net change once (§5); however Graph slices it over pages, and even when the
    round is replayed, the graph ends with the members the group has now."""
    truth = set(start)
    net: dict[str, bool] = {}
    for member, added in changes:
        (truth.add if added else truth.discard)(member)
        net[member] = added
    entries = [user(m) if added else user(m, **REMOVED) for m, added in net.items()]
    g = GroupGraph({"g": GroupNode("G", set(start))})
    for _ in range(2 if replay else 1):
        for i in range(0, max(len(entries), 1), slice_size):
            g.apply_delta({"id": "g", "displayName": "G", "members@delta": entries[i : i + slice_size]})
    assert g.nodes["g"].users == truth


def test_a_state_of_another_version_or_damaged_is_refused_with_value_error() -> None:
    good = SourceState("u", None, frozenset(), Memberships("key", graph())).to_json()
    damaged = {**good, "memberships": {"scope_key": "k", "groups": {"g": {"name": "G"}}}}
    for bad in ({**good, "version": 99}, {"version": 1}, damaged):
        with pytest.raises(ValueError, match="Entra source state"):
            SourceState.from_json(bad)
