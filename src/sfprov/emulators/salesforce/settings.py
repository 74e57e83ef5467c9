"""Per-org switches of the emulator: documented behaviour that varies by org, and every UNVERIFIED assumption.

The working rule (reference README) is that anything the reference marks UNVERIFIED is a setting whose default is the
reference's value, so that a correction never needs a code change. Each field says where its default comes from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class OrgSettings:
    """Switches read by the rules (Part B) and by the HTTP surface (Part C)."""

    # --- authentication (Part C reads these; reference §10, §11) ---
    soap_login_enabled: bool = False
    """"Enable SOAP API login()": off by default in orgs created in Winter '26 or later (§10, doc)."""
    soap_disabled_message: str = "SOAP API login() is disabled by default in this org."
    """``INVALID_OPERATION`` text when login() is off (§10, observed); one report adds
    " Contact the org administrator to enable SOAP API login()." — set the full text here to emulate it."""
    require_use_any_api_auth: bool = False
    """Summer '26 (API 67.0+): login() callers also need Use Any API Auth; enforced by default in new orgs (§10)."""
    max_soap_login_version: str = "64.0"
    """login() is not available in API 65.0 and later (§10, doc)."""
    password_flow_enabled: bool = True
    """OAuth username-password flow allowed at org level (§11.3; Salesforce advises blocking it)."""
    session_seconds: int = 7200
    """Session timeout: ``sessionSecondsValid`` (§9.2, default two hours)."""
    daily_api_requests: int = 15000
    """Rolling 24-hour API allocation (§12.1: 15,000 observed on Developer Edition; others UNVERIFIED)."""
    trial_no_api: bool = False
    """Trial orgs lack API access (§13.1): ``API_DISABLED_FOR_ORG`` when true."""

    # --- User rules (Part B); UNVERIFIED in the reference unless said otherwise ---
    auto_fill_community_nickname: bool = True
    """CommunityNickname is filled when omitted (§3.2, UNVERIFIED); when false it is required."""
    duplicate_nickname_message: str = "This nickname already exists. Enter a unique nickname."
    """``DUPLICATE_COMM_NICKNAME`` is a WSDL code (§3.5); uniqueness is per org and the text is UNVERIFIED."""
    unique_federation_id: bool = True
    duplicate_federation_id_error_code: str = "FIELD_INTEGRITY_EXCEPTION"
    duplicate_federation_id_message: str = (
        "This Federation ID is already in use. Use a different Federation ID.: SAML Federation ID"
    )
    """FederationIdentifier is unique per org (compared exactly). The sentence is observed (Okta support article quoting
    a Salesforce provisioning failure); the code and the ": <label>" suffix, by analogy with the username error,
    are UNVERIFIED."""
    enforce_last_admin: bool = True
    """``CANNOT_DISABLE_LAST_ADMIN`` when the last active System Administrator is deactivated (§4.1, UNVERIFIED)."""
    admin_profile_name: str = "System Administrator"
    last_admin_message: str = "Cannot deactivate the last active user with the System Administrator profile."
    """UNVERIFIED text (the status code exists in the WSDL; no public message was found)."""
    self_deactivation_error_code: str = "FIELD_INTEGRITY_EXCEPTION"
    self_deactivation_message: str = "You cannot deactivate your own user."
    """A user cannot deactivate itself (the UI hides the checkbox); code and text UNVERIFIED (no WSDL code
    ``CANNOT_DEACTIVATE_SELF`` exists, none of the public sources quotes the API error)."""
    cannot_freeze_self_message: str = "You can't freeze your own user account."
    """``CANNOT_FREEZE_SELF`` is a WSDL code (§4.3); its text is UNVERIFIED."""
    password_lock_message: str = "IsPasswordLocked can only be set to false."  # noqa: S105 (a message, no secret)
    """UserLogin.IsPasswordLocked may be set to false, never to true (§4.3, doc); error text UNVERIFIED."""
    email_change_requires_confirmation: bool = True
    """An e-mail change is held until the new address is confirmed (§7, doc KB 000385115)."""
    email_confirmation_hours: int = 72
    """The verification link lasts 72 hours (§7, doc)."""
    email_hold_only_active_users: bool = True
    """Only active users' addresses go through verification (§7, observed); inactive users change at once."""
    user_delete_status: int = 405
    user_delete_error_code: str = "METHOD_NOT_ALLOWED"
    user_delete_message: str = "HTTP Method 'DELETE' not allowed. Allowed are GET,HEAD,PATCH"
    """User has no delete (§3.1, doc); the REST answer is UNVERIFIED (§8.1 asks for 405 METHOD_NOT_ALLOWED); the text
    follows Salesforce's observed 405 form ``HTTP Method 'PATCH' not allowed. Allowed are GET,HEAD,POST``."""
    duplicate_assignment_message: str = "Duplicate PermissionSetAssignment. Assignee: {assignee}; Permission Set: {ps}"
    """``DUPLICATE_VALUE`` on a second identical assignment (§6, code UNVERIFIED). The text is the form public
    tooling quotes from ``sf org assign permset`` failures (some quotes separate with "," instead of ";")."""
    licence_mismatch_error_code: str = "FIELD_INTEGRITY_EXCEPTION"
    licence_mismatch_message: str = "The user license doesn't match the user license of the permission set."
    """Assigning a permission set whose LicenseId differs from the user's licence (§6, code and text UNVERIFIED)."""
    permission_set_licence_required_message: str = (
        "The user doesn't have the permission set license required by this permission set."
    )
    """Assigning a permission set whose LicenseId is a permission set licence the user lacks (§6); code
    ``FIELD_INTEGRITY_EXCEPTION`` and text UNVERIFIED."""
    duplicate_licence_assignment_message: str = "Duplicate PermissionSetLicenseAssign. Assignee: {assignee}"
    """``DUPLICATE_VALUE`` for a second assignment of the same permission set licence (UNVERIFIED text)."""
    profile_owned_assignment_message: str = "You can't assign or unassign a permission set owned by a profile."
    """Profile-owned permission sets are managed through the profile (§6); code ``INVALID_CROSS_REFERENCE_KEY`` and
    text UNVERIFIED."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrgSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
