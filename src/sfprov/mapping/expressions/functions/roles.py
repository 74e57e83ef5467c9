"""App-role functions: SingleAppRoleAssignment (runs), AppRoleAssignmentsComplex and
AssertiveAppRoleAssignmentsComplex (refused), plus SelectUniqueValue (refused).

Sources: functions-for-customizing-application-data.md (SingleAppRoleAssignment, SelectUniqueValue) and
customize-application-attributes.md ("Provisioning a role to a SCIM app"); Default Access being no role:
application-provisioning-config-problem-no-users-provisioned.md.
"""

from __future__ import annotations

from sfprov.mapping.expressions.functions.spec import Args, FunctionSpec, Value
from sfprov.model import AppRoleAssignment

APP_ROLE_ASSIGNMENTS = "appRoleAssignments"
"""The computed source attribute the role functions take (``SingleAppRoleAssignment([appRoleAssignments])``)."""

COMPLEX_ROLES_REFUSAL = (
    "produces SCIM complex 'roles' objects (several roles, primary=false) and is only meaningful for SCIM targets; "
    "a Salesforce user has exactly one profile, so map ProfileName with SingleAppRoleAssignment([appRoleAssignments])"
)
SELECT_UNIQUE_VALUE_REFUSAL = (
    "needs to look each candidate value up in the target directory; Entra supports it only for Workday, "
    "SuccessFactors and API-driven provisioning to on-premises Active Directory, not for Salesforce"
)


def effective_roles(assignments: tuple[AppRoleAssignment, ...] | list[AppRoleAssignment]) -> list[AppRoleAssignment]:
    """One assignment per distinct role, Default Access left out (it is "not a role": users holding only
    Default Access are skipped by Entra for gallery apps such as Salesforce)."""
    seen: dict[str, AppRoleAssignment] = {}
    for assignment in assignments:
        if not assignment.is_default_access and assignment.app_role_id not in seen:
            seen[assignment.app_role_id] = assignment
    return list(seen.values())


def role_name(assignment: AppRoleAssignment) -> str:
    """The role's ``value`` (for the Salesforce app, the profile name); its display name when it has no value."""
    return assignment.role_value or assignment.role_display_name


def single_app_role_assignment(a: Args) -> Value:
    """The user's single app role as text; null when the user has no role besides Default Access.

    The same role held twice (directly and through a group) is one role. Several different roles are an error:
    Entra says the function "isn't supported in scenarios where users have multiple app role assignments" and that
    "there's no guarantee which role is provisioned"; sfprov refuses rather than pick one at random.
    """
    roles = effective_roles(list(a.ctx.app_role_assignments))
    if not roles:
        return None
    if len(roles) > 1:
        names = ", ".join(sorted(repr(role_name(role)) for role in roles))
        raise a.fail(
            f"the user holds {len(roles)} different app roles ({names}); SingleAppRoleAssignment needs exactly one",
            fix="Assign the user a single role on the enterprise app (directly or through one group).",
        )
    return role_name(roles[0])


def _refuse_complex(a: Args) -> Value:
    raise a.fail(f"not supported by sfprov: {COMPLEX_ROLES_REFUSAL}")


def _refuse_select_unique(a: Args) -> Value:
    raise a.fail(f"not supported by sfprov: {SELECT_UNIQUE_VALUE_REFUSAL}")


SPECS = (
    FunctionSpec(
        "SingleAppRoleAssignment",
        (f"[{APP_ROLE_ASSIGNMENTS}]",),
        single_app_role_assignment,
        summary="the user's single app role (Salesforce profile)",
    ),
    FunctionSpec(
        "AppRoleAssignmentsComplex",
        (f"[{APP_ROLE_ASSIGNMENTS}]",),
        _refuse_complex,
        refused=COMPLEX_ROLES_REFUSAL,
        summary="all app roles as SCIM complex roles (refused)",
    ),
    FunctionSpec(
        "AssertiveAppRoleAssignmentsComplex",
        (f"[{APP_ROLE_ASSIGNMENTS}]",),
        _refuse_complex,
        refused=COMPLEX_ROLES_REFUSAL,
        summary="all app roles as SCIM complex roles, replacing (refused)",
    ),
    FunctionSpec(
        "SelectUniqueValue",
        ("uniqueValueRule",),
        _refuse_select_unique,
        min_args=2,
        max_args=None,
        refused=SELECT_UNIQUE_VALUE_REFUSAL,
        summary="first candidate not yet used in the target (refused)",
    ),
)
