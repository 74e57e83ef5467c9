"""The plan of a generated tenant, pinned: the plan JSON and what the provisioning log records must not change when
the engine's mapping and planning get cheaper.

The tenant (a few hundred users) takes every path of the plan: creates, adoptions by Username, updates, skips,
reactivations, deactivations (disabled in Entra, unassigned, leaving), mapping errors, unknown profiles, ambiguous
and protected matches, nickname collisions, a sandbox suffix, group rules for profiles, roles and permission sets,
and incremental comparison with what sfprov last sent. Each scenario's output is compared with
``test_plan_pinned.json``, recorded from the engine *before* the performance work (regenerate it only for an
intended behaviour change: ``SFPROV_PIN_WRITE=1 pytest tests/engine/test_plan_pinned.py``).

What is pinned per action is what the CLI prints (``cli_engine.action_json``) plus everything the applier turns
into writes, links and log entries: the values sent, the exported values, the permission sets, the matching
attribute, the values each written link remembers, and the log's modified properties (``values_for_log``).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sfprov.cli_engine import action_json
from sfprov.engine.plan import Action, Catalogue, Plan, PlanInput, Safety, make_plan, values_for_log
from sfprov.mapping.config import MappingConfig, ScopingConfig
from sfprov.mapping.mapper import map_user
from sfprov.model import AppRoleAssignment, GroupMembership, SourceUser
from sfprov.state import Link, LinkState

PINNED = Path(__file__).with_suffix(".json")
NOW = datetime(2026, 11, 23, tzinfo=UTC)
USERS = 200

CATALOGUE = Catalogue(
    profiles={
        "standard user": "00eSTD",
        "chatter free user": "00eCHF",
        "system administrator": "00eADM",
        "marketing user": "00eMKT",
    },
    roles={"sales": "00ESAL", "support": "00ESUP"},
    permission_sets={"api": "0PSAPI", "reports": "0PSREP", "sales cloud": "0PSSAL"},
)

CUSTOM = MappingConfig.model_validate(
    {
        "defaults": "recommended",
        "attributes": [
            {"target": "Title", "expression": "ToUpper(IgnoreFlowIfNullOrEmpty([jobTitle]))"},
            {"target": "Fax", "expression": 'IIF([department] = "Sales", "n/a", [department])'},
            {"target": "Department", "source": "department", "default": "Unassigned"},
            {"target": "CompanyName", "value": "Contoso"},
            {"target": "Alias", "expression": 'Left(Join("", Left([givenName], 1), [surname]), 8)'},
            {"target": "Division", "source": "officeLocation", "flow": "on_create"},
            {"target": "EmployeeNumber", "expression": 'Switch([employeeType], [employeeId], "Guest", "G")'},
            {"target": "FederationIdentifier", "source": "userPrincipalName", "matching": 2},
        ],
        "ascii_fields": ["Alias", "CommunityNickname"],
        "profile_source": "group_rules_then_app_role",
        "profile_rules": [
            {"group": "Admins", "profile": "System Administrator", "priority": 1},
            {"group": "Marketing", "profile": "Marketing User", "priority": 5},
        ],
        "role_rules": [{"group": "Sales", "role": "Sales"}, {"group": "Support", "role": "Support"}],
        "permission_set_rules": [
            {"group": "Sales", "permission_sets": ["Sales Cloud", "Reports"]},
            {"group": "Integrators", "permission_sets": "API"},
        ],
    }
)

_GIVEN = ["Ada", "Zoë", "Jürgen", "Ñandú", "Li", "O'Brien", "Anne-Marie", "Bartholomew-Maximilian", "", "Émile"]
_SURNAMES = ["Lovelace", "Dvořák", "Smith", "Ng", None, "García Márquez", "Ō", "Stone", "Abernathy-Wellington", "Q"]
_LANGS = ["en-US", "fr-FR", "de-DE", None, "pt-BR", "xx-YY", "ja-JP"]
_GROUPS = ["Admins", "Marketing", "Sales", "Support", "Integrators"]


def _role(i: int) -> tuple[AppRoleAssignment, ...]:
    pick = i % 23
    if pick == 5:
        return ()
    if pick == 7:
        return (AppRoleAssignment("r-x", "Nonexistent Profile", "Nonexistent", "User", f"u{i}"),)
    if pick == 11:
        return (
            AppRoleAssignment("r-std", "Standard User", "Standard User", "User", f"u{i}"),
            AppRoleAssignment("r-mkt", "Marketing User", "Marketing User", "Group", "g1"),
        )
    if pick == 13:
        return (AppRoleAssignment("00000000-0000-0000-0000-000000000000", None, "Default Access", "User", f"u{i}"),)
    value = "System Administrator" if pick == 17 else "Standard User"
    return (AppRoleAssignment(f"r-{value}", value, value, "User", f"u{i}"),)


def _groups(i: int) -> tuple[GroupMembership, ...]:
    return tuple(GroupMembership(f"g-{g}", g, direct=(i % 2 == 0)) for k, g in enumerate(_GROUPS) if (i >> k) % 3 == 1)


def source_user(i: int, *, changed: bool = False) -> SourceUser:
    """User ``i``: varied names, languages, roles and groups; ``changed`` alters a few attributes."""
    given = _GIVEN[i % len(_GIVEN)]
    surname = _SURNAMES[(i // 3) % len(_SURNAMES)]
    local = f"user{i}" if i % 31 else f"user.{i}.with-a-rather-long-local-part-for-alias"
    upn = f"{local}@contoso.com" if i % 41 else None
    attrs: dict[str, Any] = {
        "userPrincipalName": upn,
        "mail": f"{local}@contoso.com" if i % 19 else None,
        "givenName": given or None,
        "surname": surname,
        "displayName": f"{given} {surname}",
        "accountEnabled": i % 37 != 3,
        "preferredLanguage": _LANGS[i % len(_LANGS)],
        "jobTitle": ["engineer", None, "Sales Lead", ""][i % 4],
        "department": None if i % 9 == 1 else ["R&D", "Sales"][i % 2],
        "officeLocation": "Paris" if i % 5 else None,
        "employeeType": ["Employee", "Guest", None][i % 3],
        "employeeId": f"E{i:05d}" if i % 4 else None,
    }
    if changed:
        attrs["surname"] = f"{surname or 'X'}-changed"
        attrs["jobTitle"] = "Director"
        attrs["mail"] = f"{local}@fabrikam.com"
    return SourceUser(
        f"src-{i:04d}",
        {k: v for k, v in attrs.items() if v is not None},
        app_role_assignments=_role(i),
        groups=_groups(i),
    )


def account(i: int, username: str, *, active: bool = True, **fields: Any) -> dict[str, Any]:
    return {
        "Id": f"005{i:06d}",
        "Username": username,
        "Email": username,
        "IsActive": active,
        "ProfileId": "00eSTD",
        "FirstName": _GIVEN[i % len(_GIVEN)] or None,
        "LastName": _SURNAMES[(i // 3) % len(_SURNAMES)] or ".",
        "Alias": f"user{i}"[:8],
        "LocaleSidKey": "en_US",
        "CommunityNickname": f"user{i}",
        "Title": None,
        **fields,
    }


def _link(uid: str, target: str, exported: dict[str, Any], state: LinkState = LinkState.ACTIVE) -> Link:
    return Link("job", uid, target, "", json.dumps(exported), state, None, NOW, NOW)


def tenant(mapping: MappingConfig, *, compare_with_exported: bool = False, sandbox: str | None = None) -> PlanInput:
    """Every user's situation is chosen by ``i % 12``; see the branches."""
    users: dict[str, SourceUser] = {}
    in_scope: set[str] = set()
    links: dict[str, Link] = {}
    targets: dict[str, dict[str, Any]] = {}
    leaving: dict[str, Any] = {}
    ps: dict[str, frozenset[str]] = {}
    for i in range(USERS):
        kind = i % 12
        user = source_user(i, changed=kind in (2, 8))
        uid = user.id
        upn = str(user.value("userPrincipalName") or f"user{i}@contoso.com")
        if kind == 9:  # leaving: unassigned or hard-deleted, not re-read from Entra
            links[uid] = _link(uid, f"005{i:06d}", {"Username": upn, "IsActive": True})
            targets[f"005{i:06d}"] = account(i, upn)
            leaving[uid] = "hard_deleted" if i % 24 == 9 else "unassigned"
            continue
        users[uid] = user
        if kind != 6:
            in_scope.add(uid)
        if kind in (0, 7):  # new: created (or refused by the mapping)
            continue
        if kind == 1:  # unlinked, an account with the same Username exists: adopted
            targets[f"005{i:06d}"] = account(i, upn.upper() if i % 2 else upn, LastName="Old")
            continue
        if kind == 10:  # unlinked; two accounts with the Username (ambiguous) or the integration user's
            targets[f"005{i:06d}"] = account(i, upn)
            if i % 24 == 10:
                targets[f"006{i:06d}"] = account(i, upn.upper(), Id=f"006{i:06d}")
            continue
        target_id = f"005{i:06d}"
        active = kind not in (4, 11)
        targets[target_id] = account(i, upn, active=active)
        if kind == 3:  # linked and already as desired: nothing to do
            desired = map_user(user, mapping, operation="update", sandbox=sandbox)
            targets[target_id].update(desired.fields)
        state = LinkState.DEACTIVATED if kind == 11 and i % 24 == 11 else LinkState.ACTIVE
        exported = {"Username": upn, "LastName": "Sent-before", "IsActive": active, "Email": upn}
        links[uid] = _link(uid, target_id, exported, state)
        if i % 3 == 0:
            ps[target_id] = frozenset({"0PSREP"})
    candidates: dict[str, dict[str, list[str]]] = {}
    for field_name in ("Username", "FederationIdentifier"):
        index: dict[str, list[str]] = {}
        for tid, row in targets.items():
            value = row.get(field_name)
            if value:
                index.setdefault(str(value).casefold(), []).append(tid)
        candidates[field_name] = index
    nicknames = frozenset(
        str(r["CommunityNickname"]).casefold() for r in targets.values() if r.get("CommunityNickname")
    )
    protected = frozenset({f"005{i:06d}" for i in range(USERS) if i % 12 == 10 and i % 24 != 10})
    return PlanInput(
        users=users,
        in_scope=frozenset(in_scope),
        leaving=leaving,
        links=links,
        targets=targets,
        candidates=candidates,
        catalogue=CATALOGUE,
        mapping=mapping,
        scoping=ScopingConfig(),
        protected_ids=protected,
        permission_sets=ps,
        linked_active=sum(1 for lk in links.values() if lk.state is LinkState.ACTIVE),
        taken_nicknames=nicknames | {f"user{i}1" for i in range(0, USERS, 7)},
        sandbox=sandbox,
        compare_with_exported=compare_with_exported,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def pin_action(action: Action) -> dict[str, Any]:
    log = [list(t) for t in values_for_log(action.changes)]
    shown = [[c["name"], _text(c["old"]), _text(c["new"])] for c in action_json(action)["changes"]]
    assert log == shown or not log, "the log's modified properties follow the plan's changes"
    return {
        **action_json(action),
        "kind": action.kind.value,
        "sourceName": action.source_name,
        "values": _plain(action.values),
        # what the link remembers: only actions that write one (a skip or an error stores no link)
        "exported": _plain(action.exported) if action.kind.value not in ("skip", "error") else None,
        "permissionSets": _plain(action.permission_sets) if action.permission_sets is not None else None,
    }


def pin_plan(plan: Plan) -> dict[str, Any]:
    return {
        "stagedReason": plan.staged_reason,
        "counts": plan.counts(),
        "actions": [pin_action(a) for a in plan.actions],
    }


SCENARIOS: dict[str, tuple[MappingConfig, dict[str, Any], Safety]] = {
    "gallery-full": (MappingConfig(), {}, Safety(allow_deactivations=True)),
    "gallery-staged": (MappingConfig(), {}, Safety()),
    "gallery-incremental": (MappingConfig(), {"compare_with_exported": True}, Safety(allow_deactivations=True)),
    "custom-full": (CUSTOM, {}, Safety(allow_deactivations=True, skip_out_of_scope_deletions=True)),
    "custom-sandbox": (CUSTOM, {"sandbox": "dev1", "compare_with_exported": True}, Safety(max_deactivations=500)),
}


def run_scenario(name: str) -> dict[str, Any]:
    mapping, options, safety = SCENARIOS[name]
    return pin_plan(make_plan(tenant(mapping, **options), safety))


def test_the_tenant_takes_every_path() -> None:
    kinds = {a["kind"] for name in SCENARIOS for a in run_scenario(name)["actions"]}
    assert kinds == {"create", "adopt", "update", "enable", "disable", "stagedDisable", "skip", "error"}


def _dump(pinned: dict[str, Any]) -> str:
    """One action a line, so that a change shows as a readable diff."""
    lines = ["{"]
    for n, (name, plan) in enumerate(sorted(pinned.items())):
        head = {k: v for k, v in plan.items() if k != "actions"}
        lines.append(
            f'{json.dumps(name)}: {{{json.dumps(head, sort_keys=True, ensure_ascii=False)[1:-1]}, "actions": ['
        )
        actions = [json.dumps(a, sort_keys=True, ensure_ascii=False) for a in plan["actions"]]
        lines.append(",\n".join(actions))
        lines.append("]}" + ("," if n < len(pinned) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_plan_output_is_pinned(name: str) -> None:
    got = json.loads(json.dumps(run_scenario(name)))
    if os.environ.get("SFPROV_PIN_WRITE"):
        pinned = json.loads(PINNED.read_text(encoding="utf-8")) if PINNED.exists() else {}
        pinned[name] = got
        PINNED.write_text(_dump(pinned), encoding="utf-8")
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert got == pinned[name]
