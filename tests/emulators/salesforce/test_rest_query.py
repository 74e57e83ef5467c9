"""REST query and queryAll: result shape, batches of 2,000, batchSize within 200..2,000, query locators."""

from __future__ import annotations

import re

import httpx
import pytest

from sfprov.emulators.salesforce import SalesforceEmulator
from sfprov.emulators.salesforce.seed import seed_bulk
from tests.emulators.salesforce.conftest import Kit, make_kit

LOCATOR = re.compile(r"^/services/data/v64\.0/query/01g[A-Za-z0-9]{15}-(\d+)$")
BULK = 2_050


@pytest.fixture(scope="module")
def big(sf: SalesforceEmulator, http: httpx.Client, jwt_keys: tuple[str, str]) -> Kit:
    kit = make_kit(sf, http, jwt_keys)
    with sf.runtime.lock:
        seed_bulk(kit.org, BULK)
    return kit


def query(kit: Kit, token: str, soql: str, **headers: str) -> httpx.Response:
    return kit.rest("GET", "query", token, params={"q": soql}, headers=headers)


def test_small_result_is_done_without_next_url(kit: Kit) -> None:
    soql = f"SELECT Id, Username FROM User WHERE Username = '{kit.admin.username}'"  # noqa: S608 - test data
    answer = query(kit, kit.token(), soql)
    assert answer.status_code == 200
    body = answer.json()
    assert list(body) == ["totalSize", "done", "records"]
    assert body["totalSize"] == 1
    assert body["done"] is True
    record = body["records"][0]
    assert record["attributes"] == {"type": "User", "url": f"/services/data/v64.0/sobjects/User/{kit.admin.user_id}"}
    assert record["Username"] == kit.admin.username


def test_default_batch_is_2000_and_next_records_url_pages_to_the_end(big: Kit) -> None:
    token = big.token()
    first = query(big, token, "SELECT Id FROM User").json()
    total = first["totalSize"]
    assert total >= BULK
    assert first["done"] is False
    assert list(first) == ["totalSize", "done", "nextRecordsUrl", "records"]
    assert len(first["records"]) == 2000
    match = LOCATOR.match(first["nextRecordsUrl"])
    assert match
    assert match.group(1) == "2000"
    seen = [r["Id"] for r in first["records"]]
    page = first
    while not page["done"]:
        page = big.rest("GET", f"{big.instance_url}{page['nextRecordsUrl']}", token).json()
        assert page["totalSize"] == total
        seen += [r["Id"] for r in page["records"]]
    assert "nextRecordsUrl" not in page
    assert len(seen) == total
    assert len(set(seen)) == total


@pytest.mark.parametrize(("asked", "served"), [("500", 500), ("50", 200), ("5000", 2000)])
def test_batch_size_is_honoured_within_bounds(big: Kit, asked: str, served: int) -> None:
    answer = query(big, big.token(), "SELECT Id FROM User", **{"Sforce-Query-Options": f"batchSize={asked}"})
    assert len(answer.json()["records"]) == served


def test_unknown_foreign_and_expired_locators_are_invalid(big: Kit, kit: Kit, sf: SalesforceEmulator) -> None:
    token = big.token()
    next_url = query(big, token, "SELECT Id FROM User", **{"Sforce-Query-Options": "batchSize=200"}).json()[
        "nextRecordsUrl"
    ]
    expected = [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]
    bogus = big.rest("GET", "query/01gAAAAAAAAAAAAAAA-200", token)
    assert (bogus.status_code, bogus.json()) == (400, expected)
    foreign = kit.rest("GET", f"{kit.instance_url}{next_url}", kit.token())
    assert (foreign.status_code, foreign.json()) == (400, expected)
    sf.admin.advance_clock(2 * 24 * 3600 + 1)
    expired = big.rest("GET", f"{big.instance_url}{next_url}", big.token())
    assert (expired.status_code, expired.json()) == (400, expected)


def test_soql_errors_come_back_as_rest_errors(kit: Kit) -> None:
    token = kit.token()
    malformed = query(kit, token, "SELECT FROM User")
    assert malformed.status_code == 400
    assert malformed.json()[0]["errorCode"] == "MALFORMED_QUERY"
    unknown = query(kit, token, "SELECT Id FROM Account")
    assert unknown.status_code == 400
    assert unknown.json()[0]["errorCode"] == "INVALID_TYPE"
    missing = kit.rest("GET", "query", token)
    assert (missing.status_code, missing.json()[0]["errorCode"]) == (400, "MALFORMED_QUERY")


def test_count_and_query_all(kit: Kit) -> None:
    token = kit.token()
    count = query(kit, token, "SELECT COUNT() FROM User").json()
    assert count["records"] == []
    assert count["totalSize"] == 4
    all_rows = kit.rest("GET", "queryAll", token, params={"q": "SELECT Id FROM User"}).json()
    assert all_rows["totalSize"] == 4


def test_query_accepts_only_get(kit: Kit) -> None:
    answer = kit.rest("POST", "query", kit.token(), params={"q": "SELECT Id FROM User"})
    assert answer.status_code == 405
    assert answer.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
