import json

from sfprov.config import parse_config
from sfprov.config.starter import STARTER, json_schema_text


def test_starter_file_is_a_valid_config() -> None:
    config = parse_config(STARTER)
    target = config.target("production")
    assert target.login.method == "client_credentials"
    assert config.source.scope.mode == "groups"


def test_json_schema_describes_every_section() -> None:
    schema = json.loads(json_schema_text())
    assert schema["title"] == "sfprov configuration"
    assert {"source", "targets", "state", "mapping", "scoping", "run"} <= set(schema["properties"])
    assert "source" in schema["required"]


def test_published_schema_is_up_to_date() -> None:
    from pathlib import Path

    published = Path(__file__).resolve().parents[2] / "docs" / "sfprov.schema.json"
    assert published.read_text() == json_schema_text(), "run: sfprov config schema --out docs/sfprov.schema.json"
