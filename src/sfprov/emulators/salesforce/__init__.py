"""Emulator of Salesforce orgs: REST, SOAP login(), OAuth, SOQL, User rules, limits and faults.

:class:`SalesforceEmulator` is the facade that ``sfprov emulate``, ``sfprov demo`` and the tests use
(:class:`sfprov.emulators.base.Emulator`): build it (:meth:`~SalesforceEmulator.demo`,
:meth:`~SalesforceEmulator.empty`, :meth:`~SalesforceEmulator.from_snapshot`), :meth:`~SalesforceEmulator.serve`
it on an :class:`~sfprov.emulators.server.EmulatorHost` (one HTTPS listener for ``login.salesforce.com``, one for
``test.salesforce.com`` and one per org's My Domain), read :meth:`~SalesforceEmulator.info`, and drive it through
:attr:`~SalesforceEmulator.admin` (the same operations as the ``/_emulator/`` HTTP API).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sfprov.emulators.salesforce.admin import Admin
from sfprov.emulators.salesforce.app import LOGIN_HOSTS, Runtime, SalesforceApp
from sfprov.emulators.salesforce.faults import FaultConfig
from sfprov.emulators.salesforce.store import EmulatorState, Org
from sfprov.emulators.server import EmulatorHost

__all__ = ["FaultConfig", "SalesforceEmulator"]

SNAPSHOT_FORMAT = "sfprov-salesforce-emulator/1"
API_VERSION = "64.0"
"""The version clients should use: the newest at which SOAP ``login()`` still works (reference §10)."""


class SalesforceEmulator:
    """Salesforce orgs over HTTPS, faithful enough to be the ground truth of sfprov's tests."""

    name = "salesforce"

    def __init__(self, state: EmulatorState | None = None, *, seed_info: dict[str, Any] | None = None) -> None:
        self.runtime = Runtime(state or EmulatorState())
        self.app = SalesforceApp(self.runtime)
        self.admin = Admin(self.runtime, on_new_org=self._listen)
        self.runtime.admin = self.admin
        self.seed_info: dict[str, Any] = seed_info or {}
        self._host: EmulatorHost | None = None

    # --- constructors -----------------------------------------------------------------------------------------------

    @classmethod
    def empty(cls) -> SalesforceEmulator:
        """No org at all: create them with :attr:`admin`."""
        return cls()

    @classmethod
    def demo(cls) -> SalesforceEmulator:
        """Part B's demo orgs (production with SOAP login() off, a sandbox, a Developer Edition org)."""
        from sfprov.emulators.salesforce.seed import seed_demo

        emulator = cls()
        with emulator.runtime.lock:
            emulator.seed_info = seed_demo(emulator.runtime.state)
        return emulator

    @classmethod
    def from_snapshot(cls, path: Path) -> SalesforceEmulator:
        """Resume from a file written by :meth:`save_snapshot`."""
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"{path} is not a Salesforce emulator snapshot ({SNAPSHOT_FORMAT})")
        emulator = cls(EmulatorState.from_json(json.dumps(document["state"])), seed_info=document.get("seed_info"))
        emulator.admin.passwords.update(document.get("passwords", {}))
        emulator.admin.jwt_keys.update(document.get("jwt_keys", {}))
        return emulator

    # --- base.Emulator ------------------------------------------------------------------------------------------

    @property
    def state(self) -> EmulatorState:
        return self.runtime.state

    def serve(self, host: EmulatorHost) -> None:
        """One listener per virtual host; orgs created later get theirs when they are created."""
        self._host = host
        for name in LOGIN_HOSTS:
            self._add(host, name)
        for org in list(self.state.orgs.values()):
            self._listen(org)

    def _listen(self, org: Org) -> None:
        if self._host is not None:
            self._add(self._host, org.my_domain)

    def _add(self, host: EmulatorHost, name: str) -> None:
        """Open the listener of ``name``. ``EmulatorHost.add`` hands back an existing listener of the same name, which
        would silently send this emulator's clients to another emulator's app: refuse that instead."""
        existing = host.listeners.get(name)
        if existing is not None and self.runtime.listeners.get(name) != existing.url:
            raise RuntimeError(f"{name} is already served by another emulator on this EmulatorHost; use one host each")
        self.runtime.listeners[name] = host.add(self.app, name)

    def url(self, host: str) -> str:
        """The base URL of a virtual host (its listener once served)."""
        return self.runtime.base_url(host)

    def org_url(self, org: Org) -> str:
        return self.runtime.base_url(org.my_domain)

    def info(self) -> dict[str, Any]:
        """Endpoints and credentials: login URLs, per org its My Domain URL, users with password and security token,
        External Client Apps with key, secret and JWT key pair, the admin API and its token. Test data only: it holds
        the emulator's made-up secrets and must never be logged."""
        with self.runtime.lock:
            orgs = []
            seeded = {o["org_id"]: o for o in self.seed_info.get("orgs", {}).values()}
            for org in self.state.orgs.values():
                entry: dict[str, Any] = {
                    "org_id": org.id,
                    "name": org.name,
                    "kind": org.kind,
                    "edition": org.edition,
                    "my_domain": org.my_domain,
                    "instance_url": self.org_url(org),
                    "login_url": self.url("test.salesforce.com" if org.is_sandbox else "login.salesforce.com"),
                    "soap_login_enabled": org.settings.soap_login_enabled,
                    "daily_api_requests": org.settings.daily_api_requests,
                    "users": self._users(org),
                    "external_client_apps": self._apps(org, seeded.get(org.id, {})),
                }
                orgs.append(entry)
        return {
            "login_url": self.url("login.salesforce.com"),
            "test_login_url": self.url("test.salesforce.com"),
            "api_version": API_VERSION,
            "admin_url": self.url("login.salesforce.com") + "/_emulator",
            "admin_token": self.runtime.admin_token,
            "foreign_usernames": sorted(self.state.foreign_usernames),
            "orgs": orgs,
        }

    def _users(self, org: Org) -> list[dict[str, Any]]:
        """Users who can log in: those with a known password (seeded or set through :attr:`admin`)."""
        known = dict(self.admin.passwords)
        for seeded in self.seed_info.get("orgs", {}).values():
            for role in ("admin", "integration"):
                person = seeded.get(role)
                if person:
                    known.setdefault(person["username"].lower(), person["password"])
        out = []
        for user_id in org.credentials:
            user = org.user(user_id)
            if user is None:
                continue
            password = known.get(str(user["Username"]).lower())
            if password is None:
                continue
            out.append(
                {
                    "user_id": user_id,
                    "username": user["Username"],
                    "password": password,
                    "security_token": org.security_token(user_id),
                    "profile": (org.profile_of(user_id) or {}).get("Name"),
                }
            )
        return out

    def _apps(self, org: Org, seeded: dict[str, Any]) -> list[dict[str, Any]]:
        seeded_app = seeded.get("external_client_app") or {}
        keys = dict(self.admin.jwt_keys)
        if seeded_app.get("consumer_key") and seeded_app.get("jwt_private_key_pem"):
            keys.setdefault(seeded_app["consumer_key"], seeded_app["jwt_private_key_pem"])
        out = []
        for app in org.apps.values():
            entry: dict[str, Any] = {
                "name": app.name,
                "consumer_key": app.consumer_key,
                "consumer_secret": app.consumer_secret,
                "client_credentials_enabled": app.client_credentials_enabled,
                "run_as_user_id": app.run_as_user_id,
            }
            if app.consumer_key in keys:
                entry["jwt_private_key_pem"] = keys[app.consumer_key]
            out.append(entry)
        return out

    def save_snapshot(self, path: Path) -> None:
        """The whole state, plus the clear-text test credentials ``info()`` reports (file mode 0600)."""
        with self.runtime.lock:
            document = {
                "format": SNAPSHOT_FORMAT,
                "state": json.loads(self.state.to_json()),
                "seed_info": self.seed_info,
                "passwords": self.admin.passwords,
                "jwt_keys": self.admin.jwt_keys,
            }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, separators=(",", ":"))
