"""The in-memory Entra tenant behind the Graph emulator: users, groups, applications, service principals,
app role assignments, the deleted-items bin and a change log that feeds delta queries.

Objects are kept as plain dictionaries keyed by their Graph property names, holding only properties that were
set (Graph omits never-set properties from delta payloads, reference ``entra-graph.md`` §4.2, and the renderer in
:mod:`sfprov.emulators.entra.graph` fills ``null`` for selected-but-unset ones). Every mutation goes through a
method here, which validates it the way Graph does and appends a :class:`Change` to the log; delta tokens are
positions (sequence numbers) in that log.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import string
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000"
"""``appRoleId`` of "Default Access": assigned to the app without a role (reference §9)."""

USER_PROPERTIES: frozenset[str] = frozenset(
    {
        "id",
        "deletedDateTime",
        "accountEnabled",
        "businessPhones",
        "city",
        "companyName",
        "country",
        "createdDateTime",
        "creationType",
        "department",
        "displayName",
        "employeeId",
        "employeeType",
        "externalUserState",
        "givenName",
        "jobTitle",
        "mail",
        "mailNickname",
        "mobilePhone",
        "officeLocation",
        "onPremisesExtensionAttributes",
        "onPremisesImmutableId",
        "onPremisesSamAccountName",
        "onPremisesSyncEnabled",
        "otherMails",
        "postalCode",
        "preferredLanguage",
        "proxyAddresses",
        "state",
        "streetAddress",
        "surname",
        "usageLocation",
        "userPrincipalName",
        "userType",
        "faxNumber",
        "passwordProfile",
    }
)
"""User properties the emulator stores (all present in the v1.0 CSDL, checked by scripts/check_graph_csdl.py)."""

_ALL_USER_PROPS = USER_PROPERTIES
USER_COLLECTIONS = frozenset({"businessPhones", "otherMails", "proxyAddresses"})
USER_WRITE_ONLY = frozenset({"passwordProfile"})
"""Graph never returns ``passwordProfile`` on read (it is write-only for app-only callers)."""

GROUP_PROPERTIES: frozenset[str] = frozenset(
    {
        "id",
        "deletedDateTime",
        "classification",
        "createdDateTime",
        "description",
        "displayName",
        "groupTypes",
        "mail",
        "mailEnabled",
        "mailNickname",
        "membershipRule",
        "membershipRuleProcessingState",
        "securityEnabled",
        "visibility",
        "proxyAddresses",
        "onPremisesSyncEnabled",
    }
)
GROUP_COLLECTIONS = frozenset({"groupTypes", "proxyAddresses"})

EXTENSION_ATTRIBUTES = tuple(f"extensionAttribute{i}" for i in range(1, 16))


class GraphError(Exception):
    """A Graph error response: HTTP status, ``error.code`` and ``error.message`` (reference §2).

    Messages never hold secrets; ``headers`` carries extras such as ``Retry-After`` or ``Location``.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        inner: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.inner = dict(inner or {})
        """Extra ``innerError`` members (the 429 body carries ``code``, ``message``, ``status`` there)."""


def not_found(ident: str) -> GraphError:
    """Graph's 404 for a directory object id that does not resolve."""
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{ident}' does not exist or one of its queried reference-property objects are not present.",
    )


def bad_request(message: str) -> GraphError:
    return GraphError(400, "Request_BadRequest", message)


def unknown_property(name: str, read_only: frozenset[str] = frozenset()) -> GraphError:
    """Graph's answers to writing a property that is not on the type, or one that is read-only."""
    if name in read_only:
        return bad_request(f"Property '{name}' is read-only and cannot be set.")
    return bad_request(f"Property '{name}' does not exist as a declared property or extension property.")


READ_ONLY = frozenset({"id", "createdDateTime", "deletedDateTime", "appId"})


def invalid_value(prop: str, resource: str) -> GraphError:
    return bad_request(f"Invalid value specified for property '{prop}' of resource '{resource}'.")


