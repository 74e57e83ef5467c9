"""Fixtures of the fault, source-failure, bad-input and secrets tests (issue 10 §2, §3, §5, §6).

Both emulators run in the test process over loopback HTTPS (the production code path, as in tests/engine), the state
store is a SQLite file whose clock the test can move (escrow retries are hours apart by default, reference
``entra-provisioning-service.md`` §8.1: moving the clock is how "a later cycle" is reached without waiting), and the
Salesforce connector's transient-retry backoff is shortened (same code path, waits of milliseconds instead of
seconds: a test injecting hundreds of 503s must not sleep for minutes).

Test modules import the fixtures they use from here (``from .fixtures_faults import fault_world``): the package's
conftest.py belongs to the crash-consistency suite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sfprov.emulators.entra import EntraEmulator
from sfprov.emulators.entra.generators import LICENSED_GROUP_NAME
from sfprov.emulators.runner import RunningEmulators, start_emulators
from sfprov.state import StateStore
from sfprov.targets.salesforce import client as sf_client
from tests.engine.conftest import World, make_config

JOB = "production"
LONG = os.environ.get("SFPROV_LONG_TESTS") == "1"
"""``SFPROV_LONG_TESTS=1`` (the suite's one flag, shared with the crash tests): more fault seeds, more examples."""
SCALE = 10 if LONG else 1
"""Multiplier of hypothesis example counts in the long mode."""
BULK_USERS = 400
"""Users of the fault tenant: two collection calls of 200 per write, enough records for a 10 % lock-row rate to
fail dozens of them, small enough that a cycle takes well under a second."""
COMPARED_FIELDS = (
    "Username",
    "Email",
    "FirstName",
    "LastName",
    "Alias",
    "IsActive",
    "Title",
    "Department",
    "CompanyName",
    "FederationIdentifier",
    "TimeZoneSidKey",
    "LocaleSidKey",
    "LanguageLocaleKey",
    "EmailEncodingKey",
)
"""The mapped fields compared between a faulted run and a healthy run of the same cycles."""


class MovableClock:
    """A UTC clock a test can move forward: the state store's idea of "now" (escrow due times, leases)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@dataclass
class FaultWorld(World):
    """`tests.engine.conftest.World` plus the store's clock."""

    clock: MovableClock
    tmp_path: Path

    def accounts(self) -> dict[str, dict[str, Any]]:
        """Every User of the production org keyed by Username (casefolded), with the compared fields and profile."""
        with self.salesforce.runtime.lock:
            rows = [dict(u) for u in self.org.scan("User")]
            profiles = {str(r["Id"]): str(r["Name"]) for r in self.org.scan("Profile")}
        out: dict[str, dict[str, Any]] = {}
        for row in rows:
            key = str(row["Username"]).casefold()
            assert key not in out, f"two accounts named {key}"
            out[key] = {f: row.get(f) for f in COMPARED_FIELDS} | {"Profile": profiles.get(str(row["ProfileId"]))}
        return out

    def production_info(self) -> dict[str, Any]:
        info = self.running.info()
        return dict(next(o for o in info["salesforce"]["orgs"] if o["kind"] == "production"))


def fast_salesforce_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same retry loop, millisecond waits: the client builds ``RetryPolicy()`` from its module at connect time."""
    policy = sf_client.RetryPolicy

    def fast() -> sf_client.RetryPolicy:
        return policy(attempts=5, base_seconds=0.005, cap_seconds=0.02)

    monkeypatch.setattr(sf_client, "RetryPolicy", fast)


def all_in_licensed_group(entra: EntraEmulator) -> None:
    """Put every user of a bulk tenant in the licensed group (assigned to the Salesforce app)."""
    group = str(entra.admin.group_by_name(LICENSED_GROUP_NAME)["id"])
    members = set(dict(entra.directory.members[group]))
    for user_id in list(entra.directory.users):
        if user_id not in members:
            entra.admin.add_member(group, user_id)


def build_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, bulk: int | None = None, extra: str = ""
) -> FaultWorld:
    """Start the emulators (the demo tenant, or a bulk tenant of ``bulk`` users all in scope) and open the store."""
    only = ("salesforce",) if bulk else ("salesforce", "entra")
    running: RunningEmulators = start_emulators(seed="demo", only=only, workdir=tmp_path / "ca")
    try:
        if bulk:
            entra = EntraEmulator.bulk(bulk)
            all_in_licensed_group(entra)
            entra.serve(running.host)
            running.emulators["entra"] = entra
        clock = MovableClock()
        store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}", clock=clock)
        world = FaultWorld(running, make_config(running, tmp_path, monkeypatch, extra), store, clock, tmp_path)
        org = world.org
        with world.salesforce.runtime.lock:
            licence = org.licence_of_profile(org.profile_id("Standard User"))
            org.set_licence_total(licence, (bulk or 0) + 500)
    except BaseException:
        running.stop()
        raise
    return world


@pytest.fixture
def fault_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultWorld]:
    """A bulk tenant of :data:`BULK_USERS` users, all in scope, against the demo production org."""
    fast_salesforce_retries(monkeypatch)
    world = build_world(tmp_path, monkeypatch, bulk=BULK_USERS)
    try:
        yield world
    finally:
        world.store.close()
        world.running.stop()


@pytest.fixture
def demo_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultWorld]:
    """The demo tenant (50 users, the seed article's groups and edge cases) against the demo production org."""
    fast_salesforce_retries(monkeypatch)
    world = build_world(tmp_path, monkeypatch)
    try:
        yield world
    finally:
        world.store.close()
        world.running.stop()
