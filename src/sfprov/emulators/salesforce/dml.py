"""Writes to an emulated org: the per-sObject handlers behind ``Org.create``, ``Org.update`` and ``Org.delete``.

Each handler validates one record completely before it changes anything, then applies the change and records how to
undo it in the call's :class:`~sfprov.emulators.salesforce.store.Journal`, so that ``allOrNone`` (reference §8.7) and
a failure half-way through a record both leave the org as it was.

What the API may write, as in a real org (reference §3.1, §4.3, §6): ``User`` create/update (never delete),
``PermissionSetAssignment`` create/update/delete, ``PermissionSetLicenseAssign`` create/delete, ``UserLogin``
update. Profiles, licences, roles, permission sets and the Organization are read-only to the API here; seeds and
tests create them with the admin API of ``Org`` (:mod:`org_setup`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from sfprov.emulators.salesforce import errors, ids, rules, schema
from sfprov.emulators.salesforce.errors import SalesforceError
from sfprov.emulators.salesforce.table import Row, Table

if TYPE_CHECKING:
    from sfprov.emulators.salesforce.store import Journal, Org

Handler = Callable[["Org", Mapping[str, Any], "str | None", "Journal"], str]
Deleter = Callable[["Org", str, "str | None", "Journal"], str]

_USER = schema.SCHEMA["User"]


def _user(org: Org) -> schema.SObjectDef:
    """The org's User definition: the standard fields plus its custom fields (:mod:`custom_fields`)."""
    return org.sobject("User") or _USER


_PSA = schema.SCHEMA["PermissionSetAssignment"]
_LOGIN = schema.SCHEMA["UserLogin"]
_PSLA = schema.SCHEMA["PermissionSetLicenseAssign"]
_TEMPLATES: dict[str, Row] = {
    name: {f.name: (f.default_on_create if f.type == "boolean" else None) for f in sdef.fields}
    for name, sdef in schema.SCHEMA.items()
}
"""An empty row per sObject: every field present, checkboxes at their default, everything else null."""

_ALLOWED = {
    "User": "GET,HEAD,PATCH",
    "PermissionSetAssignment": "GET,HEAD,PATCH,DELETE",
    "PermissionSetLicenseAssign": "GET,HEAD,DELETE",
    "UserLogin": "GET,HEAD,PATCH",
}


def _refuse(sobject: str, method: str) -> SalesforceError:
    return errors.method_not_allowed(method, _ALLOWED.get(sobject, "GET,HEAD").split(","))


def creator(org: Org, sobject: str) -> Handler:
    """The create handler for ``sobject``; raises INVALID_TYPE or METHOD_NOT_ALLOWED (call-level) otherwise."""
    sdef = schema.sobject(sobject)
    if sdef is None:
        raise errors.invalid_type(sobject)
    handlers: dict[str, Handler] = {
        "User": create_user,
        "PermissionSetAssignment": create_assignment,
        "PermissionSetLicenseAssign": create_licence_assignment,
    }
    if sdef.name not in handlers:
        raise _refuse(sdef.name, "POST")
    return handlers[sdef.name]


def updater(org: Org, sobject: str) -> Handler:
    """The update handler for ``sobject``."""
    sdef = schema.sobject(sobject)
    if sdef is None:
        raise errors.invalid_type(sobject)
    handlers: dict[str, Handler] = {
        "User": update_user,
        "UserLogin": update_user_login,
        "PermissionSetAssignment": update_assignment,
    }
    if sdef.name not in handlers:
        raise _refuse(sdef.name, "PATCH")
    return handlers[sdef.name]


def deleter(org: Org, sobject: str) -> Deleter:
    """The delete handler for ``sobject``. User is refused with the org's configured answer (reference §3.1: no
    delete; the REST status and text are UNVERIFIED, see ``OrgSettings.user_delete_*``)."""
    sdef = schema.sobject(sobject)
    if sdef is None:
        raise errors.invalid_type(sobject)
    if sdef.name == "User":
        s = org.settings
        raise SalesforceError(s.user_delete_status, s.user_delete_error_code, s.user_delete_message)
    deleters: dict[str, Deleter] = {
        "PermissionSetAssignment": delete_assignment,
        "PermissionSetLicenseAssign": delete_licence_assignment,
    }
    if sdef.name not in deleters:
        raise _refuse(sdef.name, "DELETE")
    return deleters[sdef.name]


