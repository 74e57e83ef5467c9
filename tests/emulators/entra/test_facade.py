"""EntraEmulator end to end over HTTPS: MSAL client credentials against the token listener, then Graph with the
token; info(), snapshots, the admin API, the demo and bulk tenants."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msal
import pytest
import requests

from sfprov.emulators.entra import EntraEmulator
from sfprov.emulators.entra.directory import DEFAULT_ACCESS_ROLE_ID
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME, SALESFORCE_APP_ID, build_bulk
from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA


@pytest.fixture(scope="module")
def demo(local_ca: LocalCA) -> Iterator[tuple[EntraEmulator, EmulatorHost]]:
    emulator = EntraEmulator.demo()
    with EmulatorHost(local_ca) as host:
        emulator.serve(host)
        yield emulator, host


def msal_token(info: dict[str, Any], ca: LocalCA, *, certificate: bool = False) -> str:
    credential: Any = info["client_secret"]
    if certificate:
        credential = {
            "private_key": info["client_private_key_pem"],
            "thumbprint": info["client_certificate_thumbprint"],
        }
    with requests.Session() as session:  # closed, so that the listener can shut down without waiting
        session.trust_env = False
        session.verify = str(ca.ca_file)
        app = msal.ConfidentialClientApplication(
            info["client_id"],
            client_credential=credential,
            authority=info["authority"],
            instance_discovery=False,
            http_client=session,
        )
        result = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
    assert "access_token" in result, {k: v for k, v in result.items() if k != "access_token"}
    return str(result["access_token"])


def graph(info: dict[str, Any], ca: LocalCA, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=info["graph_base_url"], verify=ca.client_context(), headers={"Authorization": f"Bearer {token}"}
    )


def test_msal_then_graph_reads_the_demo_tenant(demo: tuple[EntraEmulator, EmulatorHost], local_ca: LocalCA) -> None:
    emulator, _ = demo
    info = emulator.info()
    assert info["authority"].endswith("/" + info["tenant_id"])
    assert info["salesforce_app_id"] == SALESFORCE_APP_ID
    assert info["tenant_domain"] == "contoso.onmicrosoft.com"
    token = msal_token(info, local_ca)
    with graph(info, local_ca, token) as c:
        users = c.get(
            "/users", params={"$select": "displayName,userPrincipalName,accountEnabled,userType", "$top": "999"}
        ).json()["value"]
        sp = c.get("/servicePrincipals", params={"$filter": f"appId eq '{SALESFORCE_APP_ID}'"}).json()["value"][0]
        assigned = c.get(f"/servicePrincipals/{sp['id']}/appRoleAssignedTo").json()["value"]
        denied = c.post("/users", json={})
    assert sp["id"] == info["salesforce_service_principal_id"]
    names = {u["displayName"] for u in users}
    assert "Zoë Ångström" in names
    assert any(
        u["userPrincipalName"] == "jane_fabrikam.com#EXT#@contoso.onmicrosoft.com" and u["userType"] == "Guest"
        for u in users
    )
    assert any(u["accountEnabled"] is False for u in users)
    assert {r["displayName"] for r in sp["appRoles"]} >= {"Standard User", "Chatter Free User", "System Administrator"}
    assert {a["principalType"] for a in assigned} == {"User", "Group"}
    assert any(a["appRoleId"] == DEFAULT_ACCESS_ROLE_ID for a in assigned)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "Authorization_RequestDenied"


def test_certificate_credential_and_bad_tokens(demo: tuple[EntraEmulator, EmulatorHost], local_ca: LocalCA) -> None:
    emulator, _ = demo
    info = emulator.info()
    token = msal_token(info, local_ca, certificate=True)
    with graph(info, local_ca, token) as c:
        assert c.get("/groups").status_code == 200
    with graph(info, local_ca, "not-a-token") as c:
        resp = c.get("/users")
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "WWW-Authenticate" in resp.headers


def test_demo_tenant_contents(demo: tuple[EntraEmulator, EmulatorHost]) -> None:
    emulator, _ = demo
    d = emulator.directory
    assert 45 <= len(d.users) <= 55
    users = list(d.users.values())
    assert any("surname" not in u for u in users)
    assert any("mail" not in u for u in users)
    assert any(u["displayName"] == "José Núñez" for u in users)
    licensed = emulator.admin.group_by_name(LICENSED_GROUP_NAME)
    kinds = set(d.members[licensed["id"]].values())
    assert kinds == {"user", "group"}
    assert d.managers


def test_admin_http_api_and_counters(demo: tuple[EntraEmulator, EmulatorHost], local_ca: LocalCA) -> None:
    emulator, _ = demo
    info = emulator.info()
    admin = info["admin_url"]
    with httpx.Client(verify=local_ca.client_context()) as c:
        created = c.post(f"{admin}/users", json={"displayName": "Admin Made", "userPrincipalName": "made@contoso.com"})
        assert created.status_code == 201
        uid = created.json()["id"]
        assert c.patch(f"{admin}/users/{uid}", json={"accountEnabled": False}).json()["accountEnabled"] is False
        licensed = emulator.admin.group_by_name(LICENSED_GROUP_NAME)
        assert c.post(f"{admin}/groups/{licensed['id']}/members", json={"id": uid}).status_code == 204
        assigned = c.post(
            f"{admin}/assignments", json={"principalId": uid, "appId": SALESFORCE_APP_ID, "role": "Chatter Free User"}
        )
        assert assigned.status_code == 201
        assert c.post(f"{admin}/faults", json={"throttle_storm": 1}).json()["throttle_storm"] == 1
        token = msal_token(info, local_ca)
        with graph(info, local_ca, token) as g:
            assert g.get(f"/users/{uid}").status_code == 429
            assert g.get(f"/users/{uid}").status_code == 200
        counters = c.get(f"{admin}/counters").json()
        assert counters["calls"]["GET /users/{id}"] >= 2
        assert counters["throttled"]["GET /users/{id}"] >= 1
        assert c.post(f"{admin}/faults", json={"bogus": 1}).status_code == 400
        assert c.delete(f"{admin}/faults").status_code == 200
        assert c.delete(f"{admin}/users/{uid}?permanent=true").status_code == 204
        assert c.post(f"{admin}/tokens/expire").status_code == 204
        with graph(info, local_ca, token) as g:
            expired = g.get("/users")
        assert expired.status_code == 401
        assert c.get(f"{admin}/info").json()["tenant_id"] == info["tenant_id"]


def test_snapshot_round_trip(tmp_path: Path, local_ca: LocalCA) -> None:
    emulator = EntraEmulator.demo(seed=3)
    user = emulator.admin.add_user(displayName="Snap Shot", userPrincipalName="snap@contoso.com")
    path = tmp_path / "entra.json"
    emulator.save_snapshot(path)
    assert oct(path.stat().st_mode)[-3:] == "600"
    restored = EntraEmulator.from_snapshot(path)
    assert restored.directory.user("snap@contoso.com")["id"] == user["id"]
    assert restored.info()["client_secret"] == emulator.info()["client_secret"]
    with EmulatorHost(local_ca) as host:
        restored.serve(host)
        info = restored.info()
        with graph(info, local_ca, msal_token(info, local_ca)) as c:
            assert c.get("/users/snap@contoso.com").json()["displayName"] == "Snap Shot"


def test_bulk_tenant_builds_and_pages_fast() -> None:
    start = time.perf_counter()
    directory, _ = build_bulk(20_000)
    assert len(directory.users) == 20_000
    assert time.perf_counter() - start < 15  # ~0.3 s here; loose so that a loaded CI machine does not flake
    emulator = EntraEmulator.bulk(300)
    licensed = emulator.admin.group_by_name(LICENSED_GROUP_NAME)
    assert len(emulator.directory.members[licensed["id"]]) == 30
    empty = EntraEmulator.bulk(0)  # `sfprov emulate --seed empty`: only the two app registrations
    assert empty.directory.users == {}
    assert {a["displayName"] for a in empty.directory.applications.values()} == {"Salesforce", "sfprov"}
    assert empty.info()["salesforce_service_principal_id"] is not None
