"""Sandbox copies (reference §1.3): usernames get the sandbox suffix (and a prefix while still taken), e-mails get
``.invalid`` except for the user who started the copy; ids, licences, passwords and apps are carried over."""

from __future__ import annotations

import pytest

from sfprov.emulators.salesforce.sandbox import create_sandbox
from sfprov.emulators.salesforce.seed import seed_standard_setup, user_values
from sfprov.emulators.salesforce.store import EmulatorState, Org


@pytest.fixture
def state() -> EmulatorState:
    return EmulatorState()


@pytest.fixture
def prod(state: EmulatorState) -> Org:
    org = state.create_org("Acme", my_domain="acme")
    seed_standard_setup(org, salesforce=5, platform=1, chatter_free=5, integration=1)
    return org


def add(org: Org, name: str, profile: str = "Standard User", **extra: object) -> str:
    return org.add_user(
        user_values(f"{name}@acme.com", None, name, f"{name}@acme.com", org.profile_id(profile), **extra)
    )


def test_sandbox_copy_follows_the_sandbox_conventions(state: EmulatorState, prod: Org) -> None:
    admin = add(prod, "admin", "System Administrator")
    jane = add(prod, "jane")
    add(prod, "gone", IsActive=False)
    token = prod.set_password(jane, "S3cret!pw")
    app = prod.add_external_client_app("sfprov", client_credentials_enabled=True, run_as_user_id=jane)
    state.add_foreign_usernames(["taken@acme.com.uat"])
    add(prod, "taken")

    uat = create_sandbox(state, prod, "uat", started_by=admin)
    assert uat.my_domain == "acme--uat.sandbox.my.salesforce.com"
    assert uat.is_sandbox
    assert uat.id != prod.id
    assert uat.get_by_id("Organization", uat.id)["IsSandbox"] is True  # type: ignore[index]
    copied = uat.get_by_id("User", jane)
    assert copied is not None
    assert copied["Username"] == "jane@acme.com.uat"
    assert copied["Email"] == "jane@acme.com.invalid"
    admin_copy = uat.get_by_id("User", admin)
    assert admin_copy is not None
    assert admin_copy["Email"] == "admin@acme.com"
    taken = uat.user_by_username("taken@acme.com.uat")
    assert taken is None
    prefixed = [r["Username"] for r in uat.scan("User") if r["Username"].endswith("taken@acme.com.uat")]
    assert len(prefixed) == 1
    assert prefixed[0].startswith("00")
    assert uat.licence_usage() == prod.licence_usage()
    assert uat.check_password_and_token(jane, "S3cret!pw" + token)
    assert uat.app_by_consumer_key(app.consumer_key) is not None
    found = state.find_user("jane@acme.com.uat")
    assert found is not None
    assert found[0] is uat
    # production is untouched and both orgs keep working independently
    assert prod.get_by_id("User", jane)["Username"] == "jane@acme.com"  # type: ignore[index]
    assert uat.update("User", [{"Id": jane, "Title": "Tester"}], running_user_id=admin)[0].success
    assert prod.get_by_id("User", jane)["Title"] is None  # type: ignore[index]
    new = uat.add_user(user_values("new@acme.com.uat", None, "New", "new@acme.com", uat.profile_id("Standard User")))
    assert prod.get_by_id("User", new) is None


def test_sandbox_names_are_checked(state: EmulatorState, prod: Org) -> None:
    with pytest.raises(ValueError, match="letters and digits"):
        create_sandbox(state, prod, "not-valid")
    create_sandbox(state, prod, "qa")
    with pytest.raises(ValueError, match="already exists"):
        create_sandbox(state, prod, "qa")
