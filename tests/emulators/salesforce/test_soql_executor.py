# ruff: noqa: S608  (the strings built here are SOQL under test, not SQL)
"""SOQL execution over a small in-memory org: REST record shape, WHERE semantics, ORDER BY, paging clauses, COUNT()
and the index path (a source that counts scans and lookups proves which one ran)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from sfprov.emulators.salesforce import soql
from sfprov.emulators.salesforce.soql.ast import RelativeDate
from sfprov.emulators.salesforce.soql.values import relative_days, to18

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def rid(prefix: str, n: int) -> str:
    """An 18-character id with the given key prefix."""
    return to18(f"{prefix}{n:012d}")


class MemorySource:
    """A TableSource over plain lists, with hash indexes on chosen fields and counters for tests."""

    def __init__(self, tables: dict[str, list[dict[str, Any]]], indexed: dict[str, set[str]] | None = None) -> None:
        self.tables = tables
        self.indexed = indexed if indexed is not None else {"User": {"Id", "Username", "Email", "IsActive"}}
        self.scans: list[str] = []
        self.lookups: list[tuple[str, str, list[Any]]] = []
        self._index: dict[tuple[str, str], dict[Any, list[dict[str, Any]]]] = {}

    @staticmethod
    def key(value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    def scan(self, sobject: str) -> Iterable[Mapping[str, Any]]:
        self.scans.append(sobject)
        return self.tables.get(sobject, [])

    def get_by_id(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        return next((r for r in self.tables.get(sobject, []) if r["Id"] == record_id), None)

    def lookup(self, sobject: str, field: str, values: Iterable[Any]) -> Iterable[Mapping[str, Any]] | None:
        if field not in self.indexed.get(sobject, set()):
            return None
        wanted = list(values)
        self.lookups.append((sobject, field, wanted))
        index = self._index.get((sobject, field))
        if index is None:
            index = {}
            for row in self.tables.get(sobject, []):
                index.setdefault(self.key(row.get(field)), []).append(row)
            self._index[(sobject, field)] = index
        seen: dict[int, dict[str, Any]] = {}
        for value in wanted:
            for row in index.get(self.key(value), []):
                seen[id(row)] = row
        return list(seen.values())


LICENSE = rid("100", 1)
PROFILE_STD = rid("00e", 1)
PROFILE_ADMIN = rid("00e", 2)
PS_OWNED = rid("0PS", 1)
PS_SALES = rid("0PS", 2)
U1, U2, U3, U4 = (rid("005", n) for n in range(1, 5))


# fmt: off
def org() -> dict[str, list[dict[str, Any]]]:
    users = [
        {"Id": U1, "Username": "ada@example.com", "FirstName": "Ada", "LastName": "Lovelace",
         "Email": "ada@example.com", "IsActive": True, "ProfileId": PROFILE_STD, "ManagerId": None,
         "FederationIdentifier": "ada-1",
         "CreatedDate": "2026-01-10T08:00:00.000+0000", "LastLoginDate": "2026-11-23T09:00:00.000+0000",
         "Title": "Engineer"},
        {"Id": U2, "Username": "Bob_O'Neil@Example.com", "FirstName": None, "LastName": "O'Neil",
         "Email": "bob@example.com", "IsActive": False, "ProfileId": PROFILE_ADMIN, "ManagerId": U1,
         "FederationIdentifier": None, "CreatedDate": "2026-03-01T00:00:00.000+0000", "LastLoginDate": None,
         "Title": ""},
        {"Id": U3, "Username": "carol%50@example.com", "FirstName": "Carol", "LastName": "lovelace",
         "Email": "carol@example.com", "IsActive": True, "ProfileId": rid("00e", 99), "ManagerId": U2,
         "FederationIdentifier": "c-3", "CreatedDate": "2026-06-15T23:30:00.000+0000",
         "LastLoginDate": "2026-08-01T10:00:00.000+0000", "Title": "CEO"},
        {"Id": U4, "Username": "dave@example.com", "FirstName": "Dave", "LastName": "Zed", "Email": "DAVE@example.com",
         "IsActive": True, "ProfileId": PROFILE_STD, "ManagerId": None, "FederationIdentifier": None,
         "CreatedDate": "2026-11-22T12:00:00.000+0000", "LastLoginDate": "2026-11-22T23:59:59.000+0000",
         "Title": None},
    ]  # fmt: skip
    return {
        "User": users,
        "Profile": [
            {"Id": PROFILE_STD, "Name": "Standard User", "UserLicenseId": LICENSE, "PermissionsApiEnabled": True},
            {
                "Id": PROFILE_ADMIN,
                "Name": "System Administrator",
                "UserLicenseId": LICENSE,
                "PermissionsApiEnabled": True,
            },
        ],
        "UserLicense": [{"Id": LICENSE, "Name": "Salesforce", "TotalLicenses": 10, "UsedLicenses": 3}],
        "PermissionSet": [
            {
                "Id": PS_OWNED,
                "Name": "X00ex000000",
                "Label": "Profile set",
                "IsOwnedByProfile": True,
                "LicenseId": LICENSE,
            },
            {"Id": PS_SALES, "Name": "Sales_Ops", "Label": "Sales Ops", "IsOwnedByProfile": False, "LicenseId": None},
        ],
        "PermissionSetAssignment": [
            {"Id": rid("0Pa", 1), "AssigneeId": U1, "PermissionSetId": PS_OWNED, "IsActive": True},
            {"Id": rid("0Pa", 2), "AssigneeId": U1, "PermissionSetId": PS_SALES, "IsActive": True},
            {"Id": rid("0Pa", 3), "AssigneeId": U2, "PermissionSetId": PS_SALES, "IsActive": True, "IsDeleted": True},
        ],
    }


# fmt: on


def run(text: str, source: MemorySource | None = None, **kw: Any) -> soql.QueryRows:
    return soql.execute(soql.parse(text), source or MemorySource(org()), api_version="64.0", now=NOW, **kw)


def ids(result: soql.QueryRows) -> list[str]:
    return [r["Id"] for r in result.records]


# --- record shape ---------------------------------------------------------------------------------------------------


def test_records_carry_attributes_and_canonical_keys() -> None:
    result = run(f"select id, USERNAME, isactive from user where id = '{U1}'")
    assert result.total_size == 1
    assert result.records == [
        {"attributes": {"type": "User", "url": f"/services/data/v64.0/sobjects/User/{U1}"},
         "Id": U1, "Username": "ada@example.com", "IsActive": True},
    ]  # fmt: skip
    assert list(result.records[0]) == ["attributes", "Id", "Username", "IsActive"]


def test_relationships_nest_with_attributes_and_null() -> None:
    result = run(
        "SELECT Id, Profile.Name, Username, Profile.UserLicense.Name, Manager.Username FROM User ORDER BY Username"
    )
    by_id = {r["Id"]: r for r in result.records}
    ada = by_id[U1]
    assert list(ada) == ["attributes", "Id", "Profile", "Username", "Manager"]
    assert ada["Profile"] == {
        "attributes": {"type": "Profile", "url": f"/services/data/v64.0/sobjects/Profile/{PROFILE_STD}"},
        "Name": "Standard User",
        "UserLicense": {
            "attributes": {"type": "UserLicense", "url": f"/services/data/v64.0/sobjects/UserLicense/{LICENSE}"},
            "Name": "Salesforce",
        },
    }
    assert ada["Manager"] is None
    assert by_id[U2]["Manager"]["Username"] == "ada@example.com"
    assert by_id[U3]["Profile"] is None  # dangling reference


def test_missing_fields_are_null_and_api_version_accepts_v_prefix() -> None:
    result = soql.execute(
        soql.parse(f"SELECT Department FROM User WHERE Id = '{U1}'"), MemorySource(org()), api_version="v66.0"
    )
    assert result.records == [
        {"attributes": {"type": "User", "url": f"/services/data/v66.0/sobjects/User/{U1}"}, "Department": None}
    ]


def test_assignment_relationships() -> None:
    result = run(
        "SELECT Assignee.Username, PermissionSet.Name FROM PermissionSetAssignment "
        "WHERE PermissionSet.IsOwnedByProfile = false"
    )
    assert [(r["Assignee"]["Username"], r["PermissionSet"]["Name"]) for r in result.records] == [
        ("ada@example.com", "Sales_Ops")
    ]


def test_polymorphic_reference_takes_the_type_of_the_id() -> None:
    result = run("SELECT Name, License.Name FROM PermissionSet ORDER BY Name")
    assert result.records[1]["License"]["attributes"]["type"] == "UserLicense"
    assert result.records[1]["License"]["Name"] == "Salesforce"
    assert result.records[0]["License"] is None


# --- WHERE semantics ------------------------------------------------------------------------------------------------

WHERE = [
    ("Username = 'ADA@example.com'", [U1]),
    ("Username = 'bob_o\\'neil@example.com'", [U2]),
    ("LastName = 'LOVELACE'", [U1, U3]),
    ("Title != 'CEO'", [U1, U2, U4]),
    ("Title = null", [U2, U4]),
    ("Title = ''", [U2, U4]),
    ("Title != null", [U1, U3]),
    ("FirstName = null", [U2]),
    ("IsActive = true", [U1, U3, U4]),
    ("IsActive = FALSE", [U2]),
    ("IsActive != true", [U2]),
    ("Username IN ('dave@EXAMPLE.com', 'nobody@x.com', 'ada@example.com')", [U1, U4]),
    ("Username NOT IN ('dave@example.com', 'ada@example.com')", [U2, U3]),
    ("FederationIdentifier NOT IN ('ada-1')", [U2, U3, U4]),
    ("FederationIdentifier IN ('ada-1', null)", [U1, U2, U4]),
    ("LastName LIKE 'love%'", [U1, U3]),
    ("LastName LIKE '%LACE'", [U1, U3]),
    ("LastName LIKE 'Z_d'", [U4]),
    ("LastName LIKE 'Z_'", []),
    ("Username LIKE 'carol\\%%'", [U3]),
    ("Username LIKE 'bob\\_%'", [U2]),
    ("Username LIKE 'bob\\%%'", []),
    ("Email LIKE '%@example.com'", [U1, U2, U3, U4]),
    ("FirstName LIKE '%'", [U1, U3, U4]),
    ("CreatedDate > 2026-03-01T00:00:00Z", [U3, U4]),
    ("CreatedDate >= 2026-03-01T00:00:00Z", [U2, U3, U4]),
    ("CreatedDate < 2026-03-01T01:00:00+01:00", [U1]),
    ("CreatedDate = 2026-03-01T00:00:00.000Z", [U2]),
    ("CreatedDate <= 2026-01-10T00:00:00-08:00", [U1]),
    ("LastLoginDate = TODAY", [U1]),
    ("LastLoginDate = YESTERDAY", [U4]),
    ("LastLoginDate < LAST_N_DAYS:30", [U3]),
    ("LastLoginDate > LAST_N_DAYS:30", []),
    ("LastLoginDate >= LAST_N_DAYS:30", [U1, U4]),
    ("LastLoginDate = LAST_N_DAYS:2", [U1, U4]),
    ("LastLoginDate != TODAY", [U2, U3, U4]),
    ("LastLoginDate = null OR LastLoginDate < 2026-09-01T00:00:00Z", [U2, U3]),
    ("(IsActive = true OR Title = 'x') AND NOT LastName = 'zed'", [U1, U3]),
    ("NOT (IsActive = true OR Title = 'x')", [U2]),
    (f"ManagerId = '{U1}'", [U2]),
    (f"ManagerId = '{U1[:15]}'", [U2]),
    (f"Id IN ('{U1[:15]}', '{U4}')", [U1, U4]),
    (f"Id != '{U1}'", [U2, U3, U4]),
    ("ManagerId = ''", [U1, U4]),
    ("Profile.Name = 'standard user'", [U1, U4]),
    ("Profile.Name = null", [U3]),
    ("Profile.UserLicense.Name LIKE 'sales%'", [U1, U2, U4]),
    ("Manager.Manager.Username = 'ada@example.com'", [U3]),
]


@pytest.mark.parametrize(("where", "expected"), WHERE)
def test_where(where: str, expected: list[str]) -> None:
    assert sorted(ids(run("SELECT Id FROM User WHERE " + where))) == sorted(expected)


def test_numbers() -> None:
    assert run("SELECT Id FROM UserLicense WHERE TotalLicenses > 9 AND UsedLicenses <= 3").total_size == 1
    assert run("SELECT Id FROM UserLicense WHERE TotalLicenses < 10").total_size == 0


# --- ORDER BY, LIMIT, OFFSET, COUNT() -------------------------------------------------------------------------------

ORDER = [
    ("LastName", [U1, U3, U2, U4]),
    ("LastName DESC", [U4, U2, U1, U3]),
    ("LastName, FirstName DESC", [U3, U1, U2, U4]),
    ("FirstName", [U2, U1, U3, U4]),
    ("FirstName DESC", [U2, U4, U3, U1]),
    ("FirstName NULLS LAST", [U1, U3, U4, U2]),
    ("FirstName DESC NULLS LAST", [U4, U3, U1, U2]),
    ("Title ASC NULLS FIRST, Username", [U2, U4, U3, U1]),
    ("CreatedDate DESC", [U4, U3, U2, U1]),
    ("IsActive, LastName", [U2, U1, U3, U4]),
    ("Profile.Name NULLS LAST, Username", [U1, U4, U2, U3]),
]


@pytest.mark.parametrize(("order", "expected"), ORDER)
def test_order_by(order: str, expected: list[str]) -> None:
    assert ids(run("SELECT Id FROM User ORDER BY " + order)) == expected


def test_limit_and_offset() -> None:
    result = run("SELECT Id FROM User ORDER BY LastName LIMIT 2 OFFSET 1")
    assert (ids(result), result.total_size) == ([U3, U2], 2)
    assert run("SELECT Id FROM User ORDER BY LastName OFFSET 3").total_size == 1
    assert run("SELECT Id FROM User LIMIT 0").records == []


def test_count() -> None:
    result = run("SELECT COUNT() FROM User WHERE IsActive = true")
    assert (result.records, result.total_size) == ([], 3)
    assert run("SELECT COUNT() FROM User").total_size == 4
    assert run("SELECT COUNT() FROM User LIMIT 2").total_size == 2


def test_query_all_includes_deleted_rows() -> None:
    text = "SELECT Id FROM PermissionSetAssignment"
    assert run(text).total_size == 2
    assert run(text, include_deleted=True).total_size == 3


def test_date_literal_resolves_against_the_clock_given() -> None:
    text = "SELECT Id FROM User WHERE LastLoginDate = TODAY"
    later = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
    assert ids(soql.execute(soql.parse(text), MemorySource(org()), api_version="64.0", now=later)) == [U4]


# --- index path -----------------------------------------------------------------------------------------------------


def test_in_on_an_indexed_field_uses_lookup_not_scan() -> None:
    source = MemorySource(org())
    result = run("SELECT Id FROM User WHERE Username IN ('ADA@example.com', 'dave@example.com')", source)
    assert sorted(ids(result)) == sorted([U1, U4])
    assert source.scans == []
    assert source.lookups == [("User", "Username", ["ADA@example.com", "dave@example.com"])]
    assert result.scanned is False


def test_most_selective_indexed_term_wins_and_the_rest_filters() -> None:
    source = MemorySource(org())
    result = run(
        "SELECT Id FROM User WHERE IsActive = true AND Email = 'dave@example.com' AND LastName = 'zed'", source
    )
    assert ids(result) == [U4]
    assert source.scans == []
    assert source.lookups[0][1] == "Email"  # near-unique field tried first; its answer is small enough to stop
    assert len(source.lookups) == 1


def test_boolean_index_is_used_when_it_is_the_only_one() -> None:
    source = MemorySource(org())
    assert sorted(ids(run("SELECT Id FROM User WHERE IsActive = false AND Title = ''", source))) == [U2]
    assert source.scans == []
    assert [lk[1] for lk in source.lookups] == ["IsActive"]


def test_id_lookup_gets_18_character_ids() -> None:
    source = MemorySource(org())
    assert ids(run(f"SELECT Id FROM User WHERE Id = '{U3[:15]}'", source)) == [U3]
    assert source.lookups == [("User", "Id", [U3])]
    assert source.scans == []


@pytest.mark.parametrize(
    "where",
    [
        "Username = 'ada@example.com' OR IsActive = false",
        "LastName = 'Zed'",
        "Username != 'ada@example.com'",
        "Profile.Name = 'Standard User'",
        "Username LIKE 'ada%'",
    ],
)
def test_without_a_usable_index_the_executor_scans(where: str) -> None:
    source = MemorySource(org())
    result = run("SELECT Id FROM User WHERE " + where, source)
    assert source.scans == ["User"]
    assert result.scanned is True


def test_index_superset_is_filtered_exactly() -> None:
    """The org's text index is case-insensitive; a literal differing only in a wildcard escape still matches
    exactly once the WHERE clause is applied."""
    source = MemorySource(org())
    assert ids(run("SELECT Id FROM User WHERE Username = 'carol\\%50@example.com'", source)) == [U3]
    assert source.scans == []


def test_index_path_and_scan_path_agree() -> None:
    text = "SELECT Id FROM User WHERE Username IN ('ada@example.com', 'carol%50@example.com') AND IsActive = true"
    indexed = run(text, MemorySource(org()))
    scanned = run(text, MemorySource(org(), indexed={}))
    assert ids(indexed) == ids(scanned) == [U1, U3]
    assert scanned.scanned


# --- date literal ranges (SOQL reference, "Date Formats and Date Literals"; weeks start on Sunday) ------------------

TODAY = dt.date(2026, 11, 23)  # a Monday


@pytest.mark.parametrize(
    ("literal", "start", "end"),
    [
        ("TODAY", "2026-11-23", "2026-11-24"),
        ("YESTERDAY", "2026-11-22", "2026-11-23"),
        ("TOMORROW", "2026-11-24", "2026-11-25"),
        ("LAST_N_DAYS:1", "2026-11-22", "2026-11-24"),  # "LAST_N_DAYS:1 includes yesterday and today"
        ("LAST_90_DAYS", "2026-08-25", "2026-11-24"),
        ("NEXT_N_DAYS:2", "2026-11-24", "2026-11-26"),
        ("N_DAYS_AGO:3", "2026-11-20", "2026-11-21"),
        ("THIS_WEEK", "2026-11-22", "2026-11-29"),
        ("LAST_WEEK", "2026-11-15", "2026-11-22"),
        ("NEXT_N_WEEKS:2", "2026-11-29", "2026-12-13"),
        ("THIS_MONTH", "2026-11-01", "2026-12-01"),
        ("LAST_MONTH", "2026-10-01", "2026-11-01"),
        ("NEXT_MONTH", "2026-12-01", "2027-01-01"),
        ("LAST_N_MONTHS:12", "2025-11-01", "2026-11-01"),
        ("N_MONTHS_AGO:11", "2025-12-01", "2026-01-01"),
        ("THIS_QUARTER", "2026-10-01", "2027-01-01"),
        ("LAST_QUARTER", "2026-07-01", "2026-10-01"),
        ("NEXT_N_QUARTERS:2", "2027-01-01", "2027-07-01"),
        ("THIS_YEAR", "2026-01-01", "2027-01-01"),
        ("LAST_N_YEARS:2", "2024-01-01", "2026-01-01"),
        ("N_YEARS_AGO:1", "2025-01-01", "2026-01-01"),
    ],
)
def test_date_literal_ranges(literal: str, start: str, end: str) -> None:
    name, _, n = literal.partition(":")
    assert relative_days(RelativeDate(name, int(n or 0)), TODAY) == (
        dt.date.fromisoformat(start),
        dt.date.fromisoformat(end),
    )
    soql.parse("SELECT Id FROM User WHERE LastLoginDate = " + literal)


def test_date_literal_on_a_date_field() -> None:
    source = MemorySource(
        {"PermissionSetLicense": [{"Id": rid("0PL", 1), "ExpirationDate": "2026-12-31"},
                                  {"Id": rid("0PL", 2), "ExpirationDate": "2027-02-01"},
                                  {"Id": rid("0PL", 3), "ExpirationDate": None}]}
    )  # fmt: skip
    result = run("SELECT Id FROM PermissionSetLicense WHERE ExpirationDate = NEXT_MONTH", source)
    assert ids(result) == [rid("0PL", 1)]
    result = run("SELECT Id FROM PermissionSetLicense WHERE ExpirationDate > THIS_YEAR", source)
    assert ids(result) == [rid("0PL", 2)]
    result = run("SELECT Id FROM PermissionSetLicense WHERE ExpirationDate < 2027-01-01", source)
    assert ids(result) == [rid("0PL", 1)]


# --- parent-to-child sub-queries (SOQL reference, "Relationship Queries") -------------------------------------------


def test_child_subquery_nests_children_or_null() -> None:
    result = run(
        "SELECT Username, (SELECT PermissionSet.Name FROM PermissionSetAssignments ORDER BY PermissionSet.Name DESC) "
        f"FROM User WHERE Id IN ('{U1}', '{U2}', '{U3}') ORDER BY Username"
    )
    ada, bob, carol = result.records
    assert list(ada) == ["attributes", "Username", "PermissionSetAssignments"]
    children = ada["PermissionSetAssignments"]
    assert (children["totalSize"], children["done"]) == (2, True)
    assert [c["PermissionSet"]["Name"] for c in children["records"]] == ["X00ex000000", "Sales_Ops"]
    assert children["records"][0]["attributes"] == {
        "type": "PermissionSetAssignment",
        "url": f"/services/data/v64.0/sobjects/PermissionSetAssignment/{rid('0Pa', 1)}",
    }
    assert bob["PermissionSetAssignments"] is None  # its only assignment is deleted
    assert carol["PermissionSetAssignments"] is None


def test_child_subquery_filter_limit_position_and_query_all() -> None:
    text = (
        "SELECT (SELECT Id FROM PermissionSetAssignments WHERE PermissionSet.IsOwnedByProfile = false LIMIT 1), "
        f"Username FROM User WHERE Id IN ('{U1}', '{U2}') ORDER BY Username"
    )
    ada, bob = run(text).records
    assert list(ada) == ["attributes", "PermissionSetAssignments", "Username"]
    assert [c["Id"] for c in ada["PermissionSetAssignments"]["records"]] == [rid("0Pa", 2)]
    assert bob["PermissionSetAssignments"] is None
    _, bob_all = run(text, include_deleted=True).records
    assert bob_all["PermissionSetAssignments"]["totalSize"] == 1


def test_child_subquery_from_permission_set_and_managers() -> None:
    result = run("SELECT Name, (SELECT Assignee.Username FROM Assignments) FROM PermissionSet ORDER BY Name")
    sales, owned = result.records
    assert [c["Assignee"]["Username"] for c in sales["Assignments"]["records"]] == ["ada@example.com"]
    assert owned["Assignments"]["totalSize"] == 1
    managers = run(f"SELECT Id, (SELECT Username FROM ManagedUsers) FROM User WHERE Id = '{U1}'").records
    assert [c["Username"] for c in managers[0]["ManagedUsers"]["records"]] == ["Bob_O'Neil@Example.com"]


def test_child_subquery_uses_one_index_lookup() -> None:
    source = MemorySource(org(), indexed={"User": {"Id"}, "PermissionSetAssignment": {"AssigneeId"}})
    run(f"SELECT Id, (SELECT Id FROM PermissionSetAssignments) FROM User WHERE Id IN ('{U1}', '{U2}')", source)
    assert source.scans == []
    assert ("PermissionSetAssignment", "AssigneeId", [U1, U2]) in source.lookups
