""".NET regular expressions on Python's ``re``: the syntax differences that Entra's documented patterns hit.

Replace takes .NET patterns ("(?<isdCode>\\d* )") and .NET substitutions ("${phoneNumber}")
(functions-for-customizing-application-data.md, Replace; learn.microsoft.com "Substitutions in regular
expressions"). Translated: named groups ``(?<name>…)``/``(?'name'…)``, back-references ``\\k<name>``, the anchors
``\\z``/``\\Z``; substitutions ``$1 ${name} $$ $& $` $' $+ $_``. Constructs Python lacks (balancing groups,
``(?n)``) make the pattern invalid, which the caller reports.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class RegexError(ValueError):
    """The pattern or replacement is not valid."""


def translate_pattern(pattern: str) -> str:
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if not in_class and nxt == "k" and pattern[i + 2 : i + 3] in ("<", "'"):
                close = ">" if pattern[i + 2] == "<" else "'"
                end = pattern.find(close, i + 3)
                if end < 0:
                    raise RegexError("unterminated \\k<name> back-reference")
                out.append(f"(?P={pattern[i + 3 : end]})")
                i = end + 1
                continue
            if not in_class and nxt == "z":
                out.append(r"\Z")
            elif not in_class and nxt == "Z":
                out.append(r"(?=\n?\Z)")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            # a ']' right after '[' or '[^' is a literal member
            j = i + 1
            if pattern[j : j + 1] == "^":
                out.append("^")
                j += 1
            if pattern[j : j + 1] == "]":
                out.append("]")
                j += 1
            i = j
            continue
        if pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            end = pattern.find(">", i + 3)
            name = pattern[i + 3 : end] if end > 0 else ""
            if not _NAME.fullmatch(name):
                raise RegexError(f"unsupported group name {name!r}")
            out.append(f"(?P<{name}>")
            i = end + 1
            continue
        if pattern.startswith("(?'", i):
            end = pattern.find("'", i + 3)
            name = pattern[i + 3 : end] if end > 0 else ""
            if not _NAME.fullmatch(name):
                raise RegexError(f"unsupported group name {name!r}")
            out.append(f"(?P<{name}>")
            i = end + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(translate_pattern(pattern))
    except re.error as exc:
        raise RegexError(f"invalid regular expression: {exc}") from None


def substitution(replacement: str, regex: re.Pattern[str]) -> Callable[[re.Match[str]], str]:
    """A function producing .NET's substitution result for one match."""
    parts: list[Callable[[re.Match[str]], str]] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            text = "".join(literal)
            parts.append(lambda m: text)
            literal.clear()

    def group_ref(key: int | str) -> Callable[[re.Match[str]], str]:
        return lambda m: m.group(key) or ""

    i = 0
    while i < len(replacement):
        ch = replacement[i]
        if ch != "$" or i + 1 >= len(replacement):
            literal.append(ch)
            i += 1
            continue
        nxt = replacement[i + 1]
        if nxt == "$":
            literal.append("$")
            i += 2
        elif nxt == "{":
            end = replacement.find("}", i + 2)
            key_text = replacement[i + 2 : end] if end > 0 else ""
            key: int | str | None = int(key_text) if key_text.isdigit() else key_text
            valid = (isinstance(key, int) and key <= regex.groups) or key in regex.groupindex
            if end < 0 or not valid or key is None:
                literal.append(ch)
                i += 1
                continue
            flush()
            parts.append(group_ref(key))
            i = end + 1
        elif nxt.isdigit():
            j = i + 1
            while j < len(replacement) and replacement[j].isdigit() and int(replacement[i + 1 : j + 1]) <= regex.groups:
                j += 1
            if j == i + 1:
                literal.append(ch)
                i += 1
                continue
            flush()
            parts.append(group_ref(int(replacement[i + 1 : j])))
            i = j
        elif nxt == "&":
            flush()
            parts.append(lambda m: m.group(0))
            i += 2
        elif nxt == "`":
            flush()
            parts.append(lambda m: m.string[: m.start()])
            i += 2
        elif nxt == "'":
            flush()
            parts.append(lambda m: m.string[m.end() :])
            i += 2
        elif nxt == "+":
            flush()
            parts.append(lambda m: (m.group(m.re.groups) or "") if m.re.groups else "")
            i += 2
        elif nxt == "_":
            flush()
            parts.append(lambda m: m.string)
            i += 2
        else:
            literal.append(ch)
            i += 1
    flush()
    return lambda m: "".join(part(m) for part in parts)
