"""Crash consistency (issue 7 "Done when", issue 10 §1): `sfprov sync` killed with SIGKILL at random points of an
initial cycle of a few thousand users, and of an incremental cycle that deactivates 500, then restarted.

What must hold afterwards, whatever the kill points were:

* every in-scope user has exactly one Salesforce account, with the mapped values; nobody got a second account;
* every link points to an existing account, and every account sfprov made is linked;
* the provisioning log has exactly one successful create-or-adopt entry per provisioned user: no gap. An account
  created by a killed engine after its last saved slice (apply.py saves links and log every 800 records) is found
  by Username on the restart and adopted: its entry is an ``update`` whose matching step says "matched by Username",
  and the test checks that the adopted accounts are exactly those the kills left unrecorded;
* every user removed from the assignment ends inactive (no lost deactivation), the others stay active.

The kill points are random (seeded, printed on failure); ``SFPROV_LONG_TESTS=1`` runs 20+ per cycle kind.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sfprov.state import CycleStatus, LinkState, LogAction, LogEntry, LogQuery, LogStatus, StateStore, StepType
from tests.reliability.conftest import JOB, LONG, CrashWorld

SEED = int(os.environ.get("SFPROV_CRASH_SEED", str(random.SystemRandom().randrange(1_000_000))))
INITIAL_KILLS = 24 if LONG else 3
INCREMENTAL_KILLS = 20 if LONG else 2
REMOVED = 500
Probe = Callable[[], bool]


@dataclass
class Kills:
    """Kill points tried (the process was SIGKILLed) and the accounts each kill left without a link or log entry."""

    seed: int
    tried: int = 0
    ended_first: int = 0
    unrecorded: set[str] = field(default_factory=set)
    """Salesforce ids of bulk-user accounts that existed at a kill without a link: they must be adopted later."""


def _state(world: CrashWorld) -> StateStore:
    return StateStore.open(world.state_url)


def _bulk_accounts(world: CrashWorld) -> dict[str, dict[str, object]]:
    """The accounts of the generated tenant's users (userNNNNNN@contoso.com), by lower-cased Username."""
    return {
        str(u["Username"]).casefold(): u
        for u in world.sf_users()
        if str(u["Username"]).casefold().startswith("user") and str(u["Username"]).casefold().endswith("@contoso.com")
    }


def _unlinked_accounts(world: CrashWorld) -> set[str]:
    store = _state(world)
    try:
        linked = {link.target_id for link in store.links.get_many(JOB).values()}
    finally:
        store.close()
    return {str(u["Id"]) for u in _bulk_accounts(world).values()} - linked


def _restart_after_kill(world: CrashWorld, kills: Kills, args: tuple[str, ...]) -> None:
    """What an operator meets after a kill -9: the dead engine's lease blocks the job until it expires."""
    if kills.tried == 1:
        code, out = world.sync_to_end(*args)
        assert code == 1, out
        assert "Another sfprov engine" in out, out
        assert "is running job 'production'" in out, out
    world.expire_dead_lease()


def _kill_once(world: CrashWorld, rng: random.Random, kills: Kills, args: tuple[str, ...], written: Probe) -> bool:
    """Start a sync, wait until ``written()`` shows its writes began, let a random 0-2 s more pass, SIGKILL it.

    False when the sync finished before the kill point (nothing left to interrupt)."""
    delay = rng.uniform(0.0, 2.0)
    seen: list[float] = []

    def ready() -> bool:
        if not seen:
            if written():
                seen.append(time.monotonic())
            return False
        return time.monotonic() - seen[0] >= delay

    if not world.kill_when(world.sync(*args), ready):
        kills.ended_first += 1
        return False
    kills.tried += 1
    kills.unrecorded |= _unlinked_accounts(world)
    _restart_after_kill(world, kills, args)
    return True


def _entries(world: CrashWorld) -> list[LogEntry]:
    store = _state(world)
    try:
        return store.log.query(LogQuery(job=JOB, limit=None, newest_first=False))
    finally:
        store.close()


def _matching(entry: LogEntry) -> str:
    return next((s.detail for s in entry.steps if s.type is StepType.MATCHING), "")


