"""The admin API of an emulated org: setup records the REST API cannot write (licences, profiles, roles, permission
sets, permission set licences), users created through the same rules as the API, and External Client Apps.

Seeds, tests and Part C's ``/_emulator/`` endpoints use it (reference §5, §6, §11).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sfprov.emulators.salesforce import errors, ids, schema
from sfprov.emulators.salesforce.core import OrgCore, sf_datetime
from sfprov.emulators.salesforce.credentials import ExternalClientApp, new_consumer_key, new_consumer_secret
from sfprov.emulators.salesforce.table import Row


class OrgSetup(OrgCore):
    """Setup records and apps of :class:`store.Org`."""

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
