"""Repairs and checks applied to every value before it is sent to Salesforce.

The gallery app sends what the mapping computes and lets Salesforce refuse it; the user then fails every cycle with
``SalesforceRequiredFieldMissing`` or a ``STRING_TOO_LONG`` (reference ``salesforce.md`` §13.5, §8.4). sfprov
repairs what can be repaired without changing what the value means, records each repair in the explanation, and
turns the rest into a per-user :class:`~sfprov.mapping.result.MappingIssue` naming the field and the fix:

* line breaks and tabs become a space in single-line fields (``Street``/``AboutMe`` keep ``\\n``), other control
  characters (NUL, ESC, …) are removed;
* leading/trailing white space is trimmed;
* optional ASCII transliteration (``mapping.ascii_fields``), with Entra's ``NormalizeDiacritics`` table (reference
  ``entra-provisioning-service.md`` §9.3). Off by default: Salesforce's documentation states no ASCII rule for
  ``Alias`` or ``CommunityNickname`` (Japanese orgs use Japanese aliases), so the gallery app's behaviour is kept;
* lengths (§3.3): descriptive fields are cut to the limit (``Alias`` is 8 by definition, titles and departments lose
  only their tail); identifiers and addresses (``Username``, ``Email``, ``FederationIdentifier``,
  ``EmployeeNumber``, ``PostalCode``, phones) are refused, because a cut one would point at someone else;
* ``Username`` and ``Email`` must be e-mail shaped (``FIELD_INTEGRITY_EXCEPTION`` / ``INVALID_EMAIL_ADDRESS``);
* restricted picklists are brought to Salesforce's spelling (``de-DE`` → ``de_DE``); an unknown value is replaced
  by the mapping's default on create, and left out on update, with a warning;
* checkboxes accept ``True``/``False`` in any case (Entra passes booleans as strings, §9.1);
* ``CommunityNickname`` is made unique in the org with a suffix derived from the user's id (:func:`unique_nickname`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sfprov.mapping import picklists
from sfprov.mapping.result import FieldValue, IssueCode, MappingIssue, Operation, Severity
from sfprov.mapping.salesforce_fields import TargetField

_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_BREAKS = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]+")
_BREAKS_BUT_NEWLINE = re.compile(r"[\t\v\f\x85\u2028\u2029]+")
_OTHER_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")

_DIACRITICS: dict[str, str] = {}
for _plain, _accented in (
    ("a", "äàâãåáąăāǟ"),
    ("ae", "æǣ"),
    ("c", "çčćĉċ"),
    ("d", "ďđ"),
    ("e", "ëèéêęěėē"),
    ("g", "ğ"),
    ("i", "ïîìíıī"),
    ("l", "ľł"),
    ("n", "ñńň"),
    ("o", "öòőõôóō"),
    ("oe", "øœ"),
    ("r", "ř"),
    ("s", "šśșş"),
    ("ss", "ß"),
    ("t", "ťț"),
    ("u", "üùûúůűū"),
    ("y", "ÿýȳ"),
    ("z", "źžż"),
):
    for _ch in _accented:
        _DIACRITICS[_ch] = _plain
        if _ch != "ß" and _ch.upper() != _ch:
            _DIACRITICS[_ch.upper()] = _plain.upper()


def ascii_fold(text: str) -> str:
    """ASCII form of ``text``: Entra's NormalizeDiacritics table first, then Unicode decomposition; what has no
    ASCII form (e.g. CJK) is dropped."""
    mapped = "".join(_DIACRITICS.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", mapped)
    return "".join(ch for ch in decomposed if ord(ch) < 128)


@dataclass(slots=True)
class RuleOutcome:
    """The value to send (``None``: send nothing), what was changed, and what could not be fixed."""

    value: FieldValue | None
    repairs: list[str] = field(default_factory=list)
    issues: list[MappingIssue] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FieldContext:
    operation: Operation
    default: str | None = None
    """The mapping's default, used to replace an unknown picklist value on create."""
    known_values: frozenset[str] | None = None
    """Accepted picklist values; ``None`` means not checked."""
    ascii: bool = False


def to_boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def apply_rules(target: TargetField, value: Any, ctx: FieldContext) -> RuleOutcome:
    """Bring one single-valued value to what Salesforce accepts for ``target``, or say why it cannot be."""
    name = target.name
    if isinstance(value, list | tuple):
        if len(value) != 1:
            return RuleOutcome(
                None,
                issues=[
                    MappingIssue(
                        IssueCode.MULTI_VALUE_INTO_SINGLE,
                        f"the mapping gave {len(value)} values for a single-valued field",
                        name,
                        'use an expression that returns one value, e.g. Item([attribute], 1) or Join(",", …)',
                    )
                ],
            )
        value = value[0]
    if target.kind == "boolean":
        flag = to_boolean(value)
        if flag is None:
            return RuleOutcome(
                None,
                issues=[
                    MappingIssue(
                        IssueCode.INVALID_BOOLEAN,
                        f"'{value}' is not a checkbox value",
                        name,
                        'map it to "True" or "False" (e.g. with IIF or Switch)',
                    )
                ],
            )
        return RuleOutcome(flag)
    outcome = RuleOutcome(as_text(value))
    _clean_text(target, outcome, ctx)
    text = outcome.value
    assert isinstance(text, str)
    if (name in ("Username", "Email") or target.kind == "email") and text and not _EMAIL_SHAPE.fullmatch(text):
        code = IssueCode.INVALID_USERNAME if name == "Username" else IssueCode.INVALID_EMAIL
        fix = (
            "Salesforce usernames must look like an e-mail address (name@domain.tld); fix the source value "
            "or map Username to an expression that builds one"
            if name == "Username"
            else "correct the address in Entra, or exclude the user with a scoping filter"
        )
        outcome.issues.append(MappingIssue(code, f"'{text}' is not an e-mail address", name, fix))
        outcome.value = None
        return outcome
    if target.kind == "picklist" and ctx.known_values is not None:
        _check_picklist(target, outcome, ctx)
        if outcome.value is None:
            return outcome
    _check_length(target, outcome)
    return outcome