# --- shared steps -----------------------------------------------------------------------------------------------


def _target(org: Org, sdef: schema.SObjectDef, body: Mapping[str, Any]) -> Row:
    """The row an update names by ``Id`` (or ``id``): MALFORMED_ID for a bad id, NOT_FOUND for an unknown one."""
    raw = body.get("Id", body.get("id"))
    if raw is None:
        raise errors.SalesforceError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
    rid = ids.normalize(raw)
    if rid is None:
        raise errors.malformed_id(f"{sdef.label} ID", "Id", raw)
    row = org.tables[sdef.name].rows.get(rid)
    if row is None:
        raise errors.not_found()
    return row


def _references(org: Org, sdef: schema.SObjectDef, values: dict[str, Any]) -> None:
    """Step 6: every reference must be a well-formed id (MALFORMED_ID) with the key prefix of one of the field's
    target objects (FIELD_INTEGRITY_EXCEPTION) naming an existing row (INVALID_CROSS_REFERENCE_KEY). Ids are stored
    in their 18-character form; "" means null."""
    by_name = rules.field_index(sdef).by_name
    for name, value in values.items():
        fdef = by_name[name]
        if fdef.type != "reference" or value is None:
            continue
        if value == "":
            values[name] = None
            continue
        rid = ids.normalize(value)
        if rid is None:
            raise errors.malformed_id(fdef.label, name, value)
        targets = [org.tables[t] for t in fdef.reference_to if t in org.tables]
        if not any(schema.SCHEMA[t.name].key_prefix == rid[:3] for t in targets):
            raise errors.reference_of_wrong_type(fdef.label, name, rid)
        if not any(rid in t.rows for t in targets):
            raise errors.invalid_cross_reference()
        values[name] = rid


def _checkboxes(sdef: schema.SObjectDef, values: dict[str, Any]) -> None:
    """A checkbox set to null becomes false: checkboxes are never null (Object Reference)."""
    by_name = rules.field_index(sdef).by_name
    for name, value in values.items():
        if value is None and by_name[name].type == "boolean":
            values[name] = False


