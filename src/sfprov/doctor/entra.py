"""Entra ID prerequisites: a token, the Graph application permissions granted to it, the Salesforce service
principal (or the scope groups), and that assignments, group members, the groups delta and users can be read.

The granted permissions are read from the access token's ``roles`` claim, which is what Graph itself checks
(reference ``entra-graph.md`` §1.4); a missing one is named with the admin-consent step that grants it. Each later
check calls the same endpoints the reader uses (§5, §8, §9), so a PASS here means the cycle's reads will work.
Checks, in order: ``token``, ``permissions``, ``scope``, ``groups``, ``directory read`` (one entry each).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt

from sfprov.config.models import SourceConfig
from sfprov.config.permissions import permission_warnings
from sfprov.doctor.model import Check, CheckList, Status
from sfprov.errors import NotFound, SfprovError
from sfprov.sources.entra.factory import graph_client, token_provider
from sfprov.sources.entra.graph import GraphClient
from sfprov.sources.entra.groups import GROUPS_DELTA_SELECT, looks_like_guid

AREA = "entra"
READ_PERMISSIONS = {
    "User.Read.All": ("User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
    "GroupMember.Read.All": ("Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
    "Application.Read.All": ("Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"),
}
"""Permissions sfprov needs, each with the broader ones that include it."""

CONSENT_FIX = (
    "Entra admin center > App registrations > {app} > API permissions > Add a permission > Microsoft Graph > "
    "Application permissions: add {missing}; then click 'Grant admin consent for <tenant>'."
)


def missing_permissions(roles: set[str]) -> list[str]:
    return [need for need, broader in READ_PERMISSIONS.items() if need not in roles and not roles & set(broader)]


async def check_entra(source: SourceConfig, *, base_dir: Path | None = None) -> list[Check]:
    checks = CheckList(AREA)
    for warning in permission_warnings(source, base_dir, "source"):
        checks.add("secret file permissions", Status.WARN, warning, "chmod 600 the file; chown it to the sfprov user")
    add = checks.add

    try:
        tokens = token_provider(source, base_dir=base_dir)
        token = await tokens.token()
    except SfprovError as exc:
        add("token", Status.FAIL, exc.message, exc.fix)
        checks.skip(["permissions", "scope", "groups", "directory read"], "no token")
        return checks.items
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        claims = {}
    add("token", Status.PASS, f"token for app {claims.get('appid', source.client_id)} in tenant {claims.get('tid')}")
    if not claims:
        add("permissions", Status.WARN, "The access token is not a readable JWT; granted permissions unknown.")
    else:
        roles = set(claims.get("roles") or [])
        missing = missing_permissions(roles)
        if missing:
            add(
                "permissions",
                Status.FAIL,
                f"Not granted: {', '.join(missing)} (granted: {', '.join(sorted(roles)) or 'none'}).",
                CONSENT_FIX.format(app=source.client_id, missing=", ".join(missing)),
            )
        else:
            add("permissions", Status.PASS, f"granted: {', '.join(sorted(roles))}")
    async with graph_client(source, tokens, base_dir=base_dir) as graph:
        group_ids = await _scope(checks, graph, source)
        await _groups(checks, graph, source, group_ids)
        await _directory(checks, graph)
    return checks.items


async def _scope(checks: CheckList, graph: GraphClient, source: SourceConfig) -> dict[str, str] | None:
    """The scope's roots: the enterprise app and its assignments, or the configured groups. Returns the group ids
    (with names) whose members the reader will read, or None when the scope could not be read."""
    scope = source.scope
    if scope.mode == "all_users":
        checks.add("scope", Status.PASS, "all users of the tenant (narrowed by scoping filters)")
        return {}
    try:
        if scope.mode == "app_assignment":
            return await _app_scope(checks, graph, str(scope.app_id))
        return await _group_scope(checks, graph, scope.groups)
    except SfprovError as exc:
        checks.add("scope", Status.FAIL, exc.message, exc.fix)
        return None


async def _app_scope(checks: CheckList, graph: GraphClient, app_id: str) -> dict[str, str] | None:
    sps = await graph.get_all(
        "servicePrincipals", params={"$filter": f"appId eq '{app_id}'", "$select": "id,displayName,appRoles"}
    )
    if not sps:
        checks.add(
            "scope",
            Status.FAIL,
            f"No enterprise app (service principal) with appId {app_id} in this tenant.",
            "Set source.scope.app_id to the Application ID shown under Enterprise applications > Salesforce > "
            "Properties.",
        )
        return None
    sp = sps[0]
    assignments = await graph.get_all(f"servicePrincipals/{sp['id']}/appRoleAssignedTo", params={"$top": "999"})
    # displayName first: published profile roles carry the profile id as value (docs/dev/profiles-publish.md)
    roles = [r.get("displayName") or r.get("value") for r in sp.get("appRoles") or [] if r.get("isEnabled", True)]
    groups = {
        str(a["principalId"]): str(a.get("principalDisplayName") or "")
        for a in assignments
        if a.get("principalType") == "Group"
    }
    checks.add(
        "scope",
        Status.PASS if assignments else Status.WARN,
        f"{sp.get('displayName')}: {len(assignments)} assignments ({len(groups)} to groups); app roles (profiles): "
        f"{', '.join(str(r) for r in roles) or 'none'}",
        None if assignments else "Assign users or groups to the enterprise app (Users and groups).",
    )
    return groups


async def _group_scope(checks: CheckList, graph: GraphClient, refs: list[str]) -> dict[str, str]:
    """Each configured group resolved as the reader does (object id, else unique display name); one check."""
    found: dict[str, str] = {}
    problems: list[str] = []
    for ref in refs:
        try:
            if looks_like_guid(ref):
                group = await graph.request("GET", f"groups/{ref}", params={"$select": "id,displayName"})
                matches = [group]
            else:
                quoted = ref.replace("'", "''")
                matches = await graph.get_all(
                    "groups", params={"$filter": f"displayName eq '{quoted}'", "$select": "id,displayName"}
                )
        except NotFound:
            matches = []
        if len(matches) == 1:
            found[str(matches[0]["id"])] = str(matches[0].get("displayName") or ref)
        else:
            problems.append(f"{ref!r}: {'no group' if not matches else f'{len(matches)} groups'} found")
    readable = ", ".join(repr(name) for name in found.values())
    if problems:
        checks.add(
            "scope",
            Status.FAIL,
            "; ".join(problems) + (f" (found: {readable})" if readable else ""),
            "List each group by its exact display name or, better, its object id (Entra admin center > Groups > "
            "the group > Object ID).",
        )
    else:
        checks.add("scope", Status.PASS, f"groups found: {readable}")
    return found


async def _groups(
    checks: CheckList, graph: GraphClient, source: SourceConfig, group_ids: dict[str, str] | None
) -> None:
    """Group members and the groups delta (how memberships are followed between cycles) are readable."""
    if group_ids is None:
        checks.skip(["groups"], "scope not readable")
        return
    if source.scope.mode == "all_users":
        checks.skip(["groups"], "all_users scope reads no groups")
        return
    try:
        sizes = []
        for gid, name in list(group_ids.items())[:5]:
            page = await graph.page(f"groups/{gid}/members", params={"$select": "id", "$top": "1"}, kind="members")
            sizes.append(f"{name or gid!r} {'has' if page.items else 'no'} members")
        delta = await graph.page(
            "groups/delta", params={"$select": GROUPS_DELTA_SELECT, "$deltatoken": "latest"}, kind="groups_delta"
        )
    except SfprovError as exc:
        checks.add("groups", Status.FAIL, exc.message, exc.fix)
        return
    if not delta.delta_link:
        checks.add("groups", Status.FAIL, "The groups delta query answered without a delta link.")
        return
    members = "; ".join(sizes) if sizes else "no group in scope"
    checks.add("groups", Status.PASS, f"members readable ({members}); groups delta available")


async def _directory(checks: CheckList, graph: GraphClient) -> None:
    add = checks.add
    try:
        page = await graph.page("users", params={"$select": "id,userPrincipalName,accountEnabled", "$top": "1"})
    except SfprovError as exc:
        add("directory read", Status.FAIL, exc.message, exc.fix)
        return
    add("directory read", Status.PASS, f"users readable ({'at least one' if page.items else 'none'} found)")
