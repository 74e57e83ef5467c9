"""Publish a Salesforce org's profiles as app roles of the Entra application, as the gallery app's profile import
does, so that admins can assign users to a profile and ``SingleAppRoleAssignment([appRoleAssignments])`` hands the
engine the profile (reference ``salesforce.md`` §13.2, ``entra-graph.md`` §9).

Each published role has ``displayName`` = the profile name, ``value`` = the profile's 18-character id and
``description`` = :func:`marker` of the target. The value cannot be the name: Graph refuses spaces in a role value
(appRole resource page); an id is allowed, and stays the same when the profile is renamed. The marker is how sfprov
recognises its own roles: a role without it (the gallery's, an admin's, another target's) is never changed.

Graph's rules this module plans around (appRole resource page, application-update page):

* ``PATCH /applications/{id}`` with ``appRoles`` replaces the whole collection, so every PATCH carries every role,
  the ones sfprov did not publish unchanged.
* An enabled role can be removed or changed only after an earlier PATCH disabled it
  (``CannotDeleteOrUpdateEnabledEntitlement``); that PATCH changes nothing else of the role.
* Disabling a role keeps its assignments (they stay, the role is just not assignable any more).

A profile that is gone from Salesforce has its role removed only when no assignment uses it; otherwise the role is
disabled and kept, and the admin is told which assignments to move: sfprov never drops an assignment silently.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from sfprov.errors import ConfigError, ConnectorError, NotFound, PermissionDenied
from sfprov.sources.entra.graph import GraphClient

MARKER_PREFIX = "Salesforce profile, published by sfprov from "
ROLE_FIELDS = ("allowedMemberTypes", "description", "displayName", "id", "isEnabled", "value")
"""The appRole properties sfprov sends back; ``origin`` is read-only and must not be sent (appRole page)."""

WRITE_PERMISSION_FIX = (
    "Grant the sfprov app the Microsoft Graph application permission Application.ReadWrite.OwnedBy and make it an "
    "owner of the Salesforce application (App registrations > Salesforce > Owners), or grant "
    "Application.ReadWrite.All; then click 'Grant admin consent'."
)

Outcome = Literal["added", "renamed", "restored", "retired", "kept", "unchanged", "skipped"]
OUTCOMES: tuple[Outcome, ...] = ("added", "renamed", "restored", "retired", "kept", "unchanged", "skipped")


def marker(target: str) -> str:
    """The description that marks a role as published by sfprov from ``target``."""
    return f"{MARKER_PREFIX}{target}"


@dataclass(frozen=True)
class Profile:
    """A profile to publish: its 18-character id and its name."""

    id: str
    name: str


@dataclass(frozen=True)
class RoleChange:
    """What publication does to one role, for the report."""

    outcome: Outcome
    name: str
    profile_id: str | None
    role_id: str | None
    previous_name: str | None = None
    assignments: int = 0
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "profile": self.name,
            "profile_id": self.profile_id,
            "role_id": self.role_id,
            "previous_name": self.previous_name,
            "assignments": self.assignments,
            "reason": self.reason,
        }


@dataclass
class PublicationPlan:
    """The changes, and the full ``appRoles`` collections to PATCH, in order (none when nothing changes)."""

    app_object_id: str
    app_id: str
    app_display_name: str
    target: str
    changes: list[RoleChange] = field(default_factory=list)
    patches: list[list[dict[str, Any]]] = field(default_factory=list)

    def of(self, outcome: Outcome) -> list[RoleChange]:
        return [c for c in self.changes if c.outcome == outcome]

    def counts(self) -> dict[str, int]:
        return {outcome: len(self.of(outcome)) for outcome in OUTCOMES}

    def to_json(self) -> dict[str, Any]:
        return {
            "application": {"id": self.app_object_id, "appId": self.app_id, "displayName": self.app_display_name},
            "target": self.target,
            "counts": self.counts(),
            "changes": [c.to_json() for c in self.changes],
            "patches": len(self.patches),
        }


def _clean(role: Mapping[str, Any]) -> dict[str, Any]:
    return {name: role.get(name) for name in ROLE_FIELDS}


def _published(profile: Profile, role_id: str, target: str) -> dict[str, Any]:
    return {
        "allowedMemberTypes": ["User"],
        "description": marker(target),
        "displayName": profile.name,
        "id": role_id,
        "isEnabled": True,
        "value": profile.id,
    }


def plan_publication(
    application: Mapping[str, Any],
    profiles: Iterable[Profile],
    *,
    target: str,
    assignments: Mapping[str, int],
    new_role_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> PublicationPlan:
    """Compare the application's roles with the org's profiles; pure (no I/O), so that a dry run shows exactly
    what a real run sends. ``assignments`` counts assignments per app role id."""
    current = [_clean(r) for r in application.get("appRoles") or []]
    plan = PublicationPlan(
        str(application["id"]), str(application.get("appId")), str(application.get("displayName")), target
    )
    mine = {str(r["value"]).casefold(): r for r in current if r["description"] == marker(target) and r["value"]}
    foreign = [r for r in current if r["description"] != marker(target)]
    foreign_names = {str(r["displayName"] or "").casefold() for r in foreign}
    foreign_values = {str(r["value"]).casefold() for r in foreign if r["value"]}
    wanted = {p.id.casefold(): p for p in profiles}

    final: dict[str, dict[str, Any] | None] = {}
    """Role id -> its state after publication (None: removed)."""
    for key, role in mine.items():
        profile = wanted.get(key)
        count = assignments.get(str(role["id"]), 0)
        if profile is not None:
            desired = _published(profile, str(role["id"]), target)
            final[role["id"]] = desired
            if desired == role:
                outcome: Outcome = "unchanged"
            elif role["displayName"] != profile.name:
                outcome = "renamed"
            else:
                outcome = "restored"
            previous = role["displayName"] if outcome == "renamed" else None
            plan.changes.append(RoleChange(outcome, profile.name, profile.id, role["id"], previous, count))
        elif count:
            final[role["id"]] = {**role, "isEnabled": False}
            reason = f"the profile is gone from Salesforce but {count} assignment(s) still use this role"
            plan.changes.append(
                RoleChange("kept", str(role["displayName"]), str(role["value"]), role["id"], None, count, reason)
            )
        else:
            final[role["id"]] = None
            plan.changes.append(RoleChange("retired", str(role["displayName"]), str(role["value"]), role["id"]))

    added: list[dict[str, Any]] = []
    for key, profile in sorted(wanted.items(), key=lambda kv: kv[1].name.casefold()):
        if key in mine:
            continue
        if key in foreign_values or profile.name.casefold() in foreign_names:
            clash = "value" if key in foreign_values else "name"
            reason = f"a role not published by sfprov from {target} already has this {clash}"
            plan.changes.append(RoleChange("skipped", profile.name, profile.id, None, reason=reason))
            continue
        role = _published(profile, new_role_id(), target)
        added.append(role)
        plan.changes.append(RoleChange("added", profile.name, profile.id, role["id"]))

    after = [final.get(r["id"], r) for r in current]
    final_roles = [r for r in after if r is not None] + added
    must_disable = {
        r["id"] for r in current if r["isEnabled"] and r["id"] in final and final[r["id"]] != r
    }  # changed or removed while enabled: disable first, alone, in an earlier PATCH
    if must_disable:
        first = [{**r, "isEnabled": False} if r["id"] in must_disable else r for r in current] + added
        plan.patches.append(first)
        if first != final_roles:
            plan.patches.append(final_roles)
    elif final_roles != current:
        plan.patches.append(final_roles)
    return plan


async def read_application(graph: GraphClient, app_id: str) -> dict[str, Any]:
    """The application object (app registration) of ``app_id``, with its roles."""
    found = await graph.get_all(
        "applications",
        params={"$filter": f"appId eq '{app_id}'", "$select": "id,appId,displayName,appRoles"},
        kind="applications",
    )
    if not found:
        raise ConfigError(
            f"No application with appId {app_id} in this tenant (source.scope.app_id).",
            fix="Set source.scope.app_id to the Application (client) ID of the Salesforce enterprise app "
            "(Enterprise applications > Salesforce > Properties).",
        )
    return found[0]


async def assignment_counts(graph: GraphClient, app_id: str) -> dict[str, int]:
    """Assignments per app role id, from the service principal's ``appRoleAssignedTo`` (entra-graph.md §9)."""
    try:
        assigned = await graph.get_all(
            f"servicePrincipals(appId='{quote(app_id, safe='')}')/appRoleAssignedTo", kind="assignments"
        )
    except NotFound:
        return {}  # no service principal in this tenant: nothing can be assigned
    counts: dict[str, int] = {}
    for assignment in assigned:
        role_id = str(assignment.get("appRoleId"))
        counts[role_id] = counts.get(role_id, 0) + 1
    return counts


