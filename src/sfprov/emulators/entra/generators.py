"""Tenants to run against: a small, realistic demo tenant and a bulk tenant of N users for benchmarks.

The demo tenant holds what a provisioning engine must cope with (reference ``entra-graph.md`` §3, §8, §9 and
``entra-provisioning-service.md`` §3): names with diacritics, users without surname or mail, a B2B guest with an
``#EXT#`` UPN, a disabled user, a manager chain, a nested group inside the assigned group, a Salesforce enterprise
app whose app roles are Salesforce profiles, users assigned directly, a group assigned, a user with only Default
Access, and the sfprov client registration with a secret, a certificate and the read permissions granted.
Everything derives from a seed, so two builds are identical.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sfprov.emulators.entra.directory import DEFAULT_ACCESS_ROLE_ID, Directory, iso

DEMO_TENANT_ID = "6b1f4e2a-5c3d-4e8f-9a7b-1c2d3e4f5a6b"
DEMO_DOMAINS = ("contoso.onmicrosoft.com", "contoso.com")
SFPROV_CLIENT_ID = "0f5e6d7c-8b9a-4c1d-8e2f-3a4b5c6d7e8f"
SALESFORCE_APP_ID = "2a9c8f3e-7d61-4b5a-9e0c-5f4d3b2a1c0e"
"""The demo's Salesforce enterprise app appId: an arbitrary constant, not the gallery app's real appId."""
LICENSED_GROUP_NAME = "Salesforce – Licensed Users"
READ_PERMISSIONS = ("User.Read.All", "GroupMember.Read.All", "Application.Read.All")

SALESFORCE_PROFILES = ("Standard User", "Chatter Free User", "System Administrator")

_FIRST = (
    "Zoë",
    "José",
    "Anaïs",
    "Björn",
    "Chloé",
    "Dário",
    "Émilie",
    "François",
    "Günther",
    "Héloïse",
    "Iñigo",
    "Jürgen",
    "Kåre",
    "Léa",
    "Małgorzata",
    "Núria",
    "Øystein",
    "Pål",
    "Renée",
    "Søren",
    "Tomás",
    "Ulrike",
    "Valérie",
    "Wojciech",
    "Xavière",
    "Yağmur",
    "Zdeněk",
    "Adele",
    "Bianca",
    "Carlos",
    "Diego",
    "Elena",
    "Fatima",
    "Grace",
    "Hiro",
    "Isabel",
    "Jan",
    "Kenji",
    "Lars",
    "Mia",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rafael",
    "Sofia",
    "Tariq",
    "Uma",
)
_LAST = (
    "Ångström",
    "Núñez",
    "Lefèvre",
    "Øverås",
    "Müller",
    "Çelik",
    "Dvořák",
    "García",
    "Håkansson",
    "Ibáñez",
    "Jönsson",
    "Kowalczyk",
    "López",
    "Mäkinen",
    "Nowak",
    "O'Brien",
    "Pérez",
    "Quintão",
    "Roßmann",
    "Sánchez",
    "Thérèse",
    "Ustaoğlu",
    "Vásquez",
    "Wößner",
    "Xu",
    "Yılmaz",
    "Zółkiewski",
)
_DEPARTMENTS = ("Sales", "Marketing", "Support", "Finance", "R&D", "Operations")
_TITLES = ("Account Executive", "Sales Manager", "Support Engineer", "Analyst", "Director", "Consultant")
_COUNTRIES = (
    ("FR", "France", "fr-FR"),
    ("DE", "Germany", "de-DE"),
    ("ES", "Spain", "es-ES"),
    ("US", "United States", "en-US"),
    ("SE", "Sweden", "sv-SE"),
    ("PL", "Poland", "pl-PL"),
)
_ASCII = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "å": "aa", "ø": "oe", "æ": "ae", "ł": "l", "ğ": "g", "ı": "i", "'": ""}
)


def _ascii(text: str) -> str:
    import unicodedata

    text = text.lower().translate(_ASCII)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and (c.isalnum() or c in ".-"))


def _role(role_id: str, name: str, member_types: list[str] | None = None) -> dict[str, Any]:
    """An app role as the gallery puts it on the Salesforce app: named after the profile, with a null ``value``.

    A profile name such as "Standard User" cannot be a role value (Graph refuses spaces there, appRole resource
    page), and how the gallery's profile import encodes the value is not documented (UNVERIFIED); a null value is
    what Microsoft's documentation shows for the gallery's ``msiam_access`` role, and makes
    ``SingleAppRoleAssignment`` return the display name, i.e. the profile name.
    """
    return {
        "allowedMemberTypes": member_types or ["User"],
        "description": name,
        "displayName": name,
        "id": role_id,
        "isEnabled": True,
        "value": None,
    }


@dataclass
class ClientCredentials:
    """The sfprov app registration's credentials, as ``info()`` hands them to a client."""

    client_id: str
    client_secret: str
    certificate_pem: str
    private_key_pem: str


