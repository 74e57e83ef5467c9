"""The core of an emulated org: identity, tables, the TableSource contract, the record API and the undo journal.

Split from :mod:`store` so that each module has one job: :mod:`org_users` holds credentials, logins, e-mail holds
and permissions; :mod:`org_setup` the admin API that creates setup records; :mod:`store` the org as a whole, its
snapshots and the emulator state shared by all orgs.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from sfprov.emulators.salesforce import custom_fields, errors, ids, schema
from sfprov.emulators.salesforce.credentials import Credentials, ExternalClientApp
from sfprov.emulators.salesforce.errors import SalesforceError
from sfprov.emulators.salesforce.licences import LicenceBook
from sfprov.emulators.salesforce.settings import OrgSettings
from sfprov.emulators.salesforce.table import Table

if TYPE_CHECKING:
    from sfprov.emulators.salesforce.store import EmulatorState, Org

OrgKind = Literal["production", "sandbox", "developer"]

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


class OrgCore:
    """One emulated org's identity, tables, TableSource contract and record API (see :class:`store.Org`)."""

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
        self.custom_fields: dict[str, tuple[schema.FieldDef, ...]] = {}
        """Custom fields this org added, per standard sObject (:mod:`custom_fields`)."""
        self._own_sobjects: dict[str, schema.SObjectDef] = {}

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

    def sobject(self, name: str) -> schema.SObjectDef | None:
        """This org's definition of ``name`` (case-insensitive): the standard one plus the org's custom fields."""
        base = schema.sobject(name)
        if base is None:
            return None
        return self._own_sobjects.get(base.name, base)

    def add_custom_field(self, sobject: str, fdef: schema.FieldDef) -> None:
        """Add a custom field (built with :func:`custom_fields.custom_field`); existing rows get null (false for a
        checkbox), as when an admin adds a field to an object that has records."""
        base = schema.sobject(sobject)
        if base is None:
            raise errors.invalid_type(sobject)
        current = self.sobject(base.name)
        if current is not None and current.field(fdef.name) is not None:
            raise ValueError(f"{base.name} already has a field {fdef.name}")
        self.custom_fields[base.name] = (*self.custom_fields.get(base.name, ()), fdef)
        self._own_sobjects[base.name] = custom_fields.extended(base, self.custom_fields[base.name])
        for row in self.tables[base.name].rows.values():
            row.setdefault(fdef.name, fdef.default_on_create)

    def table(self, sobject: str) -> Table:
        """The table of ``sobject`` (case-insensitive), with ``UserLicense`` counts brought up to date first."""
        sdef = self.sobject(sobject)
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

        org = cast("Org", self)
        handler = dml.creator(org, sobject)
        return self._run(records, all_or_none, lambda body, j: handler(org, body, running_user_id, j), update=False)

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

        org = cast("Org", self)
        handler = dml.updater(org, sobject)
        return self._run(records, all_or_none, lambda body, j: handler(org, body, running_user_id, j), update=True)

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

        org = cast("Org", self)
        handler = dml.deleter(org, sobject)
        bodies = [{"Id": rid} for rid in record_ids]
        return self._run(bodies, all_or_none, lambda body, j: handler(org, body["Id"], running_user_id, j), True)

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
        sdef = self.sobject(sobject)
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


def email_expiry(now: datetime, hours: int) -> str:
    """When a held e-mail change expires (reference §7: 72 hours)."""
    return sf_datetime(now + timedelta(hours=hours))
