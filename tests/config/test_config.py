from __future__ import annotations

from pathlib import Path

import pytest

from sfprov.config import load_config, parse_config
from sfprov.config.secrets import SecretRef
from sfprov.errors import ConfigError

MINIMAL = """
source:
  tenant_id: contoso.onmicrosoft.com
  client_id: 11111111-2222-3333-4444-555555555555
  client_secret: {env: SFPROV_TEST_ENTRA_SECRET}
  scope:
    mode: app_assignment
    app_id: 66666666-7777-8888-9999-000000000000
targets:
  - name: production
    login:
      method: client_credentials
      my_domain_url: https://contoso.my.salesforce.com
      client_id: 3MVG9
      client_secret: {file: sf.secret}
"""


def test_minimal_config_gets_safe_defaults() -> None:
    config = parse_config(MINIMAL)
    target = config.target(None)
    assert target.name == "production"
    assert target.api_reserve == 0.2
    assert target.safety.max_deactivations == 50
    assert config.state.url.startswith("sqlite:///")
    assert config.mapping_for(target) is config.mapping
    assert config.run.interval_seconds == 60


def errors_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    return str(info.value)


def test_unknown_key_is_named_with_its_path() -> None:
    text = MINIMAL.replace("      client_id: 3MVG9", "      client_id: 3MVG9\n      clientsecret: x")
    message = errors_of(text)
    assert "targets[0].login.clientsecret: unknown key (did you mean 'client_secret'?)" in message


def test_inline_secret_is_refused_and_never_echoed() -> None:
    text = MINIMAL.replace("{file: sf.secret}", "SuperSecretValue123")
    message = errors_of(text)
    assert "cannot be written into the config file" in message
    assert "SuperSecretValue123" not in message


def test_wrong_type_names_key() -> None:
    message = errors_of(MINIMAL + "run:\n  interval_seconds: soon\n")
    assert "run.interval_seconds" in message


def test_soap_login_above_64_is_refused() -> None:
    text = MINIMAL.replace(
        """      method: client_credentials
      my_domain_url: https://contoso.my.salesforce.com
      client_id: 3MVG9
      client_secret: {file: sf.secret}""",
        """      method: soap
      username: integration@contoso.com
      password: {env: SF_PASSWORD}
      api_version: "66.0"
""",
    )
    assert "does not exist from API 65.0" in errors_of(text)


def test_missing_scope_app_id() -> None:
    message = errors_of(MINIMAL.replace("    app_id: 66666666-7777-8888-9999-000000000000\n", ""))
    assert "source.scope" in message
    assert "app_id is required" in message


def test_bad_yaml_gives_line() -> None:
    message = errors_of("source:\n  tenant_id: [unclosed\n")
    assert "line" in message


def test_empty_and_non_mapping() -> None:
    assert "empty" in errors_of("")
    assert "top level must be a mapping" in errors_of("- a\n- b\n")


def test_duplicate_target_names() -> None:
    text = MINIMAL + MINIMAL[MINIMAL.index("  - name: production") :]
    assert "repeated: production" in errors_of(text.replace("targets:\n", "targets:\n", 1))


def test_target_selection_errors() -> None:
    config = parse_config(MINIMAL)
    with pytest.raises(ConfigError, match="No target named 'uat'"):
        config.target("uat")


def test_secret_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SFPROV_TEST_SECRET", "from-env")
    assert SecretRef(env="SFPROV_TEST_SECRET").resolve("k").reveal() == "from-env"
    monkeypatch.delenv("SFPROV_TEST_SECRET")
    with pytest.raises(ConfigError, match="SFPROV_TEST_SECRET is not set"):
        SecretRef(env="SFPROV_TEST_SECRET").resolve("source.client_secret")
    secret_file = tmp_path / "sf.secret"
    secret_file.write_text("from-file\n")
    secret_file.chmod(0o644)
    ref = SecretRef(file=Path("sf.secret"))
    assert ref.resolve("k", base_dir=tmp_path).reveal() == "from-file"
    warning = ref.permission_warning("targets[0].login.client_secret", base_dir=tmp_path)
    assert warning is not None
    assert "chmod 600" in warning
    secret_file.chmod(0o600)
    assert ref.permission_warning("k", base_dir=tmp_path) is None
    with pytest.raises(ConfigError, match="cannot read secret file"):
        SecretRef(file=tmp_path / "missing").resolve("k")


def test_load_config_from_file(tmp_path: Path) -> None:
    path = tmp_path / "sfprov.yaml"
    path.write_text(MINIMAL)
    config, base = load_config(path)
    assert base == tmp_path
    assert config.source.tenant_id == "contoso.onmicrosoft.com"
    with pytest.raises(ConfigError, match="sfprov init"):
        load_config(tmp_path / "absent.yaml")
