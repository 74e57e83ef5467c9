"""`sfprov emulate` as an administrator runs it: a subprocess that serves both emulators until interrupted."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import msal
import pytest
import requests


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() or path.stat().st_size == 0:
        if proc.poll() is not None:
            raise AssertionError(f"sfprov emulate exited early: {proc.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError("sfprov emulate did not write its info file in time")
        time.sleep(0.1)


@pytest.mark.timeout(120)
def test_emulate_serves_both_and_saves_a_snapshot(tmp_path: Path) -> None:
    info_path, ca_path, snapshot = tmp_path / "info.json", tmp_path / "ca.pem", tmp_path / "snap"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sfprov.cli",
            "emulate",
            "--seed",
            "demo",
            "--info-out",
            str(info_path),
            "--ca-out",
            str(ca_path),
            "--snapshot",
            str(snapshot),
            "--workdir",
            str(tmp_path / "work"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        wait_for(info_path, proc)
        assert oct(info_path.stat().st_mode)[-3:] == "600"
        info = json.loads(info_path.read_text())
        assert {"salesforce", "entra", "ca_file"} <= set(info)
        with httpx.Client(verify=ssl.create_default_context(cafile=str(ca_path))) as http:
            versions = http.get(info["salesforce"]["login_url"] + "/services/data/")
            assert versions.status_code == 200
            assert any(v["version"] == "64.0" for v in versions.json())
        entra = info["entra"]
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify (reference entra-graph.md §1.3)
        session.verify = str(ca_path)
        app = msal.ConfidentialClientApplication(
            entra["client_id"],
            client_credential=entra["client_secret"],
            authority=entra["authority"],
            http_client=session,
            instance_discovery=False,
        )
        scope = entra["graph_base_url"].removesuffix("/v1.0") + "/.default"
        token = app.acquire_token_for_client(scopes=[scope])
        assert "access_token" in token, token.get("error_description")
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Trust this CA" in err
    assert (snapshot / "salesforce.json").exists()
    assert (snapshot / "entra.json").exists()


def test_bad_seed_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sfprov.cli", "emulate", "--seed", "nonsense"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--seed 'nonsense' is not known" in result.stderr
