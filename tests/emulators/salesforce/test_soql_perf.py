"""Speed of the SOQL engine on an org of 100,000 users (prints timings; docs/dev/sf-soql.md quotes them).

The assertions check results and the index path, not time: CI machines vary. Run with ``-s`` to see the figures.
"""

# ruff: noqa: S608  (the strings built here are SOQL under test, not SQL)

from __future__ import annotations

import time
from typing import Any

import pytest

from sfprov.emulators.salesforce import soql
from tests.emulators.salesforce.test_soql_executor import MemorySource, rid

USERS = 100_000


@pytest.fixture(scope="module")
def big_org() -> MemorySource:
    profiles = [{"Id": rid("00e", i), "Name": f"Profile {i}", "UserLicenseId": rid("100", 1)} for i in range(5)]
    users: list[dict[str, Any]] = [
        {
            "Id": rid("005", i), "Username": f"user{i}@example.com", "Email": f"user{i}@example.com",
            "FirstName": "First", "LastName": f"Last{i % 1000}", "Alias": f"u{i}"[:8], "IsActive": i % 10 != 0,
            "ProfileId": profiles[i % 5]["Id"], "FederationIdentifier": f"fed-{i}",
            "CreatedDate": "2026-01-01T00:00:00.000+0000", "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
            "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8",
        }
        for i in range(USERS)
    ]  # fmt: skip
    source = MemorySource(
        {"User": users, "Profile": profiles, "UserLicense": [{"Id": rid("100", 1), "Name": "Salesforce"}]},
        indexed={"User": {"Id", "Username", "Email", "IsActive", "FederationIdentifier"}},
    )
    for field in ("Id", "Username", "Email", "IsActive", "FederationIdentifier"):
        source.lookup("User", field, [])  # build the indexes outside the timings, as the org keeps them
    return source


def timed(source: MemorySource, text: str) -> tuple[soql.QueryRows, float]:
    start = time.process_time()
    result = soql.execute(soql.parse(text), source, api_version="64.0")
    elapsed = time.process_time() - start
    print(f"\n{elapsed * 1000:8.1f} ms CPU  rows={result.total_size:<6} scanned={result.scanned!s:<5}  {text[:90]}")
    return result, elapsed


def test_full_scan_of_100k_users(big_org: MemorySource) -> None:
    result, _ = timed(big_org, "SELECT Id, Username, Email, IsActive, ProfileId, FederationIdentifier FROM User")
    assert result.total_size == USERS
    assert result.records[-1]["Username"] == f"user{USERS - 1}@example.com"


def test_full_scan_with_relationship(big_org: MemorySource) -> None:
    result, _ = timed(big_org, "SELECT Id, Username, IsActive, Profile.Name FROM User")
    assert result.records[7]["Profile"]["Name"] == "Profile 2"


def test_username_in_200_uses_the_index(big_org: MemorySource) -> None:
    names = ", ".join(f"'USER{i * 499}@example.com'" for i in range(200))
    big_org.scans.clear()
    result, _ = timed(big_org, f"SELECT Id, Username, IsActive FROM User WHERE Username IN ({names})")
    assert result.total_size == 200
    assert big_org.scans == []


def test_id_in_200_uses_the_index(big_org: MemorySource) -> None:
    wanted = ", ".join(f"'{rid('005', i * 311)}'" for i in range(200))
    big_org.scans.clear()
    result, _ = timed(big_org, f"SELECT Id FROM User WHERE Id IN ({wanted})")
    assert result.total_size == 200
    assert big_org.scans == []


@pytest.mark.parametrize(
    ("where", "rows"),
    [
        ("FederationIdentifier = 'fed-77777'", 1),
        ("Email = 'user4242@example.com' AND IsActive = true", 1),
        ("IsActive = false", 10_000),
    ],
)
def test_selective_filters_use_the_index(big_org: MemorySource, where: str, rows: int) -> None:
    big_org.scans.clear()
    result, _ = timed(big_org, f"SELECT Id, Username FROM User WHERE {where}")
    assert result.total_size == rows
    assert big_org.scans == []


def test_unindexed_filter_and_sort(big_org: MemorySource) -> None:
    result, _ = timed(
        big_org, "SELECT Id, Username FROM User WHERE LastName LIKE 'last99%' ORDER BY Username LIMIT 2000"
    )
    assert result.total_size == 1100
    result, _ = timed(big_org, "SELECT COUNT() FROM User WHERE IsActive = true AND Profile.Name = 'Profile 0'")
    assert result.total_size == 10_000
