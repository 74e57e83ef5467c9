"""From the ``source:`` configuration to a token provider and a Graph client; secrets resolved at use."""

from __future__ import annotations

from pathlib import Path

from sfprov.config.models import SourceConfig
from sfprov.sources.entra.graph import GraphClient
from sfprov.sources.entra.tokens import CertificateCredential, ClientSecretCredential, Credential, GraphTokenProvider


def _path(value: Path | None, base_dir: Path | None) -> str | None:
    if value is None:
        return None
    return str(value if value.is_absolute() or base_dir is None else base_dir / value)


def token_provider(source: SourceConfig, *, base_dir: Path | None = None) -> GraphTokenProvider:
    credential: Credential
    if source.client_secret is not None:
        credential = ClientSecretCredential(source.client_secret.resolve("source.client_secret", base_dir=base_dir))
    else:
        assert source.certificate is not None
        key = source.certificate.private_key.resolve("source.certificate.private_key", base_dir=base_dir)
        credential = CertificateCredential(key, source.certificate.thumbprint)
    return GraphTokenProvider(
        authority_url=str(source.authority_url).rstrip("/"),
        tenant_id=source.tenant_id,
        client_id=source.client_id,
        credential=credential,
        graph_url=str(source.graph_url),
        ca_bundle=_path(source.ca_bundle, base_dir),
    )


def graph_client(source: SourceConfig, tokens: GraphTokenProvider, *, base_dir: Path | None = None) -> GraphClient:
    return GraphClient(tokens, base_url=str(source.graph_url), ca_bundle=_path(source.ca_bundle, base_dir))
