from urllib.parse import quote as url_quote

import pytest

from sfprov.targets.salesforce.soql import MAX_QUERY_CHARS, flatten, identifier, in_clauses, quote, select


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("plain@example.com", "'plain@example.com'"),
        ("o'brien@example.com", "'o\\'brien@example.com'"),
        ("x' OR Username != '", "'x\\' OR Username != \\''"),
        ("back\\slash", "'back\\\\slash'"),
        ("line\r\nbreak", "'line\\r\\nbreak'"),
        ('dq"x', "'dq\\\"x'"),
        (None, "null"),
        (True, "true"),
        (7, "7"),
    ],
)
def test_quote(value: str | bool | int | None, literal: str) -> None:
    assert quote(value) == literal


def test_identifiers_are_checked() -> None:
    assert identifier("Profile.UserLicense.Name") == "Profile.UserLicense.Name"
    assert identifier("Custom_Field__c") == "Custom_Field__c"
    for bad in ["Id FROM User --", "Name,Id", "", "1abc", "a..b", "Id'"]:
        with pytest.raises(ValueError, match="not a Salesforce field"):
            identifier(bad)
    with pytest.raises(ValueError, match="not a Salesforce field"):
        select(["Id"], "User WHERE IsActive = true")


def test_select_dedupes_fields() -> None:
    assert select(["Id", "Username", "Id"], "User", "IsActive = true", "Id") == (
        "SELECT Id, Username FROM User WHERE IsActive = true ORDER BY Id"
    )


def test_in_clauses_split_under_the_uri_limit() -> None:
    values = [f"user{i:05d}@a-rather-long-domain-name.example.com" for i in range(2000)]
    chunks = list(in_clauses("Username", values))
    assert len(chunks) > 1
    assert [v for chunk, _ in chunks for v in chunk] == values
    for _chunk, clause in chunks:
        assert len(url_quote(clause, safe="")) < MAX_QUERY_CHARS
    assert len(chunks[0][0]) > 150  # as many values as the URI limit allows (the old budget gave ~80)


def test_flatten_nested_relationships() -> None:
    record = {
        "attributes": {"type": "User"},
        "Id": "005",
        "Profile": {"attributes": {"type": "Profile"}, "Name": "Standard User", "UserLicense": {"Name": "Salesforce"}},
        "UserRole": None,
    }
    assert flatten(record) == {
        "Id": "005",
        "Profile.Name": "Standard User",
        "Profile.UserLicense.Name": "Salesforce",
        "UserRole": None,
    }
