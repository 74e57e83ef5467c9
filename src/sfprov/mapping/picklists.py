"""Known values of the four restricted User picklists, and how a source value is brought to Salesforce's form.

Salesforce refuses an unknown value with ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`` (reference ``salesforce.md``
§8.4), and Entra's gallery app sends ``Replace([preferredLanguage], "-", , , "_", , )`` without checking (§13.4,
§13.7), so a user whose ``preferredLanguage`` is ``nb-NO`` fails there. sfprov checks first.

The built-in sets are PARTIAL (Salesforce supports well over a hundred locales and the time-zone list is long): the
connector should pass the org's own values from ``describe`` (``map_user(picklists=...)``) and administrators can
extend or replace them under ``mapping.picklists``. ``TimeZoneSidKey`` has no built-in set, so it is only checked
when values are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

LOCALE_SID_KEYS: frozenset[str] = frozenset(
    [
        "ar_AE",
        "bg_BG",
        "cs_CZ",
        "da_DK",
        "de_AT",
        "de_CH",
        "de_DE",
        "de_LU",
        "el_GR",
        "en_AU",
        "en_CA",
        "en_GB",
        "en_IE",
        "en_IN",
        "en_NZ",
        "en_SG",
        "en_US",
        "en_ZA",
        "es_AR",
        "es_CL",
        "es_CO",
        "es_ES",
        "es_MX",
        "es_PE",
        "es_US",
        "et_EE",
        "fi_FI",
        "fr_BE",
        "fr_CA",
        "fr_CH",
        "fr_FR",
        "fr_LU",
        "hr_HR",
        "hu_HU",
        "in_ID",
        "is_IS",
        "it_CH",
        "it_IT",
        "iw_IL",
        "ja_JP",
        "ko_KR",
        "lt_LT",
        "lv_LV",
        "ms_MY",
        "nl_BE",
        "nl_NL",
        "no_NO",
        "pl_PL",
        "pt_BR",
        "pt_PT",
        "ro_RO",
        "ru_RU",
        "sk_SK",
        "sl_SI",
        "sr_RS",
        "sv_SE",
        "th_TH",
        "tr_TR",
        "uk_UA",
        "vi_VN",
        "zh_CN",
        "zh_HK",
        "zh_SG",
        "zh_TW",
    ]
)
"""LocaleSidKey values (Salesforce "Supported Locales"), PARTIAL."""

LANGUAGE_LOCALE_KEYS: frozenset[str] = frozenset(
    [
        "en_US",
        "de",
        "es",
        "fr",
        "it",
        "ja",
        "sv",
        "ko",
        "zh_TW",
        "zh_CN",
        "pt_BR",
        "nl_NL",
        "da",
        "th",
        "fi",
        "ru",
        "es_MX",
        "no",
        "ar",
        "bg",
        "hr",
        "cs",
        "en_GB",
        "el",
        "iw",
        "hu",
        "in",
        "pl",
        "pt_PT",
        "ro",
        "sk",
        "sl",
        "tr",
        "uk",
        "vi",
    ]
)
"""LanguageLocaleKey values offered for users: the fully supported and end-user languages."""

EMAIL_ENCODING_KEYS: frozenset[str] = frozenset(
    [
        "UTF-8",
        "ISO-8859-1",
        "Shift_JIS",
        "ISO-2022-JP",
        "EUC-JP",
        "ks_c_5601-1987",
        "Big5",
        "GB2312",
        "Big5-HKSCS",
        "x-SJIS_0213",
    ]
)

BUILT_IN: Mapping[str, frozenset[str]] = {
    "LocaleSidKey": LOCALE_SID_KEYS,
    "LanguageLocaleKey": LANGUAGE_LOCALE_KEYS,
    "EmailEncodingKey": EMAIL_ENCODING_KEYS,
}

_LEGACY_LANGUAGE = {"he": "iw", "id": "in", "nb": "no", "nn": "no"}
"""ISO 639 codes that Salesforce still spells the old Java way (``iw_IL``, ``in_ID``, ``no_NO``)."""


@lru_cache(maxsize=64)
def _by_lower(known: frozenset[str]) -> dict[str, str]:
    return {k.lower(): k for k in known}


def normalise(field: str, value: str, known: frozenset[str]) -> str | None:
    """Salesforce's spelling of ``value`` for a locale-like picklist, or None when it has none.

    Tried in order: exact; case-insensitive; ``-`` read as ``_`` (BCP 47 ``de-DE`` → ``de_DE``); the legacy Java
    language codes (``he`` → ``iw``); and, for ``LanguageLocaleKey`` only, the bare language (``de_DE`` → ``de``),
    because Salesforce offers most user languages without a country.
    """
    if value in known:
        return value
    by_lower = _by_lower(known)
    candidates = [value, value.replace("-", "_")]
    lang, _, country = candidates[-1].partition("_")
    legacy = _LEGACY_LANGUAGE.get(lang.lower())
    if legacy:
        candidates.append(f"{legacy}_{country}" if country else legacy)
    if field == "LanguageLocaleKey":
        candidates.append(lang)
        if legacy:
            candidates.append(legacy)
    for candidate in candidates:
        hit = by_lower.get(candidate.lower())
        if hit is not None:
            return hit
    return None
