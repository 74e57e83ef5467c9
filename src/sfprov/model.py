"""Plain data that flows between the stages: what the source says about a person.

The Entra connector produces :class:`SourceUser` records and nothing Graph-shaped leaks past it; the mapping
consumes them. Attribute names are Entra's source attribute names as an administrator writes them in a mapping
(``userPrincipalName``, ``givenName``, ``extensionAttribute1``, ...), because mappings brought over from the gallery
app must keep working unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000"
"""The app role id Entra uses for an assignment without a specific role ("Default Access")."""


@dataclass(frozen=True, slots=True)
class AppRoleAssignment:
    """One app role a user holds on the Salesforce enterprise app, directly or through a group."""

    app_role_id: str
    role_value: str | None
    """The role's ``value``; for the Salesforce app it carries the profile name (the gallery app's convention)."""
    role_display_name: str
    principal_type: str
    """``User`` for a direct assignment, ``Group`` when the user holds it through a group."""
    principal_id: str
    principal_display_name: str = ""

    @property
    def is_default_access(self) -> bool:
        return self.app_role_id == DEFAULT_ACCESS_ROLE_ID


@dataclass(frozen=True, slots=True)
class GroupMembership:
    group_id: str
    display_name: str
    direct: bool = True


@dataclass(frozen=True, slots=True)
class SourceUser:
    """A person as the source sees them now.

    ``attributes`` holds plain values only: ``str``, ``bool``, ``int``, ``None`` or ``list[str]`` (for multi-valued
    attributes such as ``businessPhones``). Derived attributes that Entra computes (``IsSoftDeleted``) are
    properties here so that mapping expressions can reference them by the same names.
    """

    id: str
    attributes: Mapping[str, Any]
    app_role_assignments: tuple[AppRoleAssignment, ...] = ()
    groups: tuple[GroupMembership, ...] = ()
    soft_deleted: bool = False
    hard_deleted: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_soft_deleted(self) -> bool:
        """Entra's ``IsSoftDeleted``: true when the user is disabled, soft-deleted or deleted.

        Entra sets it for a user that is deleted, disabled (``accountEnabled`` false) or no longer effectively
        entitled (out of scope); the scope part is decided by the engine, which sees assignments and filters.
        """
        return self.soft_deleted or self.hard_deleted or self.attributes.get("accountEnabled") is False

    def value(self, name: str) -> Any:
        """The value of a source attribute as a mapping references it (``[name]``); ``None`` when absent."""
        if name == "IsSoftDeleted":
            return self.is_soft_deleted
        if name == "objectId":
            return self.id
        if name in self.attributes:
            return self.attributes[name]
        lowered = name.lower()
        for key, val in self.attributes.items():
            if key.lower() == lowered:
                return val
        return None