def make_certificate(rng: random.Random, common_name: str, now: float) -> tuple[str, str]:
    """A self-signed RSA-2048 certificate and its private key (PEM) for certificate client credentials."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime.fromtimestamp(now, dt.UTC) - dt.timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(rng.getrandbits(64) | 1)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=730))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def salesforce_app(d: Directory, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Application + service principal for Salesforce; roles = profiles plus the gallery ``msiam_access`` role."""
    role_ids = {name: str(uuid.UUID(int=rng.getrandbits(128), version=4)) for name in SALESFORCE_PROFILES}
    roles = [_role(role_ids[n], n) for n in SALESFORCE_PROFILES]
    roles.append(_role(str(uuid.UUID(int=rng.getrandbits(128), version=4)), "msiam_access"))
    app = d.create_application("Salesforce", app_id=SALESFORCE_APP_ID, app_roles=roles)
    sp = d.create_service_principal(SALESFORCE_APP_ID, app_role_assignment_required=True)
    return app, sp, role_ids


def build_demo(seed: int = 42, clock: Callable[[], float] | None = None) -> tuple[Directory, ClientCredentials]:
    """The demo tenant: ~50 users, groups, the Salesforce app with profile roles and assignments."""
    rng = random.Random(seed)
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    d = Directory(DEMO_TENANT_ID, domains=DEMO_DOMAINS, display_name="Contoso", seed=seed, **kwargs)
    users: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i in range(48):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i + i // len(_LAST)) % len(_LAST)]
        nick = f"{_ascii(first)}.{_ascii(last)}"
        while nick in seen:
            nick += str(i)
        seen.add(nick)
        country = _COUNTRIES[i % len(_COUNTRIES)]
        props: dict[str, Any] = {
            "accountEnabled": True,
            "displayName": f"{first} {last}",
            "givenName": first,
            "surname": last,
            "mailNickname": nick,
            "userPrincipalName": f"{nick}@contoso.com",
            "mail": f"{nick}@contoso.com",
            "passwordProfile": {"password": "not-used-by-the-emulator"},
            "department": _DEPARTMENTS[i % len(_DEPARTMENTS)],
            "jobTitle": _TITLES[i % len(_TITLES)],
            "employeeId": f"E{10000 + i}",
            "companyName": "Contoso",
            "usageLocation": country[0],
            "country": country[1],
            "preferredLanguage": country[2],
            "city": ("Paris", "Berlin", "Madrid", "Seattle", "Malmö", "Kraków")[i % 6],
            "mobilePhone": f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} 00",
            "businessPhones": [f"+1 425 555 {1000 + i}"],
            "onPremisesImmutableId": f"ImmId{i:04d}==",
            "onPremisesExtensionAttributes": {"extensionAttribute1": f"CC-{100 + i % 5}"},
        }
        if i % 11 == 3:  # a user without surname
            del props["surname"]
            props["displayName"] = first
        if i % 13 == 5:  # a user without mail
            del props["mail"]
        if i % 17 == 9:
            props["onPremisesExtensionAttributes"] = {}
        users.append(d.create_user(props))
    disabled = d.create_user(
        {
            "accountEnabled": False,
            "displayName": "Disabled Dora",
            "givenName": "Dora",
            "surname": "Désactivée",
            "mailNickname": "dora.desactivee",
            "userPrincipalName": "dora.desactivee@contoso.com",
            "mail": "dora.desactivee@contoso.com",
            "passwordProfile": {"password": "not-used-by-the-emulator"},
            "department": "Sales",
        }
    )
    guest = d.add_guest("jane@fabrikam.com", display_name="Jane Fabrikam", givenName="Jane", surname="Doe")
    users += [disabled, guest]
    for i, user in enumerate(users[1:40], start=1):
        d.set_manager(user["id"], users[(i - 1) // 6]["id"])

    licensed = d.create_group(
        {
            "displayName": LICENSED_GROUP_NAME,
            "description": "Everyone who needs Salesforce",
            "mailEnabled": False,
            "mailNickname": "salesforce-licensed",
            "securityEnabled": True,
        }
    )
    emea = d.create_group(
        {"displayName": "Sales EMEA", "mailEnabled": False, "mailNickname": "sales-emea", "securityEnabled": True}
    )
    staff = d.create_group(
        {
            "displayName": "All Staff",
            "mailEnabled": True,
            "mailNickname": "allstaff",
            "securityEnabled": False,
            "groupTypes": ["Unified"],
            "visibility": "Private",
        }
    )
    for user in users[:20]:
        d.add_member(licensed["id"], user["id"])
    d.add_member(licensed["id"], disabled["id"])
    d.add_member(licensed["id"], guest["id"])
    d.add_member(licensed["id"], emea["id"])
    for user in users[20:30]:
        d.add_member(emea["id"], user["id"])
    for user in users:
        d.add_member(staff["id"], user["id"])

    _, sp, roles = salesforce_app(d, rng)
    d.assign_app_role(licensed["id"], sp["id"], roles["Standard User"])
    d.assign_app_role(users[30]["id"], sp["id"], roles["System Administrator"])
    d.assign_app_role(users[31]["id"], sp["id"], roles["Chatter Free User"])
    d.assign_app_role(users[32]["id"], sp["id"], roles["Standard User"])
    d.assign_app_role(users[33]["id"], sp["id"], DEFAULT_ACCESS_ROLE_ID)  # skipped by role-driven provisioning
    d.assign_app_role(users[0]["id"], sp["id"], roles["System Administrator"])  # direct + via group

    now = clock() if clock else dt.datetime.now(dt.UTC).timestamp()
    cert_pem, key_pem = make_certificate(rng, "sfprov demo client", now)
    secret = "".join(rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789~.-_") for _ in range(40))
    d.create_application("sfprov", app_id=SFPROV_CLIENT_ID)
    d.create_service_principal(SFPROV_CLIENT_ID, app_role_assignment_required=False)
    return d, ClientCredentials(SFPROV_CLIENT_ID, secret, cert_pem, key_pem)


def build_bulk(
    n: int, seed: int = 7, clock: Callable[[], float] | None = None, licensed_every: int = 10
) -> tuple[Directory, ClientCredentials]:
    """N users (every ``licensed_every``-th in the licensed group, which is assigned to Salesforce) built through
    the directory's unchecked insert path: 100,000 users take about a second (docs/dev/entra-graph.md)."""
    rng = random.Random(seed)
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    d = Directory(DEMO_TENANT_ID, domains=DEMO_DOMAINS, display_name="Contoso bulk", seed=seed, **kwargs)
    licensed = d.create_group(
        {
            "displayName": LICENSED_GROUP_NAME,
            "mailEnabled": False,
            "mailNickname": "salesforce-licensed",
            "securityEnabled": True,
        }
    )
    created = iso(d.clock())
    for i in range(n):
        first, last = _FIRST[i % len(_FIRST)], _LAST[(i // len(_FIRST)) % len(_LAST)]
        nick = f"user{i:06d}"
        user = d.insert_trusted_user(
            {
                "accountEnabled": i % 97 != 0,
                "displayName": f"{first} {last} {i}",
                "givenName": first,
                "surname": last,
                "mailNickname": nick,
                "userPrincipalName": f"{nick}@contoso.com",
                "mail": f"{nick}@contoso.com",
                "department": _DEPARTMENTS[i % len(_DEPARTMENTS)],
                "jobTitle": _TITLES[i % len(_TITLES)],
                "employeeId": f"E{i:07d}",
                "usageLocation": "US",
                "businessPhones": [],
                "userType": "Member",
                "createdDateTime": created,
            }
        )
        if i % licensed_every == 0:
            d.members[licensed["id"]][user["id"]] = "user"
    _, sp, roles = salesforce_app(d, rng)
    d.assign_app_role(licensed["id"], sp["id"], roles["Standard User"])
    now = clock() if clock else dt.datetime.now(dt.UTC).timestamp()
    cert_pem, key_pem = make_certificate(rng, "sfprov bulk client", now)
    secret = "".join(rng.choice("abcdefghijkmnopqrstuvwxyz0123456789") for _ in range(40))
    d.create_application("sfprov", app_id=SFPROV_CLIENT_ID)
    d.create_service_principal(SFPROV_CLIENT_ID, app_role_assignment_required=False)
    return d, ClientCredentials(SFPROV_CLIENT_ID, secret, cert_pem, key_pem)
