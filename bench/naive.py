"""The script an administrator would write without sfprov: the naive baseline of ``bench.sync --naive`` (issue 9).

It reads the licensed group's members from Graph (``$top=999`` pages), then for each enabled member asks Salesforce
for a User with that Username and creates it, or updates it, one record at a time with simple-salesforce: two calls
per user, one after the other. No matching by other attributes, no deactivation, no state, no retry: the point is the
cost of the per-user round trips, measured on the same emulators and latency model as sfprov.

Run by the harness as ``python -m bench.naive SETTINGS.json`` (a file of mode 600 written by :func:`write_settings`:
it holds the emulators' made-up credentials); prints one JSON line of figures.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import requests
from simple_salesforce.api import Salesforce, SFType

if TYPE_CHECKING:
    from bench.sync import Lab
    from sfprov.emulators.salesforce.store import Org

API_VERSION = "64.0"
SELECT = "id,userPrincipalName,mail,givenName,surname,mailNickname,accountEnabled"


def write_settings(lab: Lab, org: Org, path: Path) -> Path:
    """What the naive script needs to reach the emulators (owner-readable only: it holds credentials)."""
    from bench.sync import org_info

    info = org_info(lab.salesforce, org)
    app = info["external_client_apps"][0]
    entra = lab.entra.info()
    data = {
        "ca_file": str(lab.ca.ca_file),
        "instance_url": info["instance_url"],
        "consumer_key": app["consumer_key"],
        "consumer_secret": app["consumer_secret"],
        "token_endpoint": entra["token_endpoint"],
        "graph_base_url": entra["graph_base_url"],
        "client_id": entra["client_id"],
        "client_secret": entra["client_secret"],
        "group_id": lab.group_id,
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return path


def read_members(session: requests.Session, s: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Every member of the group through Graph, following ``@odata.nextLink``; returns them and the Graph calls."""
    token = session.post(
        s["token_endpoint"],
        data={
            "grant_type": "client_credentials",
            "client_id": s["client_id"],
            "client_secret": s["client_secret"],
            "scope": "https://graph.microsoft.com/.default",
        },
        timeout=60,
    )
    token.raise_for_status()
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    url: str | None = f"{s['graph_base_url']}/groups/{s['group_id']}/members?$select={SELECT}&$top=999"
    members: list[dict[str, Any]] = []
    calls = 0
    while url:
        page = session.get(url, headers=headers, timeout=60)
        calls += 1
        page.raise_for_status()
        body = page.json()
        members.extend(body["value"])
        url = body.get("@odata.nextLink")
    return members, calls


def connect(session: requests.Session, s: dict[str, Any]) -> Salesforce:
    """OAuth client credentials on the My Domain, then simple-salesforce on the session it returned."""
    answer = session.post(
        f"{s['instance_url']}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": s["consumer_key"],
            "client_secret": s["consumer_secret"],
        },
        timeout=60,
    )
    answer.raise_for_status()
    body = answer.json()
    return Salesforce(
        instance_url=body["instance_url"], session_id=body["access_token"], session=session, version=API_VERSION
    )


def body_for(user: dict[str, Any], profile_id: str) -> dict[str, Any]:
    given, surname = user.get("givenName") or "", user.get("surname") or "?"
    return {
        "Username": user["userPrincipalName"],
        "Email": user.get("mail") or user["userPrincipalName"],
        "FirstName": given,
        "LastName": surname,
        "Alias": (given[:1] + surname)[:8],
        "CommunityNickname": user["mailNickname"],
        "FederationIdentifier": user["userPrincipalName"],
        "TimeZoneSidKey": "America/Los_Angeles",
        "LocaleSidKey": "en_US",
        "LanguageLocaleKey": "en_US",
        "EmailEncodingKey": "UTF-8",
        "ProfileId": profile_id,
    }


def sync(settings: dict[str, Any]) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    counts = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
    with requests.Session() as session:
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify=
        session.verify = settings["ca_file"]
        members, graph_calls = read_members(session, settings)
        sf = connect(session, settings)
        calls = 1
        profile = sf.query("SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"][0]["Id"]
        calls += 1
        sobject = cast(SFType, sf.User)
        for user in members:
            if not user.get("accountEnabled"):
                counts["skipped"] += 1
                continue
            username = str(user["userPrincipalName"]).replace("'", "\\'")
            soql = f"SELECT Id FROM User WHERE Username = '{username}'"  # noqa: S608 - quote escaped (SOQL)
            found = sf.query(soql)["records"]
            body = body_for(user, profile)
            calls += 2
            try:
                if found:
                    sobject.update(found[0]["Id"], {k: v for k, v in body.items() if k != "Username"})
                    counts["updated"] += 1
                else:
                    sobject.create(body)
                    counts["created"] += 1
            except Exception as exc:  # the naive script logs and goes on
                counts["failed"] += 1
                print(f"{user['userPrincipalName']}: {type(exc).__name__}", file=sys.stderr)
    return {
        **counts,
        "graphCalls": graph_calls + 1,
        "salesforceCalls": calls,
        "seconds": time.perf_counter() - started,
        "cpuSeconds": time.process_time() - cpu,
    }


def peak_rss_mb() -> float:
    """Peak RSS of this process (``VmHWM``; see ``bench.sync.peak_rss_mb`` for why not ``ru_maxrss``)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    settings = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps({**sync(settings), "peakRssMb": peak_rss_mb()}))


if __name__ == "__main__":
    main()
