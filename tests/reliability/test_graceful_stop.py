"""SIGTERM stops an engine promptly and cleanly (issue 7: "SIGTERM finishes the batch in flight and exits cleanly").

`sfprov run` and `sfprov sync` run in their own process (as in test_crash_consistency.py, whose world and checks
are reused) against emulators whose Salesforce writes are slow enough that an initial cycle of a few thousand users
takes several write slices. A SIGTERM sent once writes began must:

* end the process within a few seconds (the slice in flight, not the whole cycle), exit 0 for the daemon;
* close the cycle as ``interrupted``, with the writes it left counted;
* leave no orphan write: every account created is linked and has its create entry (nothing is adopted later);
* leave the watermark where it was, so that the next `sfprov sync` does the rest, with no duplicate and no lost
  deactivation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sfprov.engine.cycle import SOURCE_STATE
from sfprov.state import CycleStatus, LinkState, LogAction, LogStatus, StateStore
from tests.reliability.conftest import JOB, CrashWorld, crash_world_in
from tests.reliability.test_crash_consistency import Kills, _assert_initial_consistent, _bulk_accounts, _entries

SLOW_WRITES_MS = 8.0
"""Per record of a Salesforce answer: a collection of 200 takes 1.6 s, a slice (4 in flight) about as long, so the
3,000 creates take 4 slices (6-7 s) and a stop after the first one saves several seconds."""
PROMPT_SECONDS = 5.0
"""From SIGTERM to exit: one slice in flight (1.6 s), recording it, closing the cycle and the process."""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[CrashWorld]:
    with crash_world_in(tmp_path) as built:
        built.salesforce.admin.set_faults(latency_per_record_ms=SLOW_WRITES_MS)
        yield built


def _store(world: CrashWorld) -> StateStore:
    return StateStore.open(world.state_url)


def _links(world: CrashWorld) -> int:
    store = _store(world)
    try:
        return len(store.links.get_many(JOB))
    finally:
        store.close()


def _running_cycle(world: CrashWorld) -> bool:
    if not (world.config.parent / "state.db").exists():
        return False
    store = _store(world)
    try:
        latest = store.cycles.latest(JOB)
    finally:
        store.close()
    return latest is not None and latest.status is CycleStatus.RUNNING


def _wait_for(proc: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the engine ended before the stop point"
        if ready():
            return
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("the engine never reached the stop point")


def _terminate(proc: subprocess.Popen[bytes]) -> float:
    """SIGTERM ``proc``; the seconds it took to exit."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return time.monotonic() - sent


def _daemon(world: CrashWorld) -> subprocess.Popen[bytes]:
    with world.output.open("wb") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "sfprov.cli", "run", "-c", str(world.config), "--interval", "3600"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=world.config.parent,
        )


def _interrupted(world: CrashWorld) -> tuple[dict[str, int], str]:
    """The counts and message of the job's only cycle, which must be ``interrupted``; and no watermark saved."""
    store = _store(world)
    try:
        cycles = store.cycles.recent(JOB)
        mark = store.watermarks.get(JOB, SOURCE_STATE)
        lease = store.leases.holder(JOB)
    finally:
        store.close()
    assert [c.status for c in cycles] == [CycleStatus.INTERRUPTED], cycles
    assert mark is None, "an interrupted cycle must not advance the source watermark"
    assert lease is None, "a cleanly stopped engine gives the job's lease back"
    return dict(cycles[0].counts), cycles[0].error_message or ""


def _no_orphan_writes(world: CrashWorld) -> int:
    """Every account made so far is linked and has exactly one successful create entry. Returns their count."""
    accounts = {str(a["Id"]) for a in _bulk_accounts(world).values()}
    store = _store(world)
    try:
        links = store.links.get_many(JOB)
    finally:
        store.close()
    assert {link.target_id for link in links.values()} == accounts, "an account without its link (or the reverse)"
    creates = Counter(
        e.target_id for e in _entries(world) if e.action is LogAction.CREATE and e.status is LogStatus.SUCCESS
    )
    assert set(creates) == accounts, "an account without a create entry"
    assert set(creates.values()) == {1}, "an account with more than one create entry"
    return len(accounts)


def _finish_and_check(world: CrashWorld, stops: int) -> None:
    """`sfprov sync` to the end: the rest is created, nothing twice, nothing adopted (no write was unrecorded)."""
    world.salesforce.admin.set_faults(latency_per_record_ms=0.0)
    code, out = world.sync_to_end()
    assert code == 0, out
    kills = Kills(seed=0, tried=stops)  # a clean stop leaves no unrecorded account: none may be adopted
    _assert_initial_consistent(world, kills)


