"""A real third-party client, unchanged, against the emulator: simple-salesforce.

simple-salesforce builds its SOAP login URL as ``https://{domain}.salesforce.com/services/Soap/u/{version}``. The
emulator's login host is ``https://127.0.0.1:PORT``, so ``domain`` is set to ``127.0.0.1:PORT/services/Soap/u/59.0#``:
everything after ``#`` is a URL fragment, which HTTP clients never send. After login the library follows
``serverUrl`` to the org's My Domain listener by itself, as it does against a real org. The CA goes in through a
``requests.Session`` (``verify=``), the same way a corporate CA bundle would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceAuthenticationFailed

from tests.emulators.salesforce.conftest import Kit

VERSION = "59.0"


@pytest.fixture
def session(ca_file: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[requests.Session]:
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override Session.verify; a CI image may set them.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with requests.Session() as s:
        s.verify = str(ca_file)
        yield s


def domain_for(login_url: str) -> str:
    return f"{urlsplit(login_url).netloc}/services/Soap/u/{VERSION}#"


def connect(kit: Kit, session: requests.Session) -> Salesforce:
    return Salesforce(
        username=kit.integration.username,
        password=kit.integration.password,
        security_token=kit.integration.token,
        domain=domain_for(kit.login_url),
        version=VERSION,
        session=session,
    )


def test_login_query_create_update_and_collections(kit: Kit, session: requests.Session) -> None:
    kit.settings(soap_login_enabled=True)
    sf = connect(kit, session)
    assert sf.sf_instance == urlsplit(kit.instance_url).netloc

    users = sf.query_all("SELECT Id, Username, IsActive FROM User")
    assert users["totalSize"] == 4
    assert users["done"] is True
    assert {r["Username"] for r in users["records"]} >= {kit.admin.username, kit.integration.username}

    created = sf.User.create(kit.new_user_body("simple.client@kit.example.com"))
    assert created["success"] is True
    assert created["errors"] == []
    assert sf.User.update(created["id"], {"Title": "Via simple-salesforce"}) == 204
    assert sf.User.get(created["id"])["Title"] == "Via simple-salesforce"

    records = [
        {"attributes": {"type": "User"}, **kit.new_user_body(f"bulk{i}.client@kit.example.com")} for i in range(3)
    ]
    results = sf.restful("composite/sobjects", method="POST", data=json.dumps({"allOrNone": False, "records": records}))
    assert [r["success"] for r in results] == [True, True, True]
    usage = sf.api_usage["api-usage"]
    assert usage.total == kit.org.settings.daily_api_requests
    assert usage.used >= 4


def test_login_fault_reaches_the_client_as_salesforce_sends_it(kit: Kit, session: requests.Session) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as info:
        connect(kit, session)
    assert info.value.code == "INVALID_OPERATION"
    assert info.value.content == b"SOAP API login() is disabled by default in this org."
