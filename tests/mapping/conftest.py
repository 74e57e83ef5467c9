"""Builders for source users, shared by the mapping tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sfprov.model import AppRoleAssignment, GroupMembership, SourceUser

STANDARD_USER = AppRoleAssignment("role-std", "Standard User", "Standard User", "User", "u")
DEFAULT_ACCESS = AppRoleAssignment("00000000-0000-0000-0000-000000000000", None, "Default Access", "User", "u")

UserFactory = Callable[..., SourceUser]


def make_user(
    user_id: str = "0b1e7c9a-1111-4222-8333-444455556666",
    *,
    roles: tuple[AppRoleAssignment, ...] = (STANDARD_USER,),
    groups: tuple[GroupMembership, ...] = (),
    **attributes: Any,
) -> SourceUser:
    attrs: dict[str, Any] = {
        "userPrincipalName": "ada.lovelace@contoso.com",
        "givenName": "Ada",
        "surname": "Lovelace",
        "mail": "ada.lovelace@contoso.com",
        "accountEnabled": True,
    }
    attrs.update(attributes)
    attrs = {k: v for k, v in attrs.items() if v is not None}
    return SourceUser(id=user_id, attributes=attrs, app_role_assignments=roles, groups=groups)


@pytest.fixture
def user() -> UserFactory:
    return make_user
