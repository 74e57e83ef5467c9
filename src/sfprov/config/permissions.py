"""Warnings for secret files other users can read: every `{file: ...}` secret reference of the config, found by
walking the models, so that a new secret setting is covered without being listed here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from sfprov.config.secrets import SecretRef


def secret_refs(model: BaseModel, path: str = "") -> Iterator[tuple[str, SecretRef]]:
    """Every secret reference in ``model`` with its key path (``targets[0].login.client_secret``)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = f"{path}.{name}" if path else name
        if isinstance(value, SecretRef):
            yield key, value
        elif isinstance(value, BaseModel):
            yield from secret_refs(value, key)
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from secret_refs(item, f"{key}[{i}]")


def permission_warnings(model: BaseModel, base_dir: Path | None, path: str = "") -> list[str]:
    """One line per secret file readable by other users, with the chmod that fixes it."""
    warnings = (ref.permission_warning(key, base_dir=base_dir) for key, ref in secret_refs(model, path))
    return [w for w in warnings if w]
