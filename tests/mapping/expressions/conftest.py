"""Helpers for the expression tests: evaluate a text for a user built from plain attributes."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from sfprov.mapping.expressions import EvalContext, Value, compile_expression, evaluate
from sfprov.model import AppRoleAssignment

FIXED_NOW = datetime(2021, 7, 2, 15, 33, 38, tzinfo=UTC)
FIXED_GUID = "00aa00aa-bb11-cc22-dd33-44ee44ee44ee"


def make_context(
    attributes: Mapping[str, Any] | None = None,
    roles: Sequence[AppRoleAssignment] = (),
    **settings: Any,
) -> EvalContext:
    values = dict(attributes or {})
    return EvalContext(
        attribute=values.get,
        app_role_assignments=roles,
        now=lambda: FIXED_NOW,
        new_guid=lambda: FIXED_GUID,
        rng=random.Random(1234),
        **settings,
    )


def run(text: str, attributes: Mapping[str, Any] | None = None, **settings: Any) -> Value:
    """Parse, validate and evaluate ``text`` for a user with ``attributes``."""
    return evaluate(compile_expression(text), make_context(attributes, **settings))


@pytest.fixture
def ev() -> Callable[..., Value]:
    return run