APP_ROLE_VALUE_MAX_LENGTH = 120
APP_ROLE_VALUE_CHARACTERS = frozenset(string.ascii_letters + string.digits + ":!#$%&'()*+,-./;<=>?@[]^_`{|}~")
"""appRole resource page (v1.0): ``value`` "Must not exceed 120 characters in length. Allowed characters are
: ! # $ % & ' ( ) * + , - . / : ; < = > ? @ [ ] ^ + _ ` { | } ~, as well as characters in the ranges 0-9, A-Z and
a-z. Any other character, including the space character, are not allowed. May not begin with ``.``." A null
value is allowed (the gallery's ``msiam_access`` role has ``"value": null``)."""

INVALID_APP_ROLE_VALUE_MESSAGE = "One or more properties contains invalid values."
"""UNVERIFIED: the documented rule does not give Graph's answer. 400 ``Request_BadRequest`` with this message is what
users report for a role value with a space (MicrosoftDocs/azure-docs#22360, portal manifest save)."""

DUPLICATE_APP_ROLE_VALUE_MESSAGE = "Request contains a property with duplicate values."
"""UNVERIFIED (observed, microsoft-graph-docs#21667): 400 ``DuplicateValue`` for two app roles with one value; Graph
also sends ``details: [{"code": "DuplicateValue", "target": "appRoles", ...}]``, which the emulator omits."""

ENABLED_ENTITLEMENT_MESSAGE = "Permission (scope or role) cannot be deleted or updated unless disabled first."
"""Observed in Graph answers (msgraph-sdk-powershell#1211, microsoft-365-agents-toolkit#9420, Microsoft365DSC#5524)
with code ``CannotDeleteOrUpdateEnabledEntitlement``; the appRole page documents only the rule ("To delete a role,
this must first be set to false. At that point, in a subsequent call, this role may be removed")."""


