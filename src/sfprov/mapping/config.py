"""The ``mapping:`` section of the sfprov configuration as pydantic models, and the loader of both sections.

The vocabulary is Entra's (reference ``entra-provisioning-service.md`` §5, §4, §6) so that a mapping read off the
gallery app's "Attribute Mapping" page can be typed in unchanged: mapping types ``direct`` / ``constant`` /
``expression`` / ``none``, "default value if null" (``default``, applied only on create), "apply this mapping"
(``flow: always | on_create``) and matching precedence (``matching: 1, 2, …``).

``MappingConfig`` validates standalone (``MappingConfig.model_validate(dict)``), as does ``ScopingConfig``
(:mod:`sfprov.mapping.scoping_config`, re-exported here). Every problem is reported at the key that
holds it: :func:`describe_errors` turns a pydantic ``ValidationError`` into lines such as
``mapping.attributes[3].expression: Expected ')' at column 17``, and :func:`load_sections` raises a
:class:`~sfprov.errors.ConfigError` made of those lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sfprov.errors import ConfigError
from sfprov.mapping import salesforce_fields as sf
from sfprov.mapping.config_errors import Loc, LocatedError, describe_errors
from sfprov.mapping.expressions import MAX_EXPRESSION_LENGTH, Expression, ExpressionError, compile_expression
from sfprov.mapping.scoping_config import Scalar, ScopingClause, ScopingConfig, ScopingFilter, scalar_text

__all__ = [
    "AttributeMapping",
    "Flow",
    "GroupRule",
    "LocatedError",
    "MappingConfig",
    "MappingType",
    "PermissionSetRule",
    "ProfileRule",
    "RoleRule",
    "SandboxConfig",
    "ScopingClause",
    "ScopingConfig",
    "ScopingFilter",
    "describe_errors",
    "load_sections",
]


class MappingType(StrEnum):
    DIRECT = "direct"
    CONSTANT = "constant"
    EXPRESSION = "expression"
    NONE = "none"
    """No source: the target is left alone, except that ``default`` fills it on create (Entra type "None")."""


class Flow(StrEnum):
    ALWAYS = "always"
    ON_CREATE = "on_create"
    """Entra's "Only during creation" (Graph ``flowType: ObjectAddOnly``)."""


_FLOW_ALIASES = {
    "always": Flow.ALWAYS,
    "on_create": Flow.ON_CREATE,
    "oncreate": Flow.ON_CREATE,
    "on_create_only": Flow.ON_CREATE,
    "only_during_creation": Flow.ON_CREATE,
    "objectaddonly": Flow.ON_CREATE,
}


@lru_cache(maxsize=4096)
def parsed(text: str) -> Expression:
    """The parsed and validated form of an expression (cached: mappings run once per user)."""
    return compile_expression(text)


def _expression_problem(error: ExpressionError) -> str:
    column = error.column
    return f"{error.reason} at column {column}" if column is not None else error.reason


