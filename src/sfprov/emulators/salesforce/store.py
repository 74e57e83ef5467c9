"""The state of a Salesforce emulator: several orgs, the username registry they share, and each org's rows.

Why one :class:`EmulatorState` above the orgs: usernames are unique across *all* Salesforce orgs, production and
sandbox, including orgs the caller cannot see (reference §3.4, doc), so the registry of usernames is global, and it
is pre-seeded with usernames "taken in other customers' orgs" so that the connector's ``DUPLICATE_USERNAME`` path can
be exercised.

:class:`Org` implements Part A's ``TableSource`` (``scan``, ``get_by_id``, ``lookup``) and the record API that Part C
serves over REST (``create``, ``update``, ``retrieve``, ``delete``), plus the admin API used by seeds, tests and the
``/_emulator/`` endpoints. The org is assembled from :mod:`core` (identity, tables, record API), :mod:`org_users`
(credentials, logins, e-mail holds, permissions) and :mod:`org_setup` (admin API); write rules are in :mod:`dml` and
:mod:`rules`; secrets in :mod:`credentials`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sfprov.emulators.salesforce import custom_fields, ids, schema
from sfprov.emulators.salesforce.core import (
    INDEXED_FIELDS,
    Journal,
    OrgKind,
    PendingEmail,
    SaveResult,
    email_expiry,
    gc_paused,
    sf_datetime,
)
from sfprov.emulators.salesforce.credentials import Credentials, ExternalClientApp
from sfprov.emulators.salesforce.org_setup import OrgSetup
from sfprov.emulators.salesforce.org_users import OrgUsers
from sfprov.emulators.salesforce.settings import OrgSettings
from sfprov.emulators.salesforce.table import Row, Table

__all__ = [
    "INDEXED_FIELDS",
    "EmulatorState",
    "ExternalClientApp",
    "Journal",
    "Org",
    "OrgKind",
    "OrgSettings",
    "PendingEmail",
    "SaveResult",
    "email_expiry",
    "gc_paused",
    "sf_datetime",
]

SNAPSHOT_VERSION = 1

_DEFAULT_EDITION: dict[str, str] = {
    "production": "Enterprise Edition",
    "sandbox": "Enterprise Edition",
    "developer": "Developer Edition",
}
_DEFAULT_API_REQUESTS: dict[str, int] = {"production": 100_000, "sandbox": 5_000_000, "developer": 15_000}
"""§12.1: Developer Edition 15,000 observed; the Enterprise base of 100,000 and the full sandbox 5,000,000 are
UNVERIFIED defaults (change them in ``OrgSettings.daily_api_requests``)."""


def my_domain_host(kind: OrgKind, my_domain: str, sandbox_name: str | None = None) -> str:
    """The My Domain host of an org (reference §1.2, enhanced domains): ``acme.my.salesforce.com``,
    ``acme--uat.sandbox.my.salesforce.com``, ``acme-dev-ed.develop.my.salesforce.com``."""
    if kind == "production":
        return f"{my_domain}.my.salesforce.com"
    if kind == "sandbox":
        if not sandbox_name:
            raise ValueError("a sandbox needs a sandbox name")
        return f"{my_domain}--{sandbox_name}.sandbox.my.salesforce.com"
    return f"{my_domain}-dev-ed.develop.my.salesforce.com"


class Org(OrgUsers, OrgSetup):
    """One emulated org: its Organization record, tables, licences, credentials and apps."""

    # --- snapshots ------------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        self.flush_licences()
        return {
            "id": self.id,
            "pod": self.ids.pod,
            "id_counter": self.ids.counter,
            "name": self.name,
            "kind": self.kind,
            "edition": self.edition,
            "my_domain": self.my_domain,
            "instance_name": self.instance_name,
            "settings": self.settings.to_json(),
            "licence_totals": dict(self.licences.total),
            "feature_licence_totals": dict(self.feature_licences.total),
            "custom_fields": {
                name: [custom_fields.to_json(f) for f in fields] for name, fields in self.custom_fields.items()
            },
            "tables": {
                name: _dump_table(table, self.sobject(name) or schema.SCHEMA[name])
                for name, table in self.tables.items()
                if len(table)
            },
            "credentials": {uid: c.to_json() for uid, c in self.credentials.items()},
            "pending_emails": {uid: p.to_json() for uid, p in self.pending_emails.items()},
            "apps": [app.to_json() for app in self.apps.values()],
        }

    @classmethod
    def from_json(cls, state: EmulatorState, data: Mapping[str, Any]) -> Org:
        org = cls(
            state,
            org_id=data["id"],
            pod=data["pod"],
            name=data["name"],
            kind=data["kind"],
            edition=data["edition"],
            my_domain=data["my_domain"],
            settings=OrgSettings.from_json(data["settings"]),
            instance_name=data["instance_name"],
        )
        org.ids.counter = data["id_counter"]
        for name, fields in data.get("custom_fields", {}).items():
            for field_data in fields:
                org.add_custom_field(name, custom_fields.from_json(field_data))
        for name, dumped in data["tables"].items():
            table = org.tables[name]
            names = dumped["fields"]
            for values in dumped["rows"]:
                table.insert(dict(zip(names, values, strict=True)))
        for lid, total in data["licence_totals"].items():
            org.licences.add(lid, total)
        for name, total in data.get("feature_licence_totals", {}).items():
            org.set_feature_licences(name, total)
        profiles = org.tables["Profile"].rows
        for user in org.tables["User"].rows.values():
            if user["IsActive"]:
                profile = profiles.get(user["ProfileId"])
                if profile is not None:
                    org.licences.force_take(profile["UserLicenseId"])
        org.credentials = {uid: Credentials.from_json(c) for uid, c in data["credentials"].items()}
        org.pending_emails = {uid: PendingEmail(**p) for uid, p in data["pending_emails"].items()}
        org.apps = {a["id"]: ExternalClientApp.from_json(a) for a in data["apps"]}
        return org


def _dump_table(table: Table, sdef: schema.SObjectDef) -> dict[str, Any]:
    """A table as field names plus one value list per row (in insertion order): a third of the size of one object
    per row, and as fast to load. ``sdef`` is the org's definition, custom fields included."""
    names = list(sdef.field_names)
    return {"fields": names, "rows": [[row.get(n) for n in names] for row in table.rows.values()]}


