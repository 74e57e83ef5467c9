"""Check every property name the Entra Graph emulator returns against the Graph v1.0 CSDL metadata.

Not part of the test suite (the CSDL is a 5 MB oracle file that does not ship with the project). Usage:

    .venv/bin/python scripts/check_graph_csdl.py [path/to/msgraph-v1.0-metadata.xml]

It builds the demo tenant, asks the emulator (in process) for users, groups, service principals, applications
and app role assignments with the default property set and with every property ``$select``-ed, and checks each
returned key (instance annotations such as ``@odata.type`` and ``members@delta`` aside) against the properties
and navigation properties of the entity type and its base types; nested ``appRoles`` and
``onPremisesExtensionAttributes`` objects are checked against their complex types. Exit status 1 on any miss.
"""

from __future__ import annotations

import asyncio
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sfprov.emulators.entra import odata
from sfprov.emulators.entra.faults import Faults
from sfprov.emulators.entra.generators import build_demo
from sfprov.emulators.entra.graph import GraphRequest, GraphService

DEFAULT_CSDL = Path("/work/shared/oracles/msgraph-v1.0-metadata.xml")
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
ALL_ROLES = frozenset({"Directory.Read.All", "Application.Read.All", "User.Read.All", "GroupMember.Read.All"})


@dataclass(frozen=True)
class _Claims:
    tenant_id: str
    app_id: str
    roles: frozenset[str]


class _AllowAll:
    def verify_bearer(self, authorization: str | None) -> _Claims:
        return _Claims("csdl-check", "csdl-check", ALL_ROLES)


def load_types(path: Path) -> dict[str, set[str]]:
    """Type name -> property and navigation-property names, base types folded in (namespace microsoft.graph)."""
    root = ET.parse(path).getroot()  # noqa: S314 - a trusted local spec file
    schema = next(s for s in root.iter(f"{EDM}Schema") if s.get("Namespace") == "microsoft.graph")
    own: dict[str, set[str]] = {}
    base: dict[str, str | None] = {}
    for kind in ("EntityType", "ComplexType"):
        for node in schema.findall(f"{EDM}{kind}"):
            name = node.get("Name", "")
            own[name] = {p.get("Name", "") for p in node if p.tag in (f"{EDM}Property", f"{EDM}NavigationProperty")}
            parent = node.get("BaseType")
            base[name] = parent.split(".")[-1] if parent else None
    result: dict[str, set[str]] = {}
    for name in own:
        props: set[str] = set()
        current: str | None = name
        while current is not None and current in own:
            props |= own[current]
            current = base.get(current)
        result[name] = props
    return result


def fetch(service: GraphService, path: str, params: dict[str, str] | None = None) -> Any:
    req = GraphRequest("GET", path, params or {}, {"authorization": "Bearer x"}, b"", "https://graph.local")
    resp = asyncio.run(service.handle(req))
    if resp.status != 200:
        raise SystemExit(f"{path} {params}: HTTP {resp.status} {resp.body}")
    return resp.body


def check(type_name: str, objects: list[dict[str, Any]], types: dict[str, set[str]], misses: list[str]) -> int:
    checked = 0
    nested = {
        "appRoles": "appRole",
        "onPremisesExtensionAttributes": "onPremisesExtensionAttributes",
        "manager": "user",
    }
    for obj in objects:
        for key, value in obj.items():
            if key.startswith("@") or "@" in key:
                continue
            checked += 1
            if key not in types[type_name]:
                misses.append(f"{type_name}.{key}")
            sub = nested.get(key)
            if sub and isinstance(value, dict):
                checked += check(sub, [value], types, misses)
            elif sub and isinstance(value, list):
                checked += check(sub, [v for v in value if isinstance(v, dict)], types, misses)
    return checked


def main(argv: list[str]) -> int:
    csdl = Path(argv[1]) if len(argv) > 1 else DEFAULT_CSDL
    types = load_types(csdl)
    directory, _ = build_demo()
    service = GraphService(directory, _AllowAll(), Faults(), secret=b"csdl")
    sp = next(iter(directory.service_principals.values()))
    user = next(iter(directory.users.values()))
    misses: list[str] = []
    checked = 0
    declared = {
        "user": odata.USER_SELECTABLE,
        "group": frozenset(odata.GROUP_DEFAULT_SELECT),
        "servicePrincipal": frozenset(odata.SERVICE_PRINCIPAL_DEFAULT_SELECT),
        "application": frozenset(odata.APPLICATION_DEFAULT_SELECT),
        "appRoleAssignment": frozenset(odata.APP_ROLE_ASSIGNMENT_SELECT),
    }
    for type_name, names in declared.items():
        checked += check(type_name, [dict.fromkeys(names)], types, misses)
    requests = [
        ("user", "/users", {}),
        ("user", "/users", {"$select": ",".join(sorted(odata.USER_SELECTABLE - {"manager"})), "$expand": "manager"}),
        ("user", "/directory/deletedItems/microsoft.graph.user", {}),
        ("group", "/groups", {}),
        ("servicePrincipal", "/servicePrincipals", {}),
        ("application", "/applications", {}),
        ("appRoleAssignment", f"/servicePrincipals/{sp['id']}/appRoleAssignedTo", {}),
        ("appRoleAssignment", f"/users/{user['id']}/appRoleAssignments", {}),
        ("user", "/users/delta", {"$select": ",".join(sorted(odata.USER_SELECTABLE))}),
        ("group", "/groups/delta", {}),
    ]
    for type_name, path, params in requests:
        body = fetch(service, path, params)
        checked += check(type_name, body["value"], types, misses)
    for line in sorted(set(misses)):
        print(f"NOT IN CSDL: {line}")
    print(f"checked {checked} property occurrences of 5 entity types and their nested types: {len(set(misses))} misses")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
