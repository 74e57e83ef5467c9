"""Creating (or refreshing) a sandbox from a production org, with the conventions of reference §1.3.

Why: an engine that provisions a sandbox must cope with what a sandbox copy does to users, and the global username
rule (§3.4) makes those conventions necessary:

* each copied username gets ``.<sandbox name>`` appended; when that is still taken, Salesforce puts a few characters
  in front (``00x7Vqusername@company.com.dev1``) (doc: Salesforce CLI guide);
* each copied e-mail gets ``.invalid`` appended (since Spring '19), except for the user who started the copy (doc:
  KB 000386507);
* records keep their ids, the org gets a new id and a ``<domain>--<sandbox>.sandbox.my.salesforce.com`` host.

Passwords and apps are copied as they are (users log in to a fresh sandbox with their production password; External
Client Apps keep their consumer key and secret); held e-mail changes are not.
"""

from __future__ import annotations

import copy
import secrets

from sfprov.emulators.salesforce import ids
from sfprov.emulators.salesforce.settings import OrgSettings
from sfprov.emulators.salesforce.store import EmulatorState, Org, gc_paused

_COPIED_TABLES = (
    "UserLicense",
    "UserRole",
    "Profile",
    "PermissionSet",
    "PermissionSetGroup",
    "PermissionSetLicense",
    "User",
    "UserLogin",
    "PermissionSetAssignment",
    "PermissionSetLicenseAssign",
)


def _sandbox_username(state: EmulatorState, username: str, sandbox_name: str) -> str:
    """``user@company.com.<sandbox>``, with a short random prefix while that is still taken (reference §1.3)."""
    candidate = f"{username}.{sandbox_name}"
    while state.username_taken(candidate):
        candidate = "00" + "".join(secrets.choice(ids.BASE62) for _ in range(4)) + f"{username}.{sandbox_name}"
    return candidate


def create_sandbox(
    state: EmulatorState,
    source: Org,
    sandbox_name: str,
    *,
    started_by: str | None = None,
    settings: OrgSettings | None = None,
) -> Org:
    """Copy ``source`` into a new sandbox org called ``sandbox_name`` (lower-case letters and digits, as Salesforce
    requires). ``started_by`` is the user whose e-mail stays real."""
    if not sandbox_name.isalnum() or len(sandbox_name) > 10:
        raise ValueError("a sandbox name is 1-10 letters and digits")
    domain_name = source.my_domain.split(".", 1)[0].split("--", 1)[0].removesuffix("-dev-ed")
    sandbox = state.create_org(
        source.name,
        kind="sandbox",
        my_domain=domain_name,
        sandbox_name=sandbox_name.lower(),
        edition=source.edition,
        settings=settings or copy.deepcopy(source.settings),
    )
    starter = ids.normalize(started_by) if started_by else None
    with gc_paused():
        for name in _COPIED_TABLES:
            target = sandbox.tables[name]
            for row in source.tables[name].rows.values():
                new = dict(row)
                if name == "User":
                    new["Username"] = _sandbox_username(state, row["Username"], sandbox_name.lower())
                    if row["Id"] != starter and row["Email"]:
                        new["Email"] = row["Email"] + ".invalid"
                    state.usernames[new["Username"].lower()] = (sandbox.id, row["Id"])
                target.insert(new)
    for lid, total in source.licences.total.items():
        sandbox.licences.add(lid, total)
    for name, total in source.feature_licences.total.items():
        sandbox.set_feature_licences(name, total)
    profiles = sandbox.tables["Profile"].rows
    for user in sandbox.tables["User"].rows.values():
        if user["IsActive"]:
            sandbox.licences.force_take(profiles[user["ProfileId"]]["UserLicenseId"])
    sandbox.credentials = {uid: copy.deepcopy(c) for uid, c in source.credentials.items()}
    sandbox.apps = {aid: copy.deepcopy(app) for aid, app in source.apps.items()}
    sandbox.flush_licences()
    return sandbox
