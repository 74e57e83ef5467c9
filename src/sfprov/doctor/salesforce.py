"""Salesforce prerequisites, in the order an admin would fix them: config, network and TLS, login, the
integration user's effective permissions (:mod:`sf_permissions`), the mapped fields against the org's User describe
(:mod:`sf_fields`), licences for the profiles the mapping uses, the roles and permission sets it names
(:mod:`sf_names`), and the API allowance left today.

Each failure names the setting to change and where it is in Setup (reference ``salesforce.md`` §10, §11, §13.1).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from sfprov.config.models import TargetConfig
from sfprov.config.permissions import permission_warnings
from sfprov.doctor import sf_permissions
from sfprov.doctor.model import Check, CheckList, Status
from sfprov.doctor.sf_fields import check_mapped_fields
from sfprov.doctor.sf_names import check_names, profiles_used
from sfprov.doctor.sf_permissions import read_grants
from sfprov.errors import ConfigError, ConnectorError, SfprovError
from sfprov.mapping.config import MappingConfig
from sfprov.targets.salesforce.auth import ClientCredentials, LoginMethod, method_warnings
from sfprov.targets.salesforce.client import SalesforceClient, ssl_context
from sfprov.targets.salesforce.factory import connect, login_method
from sfprov.targets.salesforce.users import Catalogue, SalesforceUsers, is_profile_id


async def check_salesforce(
    target: TargetConfig,
    mapping: MappingConfig,
    *,
    base_dir: Path | None = None,
    extra_profiles: frozenset[str] = frozenset(),
) -> list[Check]:
    checks = CheckList(f"salesforce:{target.name}")
    later = ["host and TLS", "login", "API access and permissions", "mapped fields", "licences", "API allowance"]
    for warning in permission_warnings(target, base_dir, f"targets[{target.name}]"):
        checks.add("secret file permissions", Status.WARN, warning, "chmod 600 the file; chown it to sfprov")
    try:
        method = login_method(target, base_dir)
    except ConfigError as exc:
        checks.add("secrets", Status.FAIL, exc.message, exc.fix)
        checks.skip(later, "no credentials")
        return checks.items
    for warning in method_warnings(method):
        checks.add("login method", Status.WARN, warning, "See README: External Client App with client credentials.")
    if not await _host_and_tls(checks, method, target, base_dir):
        checks.skip(later[1:], "host not reachable")
        return checks.items
    async with connect(target, base_dir=base_dir) as client:
        if not await _login(checks, client):
            checks.skip(later[2:], "login failed")
            return checks.items
        if not await _permissions(checks, client, target, mapping):
            checks.skip(later[3:], "the integration user has no API access")
            return checks.items
        await check_mapped_fields(checks, client, mapping)
        await _catalogue(checks, client, mapping, profiles_used(mapping) | set(extra_profiles))
        await _allowance(checks, client, target)
    return checks.items


def _host(method: LoginMethod) -> str:
    url = method.my_domain_url if isinstance(method, ClientCredentials) else method.login_url
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def _host_and_tls(checks: CheckList, method: LoginMethod, target: TargetConfig, base_dir: Path | None) -> bool:
    host = _host(method)
    ca = target.ca_bundle
    if ca is not None and not ca.is_absolute() and base_dir is not None:
        ca = base_dir / ca
    try:
        async with httpx.AsyncClient(verify=ssl_context(str(ca) if ca else None), timeout=15) as http:
            response = await http.get(f"{host}/services/data/")
    except httpx.ConnectError as exc:
        cause = exc.__context__ or exc.__cause__
        if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            checks.add(
                "host and TLS",
                Status.FAIL,
                f"{host}: the TLS certificate is not trusted ({getattr(cause, 'verify_message', 'verify failed')}).",
                "Behind a TLS-inspecting proxy, set the target's ca_bundle to the proxy's CA certificate (PEM).",
            )
        else:
            checks.add(
                "host and TLS", Status.FAIL, f"{host}: cannot connect ({exc}).", "Check the URL and the network path."
            )
        return False
    except httpx.HTTPError as exc:
        checks.add("host and TLS", Status.FAIL, f"{host}: {type(exc).__name__}.", "Check the URL and the network path.")
        return False
    if response.status_code >= 500:
        checks.add("host and TLS", Status.FAIL, f"{host} answered HTTP {response.status_code}.", "Try again later.")
        return False
    checks.add("host and TLS", Status.PASS, f"{host} reachable over TLS")
    return True


async def _login(checks: CheckList, client: SalesforceClient) -> bool:
    try:
        session = await client.session()
    except SfprovError as exc:
        checks.add("login", Status.FAIL, exc.message, exc.fix)
        return False
    checks.add(
        "login",
        Status.PASS,
        f"{client.method.name} login as user {session.user_id} (org {session.org_id}) at {session.instance_url}",
    )
    return True


async def _permissions(
    checks: CheckList, client: SalesforceClient, target: TargetConfig, mapping: MappingConfig
) -> bool:
    """Effective permissions (profile OR assigned permission sets) against what the config asks
    (:mod:`sfprov.doctor.sf_permissions`). False when the API itself is refused (nothing later can work)."""
    session = await client.session()
    if not session.user_id:
        checks.add(sf_permissions.CHECK, Status.FAIL, "The login did not say which user it is.")
        return True
    wanted = sf_permissions.needs(target, mapping)
    try:
        grants = await read_grants(client, session.user_id, wanted)
    except ConnectorError as exc:
        if exc.code == "API_CURRENTLY_DISABLED":
            checks.add(
                sf_permissions.CHECK,
                Status.FAIL,
                f"{exc.message.rstrip('.')}. The integration user {session.user_id} lacks API Enabled (every API "
                "call needs it, reference §3.1).",
                "Setup > Permission Sets > New (or an existing set for sfprov) > System Permissions > Edit: tick API "
                "Enabled; Save; then Manage Assignments > Add Assignment > the integration user. Or Setup > Profiles "
                "> its profile > System Permissions: tick API Enabled.",
            )
            return False
        checks.add(sf_permissions.CHECK, Status.FAIL, exc.message, exc.fix)
        return exc.code != "API_DISABLED_FOR_ORG"
    sf_permissions.check_permissions(checks, grants, wanted)
    return True


async def _catalogue(checks: CheckList, client: SalesforceClient, mapping: MappingConfig, profiles: set[str]) -> None:
    """The org's profiles, roles and permission sets, read once as the engine reads them (``catalogue()``), then
    the licences of the profiles the mapping uses and the names of its roles and permission sets."""
    try:
        catalogue = await SalesforceUsers(client).catalogue()
    except ConnectorError as exc:
        checks.add("licences", Status.FAIL, exc.message, exc.fix)
        return
    _licences(checks, catalogue, profiles)
    check_names(checks, catalogue, mapping)


def _licences(checks: CheckList, catalogue: Catalogue, profiles: set[str]) -> None:
    if not profiles:
        checks.add("licences", Status.PASS, "the mapping names no fixed profile (profiles come from app roles)")
    for name in sorted(profiles):
        info = catalogue.profile(name)  # a name (any case) or a profile id, as the engine resolves it
        if info is None and is_profile_id(name):
            checks.add(
                f"licences: {name}",
                Status.FAIL,
                f"The mapping uses profile id {name}, which is no profile of this org.",
                "Use the id of a profile of this org (SELECT Id, Name FROM Profile), or its name; re-publish the "
                "app roles (sfprov profiles --publish) when they carry another org's ids.",
            )
        elif info is None:
            checks.add(
                f"licences: {name}",
                Status.FAIL,
                f"The mapping uses profile {name!r}, which this org does not have.",
                "Correct the profile name in the mapping (names are case-insensitive), or create the profile.",
            )
        elif info.free_seats == 0:
            checks.add(
                f"licences: {name}",
                Status.WARN,
                f"No free {info.licence_name} licence for profile {info.name!r} "
                f"({info.licence_used}/{info.licence_total} used): new users with it will fail.",
                "Buy licences, deactivate unused users, or map a profile of another licence.",
            )
        else:
            named = "" if info.name.casefold() == name.casefold() else f" for profile {info.name!r}"
            checks.add(
                f"licences: {name}",
                Status.PASS,
                f"{info.free_seats} free {info.licence_name} licences{named} "
                f"({info.licence_used}/{info.licence_total} used)",
            )


async def _allowance(checks: CheckList, client: SalesforceClient, target: TargetConfig) -> None:
    try:
        limits = await client.limits()
    except ConnectorError as exc:
        checks.add("API allowance", Status.WARN, f"Cannot read /limits: {exc.message}", exc.fix)
        return
    daily = limits.get("DailyApiRequests") or {}
    maximum, remaining = daily.get("Max"), daily.get("Remaining")
    if not isinstance(maximum, int) or not isinstance(remaining, int):
        checks.add("API allowance", Status.WARN, "The org did not report DailyApiRequests.")
        return
    reserve = int(maximum * target.api_reserve)
    detail = f"{remaining} of {maximum} API calls left in the rolling 24 hours; sfprov keeps {reserve} in reserve"
    if remaining <= reserve:
        checks.add(
            "API allowance",
            Status.WARN,
            detail + ": sfprov will not write until calls free up.",
            "Wait for the rolling window, lower api_reserve, or buy more API calls.",
        )
    else:
        checks.add("API allowance", Status.PASS, detail)