def _clean_text(target: TargetField, outcome: RuleOutcome, ctx: FieldContext) -> None:
    text = outcome.value
    assert isinstance(text, str)
    cleaned = _OTHER_CONTROL.sub("", text)
    if target.kind == "textarea":
        cleaned = _BREAKS_BUT_NEWLINE.sub(" ", cleaned.replace("\r\n", "\n").replace("\r", "\n"))
    else:
        cleaned = _BREAKS.sub(" ", cleaned)
    if cleaned != text:
        outcome.repairs.append(
            "strip-control-characters: line breaks and tabs replaced by a space, other control characters removed"
        )
    trimmed = cleaned.strip()
    if trimmed != cleaned:
        outcome.repairs.append("trim: leading/trailing white space removed")
    if ctx.ascii:
        folded = ascii_fold(trimmed)
        if folded != trimmed:
            outcome.repairs.append(f"transliterate-ascii: '{trimmed}' → '{folded}'")
            trimmed = folded
    outcome.value = trimmed


def _check_picklist(target: TargetField, outcome: RuleOutcome, ctx: FieldContext) -> None:
    text = outcome.value
    assert isinstance(text, str)
    assert ctx.known_values is not None
    fixed = picklists.normalise(target.name, text, ctx.known_values)
    if fixed == text:
        return
    if fixed is not None:
        outcome.repairs.append(f"picklist: '{text}' written as Salesforce's '{fixed}'")
        outcome.value = fixed
        return
    if ctx.operation == "create" and ctx.default is not None:
        outcome.repairs.append(f"picklist: unknown '{text}' replaced by the default '{ctx.default}'")
        outcome.value = ctx.default
        message = f"'{text}' is not a value Salesforce offers; the default '{ctx.default}' is used instead"
    else:
        outcome.value = None
        message = f"'{text}' is not a value Salesforce offers; the field is left as it is in Salesforce"
    outcome.issues.append(
        MappingIssue(
            IssueCode.INVALID_PICKLIST_VALUE,
            message,
            target.name,
            f"add the value under mapping.picklists.{target.name} if your org has it, or correct the source",
            Severity.WARNING,
        )
    )


def _check_length(target: TargetField, outcome: RuleOutcome) -> None:
    text = outcome.value
    assert isinstance(text, str)
    if target.length is None or len(text) <= target.length:
        return
    if target.truncatable:
        outcome.value = text[: target.length].rstrip() or text[: target.length]
        outcome.repairs.append(f"truncate: {len(text)} characters cut to {target.length}")
        return
    outcome.issues.append(
        MappingIssue(
            IssueCode.STRING_TOO_LONG,
            f"the value is {len(text)} characters long; Salesforce allows {target.length} and cutting it would "
            "change what it identifies",
            target.name,
            f"shorten the source value, or map {target.name} to an expression that yields at most "
            f"{target.length} characters",
        )
    )
    outcome.value = None


def _digest(user_key: str, attempt: int) -> str:
    return hashlib.sha256(f"{user_key}:{attempt}".encode()).hexdigest()


def unique_nickname(base: str, user_key: str, taken: Iterable[str], max_length: int = 40) -> str | None:
    """``base`` if no other user holds it, else ``base`` + a short suffix derived from the user's id.

    ``taken`` are the nicknames of the *other* users of the org (compared case-insensitively, as Salesforce does
    for uniqueness, reference ``salesforce.md`` §3.5). The suffix depends only on ``user_key`` (the source object
    id) and on which candidates are taken, so the same user gets the same nickname on every run; it is never
    derived from a counter over the org, which would shift when other users come and go. None only when every
    candidate is taken.
    """
    taken_lower = {t.lower() for t in taken}
    base = base[:max_length]
    if base.lower() not in taken_lower:
        return base
    candidates = [(_digest(user_key, 0), width) for width in (4, 6, 8, 12)]
    candidates += [(_digest(user_key, attempt), 8) for attempt in range(1, 50)]
    for digest, width in candidates:
        suffix = "-" + digest[:width]
        candidate = base[: max_length - len(suffix)] + suffix
        if candidate.lower() not in taken_lower:
            return candidate
    return None


def required_field_fix(field_name: str) -> str:
    """What an administrator can do when a required field has no value (salesforce.md §13.5)."""
    fixes = {
        "Email": (
            "give the user a mail address in Entra, map Email to Coalesce([mail], [userPrincipalName]), or exclude "
            "users without mail with a scoping filter 'mail IS NOT NULL'"
        ),
        "LastName": 'give the user a surname in Entra, or set a default on the LastName mapping (the gallery uses ".")',
        "Alias": "give the user a userPrincipalName, or map Alias to an expression that always yields a value",
        "Username": "map Username from an attribute every user has (the gallery uses userPrincipalName)",
    }
    return fixes.get(
        field_name, f"map {field_name} with a default value (applied on create), or a constant, for every user"
    )
