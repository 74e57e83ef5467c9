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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from sfprov.state import Cycle, CycleStatus, LinkState, LogAction, LogEntry, LogQuery, LogStatus, StateStore, StepType
from tests.reliability.conftest import JOB, LONG, CrashWorld, crash_world_in

SEED = int(os.environ.get("SFPROV_CRASH_SEED", str(random.SystemRandom().randrange(1_000_000))))
INITIAL_KILLS = 4 if LONG else 3
"""Kill points per initial cycle; each restart creates more accounts, so a cycle runs out of writes after a few."""
INITIAL_ROUNDS = 10 if LONG else 1
"""Fresh worlds whose initial cycle is killed INITIAL_KILLS times (about 20+ kill points when long)."""
INCREMENTAL_ROUNDS = 12 if LONG else 1
"""Each round unassigns REMOVED / rounds users and kills the deactivating sync twice (20+ kill points when long)."""
REMOVED = 500
DEACTIVATION_LATENCY_MS = 10.0
ARGS = ("--allow-deactivations",)
Probe = Callable[[], bool]


@dataclass
class Kills:
    """Kill points tried (the process was SIGKILLed) and the accounts each kill left without a link or log entry."""

    seed: int
    tried: int = 0
    ended_first: int = 0
    interrupted: int = 0
    lease_checked: bool = False
    """Kills that cut a running cycle (the others fell just before its start or after its end)."""
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


def _settle(world: CrashWorld, quiet: float = 0.5) -> None:
    """Wait until the org's user count holds still for ``quiet`` seconds: a request the killed engine had fully
    sent is still applied by the server after the client died (as Salesforce would), so the accounts a kill left
    behind are only known once those have landed."""
    last, since = world.sf_user_count(), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.05)
        now = world.sf_user_count()
        if now != last:
            last, since = now, time.monotonic()


def _restart_after_kill(world: CrashWorld, kills: Kills, args: tuple[str, ...]) -> None:
    """What an operator meets after a kill -9: the dead engine's lease blocks the job until it expires (checked
    once per series; a kill that fell after the cycle released its lease leaves nothing to expire)."""
    store = _state(world)
    try:
        held = store.leases.holder(JOB) is not None
    finally:
        store.close()
    if not held:
        return
    if not kills.lease_checked:
        kills.lease_checked = True
        code, out = world.sync_to_end(*args)
        assert code == 1, out
        assert "Another sfprov engine" in out, out
        assert "is running job 'production'" in out, out
    world.expire_dead_lease()


def _kill_once(
    world: CrashWorld,
    rng: random.Random,
    kills: Kills,
    args: tuple[str, ...],
    written: Probe,
    max_delay: float = 2.0,
) -> bool:
    """Start a sync, wait until ``written()`` shows its writes began, let a random 0..max_delay s more pass, SIGKILL
    it, and take its lease over as a restarted engine would. False when the sync finished before the kill point."""
    delay = rng.uniform(0.0, max_delay)
    seen: list[float] = []

    def ready() -> bool:
        if not seen:
            if written():
                seen.append(time.monotonic())
            return False
        return time.monotonic() - seen[0] >= delay

    return _killed(world, kills, args, world.kill_when(world.sync(*args), ready))


def _kill_at_random_time(world: CrashWorld, rng: random.Random, kills: Kills, args: tuple[str, ...]) -> bool:
    """SIGKILL a sync at a random moment after its start: reading Entra, planning, writing or recording."""
    delay = rng.uniform(0.5, 5.0)
    started = time.monotonic()
    return _killed(world, kills, args, world.kill_when(world.sync(*args), lambda: time.monotonic() - started >= delay))


def _killed(world: CrashWorld, kills: Kills, args: tuple[str, ...], killed: bool) -> bool:
    if not killed:
        kills.ended_first += 1
        return False
    kills.tried += 1
    _settle(world)
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

    kills.interrupted = _assert_cycles(cycles, kills, clean_runs=kills.ended_first + 1)


def _assert_cycles(cycles: list[Cycle], kills: Kills, clean_runs: int) -> int:
    """Every cycle a kill cut is closed as ``interrupted`` by the restart, none is left ``running``. A kill point
    can also fall after its cycle finished (the process was printing its report) or before it started (still
    importing): hence at most one interrupted cycle per kill, and no more cycles than runs. Returns the count of
    kills that interrupted a cycle."""
    statuses = Counter(c.status for c in cycles)
    assert set(statuses) <= {CycleStatus.INTERRUPTED, CycleStatus.SUCCEEDED}, statuses
    assert 1 <= statuses[CycleStatus.INTERRUPTED] <= kills.tried, statuses
    assert statuses[CycleStatus.INTERRUPTED] + statuses[CycleStatus.SUCCEEDED] <= kills.tried + clean_runs, statuses
    return statuses[CycleStatus.INTERRUPTED]


