"""Record ids: 18 characters, the right key prefix, the checksum of reference §2, no collisions across orgs."""

from __future__ import annotations

import pytest

from sfprov.emulators.salesforce import ids


@pytest.mark.parametrize(
    ("id15", "id18"),
    [
        ("005000000000001", "005000000000001AAA"),  # reference §9.2 example login response
        ("005xx0000004GxD", "005xx0000004GxDAAU"),  # reference §8.7 example collections result
        ("AAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAA555"),
        ("a0000B0000c000D", "a0000B0000c000DABQ"),
    ],
)
def test_checksum_matches_the_published_algorithm(id15: str, id18: str) -> None:
    assert ids.to18(id15) == id18


def test_normalize_accepts_15_and_18_character_forms_and_a_lower_case_checksum() -> None:
    assert ids.normalize("005xx0000004GxD") == "005xx0000004GxDAAU"
    assert ids.normalize("005xx0000004GxDaau") == "005xx0000004GxDAAU"
    assert ids.normalize("005xx0000004GxDAAU") == "005xx0000004GxDAAU"


@pytest.mark.parametrize("bad", ["005xx0000004GxDAAA", "005", "005xx0000004GxD-AU", "", None, 5, "005xx0000004GxDAA"])
def test_normalize_refuses_wrong_checksums_lengths_and_types(bad: object) -> None:
    assert ids.normalize(bad) is None


def test_factory_mints_valid_distinct_ids_per_pod() -> None:
    a, b = ids.IdFactory("0a"), ids.IdFactory("0b")
    minted = [a.new("005") for _ in range(1000)] + [b.new("005") for _ in range(1000)]
    assert len(set(minted)) == 2000
    for value in minted:
        assert len(value) == 18
        assert value.startswith("005")
        assert ids.normalize(value) == value
    assert ids.to15(minted[0]) == minted[0][:15]
    assert ids.prefix_of(minted[0]) == "005"


def test_factory_refuses_bad_pods_and_prefixes() -> None:
    with pytest.raises(ValueError, match="pod"):
        ids.IdFactory("-x")
    with pytest.raises(ValueError, match="prefix"):
        ids.IdFactory("00").new("05")


def test_base62_pads_and_overflows() -> None:
    assert ids.base62(0, 3) == "000"
    assert ids.base62(61, 2) == "0z"
    assert ids.base62(62, 2) == "10"
    with pytest.raises(OverflowError):
        ids.base62(62**2, 2)
