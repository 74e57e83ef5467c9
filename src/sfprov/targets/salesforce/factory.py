"""From a target's configuration to a connected client: secrets are resolved here, at the moment of use."""

from __future__ import annotations

from pathlib import Path

from sfprov.config.models import (
    ClientCredentialsLogin,
    JwtBearerLogin,
    PasswordLogin,
    SoapLoginConfig,
    TargetConfig,
)
from sfprov.targets.salesforce.auth import ClientCredentials, JwtBearer, LoginMethod, PasswordFlow, SoapLogin
from sfprov.targets.salesforce.client import SalesforceClient
from sfprov.targets.salesforce.limits import ApiAllowance


def _url(value: object) -> str:
    return str(value).rstrip("/")


def login_method(target: TargetConfig, base_dir: Path | None = None) -> LoginMethod:
    """The login method of ``target`` with its secrets resolved (ConfigError naming the key when one is missing)."""
    login = target.login
    key = f"targets[{target.name}].login"
    if isinstance(login, ClientCredentialsLogin):
        return ClientCredentials(
            _url(login.my_domain_url),
            login.client_id,
            login.client_secret.resolve(f"{key}.client_secret", base_dir=base_dir),
        )
    if isinstance(login, JwtBearerLogin):
        return JwtBearer(
            _url(login.login_url),
            login.client_id,
            login.username,
            login.private_key.resolve(f"{key}.private_key", base_dir=base_dir),
            audience=login.audience,
        )
    if isinstance(login, SoapLoginConfig):
        token = (
            login.security_token.resolve(f"{key}.security_token", base_dir=base_dir) if login.security_token else None
        )
        return SoapLogin(
            _url(login.login_url),
            login.username,
            login.password.resolve(f"{key}.password", base_dir=base_dir),
            token,
            api_version=login.api_version,
        )
    assert isinstance(login, PasswordLogin)
    token = login.security_token.resolve(f"{key}.security_token", base_dir=base_dir) if login.security_token else None
    return PasswordFlow(
        _url(login.login_url),
        login.client_id,
        login.client_secret.resolve(f"{key}.client_secret", base_dir=base_dir),
        login.username,
        login.password.resolve(f"{key}.password", base_dir=base_dir),
        token,
    )


def connect(target: TargetConfig, *, base_dir: Path | None = None, dry_run: bool = False) -> SalesforceClient:
    ca = target.ca_bundle
    if ca is not None and not ca.is_absolute() and base_dir is not None:
        ca = base_dir / ca
    return SalesforceClient(
        login_method(target, base_dir),
        api_version=target.api_version,
        ca_bundle=str(ca) if ca else None,
        timeout_seconds=target.timeout_seconds,
        concurrency=target.concurrency,
        allowance=ApiAllowance(reserve=target.api_reserve),
        dry_run=dry_run,
    )
