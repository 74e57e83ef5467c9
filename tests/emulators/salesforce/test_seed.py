"""The demo seed (three orgs, profiles, licences, integration user, External Client App with JWT certificate) and
the bulk seed, with a speed smoke test that prints timings (no timing assertion: machines differ)."""

from __future__ import annotations

import time

import jwt
import pytest

from sfprov.emulators.salesforce.seed import seed_bulk, seed_demo, user_values
from sfprov.emulators.salesforce.store import EmulatorState

STANDARD_PROFILES = {
    "System Administrator",
    "Standard User",
    "Chatter Free User",
    "Read Only",
    "Minimum Access - Salesforce",
    "Minimum Access - API Only Integrations",
}


@pytest.fixture(scope="module")
def demo() -> tuple[EmulatorState, dict[str, object]]:
    state = EmulatorState()
    return state, seed_demo(state)


def test_demo_orgs_hosts_and_soap_switches(demo: tuple[EmulatorState, dict]) -> None:  # type: ignore[type-arg]
    state, info = demo
    orgs = info["orgs"]
    assert set(orgs) == {"production", "sandbox", "developer"}
    assert orgs["production"]["my_domain"] == "contoso.my.salesforce.com"
    assert orgs["sandbox"]["my_domain"] == "contoso--uat.sandbox.my.salesforce.com"
    assert orgs["developer"]["my_domain"] == "contoso-dev-ed.develop.my.salesforce.com"
    assert orgs["sandbox"]["login_host"] == "test.salesforce.com"
    assert orgs["production"]["soap_login_enabled"] is False
    assert orgs["sandbox"]["soap_login_enabled"] is True
    for entry in orgs.values():
        assert state.org_by_id(entry["org_id"]) is not None


def test_demo_profiles_licences_and_limit_headroom(demo: tuple[EmulatorState, dict]) -> None:  # type: ignore[type-arg]
    state, info = demo
    prod = state.org_by_my_domain("contoso.my.salesforce.com")
    assert prod is not None
    names = {r["Name"] for r in prod.scan("Profile")}
    assert names >= STANDARD_PROFILES
    usage = prod.licence_usage()
    used, total = usage["Salesforce"]
    assert total - used == 2  # two free full seats: the third new full user shows LICENSE_LIMIT_EXCEEDED
    assert usage["Chatter Free"][1] >= 1000
    dev = state.org_by_my_domain("contoso-dev-ed.develop.my.salesforce.com")
    assert dev is not None
    assert dev.licence_usage()["Salesforce"] == (1, 2)
    profile = prod.profile_id("Standard User")
    results = prod.create(
        "User", [user_values(f"new{i}@contoso.com", None, f"N{i}", f"new{i}@contoso.com", profile) for i in range(3)]
    )
    assert [r.success for r in results] == [True, True, False]
    assert results[2].errors[0].error_code == "LICENSE_LIMIT_EXCEEDED"
    assert info["foreign_usernames"]
    taken = prod.create(
        "User",
        [user_values(info["foreign_usernames"][0], None, "X", "x@contoso.com", prod.profile_id("Chatter Free User"))],
    )[0]
    assert taken.errors[0].error_code == "DUPLICATE_USERNAME"


def test_demo_credentials_work(demo: tuple[EmulatorState, dict]) -> None:  # type: ignore[type-arg]
    state, info = demo
    for kind, entry in info["orgs"].items():
        org = state.org_by_id(entry["org_id"])
        assert org is not None
        integration = entry["integration"]
        found = state.find_user(integration["username"])
        assert found is not None, kind
        assert found[0] is org, kind
        uid = integration["user_id"]
        assert org.check_password_and_token(uid, integration["password"] + integration["security_token"])
        assert org.has_permission(uid, "PermissionsApiEnabled")
        assert org.has_permission(uid, "PermissionsManageUsers")
        assert org.check_password(entry["admin"]["user_id"], entry["admin"]["password"])
        app = org.app_by_consumer_key(entry["external_client_app"]["consumer_key"])
        assert app is not None
        assert app.client_credentials_enabled
        assert app.run_as_user_id == uid
        assert app.check_secret(entry["external_client_app"]["consumer_secret"])
        profile = org.profile_of(uid)
        assert profile is not None
        assert app.is_pre_authorized(uid, profile["Id"])


