"""Org state: orgs and My Domain hosts, the TableSource contract for the SOQL engine, retrieve, credentials,
External Client Apps and snapshots (reference §1.2, §2, §3.4, §9.4, §11)."""

from __future__ import annotations

import pytest

from sfprov.emulators.salesforce import ids
from sfprov.emulators.salesforce.errors import SalesforceError
from sfprov.emulators.salesforce.seed import seed_standard_setup, user_values
from sfprov.emulators.salesforce.store import EmulatorState, Org, OrgSettings, sf_datetime


@pytest.fixture
def state() -> EmulatorState:
    return EmulatorState(foreign_usernames=["Someone@Else.com"])


@pytest.fixture
def org(state: EmulatorState) -> Org:
    org = state.create_org("Acme", my_domain="acme")
    seed_standard_setup(org, salesforce=10, platform=1, chatter_free=10, integration=2)
    return org


def add(org: Org, name: str, **extra: object) -> str:
    return org.add_user(
        user_values(f"{name}@acme.com", None, name, f"{name}@acme.com", org.profile_id("Standard User"), **extra)
    )


def test_my_domain_hosts_follow_the_org_kind(state: EmulatorState) -> None:
    prod = state.create_org("Acme", my_domain="acme")
    sandbox = state.create_org("Acme", kind="sandbox", my_domain="acme", sandbox_name="uat")
    dev = state.create_org("Acme Dev", kind="developer", my_domain="acme")
    assert prod.my_domain == "acme.my.salesforce.com"
    assert sandbox.my_domain == "acme--uat.sandbox.my.salesforce.com"
    assert dev.my_domain == "acme-dev-ed.develop.my.salesforce.com"
    assert (prod.edition, sandbox.edition, dev.edition) == (
        "Enterprise Edition",
        "Enterprise Edition",
        "Developer Edition",
    )
    assert state.org_by_my_domain("ACME--UAT.sandbox.my.salesforce.com:443") is sandbox
    assert state.org_by_id(dev.id[:15]) is dev
    with pytest.raises(ValueError, match="already exists"):
        state.create_org("Again", my_domain="acme")
    with pytest.raises(ValueError, match="sandbox name"):
        state.create_org("No name", kind="sandbox", my_domain="x")


def test_new_orgs_have_soap_login_off_and_kind_specific_allowances(state: EmulatorState) -> None:
    prod = state.create_org("Acme", my_domain="acme")
    dev = state.create_org("Dev", kind="developer", my_domain="dev")
    assert prod.settings.soap_login_enabled is False
    assert prod.settings.max_soap_login_version == "64.0"
    assert prod.settings.soap_disabled_message == "SOAP API login() is disabled by default in this org."
    assert dev.settings.daily_api_requests == 15000
    custom = state.create_org("Old", my_domain="Old", settings=OrgSettings(soap_login_enabled=True))
    assert custom.my_domain == "old.my.salesforce.com"
    assert custom.settings.soap_login_enabled


def test_org_ids_and_organization_record(state: EmulatorState) -> None:
    a = state.create_org("Acme", my_domain="acme")
    b = state.create_org("Beta", kind="sandbox", my_domain="beta", sandbox_name="qa")
    assert a.id != b.id
    for org in (a, b):
        assert org.id.startswith("00D")
        assert len(org.id) == 18
        assert ids.normalize(org.id) == org.id
        assert org.id15 == org.id[:15]
    record = b.get_by_id("Organization", b.id)
    assert record is not None
    assert (record["Name"], record["IsSandbox"], record["OrganizationType"]) == ("Beta", True, "Enterprise Edition")
    assert [r["Id"] for r in b.scan("Organization")] == [b.id]


def test_ids_of_different_orgs_never_collide(state: EmulatorState) -> None:
    a = state.create_org("A", my_domain="a")
    b = state.create_org("B", my_domain="b")
    assert {a.new_id("User") for _ in range(50)}.isdisjoint({b.new_id("User") for _ in range(50)})


def test_scan_is_in_insertion_order_and_updates_keep_position(org: Org) -> None:
    first, second, third = add(org, "first"), add(org, "second"), add(org, "third")
    org.update("User", [{"Id": first, "Title": "Changed"}])
    assert [r["Id"] for r in org.scan("User")] == [first, second, third]