async def plan_for(graph: GraphClient, app_id: str, profiles: Sequence[Profile], *, target: str) -> PublicationPlan:
    """Read the application and its assignments, and plan the publication."""
    application = await read_application(graph, app_id)
    counts = await assignment_counts(graph, app_id)
    return plan_publication(application, profiles, target=target, assignments=counts)


async def apply_plan(
    graph: GraphClient, plan: PublicationPlan, *, settle_seconds: Sequence[float] = (2.0, 5.0, 10.0)
) -> int:
    """Send the plan's PATCHes in order; returns how many were sent.

    A PATCH that removes or changes a role disabled by the previous one may reach a replica that has not seen the
    disabling yet (Graph's directory is eventually consistent, entra-graph.md §9 "replication delay"): it is
    retried after each of ``settle_seconds`` (UNVERIFIED delays; Graph documents none for this case).
    """
    sent = 0
    for index, roles in enumerate(plan.patches):
        waits = list(settle_seconds) if index else []
        while True:
            try:
                await graph.request(
                    "PATCH", f"applications/{plan.app_object_id}", json={"appRoles": roles}, kind="write"
                )
                break
            except PermissionDenied as exc:
                raise PermissionDenied(
                    f"Microsoft Graph refused to update the app roles of application {plan.app_display_name!r} "
                    f"({exc.message}).",
                    fix=WRITE_PERMISSION_FIX,
                    code=exc.code,
                ) from None
            except ConnectorError as exc:
                if exc.code != "CannotDeleteOrUpdateEnabledEntitlement" or not waits:
                    raise
                await asyncio.sleep(waits.pop(0))
        sent += 1
    return sent
