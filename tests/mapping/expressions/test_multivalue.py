"""Multi-valued functions: Count, Item, Join, RemoveDuplicates, Split."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.mapping.expressions import ExpressionEvaluationError

from .conftest import run

PROXIES = {"proxyAddresses": ["SMTP:a@x.com", "smtp:b@x.com", "SMTP:a@x.com"]}


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ("Count([proxyAddresses])", PROXIES, 3),
        ("Count([proxyAddresses])", {}, 0),
        ("Count([proxyAddresses])", {"proxyAddresses": []}, 0),
        ("Count([mail])", {"mail": "a@x.com"}, 1),
        ("Item([proxyAddresses], 1)", PROXIES, "SMTP:a@x.com"),  # doc: first item
        ("Item([proxyAddresses], 2)", PROXIES, "smtp:b@x.com"),
        ("Item([proxyAddresses], 4)", PROXIES, None),
        ("Item([proxyAddresses], 1)", {}, None),
        ("RemoveDuplicates([proxyAddresses])", PROXIES, ["SMTP:a@x.com", "smtp:b@x.com"]),  # doc
        ("RemoveDuplicates([proxyAddresses])", {}, None),
        ("RemoveDuplicates([mail])", {"mail": "a"}, ["a"]),
    ],
)
def test_count_item_remove_duplicates(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


def test_item_index_zero_is_refused_at_runtime() -> None:
    with pytest.raises(ExpressionEvaluationError, match="Item: index is 1-based and must be 1 or more, got 0"):
        run("Item([proxyAddresses], [i])", {**PROXIES, "i": 0})


@pytest.mark.parametrize(
    ("text", "attributes", "expected"),
    [
        ('Join(", ", "", [surname], [givenName])', {"givenName": "John", "surname": "Doe"}, "Doe, John"),  # doc
        ('Join(" ", [givenName], [middle], [surname])', {"givenName": "John", "surname": "Doe"}, "John Doe"),
        ('Join("", [givenName], [surname])', {"givenName": "John", "surname": "Doe"}, "JohnDoe"),
        ('Join(";", [proxyAddresses], [mail])', {**PROXIES, "mail": "m"}, "SMTP:a@x.com;smtp:b@x.com;SMTP:a@x.com;m"),
        ('Join(" ", [a], [b])', {}, None),
        ('Join("-", 1000, [flag])', {"flag": True}, "1000-True"),
        (
            'Join("@", NormalizeDiacritics(StripSpaces(Join(".",  [PreferredFirstName], [PreferredLastName]))), '
            '"contoso.com")',
            {"PreferredFirstName": "John", "PreferredLastName": "Smith"},
            "John.Smith@contoso.com",
        ),  # doc (SelectUniqueValue's first rule)
    ],
)
def test_join(text: str, attributes: dict[str, Any], expected: object) -> None:
    assert run(text, attributes) == expected


def test_join_documented_object_id_example() -> None:
    # The docs' sample output for this expression does not belong to its sample input; the rule it shows is
    # "hex of the UTF-8 bytes, letters removed, 1000 in front", checked here on the sample input.
    value = run(
        'Join("", 1000, Replace(ConvertToUTF8Hex([objectId]), , "[a-zA-Z_]*", , "", , ))',
        {"objectId": "00aa00aa-bb11-cc22-dd33-44ee44ee44ee"},
    )
    hex_digits = b"00aa00aa-bb11-cc22-dd33-44ee44ee44ee".hex().upper()
    assert value == "1000" + "".join(ch for ch in hex_digits if ch.isdigit())


@pytest.mark.parametrize(
    ("source", "trims", "expected"),
    [
        ("PermissionSetOne, PermissionSetTwo", True, ["PermissionSetOne", "PermissionSetTwo"]),  # doc
        ("PermissionSetOne, PermissionSetTwo", False, ["PermissionSetOne", " PermissionSetTwo"]),
        ("a,,b", True, ["a", "", "b"]),
        ("single", True, ["single"]),
        (None, True, None),
    ],
)
def test_split(source: str | None, trims: bool, expected: object) -> None:
    assert run('Split([extensionAttribute5], ",")', {"extensionAttribute5": source}, split_trims=trims) == expected


def test_multi_valued_value_where_one_is_needed() -> None:
    with pytest.raises(ExpressionEvaluationError, match="Mid: source expects a single value, got a multi-valued"):
        run("Mid([proxyAddresses], 1, 2)", PROXIES)
    assert run("Mid([one], 1, 2)", {"one": ["abc"]}) == "ab"


def test_join_can_keep_empty_strings() -> None:
    text = 'Join(", ", "", [surname], [givenName], [middle])'
    attributes = {"givenName": "John", "surname": "Doe"}
    assert run(text, attributes, join_skips_empty=False) == ", Doe, John"