def _assert_initial_consistent(world: CrashWorld, kills: Kills) -> None:
    users = dict(world.entra.directory.users)
    enabled = {uid: u for uid, u in users.items() if u.get("accountEnabled")}
    disabled = {str(u["userPrincipalName"]).casefold() for u in users.values() if not u.get("accountEnabled")}
    accounts = world.sf_users()
    by_name = Counter(str(a["Username"]).casefold() for a in accounts)
    by_mail = Counter(str(a["Email"]).casefold() for a in accounts)
    standard = world.org.profile_id("Standard User")
    account_of = {str(a["Username"]).casefold(): a for a in accounts}
    wrong: list[str] = []
    for user in enabled.values():
        upn, mail = str(user["userPrincipalName"]).casefold(), str(user["mail"]).casefold()
        assert by_name[upn] == 1, f"{upn}: {by_name[upn]} accounts (seed {kills.seed})"
        assert by_mail[mail] == 1, (
            f"{mail}: {by_mail[mail]} accounts carry this e-mail (a duplicate under another name)"
        )
        account = account_of[upn]
        expected = {"LastName": user["surname"], "Email": user["mail"], "ProfileId": standard, "IsActive": True}
        actual = {k: account[k] for k in expected}
        if actual != expected:
            wrong.append(f"{upn}: {actual} != {expected}")
    assert not wrong, wrong[:5]
    assert not disabled & set(by_name), "disabled users are in scope but must not be provisioned"

    store = _state(world)
    try:
        links = store.links.get_many(JOB)
        cycles = store.cycles.recent(JOB, limit=100)
    finally:
        store.close()
    ids = {str(a["Id"]): a for a in accounts}
    assert set(links) == set(enabled), "every provisioned user, and only they, are linked"
    for source_id, link in links.items():
        assert link.target_id in ids, f"link of {source_id} points to {link.target_id}, which does not exist"
        assert (
            str(ids[link.target_id]["Username"]).casefold() == str(enabled[source_id]["userPrincipalName"]).casefold()
        )
        assert link.state is LinkState.ACTIVE
    assert len({link.target_id for link in links.values()}) == len(links), "two users share an account"

    entries = _entries(world)
    provisioned = [
        e
        for e in entries
        if e.status is LogStatus.SUCCESS
        and (e.action is LogAction.CREATE or (e.action is LogAction.UPDATE and _matching(e) == "matched by Username"))
    ]
    per_user = Counter(e.source_id for e in provisioned)
    assert set(per_user) == set(enabled), "a provisioned user without a create or adopt entry: the log has a gap"
    twice = [uid for uid, n in per_user.items() if n != 1]
    assert not twice, f"{len(twice)} users provisioned twice in the log, e.g. {twice[:3]}"
    for entry in provisioned:
        assert entry.target_id == links[str(entry.source_id)].target_id
    adopted = {str(e.target_id) for e in provisioned if e.action is LogAction.UPDATE}
    assert adopted == kills.unrecorded, (
        f"adopted {len(adopted)} accounts, the kills left {len(kills.unrecorded)} unrecorded (seed {kills.seed})"
    )
    assert not [e for e in entries if e.status is LogStatus.FAILURE], "no write failed"

    statuses = Counter(c.status for c in cycles)
    assert statuses[CycleStatus.INTERRUPTED] == kills.tried, statuses
    assert statuses[CycleStatus.SUCCEEDED] >= 1, statuses
    assert statuses[CycleStatus.RUNNING] == 0, statuses


def test_initial_cycle_survives_kill_9(crash_world: CrashWorld) -> None:
    world = crash_world
    rng = random.Random(SEED)
    kills = Kills(SEED)
    before = len(_bulk_accounts(world))

    def grew() -> bool:
        return len(_bulk_accounts(world)) > before

    for _ in range(INITIAL_KILLS):
        before = len(_bulk_accounts(world))
        if not _kill_once(world, rng, kills, (), grew):
            break
    assert kills.tried >= 1, f"no kill landed during the writes (seed {SEED})"
    code, out = world.sync_to_end()
    assert code == 0, out
    print(f"initial cycle: {kills.tried} kill points survived, {len(kills.unrecorded)} accounts adopted (seed {SEED})")
    _assert_initial_consistent(world, kills)
