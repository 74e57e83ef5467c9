"""The state of a Salesforce emulator: several orgs, the username registry they share, and each org's rows.

Why one :class:`EmulatorState` above the orgs: usernames are unique across *all* Salesforce orgs, production and
sandbox, including orgs the caller cannot see (reference §3.4, doc), so the registry of usernames is global, and it
is pre-seeded with usernames "taken in other customers' orgs" so that the connector's ``DUPLICATE_USERNAME`` path can
be exercised.

:class:`Org` implements Part A's ``TableSource`` (``scan``, ``get_by_id``, ``lookup``) and the record API that Part C
serves over REST (``create``, ``update``, ``retrieve``, ``delete``), plus the admin API used by seeds, tests and the
``/_emulator/`` endpoints. Write rules are in :mod:`dml` and :mod:`rules`; secrets in :mod:`credentials`.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sfprov.emulators.salesforce import errors, ids, schema
from sfprov.emulators.salesforce.credentials import (
    Credentials,
    ExternalClientApp,
    new_consumer_key,
    new_consumer_secret,
)
from sfprov.emulators.salesforce.errors import SalesforceError
from sfprov.emulators.salesforce.licences import LicenceBook
from sfprov.emulators.salesforce.settings import OrgSettings
from sfprov.emulators.salesforce.table import Row, Table

__all__ = [
    "EmulatorState",
    "ExternalClientApp",
    "Org",
    "OrgKind",
    "OrgSettings",
    "PendingEmail",
    "SaveResult",
    "sf_datetime",
]

OrgKind = Literal["production", "sandbox", "developer"]

SNAPSHOT_VERSION = 1

INDEXED_FIELDS: dict[str, tuple[str, ...]] = {
    "User": ("Username", "FederationIdentifier", "Email", "IsActive", "ProfileId", "CommunityNickname"),
    "PermissionSetAssignment": ("AssigneeId", "PermissionSetId"),
    "UserLogin": ("UserId",),
    "Profile": ("Name", "UserLicenseId"),
    "PermissionSet": ("Name", "ProfileId"),
    "UserLicense": ("Name",),
    "UserRole": ("Name",),
    "PermissionSetLicense": ("DeveloperName",),
    "PermissionSetLicenseAssign": ("AssigneeId", "PermissionSetLicenseId"),
}
"""Fields with a hash index per sObject (every table also answers ``Id``)."""

_DEFAULT_EDITION: dict[str, str] = {
    "production": "Enterprise Edition",
    "sandbox": "Enterprise Edition",
    "developer": "Developer Edition",
}
_DEFAULT_API_REQUESTS: dict[str, int] = {"production": 100_000, "sandbox": 5_000_000, "developer": 15_000}
"""§12.1: Developer Edition 15,000 observed; the Enterprise base of 100,000 and the full sandbox 5,000,000 are
UNVERIFIED defaults (change them in ``OrgSettings.daily_api_requests``)."""


@contextmanager
def gc_paused(*, freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while building many rows: rows hold no cycles, and repeated full
    collections over a growing heap cost a quarter of the time of a 100,000-user build.

    With ``freeze`` the objects that exist afterwards move to the collector's permanent generation
    (:func:`gc.freeze`), so that later collections do not rescan a large org: without it, a 200-record write
    against a 100,000-user org now and then pays a ~100 ms full collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()


def sf_datetime(moment: datetime) -> str:
    """Salesforce's wire form of a datetime: ``2026-11-23T21:53:22.000+0000`` (UTC, milliseconds)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


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


@dataclass
class SaveResult:
    """One entry of a create/update/delete result, in request order (reference §8.7)."""

    id: str | None
    success: bool
    errors: list[SalesforceError] = field(default_factory=list)

    def collection(self) -> dict[str, Any]:
        """The sObject Collections shape: ``{"id", "success", "errors": [{"statusCode", ...}]}``."""
        out: dict[str, Any] = {"success": self.success, "errors": [e.collection() for e in self.errors]}
        if self.id is not None:
            out = {"id": self.id, **out}
        return out


@dataclass
class PendingEmail:
    """An e-mail change waiting for the new address to be confirmed (reference §7)."""

    email: str
    expires: str

    def to_json(self) -> dict[str, str]:
        return {"email": self.email, "expires": self.expires}


