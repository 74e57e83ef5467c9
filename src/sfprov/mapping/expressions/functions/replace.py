"""``Replace(source, oldValue, regexPattern, regexGroupName, replacementValue, replacementAttributeName, template)``.

The documented combinations (functions-for-customizing-application-data.md, Replace), all case-sensitive:

1. oldValue + replacementValue: every occurrence of oldValue in source replaced.
2. oldValue + template: every occurrence of oldValue in template replaced by source.
3. regexPattern + replacementValue: regex replace; replacementValue may use ``${group}`` substitutions.
4. regexPattern + regexGroupName + replacementValue: only what the named group matched is replaced.
5. regexPattern + regexGroupName + replacementAttributeName: source if it has a value, otherwise the named group
   of the pattern's first match in replacementAttributeName (null when nothing matches).

"Given" means written (not an empty ``, ,`` slot). Other combinations are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sfprov.mapping.expressions.dotnet_regex import RegexError, compile_pattern, substitution
from sfprov.mapping.expressions.functions.coerce import text_arg
from sfprov.mapping.expressions.functions.spec import Args, FunctionSpec, Value

PARAMS = (
    "source",
    "oldValue",
    "regexPattern",
    "regexGroupName",
    "replacementValue",
    "replacementAttributeName",
    "template",
)
SOURCE, OLD, PATTERN, GROUP, REPLACEMENT, REPLACEMENT_ATTRIBUTE, TEMPLATE = range(7)


def mode_of(given: tuple[bool, ...]) -> int | str:
    """Which documented combination the written arguments select (1–5), or why none does."""
    if given[OLD] and given[PATTERN]:
        return "give either oldValue or regexPattern, not both"
    if given[PATTERN]:
        if given[GROUP] and given[REPLACEMENT_ATTRIBUTE]:
            return 5
        if given[GROUP] and given[REPLACEMENT]:
            return 4
        if given[REPLACEMENT] and not given[GROUP]:
            return 3
        return (
            "with regexPattern give replacementValue, regexGroupName + replacementValue, "
            "or regexGroupName + replacementAttributeName"
        )
    if given[OLD]:
        if given[REPLACEMENT] and not given[TEMPLATE]:
            return 1
        if given[TEMPLATE] and not given[REPLACEMENT]:
            return 2
        return "with oldValue give either replacementValue or template"
    return "give oldValue or regexPattern"


def replace(a: Args) -> Value:
    mode = mode_of(tuple(a.given(i) for i in range(7)))
    if isinstance(mode, str):
        raise a.fail(mode, fix='Leave unused arguments empty, e.g. Replace([mail], "@contoso.com", , , "", , ).')
    source = text_arg(a, SOURCE, "source")
    if mode == 5:
        if source:
            return source
        other = text_arg(a, REPLACEMENT_ATTRIBUTE, "replacementAttributeName")
        if other is None:
            return None
        regex, group = _regex(a), text_arg(a, GROUP, "regexGroupName") or ""
        _check_group(a, regex.groupindex, group)
        found = regex.search(other)
        return None if found is None else found.group(group)
    if source is None:
        return None
    if mode in (1, 2):
        old = text_arg(a, OLD, "oldValue")
        if not old:
            raise a.fail("oldValue must not be empty")
        if mode == 1:
            return source.replace(old, text_arg(a, REPLACEMENT, "replacementValue") or "")
        return (text_arg(a, TEMPLATE, "template") or "").replace(old, source)
    regex = _regex(a)
    replacement = text_arg(a, REPLACEMENT, "replacementValue") or ""
    if mode == 3:
        return regex.sub(substitution(replacement, regex), source)
    group = text_arg(a, GROUP, "regexGroupName") or ""
    _check_group(a, regex.groupindex, group)

    def replace_group(match: re.Match[str]) -> str:
        start, end = match.span(group)
        if start < 0:
            return match.group(0)
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + replacement + whole[end - offset :]

    return regex.sub(replace_group, source)


def _regex(a: Args) -> re.Pattern[str]:
    pattern = text_arg(a, PATTERN, "regexPattern")
    if pattern is None:
        raise a.fail("regexPattern is null")
    try:
        return compile_pattern(pattern)
    except RegexError as exc:
        raise a.fail(f"regexPattern: {exc}") from None


def _check_group(a: Args, groups: Mapping[str, int], group: str) -> None:
    if group not in groups:
        raise a.fail(f"regexGroupName {group!r} is not a named group of regexPattern")


SPECS = (
    FunctionSpec(
        "Replace",
        PARAMS,
        replace,
        optional=frozenset(range(1, 7)),
        min_args=7,
        summary="replace text, by value, template or regular expression",
    ),
)