class EmulatorState:
    """All orgs of one emulator and the registry of usernames shared by them (reference §3.4)."""

    def __init__(self, *, foreign_usernames: Iterable[str] = (), clock: Callable[[], datetime] | None = None) -> None:
        self.orgs: dict[str, Org] = {}
        self.usernames: dict[str, tuple[str, str]] = {}
        """Lower-cased username -> (org id, user id), across all orgs of this emulator."""
        self.foreign_usernames: set[str] = {u.lower() for u in foreign_usernames}
        """Usernames taken in other customers' orgs: they exist, the caller cannot see them."""
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        """Held by every DML call; hold it too for multi-step changes from several threads (admin API)."""
        self._org_counter = 0

    # --- orgs ---------------------------------------------------------------------------------------------------

    def create_org(
        self,
        name: str,
        *,
        kind: OrgKind = "production",
        my_domain: str | None = None,
        sandbox_name: str | None = None,
        edition: str | None = None,
        settings: OrgSettings | None = None,
        instance_name: str | None = None,
        default_time_zone: str = "America/Los_Angeles",
        default_locale: str = "en_US",
        language: str = "en_US",
    ) -> Org:
        """Create an org and its ``Organization`` record. ``my_domain`` is the My Domain name (``acme``), from which
        the host follows the org kind (reference §1.2)."""
        domain_name = (my_domain or "".join(c for c in name.lower() if c.isalnum()) or "org").lower()
        host = my_domain_host(kind, domain_name, sandbox_name.lower() if sandbox_name else None)
        if self.org_by_my_domain(host) is not None:
            raise ValueError(f"My Domain {host} already exists")
        self._org_counter += 1
        pod = ids.base62(100 + self._org_counter, 2)
        org_id = ids.to18(schema.PREFIX_ORGANIZATION + pod + "0" + ids.base62(self._org_counter, 9))
        if settings is None:
            settings = OrgSettings(daily_api_requests=_DEFAULT_API_REQUESTS[kind])
        org = Org(
            self,
            org_id=org_id,
            pod=pod,
            name=name,
            kind=kind,
            edition=edition or _DEFAULT_EDITION[kind],
            my_domain=host,
            settings=settings,
            instance_name=instance_name or ("CS" if kind == "sandbox" else "NA") + str(100 + self._org_counter),
        )
        stamp = sf_datetime(self.clock())
        organization: Row = {
            f.name: (f.default_on_create if f.type == "boolean" else None) for f in schema.SCHEMA["Organization"].fields
        }
        organization |= {
            "Id": org_id,
            "Name": name,
            "OrganizationType": org.edition,
            "IsSandbox": kind == "sandbox",
            "InstanceName": org.instance_name,
            "DefaultLocaleSidKey": default_locale,
            "TimeZoneSidKey": default_time_zone,
            "LanguageLocaleKey": language,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
        }
        if kind == "developer":
            organization["TrialExpirationDate"] = None
        org.tables["Organization"].insert(organization)
        self.orgs[org_id] = org
        return org

    def org_by_id(self, org_id: str) -> Org | None:
        canonical = ids.normalize(org_id)
        return self.orgs.get(canonical) if canonical else None

    def org_by_my_domain(self, host: str) -> Org | None:
        host = host.lower().split(":", 1)[0]
        for org in self.orgs.values():
            if org.my_domain == host:
                return org
        return None

    # --- usernames -------------------------------------------------------------------------------------------------

    def username_taken(self, username: str) -> bool:
        """True when ``username`` is used by a user of any org here or in another customer's org."""
        key = username.lower()
        return key in self.usernames or key in self.foreign_usernames

    def add_foreign_usernames(self, usernames: Iterable[str]) -> None:
        self.foreign_usernames.update(u.lower() for u in usernames)

    def find_user(self, username: str) -> tuple[Org, Mapping[str, Any]] | None:
        """The org and row of a username in any org of this emulator (login resolves the org from it)."""
        entry = self.usernames.get(username.lower())
        if entry is None:
            return None
        org = self.orgs[entry[0]]
        row = org.tables["User"].rows.get(entry[1])
        return None if row is None else (org, row)

    # --- snapshots ------------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The whole state as JSON-able data (a snapshot; it holds password hashes, tokens and app secrets: test
        data, never to be logged). Embed this in a larger document rather than re-parsing :meth:`to_json`."""
        return {
            "version": SNAPSHOT_VERSION,
            "org_counter": self._org_counter,
            "foreign_usernames": sorted(self.foreign_usernames),
            "orgs": [org.to_json() for org in self.orgs.values()],
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON text."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, clock: Callable[[], datetime] | None = None) -> EmulatorState:
        """Rebuild a state saved by :meth:`to_dict`: rows, indexes, the username registry and licence counts."""
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported snapshot version {data.get('version')!r}")
        state = cls(foreign_usernames=data["foreign_usernames"], clock=clock)
        state._org_counter = data["org_counter"]
        with gc_paused(freeze=True):
            for org_data in data["orgs"]:
                org = Org.from_json(state, org_data)
                state.orgs[org.id] = org
                for user in org.tables["User"].rows.values():
                    state.usernames[user["Username"].lower()] = (org.id, user["Id"])
        return state

    @classmethod
    def from_json(cls, text: str, *, clock: Callable[[], datetime] | None = None) -> EmulatorState:
        """Rebuild a state saved by :meth:`to_json`."""
        with gc_paused():
            data = json.loads(text)
        return cls.from_dict(data, clock=clock)