def _validate(org: Org, sdef: schema.SObjectDef, body: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    extra: frozenset[str] = frozenset()
    if sdef.name == "User" and not org.settings.auto_fill_community_nickname:
        extra = frozenset({"CommunityNickname"})
    values = rules.canonical_values(sdef, body, creating=creating)
    rules.missing_required(sdef, values, creating=creating, extra=extra)
    rules.check_lengths(sdef, values)
    if sdef.name == "User":
        rules.check_user_formats(values)
    rules.check_picklists(sdef, values)
    _references(org, sdef, values)
    _checkboxes(sdef, values)
    return values


def _replace(org: Org, sobject: str, new: Row, journal: Journal) -> None:
    table = org.tables[sobject]
    old = table.replace(new)
    journal.add(lambda: table.restore(old))


def _insert(org: Org, sobject: str, row: Row, journal: Journal) -> None:
    table = org.tables[sobject]
    table.insert(row)

    def undo() -> None:
        table.remove(row["Id"])

    journal.add(undo)


def _restorer(table: Table, row: Row, seq: int) -> Callable[[], None]:
    def undo() -> None:
        table.restore(row, seq)

    return undo


# --- User -----------------------------------------------------------------------------------------------------


def _duplicate_nickname(org: Org) -> SalesforceError:
    return SalesforceError(
        400, "DUPLICATE_COMM_NICKNAME", org.settings.duplicate_nickname_message, ["CommunityNickname"]
    )


def _free_nickname(org: Org, values: Mapping[str, Any]) -> str:
    """An unused nickname derived from the e-mail's local part (reference §3.2, UNVERIFIED form)."""
    base = rules.nickname_base(values.get("Username"), values.get("Email"))
    users = org.tables["User"]
    candidate, n = base, 0
    while users.count("CommunityNickname", candidate):
        n += 1
        suffix = str(n)
        candidate = base[: 40 - len(suffix)] + suffix
    return candidate


def _check_federation_id(org: Org, value: Any, user_id: str | None) -> None:
    """FederationIdentifier is unique in an org (see ``OrgSettings.unique_federation_id``); exact comparison, since
    SAML subjects are case-sensitive."""
    settings = org.settings
    if not settings.unique_federation_id or not isinstance(value, str) or not value:
        return
    for other in org.tables["User"].lookup("FederationIdentifier", [value]) or []:
        if other["FederationIdentifier"] == value and other["Id"] != user_id:
            raise SalesforceError(
                400,
                settings.duplicate_federation_id_error_code,
                settings.duplicate_federation_id_message,
                ["FederationIdentifier"],
            )


def _owned_permission_set(org: Org, profile_id: str) -> str | None:
    row = org.tables["PermissionSet"].first("ProfileId", profile_id)
    return None if row is None else str(row["Id"])


def _check_last_admin(org: Org, user: Row) -> None:
    """CANNOT_DISABLE_LAST_ADMIN when ``user`` is the last active user of the administrator profile (§4.1,
    UNVERIFIED condition; switch ``OrgSettings.enforce_last_admin``)."""
    if not org.settings.enforce_last_admin:
        return
    admin = org.tables["Profile"].first("Name", org.settings.admin_profile_name)
    if admin is None or user["ProfileId"] != admin["Id"]:
        return
    others = org.tables["User"].lookup("ProfileId", [admin["Id"]]) or []
    if not any(u["IsActive"] and u["Id"] != user["Id"] for u in others):
        raise SalesforceError(400, "CANNOT_DISABLE_LAST_ADMIN", org.settings.last_admin_message)


def create_user(org: Org, body: Mapping[str, Any], running_user_id: str | None, journal: Journal) -> str:
    """Insert a User (reference §3): validation in checklist order, then licence, then the row, its UserLogin row
    and its profile-owned permission set assignment."""
    values = _validate(org, _user(org), body, creating=True)
    users = org.tables["User"]
    if org.state.username_taken(values["Username"]):
        raise errors.duplicate_username()
    nickname = values.get("CommunityNickname")
    if rules.blank(nickname):
        nickname = _free_nickname(org, values)
    elif users.count("CommunityNickname", nickname):
        raise _duplicate_nickname(org)
    _check_federation_id(org, values.get("FederationIdentifier"), None)
    active = values.get("IsActive", True)
    profile = org.tables["Profile"].rows[values["ProfileId"]]
    licence = profile["UserLicenseId"]
    features = _features(org, values) if active else set()
    if active:
        org.licences.check(licence)
        for feature in features:
            org.feature_licences.check(feature)

    stamp = org.stamp()
    actor = ids.normalize(running_user_id) if running_user_id else None
    rid = org.new_id("User")
    row = dict(_TEMPLATES["User"])
    row.update({f.name: f.default_on_create for f in org.custom_fields.get("User", ())})
    row.update(values)
    row |= {
        "Id": rid,
        "IsActive": active,
        "CommunityNickname": nickname,
        "Name": rules.full_name(values.get("FirstName"), values["LastName"]),
        "UserType": profile["UserType"] or "Standard",
        "CreatedDate": stamp,
        "LastModifiedDate": stamp,
        "SystemModstamp": stamp,
        "CreatedById": actor or rid,
        "LastModifiedById": actor or rid,
        "NumberOfFailedLogins": 0,
    }
    _insert(org, "User", row, journal)
    key = row["Username"].lower()
    registry = org.state.usernames
    registry[key] = (org.id, rid)

    def unregister() -> None:
        registry.pop(key, None)

    journal.add(unregister)
    if active:
        org.licences.take(licence)
        journal.add(lambda: org.licences.give(licence))
        _move_features(org, set(), features, journal)
    login = dict(_TEMPLATES["UserLogin"])
    login |= {
        "Id": org.new_id("UserLogin"),
        "UserId": rid,
        "LastModifiedDate": stamp,
        "SystemModstamp": stamp,
        "LastModifiedById": actor or rid,
    }
    _insert(org, "UserLogin", login, journal)
    owned = _owned_permission_set(org, values["ProfileId"])
    if owned is not None:
        assignment = dict(_TEMPLATES["PermissionSetAssignment"])
        assignment |= {
            "Id": org.new_id("PermissionSetAssignment"),
            "PermissionSetId": owned,
            "AssigneeId": rid,
            "SystemModstamp": stamp,
        }
        _insert(org, "PermissionSetAssignment", assignment, journal)
    return rid


def update_user(org: Org, body: Mapping[str, Any], running_user_id: str | None, journal: Journal) -> str:
    """Update a User: the field rules, then username/nickname uniqueness, self-deactivation and last-admin rules,
    licences on reactivation or licence change, and the e-mail hold (reference §3-§7)."""
    row = _target(org, _user(org), body)
    rid = row["Id"]
    values = _validate(org, _user(org), body, creating=False)
    changes = {k: v for k, v in values.items() if row.get(k) != v}
    users = org.tables["User"]
    settings = org.settings

    new_username: str | None = changes.get("Username")
    renamed = new_username is not None and new_username.lower() != row["Username"].lower()
    if renamed and org.state.username_taken(str(new_username)):
        raise errors.duplicate_username()
    nickname = changes.get("CommunityNickname")
    if nickname is not None:
        holder = users.first("CommunityNickname", nickname)
        if holder is not None and holder["Id"] != rid:
            raise _duplicate_nickname(org)
    if "FederationIdentifier" in changes:
        _check_federation_id(org, changes["FederationIdentifier"], rid)

    was_active = bool(row["IsActive"])
    will_active = bool(changes.get("IsActive", was_active))
    new_profile_id = str(changes.get("ProfileId", row["ProfileId"]))
    old_licence = org.licence_of_profile(row["ProfileId"])
    new_licence = org.licence_of_profile(new_profile_id)
    actor = ids.normalize(running_user_id) if running_user_id else None
    if was_active and not will_active:
        if actor == rid:
            raise SalesforceError(400, settings.self_deactivation_error_code, settings.self_deactivation_message)
        _check_last_admin(org, row)
    elif was_active and "ProfileId" in changes:
        _check_last_admin(org, row)
    if will_active and new_licence is not None and (not was_active or new_licence != old_licence):
        org.licences.check(new_licence)
    features_before = _features(org, row) if was_active else set()
    features_after = _features(org, {**row, **changes}) if will_active else set()
    for feature in features_after - features_before:
        org.feature_licences.check(feature)

    held = was_active or not settings.email_hold_only_active_users
    if "Email" in changes and settings.email_change_requires_confirmation and held:
        _hold_email(org, rid, changes.pop("Email"), journal)

    stamp = org.stamp()
    new = {**row, **changes, "LastModifiedDate": stamp, "SystemModstamp": stamp, "LastModifiedById": actor or rid}
    if "FirstName" in changes or "LastName" in changes:
        new["Name"] = rules.full_name(new.get("FirstName"), new["LastName"])
    if "ProfileId" in changes:
        new["UserType"] = org.tables["Profile"].rows[new_profile_id]["UserType"] or "Standard"
    _replace(org, "User", new, journal)
    _move_licence(org, was_active and old_licence, will_active and new_licence, journal)
    _move_features(org, features_before, features_after, journal)
    if new_username is not None:
        _rename(org, row["Username"], new_username, rid, journal)
    if "ProfileId" in changes:
        _move_owned_assignment(org, rid, row["ProfileId"], new_profile_id, journal)
    return str(rid)


def _hold_email(org: Org, user_id: str, email: str, journal: Journal) -> None:
    """Reference §7: the field keeps its value; the new address waits for confirmation for 72 hours."""
    from sfprov.emulators.salesforce.store import PendingEmail, email_expiry

    previous = org.pending_emails.get(user_id)
    org.pending_emails[user_id] = PendingEmail(email, email_expiry(org.now(), org.settings.email_confirmation_hours))

    def undo() -> None:
        if previous is None:
            org.pending_emails.pop(user_id, None)
        else:
            org.pending_emails[user_id] = previous

    journal.add(undo)


def _move_licence(org: Org, old: str | bool | None, new: str | bool | None, journal: Journal) -> None:
    """Give back the seat of ``old`` and take one of ``new`` (each falsy when no seat is involved)."""
    if old == new:
        return
    book = org.licences
    if isinstance(old, str):
        book.give(old)
        journal.add(lambda: book.force_take(old))
    if isinstance(new, str):
        book.force_take(new)
        journal.add(lambda: book.give(new))


def _features(org: Org, values: Mapping[str, Any]) -> set[str]:
    """The limited feature licences (``UserPermissions*`` checkboxes, reference §5.4) that ``values`` switch on."""
    return {name for name in org.feature_licences.total if values.get(name) is True}


def _move_features(org: Org, before: set[str], after: set[str], journal: Journal) -> None:
    """Free the feature seats no longer used and take the new ones (already checked)."""
    book = org.feature_licences
    for feature in before - after:
        book.give(feature)
        journal.add(partial(book.force_take, feature))
    for feature in after - before:
        book.force_take(feature)
        journal.add(partial(book.give, feature))


def _rename(org: Org, old: str, new: str, user_id: str, journal: Journal) -> None:
    registry = org.state.usernames
    registry.pop(old.lower(), None)
    registry[new.lower()] = (org.id, user_id)

    def undo() -> None:
        registry.pop(new.lower(), None)
        registry[old.lower()] = (org.id, user_id)

    journal.add(undo)


def _move_owned_assignment(org: Org, user_id: str, old_profile: str, new_profile: str, journal: Journal) -> None:
    """Keep the assignment of the profile-owned permission set in step with the user's profile."""
    old_set, new_set = _owned_permission_set(org, old_profile), _owned_permission_set(org, new_profile)
    assignments = org.tables["PermissionSetAssignment"]
    for assignment in assignments.lookup("AssigneeId", [user_id]) or []:
        if assignment["PermissionSetId"] == old_set:
            if new_set is None:
                removed, seq = assignments.remove(assignment["Id"])
                journal.add(_restorer(assignments, removed, seq))
            else:
                _replace(org, "PermissionSetAssignment", {**assignment, "PermissionSetId": new_set}, journal)
            return


# --- UserLogin ------------------------------------------------------------------------------------------------


def update_user_login(org: Org, body: Mapping[str, Any], running_user_id: str | None, journal: Journal) -> str:
    """Freeze or unfreeze a user (reference §4.3): CANNOT_FREEZE_SELF for one's own login; IsPasswordLocked may be
    cleared, never set."""
    row = _target(org, _LOGIN, body)
    values = _validate(org, _LOGIN, body, creating=False)
    actor = ids.normalize(running_user_id) if running_user_id else None
    if values.get("IsPasswordLocked") is True and not row["IsPasswordLocked"]:
        raise SalesforceError(
            400, "FIELD_INTEGRITY_EXCEPTION", org.settings.password_lock_message, ["IsPasswordLocked"]
        )
    if values.get("IsFrozen") is True and actor is not None and row["UserId"] == actor:
        raise SalesforceError(400, "CANNOT_FREEZE_SELF", org.settings.cannot_freeze_self_message)
    stamp = org.stamp()
    new = {
        **row,
        **values,
        "LastModifiedDate": stamp,
        "SystemModstamp": stamp,
        "LastModifiedById": actor or row["UserId"],
    }
    _replace(org, "UserLogin", new, journal)
    return str(row["Id"])


# --- PermissionSetAssignment ----------------------------------------------------------------------------------


def create_assignment(org: Org, body: Mapping[str, Any], running_user_id: str | None, journal: Journal) -> str:
    """Grant a permission set (reference §6): DUPLICATE_VALUE for an existing pair; a set restricted to a user
    licence only goes to users of that licence; profile-owned sets are not assignable."""
    values = _validate(org, _PSA, body, creating=True)
    settings = org.settings
    assignee, permission_set_id = values["AssigneeId"], values["PermissionSetId"]
    permission_set = org.tables["PermissionSet"].rows[permission_set_id]
    if permission_set["IsOwnedByProfile"]:
        raise SalesforceError(
            400, "INVALID_CROSS_REFERENCE_KEY", settings.profile_owned_assignment_message, ["PermissionSetId"]
        )
    existing = org.tables["PermissionSetAssignment"].lookup("AssigneeId", [assignee]) or []
    if any(a["PermissionSetId"] == permission_set_id for a in existing):
        raise SalesforceError(
            400,
            "DUPLICATE_VALUE",
            settings.duplicate_assignment_message.format(assignee=assignee, ps=permission_set_id),
        )
    licence = permission_set.get("LicenseId")
    if licence and ids.prefix_of(licence) == schema.PREFIX_USER_LICENSE:
        user = org.tables["User"].rows[assignee]
        if org.licence_of_profile(user["ProfileId"]) != licence:
            raise SalesforceError(400, settings.licence_mismatch_error_code, settings.licence_mismatch_message)
    if licence and ids.prefix_of(licence) == schema.PREFIX_PERMISSION_SET_LICENSE:
        held = org.tables["PermissionSetLicenseAssign"].lookup("AssigneeId", [assignee]) or []
        if not any(h["PermissionSetLicenseId"] == licence for h in held):
            raise SalesforceError(
                400, "FIELD_INTEGRITY_EXCEPTION", settings.permission_set_licence_required_message, ["AssigneeId"]
            )
    row = dict(_TEMPLATES["PermissionSetAssignment"])
    row.update(values)
    row |= {"Id": org.new_id("PermissionSetAssignment"), "IsActive": True, "SystemModstamp": org.stamp()}
    _insert(org, "PermissionSetAssignment", row, journal)
    return str(row["Id"])


def update_assignment(org: Org, body: Mapping[str, Any], running_user_id: str | None, journal: Journal) -> str:
    """Only ``ExpirationDate`` is updateable on an assignment (reference §6)."""
    row = _target(org, _PSA, body)
    values = _validate(org, _PSA, body, creating=False)
    _replace(org, "PermissionSetAssignment", {**row, **values, "SystemModstamp": org.stamp()}, journal)
    return str(row["Id"])


def delete_assignment(org: Org, record_id: str, running_user_id: str | None, journal: Journal) -> str:
    """Revoke a permission set (reference §6); the profile-owned assignment cannot be removed."""
    row = _target(org, _PSA, {"Id": record_id})
    permission_set = org.tables["PermissionSet"].rows.get(row["PermissionSetId"])
    if permission_set is not None and permission_set["IsOwnedByProfile"]:
        raise SalesforceError(400, "INVALID_CROSS_REFERENCE_KEY", org.settings.profile_owned_assignment_message)
    table = org.tables["PermissionSetAssignment"]
    removed, seq = table.remove(row["Id"])
    journal.add(_restorer(table, removed, seq))
    return str(row["Id"])


# --- PermissionSetLicenseAssign -------------------------------------------------------------------------------


def _sync_permission_set_licence(org: Org, licence_id: str, journal: Journal) -> None:
    """Keep ``PermissionSetLicense.UsedLicenses`` equal to its number of assignments."""
    table = org.tables["PermissionSetLicense"]
    row = table.rows[licence_id]
    used = org.tables["PermissionSetLicenseAssign"].count("PermissionSetLicenseId", licence_id)
    if row["UsedLicenses"] != used:
        _replace(org, "PermissionSetLicense", {**row, "UsedLicenses": used}, journal)


def create_licence_assignment(org: Org, body: Mapping[str, Any], running_user_id: str | None, journal: Journal) -> str:
    """Give a user a permission set licence: one per user and licence (DUPLICATE_VALUE), within ``TotalLicenses``
    (LICENSE_LIMIT_EXCEEDED)."""
    values = _validate(org, _PSLA, body, creating=True)
    assignee, licence_id = values["AssigneeId"], values["PermissionSetLicenseId"]
    held = org.tables["PermissionSetLicenseAssign"].lookup("AssigneeId", [assignee]) or []
    if any(h["PermissionSetLicenseId"] == licence_id for h in held):
        message = org.settings.duplicate_licence_assignment_message.format(assignee=assignee)
        raise SalesforceError(400, "DUPLICATE_VALUE", message)
    licence = org.tables["PermissionSetLicense"].rows[licence_id]
    if org.tables["PermissionSetLicenseAssign"].count("PermissionSetLicenseId", licence_id) >= licence["TotalLicenses"]:
        raise errors.license_limit_exceeded()
    stamp = org.stamp()
    actor = ids.normalize(running_user_id) if running_user_id else None
    row = dict(_TEMPLATES["PermissionSetLicenseAssign"])
    row.update(values)
    row |= {
        "Id": org.new_id("PermissionSetLicenseAssign"),
        "CreatedDate": stamp,
        "LastModifiedDate": stamp,
        "SystemModstamp": stamp,
        "CreatedById": actor,
        "LastModifiedById": actor,
    }
    _insert(org, "PermissionSetLicenseAssign", row, journal)
    _sync_permission_set_licence(org, licence_id, journal)
    return str(row["Id"])


def delete_licence_assignment(org: Org, record_id: str, running_user_id: str | None, journal: Journal) -> str:
    """Take a permission set licence back (the seat is free again)."""
    row = _target(org, _PSLA, {"Id": record_id})
    table = org.tables["PermissionSetLicenseAssign"]
    removed, seq = table.remove(row["Id"])
    journal.add(_restorer(table, removed, seq))
    _sync_permission_set_licence(org, row["PermissionSetLicenseId"], journal)
    return str(row["Id"])
