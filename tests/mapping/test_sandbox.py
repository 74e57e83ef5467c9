"""Sandbox suffixes: defaults from Salesforce's refresh convention, explicit suffixes, no double suffix."""

from __future__ import annotations

import pytest

from sfprov.mapping.config import SandboxConfig
from sfprov.mapping.sandbox import apply_suffix, suffixes


@pytest.mark.parametrize(
    ("config", "sandbox", "username", "email"),
    [
        (SandboxConfig(), "dev1", ".dev1", ".invalid"),
        (SandboxConfig(name="UAT"), None, ".uat", ".invalid"),
        (SandboxConfig(name="uat"), "dev1", ".dev1", ".invalid"),
        (SandboxConfig(username_suffix=".test", email_suffix=""), None, ".test", ""),
    ],
)
def test_suffixes(config: SandboxConfig, sandbox: str | None, username: str, email: str) -> None:
    found = suffixes(config, sandbox)
    assert found is not None
    assert (found.username, found.email) == (username, email)


def test_production_has_no_suffix() -> None:
    assert suffixes(SandboxConfig(), None) is None


@pytest.mark.parametrize(
    ("value", "suffix", "expected"),
    [
        ("ada@contoso.com", ".dev1", "ada@contoso.com.dev1"),
        ("ada@contoso.com.dev1", ".dev1", "ada@contoso.com.dev1"),
        ("ADA@CONTOSO.COM.DEV1", ".dev1", "ADA@CONTOSO.COM.DEV1"),
        ("ada@contoso.com", "", "ada@contoso.com"),
    ],
)
def test_apply_suffix_once(value: str, suffix: str, expected: str) -> None:
    assert apply_suffix(value, suffix) == expected
