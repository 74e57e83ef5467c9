"""End-to-end fixtures: both emulators over HTTPS, a config pointing at them, and a state store on SQLite or
PostgreSQL (a fresh schema per test; skipped, saying why, without a server)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sfprov.config import SfprovConfig, parse_config
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME, SALESFORCE_APP_ID
from sfprov.emulators.runner import RunningEmulators, start_emulators
from sfprov.engine.cycle import CycleOptions, CycleReport, Engine
from sfprov.state import StateStore
from tests.state.conftest import _create_schema, _drop_schema, schema_url

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass
class World:
    """Both emulators, the config that connects them, and the state store."""

    running: RunningEmulators
    config: SfprovConfig
    store: StateStore

    @property
    def entra(self) -> Any:
        return self.running.emulators["entra"]

    @property
    def salesforce(self) -> Any:
        return self.running.emulators["salesforce"]

    @property
    def org(self) -> Any:
        return next(o for o in self.salesforce.state.orgs.values() if o.kind == "production")

    def engine(self, **kw: Any) -> Engine:
        return Engine(self.config, self.config.targets[0], self.store, **kw)

    def cycle(self, **options: Any) -> CycleReport:
        return asyncio.run(self.engine().run_cycle(CycleOptions(**options)))

    def sf_user(self, username: str) -> dict[str, Any] | None:
        return next(
            (dict(u) for u in self.org.scan("User") if str(u["Username"]).casefold() == username.casefold()), None
        )

    def entra_user(self, upn: str) -> dict[str, Any]:
        return dict(self.entra.directory.user(upn))

    @property
    def licensed_group(self) -> dict[str, Any]:
        return dict(self.entra.admin.group_by_name(LICENSED_GROUP_NAME))


def make_config(
    running: RunningEmulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str = ""
) -> SfprovConfig:
    info = running.info()
    org = next(o for o in info["salesforce"]["orgs"] if o["kind"] == "production")
    app = org["external_client_apps"][0]
    entra = info["entra"]
    monkeypatch.setenv("E2E_SF_SECRET", app["consumer_secret"])
    monkeypatch.setenv("E2E_ENTRA_SECRET", entra["client_secret"])
    authority, _, tenant = entra["authority"].rpartition("/")
    return parse_config(
        f"""
source:
  tenant_id: {tenant}
  client_id: {entra["client_id"]}
  client_secret: {{env: E2E_ENTRA_SECRET}}
  authority_url: {authority}
  graph_url: {entra["graph_base_url"]}
  ca_bundle: {info["ca_file"]}
  scope: {{mode: app_assignment, app_id: {SALESFORCE_APP_ID}}}
targets:
  - name: production
    login:
      method: client_credentials
      my_domain_url: {org["instance_url"]}
      client_id: {app["consumer_key"]}
      client_secret: {{env: E2E_SF_SECRET}}
    ca_bundle: {info["ca_file"]}
    safety: {{max_deactivations: 5, max_deactivation_share: 0.5}}
{extra}
"""
    )


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.db'}"
        return
    pg_url = request.getfixturevalue("pg_url")
    schema = _create_schema(pg_url)
    try:
        yield schema_url(pg_url, schema)
    finally:
        _drop_schema(pg_url, schema)


@pytest.fixture
def world(state_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    running = start_emulators(seed="demo", workdir=tmp_path / "ca")
    store = StateStore.open(state_url)
    try:
        world = World(running, make_config(running, tmp_path, monkeypatch), store)
        org = world.org
        with world.salesforce.runtime.lock:  # room for every demo user: licence refusals get their own test
            licence = org.licence_of_profile(org.profile_id("Standard User"))
            org.set_licence_total(licence, 500)
        yield world
    finally:
        store.close()
        running.stop()
