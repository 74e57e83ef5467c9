"""What the plan keeps per user until the cycle ends: one values dict per create, no per-field objects until they
are read, no mapping result for users that map cleanly, and each user mapped once."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.engine import plan as plan_module
from sfprov.engine.plan import Action, ActionKind, Change, CreatedFields, values_for_log
from sfprov.mapping import mapper
from tests.engine.test_plan import account, link, person, plan_for


def test_a_create_keeps_one_values_dict_and_makes_its_changes_when_read() -> None:
    plan = plan_for([person("u1", "ada@contoso.com")])
    (action,) = plan.actions
    assert action.kind is ActionKind.CREATE
    assert action.exported is action.values
    assert isinstance(action.changes, CreatedFields)
    assert list(action.changes) == [Change(k, None, v) for k, v in action.values.items()]
    assert len(action.changes) == len(action.values)
    assert action.changes[0] == Change("IsActive", None, True)
    assert action.changes[:2] == list(action.changes)[:2]
    assert values_for_log(action.changes)[0] == ("IsActive", None, "True")


def test_only_a_refused_user_keeps_its_mapping_result() -> None:
    plan = plan_for([person("ok", "ok@contoso.com"), person("bad", "not-an-address")])
    by_id = {a.source_id: a for a in plan.actions}
    assert by_id["ok"].desired is None
    refused = by_id["bad"]
    assert refused.kind is ActionKind.ERROR
    assert refused.desired is not None
    assert refused.desired.errors
    assert refused.desired.explanations == ()


def test_a_skip_remembers_nothing() -> None:
    users = [person("u1", "ada@contoso.com", preferredLanguage="en-US")]
    targets = [account("005A", "ada@contoso.com", Alias="ada@cont", EmailEncodingKey="ISO-8859-1")]
    plan = plan_for(users, links=[link("u1", "005A", {"Username": "ada@contoso.com"})], targets=targets)
    (action,) = plan.actions
    assert (action.kind, action.reason, action.exported) == (ActionKind.SKIP, "no change", {})


def test_plan_objects_have_no_instance_dict() -> None:
    action = Action(ActionKind.SKIP, "u", None, None)
    for obj in (action, Change("a", 1, 2), CreatedFields({})):
        assert not hasattr(obj, "__dict__")


@pytest.mark.parametrize("existing", [False, True])
def test_each_user_is_mapped_once(monkeypatch: pytest.MonkeyPatch, existing: bool) -> None:
    calls: list[str] = []
    real = mapper.map_user

    def counting(user: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(user.id)
        return real(user, *args, **kwargs)

    monkeypatch.setattr(plan_module, "map_user", counting)
    users = [person(f"u{i}", f"user{i}@contoso.com") for i in range(5)]
    targets = [account(f"005{i}", f"user{i}@contoso.com") for i in range(5)] if existing else []
    plan = plan_for(users, targets=targets)
    assert {a.kind for a in plan.actions} == ({ActionKind.ADOPT} if existing else {ActionKind.CREATE})
    assert sorted(calls) == [u.id for u in users]


def test_a_plan_repr_is_a_summary() -> None:
    """``asyncio.run`` formats the repr of its result twice on exit (Python 3.11): it must not grow with the plan."""
    users = [person(f"u{i}", f"user{i}@contoso.com") for i in range(50)]
    plan = plan_for(users)
    assert repr(plan) == "Plan(actions=[50: create 50], staged_reason=None)"
