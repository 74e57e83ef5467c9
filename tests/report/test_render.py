"""The three renderings carry the same data; the HTML is self-contained and renders in a real browser."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sfprov.cli import app
from sfprov.cli_report import make_report
from sfprov.report import render_html, write_report
from tests.report.conftest import ReportWorld

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
SECTIONS = ("lifecycle", "orphans", "licences", "reconciliation", "failures")


def test_csv_and_json_carry_the_rows_of_each_section(world: ReportWorld, tmp_path: Path) -> None:
    paths = write_report(world.report, tmp_path)
    assert {p.name for p in paths} == {"report.html", "report.json", *(f"{s}.csv" for s in SECTIONS)}
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(world.report.to_json()))
    for section in world.report.sections:
        with (tmp_path / f"{section.key}.csv").open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert tuple(rows[0].keys()) == section.columns
        assert len(rows) == len(section.rows) == len(data["sections"][section.key]["rows"])
        first = section.rows[0]
        assert {k: v for k, v in rows[0].items() if first.get(k) is not None} == {
            k: "True" if v is True else "False" if v is False else str(v) for k, v in first.items() if v is not None
        }


def test_html_is_self_contained_and_has_every_section(world: ReportWorld) -> None:
    html = render_html(world.report)
    for key in SECTIONS:
        assert f'<section id="{key}">' in html
    assert html.count("<svg") == 2
    assert re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) is None  # nothing fetched
    assert "<script" not in html
    assert "@media print" in html
    assert "jane_fabrikam.com#EXT#@contoso.onmicrosoft.com" in html
    assert "<title>sfprov audit report: production</title>" in html


def test_cli_writes_the_report(world: ReportWorld, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["report", "-c", str(world.config_path), "--out", str(out), "--format", "json,csv"]
    )
    assert result.exit_code == 0, result.output
    assert str(out / "report.json") in result.stdout
    assert not (out / "report.html").exists()
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["meta"]["job"] == "production"
    assert data["sections"]["failures"]["summary"]["open"] == len(world.data.escrows)


@pytest.mark.parametrize(
    ("args", "code"),
    [(["--format", "pdf"], 2), (["--since", "yesterday"], 2), (["--inactive-days", "0"], 2)],
)
def test_cli_refuses_bad_options(world: ReportWorld, tmp_path: Path, args: list[str], code: int) -> None:
    result = CliRunner().invoke(app, ["report", "-c", str(world.config_path), "--out", str(tmp_path), *args])
    assert result.exit_code == code
    assert not any(tmp_path.iterdir())


def test_default_folder_is_beside_the_config(world: ReportWorld) -> None:
    code, folder = make_report(world.config_path, None, formats="json")
    assert code == 0
    assert folder is not None
    assert folder.parent == world.config_path.parent / "reports"
    assert (folder / "report.json").exists()


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install -y chromium)")
def test_html_renders_in_headless_chromium(world: ReportWorld, tmp_path: Path) -> None:
    page = write_report(world.report, tmp_path, ("html",))[0]
    url = page.resolve().as_uri()
    dom = _chromium("--dump-dom", url, profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    for key in SECTIONS:
        assert f'<section id="{key}">' in dom.stdout
    assert dom.stdout.count("<svg") == 2
    assert "bar-created" in dom.stdout

    shot = tmp_path / "report.png"
    run = _chromium("--window-size=1400,1800", f"--screenshot={shot}", url, profile=tmp_path / "profile")
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one

    pdf = tmp_path / "report.pdf"
    run = _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", url, profile=tmp_path / "profile")
    assert run.returncode == 0, run.stderr[-2000:]
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages >= len(SECTIONS)  # print CSS: each section starts on its own page


def test_long_tables_are_cut_in_html_only(world: ReportWorld, tmp_path: Path) -> None:
    from dataclasses import replace

    from sfprov.report.render_html import MAX_HTML_ROWS

    lifecycle = world.report.section("lifecycle")
    many = [dict(lifecycle.rows[0], user=f"user{i}@contoso.com") for i in range(MAX_HTML_ROWS + 7)]
    big = replace(world.report, sections=[replace(lifecycle, rows=many), *world.report.sections[1:]])
    html = render_html(big)
    assert f"user{MAX_HTML_ROWS - 1}@contoso.com" in html
    assert f"user{MAX_HTML_ROWS}@contoso.com" not in html
    assert "and 7 more rows: see lifecycle.csv" in html
    write_report(big, tmp_path, ("csv",))
    assert (tmp_path / "lifecycle.csv").read_text(encoding="utf-8-sig").count("@contoso.com") == MAX_HTML_ROWS + 7


def test_a_login_salesforce_refuses_exits_1_with_the_fix(world: ReportWorld, tmp_path: Path) -> None:
    config = tmp_path / "sfprov.yaml"
    text = world.config_path.read_text(encoding="utf-8").replace("secrets/salesforce-client-secret", "wrong-secret")
    config.write_text(text.replace("sqlite:///state.db", f"sqlite:///{world.config_path.parent / 'state.db'}"))
    (tmp_path / "wrong-secret").write_text("not-the-secret")
    (tmp_path / "wrong-secret").chmod(0o600)
    (tmp_path / "emulator-ca.pem").write_bytes((world.config_path.parent / "emulator-ca.pem").read_bytes())
    result = CliRunner().invoke(app, ["report", "-c", str(config), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "not-the-secret" not in result.output
    assert not (tmp_path / "out").exists()
