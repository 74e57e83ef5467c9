"""Text functions: Append, ConvertToBase64, ConvertToUTF8Hex, InStr, Left, Mid, NormalizeDiacritics, PCase,
StripSpaces, ToLower, ToUpper, Word.

Semantics from functions-for-customizing-application-data.md. Unless a function's section says otherwise, a null
source gives null (nothing is provisioned for a null, known-issues.md "Null attribute can't be provisioned");
Left and Word document "" for a null string.
"""

from __future__ import annotations

import base64
import re
import unicodedata

from sfprov.mapping.expressions.functions.coerce import int_arg, required_int, text_arg
from sfprov.mapping.expressions.functions.diacritics import normalize_diacritics
from sfprov.mapping.expressions.functions.spec import Args, FunctionSpec, Value


def append(a: Args) -> Value:
    """Source followed by suffix (a null suffix adds nothing)."""
    source = text_arg(a, 0, "source")
    if source is None:
        return None
    return source + (text_arg(a, 1, "suffix") or "")


def convert_to_base64(a: Args) -> Value:
    """Base64 of the "Unicode" (UTF-16LE) bytes: "Hello world!" → "SABlAGwAbABvACAAdwBvAHIAbABkACEA"."""
    source = text_arg(a, 0, "source")
    return None if source is None else base64.b64encode(source.encode("utf-16-le")).decode("ascii")


def convert_to_utf8_hex(a: Args) -> Value:
    """Upper-case hex of the UTF-8 bytes: "Hello world!" → 48656C6C6F20776F726C6421."""
    source = text_arg(a, 0, "source")
    return None if source is None else source.encode("utf-8").hex().upper()


def instr(a: Args) -> Value:
    """1-based position of value2 in value1 from ``start`` (default 1); when absent ``EvalContext.instr_not_found``,
    0 by default as in VB's InStr (the docs give only found cases). compareType vbBinaryCompare (default) is
    case-sensitive, vbTextCompare is not."""
    haystack = text_arg(a, 0, "value1")
    needle = text_arg(a, 1, "value2")
    if haystack is None or needle is None:
        return None
    start = int_arg(a, 2, "start") if a.given(2) else 1
    if start is None:
        return None
    if start < 1:
        raise a.fail(f"start must be 1 or more, got {start}")
    mode = compare_mode(a, 3)
    if mode == "text":
        haystack, needle = haystack.casefold(), needle.casefold()
    found = haystack.find(needle, start - 1) if start <= len(haystack) + 1 else -1
    return found + 1 if found >= 0 else a.ctx.instr_not_found


def compare_mode(a: Args, index: int) -> str:
    if not a.given(index):
        return "binary"
    value = a.value(index)
    text = "" if value is None else str(value) if isinstance(value, int | str) else ""
    if text in ("vbBinaryCompare", "0"):
        return "binary"
    if text in ("vbTextCompare", "1"):
        return "text"
    raise a.fail("compareType must be vbBinaryCompare or vbTextCompare")


def left(a: Args) -> Value:
    """First NumChars characters: 0 → ""; negative → the input; null → ""; shorter input → all of it."""
    source = text_arg(a, 0, "String")
    count = required_int(a, 1, "NumChars")
    if source is None:
        return ""
    if count < 0:
        return source
    return source[:count]


def mid(a: Args) -> Value:
    """Substring from 1-based ``start`` of ``length`` characters; a length past the end gives the rest; a start
    past the end gives "". start < 1 or a negative length are errors (as VB's Mid)."""
    source = text_arg(a, 0, "source")
    start = required_int(a, 1, "start")
    length = required_int(a, 2, "length")
    if source is None:
        return None
    if start < 1:
        raise a.fail(f"start is 1-based and must be 1 or more, got {start}")
    if length < 0:
        raise a.fail(f"length must not be negative, got {length}")
    return source[start - 1 : start - 1 + length]


def normalize_diacritics_fn(a: Args) -> Value:
    """Accented letters replaced by plain ones per the documented table ("Zoë" → "Zoe")."""
    source = text_arg(a, 0, "source")
    return None if source is None else normalize_diacritics(source)