def test_lookup_uses_indexes_case_insensitively_in_insertion_order(org: Org) -> None:
    a = add(org, "alice", FederationIdentifier="FED-1")
    b = add(org, "bob", IsActive=False)
    c = add(org, "carol", FederationIdentifier="fed-1")
    assert [r["Id"] for r in org.lookup("User", "username", ["BOB@acme.com", "alice@ACME.com"]) or []] == [a, b]
    assert [r["Id"] for r in org.lookup("User", "FederationIdentifier", ["Fed-1"]) or []] == [a, c]
    assert [r["Id"] for r in org.lookup("User", "IsActive", [False]) or []] == [b]
    assert [r["Id"] for r in org.lookup("User", "Email", ["carol@acme.com"]) or []] == [c]
    assert [r["Id"] for r in org.lookup("User", "Id", [c[:15], a, "garbage"]) or []] == [a, c]
    assert org.lookup("User", "Title", ["x"]) is None
    assert [r["UserId"] for r in org.lookup("UserLogin", "UserId", [b]) or []] == [b]


def test_indexes_follow_updates_and_rollbacks(org: Org) -> None:
    a = add(org, "alice")
    org.update("User", [{"Id": a, "FederationIdentifier": "X1"}])
    assert [r["Id"] for r in org.lookup("User", "FederationIdentifier", ["x1"]) or []] == [a]
    org.update("User", [{"Id": a, "FederationIdentifier": "X2"}, {"Id": a, "Alias": "toolongalias"}], all_or_none=True)
    assert [r["Id"] for r in org.lookup("User", "FederationIdentifier", ["x1"]) or []] == [a]
    assert org.lookup("User", "FederationIdentifier", ["x2"]) == []


def test_get_by_id_accepts_both_forms(org: Org) -> None:
    a = add(org, "alice")
    assert org.get_by_id("User", a[:15]) is org.get_by_id("User", a)
    assert org.get_by_id("User", "005000000000000") is None
    assert org.get_by_id("User", "nonsense") is None


def test_retrieve_selects_fields_and_returns_none_for_unknown_ids(org: Org) -> None:
    a = add(org, "alice")
    rows = org.retrieve("User", [a, "005000000000000AAA"], ["username", "IsActive"])
    assert rows == [{"Username": "alice@acme.com", "IsActive": True}, None]
    full = org.retrieve("User", [a])[0]
    assert full is not None
    assert "LastLoginDate" in full
    assert full["Id"] == a
    with pytest.raises(SalesforceError) as caught:
        org.retrieve("User", [a], ["Nope"])
    assert caught.value.message == "No such column 'Nope' on sobject of type User"


def test_usernames_are_registered_globally(state: EmulatorState, org: Org) -> None:
    a = add(org, "alice")
    assert state.username_taken("ALICE@acme.com")
    assert state.username_taken("someone@else.com")
    found = state.find_user("Alice@Acme.com")
    assert found is not None
    assert found[0] is org
    assert found[1]["Id"] == a
    assert state.find_user("someone@else.com") is None


def test_passwords_tokens_and_expiry(org: Org) -> None:
    a = add(org, "alice")
    token = org.set_password(a, "S3cret!pw")
    assert org.security_token(a) == token
    assert len(token) == 24
    assert org.check_password(a, "S3cret!pw")
    assert not org.check_password(a, "wrong")
    assert org.check_password_and_token(a, "S3cret!pw" + token)
    assert not org.check_password_and_token(a, "S3cret!pw")
    new_token = org.reset_security_token(a)
    assert new_token != token
    assert not org.check_password_and_token(a, "S3cret!pw" + token)
    assert org.check_password_and_token(a, "S3cret!pw" + new_token)
    assert org.set_password(a, "Other1!") != new_token  # a password change issues a new token
    assert not org.password_expired(a)
    org.set_password_expired(a)
    assert org.password_expired(a)
    assert org.get_by_id("User", a)["LastPasswordChangeDate"] is not None  # type: ignore[index]


def test_secrets_never_reach_rows_or_reprs(org: Org) -> None:
    a = add(org, "alice")
    token = org.set_password(a, "S3cret!pw")
    row = org.get_by_id("User", a)
    assert row is not None
    assert "S3cret!pw" not in repr(row)
    assert token not in repr(row)
    assert "S3cret!pw" not in repr(org.credentials[a])
    assert token not in repr(org.credentials[a])
    app = org.add_external_client_app("app", client_credentials_enabled=True, run_as_user_id=a)
    assert app.consumer_secret not in repr(app)
    assert app.consumer_key not in repr(app)


def test_unknown_user_credentials(org: Org) -> None:
    with pytest.raises(SalesforceError):
        org.set_password("005000000000000AAA", "x")


