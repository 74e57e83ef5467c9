"""What the mapping produces for one source user: the desired Salesforce user, its issues, and why each value is what
it is.

These are plain frozen data so the plan stage can compare them with the target, the provisioning log can record them,
and ``sfprov plan --explain`` / on-demand provisioning can print them (Entra shows the same information in the
"Perform action" step of provision on demand: reference ``entra-provisioning-service.md`` §11).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Operation = Literal["create", "update"]

FieldValue = str | bool | int | tuple[str, ...]
"""A value ready for Salesforce: text, a checkbox, a number, or (PermissionSets) several names."""


class Severity(StrEnum):
    ERROR = "error"
    """The user must not be written (Entra would log a failure or skip it)."""
    WARNING = "warning"
    """Written, but a value was replaced or dropped; worth a look."""


class IssueCode(StrEnum):
    """Stable codes for per-user mapping problems; the Entra equivalents are named where one exists."""

    NOT_EFFECTIVELY_ENTITLED = "NotEffectivelyEntitled"
    """Only the "Default Access" app role (reference salesforce.md §13.2)."""
    MULTIPLE_ROLES = "MultipleAppRoles"
    """Several different app roles while the profile comes from ``SingleAppRoleAssignment`` (salesforce.md §13.4)."""
    AMBIGUOUS_RULES = "AmbiguousGroupRules"
    NO_PROFILE = "NoProfile"
    REQUIRED_FIELD_MISSING = "SalesforceRequiredFieldMissing"
    """Entra's Salesforce-specific code (salesforce.md §13.5)."""
    NO_MATCHING_VALUE = "ImportSkipped"
    """No value in any matching attribute (entra-provisioning-service.md §6)."""
    INVALID_USERNAME = "InvalidUsername"
    INVALID_EMAIL = "InvalidEmail"
    STRING_TOO_LONG = "StringTooLong"
    INVALID_PICKLIST_VALUE = "InvalidPicklistValue"
    INVALID_BOOLEAN = "InvalidBoolean"
    INVALID_NUMBER = "InvalidNumber"
    EXPRESSION_FAILED = "ExpressionFailed"
    MULTI_VALUE_INTO_SINGLE = "SchemaPropertyCanOnlyAcceptValue"
    """A list for a single-valued field (entra-provisioning-service.md §10.2)."""
    NICKNAME_EXHAUSTED = "NicknameUnavailable"
    VALUE_REPAIRED = "ValueRepaired"


@dataclass(frozen=True, slots=True)
class MappingIssue:
    """One problem with one user, phrased for an administrator: what is wrong, with which field, and the fix."""

    code: IssueCode
    message: str
    field: str | None = None
    fix: str | None = None
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        message = self.message if self.message.endswith((".", "!", "?")) else f"{self.message}."
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{where}{message}{fix}"


class Origin(StrEnum):
    """Where a value came from (the "rule that produced it")."""

    DIRECT = "direct"
    CONSTANT = "constant"
    EXPRESSION = "expression"
    DEFAULT = "default"
    """The mapping's "default value if null", applied because the user is being created."""
    GROUP_RULE = "group-rule"
    APP_ROLE = "app-role"
    NONE = "none"
    """A mapping without source (Entra's type "None"); only its default can flow."""


@dataclass(frozen=True, slots=True)
class FieldExplanation:
    """How one target field got its value, or why it is not sent."""

    field: str
    value: FieldValue | None
    origin: Origin
    rule: str
    """The mapping as an administrator wrote it: ``[mail]``, ``"True"``, the expression text, the group rule."""
    source_value: Any = None
    """The value before Salesforce rules and the sandbox suffix changed it."""
    repairs: tuple[str, ...] = ()
    """Each change made afterwards, as ``rule-name: what happened``."""
    skipped: str | None = None
    """Why nothing is sent for this field (null source, IgnoreFlow, create-only on an update, refused value)."""

    @property
    def sent(self) -> bool:
        return self.skipped is None


@dataclass(frozen=True, slots=True)
class DesiredUser:
    """The Salesforce user the source says should exist, ready for the plan stage.

    ``fields`` holds real ``User`` fields only; the virtual targets of the gallery connector are separate:
    ``profile_name`` (resolved to ``ProfileId`` by the connector), ``permission_sets`` and ``role_name``
    (``UserRoleId``). ``matching`` lists the matching attributes in precedence order, first one first, each with
    the value to look up (entra-provisioning-service.md §6); it holds only attributes that have a value.
    """

    source_id: str
    operation: Operation
    fields: Mapping[str, FieldValue]
    profile_name: str | None = None
    permission_sets: tuple[str, ...] | None = None
    """``None`` when nothing decides permission sets (leave them alone); ``()`` when the user should have none."""
    role_name: str | None = None
    matching: tuple[tuple[str, str], ...] = ()
    issues: tuple[MappingIssue, ...] = ()
    explanations: tuple[FieldExplanation, ...] = ()
    fill_if_empty: Mapping[str, FieldValue] = field(default_factory=dict)
    """Defaults of source-less mappings (Entra type "None") for an update: set them only where the target is empty."""

    @property
    def errors(self) -> tuple[MappingIssue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[MappingIssue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """True when the user can be written (no error-level issue)."""
        return not self.errors

    def explanation(self, target: str) -> FieldExplanation | None:
        lowered = target.lower()
        for item in self.explanations:
            if item.field.lower() == lowered:
                return item
        return None
