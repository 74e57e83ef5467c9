"""The /_emulator/ admin API over HTTPS, the facade's info() and snapshots."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import jwt
import pytest
from starlette.requests import Request

from sfprov.emulators.salesforce import SalesforceEmulator, admin
from sfprov.emulators.server import EmulatorHost
from tests.emulators.salesforce.conftest import Kit


def admin_url(sf: SalesforceEmulator) -> str:
    return sf.url("login.salesforce.com") + "/_emulator"


def test_org_created_over_http_is_served_at_once(sf: SalesforceEmulator, http: httpx.Client) -> None:
    answer = http.post(
        f"{admin_url(sf)}/orgs",
        json={"name": "Fabrikam", "my_domain": "fabrikam", "settings": {"soap_login_enabled": True}},
    )
    assert answer.status_code == 201
    org = answer.json()
    assert org["my_domain"] == "fabrikam.my.salesforce.com"
    assert org["settings"]["soap_login_enabled"] is True
    assert org["instance_url"] == sf.url("fabrikam.my.salesforce.com")
    assert org["instance_url"] != sf.url("login.salesforce.com")
    # the new My Domain listener answers, as the org's own instance
    assert http.get(f"{org['instance_url']}/services/data/").status_code == 200
    listed = http.get(f"{admin_url(sf)}/orgs").json()
    assert "fabrikam.my.salesforce.com" in [o["my_domain"] for o in listed]


def test_users_settings_and_email_confirmation_over_http(kit: Kit, sf: SalesforceEmulator, http: httpx.Client) -> None:
    base = f"{admin_url(sf)}/orgs/{kit.org.id}"
    assert http.patch(f"{base}/settings", json={"soap_login_enabled": True}).json()["soap_login_enabled"] is True
    bad = http.patch(f"{base}/settings", json={"no_such_switch": 1})
    assert bad.status_code == 400
    body = kit.new_user_body("new.hire@kit.example.com")
    created = http.post(f"{base}/users", json={"values": body, "password": "Welcome-2026x"})
    assert created.status_code == 201
    user = created.json()
    assert len(user["security_token"]) >= 20
    # the new user can log in with password + token
    person = type(kit.admin)(user["id"], "new.hire@kit.example.com", "Welcome-2026x", user["security_token"])
    assert kit.soap_login(person).status_code == 200
    # an e-mail change is held until confirmed (reference §7)
    token = kit.token()
    assert (
        kit.rest("PATCH", f"sobjects/User/{user['id']}", token, json={"Email": "moved@kit.example.com"}).status_code
        == 204
    )
    assert kit.org.user(user["id"])["Email"] == "new.hire@kit.example.com"
    confirmed = http.post(f"{base}/users/{user['id']}/confirm-email")
    assert confirmed.json() == {"email": "moved@kit.example.com"}
    assert kit.org.user(user["id"])["Email"] == "moved@kit.example.com"
    duplicate = http.post(f"{base}/users", json={"values": body})
    assert duplicate.status_code == 400
    assert duplicate.json()[0]["errorCode"] == "DUPLICATE_USERNAME"


def test_faults_counters_sessions_and_allowance_over_http(kit: Kit, sf: SalesforceEmulator, http: httpx.Client) -> None:
    token = kit.token()
    assert http.put(f"{admin_url(sf)}/faults", json={"rate_503": 1.0, "seed": 7}).json()["rate_503"] == 1.0
    assert kit.rest("GET", "limits", token).status_code == 503
    assert http.delete(f"{admin_url(sf)}/faults").json()["rate_503"] == 0.0
    assert http.get(f"{admin_url(sf)}/counters").json()["GET /services/data/vXX.X/limits"] >= 1
    assert http.delete(f"{admin_url(sf)}/counters").status_code == 200
    assert http.post(f"{admin_url(sf)}/orgs/{kit.org.id}/expire-sessions").json()["expired"] >= 1
    assert kit.rest("GET", "limits", token).status_code == 401
    assert http.post(f"{admin_url(sf)}/orgs/{kit.org.id}/spend-allowance").status_code == 200
    assert kit.rest("GET", "limits", kit.token()).json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert http.get(f"{admin_url(sf)}/nope").status_code == 404


def test_non_loopback_clients_need_the_admin_token(sf: SalesforceEmulator) -> None:
    def call(headers: list[tuple[bytes, bytes]]) -> int:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/_emulator/faults",
            "headers": headers,
            "client": ("10.1.2.3", 5000),
            "query_string": b"",
            "server": ("x", 443),
            "scheme": "https",
        }

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        return asyncio.run(admin.handle(Request(scope, receive), sf.runtime)).status_code

    assert call([]) == 403
    assert call([(b"x-emulator-admin-token", sf.runtime.admin_token.encode())]) == 200


def test_info_lists_endpoints_and_credentials(kit: Kit, sf: SalesforceEmulator) -> None:
    info = sf.info()
    assert info["login_url"] == sf.url("login.salesforce.com")
    assert info["test_login_url"] == sf.url("test.salesforce.com")
    entry = next(o for o in info["orgs"] if o["org_id"] == kit.org.id)
    assert entry["instance_url"] == kit.instance_url
    assert entry["login_url"] == kit.login_url
    person = next(u for u in entry["users"] if u["username"] == kit.integration.username)
    assert person["password"] == kit.integration.password
    assert person["security_token"] == kit.integration.token
    app = entry["external_client_apps"][0]
    assert app["consumer_key"] == kit.consumer_key
    assert app["consumer_secret"] == kit.consumer_secret


def test_demo_info_has_the_jwt_key_and_snapshots_round_trip(tmp_path: Path) -> None:
    demo = SalesforceEmulator.demo()
    info = demo.info()
    production = next(o for o in info["orgs"] if o["kind"] == "production")
    assert production["soap_login_enabled"] is False
    assert production["external_client_apps"][0]["jwt_private_key_pem"].startswith("-----BEGIN PRIVATE KEY-----")
    assert {u["username"] for u in production["users"]} >= {"admin@contoso.com", "integration@contoso.com"}
    path = tmp_path / "sf.json"
    demo.save_snapshot(path)
    assert oct(path.stat().st_mode)[-3:] == "600"
    restored = SalesforceEmulator.from_snapshot(path)
    assert restored.info()["orgs"] == info["orgs"]
    assert json.loads(path.read_text())["format"] == "sfprov-salesforce-emulator/1"


def test_app_created_over_http_can_mint_its_jwt_key(kit: Kit, sf: SalesforceEmulator, http: httpx.Client) -> None:
    created = http.post(
        f"{admin_url(sf)}/orgs/{kit.org.id}/apps",
        json={"name": "jwt-app", "generate_jwt_key": True, "pre_authorized_user_ids": [kit.standard.user_id]},
    )
    assert created.status_code == 201
    app = created.json()
    assert app["jwt_private_key_pem"].startswith("-----BEGIN PRIVATE KEY-----")
    claims = {
        "iss": app["consumer_key"],
        "sub": kit.standard.username,
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
    }
    assertion = jwt.encode(claims, app["jwt_private_key_pem"], algorithm="RS256")
    answer = http.post(
        f"{kit.login_url}/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
    )
    assert answer.status_code == 200
    listed = next(o for o in sf.info()["orgs"] if o["org_id"] == kit.org.id)["external_client_apps"]
    assert next(a for a in listed if a["name"] == "jwt-app")["jwt_private_key_pem"] == app["jwt_private_key_pem"]


def test_a_second_emulator_cannot_take_over_the_same_host(emulator_host: EmulatorHost, sf: SalesforceEmulator) -> None:
    with pytest.raises(RuntimeError, match="already served by another emulator"):
        SalesforceEmulator.empty().serve(emulator_host)
    sf.serve(emulator_host)  # serving the same emulator again is harmless
