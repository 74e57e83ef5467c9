"""The provisioning commands as an administrator types them, against the emulators, and `sfprov demo`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sfprov.cli import app
from sfprov.demo import run_demo, write_config
from sfprov.emulators.runner import start_emulators
from sfprov.state import LogQuery, StateStore


@pytest.fixture
def config(tmp_path: Path) -> Iterator[Path]:
    """The demo emulators and a config file for them (2 free full licences: most creates are refused)."""
    running = start_emulators(seed="demo", workdir=tmp_path / "ca")
    try:
        yield write_config(running, tmp_path)
    finally:
        running.stop()


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_plan_sync_logs_status(config: Path) -> None:
    code, out = invoke("plan", "-c", str(config), "--json")
    assert code == 3  # some users cannot be provisioned (mapping errors), and the plan says so
    plan = json.loads(out)
    assert plan["status"] == "succeeded"
    kinds = {a["action"] for a in plan["actions"]}
    assert {"create", "adopt", "error"} <= kinds
    assert (
        not (config.parent / "state.db").exists()
        or StateStore.open(f"sqlite:///{config.parent / 'state.db'}").links.count("production") == 0
    )

    code, out = invoke("sync", "-c", str(config), "--dry-run", "--json")
    assert json.loads(out)["counts"]["create"] > 0
    store = StateStore.open(f"sqlite:///{config.parent / 'state.db'}")
    assert store.links.count("production") == 0

    code, out = invoke("sync", "-c", str(config))
    assert code == 3, out
    assert "initial cycle partial" in out
    assert store.links.count("production") >= 4

    code, out = invoke("sync", "-c", str(config), "--json")
    assert code in (0, 3)
    assert json.loads(out)["kind"] == "incremental"

    code, out = invoke("logs", "-c", str(config), "--status", "failure", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert rows
    assert all(r["status"] == "failure" and r["errorCode"] for r in rows)
    code, out = invoke("logs", "-c", str(config), "--action", "nonsense")
    assert code == 2

    code, out = invoke("status", "-c", str(config), "--json")
    status = json.loads(out)
    assert status["links"]["active"] >= 4
    assert status["cycles"][0]["kind"] == "incremental"
    assert status["escrows"]
    store.close()


def test_provision_on_demand_shows_the_steps(config: Path) -> None:
    upn = "jose.nunez@contoso.com"
    code, out = invoke("provision", upn, "-c", str(config))
    assert code == 0, out
    assert "Username" in out  # the explanation of each field
    store = StateStore.open(f"sqlite:///{config.parent / 'state.db'}")
    entries = store.log.query(LogQuery(job="production"))
    assert [e.source_upn for e in entries] == [upn]
    store.close()


def test_daemon_runs_the_given_number_of_cycles(config: Path) -> None:
    code, _ = invoke("run", "-c", str(config), "--cycles", "2", "--interval", "0")
    assert code == 0
    store = StateStore.open(f"sqlite:///{config.parent / 'state.db'}")
    kinds = [c.kind.value for c in store.cycles.recent("production", limit=5)]
    assert kinds == ["incremental", "initial"]
    store.close()


def test_bad_config_exits_2(tmp_path: Path) -> None:
    (tmp_path / "sfprov.yaml").write_text("targets: []\n")
    code, _ = invoke("sync", "-c", str(tmp_path / "sfprov.yaml"))
    assert code == 2


def test_demo_walks_the_lifecycle(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    assert run_demo(workdir) == 0
    store = StateStore.open(f"sqlite:///{workdir / 'state.db'}")
    entries = store.log.query(LogQuery(job="production", limit=None))
    codes = [e.error_code for e in entries]
    assert codes.count("LICENSE_LIMIT_EXCEEDED") == 1
    actions = [e.action.value for e in entries if e.status.value == "success"]
    assert {"create", "update", "disable", "enable"} <= set(actions)
    assert oct((workdir / "secrets" / "salesforce-client-secret").stat().st_mode)[-3:] == "600"
    secret = (workdir / "secrets" / "salesforce-client-secret").read_text()
    assert secret not in (workdir / "sfprov.yaml").read_text()
    store.close()


def test_profiles_lists_free_seats(config: Path) -> None:
    code, out = invoke("profiles", "-c", str(config), "--json")
    assert code == 0
    rows = {r["profile"]: r for r in json.loads(out)}
    assert {"Standard User", "Chatter Free User", "System Administrator"} <= set(rows)
    standard = rows["Standard User"]
    assert standard["licence"] == "Salesforce"
    assert standard["free"] == standard["total"] - standard["used"]
