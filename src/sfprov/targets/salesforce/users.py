"""User operations on one org, in as few API calls as Salesforce allows.

Reads are paged SOQL (2,000 rows a page); lookups by a matching attribute pack as many values into one
``IN (...)`` as the URI limit allows; writes are sObject Collections of 200. Users are never deleted: Salesforce has
no delete for User, so leaving means ``IsActive = false`` (reference §3.1, §4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sfprov.errors import NotFound
from sfprov.targets.salesforce.client import RecordResult, SalesforceClient
from sfprov.targets.salesforce.soql import flatten, in_clauses, select

BASE_USER_FIELDS = (
    "Id",
    "Username",
    "Email",
    "IsActive",
    "ProfileId",
    "Profile.Name",
    "Profile.UserLicenseId",
    "UserRoleId",
    "UserRole.Name",
    "FederationIdentifier",
    "CommunityNickname",
    "LastLoginDate",
)
"""Fields every read needs besides those the mapping writes: identity, state, licence, and evidence."""


@dataclass(frozen=True)
class ProfileInfo:
    id: str
    name: str
    licence_id: str | None
    licence_name: str | None
    licence_total: int | None
    licence_used: int | None

    @property
    def free_seats(self) -> int | None:
        if self.licence_total is None or self.licence_used is None:
            return None
        return max(self.licence_total - self.licence_used, 0)


PROFILE_KEY_PREFIX = "00e"
"""Key prefix of Profile record ids (reference ``salesforce.md`` §2)."""


def is_profile_id(text: str) -> bool:
    """Whether ``text`` has the shape of a Profile id: 15 or 18 letters and digits starting with ``00e``."""
    return len(text) in (15, 18) and text.isascii() and text.isalnum() and text.startswith(PROFILE_KEY_PREFIX)


@dataclass
class Catalogue:
    """Names the mapping uses, resolved to this org's ids, read once per cycle.

    ``profiles`` answers a case-folded profile **name** and also a case-folded **18-character profile id**: app
    roles that ``sfprov profiles --publish`` writes carry the profile id as their ``value`` (role values may not hold
    spaces, docs/dev/profiles-publish.md), so ``SingleAppRoleAssignment`` hands the engine an id, which it looks up
    case-folded like a name. An 18-character id is case-insensitive (its last three characters encode the case of
    the first fifteen, reference ``salesforce.md`` §2), so its case-folded form names exactly one record. A
    15-character id is case-sensitive: ``00eA`` and ``00ea`` are different records, so it is never put in the
    case-folded table; :meth:`profile` resolves it by exact case. Several keys share one :class:`ProfileInfo`:
    iterate :meth:`unique_profiles`, not ``profiles.values()``.
    """

    profiles: dict[str, ProfileInfo] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    permission_sets: dict[str, str] = field(default_factory=dict)

    def add_profile(self, info: ProfileInfo) -> None:
        """Index ``info`` by its case-folded name and 18-character id (a name wins over an id-shaped key)."""
        self.profiles[info.name.casefold()] = info
        if len(info.id) == 18:
            self.profiles.setdefault(info.id.casefold(), info)

    def unique_profiles(self) -> list[ProfileInfo]:
        """Each profile once, whatever number of keys lead to it."""
        return list({info.id: info for info in self.profiles.values()}.values())

    def profile(self, key: str) -> ProfileInfo | None:
        """The profile a mapping value names: a name (any case), an 18-character id (any case) or a
        15-character id (exact case only, as Salesforce compares it)."""
        info = self.profiles.get(key.casefold())
        if info is not None:
            return info
        if len(key) == 15 and is_profile_id(key):
            return next((p for p in self.unique_profiles() if p.id[:15] == key), None)
        return None

    def profile_id(self, name: str) -> str | None:
        info = self.profile(name)
        return info.id if info else None


class SalesforceUsers:
    """The user-level operations the engine needs, over a :class:`SalesforceClient`."""

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client

    async def read_all(self, fields: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Every User of the org (active or not) with ``fields``, flattened (``Profile.Name``)."""
        query = select([*BASE_USER_FIELDS, *fields], "User", order_by="Id")
        return [flatten(record) async for record in self.client.query(query)]

    async def find_by(
        self, field_name: str, values: Sequence[str], fields: Iterable[str] = ()
    ) -> dict[str, list[dict[str, Any]]]:
        """Users whose ``field_name`` equals one of ``values``, keyed by the case-folded value.

        Several users may share an Email (allowed in one org), hence a list per value.
        """
        wanted = list(dict.fromkeys(v for v in values if v))
        found: dict[str, list[dict[str, Any]]] = {}
        columns = [*BASE_USER_FIELDS, *fields]
        for _chunk, clause in in_clauses(field_name, wanted, base_length=len(", ".join(columns)) + 40):
            async for record in self.client.query(select(columns, "User", clause)):
                flat = flatten(record)
                key = str(flat.get(field_name) or "").casefold()
                found.setdefault(key, []).append(flat)
        return found

    async def create(self, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        return await self.client.create_records("User", records)

    async def update(self, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        return await self.client.update_records("User", records)

    async def set_active(self, user_ids: Sequence[str], active: bool) -> list[RecordResult]:
        """Deactivate (frees the licence) or reactivate (takes one; may fail with LICENSE_LIMIT_EXCEEDED)."""
        return await self.update([{"Id": user_id, "IsActive": active} for user_id in user_ids])

    async def set_frozen(self, user_ids: Sequence[str], frozen: bool) -> list[RecordResult]:
        """Freeze or unfreeze logins through ``UserLogin.IsFrozen``; a frozen user keeps its licence (§4.3)."""
        logins: dict[str, str] = {}
        for _chunk, clause in in_clauses("UserId", list(user_ids)):
            async for row in self.client.query(select(["Id", "UserId"], "UserLogin", clause)):
                logins[str(row["UserId"])] = str(row["Id"])
        updates = [{"Id": logins[user_id], "IsFrozen": frozen} for user_id in user_ids if user_id in logins]
        results = iter(await self.client.update_records("UserLogin", updates))
        out: list[RecordResult] = []
        for user_id in user_ids:
            if user_id in logins:
                result = next(results)
                out.append(RecordResult(id=user_id, success=result.success, error=result.error))
            else:
                out.append(RecordResult(user_id, False, NotFound(f"No UserLogin row for user {user_id}.")))
        return out

    async def catalogue(self) -> Catalogue:
        """Profiles with their licence and free seats (by name or 18-character id), roles and permission sets, by
        name (case-insensitive)."""
        licences: dict[str, tuple[str, int, int]] = {}
        async for row in self.client.query("SELECT Id, Name, TotalLicenses, UsedLicenses FROM UserLicense"):
            licences[str(row["Id"])] = (str(row["Name"]), int(row["TotalLicenses"]), int(row["UsedLicenses"]))
        cat = Catalogue()
        async for row in self.client.query("SELECT Id, Name, UserLicenseId FROM Profile"):
            licence = licences.get(str(row.get("UserLicenseId")))
            info = ProfileInfo(
                id=str(row["Id"]),
                name=str(row["Name"]),
                licence_id=row.get("UserLicenseId"),
                licence_name=licence[0] if licence else None,
                licence_total=licence[1] if licence else None,
                licence_used=licence[2] if licence else None,
            )
            cat.add_profile(info)
        async for row in self.client.query("SELECT Id, Name FROM UserRole"):
            cat.roles[str(row["Name"]).casefold()] = str(row["Id"])
        async for row in self.client.query("SELECT Id, Name, Label FROM PermissionSet WHERE IsOwnedByProfile = false"):
            cat.permission_sets[str(row["Name"]).casefold()] = str(row["Id"])
            cat.permission_sets.setdefault(str(row.get("Label") or row["Name"]).casefold(), str(row["Id"]))
        return cat

    async def permission_set_assignments(self, user_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        """For each user, ``{permission set id: assignment id}`` (profile-owned sets excluded)."""
        out: dict[str, dict[str, str]] = {user_id: {} for user_id in user_ids}
        for _chunk, clause in in_clauses("AssigneeId", list(user_ids)):
            query = select(
                ["Id", "AssigneeId", "PermissionSetId"],
                "PermissionSetAssignment",
                f"{clause} AND PermissionSet.IsOwnedByProfile = false",
            )
            async for row in self.client.query(query):
                out.setdefault(str(row["AssigneeId"]), {})[str(row["PermissionSetId"])] = str(row["Id"])
        return out

    async def apply_permission_sets(
        self, desired: Mapping[str, set[str]], current: Mapping[str, Mapping[str, str]]
    ) -> tuple[list[RecordResult], list[RecordResult]]:
        """Assign and remove permission sets by difference; returns (added, removed) results."""
        to_add = [
            {"AssigneeId": user_id, "PermissionSetId": ps}
            for user_id, wanted in desired.items()
            for ps in sorted(wanted - set(current.get(user_id, {})))
        ]
        to_remove = [
            assignment
            for user_id, wanted in desired.items()
            for ps, assignment in sorted(current.get(user_id, {}).items())
            if ps not in wanted
        ]
        added = await self.client.create_records("PermissionSetAssignment", to_add) if to_add else []
        removed = await self.client.delete_records(to_remove) if to_remove else []
        return added, removed

    async def running_user_id(self) -> str | None:
        session = await self.client.session()
        return session.user_id
