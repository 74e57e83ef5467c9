"""The users-level catalogue resolves a profile by name, by 18-character id (any case) and by 15-character id (exact
case only), and the table the engine copies never holds an ambiguous case-folded 15-character key."""

from __future__ import annotations

from sfprov.emulators.salesforce.ids import to18
from sfprov.targets.salesforce.users import Catalogue, ProfileInfo, is_profile_id

# Two profiles whose 15-character ids differ only in case: legal in Salesforce, fatal to a case-folded lookup.
UPPER15 = "00e5g000000AbCd"
LOWER15 = "00e5g000000abcd"
STANDARD = ProfileInfo(to18(UPPER15), "Standard User", "100x", "Salesforce", 10, 3)
CHATTER = ProfileInfo(to18(LOWER15), "Chatter Free User", "100y", "Chatter Free", 5000, 1)


def catalogue() -> Catalogue:
    cat = Catalogue()
    cat.add_profile(STANDARD)
    cat.add_profile(CHATTER)
    return cat


def test_names_and_18_character_ids_resolve_in_any_case() -> None:
    cat = catalogue()
    assert STANDARD.id != CHATTER.id
    assert STANDARD.id.casefold() != CHATTER.id.casefold()
    assert cat.profile("standard USER") is STANDARD
    assert cat.profile(STANDARD.id) is STANDARD
    assert cat.profile(STANDARD.id.upper()) is STANDARD
    assert cat.profile(CHATTER.id.lower()) is CHATTER
    assert cat.profile_id(CHATTER.id) == CHATTER.id


def test_15_character_ids_resolve_by_exact_case_only() -> None:
    cat = catalogue()
    assert cat.profile(UPPER15) is STANDARD
    assert cat.profile(LOWER15) is CHATTER
    assert cat.profile("00e5g000000ABCD") is None  # a third record, which this org does not have


def test_the_engine_table_holds_names_and_18_character_ids_but_no_15_character_key() -> None:
    """cycle.py copies ``profiles`` into the plan's table, which plan.py looks up case-folded."""
    cat = catalogue()
    engine_table = {name: info.id for name, info in cat.profiles.items()}
    assert engine_table == {
        "standard user": STANDARD.id,
        "chatter free user": CHATTER.id,
        STANDARD.id.casefold(): STANDARD.id,
        CHATTER.id.casefold(): CHATTER.id,
    }
    assert UPPER15.casefold() not in engine_table
    assert [p.name for p in cat.unique_profiles()] == ["Standard User", "Chatter Free User"]


def test_profile_id_shape() -> None:
    assert is_profile_id(STANDARD.id)
    assert is_profile_id(UPPER15)
    assert not is_profile_id("005" + STANDARD.id[3:])
    assert not is_profile_id("Standard User")
    assert not is_profile_id(STANDARD.id + "x")
