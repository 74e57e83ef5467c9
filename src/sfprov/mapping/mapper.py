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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sfprov.mapping import attributes, entitlements
from sfprov.mapping import salesforce_fields as sf
from sfprov.mapping.config import AttributeMapping, MappingConfig, MappingType, ScopingConfig
from sfprov.mapping.expressions import EvalContext, ExpressionError, IgnoreFlow, evaluate
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
    fields: dict[str, FieldValue] = field(default_factory=dict)
    fill_if_empty: dict[str, FieldValue] = field(default_factory=dict)
    matching: list[tuple[int, str, str]] = field(default_factory=list)
    issues: list[MappingIssue] = field(default_factory=list)
    explanations: list[FieldExplanation] = field(default_factory=list)


def map_user(
    user: SourceUser,
    config: MappingConfig,
    *,
    operation: Operation = "create",
    taken_nicknames: Iterable[str] | None = None,
    sandbox: str | None = None,
    picklists: Mapping[str, Iterable[str]] | None = None,
    now: datetime | None = None,
) -> DesiredUser:
    """The Salesforce user ``user`` should be, for a create or an update.

    ``taken_nicknames``: CommunityNicknames held by *other* users of the org (None: uniqueness is not checked).
    ``sandbox``: the target sandbox's name (wins over ``mapping.sandbox.name``); None with no configured name
    means production. ``picklists``: the org's accepted picklist values from ``describe`` (replace the built-in
    sets for the fields given; ``mapping.picklists`` extras are added either way).
    """
    known = {name: frozenset(values) for name, values in BUILT_IN.items()}
    for name, values in (picklists or {}).items():
        canonical = sf.lookup(name)
        known[canonical.name if canonical else name] = frozenset(values)
    for name, extra in config.picklists.items():
        known[name] = known.get(name, frozenset()) | frozenset(extra)
    ctx_kwargs: dict[str, Any] = {
        "attribute": attributes.reader(user, config.guest_upn),
        "app_role_assignments": user.app_role_assignments,
    }
    if now is not None:
        fixed = now
        ctx_kwargs["now"] = lambda: fixed
    run = _Run(
        user=user,
        config=config,
        operation=operation,
        ctx=EvalContext(**ctx_kwargs),
        suffixes=suffixes(config.sandbox, sandbox),
        taken_nicknames=frozenset(taken_nicknames) if taken_nicknames is not None else None,
        known=known,
    )
    special: dict[str, AttributeMapping] = {}
    for attr in config.effective_attributes():
        if attr.target in (sf.PROFILE_NAME, sf.PERMISSION_SETS, sf.USER_ROLE_NAME):
            special[attr.target] = attr
        else:
            _map_field(run, attr)
    profile = _profile(run, special.get(sf.PROFILE_NAME))
    permission_sets = _permission_sets(run, special.get(sf.PERMISSION_SETS))
    role = _role(run, special.get(sf.USER_ROLE_NAME))
    if operation == "create":
        _check_required(run)
    matching = tuple((name, value) for _, name, value in sorted(run.matching))
    if not matching:
        names = ", ".join(a.target for a in config.effective_attributes() if a.matching) or "none configured"
        run.issues.append(
            MappingIssue(
                IssueCode.NO_MATCHING_VALUE,
                f"no matching attribute has a value ({names}), so the user cannot be looked up in Salesforce",
                None,
                "give the user a value for the source of the first matching attribute",
            )
        )
    return DesiredUser(
        source_id=user.id,
        operation=operation,
        fields=dict(run.fields),
        profile_name=profile,
        permission_sets=permission_sets,
        role_name=role,
        matching=matching,
        issues=tuple(run.issues),
        explanations=tuple(run.explanations),
        fill_if_empty=dict(run.fill_if_empty),
    )


def _evaluate(run: _Run, attr: AttributeMapping) -> _Evaluated:
    if attr.kind is MappingType.DIRECT:
        assert attr.source is not None
        return _Evaluated(run.ctx.attribute(attr.source))
    if attr.kind is MappingType.CONSTANT:
        return _Evaluated(attr.value)
    expr = attr.parsed_expression()
    if expr is None:
        return _Evaluated(None)
    try:
        return _Evaluated(evaluate(expr, run.ctx))
    except IgnoreFlow:
        return _Evaluated(ignored=True)
    except ExpressionError as exc:
        return _Evaluated(issue=_expression_issue(attr, exc.reason, exc.fix))
    except Exception as exc:  # a defect in a function must fail this user, not the cycle
        return _Evaluated(issue=_expression_issue(attr, f"unexpected {type(exc).__name__}: {exc}", None))


def _expression_issue(attr: AttributeMapping, reason: str, fix: str | None) -> MappingIssue:
    return MappingIssue(
        IssueCode.EXPRESSION_FAILED,
        f"the expression {attr.rule_text()} failed: {reason}",
        attr.target,
        fix or "correct the expression, or the source value it reads",
    )


def _origin(attr: AttributeMapping) -> Origin:
    return {
        MappingType.DIRECT: Origin.DIRECT,
        MappingType.CONSTANT: Origin.CONSTANT,
        MappingType.EXPRESSION: Origin.EXPRESSION,
        MappingType.NONE: Origin.NONE,
    }[attr.kind]


def _target(attr: AttributeMapping) -> sf.TargetField:
    return sf.lookup(attr.target) or sf.TargetField(attr.target, "custom")