class AttributeMapping(BaseModel):
    """One attribute mapping (one row of Entra's "Attribute Mapping" page)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: str
    """A Salesforce User field, or ``ProfileName`` / ``PermissionSets`` / ``UserRoleName``."""
    type: MappingType | None = None
    """Inferred when omitted: ``source`` → direct, ``value`` → constant, ``expression`` → expression, else none
    (left None only when the keys given contradict each other, which validation then reports)."""
    source: str | None = None
    value: Scalar | tuple[str, ...] | None = None
    """A constant; a list only for the multi-valued ``PermissionSets``."""
    expression: str | None = None
    default: Scalar | None = None
    """"Default value if null": sent when the source gives null, and only when the user is created."""
    flow: Flow = Flow.ALWAYS
    matching: int = Field(default=0, ge=0)
    """Matching precedence: 0 = not a matching attribute; 1 is tried first, then 2, …"""
    unchecked: bool = False
    """Set for a standard field sfprov does not know: it is then sent as text, without length checks."""

    @model_validator(mode="before")
    @classmethod
    def _infer_type(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            data = dict(data)
            kind = data.get("type")
            if isinstance(kind, str):
                data["type"] = kind.strip().lower()
            elif kind is None:
                keys = ("source", "value", "expression")
                present = [k for k in keys if data.get(k) is not None]
                data["type"] = {"source": "direct", "value": "constant", "expression": "expression"}.get(
                    present[0] if len(present) == 1 else "", "none" if not present else None
                )
        return data

    @field_validator("target")
    @classmethod
    def _canonical_target(cls, value: str) -> str:
        field = sf.lookup(value.strip())
        return field.name if field is not None else value.strip()

    @field_validator("flow", mode="before")
    @classmethod
    def _flow_alias(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = re.sub(r"[\s-]+", "_", value.strip().lower())
            if key in _FLOW_ALIASES:
                return _FLOW_ALIASES[key]
            raise ValueError(f"unknown flow '{value}'; use 'always' or 'on_create' (Entra: Only during creation)")
        return value

    @field_validator("source")
    @classmethod
    def _source_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        name = value.strip()
        if name.startswith("[") and name.endswith("]"):
            name = name[1:-1].strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", name):
            raise ValueError(f"'{value}' is not a source attribute name (write it as in Entra, e.g. givenName)")
        return name

    @field_validator("expression")
    @classmethod
    def _expression_parses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) > MAX_EXPRESSION_LENGTH:
            raise ValueError(f"expression is {len(value)} characters long; Entra allows {MAX_EXPRESSION_LENGTH}")
        try:
            parsed(value)
        except ExpressionError as exc:
            raise ValueError(_expression_problem(exc)) from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AttributeMapping:
        problems: list[tuple[Loc, str]] = []
        field = sf.lookup(self.target)
        if field is None and not self.unchecked:
            problems.append((("target",), sf.unknown_field_message(self.target)))
        given = {
            MappingType.DIRECT: self.source is not None,
            MappingType.CONSTANT: self.value is not None,
            MappingType.EXPRESSION: self.expression is not None,
        }
        if self.type is None:
            problems.append((("type",), "several of source/value/expression given; say which with 'type'"))
            raise LocatedError(problems)
        kind = self.type
        for other, present in given.items():
            if present and other is not kind:
                key = {MappingType.DIRECT: "source", MappingType.CONSTANT: "value"}.get(other, "expression")
                problems.append(((key,), f"not used by a mapping of type {kind.value}; remove it"))
        if kind is not MappingType.NONE and not given[kind]:
            key = {MappingType.DIRECT: "source", MappingType.CONSTANT: "value"}.get(kind, "expression")
            problems.append(((key,), f"a mapping of type {kind.value} needs '{key}'"))
        if kind is MappingType.NONE and self.default is None:
            problems.append((("default",), "a mapping of type none sends only its default; give one"))
        if isinstance(self.value, tuple) and (field is None or field.kind != "multi"):
            problems.append((("value",), f"{self.target} takes one value, not a list"))
        if self.matching and field is not None and not field.matchable:
            problems.append(
                (("matching",), f"{field.name} cannot be a matching attribute (not a filterable single-valued field)")
            )
        if problems:
            raise LocatedError(problems)
        return self

    @property
    def kind(self) -> MappingType:
        assert self.type is not None  # set by validation
        return self.type

    def parsed_expression(self) -> Expression | None:
        return parsed(self.expression) if self.expression is not None else None

    def rule_text(self) -> str:
        """The mapping as Entra's page shows it: ``[mail]``, ``"True"``, or the expression."""
        if self.kind is MappingType.DIRECT:
            return f"[{self.source}]"
        if self.kind is MappingType.CONSTANT:
            if isinstance(self.value, tuple):
                return "[" + ", ".join(f'"{item}"' for item in self.value) + "]"
            return f'"{scalar_text(self.value)}"'
        if self.kind is MappingType.EXPRESSION:
            return self.expression or ""
        return "(none)"

    def references(self) -> frozenset[str]:
        if self.kind is MappingType.DIRECT and self.source:
            return frozenset({self.source})
        expr = self.parsed_expression()
        return expr.references() if expr is not None else frozenset()


