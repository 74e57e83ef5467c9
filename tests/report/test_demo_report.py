"""`sfprov demo` ends by writing the audit report and printing its path (issue 8, "Done when")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfprov.demo import run_demo


def test_demo_ends_with_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workdir = tmp_path / "demo"
    assert run_demo(workdir) == 0
    page = workdir / "report" / "report.html"
    assert "report.html" in capsys.readouterr().out
    assert page.exists()
    data = json.loads((workdir / "report" / "report.json").read_text(encoding="utf-8"))
    events = {r["event"] for r in data["sections"]["lifecycle"]["rows"]}
    assert {"created", "adopted", "changed", "deactivated", "reactivated"} <= events
    assert data["sections"]["failures"]["summary"]["byCode"]["LICENSE_LIMIT_EXCEEDED"] == 1
    assert data["sections"]["orphans"]["summary"]["orphans"] > 0  # the demo org's Salesforce-only accounts
