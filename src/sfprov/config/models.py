"""The shape of ``sfprov.yaml``. Unknown keys are errors: a typo must not silently fall back to a default.

One source (an Entra tenant) feeds one or more targets (for example production and a sandbox); each target has its
own login, mapping overrides, and safety limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from sfprov.config.secrets import SecretRef
from sfprov.errors import ConfigError
from sfprov.mapping.config import MappingConfig, ScopingConfig


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StateConfig(_Strict):
    url: str = "sqlite:///sfprov-state.db"
    """``sqlite:///path.db`` (default, relative to the config file) or ``postgresql+psycopg://user@host/db``."""


class EntraCertificate(_Strict):
    private_key: SecretRef
    thumbprint: str = Field(pattern=r"^[0-9A-Fa-f]{40}$")
    """SHA-1 thumbprint of the certificate uploaded to the app registration (40 hex characters)."""


class ScopeConfig(_Strict):
    mode: Literal["app_assignment", "groups", "all_users"] = "app_assignment"
    app_id: str | None = None
    groups: list[str] = Field(default_factory=list)
    nested_groups: bool = False

    @model_validator(mode="after")
    def _complete(self) -> ScopeConfig:
        if self.mode == "app_assignment" and not self.app_id:
            raise ValueError(
                "app_id is required with mode app_assignment: the Application (client) ID of the Salesforce "
                "enterprise app (Enterprise applications > Salesforce > Properties)"
            )
        if self.mode == "groups" and not self.groups:
            raise ValueError("groups must list at least one group name or object id with mode groups")
        return self


class SourceConfig(_Strict):
    tenant_id: str
    client_id: str
    client_secret: SecretRef | None = None
    certificate: EntraCertificate | None = None
    authority_url: HttpUrl = HttpUrl("https://login.microsoftonline.com")
    """``https://login.microsoftonline.us`` for US Government, ``https://login.chinacloudapi.cn`` for China."""
    graph_url: HttpUrl = HttpUrl("https://graph.microsoft.com/v1.0")
    ca_bundle: Path | None = None
    scope: ScopeConfig

    @model_validator(mode="after")
    def _one_credential(self) -> SourceConfig:
        if (self.client_secret is None) == (self.certificate is None):
            raise ValueError("give exactly one of client_secret: or certificate:")
        return self

    @field_validator("authority_url", "graph_url")
    @classmethod
    def _https(cls, value: HttpUrl) -> HttpUrl:
        if value.scheme != "https":
            raise ValueError("must be an https:// URL (MSAL and Graph refuse plain http)")
        return value


class ClientCredentialsLogin(_Strict):
    method: Literal["client_credentials"]
    my_domain_url: HttpUrl
    client_id: str
    client_secret: SecretRef


class JwtBearerLogin(_Strict):
    method: Literal["jwt_bearer"]
    login_url: HttpUrl = HttpUrl("https://login.salesforce.com")
    client_id: str
    username: str
    private_key: SecretRef
    audience: str | None = None


class SoapLoginConfig(_Strict):
    method: Literal["soap"]
    login_url: HttpUrl = HttpUrl("https://login.salesforce.com")
    username: str
    password: SecretRef
    security_token: SecretRef | None = None
    api_version: str = "64.0"

    @field_validator("api_version")
    @classmethod
    def _soap_version(cls, value: str) -> str:
        if float(value) >= 65.0:
            raise ValueError("SOAP login() does not exist from API 65.0; use 64.0 or move to client_credentials")
        return value


class PasswordLogin(_Strict):
    method: Literal["password"]
    login_url: HttpUrl = HttpUrl("https://login.salesforce.com")
    client_id: str
    client_secret: SecretRef
    username: str
    password: SecretRef
    security_token: SecretRef | None = None


LoginConfig = Annotated[
    ClientCredentialsLogin | JwtBearerLogin | SoapLoginConfig | PasswordLogin, Field(discriminator="method")
]


class SafetyConfig(_Strict):
    max_deactivations: int = Field(default=50, ge=0)
    """Above this many deactivations in one cycle, they are staged until `sfprov sync --allow-deactivations`."""
    max_deactivation_share: float = Field(default=0.1, ge=0, le=1)
    """...or above this share of the linked users (0.1 = 10 %)."""
    skip_out_of_scope_deletions: bool = False
    """Entra's SkipOutOfScopeDeletions: users leaving scope are not deactivated (disabled/deleted ones still are)."""
    freeze_before_deactivate: bool = False
    remove_permission_sets_on_deactivate: bool = True
    revert_manual_changes: bool = True
    """On a full cycle, put back managed fields changed by hand in Salesforce."""
    escrow_give_up_hours: float = Field(default=7 * 24, gt=0)


class TargetConfig(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    kind: Literal["production", "sandbox", "government"] = "production"
    login: LoginConfig
    api_version: str = "64.0"
    ca_bundle: Path | None = None
    api_reserve: float = Field(default=0.2, ge=0, lt=1)
    """Share of the org's daily API allowance left for its other integrations."""
    concurrency: int = Field(default=4, ge=1, le=25)
    timeout_seconds: float = Field(default=120, gt=0)
    mapping: MappingConfig | None = None
    """Replaces the top-level ``mapping:`` for this target only (for example a sandbox's suffix)."""
    safety: SafetyConfig = Field(default_factory=SafetyConfig)
    licence_prices: dict[str, float] = Field(default_factory=dict)
    """Monthly price per UserLicense name, for the licence report."""


class SmtpConfig(_Strict):
    host: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: SecretRef | None = None
    sender: str
    recipients: list[str] = Field(min_length=1)


class RunConfig(_Strict):
    interval_seconds: float = Field(default=60, ge=5)
    quarantine_after_failures: int = Field(default=3, ge=1)


class SfprovConfig(_Strict):
    version: Literal[1] = 1
    state: StateConfig = Field(default_factory=StateConfig)
    source: SourceConfig
    mapping: MappingConfig = Field(default_factory=MappingConfig)
    """How Entra users become Salesforce users; the gallery app's mapping unless told otherwise."""
    scoping: ScopingConfig = Field(default_factory=ScopingConfig)
    """Entra-style scoping filters applied after the scope (assignments or groups)."""
    targets: list[TargetConfig] = Field(min_length=1)
    run: RunConfig = Field(default_factory=RunConfig)
    notifications: SmtpConfig | None = None

    @model_validator(mode="after")
    def _unique_targets(self) -> SfprovConfig:
        names = [t.name for t in self.targets]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"target names must be unique; repeated: {', '.join(duplicates)}")
        return self

    def mapping_for(self, target: TargetConfig) -> MappingConfig:
        return target.mapping or self.mapping

    def target(self, name: str | None) -> TargetConfig:
        if name is None:
            if len(self.targets) > 1:
                raise ConfigError(
                    f"The config has {len(self.targets)} targets; say which one.",
                    fix=f"Add --target NAME (one of: {', '.join(t.name for t in self.targets)}).",
                )
            return self.targets[0]
        for target in self.targets:
            if target.name == name:
                return target
        raise ConfigError(
            f"No target named {name!r} in the config.",
            fix=f"Use one of: {', '.join(t.name for t in self.targets)}.",
        )
