"""Suffixes for users written to a Salesforce sandbox.

Usernames are unique across every Salesforce org, production and sandboxes alike (reference ``salesforce.md``
§3.4), so a sandbox user cannot have the production user's username. Entra's "Salesforce Sandbox" gallery app
appends a string to Username **and** Email by default but does not publish it (§13.8).

sfprov's default is Salesforce's own convention when it copies users into a sandbox (§1.3):

* Username gets ``.<sandboxname>`` (``ada@contoso.com`` → ``ada@contoso.com.dev1``). A sandbox created or
  refreshed from production already holds every production user under exactly that name, so matching finds the
  copy and links it instead of failing with ``DUPLICATE_USERNAME`` or creating a second account.
* Email gets ``.invalid`` (``ada@contoso.com.invalid``), as Salesforce does since Spring '19, so a sandbox cannot
  mail real people. Set ``email_suffix: ""`` where sandbox users must receive mail (password resets, approvals).

The suffix is applied before matching values are taken, so matching looks for the suffixed Username, and it is
never applied twice (a value that already ends with it, e.g. from an ``Append`` expression, is left alone).
"""

from __future__ import annotations

from dataclasses import dataclass

from sfprov.mapping.config import SandboxConfig


@dataclass(frozen=True, slots=True)
class SandboxSuffixes:
    username: str
    email: str

    def for_field(self, field: str) -> str:
        return {"Username": self.username, "Email": self.email}.get(field, "")


def suffixes(config: SandboxConfig, sandbox: str | None) -> SandboxSuffixes | None:
    """The suffixes for this target, or None for a production org.

    ``sandbox`` is the target's sandbox name when the caller knows it (it wins over ``config.name``); with neither,
    the target is production. An explicit ``username_suffix`` is used even when no name is known.
    """
    name = sandbox or config.name
    if name is None and config.username_suffix is None:
        return None
    username = config.username_suffix if config.username_suffix is not None else f".{name}"
    return SandboxSuffixes(username=username.lower(), email=config.email_suffix)


def apply_suffix(value: str, suffix: str) -> str:
    """``value`` + ``suffix``, unless it already ends with it (case-insensitive, as usernames compare)."""
    if not suffix or value.lower().endswith(suffix.lower()):
        return value
    return value + suffix
