"""Entra ID prerequisites: a token, the Graph application permissions granted to it, the Salesforce service
principal (or the scope groups), and that assignments, groups and users can be read.

The granted permissions are read from the access token's ``roles`` claim, which is what Graph itself checks
(reference ``entra-graph.md`` §1.4); a missing one is named with the admin-consent step that grants it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt

from sfprov.config.models import SourceConfig
from sfprov.doctor.model import Check, CheckList, Status
from sfprov.errors import SfprovError
from sfprov.sources.entra.factory import graph_client, token_provider
from sfprov.sources.entra.graph import GraphClient

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
    add = checks.add

    try:
        tokens = token_provider(source, base_dir=base_dir)
        token = await tokens.token()
    except SfprovError as exc:
        add("token", Status.FAIL, exc.message, exc.fix)
        checks.skip(["permissions", "scope", "directory read"], "no token")
        return checks.items
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    add("token", Status.PASS, f"token for app {claims.get('appid', source.client_id)} in tenant {claims.get('tid')}")
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
        await _scope(checks, graph, source)
        await _directory(checks, graph)
    return checks.items


async def _scope(checks: CheckList, graph: GraphClient, source: SourceConfig) -> None:
    add = checks.add
    scope = source.scope
    try:
        if scope.mode == "app_assignment":
            sps = await graph.get_all(
                "servicePrincipals",
                params={"$filter": f"appId eq '{scope.app_id}'", "$select": "id,displayName,appRoles"},
            )
            if not sps:
                add(
                    "scope",
                    Status.FAIL,
                    f"No enterprise app (service principal) with appId {scope.app_id} in this tenant.",
                    "Set source.scope.app_id to the Application ID shown under Enterprise applications > Salesforce.",
                )
                return
            sp = sps[0]
            assignments = await graph.get_all(f"servicePrincipals/{sp['id']}/appRoleAssignedTo")
            roles = [r.get("value") or r.get("displayName") for r in sp.get("appRoles") or []]
            add(
                "scope",
                Status.PASS if assignments else Status.WARN,
                f"{sp.get('displayName')}: {len(assignments)} assignments; app roles (profiles): "
                f"{', '.join(str(r) for r in roles) or 'none'}",
                None if assignments else "Assign users or groups to the enterprise app (Users and groups).",
            )
        elif scope.mode == "groups":
            for ref in scope.groups:
                quoted = ref.replace("'", "''")
                found = await graph.get_all(
                    "groups", params={"$filter": f"displayName eq '{quoted}'", "$select": "id,displayName"}
                )
                if not found and len(ref) == 36:
                    found = [await graph.request("GET", f"groups/{ref}", params={"$select": "id,displayName"})]
                if len(found) != 1:
                    add("scope", Status.FAIL, f"{len(found)} groups match {ref!r}.", "Use the group's object id.")
                    continue
                members = await graph.page(f"groups/{found[0]['id']}/members", params={"$select": "id", "$top": "1"})
                add(
                    "scope",
                    Status.PASS,
                    f"group {found[0].get('displayName')!r} readable ({'has' if members.items else 'no'} members)",
                )
        else:
            add("scope", Status.PASS, "all users of the tenant (narrowed by scoping filters)")
    except SfprovError as exc:
        add("scope", Status.FAIL, exc.message, exc.fix)


async def _directory(checks: CheckList, graph: GraphClient) -> None:
    add = checks.add
    try:
        page = await graph.page("users", params={"$select": "id,userPrincipalName,accountEnabled", "$top": "1"})
    except SfprovError as exc:
        add("directory read", Status.FAIL, exc.message, exc.fix)
        return
    add("directory read", Status.PASS, f"users readable ({'at least one' if page.items else 'none'} found)")
