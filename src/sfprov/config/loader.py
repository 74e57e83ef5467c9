"""Reading ``sfprov.yaml``: every problem reported at once, each at its key, with the fix.

The loader never resolves secrets (that happens where they are used), so validating a config (`sfprov doctor`,
`sfprov plan`) needs no secret at hand and can print nothing sensitive.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from sfprov.config.models import SfprovConfig
from sfprov.errors import ConfigError
from sfprov.mapping.config import describe_errors

DEFAULT_PATH = Path("sfprov.yaml")


def parse_config(text: str, *, source: str = "sfprov.yaml") -> SfprovConfig:
    """Validate a config given as YAML text."""
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(
            f"{source}{where}: {problem}.",
            fix="Check the indentation and quoting around that line (YAML uses spaces, never tabs).",
        ) from None
    if raw is None:
        raise ConfigError(f"{source} is empty.", fix="Run `sfprov init` to write a commented starter file.")
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{source}: the top level must be a mapping of keys (source:, targets:, ...), not a {type(raw).__name__}.",
            fix="Run `sfprov init` to see the expected layout.",
        )
    try:
        return SfprovConfig.model_validate(raw)
    except ValidationError as exc:
        problems = [_polish(line) for line in describe_errors(exc, "")]
        raise ConfigError(
            f"{source} is invalid:\n  " + "\n  ".join(problems),
            fix="Correct the keys named above; `sfprov init` writes a commented example of every section.",
        ) from None


_LOGIN_TAG = re.compile(r"\.login\.(client_credentials|jwt_bearer|soap|password)(?=[.:])")
_UNKNOWN = re.compile(r"^(?P<path>[^:]*?)(?P<key>[^.\[\]:]+): unknown key \(.*\)$")


def _all_keys(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """Every key any section of the config accepts, for "did you mean" suggestions."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    keys = set(model.model_fields)
    for info in model.model_fields.values():
        for arg in _model_args(info.annotation):
            keys |= _all_keys(arg, seen)
    return keys


def _model_args(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _model_args(arg)]


def _polish(line: str) -> str:
    """Drop the login-method tag pydantic puts in paths and suggest the nearest known key for typos."""
    line = _LOGIN_TAG.sub(".login", line.lstrip("."))
    match = _UNKNOWN.match(line)
    if match:
        key = match.group("key")
        close = difflib.get_close_matches(key, sorted(_all_keys(SfprovConfig)), n=1, cutoff=0.75)
        hint = f"did you mean {close[0]!r}?" if close else "remove it, or check the spelling against `sfprov init`"
        return f"{match.group('path')}{key}: unknown key ({hint})"
    return line


def load_config(path: Path | None = None) -> tuple[SfprovConfig, Path]:
    """Read and validate the config file; returns the config and the folder relative paths start from."""
    path = path or DEFAULT_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"No config file at {path}.",
            fix="Run `sfprov init` to write one, or pass --config PATH.",
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror}.") from None
    return parse_config(text, source=str(path)), path.resolve().parent