def test_external_client_app(org: Org) -> None:
    a = add(org, "alice")
    app = org.add_external_client_app(
        "sfprov",
        client_credentials_enabled=True,
        run_as_user_id=a[:15],
        pre_authorized_profile_ids=[org.profile_id("Standard User")],
    )
    assert app.run_as_user_id == a
    assert app.consumer_key.startswith("3MVG9")
    assert org.app_by_consumer_key(app.consumer_key) is app
    assert org.app_by_consumer_key("nope") is None
    assert app.check_secret(app.consumer_secret)
    assert not app.check_secret("x")
    assert app.is_pre_authorized(a, org.profile_id("Standard User"))
    assert not app.is_pre_authorized(a, org.profile_id("Read Only"))


def test_admin_api_validates_its_inputs(org: Org) -> None:
    with pytest.raises(SalesforceError):
        org.add_profile("Broken", "100000000000000AAA")
    with pytest.raises(SalesforceError):
        org.add_permission_set("Bad", no_such_permission=True)
    with pytest.raises(KeyError):
        org.profile_id("No Such Profile")


def test_sf_datetime_form() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    moment = datetime(2026, 11, 23, 22, 53, 22, 5000, tzinfo=timezone(timedelta(hours=1)))
    assert sf_datetime(moment) == "2026-11-23T21:53:22.005+0000"
    assert sf_datetime(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00.000+0000"


def test_snapshot_round_trip(state: EmulatorState, org: Org) -> None:
    a = add(org, "alice")
    b = add(org, "bob")
    token = org.set_password(a, "S3cret!pw")
    org.update("User", [{"Id": b, "Email": "bob@new.example"}])
    login = org.user_login(b)
    assert login is not None
    org.update("UserLogin", [{"Id": login["Id"], "IsFrozen": True}])
    org.update("User", [{"Id": a, "IsActive": False}])
    app = org.add_external_client_app("sfprov", client_credentials_enabled=True, run_as_user_id=b)
    sandbox = state.create_org(
        "Acme", kind="sandbox", my_domain="acme", sandbox_name="uat", settings=OrgSettings(soap_login_enabled=True)
    )

    text = state.to_json()
    assert "S3cret!pw" not in text
    copy = EmulatorState.from_json(text)
    assert EmulatorState.from_dict(state.to_dict()).to_dict() == copy.to_dict()
    again = copy.org_by_id(org.id)
    assert again is not None
    assert [dict(r) for r in again.scan("User")] == [dict(r) for r in org.scan("User")]
    assert again.check_password_and_token(a, "S3cret!pw" + token)
    assert again.licence_usage() == org.licence_usage()
    assert again.is_frozen(b)
    pending = again.pending_email(b)
    assert pending is not None
    assert pending.email == "bob@new.example"
    assert again.app_by_consumer_key(app.consumer_key) is not None
    assert copy.username_taken("bob@acme.com")
    assert copy.username_taken("someone@else.com")
    assert [r["Id"] for r in again.lookup("User", "Username", ["BOB@acme.com"]) or []] == [b]
    copied_sandbox = copy.org_by_my_domain(sandbox.my_domain)
    assert copied_sandbox is not None
    assert copied_sandbox.settings.soap_login_enabled
    # new ids continue after the snapshot instead of colliding
    assert add(again, "carol") not in {r["Id"] for r in org.scan("User")}
    assert copy.create_org("Next", my_domain="next").id not in {o.id for o in state.orgs.values()}
    with pytest.raises(ValueError, match="version"):
        EmulatorState.from_json('{"version": 99}')


def test_table_index_buckets_grow_and_shrink() -> None:
    from sfprov.emulators.salesforce.table import Table

    table = Table("User", ["Email"])
    rows = [{"Id": ids.to18(f"005000000000{i:03d}"), "Email": "Same@x.com"} for i in range(3)]
    for row in rows:
        table.insert(row)
    assert table.count("Email", "same@X.com") == 3
    assert table.first("Email", "SAME@x.com") is rows[0]
    table.replace({**rows[0], "Email": "other@x.com"})
    table.remove(rows[2]["Id"])
    assert table.count("Email", "same@x.com") == 1
    assert table.first("Email", "same@x.com") == rows[1]
    assert [r["Id"] for r in table.lookup("email", ["same@x.com", "OTHER@x.com"]) or []] == [
        rows[0]["Id"],
        rows[1]["Id"],
    ]
    removed, seq = table.remove(rows[1]["Id"])
    assert table.count("Email", "same@x.com") == 0
    assert table.first("Email", "same@x.com") is None
    table.restore(removed, seq)
    assert [r["Id"] for r in table] == [rows[0]["Id"], rows[1]["Id"]]
    assert table.lookup("Nope", ["x"]) is None