_TITLE_SEPARATOR_CATEGORIES = frozenset(
    {"Zs", "Zl", "Zp", "Cc", "Cf", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"}
)


def _is_default_separator(ch: str) -> bool:
    """.NET ToTitleCase's word separators as the PCase section lists them (spaces, controls, punctuation, symbols)."""
    return unicodedata.category(ch) in _TITLE_SEPARATOR_CATEGORIES


def pcase(a: Args) -> Value:
    """First letter of each word upper-case, the rest lower-case.

    Without wordSeparators the .NET ``ToTitleCase`` separator categories apply; with it only those characters
    separate words. The whole value is lowered first, because the docs' example turns "PABLO GONSALVES (SECOND)"
    into "Pablo Gonsalves (Second)" (plain ToTitleCase would keep all-capital words).
    """
    source = text_arg(a, 0, "source")
    if source is None:
        return None
    separators = text_arg(a, 1, "wordSeparators") if a.given(1) else None
    is_separator = (lambda ch: ch in separators) if separators else _is_default_separator
    out: list[str] = []
    at_word_start = True
    for ch in source:
        if is_separator(ch):
            out.append(ch)
            at_word_start = True
        elif at_word_start:
            out.append(_simple_upper(ch, ""))
            at_word_start = False
        else:
            out.append(_simple_lower(ch, ""))
    return "".join(out)


def strip_spaces(a: Args) -> Value:
    """Removes every space character " " (only U+0020; tabs and other white space stay)."""
    source = text_arg(a, 0, "source")
    return None if source is None else source.replace(" ", "")


CULTURE_PATTERN = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def _culture(a: Args) -> str:
    if not a.given(1):
        return ""
    culture = text_arg(a, 1, "culture") or ""
    if culture and not CULTURE_PATTERN.fullmatch(culture):
        raise a.fail(f"culture {culture!r} is not an RFC 4646 name such as en-US")
    return culture.split("-")[0].lower()


def _simple_upper(ch: str, language: str) -> str:
    """.NET maps case one character to one character (ß stays ß); Turkish/Azeri map i to İ."""
    if language in ("tr", "az") and ch == "i":
        return "İ"
    upper = ch.upper()
    return upper if len(upper) == 1 else ch


def _simple_lower(ch: str, language: str) -> str:
    if language in ("tr", "az") and ch == "I":
        return "ı"
    if ch == "İ":
        return "i"  # UnicodeData's simple lower-case mapping of U+0130
    lower = ch.lower()
    return lower if len(lower) == 1 else ch


def to_lower(a: Args) -> Value:
    """Lower case with the culture's rules (invariant when none is given)."""
    source = text_arg(a, 0, "source")
    language = _culture(a)
    return None if source is None else "".join(_simple_lower(ch, language) for ch in source)


def to_upper(a: Args) -> Value:
    """Upper case with the culture's rules (invariant when none is given)."""
    source = text_arg(a, 0, "source")
    language = _culture(a)
    return None if source is None else "".join(_simple_upper(ch, language) for ch in source)


def word(a: Args) -> Value:
    """The WordNumber-th (1-based) word, words being separated by any character of Delimiters (runs of
    delimiters do not make empty words). Number < 1, null string or too few words → ""."""
    source = text_arg(a, 0, "String")
    number = required_int(a, 1, "WordNumber")
    delimiters = text_arg(a, 2, "Delimiters") or ""
    if source is None or number < 1:
        return ""
    words = [w for w in (re.split("[" + re.escape(delimiters) + "]", source) if delimiters else [source]) if w]
    return words[number - 1] if number <= len(words) else ""


SPECS = (
    FunctionSpec("Append", ("source", "suffix"), append, summary="source followed by suffix"),
    FunctionSpec("ConvertToBase64", ("source",), convert_to_base64, summary="Base64 of the UTF-16LE bytes"),
    FunctionSpec("ConvertToUTF8Hex", ("source",), convert_to_utf8_hex, summary="upper-case hex of the UTF-8 bytes"),
    FunctionSpec(
        "InStr",
        ("value1", "value2", "start", "compareType"),
        instr,
        optional=frozenset({2, 3}),
        summary="1-based position of value2 in value1, 0 when absent",
    ),
    FunctionSpec("Left", ("String", "NumChars"), left, summary="first NumChars characters"),
    FunctionSpec("Mid", ("source", "start", "length"), mid, summary="substring from a 1-based start"),
    FunctionSpec("NormalizeDiacritics", ("source",), normalize_diacritics_fn, summary="accents removed"),
    FunctionSpec(
        "PCase", ("source", "wordSeparators"), pcase, optional=frozenset({1}), summary="proper case of each word"
    ),
    FunctionSpec("StripSpaces", ("source",), strip_spaces, summary="every space removed"),
    FunctionSpec("ToLower", ("source", "culture"), to_lower, optional=frozenset({1}), summary="lower case"),
    FunctionSpec("ToUpper", ("source", "culture"), to_upper, optional=frozenset({1}), summary="upper case"),
    FunctionSpec("Word", ("String", "WordNumber", "Delimiters"), word, summary="the n-th word (1-based)"),
)
