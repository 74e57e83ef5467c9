"""Salesforce's rules on single values: cleaning, lengths, shapes, picklists, checkboxes, unique nicknames."""

from __future__ import annotations

from typing import Any

import pytest

from sfprov.mapping import salesforce_fields as sf
from sfprov.mapping.picklists import LOCALE_SID_KEYS
from sfprov.mapping.result import IssueCode
from sfprov.mapping.salesforce_rules import FieldContext, apply_rules, ascii_fold, unique_nickname

CREATE = FieldContext(operation="create")


def _field(name: str) -> sf.TargetField:
    field = sf.lookup(name)
    assert field is not None
    return field


@pytest.mark.parametrize(
    ("field", "value", "ctx", "expected", "repair", "issue"),
    [
        ("FirstName", "Ada", CREATE, "Ada", None, None),
        ("FirstName", "Ada\r\nLovelace", CREATE, "Ada Lovelace", "strip-control-characters", None),
        ("LastName", "  Lovelace\t", CREATE, "Lovelace", "strip-control-characters", None),
        ("LastName", "  Lovelace ", CREATE, "Lovelace", "trim", None),
        ("Title", "Head\x00 of Engines", CREATE, "Head of Engines", "strip-control-characters", None),
        ("Street", "1 Main St\r\nFloor 2", CREATE, "1 Main St\nFloor 2", "strip-control-characters", None),
        ("Alias", "ada.lovelace", CREATE, "ada.love", "truncate", None),
        ("Title", "T" * 81, CREATE, "T" * 80, "truncate", None),
        ("CommunityNickname", "n" * 45, CREATE, "n" * 40, "truncate", None),
        ("Username", "a" * 75 + "@x.com", CREATE, None, None, IssueCode.STRING_TOO_LONG),
        ("Email", "a" * 120 + "@contoso.com", CREATE, None, None, IssueCode.STRING_TOO_LONG),
        ("EmployeeNumber", "1" * 21, CREATE, None, None, IssueCode.STRING_TOO_LONG),
        ("Username", "not-an-address", CREATE, None, None, IssueCode.INVALID_USERNAME),
        ("Username", "ada@localhost", CREATE, None, None, IssueCode.INVALID_USERNAME),
        ("Email", "ada at contoso.com", CREATE, None, None, IssueCode.INVALID_EMAIL),
        ("Email", "ada@contoso.com.invalid", CREATE, "ada@contoso.com.invalid", None, None),
        ("IsActive", "True", CREATE, True, None, None),
        ("IsActive", "false", CREATE, False, None, None),
        ("IsActive", False, CREATE, False, None, None),
        ("IsActive", "yes", CREATE, None, None, IssueCode.INVALID_BOOLEAN),
        ("FirstName", ["Ada", "Augusta"], CREATE, None, None, IssueCode.MULTI_VALUE_INTO_SINGLE),
        ("FirstName", ["Ada"], CREATE, "Ada", None, None),
        ("EmployeeNumber", 4711, CREATE, "4711", None, None),
        ("Alias", "Jürgen", FieldContext("create", ascii=True), "Jurgen", "transliterate-ascii", None),
        ("Alias", "Øyvind", FieldContext("create", ascii=True), "OEyvind", "transliterate-ascii", None),
        ("Alias", "Ærøskøbing", FieldContext("create", ascii=True), "AEroesko", "truncate", None),
        ("CommunityNickname", "Straße", FieldContext("create", ascii=True), "Strasse", "transliterate-ascii", None),
        ("Alias", "Jürgen", CREATE, "Jürgen", None, None),
    ],
)
def test_single_value_rules(
    field: str, value: Any, ctx: FieldContext, expected: Any, repair: str | None, issue: IssueCode | None
) -> None:
    outcome = apply_rules(_field(field), value, ctx)
    assert outcome.value == expected
    if repair is None:
        assert all(not r.startswith(("strip", "trim", "truncate", "transliterate")) for r in outcome.repairs)
    else:
        assert any(r.startswith(repair) for r in outcome.repairs), outcome.repairs
    assert [i.code for i in outcome.issues] == ([issue] if issue else [])
    for item in outcome.issues:
        assert item.field == field
        assert item.fix


LOCALES = FieldContext("create", default="en_US", known_values=LOCALE_SID_KEYS)


@pytest.mark.parametrize(
    ("value", "ctx", "expected", "warns"),
    [
        ("de_DE", LOCALES, "de_DE", False),
        ("de-DE", LOCALES, "de_DE", False),
        ("DE_de", LOCALES, "de_DE", False),
        ("he-IL", LOCALES, "iw_IL", False),
        ("id-ID", LOCALES, "in_ID", False),
        ("tlh-KX", LOCALES, "en_US", True),
        ("tlh-KX", FieldContext("update", default="en_US", known_values=LOCALE_SID_KEYS), None, True),
        ("tlh-KX", FieldContext("create", known_values=LOCALE_SID_KEYS), None, True),
        ("tlh-KX", FieldContext("create"), "tlh-KX", False),
    ],
)
def test_locale_picklist(value: str, ctx: FieldContext, expected: str | None, warns: bool) -> None:
    outcome = apply_rules(_field("LocaleSidKey"), value, ctx)
    assert outcome.value == expected
    assert [i.code for i in outcome.issues] == ([IssueCode.INVALID_PICKLIST_VALUE] if warns else [])


def test_language_locale_key_falls_back_to_the_bare_language() -> None:
    from sfprov.mapping.picklists import LANGUAGE_LOCALE_KEYS

    ctx = FieldContext("create", default="en_US", known_values=LANGUAGE_LOCALE_KEYS)
    assert apply_rules(_field("LanguageLocaleKey"), "de-DE", ctx).value == "de"
    assert apply_rules(_field("LanguageLocaleKey"), "pt-BR", ctx).value == "pt_BR"
    assert apply_rules(_field("LanguageLocaleKey"), "nb-NO", ctx).value == "no"


def test_ascii_fold_uses_the_normalize_diacritics_table() -> None:
    assert ascii_fold("Æsir Ørsted Łódź ß ñ") == "AEsir OErsted Lodz ss n"
    assert ascii_fold("山田") == ""


class TestUniqueNickname:
    def test_free_base_is_kept(self) -> None:
        assert unique_nickname("ada", "user-1", {"grace"}) == "ada"

    def test_taken_base_gets_a_stable_suffix_case_insensitively(self) -> None:
        first = unique_nickname("ada", "user-1", {"ADA"})
        assert first is not None
        assert first.startswith("ada-")
        assert first == unique_nickname("ada", "user-1", {"Ada", "someone-else"})

    def test_different_users_get_different_suffixes(self) -> None:
        assert unique_nickname("ada", "user-1", {"ada"}) != unique_nickname("ada", "user-2", {"ada"})

    def test_a_taken_suffix_moves_to_a_longer_one_and_stays_within_40(self) -> None:
        base = "x" * 40
        first = unique_nickname(base, "user-1", {base})
        assert first is not None
        assert len(first) == 40
        second = unique_nickname(base, "user-1", {base, first})
        assert second is not None
        assert second != first
        assert len(second) == 40

    def test_exhausted(self) -> None:
        taken: set[str] = {"ada"}
        for _ in range(60):
            found = unique_nickname("ada", "user-1", taken)
            if found is None:
                break
            taken.add(found)
        assert unique_nickname("ada", "user-1", taken) is None
