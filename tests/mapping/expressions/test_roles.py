"""App-role functions: SingleAppRoleAssignment semantics and the refused SCIM-only / AD-only functions."""

from __future__ import annotations

import pytest

from sfprov.mapping.expressions import (
    ExpressionError,
    ExpressionEvaluationError,
    compile_expression,
    evaluate,
    parse,
)
from sfprov.model import DEFAULT_ACCESS_ROLE_ID, AppRoleAssignment

from .conftest import make_context

SINGLE = "SingleAppRoleAssignment([appRoleAssignments])"


def role(
    role_id: str, value: str | None, display: str = "", via: str = "User", principal: str = "u1"
) -> AppRoleAssignment:
    return AppRoleAssignment(
        app_role_id=role_id,
        role_value=value,
        role_display_name=display or (value or ""),
        principal_type=via,
        principal_id=principal,
    )


STANDARD = role("r-standard", "Standard User", "Standard User profile")
ADMIN = role("r-admin", "System Administrator")
DEFAULT = role(DEFAULT_ACCESS_ROLE_ID, None, "Default Access")


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([STANDARD], "Standard User"),  # the role's value (the profile name), not its display name
        ([STANDARD, role("r-standard", "Standard User", via="Group", principal="g1")], "Standard User"),  # held twice
        ([DEFAULT, STANDARD], "Standard User"),  # Default Access is not a role
        ([DEFAULT], None),
        ([], None),
        ([role("r-novalue", None, "Display Only")], "Display Only"),
    ],
)
def test_single_app_role_assignment(roles: list[AppRoleAssignment], expected: object) -> None:
    assert evaluate(compile_expression(SINGLE), make_context(roles=roles)) == expected


def test_several_different_roles_are_an_error() -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        evaluate(compile_expression(SINGLE), make_context(roles=[STANDARD, ADMIN, DEFAULT]))
    assert caught.value.function == "SingleAppRoleAssignment"
    assert caught.value.reason == (
        "SingleAppRoleAssignment: the user holds 2 different app roles ('Standard User', 'System Administrator'); "
        "SingleAppRoleAssignment needs exactly one"
    )
    assert caught.value.fix is not None


def test_app_role_assignments_attribute_lists_role_names() -> None:
    ctx = make_context(roles=[STANDARD, ADMIN, DEFAULT])
    assert evaluate(parse('Join(";", [appRoleAssignments])'), ctx) == "Standard User;System Administrator"
    assert evaluate(parse("Count([appRoleAssignments])"), make_context(roles=[DEFAULT])) == 0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("AppRoleAssignmentsComplex([appRoleAssignments])", "only meaningful for SCIM targets"),
        ("AssertiveAppRoleAssignmentsComplex([appRoleAssignments])", "only meaningful for SCIM targets"),
        ('SelectUniqueValue(Join("@", [a], "x.com"), Join("@", [b], "x.com"))', "on-premises Active Directory"),
        ('Append(SelectUniqueValue([a], [b]), "x")', "needs to look each candidate value up in the target"),
    ],
)
def test_refused_functions_parse_but_do_not_validate_or_run(text: str, reason: str) -> None:
    tree = parse(text)  # parse alone accepts them
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    assert "is not supported by sfprov" in caught.value.reason
    assert reason in caught.value.reason
    with pytest.raises(ExpressionEvaluationError, match="not supported by sfprov"):
        evaluate(tree, make_context({"a": "x", "b": "y"}))


@pytest.mark.parametrize("text", ["SingleAppRoleAssignment([roles])", 'SingleAppRoleAssignment("Admin")'])
def test_role_functions_take_app_role_assignments(text: str) -> None:
    with pytest.raises(ExpressionError, match=r"takes exactly \[appRoleAssignments\]"):
        compile_expression(text)
