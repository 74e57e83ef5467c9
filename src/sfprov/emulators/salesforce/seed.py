"""Ready-made orgs for the demo, the tests and the benchmarks.

``seed_demo`` builds what a customer of sfprov would have (reference §5.1, §11.1, §13.1): a production org created
after Winter '26 (so SOAP ``login()`` is off, §10) with the standard profiles and realistic licence counts, an
administrator, an integration user with API Enabled and Manage Users on its profile, an External Client App for the
client-credentials and JWT flows; plus a sandbox (created earlier, SOAP ``login()`` on, usernames and e-mails in the
sandbox forms of §1.3) and a Developer Edition org with very few licences (§5.3).

The licence counts are chosen so that a demo can show ``LICENSE_LIMIT_EXCEEDED``: production has only two free
full "Salesforce" seats but thousands of "Chatter Free" ones.

``seed_bulk`` adds many users through the same rules as the API, in batches of 200 (the Collections limit, §8.7).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sfprov.emulators.salesforce.settings import OrgSettings
from sfprov.emulators.salesforce.store import EmulatorState, Org, OrgKind, gc_paused

DEMO_FOREIGN_USERNAMES = ("taken.elsewhere@contoso.com", "tariq.therese@contoso.com")
"""Usernames "taken in other customers' orgs" in the demo (reference §3.4): creating one fails DUPLICATE_USERNAME.
The second is the userPrincipalName of a user of the Entra emulator's demo tenant, so that ``sfprov demo`` shows
the ``DUPLICATE_USERNAME`` path end to end."""

_EMPLOYEES = (
    ("José", "Núñez", "Sales Manager", "jose.nunez"),
    ("Anaïs", "Lefèvre", "Sales Rep", "anais.lefevre"),
    ("Diego", "Siciliani", "Sales Rep", "diego.siciliani"),
    ("Grady", "Archie", "Sales Rep", "grady.archie"),
    ("Isaiah", "Langer", "Sales Rep", "isaiah.langer"),
    ("Johanna", "Lorenz", "Sales Rep", "johanna.lorenz"),
    ("Lee", "Gu", "Sales Rep", "lee.gu"),
    ("Lidia", "Holloway", "Sales Manager", "lidia.holloway"),
    ("Lynne", "Robbins", "Sales Rep", "lynne.robbins"),
)
"""Nine full-licence employees: with the administrator they use 10 of the 12 "Salesforce" seats. The first two have
the usernames of Entra demo users, so the demo also shows matching existing Salesforce users; the others are
Salesforce-only accounts (orphans from Entra's point of view)."""

_CHATTER_USERS = (("Miriam", "Graham"), ("Nestor", "Wilke"), ("Patti", "Fernandez"), ("Pradeep", "Gupta"))


def _password() -> str:
    """A password meeting Salesforce's default policy (8+ characters, letters and numbers)."""
    return "Demo-" + secrets.token_urlsafe(12) + "9a"


def user_values(
    username: str, first: str | None, last: str, email: str, profile_id: str, **extra: Any
) -> dict[str, Any]:
    """A complete User create body (every field required on create, reference §3.2) plus ``extra``."""
    alias = ((first or "")[:1] + last)[:8].lower()
    return {
        "Username": username,
        "FirstName": first,
        "LastName": last,
        "Email": email,
        "Alias": alias,
        "TimeZoneSidKey": "America/Los_Angeles",
        "LocaleSidKey": "en_US",
        "LanguageLocaleKey": "en_US",
        "EmailEncodingKey": "UTF-8",
        "ProfileId": profile_id,
        **extra,
    }


def generate_jwt_key_pair(common_name: str) -> tuple[str, str]:
    """A fresh RSA key and a self-signed certificate (PEM): the certificate is uploaded to the app, the private key
    signs the JWT assertions of the bearer flow (reference §11.2)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return private_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def seed_standard_setup(org: Org, *, salesforce: int, platform: int, chatter_free: int, integration: int) -> None:
    """Licences, the standard profiles (reference §5.1), a custom integration profile, roles and permission sets."""
    full = org.add_user_license("Salesforce", salesforce, definition_key="SFDC")
    platform_id = org.add_user_license("Salesforce Platform", platform, definition_key="AUL")
    chatter = org.add_user_license("Chatter Free", chatter_free, definition_key="PID_CHATTER")
    api_only = org.add_user_license("Salesforce Integration", integration, definition_key="PID_SALESFORCE_INTEGRATION")
    org.add_profile(
        "System Administrator",
        full,
        api_enabled=True,
        manage_users=True,
        manage_internal_users=True,
        assign_permission_sets=True,
        view_setup=True,
        modify_all_data=True,
        view_all_data=True,
        use_any_api_auth=True,
    )
    org.add_profile("Standard User", full, api_enabled=True)
    org.add_profile("Read Only", full, api_enabled=True)
    org.add_profile("Minimum Access - Salesforce", full)
    org.add_profile("Standard Platform User", platform_id, api_enabled=True)
    org.add_profile("Chatter Free User", chatter, user_type="CsnOnly")
    org.add_profile("Minimum Access - API Only Integrations", api_only, api_enabled=True)
    org.add_profile(
        "Provisioning Integration",
        api_only,
        description="Custom profile for sfprov: API Enabled and Manage Users on the profile itself (reference §13.1)",
        api_enabled=True,
        manage_users=True,
        manage_internal_users=True,
        assign_permission_sets=True,
        view_setup=True,
        use_any_api_auth=True,
    )
    ceo = org.add_role("CEO")
    manager = org.add_role("Sales Manager", parent_id=ceo)
    org.add_role("Sales Rep", parent_id=manager)
    org.add_permission_set("Sales_Operations", "Sales Operations", licence_id=full)
    org.add_permission_set("Service_Agent", "Service Agent", licence_id=full)
    org.add_permission_set("Reports_Viewer", "Reports Viewer")


def _role_id(org: Org, name: str) -> str | None:
    row = org.tables["UserRole"].first("Name", name)
    return None if row is None else str(row["Id"])


def _admin_and_integration(org: Org, suffix: str, email_suffix: str) -> dict[str, Any]:
    """The administrator and the integration user of an org, with passwords and tokens."""
    admin_password, integration_password = _password(), _password()
    admin = org.add_user(
        user_values(
            f"admin@contoso.com{suffix}",
            "Casey",
            "Admin",
            f"admin@contoso.com{email_suffix}",
            org.profile_id("System Administrator"),
            UserRoleId=_role_id(org, "CEO"),
        ),
        password=admin_password,
    )
    integration = org.add_user(
        user_values(
            f"integration@contoso.com{suffix}",
            None,
            "Provisioning",
            f"it-ops@contoso.com{email_suffix}",
            org.profile_id("Provisioning Integration"),
            Alias="sfprov",
        ),
        password=integration_password,
        running_user_id=admin,
    )
    return {
        "admin": {
            "user_id": admin,
            "username": f"admin@contoso.com{suffix}",
            "password": admin_password,
            "security_token": org.security_token(admin),
        },
        "integration": {
            "user_id": integration,
            "username": f"integration@contoso.com{suffix}",
            "password": integration_password,
            "security_token": org.security_token(integration),
        },
    }


def _app(org: Org, people: dict[str, Any]) -> dict[str, Any]:
    """An External Client App: client credentials run as the integration user; JWT pre-authorised for its
    profile (reference §11.1, §11.2)."""
    private_pem, cert_pem = generate_jwt_key_pair(f"sfprov-{org.my_domain}")
    integration_id = people["integration"]["user_id"]
    app = org.add_external_client_app(
        "sfprov",
        client_credentials_enabled=True,
        run_as_user_id=integration_id,
        certificate_pem=cert_pem,
        pre_authorized_profile_ids=[org.profile_id("Provisioning Integration")],
        password_flow_allowed=True,
    )
    return {
        "name": app.name,
        "consumer_key": app.consumer_key,
        "consumer_secret": app.consumer_secret,
        "client_credentials_run_as": people["integration"]["username"],
        "jwt_private_key_pem": private_pem,
        "jwt_certificate_pem": cert_pem,
    }


def _org_info(org: Org) -> dict[str, Any]:
    return {
        "org_id": org.id,
        "name": org.name,
        "kind": org.kind,
        "edition": org.edition,
        "my_domain": org.my_domain,
        "login_host": "test.salesforce.com" if org.is_sandbox else "login.salesforce.com",
        "soap_login_enabled": org.settings.soap_login_enabled,
        "licences": {name: {"used": u, "total": t} for name, (u, t) in org.licence_usage().items()},
    }


def _employees(org: Org, admin_id: str, suffix: str, email_suffix: str) -> None:
    standard = org.profile_id("Standard User")
    for first, last, role, handle in _EMPLOYEES:
        org.add_user(
            user_values(
                f"{handle}@contoso.com{suffix}",
                first,
                last,
                f"{handle}@contoso.com{email_suffix}",
                standard,
                UserRoleId=_role_id(org, role),
                Alias=handle.replace(".", "")[:8],
                Title=role,
            ),
            running_user_id=admin_id,
        )
    chatter = org.profile_id("Chatter Free User")
    for first, last in _CHATTER_USERS:
        handle = f"{first}.{last}".lower()
        org.add_user(
            user_values(f"{handle}@contoso.com{suffix}", first, last, f"{handle}@contoso.com{email_suffix}", chatter),
            running_user_id=admin_id,
        )
    # A leaver (inactive: frees its seat) and a frozen user (still holds one), reference §4.
    org.add_user(
        user_values(
            f"former.employee@contoso.com{suffix}",
            "Former",
            "Employee",
            f"former.employee@contoso.com{email_suffix}",
            chatter,
            IsActive=False,
        ),
        running_user_id=admin_id,
    )
    frozen = org.add_user(
        user_values(f"on.leave@contoso.com{suffix}", "On", "Leave", f"on.leave@contoso.com{email_suffix}", chatter),
        running_user_id=admin_id,
    )
    login = org.user_login(frozen)
    assert login is not None
    org.update("UserLogin", [{"Id": login["Id"], "IsFrozen": True}], running_user_id=admin_id)


def seed_demo(state: EmulatorState, *, foreign_usernames: Iterable[str] = DEMO_FOREIGN_USERNAMES) -> dict[str, Any]:
    """Build the demo orgs in ``state`` and return their endpoints' org data and credentials (for ``--info-out``;
    the caller must never log it)."""
    state.add_foreign_usernames(foreign_usernames)
    info: dict[str, Any] = {"foreign_usernames": sorted(state.foreign_usernames), "orgs": {}}
    plans: tuple[tuple[str, OrgKind, str | None, bool, dict[str, int], str, str], ...] = (
        (
            "Contoso",
            "production",
            None,
            False,
            {"salesforce": 12, "platform": 5, "chatter_free": 5000, "integration": 5},
            "",
            "",
        ),
        (
            "Contoso",
            "sandbox",
            "uat",
            True,
            {"salesforce": 12, "platform": 5, "chatter_free": 5000, "integration": 5},
            ".uat",
            ".invalid",
        ),
        (
            "Contoso Developer",
            "developer",
            None,
            False,
            {"salesforce": 2, "platform": 3, "chatter_free": 5000, "integration": 1},
            ".dev",
            "",
        ),
    )
    for name, kind, sandbox_name, soap_on, counts, suffix, email_suffix in plans:
        settings = OrgSettings(soap_login_enabled=soap_on)
        if kind == "developer":
            settings.daily_api_requests = 15_000
        elif kind == "sandbox":
            settings.daily_api_requests = 5_000_000
        else:
            settings.daily_api_requests = 100_000
        org = state.create_org(name, kind=kind, my_domain="contoso", sandbox_name=sandbox_name, settings=settings)
        seed_standard_setup(org, **counts)
        people = _admin_and_integration(org, suffix, email_suffix)
        if kind != "developer":
            _employees(org, people["admin"]["user_id"], suffix, email_suffix)
        app = _app(org, people)
        info["orgs"][kind] = {**_org_info(org), **people, "external_client_app": app}
    return info


def seed_bulk(
    org: Org,
    n: int,
    *,
    profile_name: str = "Standard User",
    domain: str = "bulk.example.com",
    start: int = 0,
    grow_licences: bool = True,
    running_user_id: str | None = None,
) -> list[str]:
    """Add ``n`` active users (``bulk{i}@{domain}``) through the API rules in batches of 200, for benchmarks.

    With ``grow_licences`` the profile's licence gets enough seats first (a benchmark measures speed, not the
    licence rule). Returns the new ids in order; raises the first error if any record fails.
    """
    profile_id = org.profile_id(profile_name)
    licence = org.licence_of_profile(profile_id)
    if grow_licences and licence is not None and org.licences.available(licence) < n:
        org.set_licence_total(licence, org.licences.used.get(licence, 0) + n)
    created: list[str] = []
    with gc_paused(freeze=True):
        _bulk_batches(org, n, start, domain, profile_id, running_user_id, created)
    return created


def _bulk_batches(
    org: Org, n: int, start: int, domain: str, profile_id: str, running_user_id: str | None, created: list[str]
) -> None:
    for lo in range(start, start + n, 200):
        batch = [
            user_values(
                f"bulk{i}@{domain}",
                "Bulk",
                f"User {i}",
                f"bulk{i}@{domain}",
                profile_id,
                Alias=f"b{i}"[:8],
                CommunityNickname=f"bulk{i}.{domain}"[:40],
                FederationIdentifier=f"B{i}",
            )
            for i in range(lo, min(lo + 200, start + n))
        ]
        for result in org.create("User", batch, running_user_id=running_user_id):
            if not result.success or result.id is None:
                raise result.errors[0]
            created.append(result.id)