def test_sigterm_stops_the_daemon_after_the_write_slice_in_flight(world: CrashWorld) -> None:
    proc = _daemon(world)
    _wait_for(proc, lambda: _links(world) > 0)  # the first slice is recorded; the next one is in flight
    seconds = _terminate(proc)
    print(f"daemon stopped {seconds:.2f} s after SIGTERM")
    output = world.output.read_text(errors="replace")
    assert proc.returncode == 0, output
    assert seconds < PROMPT_SECONDS, f"took {seconds:.1f} s to stop\n{output}"
    assert "received SIGTERM" in output, output
    assert "stopped on request (SIGTERM)" in output, output
    counts, message = _interrupted(world)
    made = _no_orphan_writes(world)
    in_scope = sum(1 for u in world.entra.directory.users.values() if u.get("accountEnabled"))
    assert 0 < made <= in_scope - 800, f"{made} of {in_scope} made: the stop did not cut the cycle short"
    assert counts["left"] == in_scope - made, counts
    assert counts["succeeded"] == made, counts
    assert message.startswith(f"Stopped on request (SIGTERM) after {made} of {in_scope} writes"), message
    shown = subprocess.run(
        [sys.executable, "-m", "sfprov.cli", "status", "-c", str(world.config), "--json"],
        capture_output=True,
        check=True,
        cwd=world.config.parent,
    )
    latest = json.loads(shown.stdout)["cycles"][0]
    assert latest["status"] == "interrupted", latest
    assert latest["error"] == message, latest
    logs = subprocess.run(
        [sys.executable, "-m", "sfprov.cli", "logs", "-c", str(world.config), "--limit", "5"],
        capture_output=True,
        check=True,
        cwd=world.config.parent,
        env={**os.environ, "COLUMNS": "400"},
        text=True,
    )
    assert f"cycle {latest['id']} (initial, " in logs.stdout, logs.stdout
    assert f"was interrupted: {message}" in logs.stdout, logs.stdout
    _finish_and_check(world, stops=1)


def test_sigterm_during_the_read_stops_before_any_write(world: CrashWorld) -> None:
    world.entra.faults.configure(latency_ms_per_call=400.0)  # the read takes 30+ pages: over 12 s
    proc = world.sync()
    _wait_for(proc, lambda: _running_cycle(world))
    time.sleep(0.5)
    seconds = _terminate(proc)
    print(f"sync stopped {seconds:.2f} s after SIGTERM during the read")
    output = world.output.read_text(errors="replace")
    assert proc.returncode == 1, output  # `sync` did not do its job: exit 1, the cycle "stopped"
    assert seconds < 2.5, f"took {seconds:.1f} s to stop a read\n{output}"
    assert "interrupted" in output, output
    assert "before any write" in output, output
    _interrupted(world)
    assert not _bulk_accounts(world)
    world.entra.faults.configure(latency_ms_per_call=0.0)
    _finish_and_check(world, stops=1)


def test_stopped_deactivating_sync_loses_no_deactivation(world: CrashWorld) -> None:
    """An incremental cycle deactivating 2,000 users (3 slices) is stopped after its first slice: the watermark
    stays, so the next cycle finds the remaining deactivations again, and each is done and logged exactly once."""
    world.salesforce.admin.set_faults(latency_per_record_ms=0.0)
    code, out = world.sync_to_end()
    assert code == 0, out
    group = world.licensed_group_id
    enabled = sorted(uid for uid, u in world.entra.directory.users.items() if u.get("accountEnabled"))
    removed = set(enabled[:2000])
    for uid in removed:
        world.entra.admin.remove_member(group, uid)
    world.salesforce.admin.set_faults(latency_per_record_ms=SLOW_WRITES_MS)

    def deactivated() -> int:
        store = _store(world)
        try:
            return store.links.count(JOB, LinkState.DEACTIVATED)
        finally:
            store.close()

    proc = world.sync("--allow-deactivations")
    _wait_for(proc, lambda: deactivated() > 0)
    seconds = _terminate(proc)
    output = world.output.read_text(errors="replace")
    assert proc.returncode == 1, output
    assert seconds < PROMPT_SECONDS, f"took {seconds:.1f} s to stop\n{output}"
    done = deactivated()
    assert 0 < done < len(removed), done
    store = _store(world)
    try:
        latest = store.cycles.latest(JOB)
    finally:
        store.close()
    assert latest is not None
    assert latest.status is CycleStatus.INTERRUPTED, latest

    world.salesforce.admin.set_faults(latency_per_record_ms=0.0)
    code, out = world.sync_to_end("--allow-deactivations")
    assert code == 0, out
    accounts = _bulk_accounts(world)
    upn = {uid: str(world.entra.directory.users[uid]["userPrincipalName"]).casefold() for uid in enabled}
    assert not [uid for uid in removed if accounts[upn[uid]]["IsActive"]], "a deactivation was lost"
    assert all(accounts[upn[uid]]["IsActive"] for uid in set(enabled) - removed)
    disables = Counter(
        e.source_id for e in _entries(world) if e.action is LogAction.DISABLE and e.status is LogStatus.SUCCESS
    )
    assert set(disables) == removed, "a deactivation without its log entry"
    assert set(disables.values()) == {1}, "a deactivation logged twice"