def valid_app_role_value(value: object) -> bool:
    """Whether Graph accepts ``value`` as a non-null appRole value (see :data:`APP_ROLE_VALUE_CHARACTERS`)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= APP_ROLE_VALUE_MAX_LENGTH
        and not value.startswith(".")
        and all(c in APP_ROLE_VALUE_CHARACTERS for c in value)
    )


@dataclass(frozen=True)
class Change:
    """One entry of the change log.

    ``event`` is ``upsert`` (created, updated or restored; ``props`` names the properties that changed),
    ``soft`` (moved to deleted items), ``hard`` (gone for good), ``member_add`` / ``member_remove``.
    """

    seq: int
    kind: str
    object_id: str
    event: str
    props: frozenset[str] = frozenset()
    member_id: str = ""
    member_type: str = ""
    at: float = 0.0


def iso(ts: float, *, fraction: bool = False) -> str:
    """Graph's DateTimeOffset rendering: UTC with ``Z``; users and groups show whole seconds, app role
    assignments seven fractional digits (``2021-02-02T04:22:45.9480566Z`` in the API page example)."""
    moment = dt.datetime.fromtimestamp(ts, dt.UTC)
    if fraction:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Directory:
    """One tenant. Not thread-safe by itself: the ASGI app runs on one event loop thread and the admin Python API
    is used from tests between requests (:class:`~sfprov.emulators.entra.EntraEmulator` holds a lock)."""

    def __init__(
        self,
        tenant_id: str,
        *,
        domains: Iterable[str],
        display_name: str = "Contoso",
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tenant_id = tenant_id
        self.domains = [d.lower() for d in domains]
        if not self.domains:
            raise ValueError("a tenant needs at least one verified domain")
        self.display_name = display_name
        self.clock = clock
        self.rng = random.Random(seed)
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.members: dict[str, dict[str, str]] = {}
        """group id -> {member id: member kind} in insertion order."""
        self.managers: dict[str, str] = {}
        self.applications: dict[str, dict[str, Any]] = {}
        self.service_principals: dict[str, dict[str, Any]] = {}
        self.assignments: dict[str, dict[str, Any]] = {}
        self.deleted: dict[str, dict[str, Any]] = {}
        """object id -> {"kind": "user"|"group", "object": props, "members": ..., "manager": ...}."""
        self.log: list[Change] = []
        self.seq = 0
        self.revision = 0
        self._upn: dict[str, str] = {}
        self._owners: dict[str, set[str]] = {}

    # ----------------------------------------------------------------------------------------- identifiers
    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_assignment_id(self) -> str:
        """Assignment ids are opaque 43-character base64url strings, not GUIDs (reference §9)."""
        return base64.urlsafe_b64encode(self.rng.getrandbits(256).to_bytes(32, "big")).decode().rstrip("=")

    @property
    def version(self) -> int:
        """Changes whenever anything changes (also assignments and apps, which have no delta): listing cache key."""
        return self.revision

    def touch(self) -> None:
        self.revision += 1

    def _record(self, kind: str, object_id: str, event: str, props: Iterable[str] = (), **kw: str) -> None:
        self.revision += 1
        self.seq += 1
        self.log.append(Change(self.seq, kind, object_id, event, frozenset(props), at=self.clock(), **kw))

    # ----------------------------------------------------------------------------------------- lookup
    def object_kind(self, object_id: str) -> str | None:
        for kind, table in (
            ("user", self.users),
            ("group", self.groups),
            ("servicePrincipal", self.service_principals),
            ("application", self.applications),
        ):
            if object_id in table:
                return kind
        return None

    def user(self, key: str) -> dict[str, Any]:
        """A live user by id or userPrincipalName (Graph accepts both in ``/users/{id|upn}``)."""
        found = self.users.get(key) or self.users.get(self._upn.get(key.lower(), ""))
        if found is None:
            raise not_found(key)
        return found

    def group(self, group_id: str) -> dict[str, Any]:
        found = self.groups.get(group_id)
        if found is None:
            raise not_found(group_id)
        return found

    def service_principal(self, sp_id: str) -> dict[str, Any]:
        found = self.service_principals.get(sp_id)
        if found is None:
            raise not_found(sp_id)
        return found

    def service_principal_by_app_id(self, app_id: str) -> dict[str, Any]:
        for sp in self.service_principals.values():
            if sp["appId"] == app_id:
                return sp
        raise not_found(app_id)

    def application(self, app_object_id: str) -> dict[str, Any]:
        found = self.applications.get(app_object_id)
        if found is None:
            raise not_found(app_object_id)
        return found

    def principal(self, object_id: str) -> tuple[str, dict[str, Any]]:
        kind = self.object_kind(object_id)
        if kind == "user":
            return kind, self.users[object_id]
        if kind == "group":
            return kind, self.groups[object_id]
        if kind == "servicePrincipal":
            return kind, self.service_principals[object_id]
        raise not_found(object_id)

    # ----------------------------------------------------------------------------------------- users
    def _check_upn(self, upn: Any, exclude: str | None = None) -> str:
        if not isinstance(upn, str) or "@" not in upn or upn.startswith("@"):
            raise invalid_value("userPrincipalName", "User")
        domain = upn.rsplit("@", 1)[1].lower()
        if domain not in self.domains:
            raise bad_request(
                "The domain portion of the userPrincipalName property is invalid. "
                "You must use one of the verified domain names in your organization."
            )
        owner = self._upn.get(upn.lower())
        if owner is not None and owner != exclude:
            raise bad_request("Another object with the same value for property userPrincipalName already exists.")
        return upn

    def _check_user_props(self, props: Mapping[str, Any]) -> None:
        for name, value in props.items():
            if name not in USER_PROPERTIES or name in ("id", "createdDateTime", "deletedDateTime"):
                raise unknown_property(name, READ_ONLY)
            if name in USER_COLLECTIONS and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise invalid_value(name, "User")
            if name == "accountEnabled" and not isinstance(value, bool):
                raise invalid_value(name, "User")
            if name == "onPremisesExtensionAttributes" and not (
                isinstance(value, dict) and set(value) <= set(EXTENSION_ATTRIBUTES)
            ):
                raise invalid_value(name, "User")

    def create_user(self, props: Mapping[str, Any], *, user_id: str | None = None) -> dict[str, Any]:
        """POST /users. Graph requires accountEnabled, displayName, mailNickname, userPrincipalName and
        passwordProfile (user-post-users.md); guests invited through B2B are created through
        :meth:`add_guest` instead, which is how the invitation manager behaves."""
        for required in ("accountEnabled", "displayName", "mailNickname", "userPrincipalName", "passwordProfile"):
            if props.get(required) in (None, ""):
                raise invalid_value(required, "User")
        self._check_user_props(props)
        self._check_upn(props["userPrincipalName"])
        return self._insert_user(dict(props), user_id)

    def add_guest(self, email: str, *, display_name: str, **props: Any) -> dict[str, Any]:
        """A B2B guest: ``alias_theirdomain#EXT#@tenantdomain`` UPN, ``userType`` Guest (reference §3.2)."""
        alias = email.replace("@", "_")
        upn = f"{alias}#EXT#@{self.domains[-1] if self.domains[-1].endswith('.onmicrosoft.com') else self.domains[0]}"
        for domain in self.domains:
            if domain.endswith(".onmicrosoft.com"):
                upn = f"{alias}#EXT#@{domain}"
                break
        self._check_upn(upn)
        base = {
            "accountEnabled": True,
            "displayName": display_name,
            "mail": email,
            "mailNickname": alias + "#EXT#",
            "userPrincipalName": upn,
            "userType": "Guest",
            "creationType": "Invitation",
            "externalUserState": "Accepted",
            "otherMails": [email],
        }
        base.update(props)
        self._check_user_props({k: v for k, v in base.items()})
        return self._insert_user(base, None)

    def _insert_user(self, props: dict[str, Any], user_id: str | None) -> dict[str, Any]:
        uid = user_id or self.new_id()
        user: dict[str, Any] = {"id": uid}
        user.update({k: v for k, v in props.items() if v is not None})
        user.setdefault("userType", "Member")
        user.setdefault("businessPhones", [])
        user["createdDateTime"] = iso(self.clock())
        self.users[uid] = user
        self._upn[user["userPrincipalName"].lower()] = uid
        self._record("user", uid, "upsert", (k for k in user if k not in USER_WRITE_ONLY))
        return user

    def insert_trusted_user(self, user: dict[str, Any]) -> dict[str, Any]:
        """Bulk-generation fast path: no validation (the generator guarantees unique, valid UPNs). The object is
        stored as given, plus an ``id``; still logged so delta sees it."""
        uid = self.new_id()
        user["id"] = uid
        self.users[uid] = user
        self._upn[user["userPrincipalName"].lower()] = uid
        self.revision += 1
        self.seq += 1
        self.log.append(Change(self.seq, "user", uid, "upsert", _ALL_USER_PROPS, at=0.0))
        return user

    def update_user(self, key: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH /users/{id}: ``null`` clears a property; changed property names go to the change log."""
        user = self.user(key)
        self._check_user_props({k: v for k, v in props.items() if v is not None})
        if "userPrincipalName" in props:
            self._check_upn(props["userPrincipalName"], exclude=user["id"])
        changed: set[str] = set()
        for name, value in props.items():
            if name == "onPremisesExtensionAttributes" and isinstance(value, dict):
                merged = dict(user.get(name) or {})
                merged.update(value)
                value = {k: v for k, v in merged.items() if v is not None}
            if user.get(name) == value or (value is None and name not in user):
                continue
            changed.add(name)
            if name == "userPrincipalName":
                del self._upn[user["userPrincipalName"].lower()]
                self._upn[value.lower()] = user["id"]
            if value is None:
                user.pop(name, None)
            else:
                user[name] = value
        changed -= USER_WRITE_ONLY
        if changed:
            self._record("user", user["id"], "upsert", changed)
        return user

    def set_manager(self, user_key: str, manager_key: str | None) -> None:
        """PUT/DELETE /users/{id}/manager/$ref. The manager is a navigation property tracked by delta as
        ``manager`` (reference §4.2)."""
        user = self.user(user_key)
        if manager_key is None:
            if self.managers.pop(user["id"], None) is not None:
                self._record("user", user["id"], "upsert", ("manager",))
            return
        manager = self.user(manager_key)
        if self.managers.get(user["id"]) != manager["id"]:
            self.managers[user["id"]] = manager["id"]
            self._record("user", user["id"], "upsert", ("manager",))

    def manager_of(self, user_key: str) -> dict[str, Any]:
        user = self.user(user_key)
        manager_id = self.managers.get(user["id"])
        if manager_id is None or manager_id not in self.users:
            raise not_found("manager")
        return self.users[manager_id]

    def delete_user(self, key: str) -> None:
        """DELETE /users/{id}: a soft delete into deleted items, restorable for 30 days (reference §4.2)."""
        user = self.user(key)
        uid = user["id"]
        del self.users[uid]
        del self._upn[user["userPrincipalName"].lower()]
        user["deletedDateTime"] = iso(self.clock())
        memberships = [gid for gid, members in self.members.items() if uid in members]
        for gid in memberships:
            del self.members[gid][uid]
            self._record("group", gid, "member_remove", member_id=uid, member_type="user")
        assignments = [a for a in self.assignments.values() if a["principalId"] == uid]
        for assignment in assignments:
            del self.assignments[assignment["id"]]
        self.deleted[uid] = {
            "kind": "user",
            "object": user,
            "memberships": memberships,
            "manager": self.managers.pop(uid, None),
            "assignments": assignments,
        }
        self._record("user", uid, "soft")

    def restore(self, object_id: str) -> dict[str, Any]:
        """POST /directory/deletedItems/{id}/restore: memberships and assignments come back with the object."""
        entry = self.deleted.get(object_id)
        if entry is None:
            raise not_found(object_id)
        user: dict[str, Any] = entry["object"]
        if user["userPrincipalName"].lower() in self._upn:
            raise bad_request("Another object with the same value for property userPrincipalName already exists.")
        del self.deleted[object_id]
        user.pop("deletedDateTime", None)
        self.users[object_id] = user
        self._upn[user["userPrincipalName"].lower()] = object_id
        if entry.get("manager") and entry["manager"] in self.users:
            self.managers[object_id] = entry["manager"]
        self._record("user", object_id, "upsert", (k for k in user if k not in USER_WRITE_ONLY))
        for gid in entry.get("memberships", []):
            if gid in self.groups:
                self.members[gid][object_id] = "user"
                self._record("group", gid, "member_add", member_id=object_id, member_type="user")
        for assignment in entry.get("assignments", []):
            if assignment["resourceId"] in self.service_principals:
                self.assignments[assignment["id"]] = assignment
        return user

    def purge(self, object_id: str) -> None:
        """DELETE /directory/deletedItems/{id}: permanent deletion (``@removed: deleted`` in delta)."""
        entry = self.deleted.pop(object_id, None)
        if entry is None:
            raise not_found(object_id)
        self._record(entry["kind"], object_id, "hard")

    def deleted_users(self) -> list[dict[str, Any]]:
        return [e["object"] for e in self.deleted.values() if e["kind"] == "user"]

    # ----------------------------------------------------------------------------------------- groups
    def create_group(self, props: Mapping[str, Any], *, group_id: str | None = None) -> dict[str, Any]:
        """POST /groups: displayName, mailEnabled, mailNickname and securityEnabled are required (group-post)."""
        for required in ("displayName", "mailEnabled", "mailNickname", "securityEnabled"):
            if props.get(required) is None:
                raise invalid_value(required, "Group")
        unknown = (set(props) - GROUP_PROPERTIES) | (set(props) & READ_ONLY)
        if unknown:
            name = sorted(unknown)[0]
            raise unknown_property(name, READ_ONLY)
        gid = group_id or self.new_id()
        group: dict[str, Any] = {"id": gid, "groupTypes": [], "visibility": None}
        group.update({k: v for k, v in props.items() if v is not None})
        if "Unified" in group["groupTypes"] and group.get("mail") is None:
            group["mail"] = f"{group['mailNickname']}@{self.domains[0]}"
        group["createdDateTime"] = iso(self.clock())
        if group.get("visibility") is None:
            group.pop("visibility")
        self.groups[gid] = group
        self.members[gid] = {}
        self._record("group", gid, "upsert", group)
        return group

    def update_group(self, group_id: str, props: Mapping[str, Any]) -> dict[str, Any]:
        group = self.group(group_id)
        for name in props:
            if name not in GROUP_PROPERTIES or name in READ_ONLY:
                raise unknown_property(name, READ_ONLY)
        changed = {k for k, v in props.items() if group.get(k) != v}
        for name in changed:
            if props[name] is None:
                group.pop(name, None)
            else:
                group[name] = props[name]
        if changed:
            self._record("group", group_id, "upsert", changed)
        return group

    def add_member(self, group_id: str, member_id: str) -> None:
        """POST /groups/{id}/members/$ref. Adding an existing member is Graph's 400 (group-post-members.md)."""
        self.group(group_id)
        kind = self.object_kind(member_id)
        if kind not in ("user", "group", "servicePrincipal"):
            raise not_found(member_id)
        if member_id in self.members[group_id]:
            raise bad_request(
                "One or more added object references already exist for the following modified properties: 'members'."
            )
        if kind == "group" and (member_id == group_id or group_id in self._transitive_group_ids(member_id)):
            raise bad_request("Adding a group as a member of itself, directly or through nesting, is not allowed.")
        self.members[group_id][member_id] = kind
        self._record("group", group_id, "member_add", member_id=member_id, member_type=kind)

    def remove_member(self, group_id: str, member_id: str) -> None:
        self.group(group_id)
        if member_id not in self.members[group_id]:
            raise not_found(member_id)
        kind = self.members[group_id].pop(member_id)
        self._record("group", group_id, "member_remove", member_id=member_id, member_type=kind)

    def _transitive_group_ids(self, group_id: str) -> set[str]:
        seen: set[str] = set()
        stack = [group_id]
        while stack:
            for mid, kind in self.members.get(stack.pop(), {}).items():
                if kind == "group" and mid not in seen:
                    seen.add(mid)
                    stack.append(mid)
        return seen

    def transitive_members(self, group_id: str) -> list[tuple[str, str]]:
        """Every member reached through nesting, each once (group-list-transitivemembers.md)."""
        self.group(group_id)
        out: dict[str, str] = {}
        stack = [group_id]
        visited = {group_id}
        while stack:
            for mid, kind in self.members.get(stack.pop(), {}).items():
                out.setdefault(mid, kind)
                if kind == "group" and mid not in visited:
                    visited.add(mid)
                    stack.append(mid)
        return list(out.items())

    def delete_group(self, group_id: str) -> None:
        """Security groups are deleted permanently at once; Microsoft 365 groups go to deleted items (30 days)."""
        group = self.group(group_id)
        del self.groups[group_id]
        members = self.members.pop(group_id)
        for other in self.members.values():
            if group_id in other:
                del other[group_id]
        for aid in [a["id"] for a in self.assignments.values() if a["principalId"] == group_id]:
            del self.assignments[aid]
        if "Unified" in group.get("groupTypes", []):
            group["deletedDateTime"] = iso(self.clock())
            self.deleted[group_id] = {"kind": "group", "object": group, "members": members}
            self._record("group", group_id, "soft")
        else:
            self._record("group", group_id, "hard")

    # ----------------------------------------------------------------------------------------- apps
    def create_application(
        self,
        display_name: str,
        *,
        app_id: str | None = None,
        app_roles: list[dict[str, Any]] | None = None,
        object_id: str | None = None,
        owners: Iterable[str] = (),
    ) -> dict[str, Any]:
        """An app registration; ``owners`` are appIds of client apps allowed by Application.ReadWrite.OwnedBy."""
        oid = object_id or self.new_id()
        app: dict[str, Any] = {
            "id": oid,
            "appId": app_id or self.new_id(),
            "displayName": display_name,
            "appRoles": self._norm_roles(app_roles or []),
            "createdDateTime": iso(self.clock()),
            "signInAudience": "AzureADMyOrg",
            "identifierUris": [],
        }
        self.applications[oid] = app
        self._owners[oid] = set(owners)
        self.touch()
        return app

    def application_owned_by(self, app_object_id: str, client_app_id: str) -> bool:
        return client_app_id in self._owners.get(app_object_id, set())

    @staticmethod
    def _norm_role(role: Mapping[str, Any]) -> dict[str, Any]:
        for required in ("allowedMemberTypes", "displayName", "id", "isEnabled", "value", "description"):
            if required not in role:
                raise invalid_value("appRoles", "Application")
        value = role["value"]
        if value is not None and not valid_app_role_value(value):
            raise GraphError(400, "Request_BadRequest", INVALID_APP_ROLE_VALUE_MESSAGE)
        return {
            "allowedMemberTypes": list(role["allowedMemberTypes"]),
            "description": role["description"],
            "displayName": role["displayName"],
            "id": str(role["id"]),
            "isEnabled": bool(role["isEnabled"]),
            "origin": "Application",
            "value": value,
        }

    @classmethod
    def _norm_roles(cls, roles: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """A whole ``appRoles`` collection: each role valid, ids unique, non-null values unique."""
        normalised = [cls._norm_role(r) for r in roles]
        ids = [r["id"] for r in normalised]
        if len(ids) != len(set(ids)):
            raise invalid_value("appRoles", "Application")
        values = [r["value"] for r in normalised if r["value"] is not None]
        if len(values) != len(set(values)):
            raise GraphError(400, "DuplicateValue", DUPLICATE_APP_ROLE_VALUE_MESSAGE)
        return normalised

    def add_application_owner(self, app_object_id: str, client_app_id: str) -> None:
        """Make the client app ``client_app_id`` an owner of the application (what Application.ReadWrite.OwnedBy
        needs before it may PATCH it)."""
        self.application(app_object_id)
        self._owners.setdefault(app_object_id, set()).add(client_app_id)
        self.touch()

    def create_service_principal(
        self, app_id: str, *, object_id: str | None = None, app_role_assignment_required: bool = True
    ) -> dict[str, Any]:
        app = next((a for a in self.applications.values() if a["appId"] == app_id), None)
        if app is None:
            raise bad_request(f"The appId '{app_id}' of the service principal does not reference a valid application.")
        oid = object_id or self.new_id()
        sp: dict[str, Any] = {
            "id": oid,
            "accountEnabled": True,
            "appId": app_id,
            "appDisplayName": app["displayName"],
            "displayName": app["displayName"],
            "appOwnerOrganizationId": self.tenant_id,
            "appRoleAssignmentRequired": app_role_assignment_required,
            "servicePrincipalType": "Application",
            "signInAudience": app["signInAudience"],
            "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
        }
        self.service_principals[oid] = sp
        self.touch()
        return sp

    def app_roles_of(self, sp: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A service principal's appRoles mirror its application's (origin ``Application``)."""
        app = next((a for a in self.applications.values() if a["appId"] == sp["appId"]), None)
        return [dict(r) for r in app["appRoles"]] if app else []

    def update_application(self, app_object_id: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH /applications/{id}. ``appRoles`` replaces the whole collection (appRole resource page). An enabled
        app role cannot be removed or changed without first disabling it in an earlier PATCH (Graph answers
        ``CannotDeleteOrUpdateEnabledEntitlement``); only ``isEnabled`` may change in the PATCH that disables it.
        Whether Graph also refuses a displayName-only change of an enabled role is not documented: the emulator
        refuses it, the stricter reading (docs/dev/profiles-publish.md)."""
        app = self.application(app_object_id)
        for name in props:
            if name not in ("appRoles", "displayName", "identifierUris"):
                raise unknown_property(name, READ_ONLY)
        if "appRoles" in props:
            if not isinstance(props["appRoles"], list):
                raise invalid_value("appRoles", "Application")
            new_roles = self._norm_roles(props["appRoles"])
            by_id = {r["id"]: r for r in new_roles}
            for old in app["appRoles"]:
                new = by_id.get(old["id"])
                if old["isEnabled"] and (new is None or {**new, "isEnabled": True} != old):
                    raise GraphError(400, "CannotDeleteOrUpdateEnabledEntitlement", ENABLED_ENTITLEMENT_MESSAGE)
            app["appRoles"] = new_roles
        for name in ("displayName", "identifierUris"):
            if name in props:
                app[name] = props[name]
        self.touch()
        return app

    # ----------------------------------------------------------------------------------------- assignments
    def assign_app_role(self, principal_id: str, resource_id: str, app_role_id: str) -> dict[str, Any]:
        """POST …/appRoleAssignedTo. ``app_role_id`` must be one of the resource's enabled roles allowing the
        principal's type, or the default-access id when the app declares no role for it (reference §9)."""
        kind, principal = self.principal(principal_id)
        sp = self.service_principal(resource_id)
        roles = {r["id"]: r for r in self.app_roles_of(sp)}
        if app_role_id != DEFAULT_ACCESS_ROLE_ID:
            role = roles.get(app_role_id)
            member_type = "User" if kind in ("user", "group") else "Application"
            if role is None or not role["isEnabled"] or member_type not in role["allowedMemberTypes"]:
                raise bad_request(f"Permission being assigned was not found on application '{sp['appId']}'.")
        for existing in self.assignments.values():
            if (existing["principalId"], existing["resourceId"], existing["appRoleId"]) == (
                principal_id,
                resource_id,
                app_role_id,
            ):
                raise bad_request("Permission being assigned already exists on the object")
        assignment = {
            "id": self.new_assignment_id(),
            "deletedDateTime": None,
            "appRoleId": app_role_id,
            "createdDateTime": iso(self.clock(), fraction=True),
            "principalDisplayName": principal.get("displayName"),
            "principalId": principal_id,
            "principalType": {"user": "User", "group": "Group"}.get(kind, "ServicePrincipal"),
            "resourceDisplayName": sp["displayName"],
            "resourceId": resource_id,
        }
        self.assignments[assignment["id"]] = assignment
        self.touch()
        return assignment

    def remove_assignment(
        self, assignment_id: str, *, resource_id: str | None = None, principal_id: str | None = None
    ) -> None:
        found = self.assignments.get(assignment_id)
        if (
            found is None
            or (resource_id is not None and found["resourceId"] != resource_id)
            or (principal_id is not None and found["principalId"] != principal_id)
        ):
            raise not_found(assignment_id)
        del self.assignments[assignment_id]
        self.touch()

    def assignments_to(self, resource_id: str) -> list[dict[str, Any]]:
        self.service_principal(resource_id)
        return [a for a in self.assignments.values() if a["resourceId"] == resource_id]

    def assignments_of(self, principal_id: str) -> list[dict[str, Any]]:
        return [a for a in self.assignments.values() if a["principalId"] == principal_id]

    # ----------------------------------------------------------------------------------------- snapshot
    def to_json(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "domains": self.domains,
            "display_name": self.display_name,
            "users": list(self.users.values()),
            "groups": list(self.groups.values()),
            "members": self.members,
            "managers": self.managers,
            "applications": list(self.applications.values()),
            "owners": {k: sorted(v) for k, v in self._owners.items()},
            "service_principals": list(self.service_principals.values()),
            "assignments": list(self.assignments.values()),
            "deleted": self.deleted,
            "seq": self.seq,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, clock: Callable[[], float] = time.time) -> Directory:
        """Restore a snapshot. The change log is not kept: delta tokens issued before the snapshot answer
        ``syncStateNotFound`` and clients re-sync, as after Graph's synchronization reset (reference §6)."""
        d = cls(data["tenant_id"], domains=data["domains"], display_name=data["display_name"], clock=clock)
        d.rng = random.Random(data["seq"])
        d.users = {u["id"]: u for u in data["users"]}
        d._upn = {u["userPrincipalName"].lower(): u["id"] for u in data["users"]}
        d.groups = {g["id"]: g for g in data["groups"]}
        d.members = {k: dict(v) for k, v in data["members"].items()}
        d.managers = dict(data["managers"])
        d.applications = {a["id"]: a for a in data["applications"]}
        d._owners = {k: set(v) for k, v in data.get("owners", {}).items()}
        d.service_principals = {s["id"]: s for s in data["service_principals"]}
        d.assignments = {a["id"]: a for a in data["assignments"]}
        d.deleted = dict(data["deleted"])
        d.seq = data["seq"]
        d.revision = data["seq"]
        return d
