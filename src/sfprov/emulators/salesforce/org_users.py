"""Users of an emulated org beyond their rows: credentials, logins, held e-mail changes, permissions, licences.

Credentials stay out of the sObject rows so that no query or REST GET can leak them (reference §9.4); the e-mail hold
models §7; licence helpers §5.3-§5.4.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sfprov.emulators.salesforce import errors, ids, schema
from sfprov.emulators.salesforce.core import OrgCore, PendingEmail, sf_datetime
from sfprov.emulators.salesforce.credentials import Credentials
from sfprov.emulators.salesforce.table import Row


class OrgUsers(OrgCore):
    """Credential, login, e-mail, permission and licence helpers of :class:`store.Org`."""

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