def _finish(run: _Run, target: sf.TargetField, value: Any, default: str | None) -> RuleOutcome:
    """Salesforce rules, then the sandbox suffix (checked again, since it makes the value longer)."""
    ctx = FieldContext(
        operation=run.operation,
        default=default,
        known_values=run.known.get(target.name),
        ascii=target.name.lower() in {f.lower() for f in run.config.ascii_fields},
    )
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


def _map_field(run: _Run, attr: AttributeMapping) -> None:
    target = _target(attr)
    origin = _origin(attr)
    rule = attr.rule_text()
    evaluated = _evaluate(run, attr) if attr.kind is not MappingType.NONE else _Evaluated()
    source_outcome: RuleOutcome | None = None
    if evaluated.value is not None and evaluated.issue is None and not evaluated.ignored:
        source_outcome = _finish(run, target, evaluated.value, _default_text(attr))
        if attr.matching and isinstance(source_outcome.value, str) and source_outcome.value:
            run.matching.append((attr.matching, target.name, source_outcome.value))

    def skip(reason: str, issues: Iterable[MappingIssue] = ()) -> None:
        run.issues.extend(issues)
        run.explanations.append(FieldExplanation(target.name, None, origin, rule, evaluated.value, skipped=reason))

    if evaluated.issue is not None:
        skip("the expression failed", [evaluated.issue])
        return
    if evaluated.ignored:
        skip("IgnoreFlowIfNullOrEmpty: the value is empty, so the field is left out")
        return
    if attr.flow.value == "on_create" and run.operation == "update":
        skip("applies only during creation")
        if attr.matching and source_outcome is not None:
            run.issues.extend(source_outcome.issues)
        return
    if evaluated.value is None:
        default = _default_text(attr)
        if default is None:
            skip("the source value is null; nulls are not provisioned")
            return
        if run.operation == "update":
            if attr.kind is MappingType.NONE:
                outcome = _finish(run, target, default, default)
                if outcome.value is not None:
                    run.fill_if_empty[target.name] = outcome.value
                skip("no source; its default applies only on create (offered where Salesforce's value is empty)")
            else:
                skip("the source value is null; the default applies only on create")
            return
        why = "no source" if attr.kind is MappingType.NONE else f"{rule} gave null"
        shown = f"default value {default!r} ({why}; the user is being created)"
        _send(run, target, _finish(run, target, default, default), Origin.DEFAULT, shown, evaluated.value)
        return
    assert source_outcome is not None
    _send(run, target, source_outcome, origin, rule, evaluated.value)


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
    repairs = list(outcome.repairs)
    if value is None:
        reason = "refused: " + "; ".join(i.message for i in outcome.issues) if outcome.issues else "no value"
        run.explanations.append(
            FieldExplanation(target.name, None, origin, rule, source_value, tuple(repairs), skipped=reason)
        )
        return
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
            run.explanations.append(
                FieldExplanation(target.name, None, origin, rule, source_value, tuple(repairs), "no free value")
            )
            return
        if unique != value:
            repairs.append(f"unique-nickname: '{value}' is taken in the org; '{unique}' used")
            value = unique
    run.fields[target.name] = value
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


def _text_value(run: _Run, attr: AttributeMapping) -> tuple[str | None, FieldExplanation]:
    """Evaluate a mapping of a virtual single-valued target (ProfileName, UserRoleName) with the usual flow rules."""
    before = len(run.explanations)
    _map_field(run, attr)
    explanation = run.explanations.pop(before) if len(run.explanations) > before else None
    value = run.fields.pop(attr.target, None)
    assert explanation is not None
    return (value if isinstance(value, str) and value else None), explanation


def _profile(run: _Run, attr: AttributeMapping | None) -> str | None:
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
            run, sf.PROFILE_NAME, None, Origin.APP_ROLE, attr.rule_text() if attr else "(unmapped)", issues[0].message
        )
        return None
    if attr is None:
        return _profile_fallback(run)
    value, explanation = _text_value(run, attr)
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
    run.explanations.append(FieldExplanation(target, value, origin, rule, skipped=skipped if value is None else None))


def _permission_sets(run: _Run, attr: AttributeMapping | None) -> tuple[str, ...] | None:
    rules = run.config.permission_set_rules
    if attr is None and not rules:
        return None
    names: dict[str, None] = {}
    texts: list[str] = []
    managed = bool(rules)
    if attr is not None:
        evaluated = _evaluate(run, attr)
        texts.append(attr.rule_text())
        if evaluated.issue is not None:
            run.issues.append(evaluated.issue)
        elif not evaluated.ignored and not (attr.flow.value == "on_create" and run.operation == "update"):
            raw = evaluated.value
            if raw is None and run.operation == "create":
                raw = _default_text(attr)
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


def _role(run: _Run, attr: AttributeMapping | None) -> str | None:
    if run.config.role_rules:
        choice = entitlements.choose(run.config.role_rules, run.user, sf.USER_ROLE_NAME)
        if choice.issue is not None:
            run.issues.append(choice.issue)
            _explain_virtual(run, sf.USER_ROLE_NAME, None, Origin.GROUP_RULE, choice.rule_text, "ambiguous rules")
            return None
        if choice.value is not None:
            _explain_virtual(run, sf.USER_ROLE_NAME, choice.value, Origin.GROUP_RULE, choice.rule_text)
            return choice.value
    if attr is None:
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
    value, explanation = _text_value(run, attr)
    run.explanations.append(explanation)
    return value