def test_demo_jwt_key_pair_matches_the_uploaded_certificate(demo: tuple[EmulatorState, dict]) -> None:  # type: ignore[type-arg]
    from cryptography import x509

    _state, info = demo
    app = info["orgs"]["production"]["external_client_app"]
    token = jwt.encode(
        {"iss": app["consumer_key"], "sub": "integration@contoso.com"}, app["jwt_private_key_pem"], "RS256"
    )
    public_key = x509.load_pem_x509_certificate(app["jwt_certificate_pem"].encode()).public_key()
    assert jwt.decode(token, public_key, algorithms=["RS256"])["sub"] == "integration@contoso.com"  # type: ignore[arg-type]


def test_demo_sandbox_uses_sandbox_username_and_email_forms(demo: tuple[EmulatorState, dict]) -> None:  # type: ignore[type-arg]
    state, _info = demo
    sandbox = state.org_by_my_domain("contoso--uat.sandbox.my.salesforce.com")
    assert sandbox is not None
    for row in sandbox.scan("User"):
        assert row["Username"].endswith(".uat")
        assert row["Email"].endswith(".invalid")


def test_demo_has_a_leaver_and_a_frozen_user(demo: tuple[EmulatorState, dict]) -> None:  # type: ignore[type-arg]
    state, _info = demo
    prod = state.org_by_my_domain("contoso.my.salesforce.com")
    assert prod is not None
    leaver = prod.user_by_username("former.employee@contoso.com")
    frozen = prod.user_by_username("on.leave@contoso.com")
    assert leaver is not None
    assert leaver["IsActive"] is False
    assert frozen is not None
    assert prod.is_frozen(frozen["Id"])


def test_demo_state_survives_a_snapshot(demo: tuple[EmulatorState, dict]) -> None:  # type: ignore[type-arg]
    state, _info = demo
    copy = EmulatorState.from_json(state.to_json())
    assert {o.my_domain for o in copy.orgs.values()} == {o.my_domain for o in state.orgs.values()}


def test_speed_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the CPU cost of a 200-record batch and of a bulk org (figures in docs/dev/sf-org-state.md)."""
    state = EmulatorState()
    seed_demo(state)
    org = state.org_by_my_domain("contoso.my.salesforce.com")
    assert org is not None
    started = time.process_time()
    ids = seed_bulk(org, 10_000)
    bulk = time.process_time() - started
    profile = org.profile_id("Chatter Free User")
    batch = [user_values(f"batch{i}@contoso.com", "B", f"U{i}", f"b{i}@contoso.com", profile) for i in range(200)]
    started = time.process_time()
    results = org.create("User", batch)
    create = time.process_time() - started
    started = time.process_time()
    updates = org.update("User", [{"Id": r.id, "Title": "Engineer", "Department": "R&D"} for r in results])
    update = time.process_time() - started
    started = time.process_time()
    found = org.lookup("User", "Username", [f"bulk{i}@bulk.example.com" for i in range(0, 10_000, 50)])
    lookup = time.process_time() - started
    assert len(ids) == 10_000
    assert all(r.success for r in results)
    assert all(u.success for u in updates)
    assert found is not None
    assert len(list(found)) == 200
    with capsys.disabled():
        print(
            f"\n[speed] seed_bulk 10k users: {bulk:.2f}s CPU; create 200: {create * 1000:.1f}ms; "
            f"update 200: {update * 1000:.1f}ms; lookup 200 usernames: {lookup * 1000:.2f}ms"
        )
