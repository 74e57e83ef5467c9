"""Secrets in the configuration are references, never values.

A config file gets copied, pasted into tickets and committed to repositories; a password written into it leaks with
it. So a secret is given as ``{env: NAME}`` (an environment variable) or ``{file: PATH}`` (a file readable only by
the service account), and resolved at the moment of use into a :class:`~sfprov.secrets.Secret`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from sfprov.errors import ConfigError
from sfprov.secrets import Secret


class SecretRef(BaseModel):
    """``{env: NAME}`` or ``{file: PATH}``; exactly one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="before")
    @classmethod
    def _refuse_inline(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise ValueError(
                "secrets cannot be written into the config file; use {env: VARIABLE_NAME} or {file: /path/to/file}"
            )
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of env: or file:")
        return self

    def describe(self) -> str:
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def resolve(self, key: str, *, base_dir: Path | None = None) -> Secret:
        """The secret's value; :class:`ConfigError` naming ``key`` when it is not there."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise ConfigError(
                    f"{key}: environment variable {self.env} is not set or empty.",
                    fix=f"Export {self.env} in the service's environment (for systemd: EnvironmentFile=).",
                )
            return Secret(value)
        assert self.file is not None
        path = self.file if self.file.is_absolute() or base_dir is None else base_dir / self.file
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{key}: cannot read secret file {path} ({exc.strerror}).",
                fix="Create the file, readable only by the account that runs sfprov (chmod 600).",
            ) from None
        if not value:
            raise ConfigError(f"{key}: secret file {path} is empty.", fix="Write the secret into the file.")
        return Secret(value)

    def permission_warning(self, key: str, *, base_dir: Path | None = None) -> str | None:
        """A warning when a secret file is readable by other users."""
        if self.file is None:
            return None
        path = self.file if self.file.is_absolute() or base_dir is None else base_dir / self.file
        try:
            mode = path.stat().st_mode
        except OSError:
            return None
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            return f"{key}: secret file {path} is readable by other users; run: chmod 600 {path}"
        return None
