"""Explain one user: scope, matching, and for every target field the value and the rule that produced it.

This is what ``sfprov plan --explain`` and on-demand provisioning print. It follows the steps Entra's "Provision on
demand" shows (reference ``entra-provisioning-service.md`` §11): determine if the user is in scope (each scoping
clause with its result), match (each matching attribute with its value), perform action (the attributes sent) — and
adds what Entra does not show: why a field is *not* sent and which Salesforce rule changed a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sfprov.mapping.config import MappingConfig, ScopingConfig
from sfprov.mapping.mapper import map_user
from sfprov.mapping.result import DesiredUser, FieldExplanation, Operation
from sfprov.mapping.scoping import ScopeDecision, evaluate_scope
from sfprov.model import SourceUser


@dataclass(frozen=True, slots=True)
class UserExplanation:
    user: SourceUser
    scope: ScopeDecision
    desired: DesiredUser

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for ``--output json`` and the provisioning log)."""
        return {
            "sourceId": self.user.id,
            "userPrincipalName": self.user.value("userPrincipalName"),
            "operation": self.desired.operation,
            "inScope": self.scope.in_scope,
            "scope": self.scope.reason(),
            "scopingClauses": [c.text() for f in self.scope.filters for c in f.clauses],
            "matching": [{"field": name, "value": value} for name, value in self.desired.matching],
            "fields": [_field_dict(e) for e in self.desired.explanations],
            "issues": [
                {
                    "severity": i.severity.value,
                    "code": i.code.value,
                    "field": i.field,
                    "message": i.message,
                    "fix": i.fix,
                }
                for i in self.desired.issues
            ],
        }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _field_dict(item: FieldExplanation) -> dict[str, Any]:
    return {
        "field": item.field,
        "value": _plain(item.value),
        "origin": item.origin.value,
        "rule": item.rule,
        "sourceValue": _plain(item.source_value),
        "repairs": list(item.repairs),
        "skipped": item.skipped,
    }


def explain_user(
    user: SourceUser,
    mapping: MappingConfig,
    scoping: ScopingConfig | None = None,
    *,
    operation: Operation = "create",
    taken_nicknames: Iterable[str] | None = None,
    sandbox: str | None = None,
    picklists: Mapping[str, Iterable[str]] | None = None,
    now: datetime | None = None,
) -> UserExplanation:
    scope = evaluate_scope(user, scoping or ScopingConfig(), guest_upn=mapping.guest_upn)
    desired = map_user(
        user,
        mapping,
        operation=operation,
        taken_nicknames=taken_nicknames,
        sandbox=sandbox,
        picklists=picklists,
        now=now,
    )
    return UserExplanation(user, scope, desired)


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(repr(v) for v in value) + "]"
    return repr(value)


def render(explanation: UserExplanation) -> str:
    """A plain-text report, one line per field, for a terminal."""
    desired = explanation.desired
    upn = explanation.user.value("userPrincipalName") or "(no userPrincipalName)"
    lines = [f"User {upn} (source id {explanation.user.id}), operation: {desired.operation}"]
    lines.append(
        f"Scope: {'in scope' if explanation.scope.in_scope else 'OUT OF SCOPE'} — {explanation.scope.reason()}"
    )
    for scoping_filter in explanation.scope.filters:
        title = scoping_filter.filter.title or "(untitled)"
        for clause in scoping_filter.clauses:
            lines.append(f"  [{title}] {clause.text()}")
    if desired.matching:
        shown = ", then ".join(f"{name} = {value!r}" for name, value in desired.matching)
        lines.append(f"Matching: {shown}")
    else:
        lines.append("Matching: no value to look the user up by")
    lines.append("Fields:")
    width = max((len(e.field) for e in desired.explanations), default=0)
    for item in desired.explanations:
        name = item.field.ljust(width)
        if item.sent:
            lines.append(f"  {name} = {_show(item.value)}  ← {item.rule} ({item.origin.value})")
        else:
            lines.append(f"  {name}   not sent: {item.skipped}  [{item.rule}]")
        lines.extend(f"  {' ' * width}   repaired by {repair}" for repair in item.repairs)
    if desired.fill_if_empty:
        shown = ", ".join(f"{k} = {_show(v)}" for k, v in desired.fill_if_empty.items())
        lines.append(f"Only where empty in Salesforce: {shown}")
    if desired.issues:
        lines.append("Issues:")
        lines.extend(f"  {i.severity.value}: {i}" for i in desired.issues)
    verdict = "can be written" if desired.ok else "will NOT be written (errors above)"
    lines.append(f"Result: {verdict}")
    return "\n".join(lines)
