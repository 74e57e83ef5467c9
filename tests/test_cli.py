from typer.testing import CliRunner

from sfprov import __version__
from sfprov.cli import app


def test_version() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "version" in result.stdout


def test_init_writes_a_valid_starter(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "sfprov.yaml"
    runner = CliRunner()
    result = runner.invoke(app, ["init", "--path", str(path)])
    assert result.exit_code == 0, result.output
    assert path.exists()
    again = runner.invoke(app, ["init", "--path", str(path)])
    assert again.exit_code == 2
    check = runner.invoke(app, ["config", "check", "--config", str(path)])
    assert check.exit_code == 0, check.output
    path.write_text(path.read_text().replace("interval_seconds: 60", "interval_seconds: soon"))
    bad = runner.invoke(app, ["config", "check", "--config", str(path)])
    assert bad.exit_code == 1
    assert "run.interval_seconds" in bad.output


def test_config_schema_is_json() -> None:
    import json

    result = CliRunner().invoke(app, ["config", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "sfprov configuration"