class Journal:
    """Undo actions of one DML call, so that a failed record or an ``allOrNone`` failure leaves no trace."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def __len__(self) -> int:
        return len(self._undo)

    def add(self, undo: Callable[[], None]) -> None:
        self._undo.append(undo)

    def rollback_to(self, mark: int) -> None:
        while len(self._undo) > mark:
            self._undo.pop()()


class Org:
    """One emulated org: its Organization record, tables, licences, credentials and apps."""

    def __init__(
        self,
        state: EmulatorState,
        *,
        org_id: str,
        pod: str,
        name: str,
        kind: OrgKind,
        edition: str,
        my_domain: str,
        settings: OrgSettings,
        instance_name: str,
    ) -> None:
        self.state = state
        self.id = org_id
        self.name = name
        self.kind: OrgKind = kind
        self.edition = edition
        self.my_domain = my_domain
        self.settings = settings
        self.instance_name = instance_name
        self.ids = ids.IdFactory(pod)
        self.tables: dict[str, Table] = {name: Table(name, INDEXED_FIELDS.get(name, ())) for name in schema.SCHEMA}
        self.licences = LicenceBook()
        self.feature_licences = LicenceBook()
        """Feature licences keyed by their ``UserPermissions*`` field (reference §5.4); a field without an entry is
        unlimited."""
        self.credentials: dict[str, Credentials] = {}
        self.pending_emails: dict[str, PendingEmail] = {}
        self.apps: dict[str, ExternalClientApp] = {}
        self._call_stamp: str | None = None

    # --- identity ---------------------------------------------------------------------------------------------------

    @property
    def is_sandbox(self) -> bool:
        return self.kind == "sandbox"

    @property
    def id15(self) -> str:
        """The 15-character org id that ends ``serverUrl`` (reference §9.2)."""
        return ids.to15(self.id)

    def now(self) -> datetime:
        return self.state.clock()

    def stamp(self) -> str:
        """The timestamp of the current DML call (one per transaction, as in Salesforce), else of now."""
        return self._call_stamp or sf_datetime(self.now())

    def new_id(self, sobject: str) -> str:
        """A fresh id with the key prefix of ``sobject`` (canonical name)."""
        sdef = schema.SCHEMA.get(sobject)
        return self.ids.new(sdef.key_prefix if sdef else ids.KEY_PREFIXES[sobject])

    def table(self, sobject: str) -> Table:
        """The table of ``sobject`` (case-insensitive), with ``UserLicense`` counts brought up to date first."""
        sdef = schema.sobject(sobject)
        if sdef is None:
            raise errors.invalid_type(sobject)
        if sdef.name == "UserLicense":
            self.flush_licences()
        return self.tables[sdef.name]

    def flush_licences(self) -> None:
        """Mirror seat counts changed by writes into the ``UserLicense`` rows. Writes only mark licences dirty, so
        that handlers driven directly (Composite chunks share one journal) keep the rows right too."""
        if self.licences.dirty:
            dirty = list(self.licences.dirty)
            self.licences.dirty.clear()
            self.sync_licence_rows(dirty)

    # --- TableSource (Part A) ---------------------------------------------------------------------------------------

    def scan(self, sobject: str) -> Iterable[Mapping[str, Any]]:
        """Every row of ``sobject`` in insertion order, as a list taken now: a write during the caller's iteration
        (another request, a paging cursor) can neither break nor change it. Rows are shared, never mutate them."""
        return list(self.table(sobject).rows.values())

    def get_by_id(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        """The row with ``record_id`` (15 or 18 characters), or None."""
        return self.table(sobject).get(record_id)

    def lookup(self, sobject: str, field_name: str, values: Iterable[Any]) -> Iterable[Mapping[str, Any]] | None:
        """Rows whose indexed field equals one of ``values`` (text case-insensitively), in insertion order; None when
        the field has no index (the executor then scans and must apply its own comparison)."""
        return self.table(sobject).lookup(field_name, values)

    # --- record API (Part C) ----------------------------------------------------------------------------------------

    def create(
        self,
        sobject: str,
        records: Sequence[Mapping[str, Any]],
        *,
        running_user_id: str | None = None,
        all_or_none: bool = False,
    ) -> list[SaveResult]:
        """Insert ``records`` in order; one result per record (reference §8.7). Raises (call-level) only for an
        unknown sObject or one the emulator does not let the API insert."""
        from sfprov.emulators.salesforce import dml

        handler = dml.creator(self, sobject)
        return self._run(records, all_or_none, lambda body, j: handler(self, body, running_user_id, j), update=False)

    def update(
        self,
        sobject: str,
        records: Sequence[Mapping[str, Any]],
        *,
        running_user_id: str | None = None,
        all_or_none: bool = False,
    ) -> list[SaveResult]:
        """Update ``records`` (each with ``Id``, or ``id`` as Collections sends it) in order."""
        from sfprov.emulators.salesforce import dml

        handler = dml.updater(self, sobject)
        return self._run(records, all_or_none, lambda body, j: handler(self, body, running_user_id, j), update=True)

    def delete(self, sobject: str, record_id: str, *, running_user_id: str | None = None) -> None:
        """Delete one record; raises :class:`SalesforceError` (User: refused as Salesforce refuses it)."""
        result = self.delete_many(sobject, [record_id], running_user_id=running_user_id, all_or_none=True)[0]
        if not result.success:
            raise result.errors[0]

    def delete_many(
        self,
        sobject: str,
        record_ids: Sequence[str],
        *,
        running_user_id: str | None = None,
        all_or_none: bool = False,
    ) -> list[SaveResult]:
        """Delete records in order (sObject Collections DELETE)."""
        from sfprov.emulators.salesforce import dml

        handler = dml.deleter(self, sobject)
        bodies = [{"Id": rid} for rid in record_ids]
        return self._run(bodies, all_or_none, lambda body, j: handler(self, body["Id"], running_user_id, j), True)

    def _run(
        self,
        records: Sequence[Mapping[str, Any]],
        all_or_none: bool,
        handler: Callable[[Mapping[str, Any], Journal], str],
        update: bool,
    ) -> list[SaveResult]:
        with self.state.lock:
            journal = Journal()
            results: list[SaveResult] = []
            self._call_stamp = sf_datetime(self.now())
            try:
                return self._run_records(records, all_or_none, handler, update, journal, results)
            finally:
                self._call_stamp = None
                self.flush_licences()

    def _run_records(
        self,
        records: Sequence[Mapping[str, Any]],
        all_or_none: bool,
        handler: Callable[[Mapping[str, Any], Journal], str],
        update: bool,
        journal: Journal,
        results: list[SaveResult],
    ) -> list[SaveResult]:
        for body in records:
            mark = len(journal)
            try:
                results.append(SaveResult(handler(body, journal), True))
            except SalesforceError as exc:
                journal.rollback_to(mark)
                known = body.get("Id", body.get("id")) if update else None
                results.append(
                    SaveResult(ids.normalize(known) or (known if isinstance(known, str) else None), False, [exc])
                )
        if all_or_none and not all(r.success for r in results):
            journal.rollback_to(0)
            results = [
                SaveResult(r.id if update else None, False, [errors.rolled_back()]) if r.success else r for r in results
            ]
        return results

    def retrieve(
        self, sobject: str, record_ids: Sequence[str], fields: Sequence[str] | None = None
    ) -> list[dict[str, Any] | None]:
        """Rows by id with only ``fields`` (all fields when None), None for an unknown id (reference §8.7:
        Collections retrieve returns null for an invalid id; an unknown field fails the call with INVALID_FIELD)."""
        sdef = schema.sobject(sobject)
        if sdef is None:
            raise errors.invalid_type(sobject)
        names: list[str] = []
        for name in fields or sdef.field_names:
            fdef = sdef.field(name)
            if fdef is None:
                raise errors.no_such_column(name, sdef.name)
            names.append(fdef.name)
        table = self.table(sdef.name)
        out: list[dict[str, Any] | None] = []
        for rid in record_ids:
            row = table.get(rid)
            out.append(None if row is None else {n: row.get(n) for n in names})
        return out

    # --- users: credentials, login, e-mail ------------------------------------------------------------------------

    def user(self, user_id: str) -> Row | None:
        return self.tables["User"].get(user_id)

    def user_by_username(self, username: str) -> Row | None:
        return self.tables["User"].first("Username", username)

    def _credentials(self, user_id: str) -> Credentials:
        canonical = ids.normalize(user_id)
        if canonical is None or canonical not in self.tables["User"].rows:
            raise errors.not_found()
        return self.credentials.setdefault(canonical, Credentials())

    def set_password(self, user_id: str, password: str, *, expired: bool = False) -> str:
        """Set a user's password; returns the new security token (a password change resets it, §9.4)."""
        token = self._credentials(user_id).set_password(password, expired=expired)
        self._touch_user(user_id, {"LastPasswordChangeDate": sf_datetime(self.now())})
        return token

    def check_password(self, user_id: str, password: str) -> bool:
        """True when ``password`` (without token) is right."""
        return self._credentials(user_id).check_password(password)

    def check_password_and_token(self, user_id: str, supplied: str) -> bool:
        """True when ``supplied`` is password + security token (§9.1)."""
        return self._credentials(user_id).check_password_and_token(supplied)

    def security_token(self, user_id: str) -> str:
        return self._credentials(user_id).security_token

    def reset_security_token(self, user_id: str) -> str:
        """ "Reset My Security Token": returns the new token (the old one stops working)."""
        return self._credentials(user_id).reset_security_token()

    def password_expired(self, user_id: str) -> bool:
        return self._credentials(user_id).password_expired

    def set_password_expired(self, user_id: str, expired: bool = True) -> None:
        self._credentials(user_id).password_expired = expired

    def record_login(self, user_id: str, when: datetime | None = None) -> None:
        """Part C calls this after a successful login: ``User.LastLoginDate`` (reference §3.3)."""
        self._touch_user(user_id, {"LastLoginDate": sf_datetime(when or self.now())}, modified=False)

    def pending_email(self, user_id: str) -> PendingEmail | None:
        """The e-mail change waiting for confirmation, if any and not expired (reference §7)."""
        canonical = ids.normalize(user_id)
        pending = self.pending_emails.get(canonical or "")
        if pending is None or pending.expires < sf_datetime(self.now()):
            return None
        return pending

    def confirm_email_change(self, user_id: str) -> str:
        """Test hook that "clicks the link": applies the held address and returns it. Raises NOT_FOUND when no
        unexpired change is waiting (after 72 hours an admin must enter the address again, §7)."""
        pending = self.pending_email(user_id)
        canonical = ids.normalize(user_id)
        if pending is None or canonical is None:
            raise errors.not_found()
        del self.pending_emails[canonical]
        self._touch_user(canonical, {"Email": pending.email})
        return pending.email

    def _touch_user(self, user_id: str, changes: Mapping[str, Any], *, modified: bool = True) -> None:
        table = self.tables["User"]
        row = table.get(user_id)
        if row is None:
            raise errors.not_found()
        new = {**row, **changes}
        if modified:
            stamp = sf_datetime(self.now())
            new["LastModifiedDate"] = stamp
            new["SystemModstamp"] = stamp
        table.replace(new)

    def user_login(self, user_id: str) -> Row | None:
        """The UserLogin row of a user (one per user, reference §4.3)."""
        return self.tables["UserLogin"].first("UserId", ids.normalize(user_id) or user_id)

    def is_frozen(self, user_id: str) -> bool:
        login = self.user_login(user_id)
        return bool(login and login["IsFrozen"])

    # --- profiles, permissions, licences -----------------------------------------------------------------------------

    def profile_of(self, user_id: str) -> Row | None:
        user = self.user(user_id)
        return None if user is None else self.tables["Profile"].get(user["ProfileId"])

    def licence_of_profile(self, profile_id: str) -> str | None:
        profile = self.tables["Profile"].get(profile_id)
        return None if profile is None else profile["UserLicenseId"]

    def has_permission(self, user_id: str, permission: str) -> bool:
        """True when the user's profile or one of its assigned permission sets grants ``permission`` (a field such
        as ``PermissionsApiEnabled``, ``PermissionsManageUsers``, ``PermissionsUseAnyApiAuth``)."""
        profile = self.profile_of(user_id)
        if profile is None:
            return False
        if profile.get(permission):
            return True
        canonical = ids.normalize(user_id) or user_id
        sets = self.tables["PermissionSet"]
        for assignment in self.tables["PermissionSetAssignment"].lookup("AssigneeId", [canonical]) or ():
            permission_set = sets.get(assignment["PermissionSetId"])
            if permission_set is not None and permission_set.get(permission):
                return True
        return False

    def licence_usage(self) -> dict[str, tuple[int, int]]:
        """``{licence name: (used, total)}`` for reports and tests."""
        return {
            row["Name"]: (self.licences.used.get(rid, 0), self.licences.total.get(rid, 0))
            for rid, row in self.tables["UserLicense"].rows.items()
        }

    def sync_licence_rows(self, licence_ids: Iterable[str] | None = None) -> None:
        """Mirror the licence book into ``UserLicense.UsedLicenses``/``TotalLicenses`` (read by SOQL)."""
        table = self.tables["UserLicense"]
        stamp = self.stamp()
        for lid in list(licence_ids) if licence_ids is not None else list(table.rows):
            row = table.rows.get(lid)
            if row is None:
                continue
            used, total = self.licences.used.get(lid, 0), self.licences.total.get(lid, 0)
            if row["UsedLicenses"] != used or row["TotalLicenses"] != total:
                table.replace({**row, "UsedLicenses": used, "TotalLicenses": total, "UsedLicensesLastUpdated": stamp})

    def set_feature_licences(self, field_name: str, total: int) -> None:
        """Limit a feature licence (``UserPermissionsMarketingUser``, ...) to ``total`` active users (§5.4)."""
        fdef = schema.SCHEMA["User"].field(field_name)
        if fdef is None or not fdef.name.startswith("UserPermissions"):
            raise errors.no_such_column(field_name, "User")
        book = self.feature_licences
        if fdef.name not in book.total:
            book.add(fdef.name, total)
            for user in self.tables["User"].rows.values():
                if user["IsActive"] and user.get(fdef.name):
                    book.force_take(fdef.name)
        book.set_total(fdef.name, total)

    def set_licence_total(self, licence_id: str, total: int) -> None:
        """Change the purchased seats of a licence (may over-allocate, reference §4.1)."""
        self.licences.set_total(licence_id, total)
        self.sync_licence_rows([licence_id])

    # --- admin API: read-only setup records ---------------------------------------------------------------------

    def _insert_setup(self, sobject: str, values: Mapping[str, Any], created_by: str | None = None) -> str:
        sdef = schema.SCHEMA[sobject]
        rid = self.new_id(sobject)
        stamp = sf_datetime(self.now())
        row: Row = {f.name: (f.default_on_create if f.type == "boolean" else None) for f in sdef.fields}
        audit: dict[str, str | None] = {"CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}
        audit |= {"CreatedById": created_by, "LastModifiedById": created_by}
        row.update({k: v for k, v in audit.items() if k in row})
        row.update(values)
        row["Id"] = rid
        self.tables[sobject].insert(row)
        return rid

    def add_user_license(
        self,
        name: str,
        total: int,
        *,
        master_label: str | None = None,
        definition_key: str | None = None,
        status: str = "Active",
    ) -> str:
        """Add a ``UserLicense`` with ``total`` purchased seats (reference §5.2)."""
        rid = self._insert_setup(
            "UserLicense",
            {
                "Name": name,
                "MasterLabel": master_label or name,
                "LicenseDefinitionKey": definition_key or name.upper().replace(" ", "_"),
                "Status": status,
                "TotalLicenses": total,
                "UsedLicenses": 0,
                "UsedLicensesLastUpdated": sf_datetime(self.now()),
            },
        )
        self.licences.add(rid, total)
        return rid

    def add_profile(
        self,
        name: str,
        licence_id: str,
        *,
        user_type: str = "Standard",
        description: str | None = None,
        **permissions: bool,
    ) -> str:
        """Add a ``Profile`` of a licence with ``Permissions*`` flags, and its profile-owned permission set (every
        profile has one, and users' assignment lists show it, reference §6)."""
        if licence_id not in self.tables["UserLicense"].rows:
            raise errors.invalid_cross_reference()
        perms = self._permission_values("Profile", permissions)
        rid = self._insert_setup(
            "Profile",
            {"Name": name, "UserLicenseId": licence_id, "UserType": user_type, "Description": description, **perms},
        )
        ps_perms = {k: v for k, v in perms.items() if schema.SCHEMA["PermissionSet"].field(k) is not None}
        self._insert_setup(
            "PermissionSet",
            {
                "Name": "X" + ids.to15(rid),
                "Label": name,
                "ProfileId": rid,
                "IsOwnedByProfile": True,
                "IsCustom": False,
                "Type": "Profile",
                "LicenseId": licence_id,
                **ps_perms,
            },
        )
        return rid

    @staticmethod
    def _permission_values(sobject: str, permissions: Mapping[str, bool]) -> dict[str, bool]:
        sdef = schema.SCHEMA[sobject]
        out: dict[str, bool] = {}
        for key, value in permissions.items():
            name = (
                key
                if key.startswith("Permissions")
                else "Permissions" + "".join(part.capitalize() for part in key.split("_"))
            )
            fdef = sdef.field(name)
            if fdef is None or fdef.type != "boolean":
                raise errors.no_such_column(name, sobject)
            out[fdef.name] = bool(value)
        return out

    def add_role(self, name: str, *, parent_id: str | None = None, developer_name: str | None = None) -> str:
        """Add a ``UserRole``."""
        return self._insert_setup(
            "UserRole",
            {
                "Name": name,
                "ParentRoleId": parent_id,
                "DeveloperName": developer_name or name.replace(" ", "_"),
                "PortalType": "None",
            },
        )

    def add_permission_set(
        self,
        name: str,
        label: str | None = None,
        *,
        licence_id: str | None = None,
        description: str | None = None,
        **permissions: bool,
    ) -> str:
        """Add a custom ``PermissionSet``; ``licence_id`` restricts it to users of that licence (reference §6)."""
        perms = self._permission_values("PermissionSet", permissions)
        return self._insert_setup(
            "PermissionSet",
            {
                "Name": name,
                "Label": label or name,
                "LicenseId": licence_id,
                "IsOwnedByProfile": False,
                "IsCustom": True,
                "Type": "Regular",
                "Description": description,
                **perms,
            },
        )

    def add_permission_set_license(self, developer_name: str, label: str, total: int) -> str:
        """Add a ``PermissionSetLicense`` with ``total`` seats; users get one through a
        ``PermissionSetLicenseAssign`` row (API create/delete)."""
        return self._insert_setup(
            "PermissionSetLicense",
            {
                "DeveloperName": developer_name,
                "MasterLabel": label,
                "PermissionSetLicenseKey": developer_name.upper(),
                "TotalLicenses": total,
                "UsedLicenses": 0,
                "Status": "Active",
            },
        )

    def profile_id(self, name: str) -> str:
        """The id of the profile called ``name`` (KeyError when absent)."""
        row = self.tables["Profile"].first("Name", name)
        if row is None:
            raise KeyError(name)
        return str(row["Id"])

    def licence_id(self, name: str) -> str:
        row = self.tables["UserLicense"].first("Name", name)
        if row is None:
            raise KeyError(name)
        return str(row["Id"])

    def add_user(
        self,
        values: Mapping[str, Any],
        *,
        password: str | None = None,
        running_user_id: str | None = None,
    ) -> str:
        """Create one user through the same rules as the API (raises the first :class:`SalesforceError`); with
        ``password`` also sets the password (the new security token is then :meth:`security_token`)."""
        result = self.create("User", [values], running_user_id=running_user_id, all_or_none=True)[0]
        if not result.success or result.id is None:
            raise result.errors[0]
        if password is not None:
            self.set_password(result.id, password)
        return result.id

    def add_external_client_app(
        self,
        name: str,
        *,
        client_credentials_enabled: bool = False,
        run_as_user_id: str | None = None,
        certificate_pem: str | None = None,
        pre_authorized_profile_ids: Sequence[str] = (),
        pre_authorized_user_ids: Sequence[str] = (),
        password_flow_allowed: bool = False,
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
    ) -> ExternalClientApp:
        """Add an External Client App with OAuth (reference §11); key and secret are generated unless given."""
        app = ExternalClientApp(
            id=self.ids.new(ids.KEY_PREFIXES["ExternalClientApp"]),
            name=name,
            consumer_key=consumer_key or new_consumer_key(),
            consumer_secret=consumer_secret or new_consumer_secret(),
            client_credentials_enabled=client_credentials_enabled,
            run_as_user_id=ids.normalize(run_as_user_id) if run_as_user_id else None,
            certificate_pem=certificate_pem,
            pre_authorized_profile_ids=list(pre_authorized_profile_ids),
            pre_authorized_user_ids=list(pre_authorized_user_ids),
            password_flow_allowed=password_flow_allowed,
        )
        self.apps[app.id] = app
        return app

    def app_by_consumer_key(self, consumer_key: str) -> ExternalClientApp | None:
        for app in self.apps.values():
            if app.consumer_key == consumer_key:
                return app
        return None

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
            "tables": {name: _dump_table(table) for name, table in self.tables.items() if len(table)},
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


def _dump_table(table: Table) -> dict[str, Any]:
    """A table as field names plus one value list per row (in insertion order): a third of the size of one object
    per row, and as fast to load."""
    names = list(schema.SCHEMA[table.name].field_names)
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


def email_expiry(now: datetime, hours: int) -> str:
    """When a held e-mail change expires (reference §7: 72 hours)."""
    return sf_datetime(now + timedelta(hours=hours))