@pytest.mark.parametrize("round_", range(INITIAL_ROUNDS))
def test_initial_cycle_survives_kill_9(crash_world: CrashWorld, round_: int) -> None:
    world = crash_world
    rng = random.Random(SEED + 100 * round_)
    kills = Kills(SEED + 100 * round_)
    before = len(_bulk_accounts(world))

    def grew() -> bool:
        return len(_bulk_accounts(world)) > before

    for _ in range(INITIAL_KILLS):
        before = len(_bulk_accounts(world))
        if not _kill_once(world, rng, kills, (), grew):
            break
    assert kills.tried >= 1, f"no kill landed during the writes (seed {kills.seed})"
    assert kills.lease_checked, "no kill left a lease behind to check"
    code, out = world.sync_to_end()
    assert code == 0, out
    _assert_initial_consistent(world, kills)
    print(
        f"initial cycle: {kills.tried} kill points survived ({kills.interrupted} cut a running cycle), "
        f"{kills.ended_first} runs ended first, {len(kills.unrecorded)} accounts adopted (seed {kills.seed})"
    )


def _writes_seen(world: CrashWorld) -> int:
    """Salesforce write requests received so far (counted on arrival, before the emulator applies them)."""
    counters = world.salesforce.admin.counters()
    return sum(
        n for name, n in counters.items() if name.split(" ")[0] in ("POST", "PATCH", "DELETE") and "/data/" in name
    )


@dataclass
class Incremental:
    """The outcome of incremental cycles killed while deactivating, then run to completion."""

    world: CrashWorld
    enabled: list[str]
    removed: set[str]
    kills: Kills


def _remove_and_crash(world: CrashWorld, rng: random.Random, batch: set[str], kills: Kills) -> None:
    """Unassign ``batch``, then kill `sync --allow-deactivations` once among its writes (the answers take a
    ``window`` of latency, so the kill falls between Salesforce applying them and sfprov recording them) and once
    at a random moment of the restart, and run it to completion."""
    group = world.licensed_group_id
    for uid in sorted(batch):
        world.entra.admin.remove_member(group, uid)
    window = DEACTIVATION_LATENCY_MS * min(200, len(batch)) / 1000
    before = _writes_seen(world)
    _kill_once(world, rng, kills, ARGS, lambda: _writes_seen(world) > before, max_delay=0.8 * window)
    _kill_at_random_time(world, rng, kills, ARGS)
    code, out = world.sync_to_end(*ARGS)
    assert code == 0, out


@pytest.fixture(scope="module")
def incremental(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Incremental]:
    with crash_world_in(tmp_path_factory.mktemp("incremental")) as world:
        world.salesforce.admin.set_faults(latency_per_record_ms=0.0)  # the initial cycle is not under test here
        code, out = world.sync_to_end()
        assert code == 0, out
        rng = random.Random(SEED + 1)
        enabled = sorted(uid for uid, u in world.entra.directory.users.items() if u.get("accountEnabled"))
        order = rng.sample(enabled, REMOVED)
        world.salesforce.admin.set_faults(latency_per_record_ms=DEACTIVATION_LATENCY_MS)
        kills = Kills(SEED)
        for round_ in range(INCREMENTAL_ROUNDS):
            _remove_and_crash(world, rng, set(order[round_::INCREMENTAL_ROUNDS]), kills)
        yield Incremental(world, enabled, set(order), kills)


def test_no_deactivation_lost_after_kill_9(incremental: Incremental) -> None:
    """Salesforce, the ground truth: every unassigned user inactive, every other one active."""
    world, removed = incremental.world, incremental.removed
    assert incremental.kills.tried >= INCREMENTAL_ROUNDS, f"no kill landed during the writes (seed {SEED})"
    upn_of = {uid: str(world.entra.directory.users[uid]["userPrincipalName"]).casefold() for uid in incremental.enabled}
    accounts = _bulk_accounts(world)
    lost = [upn_of[uid] for uid in removed if accounts[upn_of[uid]]["IsActive"]]
    assert not lost, f"{len(lost)} deactivations lost, e.g. {lost[:3]} (seed {SEED})"
    kept = set(incremental.enabled) - removed
    wrongly = [upn_of[uid] for uid in kept if not accounts[upn_of[uid]]["IsActive"]]
    assert not wrongly, f"{len(wrongly)} users still assigned were deactivated, e.g. {wrongly[:3]}"
    store = _state(world)
    try:
        cycles = store.cycles.recent(JOB, limit=200)
        escrows = store.escrows.due(JOB)
    finally:
        store.close()
    assert not escrows
    kills = incremental.kills
    interrupted = _assert_cycles(cycles, kills, clean_runs=1 + kills.ended_first + INCREMENTAL_ROUNDS)
    print(
        f"incremental cycles: {kills.tried} kill points survived ({interrupted} cut a running cycle), "
        f"{kills.ended_first} runs ended first (seed {kills.seed})"
    )


def test_deactivations_applied_before_kill_9_are_recorded(incremental: Incremental) -> None:
    """The state store and the log: the unassigned users' links deactivated, one successful disable entry each."""
    world, removed = incremental.world, incremental.removed
    store = _state(world)
    try:
        links = store.links.get_many(JOB)
    finally:
        store.close()
    disables = Counter(
        e.source_id for e in _entries(world) if e.action is LogAction.DISABLE and e.status is LogStatus.SUCCESS
    )
    missing = removed - set(disables)
    assert not missing, f"{len(missing)} deactivations without a log entry: the log has a gap"
    assert not [uid for uid, n in disables.items() if n != 1], "a user logged as deactivated more than once"
    assert {uid for uid, link in links.items() if link.state is LinkState.DEACTIVATED} == removed
