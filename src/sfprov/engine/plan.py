"""The plan: what should change in Salesforce, decided without touching anything.

Pure: source users, the mapping, the Salesforce users that matter and the links in; actions out. That makes every
provisioning decision testable on plain data and printable before it is applied (`sfprov plan`).

The rules follow Entra's provisioning service (reference ``entra-provisioning-service.md``) with Salesforce's
constraints (``salesforce.md``):

* A linked user is updated to its desired values; one that returns after leaving is reactivated.
* An unlinked user in scope is matched to an existing account by the matching attributes in precedence order and
  adopted, or created when nothing matches. Matching never adopts the integration user or an account linked to
  someone else; two candidates for one value is an error, never a guess.
* A linked user who left scope, or is disabled or deleted in Entra, is deactivated (never deleted: Salesforce has
  no delete for users), unless ``skip_out_of_scope_deletions`` keeps accounts of users who merely left scope.
* More deactivations in one cycle than the safety threshold are staged instead, until an operator allows them.
* Accounts sfprov does not manage are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, overload

from sfprov.mapping.config import MappingConfig, ScopingConfig
from sfprov.mapping.mapper import map_user, matching_values
from sfprov.mapping.result import DesiredUser, FieldValue, Operation
from sfprov.mapping.scoping import evaluate_scope
from sfprov.model import SourceUser
from sfprov.state import Link, LinkState

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LeaveReason = Literal["unassigned", "out_of_scope", "disabled", "soft_deleted", "hard_deleted"]

_CASE_INSENSITIVE = frozenset({"Username", "Email", "FederationIdentifier"})
_NEVER_UPDATE = frozenset({"Username"})
"""Username is the matching key: it is set on create and changed only through a deliberate mapping change."""


class ActionKind(StrEnum):
    CREATE = "create"
    ADOPT = "adopt"
    """Link an existing account found by a matching attribute, then bring it to the desired values."""
    UPDATE = "update"
    ENABLE = "enable"
    DISABLE = "disable"
    STAGED_DISABLE = "stagedDisable"
    SKIP = "skip"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Change:
    name: str
    old: Any
    new: Any


class CreatedFields(Sequence[Change]):
    """The changes of a create, read off its values when asked: every field from nothing to its value.

    A create sends every mapped field, so a list of :class:`Change` objects would repeat the values dict field by
    field for every new user until the cycle ends (at 100,000 users, ≈ 1.4 million objects); the log and the CLI
    read them once each, so they are made then.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    @property
    def values(self) -> Mapping[str, Any]:
        """The created record's fields (the action's ``values``)."""
        return self._values

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Change]:
        return (Change(name, None, value) for name, value in self._values.items())

    @overload
    def __getitem__(self, index: int) -> Change: ...

    @overload
    def __getitem__(self, index: slice) -> list[Change]: ...

    def __getitem__(self, index: int | slice) -> Change | list[Change]:
        return list(self)[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(list(self))


@dataclass(slots=True)
class Action:
    kind: ActionKind
    source_id: str
    source_upn: str | None
    source_name: str | None
    target_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    """Field values to send (create: all; update: the changed ones), ProfileId and UserRoleId resolved."""
    changes: Sequence[Change] = field(default_factory=list)
    """What changes, old and new (a create: :class:`CreatedFields`, made from ``values`` when read)."""
    permission_sets: frozenset[str] | None = None
    """Permission set ids the user should hold when sfprov manages them; ``None`` leaves them alone."""
    reason: str = ""
    matched_by: str | None = None
    error_code: str | None = None
    desired: DesiredUser | None = None
    """The mapping's result when it refused the user (its issues); None otherwise, so that the plan of a large
    cycle does not keep a second copy of every user's values (``sfprov plan --explain`` maps its user again)."""
    exported: dict[str, Any] = field(default_factory=dict)
    """What the link should remember once applied (the desired values; for a create, the ``values`` dict itself:
    neither is changed after planning)."""

    @property
    def writes(self) -> bool:
        return self.kind in (
            ActionKind.CREATE,
            ActionKind.ADOPT,
            ActionKind.UPDATE,
            ActionKind.ENABLE,
            ActionKind.DISABLE,
        )


@dataclass
class Catalogue:
    """Names resolved to this org's ids (case-insensitive keys: names and 18-character ids)."""

    profiles: Mapping[str, str]
    roles: Mapping[str, str] = field(default_factory=dict)
    permission_sets: Mapping[str, str] = field(default_factory=dict)
    profile_short_ids: Mapping[str, str] = field(default_factory=dict)
    """15-character profile id (exact case: Salesforce compares them case-sensitively, and a case-folded one may name
    another profile) -> 18-character id; admins copy the 15-character form from Setup URLs."""

    def profile(self, name: str) -> str | None:
        """The profile id a mapping value names, as the doctor resolves it (``targets.salesforce.users.Catalogue``)."""
        return self.profile_short_ids.get(name) or self.profiles.get(name.casefold())


@dataclass(frozen=True)
class Safety:
    max_deactivations: int = 50
    max_deactivation_share: float = 0.1
    skip_out_of_scope_deletions: bool = False
    allow_deactivations: bool = False


@dataclass
class PlanInput:
    """Everything the plan needs, gathered by the cycle."""

    users: Mapping[str, SourceUser]
    """Source users to consider now, in scope or not (a full cycle: all of them)."""
    in_scope: frozenset[str]
    leaving: Mapping[str, LeaveReason]
    """Linked users known to have left (unassigned, deleted), with why; their account is deactivated."""
    links: Mapping[str, Link]
    """Links of the users considered and of those leaving."""
    targets: Mapping[str, Mapping[str, Any]]
    """Salesforce users by Id (flattened: ``Profile.Name``) for linked and candidate accounts."""
    candidates: Mapping[str, Mapping[str, list[str]]]
    """For matching: field → case-folded value → Salesforce user ids having it."""
    catalogue: Catalogue
    mapping: MappingConfig
    scoping: ScopingConfig
    protected_ids: frozenset[str] = frozenset()
    """Salesforce users sfprov must never touch (the integration user)."""
    permission_sets: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Current permission set ids of linked users, when read."""
    linked_active: int = 0
    """How many links are active (for the threshold share)."""
    taken_nicknames: frozenset[str] | None = None
    sandbox: str | None = None
    compare_with_exported: bool = False
    """Incremental cycles that must not revert manual changes compare with what sfprov last sent."""


@dataclass
class Plan:
    actions: list[Action]
    staged_reason: str | None = None

    def __repr__(self) -> str:
        """A summary, not every action: ``asyncio.run`` formats the repr of the task's result when it restores the
        SIGINT handler (Python 3.11, ``signal.getsignal`` → ``Handlers(partial(..., main_task))`` → ``ValueError``
        message), so a full repr of a 100,000-action plan costs seconds and hundreds of MB at the end of every
        ``sfprov sync``. The actions are in ``actions``."""
        counts = ", ".join(f"{kind} {n}" for kind, n in self.counts().items())
        return f"Plan(actions=[{len(self.actions)}: {counts}], staged_reason={self.staged_reason!r})"

    def by_kind(self) -> dict[ActionKind, list[Action]]:
        out: dict[ActionKind, list[Action]] = {}
        for action in self.actions:
            out.setdefault(action.kind, []).append(action)
        return out

    def counts(self) -> dict[str, int]:
        return {kind.value: len(items) for kind, items in sorted(self.by_kind().items())}

    @property
    def writes(self) -> list[Action]:
        return [a for a in self.actions if a.writes]


def _same(field_name: str, old: Any, new: Any) -> bool:
    if isinstance(new, str) and isinstance(old, str) and field_name in _CASE_INSENSITIVE:
        return old.casefold() == new.casefold()
    if old in (None, "") and new in (None, ""):
        return True
    return bool(old == new)


def _name(user: SourceUser) -> tuple[str | None, str | None]:
    upn = user.value("userPrincipalName")
    name = user.value("displayName")
    return (str(upn) if upn else None, str(name) if name else None)


class _Planner:
    def __init__(self, data: PlanInput, safety: Safety) -> None:
        self.data = data
        self.safety = safety
        self.claimed: dict[str, str] = {link.target_id: sid for sid, link in data.links.items()}
        self.nickname_on_update = _nickname_flows_on_update(data.mapping)
        self.actions: list[Action] = []

    # -- resolution of the virtual targets ------------------------------------------------------------------

    def _resolve(self, desired: DesiredUser, action: Action) -> dict[str, Any] | None:
        """Desired fields plus ProfileId / UserRoleId; None (and an ERROR action) when a name is unknown."""
        values: dict[str, Any] = dict(desired.fields)
        cat = self.data.catalogue
        if desired.profile_name is not None:
            profile_id = cat.profile(desired.profile_name)
            if profile_id is None:
                self._fail(action, "UnknownProfile", f"Profile {desired.profile_name!r} does not exist in this org.")
                return None
            values["ProfileId"] = profile_id
        if desired.role_name is not None:
            role_id = cat.roles.get(desired.role_name.casefold())
            if role_id is None:
                self._fail(action, "UnknownRole", f"Role {desired.role_name!r} does not exist in this org.")
                return None
            values["UserRoleId"] = role_id
        if desired.permission_sets is not None:
            ids = set()
            for name in desired.permission_sets:
                ps = cat.permission_sets.get(name.casefold())
                if ps is None:
                    self._fail(action, "UnknownPermissionSet", f"Permission set {name!r} does not exist in this org.")
                    return None
                ids.add(ps)
            action.permission_sets = frozenset(ids)
        return values

    def _desired(
        self, user: SourceUser, action: Action, operation: Operation, taken: frozenset[str] | None
    ) -> dict[str, Any] | None:
        """Map ``user`` and resolve names to ids; on a mapping error the action becomes ERROR and joins the plan,
        and None is returned."""
        desired = map_user(
            user,
            self.data.mapping,
            operation=operation,
            taken_nicknames=taken,
            sandbox=self.data.sandbox,
            explain=False,
        )
        if not desired.ok:
            action.desired = desired
            self._fail(action, desired.errors[0].code.value, "; ".join(str(e) for e in desired.errors))
            self.actions.append(action)
            return None
        values = self._resolve(desired, action)
        if values is None:
            action.desired = desired
            self.actions.append(action)
        return values

    def _fail(self, action: Action, code: str, message: str) -> None:
        action.kind = ActionKind.ERROR
        action.error_code = code
        action.reason = message

    # -- per user -----------------------------------------------------------------------------------------

    def plan_user(self, user: SourceUser) -> None:
        upn, name = _name(user)
        link = self.data.links.get(user.id)
        in_scope = user.id in self.data.in_scope
        if in_scope:
            decision = evaluate_scope(user, self.data.scoping, guest_upn=self.data.mapping.guest_upn)
            if not decision.in_scope:
                if link is not None:
                    self.leave(user.id, upn, name, "out_of_scope", detail=decision.reason())
                return
        elif link is not None:
            reason: LeaveReason = "disabled" if user.is_soft_deleted else "unassigned"
            self.leave(user.id, upn, name, reason)
            return
        else:
            return
        target = self.data.targets.get(link.target_id) if link is not None else None
        if link is not None and target is None:
            link = None  # the linked account is gone (or unreadable): match again
        if link is not None and target is not None:
            self._update(user, upn, name, link, target)
        else:
            self._match_or_create(user, upn, name)

    def _update(
        self,
        user: SourceUser,
        upn: str | None,
        name: str | None,
        link: Link,
        target: Mapping[str, Any],
        matched_by: str | None = None,
    ) -> None:
        action = Action(ActionKind.UPDATE, user.id, upn, name, target_id=link.target_id, matched_by=matched_by)
        if link.target_id in self.data.protected_ids:
            action.kind, action.reason = ActionKind.SKIP, "the integration user is never changed by sfprov"
            self.actions.append(action)
            return
        values = self._desired(user, action, "update", self._nicknames(link.target_id))
        if values is None:
            return
        if user.is_soft_deleted and target.get("IsActive") is False:
            if link.state is LinkState.DEACTIVATED:
                action.kind, action.reason = ActionKind.SKIP, "disabled in Entra and already inactive in Salesforce"
            else:  # record a deactivation Salesforce already has (interrupted cycle, or done by hand)
                action.kind, action.reason = ActionKind.DISABLE, "disabled in Entra; already inactive, recorded"
                action.exported = {**link.exported, "IsActive": False}
                action.permission_sets = frozenset()
            self.actions.append(action)
            return
        exported = link.exported  # parsed from JSON on each access: once per user
        baseline = exported if self.data.compare_with_exported else target
        changes: list[Change] = []
        for field_name, new in values.items():
            if field_name in _NEVER_UPDATE:
                continue
            old = baseline.get(field_name, target.get(field_name))
            sent = exported.get(field_name)
            if field_name == "Email" and sent is not None and _same("Email", sent, new):
                continue  # already sent: Salesforce keeps the old address until the owner confirms the new one
            if not _same(field_name, old, new):
                action.values[field_name] = new
                changes.append(Change(field_name, target.get(field_name), new))
        current_ps = self.data.permission_sets.get(link.target_id)
        if action.permission_sets is not None and current_ps is not None and action.permission_sets != current_ps:
            changes.append(Change("PermissionSets", sorted(current_ps), sorted(action.permission_sets)))
        action.changes = changes
        wants_active = values.get("IsActive", True) is not False
        if target.get("IsActive") is False and wants_active:
            action.kind, action.reason = ActionKind.ENABLE, "back in scope: reactivate"
        elif target.get("IsActive") is not False and not wants_active:
            action.kind, action.reason = ActionKind.DISABLE, "disabled or deleted in Entra"
            action.values = {"IsActive": False}
            action.changes = [Change("IsActive", True, False)]
        elif not action.changes and link.state is not LinkState.ACTIVE and matched_by is None:
            # reactivated by an interrupted cycle or by hand, or back before a staged deactivation: record it
            action.kind, action.reason = ActionKind.ENABLE, "back in scope; already active in Salesforce, recorded"
        elif not action.changes:
            action.kind, action.reason = ActionKind.SKIP, "no change"
        if matched_by is not None:
            if action.kind in (ActionKind.UPDATE, ActionKind.SKIP):
                action.kind = ActionKind.ADOPT
            action.reason = f"existing account matched by {matched_by}" + (
                f"; {action.reason}" if action.reason else ""
            )
        if action.kind is not ActionKind.SKIP:  # a skip writes no link: nothing to remember (nor to keep in memory)
            action.exported = {**exported, **values}
        self.actions.append(action)

    def _match_or_create(self, user: SourceUser, upn: str | None, name: str | None) -> None:
        action = Action(ActionKind.CREATE, user.id, upn, name)
        for field_name, value in matching_values(user, self.data.mapping, sandbox=self.data.sandbox):
            ids = list(self.data.candidates.get(field_name, {}).get(str(value).casefold(), []))
            if not ids:
                continue
            if len(ids) > 1:
                self._fail(action, "AmbiguousMatch", f"{len(ids)} Salesforce users have {field_name} = {value!r}.")
                self.actions.append(action)
                return
            target_id = ids[0]
            owner = self.claimed.get(target_id)
            if target_id in self.data.protected_ids:
                self._fail(action, "MatchesIntegrationUser", f"{field_name} {value!r} is the integration user's.")
            elif owner is not None and owner != user.id:
                self._fail(action, "AlreadyLinked", f"The account with {field_name} {value!r} is linked to {owner}.")
            else:
                target = self.data.targets[target_id]
                self.claimed[target_id] = user.id
                link = Link(
                    job="",
                    source_id=user.id,
                    target_id=target_id,
                    fingerprint="",
                    exported_json="{}",
                    state=LinkState.ACTIVE,
                    matched_by=field_name,
                    created_at=_EPOCH,
                    updated_at=_EPOCH,
                )
                self._update(user, upn, name, link, target, matched_by=field_name)
                return
            self.actions.append(action)
            return
        if user.is_soft_deleted:
            action.kind, action.reason = ActionKind.SKIP, "disabled in Entra: no account is created"
            self.actions.append(action)
            return
        values = self._desired(user, action, "create", self.data.taken_nicknames)
        if values is None:
            return
        action.values = values
        action.changes = CreatedFields(values)
        action.exported = values
        action.reason = "in scope, no matching account"
        self.actions.append(action)

    def _nicknames(self, own_target: str) -> frozenset[str] | None:
        """Nicknames taken by *other* users, for an update; None when no mapping sets CommunityNickname on updates.

        The recommended mapping sets it on create only, so updates need no set at all. Only an "always" nickname
        mapping pays for a copy without the user's own nickname (a copy per user is quadratic on a full cycle).
        """
        taken = self.data.taken_nicknames
        if taken is None or not self.nickname_on_update:
            return None
        own = self.data.targets.get(own_target, {}).get("CommunityNickname")
        return taken - {str(own).casefold()} if own else taken

    def leave(self, source_id: str, upn: str | None, name: str | None, reason: LeaveReason, detail: str = "") -> None:
        link = self.data.links.get(source_id)
        if link is None:
            return
        target = self.data.targets.get(link.target_id)
        if upn is None and target is not None:  # a leaver is not re-read from Entra: name them by their account
            upn = str(target.get("Username") or "") or None
        action = Action(ActionKind.DISABLE, source_id, upn, name, target_id=link.target_id, reason=detail or reason)
        if link.target_id in self.data.protected_ids:
            action.kind, action.reason = ActionKind.SKIP, "the integration user is never deactivated by sfprov"
        elif reason in ("unassigned", "out_of_scope") and self.safety.skip_out_of_scope_deletions:
            action.kind, action.reason = ActionKind.SKIP, f"{reason}; kept active (skip_out_of_scope_deletions)"
        elif target is not None and target.get("IsActive") is False:
            if link.state is LinkState.DEACTIVATED:
                action.kind, action.reason = ActionKind.SKIP, f"{reason}; already inactive"
            else:  # deactivated by an interrupted cycle or by hand: record it, without writing the account again
                action.reason = f"{reason}; already inactive in Salesforce, recorded"
                action.exported = {**link.exported, "IsActive": False}
                action.permission_sets = frozenset()
        else:
            action.values = {"IsActive": False}
            action.changes = [Change("IsActive", True, False)]
            action.exported = {**link.exported, "IsActive": False}
            action.permission_sets = frozenset()
        self.actions.append(action)


def _nickname_flows_on_update(mapping: MappingConfig) -> bool:
    from sfprov.mapping.config import Flow
    from sfprov.mapping.defaults import default_attributes

    rows = {a.target: a for a in default_attributes(mapping.defaults)}
    rows.update({a.target: a for a in mapping.attributes})
    row = rows.get("CommunityNickname")
    return row is not None and "CommunityNickname" not in mapping.remove and row.flow is Flow.ALWAYS


def make_plan(data: PlanInput, safety: Safety | None = None) -> Plan:
    """Decide the actions for ``data``; stage deactivations above the threshold."""
    safety = safety or Safety()
    planner = _Planner(data, safety)
    for user_id in sorted(data.users):
        planner.plan_user(data.users[user_id])
    for source_id, reason in sorted(data.leaving.items()):
        if source_id not in data.users:
            planner.leave(source_id, None, None, reason)
    plan = Plan(planner.actions)
    _apply_threshold(plan, data.linked_active, safety)
    return plan


def _apply_threshold(plan: Plan, linked_active: int, safety: Safety) -> None:
    """Entra's accidental-deletion prevention: too many deactivations at once are staged, not applied."""
    disables = [a for a in plan.actions if a.kind is ActionKind.DISABLE]
    if not disables or safety.allow_deactivations:
        return
    share = len(disables) / linked_active if linked_active else 1.0
    over_count = len(disables) > safety.max_deactivations
    over_share = share > safety.max_deactivation_share and len(disables) > 1
    if not (over_count or over_share):
        return
    plan.staged_reason = (
        f"{len(disables)} deactivations in one cycle ({share:.0%} of {linked_active} active links) exceed the "
        f"safety threshold (max {safety.max_deactivations} or {safety.max_deactivation_share:.0%}). They are staged, "
        "not applied. If they are intended, run `sfprov sync --allow-deactivations`."
    )
    for action in disables:
        action.kind = ActionKind.STAGED_DISABLE
        action.reason = f"{action.reason}; staged by the deactivation threshold"


def values_for_log(values: Iterable[Change]) -> list[tuple[str, str | None, str | None]]:
    """Changes as text for the provisioning log (secrets never reach here: mappings carry no passwords)."""

    def text(value: FieldValue | Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, list | tuple | frozenset | set):
            return ", ".join(str(v) for v in value)
        return str(value)

    if isinstance(values, CreatedFields):  # a create: straight from its values, without a Change per field
        return [(name, None, text(value)) for name, value in values.values.items()]
    return [(c.name, text(c.old), text(c.new)) for c in values]