class GroupRule(BaseModel):
    """A rule that applies to members of one Entra group, named by display name or object id (case-insensitive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str = Field(min_length=1)


class ProfileRule(GroupRule):
    profile: str = Field(min_length=1)
    priority: int = 100
    """Lower wins: priority 1 beats priority 10 (like matching precedence)."""


class RoleRule(GroupRule):
    role: str = Field(min_length=1)
    priority: int = 100


class PermissionSetRule(GroupRule):
    permission_sets: tuple[str, ...] = Field(min_length=1)

    @field_validator("permission_sets", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class SandboxConfig(BaseModel):
    """Suffixes for a Salesforce sandbox target (see ``sfprov.mapping.sandbox`` for the defaults and why)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    """The sandbox name (``dev1`` in ``user@example.com.dev1``); set it, or pass ``sandbox=`` to ``map_user``."""
    username_suffix: str | None = None
    """Appended to Username; default ``.<name>``, Salesforce's own suffix for users copied into the sandbox."""
    email_suffix: str = ".invalid"
    """Appended to Email; default ``.invalid`` as Salesforce does on refresh; ``""`` keeps real addresses."""

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,9}", value):
            raise ValueError("a sandbox name is 1-10 letters and digits starting with a letter (e.g. dev1)")
        return value

    @field_validator("username_suffix", "email_suffix")
    @classmethod
    def _suffix_shape(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"\.[A-Za-z0-9][A-Za-z0-9.\-]*", value):
            raise ValueError(f"'{value}' would not keep an e-mail shape; use a dot and letters/digits, e.g. .dev1")
        return value


Defaults = Literal["gallery", "recommended", "none"]
ProfileSource = Literal["app_role", "group_rules", "group_rules_then_app_role"]


