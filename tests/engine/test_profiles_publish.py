"""`sfprov profiles --publish` as an administrator types it, against both emulators: the org's profiles become app
roles of the Salesforce application, and a user assigned to one of them is provisioned with that profile (the role
value is the profile id, which the engine resolves like a name)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sfprov.cli import app
from sfprov.demo import write_config
from sfprov.emulators.entra.generators import READ_PERMISSIONS, SALESFORCE_APP_ID
from sfprov.emulators.runner import RunningEmulators, start_emulators
from sfprov.emulators.salesforce.ids import to18
from sfprov.sources.entra.approles import marker

OWNED_BY = (*READ_PERMISSIONS, "Application.ReadWrite.OwnedBy")
GALLERY_ROLES = {"Standard User", "Chatter Free User", "System Administrator"}
"""Profiles the demo tenant's Salesforce app already has roles for (not sfprov's: skipped, never duplicated)."""


@dataclass
class Setup:
    running: RunningEmulators
    config: Path

    @property
    def entra(self) -> Any:
        return self.running.emulators["entra"]

    @property
    def org(self) -> Any:
        salesforce: Any = self.running.emulators["salesforce"]
        return next(o for o in salesforce.state.orgs.values() if o.kind == "production")

    @property
    def sf_app(self) -> dict[str, Any]:
        return next(a for a in self.entra.directory.applications.values() if a["appId"] == SALESFORCE_APP_ID)

    def grant(self, *, owner: bool) -> None:
        em = self.entra
        em.tokens.set_granted_roles(em.directory.tenant_id, em.credentials.client_id, OWNED_BY)
        if owner:
            em.directory.add_application_owner(self.sf_app["id"], em.credentials.client_id)

    def patches(self) -> int:
        return int(self.entra.admin.counters()["calls"].get("PATCH /applications/{id}", 0))


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    running = start_emulators(seed="demo", workdir=tmp_path / "ca")
    try:
        yield Setup(running, write_config(running, tmp_path))
    finally:
        running.stop()


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_publish_dry_run_then_publish_then_nothing_to_change(setup: Setup) -> None:
    setup.grant(owner=True)
    before = [dict(r) for r in setup.sf_app["appRoles"]]
    code, out, _ = invoke("profiles", "-c", str(setup.config), "--publish", "--dry-run", "--json")
    assert code == 0, out
    plan = json.loads(out)
    added = {c["profile"] for c in plan["changes"] if c["outcome"] == "added"}
    skipped = {c["profile"] for c in plan["changes"] if c["outcome"] == "skipped"}
    assert skipped == GALLERY_ROLES
    assert {"Standard Platform User", "Read Only", "Provisioning Integration"} <= added
    assert (plan["dry_run"], plan["patches"], plan["patches_sent"]) == (True, 1, 0)
    assert setup.patches() == 0
    assert setup.sf_app["appRoles"] == before

    code, out, _ = invoke("profiles", "-c", str(setup.config), "--publish")
    assert code == 0, out
    assert f"added     {len(added):>5}" in out
    assert "Published: 1 PATCH request(s) sent" in out
    assert setup.patches() == 1
    published = {r["displayName"]: r for r in setup.sf_app["appRoles"] if r["description"] == marker("production")}
    assert set(published) == added
    platform = published["Standard Platform User"]
    assert platform["value"] == setup.org.profile_id("Standard Platform User")
    assert len(platform["value"]) == 18
    assert all(r in setup.sf_app["appRoles"] for r in before)  # the gallery's roles are untouched

    code, out, _ = invoke("profiles", "-c", str(setup.config), "--publish")
    assert code == 0, out
    assert "Nothing to change" in out
    assert setup.patches() == 1


def test_a_user_assigned_to_a_published_role_gets_that_profile(setup: Setup) -> None:
    setup.grant(owner=True)
    assert invoke("profiles", "-c", str(setup.config), "--publish")[0] == 0
    admin = setup.entra.admin
    pat = admin.add_user(
        displayName="Pat Platform",
        givenName="Pat",
        surname="Platform",
        userPrincipalName="pat.platform@contoso.com",
        mail="pat.platform@contoso.com",
    )
    admin.assign(pat["id"], SALESFORCE_APP_ID, "Standard Platform User")
    code, out, _ = invoke("sync", "-c", str(setup.config))
    assert code in (0, 3), out  # 3: some demo users lack a licence, which is not this test's business
    account = next(u for u in setup.org.scan("User") if str(u["Username"]).startswith("pat.platform@"))
    assert account["ProfileId"] == setup.org.profile_id("Standard Platform User")


def test_missing_write_permission_names_the_fix(setup: Setup) -> None:
    setup.grant(owner=False)  # Application.ReadWrite.OwnedBy, but not an owner of the Salesforce app
    code, out, err = invoke("profiles", "-c", str(setup.config), "--publish")
    assert code == 1
    text = " ".join((out + err).split())
    assert "Application.ReadWrite.OwnedBy" in text
    assert "owner of the Salesforce application" in text
    assert "Application.ReadWrite.All" in text
    assert setup.entra.credentials.client_secret not in out + err


def test_publish_needs_the_app_assignment_scope(setup: Setup) -> None:
    text = setup.config.read_text(encoding="utf-8")
    setup.config.write_text(
        text.replace("mode: app_assignment", "mode: groups\n    groups: [Sales EMEA]"), encoding="utf-8"
    )
    code, out, err = invoke("profiles", "-c", str(setup.config), "--publish")
    assert code == 2
    assert "source.scope.app_id" in " ".join((out + err).split())
    assert setup.patches() == 0


def test_dry_run_alone_is_refused(tmp_path: Path) -> None:
    code, out, err = invoke("profiles", "-c", str(tmp_path / "absent.yaml"), "--dry-run")
    assert code == 2
    assert "--dry-run goes with --publish" in out + err


def test_role_of_a_deleted_profile_is_kept_while_assigned_then_retired(setup: Setup) -> None:
    setup.grant(owner=True)
    directory = setup.entra.directory
    gone = {
        "allowedMemberTypes": ["User"],
        "description": marker("production"),
        "displayName": "Deleted Profile",
        "id": "8d1b3a8e-0000-4000-8000-00000000d001",
        "isEnabled": True,
        "value": to18("00e5g000000Gone"),  # a profile this org does not have
    }
    directory.update_application(setup.sf_app["id"], {"appRoles": [*setup.sf_app["appRoles"], gone]})
    user = setup.entra.admin.add_user(displayName="Kim", userPrincipalName="kim.kept@contoso.com")
    assignment = setup.entra.admin.assign(user["id"], SALESFORCE_APP_ID, "Deleted Profile")

    code, out, err = invoke("profiles", "-c", str(setup.config), "--publish")
    assert code == 0, out
    assert "kept          1  Deleted Profile" in out
    warning = " ".join(err.split())
    assert "role 'Deleted Profile' kept, disabled" in warning
    assert "1 assignment(s) still use this role" in warning
    role = next(r for r in setup.sf_app["appRoles"] if r["id"] == gone["id"])
    assert role["isEnabled"] is False
    assert assignment["id"] in directory.assignments

    setup.entra.admin.unassign(assignment["id"])
    code, out, _ = invoke("profiles", "-c", str(setup.config), "--publish")
    assert code == 0, out
    assert "retired       1  Deleted Profile" in out
    assert gone["id"] not in {r["id"] for r in setup.sf_app["appRoles"]}
