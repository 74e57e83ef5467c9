"""SourceUser → DesiredUser: the attribute mappings, Entra's flow rules, the sandbox suffix and Salesforce's rules.

Entra semantics kept (reference ``entra-provisioning-service.md`` §5, §6):

* a null source value is not provisioned (the field is left out, never cleared);
* "default value if null" applies only when the user is created; a source-less mapping (type "none") therefore
  sends nothing on update, and its default is offered in ``fill_if_empty`` for a target that is empty;
* "Only during creation" mappings are left out of updates;
* ``IgnoreFlowIfNullOrEmpty`` leaves the field out (and no default replaces it);
* matching attributes are listed in precedence order with the value to look up, computed from the source (never
  from a default) and after the sandbox suffix, so lookups find what sfprov writes.

Nothing here raises for a bad user: every problem becomes a :class:`~sfprov.mapping.result.MappingIssue`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sfprov.mapping import attributes, entitlements
from sfprov.mapping import salesforce_fields as sf
from sfprov.mapping.config import AttributeMapping, Flow, MappingConfig, MappingType, ScopingConfig
from sfprov.mapping.expressions import EvalContext, Expression, ExpressionError, IgnoreFlow, evaluate
from sfprov.mapping.picklists import BUILT_IN
from sfprov.mapping.result import (
    DesiredUser,
    FieldExplanation,
    FieldValue,
    IssueCode,
    MappingIssue,
    Operation,
    Origin,
)
from sfprov.mapping.salesforce_rules import (
    FieldContext,
    RuleOutcome,
    apply_rules,
    required_field_fix,
    unique_nickname,
)
from sfprov.mapping.sandbox import SandboxSuffixes, apply_suffix, suffixes
from sfprov.model import SourceUser

_ALWAYS_SELECTED = frozenset({"id", "userPrincipalName", "accountEnabled"})


def source_attributes(config: MappingConfig, scoping: ScopingConfig | None = None) -> frozenset[str]:
    """The Graph user properties the mapping (and scoping) read, for ``$select``.

    Always includes ``id``, ``userPrincipalName`` and ``accountEnabled`` (identity and ``IsSoftDeleted``).
    """
    names: set[str] = set(_ALWAYS_SELECTED)
    refs: set[str] = set()
    for attr in config.effective_attributes():
        refs |= attr.references()
    if scoping is not None:
        refs |= {clause.attribute for f in scoping.filters for clause in f.clauses}
    for ref in refs:
        graph = attributes.graph_attribute(ref)
        if graph is not None:
            names.add(graph)
    return frozenset(names)


@dataclass(slots=True)
class _Evaluated:
    value: Any = None
    ignored: bool = False
    issue: MappingIssue | None = None


_ORIGIN = {
    MappingType.DIRECT: Origin.DIRECT,
    MappingType.CONSTANT: Origin.CONSTANT,
    MappingType.EXPRESSION: Origin.EXPRESSION,
    MappingType.NONE: Origin.NONE,
}
_SPECIAL = (sf.PROFILE_NAME, sf.PERMISSION_SETS, sf.USER_ROLE_NAME)
_SYSTEM_RANDOM = random.SystemRandom()
"""One generator for every user: ``SystemRandom`` keeps no state (it reads the OS's source on each draw), so sharing
it changes nothing but the cost of creating one per user."""


@dataclass(frozen=True, slots=True)
class _Row:
    """One attribute mapping with everything that does not depend on the user worked out once per mapping."""

    attr: AttributeMapping
    kind: MappingType
    target: sf.TargetField
    origin: Origin
    rule: str
    default: str | None
    on_create: bool
    source: str | None
    expression: Expression | None
    contexts: Mapping[str, FieldContext]
    """The Salesforce rules' context per operation (the mapping's default, the picklist values, ASCII folding)."""


@dataclass(slots=True)
class _Compiled:
    """A mapping prepared for many users: ``map_user`` runs once per user and cycle, so what depends only on the
    mapping (the effective rows, their targets, rule texts, defaults, picklist sets, sandbox suffixes) is done once."""

    config: MappingConfig
    rows: tuple[_Row, ...]
    special: Mapping[str, _Row]
    matching_rows: tuple[_Row, ...]
    matching_names: str
    known: Mapping[str, frozenset[str]]
    suffixes: dict[str | None, SandboxSuffixes | None] = field(default_factory=dict)
    constants: dict[tuple[str, str, Any, SandboxSuffixes | None], RuleOutcome] = field(default_factory=dict)
    """Salesforce rules' outcome for values that do not depend on the user (constants and defaults: half of the
    gallery mapping on a create). Shared between users, so never changed after it is made."""

    def suffixes_for(self, sandbox: str | None) -> SandboxSuffixes | None:
        if sandbox not in self.suffixes:
            self.suffixes[sandbox] = suffixes(self.config.sandbox, sandbox)
        return self.suffixes[sandbox]


def _known_picklists(config: MappingConfig, picklists: Mapping[str, Iterable[str]] | None) -> dict[str, frozenset[str]]:
    known = {name: frozenset(values) for name, values in BUILT_IN.items()}
    for name, values in (picklists or {}).items():
        canonical = sf.lookup(name)
        known[canonical.name if canonical else name] = frozenset(values)
    for name, extra in config.picklists.items():
        known[name] = known.get(name, frozenset()) | frozenset(extra)
    return known


def _compile(config: MappingConfig, picklists: Mapping[str, Iterable[str]] | None) -> _Compiled:
    known = _known_picklists(config, picklists)
    ascii_fields = {f.lower() for f in config.ascii_fields}
    rows: list[_Row] = []
    for attr in config.effective_attributes():
        target = _target(attr)
        default = _default_text(attr)
        contexts = {
            operation: FieldContext(
                operation=operation,
                default=default,
                known_values=known.get(target.name),
                ascii=target.name.lower() in ascii_fields,
            )
            for operation in ("create", "update")
        }
        rows.append(
            _Row(
                attr=attr,
                kind=attr.kind,
                target=target,
                origin=_ORIGIN[attr.kind],
                rule=attr.rule_text(),
                default=default,
                on_create=attr.flow is Flow.ON_CREATE,
                source=attr.source,
                expression=attr.parsed_expression(),
                contexts=contexts,
            )
        )
    special = {row.attr.target: row for row in rows if row.attr.target in _SPECIAL}
    matching = tuple(row for row in rows if row.attr.matching)
    return _Compiled(
        config=config,
        rows=tuple(row for row in rows if row.attr.target not in _SPECIAL),
        special=special,
        matching_rows=tuple(row for row in matching if row.attr.target not in _SPECIAL),
        matching_names=", ".join(row.attr.target for row in matching) or "none configured",
        known=known,
    )


_COMPILED: dict[int, _Compiled] = {}
_COMPILED_MAX = 32


def _compiled(config: MappingConfig, picklists: Mapping[str, Iterable[str]] | None = None) -> _Compiled:
    """The prepared form of ``config``, kept per configuration object (a cycle maps every user with one).

    Keyed by identity: the cache holds the object itself, so its id cannot be reused while the entry lives, and a
    changed configuration is a new object (``MappingConfig`` is frozen). Org picklists given per call are rare
    (``explain``) and prepared afresh.
    """
    if picklists:
        return _compile(config, picklists)
    found = _COMPILED.get(id(config))
    if found is not None and found.config is config:
        return found
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.pop(next(iter(_COMPILED)))
    compiled = _COMPILED[id(config)] = _compile(config, None)
    return compiled


@dataclass(slots=True)
class _Run:
    """Working state of one ``map_user`` call."""

    user: SourceUser
    config: MappingConfig
    operation: Operation
    ctx: EvalContext
    suffixes: SandboxSuffixes | None
    taken_nicknames: frozenset[str] | None
    known: Mapping[str, frozenset[str]]
    constants: dict[tuple[str, str, Any, SandboxSuffixes | None], RuleOutcome]
    explain: bool = True
    """Build the per-field explanations (``sfprov plan --explain``, on-demand); the plan itself needs none."""
    fields: dict[str, FieldValue] = field(default_factory=dict)
    fill_if_empty: dict[str, FieldValue] = field(default_factory=dict)
    matching: list[tuple[int, str, str]] = field(default_factory=list)
    issues: list[MappingIssue] = field(default_factory=list)
    explanations: list[FieldExplanation] = field(default_factory=list)


def _start(
    user: SourceUser,
    compiled: _Compiled,
    operation: Operation,
    *,
    taken_nicknames: Iterable[str] | None,
    sandbox: str | None,
    now: datetime | None,
    explain: bool,
) -> _Run:
    ctx = EvalContext(
        attribute=attributes.reader(user, compiled.config.guest_upn),
        app_role_assignments=user.app_role_assignments,
        rng=_SYSTEM_RANDOM,
    )
    if now is not None:
        fixed = now
        ctx.now = lambda: fixed
    if taken_nicknames is not None and not isinstance(taken_nicknames, frozenset):
        taken_nicknames = frozenset(taken_nicknames)
    return _Run(
        user=user,
        config=compiled.config,
        operation=operation,
        ctx=ctx,
        suffixes=compiled.suffixes_for(sandbox),
        taken_nicknames=taken_nicknames,
        known=compiled.known,
        constants=compiled.constants,
        explain=explain,
    )


def matching_values(
    user: SourceUser, config: MappingConfig, *, sandbox: str | None = None
) -> tuple[tuple[str, str], ...]:
    """The matching attributes with a value, in precedence order: ``map_user(user, config, operation="update",
    sandbox=sandbox).matching``, computed from the matching mappings alone.

    The cycle needs them for every unlinked user before it can look candidates up, and the plan again to match;
    evaluating the matching mappings alone (``Username`` in the gallery mapping) instead of all of them is what keeps
    a cycle at one complete mapping per user. The virtual targets (ProfileName, UserRoleName, PermissionSets) are
    never matching attributes (``MappingConfig`` refuses them), so the matching mappings are plain fields.
    """
    compiled = _compiled(config)
    run = _start(user, compiled, "update", taken_nicknames=None, sandbox=sandbox, now=None, explain=False)
    for row in compiled.matching_rows:
        _map_field(run, row)
    return tuple((name, value) for _, name, value in sorted(run.matching))


def map_user(
    user: SourceUser,
    config: MappingConfig,
    *,
    operation: Operation = "create",
    taken_nicknames: Iterable[str] | None = None,
    sandbox: str | None = None,
    picklists: Mapping[str, Iterable[str]] | None = None,
    now: datetime | None = None,
    explain: bool = True,
) -> DesiredUser:
    """The Salesforce user ``user`` should be, for a create or an update.

    ``taken_nicknames``: CommunityNicknames held by *other* users of the org (None: uniqueness is not checked).
    ``sandbox``: the target sandbox's name (wins over ``mapping.sandbox.name``); None with no configured name
    means production. ``picklists``: the org's accepted picklist values from ``describe`` (replace the built-in
    sets for the fields given; ``mapping.picklists`` extras are added either way). ``explain=False`` leaves
    ``explanations`` empty (the plan of a cycle needs the values only; everything else is the same).
    """
    compiled = _compiled(config, picklists)
    run = _start(user, compiled, operation, taken_nicknames=taken_nicknames, sandbox=sandbox, now=now, explain=explain)
    for row in compiled.rows:
        _map_field(run, row)
    special = compiled.special
    profile = _profile(run, special.get(sf.PROFILE_NAME))
    permission_sets = _permission_sets(run, special.get(sf.PERMISSION_SETS))
    role = _role(run, special.get(sf.USER_ROLE_NAME))
    if operation == "create":
        _check_required(run)
    matching = tuple((name, value) for _, name, value in sorted(run.matching))
    if not matching:
        run.issues.append(
            MappingIssue(
                IssueCode.NO_MATCHING_VALUE,
                f"no matching attribute has a value ({compiled.matching_names}), so the user cannot be looked up in "
                "Salesforce",
                None,
                "give the user a value for the source of the first matching attribute",
            )
        )
    return DesiredUser(
        source_id=user.id,
        operation=operation,
        fields=run.fields,
        profile_name=profile,
        permission_sets=permission_sets,
        role_name=role,
        matching=matching,
        issues=tuple(run.issues),
        explanations=tuple(run.explanations),
        fill_if_empty=run.fill_if_empty,
    )


def _evaluate(run: _Run, row: _Row) -> _Evaluated:
    if row.kind is MappingType.DIRECT:
        assert row.source is not None
        return _Evaluated(run.ctx.attribute(row.source))
    if row.kind is MappingType.CONSTANT:
        return _Evaluated(row.attr.value)
    if row.expression is None:
        return _Evaluated(None)
    try:
        return _Evaluated(evaluate(row.expression, run.ctx))
    except IgnoreFlow:
        return _Evaluated(ignored=True)
    except ExpressionError as exc:
        return _Evaluated(issue=_expression_issue(row.attr, exc.reason, exc.fix))
    except Exception as exc:  # a defect in a function must fail this user, not the cycle
        return _Evaluated(issue=_expression_issue(row.attr, f"unexpected {type(exc).__name__}: {exc}", None))


def _expression_issue(attr: AttributeMapping, reason: str, fix: str | None) -> MappingIssue:
    return MappingIssue(
        IssueCode.EXPRESSION_FAILED,
        f"the expression {attr.rule_text()} failed: {reason}",
        attr.target,
        fix or "correct the expression, or the source value it reads",
    )


def _target(attr: AttributeMapping) -> sf.TargetField:
    return sf.lookup(attr.target) or sf.TargetField(attr.target, "custom")


def _constant(run: _Run, row: _Row, value: Any) -> RuleOutcome:
    """``_finish`` for a value that is the same for every user (a constant or a default), worked out once."""
    key = (row.target.name, run.operation, value, run.suffixes)
    outcome = run.constants.get(key)
    if outcome is None:
        outcome = run.constants[key] = _finish(run, row, value)
    return outcome


def _finish(run: _Run, row: _Row, value: Any) -> RuleOutcome:
    """Salesforce rules, then the sandbox suffix (checked again, since it makes the value longer)."""
    target = row.target
    ctx = row.contexts[run.operation]
    outcome = apply_rules(target, value, ctx)
    suffix = run.suffixes.for_field(target.name) if run.suffixes else ""
    if suffix and isinstance(outcome.value, str) and outcome.value and not outcome.issues:
        suffixed = apply_suffix(outcome.value, suffix)
        if suffixed != outcome.value:
            again = apply_rules(target, suffixed, ctx)
            outcome = RuleOutcome(
                again.value,
                [*outcome.repairs, f"sandbox-suffix: '{suffix}' appended", *again.repairs],
                again.issues,
            )
    return outcome


def _default_text(attr: AttributeMapping) -> str | None:
    if attr.default is None:
        return None
    if isinstance(attr.default, bool):
        return "True" if attr.default else "False"
    return str(attr.default)


def _skip(run: _Run, row: _Row, source_value: Any, reason: str) -> None:
    if run.explain:
        run.explanations.append(
            FieldExplanation(row.target.name, None, row.origin, row.rule, source_value, skipped=reason)
        )


def _map_field(run: _Run, row: _Row) -> None:
    target = row.target
    evaluated = _evaluate(run, row) if row.kind is not MappingType.NONE else _Evaluated()
    source_outcome: RuleOutcome | None = None
    if evaluated.value is not None and evaluated.issue is None and not evaluated.ignored:
        if row.kind is MappingType.CONSTANT:
            source_outcome = _constant(run, row, evaluated.value)
        else:
            source_outcome = _finish(run, row, evaluated.value)
        if row.attr.matching and isinstance(source_outcome.value, str) and source_outcome.value:
            run.matching.append((row.attr.matching, target.name, source_outcome.value))
    if evaluated.issue is not None:
        run.issues.append(evaluated.issue)
        _skip(run, row, evaluated.value, "the expression failed")
        return
    if evaluated.ignored:
        _skip(run, row, evaluated.value, "IgnoreFlowIfNullOrEmpty: the value is empty, so the field is left out")
        return
    if row.on_create and run.operation == "update":
        _skip(run, row, evaluated.value, "applies only during creation")
        if row.attr.matching and source_outcome is not None:
            run.issues.extend(source_outcome.issues)
        return
    if evaluated.value is None:
        default = row.default
        if default is None:
            _skip(run, row, None, "the source value is null; nulls are not provisioned")
            return
        if run.operation == "update":
            if row.kind is MappingType.NONE:
                outcome = _constant(run, row, default)
                if outcome.value is not None:
                    run.fill_if_empty[target.name] = outcome.value
                _skip(
                    run,
                    row,
                    None,
                    "no source; its default applies only on create (offered where Salesforce's value is empty)",
                )
            else:
                _skip(run, row, None, "the source value is null; the default applies only on create")
            return
        shown = ""
        if run.explain:
            why = "no source" if row.kind is MappingType.NONE else f"{row.rule} gave null"
            shown = f"default value {default!r} ({why}; the user is being created)"
        _send(run, target, _constant(run, row, default), Origin.DEFAULT, shown, evaluated.value)
        return
    assert source_outcome is not None
    _send(run, target, source_outcome, row.origin, row.rule, evaluated.value)


def _send(
    run: _Run,
    target: sf.TargetField,
    outcome: RuleOutcome,
    origin: Origin,
    rule: str,
    source_value: Any,
) -> None:
    run.issues.extend(outcome.issues)
    value = outcome.value
    if value is None:
        if run.explain:
            reason = "refused: " + "; ".join(i.message for i in outcome.issues) if outcome.issues else "no value"
            run.explanations.append(
                FieldExplanation(target.name, None, origin, rule, source_value, tuple(outcome.repairs), skipped=reason)
            )
        return
    repairs = outcome.repairs
    if target.name == "CommunityNickname" and isinstance(value, str) and run.taken_nicknames is not None:
        unique = unique_nickname(value, run.user.id, run.taken_nicknames, target.length or 40)
        if unique is None:
            run.issues.append(
                MappingIssue(
                    IssueCode.NICKNAME_EXHAUSTED,
                    f"'{value}' and every suffixed variant are taken in the org",
                    target.name,
                    "map CommunityNickname to a more specific value",
                )
            )
            if run.explain:
                run.explanations.append(
                    FieldExplanation(target.name, None, origin, rule, source_value, tuple(repairs), "no free value")
                )
            return
        if unique != value:
            repairs = [*repairs, f"unique-nickname: '{value}' is taken in the org; '{unique}' used"]
            value = unique
    run.fields[target.name] = value
    if run.explain:
        run.explanations.append(FieldExplanation(target.name, value, origin, rule, source_value, tuple(repairs)))


def _check_required(run: _Run) -> None:
    flagged = {i.field for i in run.issues}
    for name in sf.REQUIRED_ON_CREATE:
        if name == sf.PROFILE_NAME or name in flagged:
            continue
        value = run.fields.get(name)
        if value is None or value == "":
            run.fields.pop(name, None)
            run.issues.append(
                MappingIssue(
                    IssueCode.REQUIRED_FIELD_MISSING,
                    f"Salesforce needs {name} to create a user and the mapping gives none",
                    name,
                    required_field_fix(name),
                )
            )


def _text_value(run: _Run, row: _Row) -> tuple[str | None, FieldExplanation | None]:
    """Evaluate a mapping of a virtual single-valued target (ProfileName, UserRoleName) with the usual flow rules."""
    before = len(run.explanations)
    _map_field(run, row)
    explanation = run.explanations.pop(before) if len(run.explanations) > before else None
    value = run.fields.pop(row.attr.target, None)
    assert explanation is not None or not run.explain
    return (value if isinstance(value, str) and value else None), explanation


def _profile(run: _Run, row: _Row | None) -> str | None:
    source = run.config.profile_source
    if source in ("group_rules", "group_rules_then_app_role"):
        choice = entitlements.choose(run.config.profile_rules, run.user, sf.PROFILE_NAME)
        if choice.issue is not None:
            run.issues.append(choice.issue)
            _explain_virtual(run, sf.PROFILE_NAME, None, Origin.GROUP_RULE, choice.rule_text, "ambiguous group rules")
            return None
        if choice.value is not None:
            _explain_virtual(run, sf.PROFILE_NAME, choice.value, Origin.GROUP_RULE, choice.rule_text)
            return choice.value
        if source == "group_rules":
            return _profile_fallback(run)
    issues = entitlements.app_role_issues(run.user)
    if issues:
        run.issues.extend(issues)
        _explain_virtual(
            run, sf.PROFILE_NAME, None, Origin.APP_ROLE, row.rule if row else "(unmapped)", issues[0].message
        )
        return None
    if row is None:
        return _profile_fallback(run)
    value, explanation = _text_value(run, row)
    if explanation is not None:
        run.explanations.append(explanation)
    if value is None and run.operation == "create" and not any(i.field == sf.PROFILE_NAME for i in run.issues):
        _no_profile(run, "the ProfileName mapping gives no value")
    return value


def _profile_fallback(run: _Run) -> str | None:
    default = run.config.profile_default
    if run.operation == "create" and default:
        _explain_virtual(run, sf.PROFILE_NAME, default, Origin.DEFAULT, "profile_default (no group rule matches)")
        return default
    if run.operation == "create":
        _no_profile(run, "no profile rule matches the user's groups")
    _explain_virtual(
        run,
        sf.PROFILE_NAME,
        None,
        Origin.GROUP_RULE,
        "no group rule matches",
        "no rule matches; the profile is left as it is" if run.operation == "update" else "no profile",
    )
    return None


def _no_profile(run: _Run, why: str) -> None:
    run.issues.append(
        MappingIssue(
            IssueCode.NO_PROFILE,
            f"every Salesforce user needs a profile and {why}",
            sf.PROFILE_NAME,
            "assign the user an app role named after a profile, add a profile rule for one of their groups, or "
            "set profile_default",
        )
    )


def _explain_virtual(
    run: _Run, target: str, value: str | None, origin: Origin, rule: str, skipped: str | None = None
) -> None:
    if run.explain:
        run.explanations.append(
            FieldExplanation(target, value, origin, rule, skipped=skipped if value is None else None)
        )


def _permission_sets(run: _Run, row: _Row | None) -> tuple[str, ...] | None:
    rules = run.config.permission_set_rules
    if row is None and not rules:
        return None
    names: dict[str, None] = {}
    texts: list[str] = []
    managed = bool(rules)
    if row is not None:
        evaluated = _evaluate(run, row)
        texts.append(row.rule)
        if evaluated.issue is not None:
            run.issues.append(evaluated.issue)
        elif not evaluated.ignored and not (row.on_create and run.operation == "update"):
            raw = evaluated.value
            if raw is None and run.operation == "create":
                raw = row.default
            items = list(raw) if isinstance(raw, list | tuple) else ([] if raw is None else [str(raw)])
            managed = managed or raw is not None
            for item in items:
                if str(item).strip():
                    names.setdefault(str(item).strip(), None)
    if rules:
        from_rules, groups = entitlements.permission_sets(rules, run.user)
        for name in from_rules:
            names.setdefault(name, None)
        texts.append(f"group rules (member of {', '.join(groups)})" if groups else "group rules (none match)")
    result = tuple(names) if managed else None
    if run.explain:
        run.explanations.append(
            FieldExplanation(
                sf.PERMISSION_SETS,
                result,
                Origin.GROUP_RULE if rules else Origin.EXPRESSION,
                " + ".join(texts),
                skipped=None if managed else "nothing decides the permission sets for this user; left as they are",
            )
        )
    return result


def _role(run: _Run, row: _Row | None) -> str | None:
    if run.config.role_rules:
        choice = entitlements.choose(run.config.role_rules, run.user, sf.USER_ROLE_NAME)
        if choice.issue is not None:
            run.issues.append(choice.issue)
            _explain_virtual(run, sf.USER_ROLE_NAME, None, Origin.GROUP_RULE, choice.rule_text, "ambiguous rules")
            return None
        if choice.value is not None:
            _explain_virtual(run, sf.USER_ROLE_NAME, choice.value, Origin.GROUP_RULE, choice.rule_text)
            return choice.value
    if row is None:
        if run.config.role_rules:
            _explain_virtual(
                run,
                sf.USER_ROLE_NAME,
                None,
                Origin.GROUP_RULE,
                "no group rule matches",
                "no rule matches; the role is left as it is",
            )
        return None
    value, explanation = _text_value(run, row)
    if explanation is not None:
        run.explanations.append(explanation)
    return value