class MappingConfig(BaseModel):
    """The ``mapping:`` section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: Defaults = "gallery"
    """The starting set: the gallery app's mapping, ``recommended`` (gallery + FederationIdentifier +
    CommunityNickname), or ``none``. ``attributes`` then override (same target) or add to it."""
    attributes: tuple[AttributeMapping, ...] = ()
    remove: tuple[str, ...] = ()
    """Targets to drop from the defaults (as "Delete" on Entra's page)."""
    guest_upn: Literal["original", "as_is"] = "original"
    """B2B guests: read ``userPrincipalName`` as the guest's home UPN, as Entra does (``as_is`` keeps ``#EXT#``)."""
    profile_source: ProfileSource = "app_role"
    profile_rules: tuple[ProfileRule, ...] = ()
    profile_default: str | None = None
    """With group rules: the profile for a new user that no rule matches (none → the user is refused)."""
    permission_set_rules: tuple[PermissionSetRule, ...] = ()
    role_rules: tuple[RoleRule, ...] = ()
    sandbox: SandboxConfig = SandboxConfig()
    picklists: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)
    """Extra accepted values per picklist field, added to the built-in sets (``sfprov.mapping.picklists``)."""
    ascii_fields: tuple[str, ...] = ()
    """Fields transliterated to ASCII (NormalizeDiacritics-style), e.g. ``[Alias, CommunityNickname]``."""

    @field_validator("picklists")
    @classmethod
    def _picklist_fields(cls, value: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
        canonical: dict[str, tuple[str, ...]] = {}
        for name, values in value.items():
            field = sf.lookup(name)
            if field is None or field.kind != "picklist":
                raise LocatedError([((name,), "not a picklist field (LocaleSidKey, LanguageLocaleKey, ...)")])
            canonical[field.name] = tuple(values)
        return canonical

    @model_validator(mode="after")
    def _coherent(self) -> MappingConfig:
        problems: list[tuple[Loc, str]] = []
        from sfprov.mapping.defaults import default_attributes

        in_defaults = {a.target.lower() for a in default_attributes(self.defaults)}
        for i, name in enumerate(self.remove):
            if sf.lookup(name) is None:
                problems.append((("remove", i), sf.unknown_field_message(name)))
            elif name.lower() not in in_defaults:
                problems.append((("remove", i), f"{name} is not mapped by the '{self.defaults}' defaults"))
        for i, name in enumerate(self.ascii_fields):
            field = sf.lookup(name)
            if field is None or field.kind not in ("string", "textarea", "custom"):
                problems.append((("ascii_fields", i), f"'{name}' is not a text field"))
        seen: dict[str, int] = {}
        for i, attr in enumerate(self.attributes):
            key = attr.target.lower()
            if key in seen:
                problems.append(
                    ((("attributes", i, "target")), f"{attr.target} is already mapped by attributes[{seen[key]}]")
                )
            seen[key] = i
        problems.extend(self._matching_problems())
        if self.profile_source != "app_role" and not self.profile_rules:
            problems.append((("profile_rules",), f"profile_source {self.profile_source} needs at least one rule"))
        if problems:
            raise LocatedError(problems)
        return self

    def _matching_problems(self) -> Iterator[tuple[Loc, str]]:
        by_priority: dict[int, list[str]] = {}
        for attr in self.effective_attributes():
            if attr.matching:
                by_priority.setdefault(attr.matching, []).append(attr.target)
        if not by_priority:
            yield (
                ("attributes",),
                "no matching attribute: give one mapping 'matching: 1' (the gallery app matches Username)",
            )
        for priority, targets in sorted(by_priority.items()):
            if len(targets) < 2:
                continue
            written = [t for t in targets if self._loc_of(t, "matching") != ("defaults",)] or targets[:1]
            for target in written:
                others = ", ".join(t for t in targets if t != target)
                yield self._loc_of(target, "matching"), f"matching precedence {priority} is also given to {others}"

    def _loc_of(self, target: str, key: str) -> Loc:
        for i, attr in enumerate(self.attributes):
            if attr.target.lower() == target.lower():
                return ("attributes", i, key)
        return ("defaults",)

    def reads_group_memberships(self) -> bool:
        """True when group rules need ``SourceUser.groups`` (so the source must read memberships)."""
        return bool(self.profile_rules or self.permission_set_rules or self.role_rules)

    def reads_app_roles(self) -> bool:
        """True when the user's app role assignments matter (so the source must read them)."""
        if self.profile_source != "group_rules":
            return True
        return any(
            "appRoleAssignments" in a.references() for a in self.effective_attributes() if a.target != "ProfileName"
        )

    def effective_attributes(self) -> tuple[AttributeMapping, ...]:
        """The defaults, minus ``remove``, with ``attributes`` replacing same-target defaults and adding the rest."""
        from sfprov.mapping.defaults import default_attributes

        overrides = {a.target.lower(): a for a in self.attributes}
        removed = {name.lower() for name in self.remove}
        result: list[AttributeMapping] = []
        for attr in default_attributes(self.defaults):
            key = attr.target.lower()
            if key in removed:
                continue
            result.append(overrides.pop(key, attr))
        result.extend(a for a in self.attributes if a.target.lower() in overrides)
        return tuple(result)


def load_sections(raw: Mapping[str, Any]) -> tuple[MappingConfig, ScopingConfig]:
    """Validate the ``mapping:`` and ``scoping:`` sections of a parsed sfprov YAML file (both optional)."""
    problems: list[str] = []
    mapping: MappingConfig | None = None
    scoping: ScopingConfig | None = None
    try:
        mapping = MappingConfig.model_validate(raw.get("mapping") or {})
    except ValidationError as exc:
        problems.extend(describe_errors(exc, "mapping"))
    try:
        scoping = ScopingConfig.model_validate(raw.get("scoping") or {})
    except ValidationError as exc:
        problems.extend(describe_errors(exc, "scoping"))
    if problems or mapping is None or scoping is None:
        raise ConfigError(
            "The mapping/scoping configuration is invalid:\n  " + "\n  ".join(problems),
            fix="correct the keys named above; docs/dev/mapping.md shows every option with an example",
        )
    return mapping, scoping
