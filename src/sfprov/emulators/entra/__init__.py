"""Emulator of a Microsoft Entra tenant: the v2.0 token endpoint and Microsoft Graph v1.0.

:class:`EntraEmulator` ties the parts together and meets :class:`sfprov.emulators.base.Emulator`:

* ``login.microsoftonline.com`` listener: :class:`~sfprov.emulators.entra.tokens.TokenService` routes (discovery,
  keys, the client-credentials token endpoint);
* ``graph.microsoft.com`` listener: Graph v1.0 (:mod:`.graph`, :mod:`.delta`, :mod:`.batch`) over the in-memory
  tenant (:mod:`.directory`), plus the emulator's own control plane under ``/_emulator`` (:mod:`.admin`).

Bearer tokens are checked by the token service; what the token carries (tenant, appId, ``roles``) drives Graph's
permission checks. See ``docs/dev/entra-graph.md``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from sfprov.emulators.entra.admin import AdminApi
from sfprov.emulators.entra.directory import Directory, GraphError
from sfprov.emulators.entra.faults import FaultConfig, Faults
from sfprov.emulators.entra.generators import (
    READ_PERMISSIONS,
    SALESFORCE_APP_ID,
    ClientCredentials,
    build_bulk,
    build_demo,
)
from sfprov.emulators.entra.graph import GraphService
from sfprov.emulators.entra.tokens import AccessClaims, GraphTokenError, TokenService, describe_certificate
from sfprov.emulators.server import EmulatorHost

LOGIN_HOST = "login.microsoftonline.com"
GRAPH_HOST = "graph.microsoft.com"
SNAPSHOT_VERSION = 1


class TokenVerifier:
    """Graph's view of the token service: a refused token becomes Graph's 401 with ``WWW-Authenticate``."""

    def __init__(self, tokens: TokenService) -> None:
        self.tokens = tokens

    def verify_bearer(self, authorization: str | None) -> AccessClaims:
        try:
            return self.tokens.verify_bearer(authorization)
        except GraphTokenError as exc:
            raise GraphError(exc.status, exc.code, exc.message, {"WWW-Authenticate": exc.www_authenticate}) from None


class EntraEmulator:
    """One Entra tenant with its Graph API and token endpoint."""

    name = "entra"

    def __init__(
        self,
        directory: Directory,
        tokens: TokenService,
        credentials: ClientCredentials,
        *,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        secret: bytes = b"",
    ) -> None:
        self.directory = directory
        self.tokens = tokens
        self.credentials = credentials
        self.faults = faults or Faults()
        self.lock = threading.RLock()
        self.graph = GraphService(
            directory,
            TokenVerifier(tokens),
            self.faults,
            lock=self.lock,
            clock=clock,
            secret=secret or os.urandom(32),
        )
        self.admin = AdminApi(
            directory, self.faults, self.lock, expire_access_tokens=tokens.expire_all_tokens, info=self.info
        )
        self.login_url: str | None = None
        self.graph_url: str | None = None

    # ------------------------------------------------------------------------------------------ constructors
    @classmethod
    def _assemble(
        cls,
        directory: Directory,
        credentials: ClientCredentials,
        *,
        clock: Callable[[], float],
        roles: tuple[str, ...] = READ_PERMISSIONS,
        tokens: TokenService | None = None,
        seed: int = 0,
    ) -> EntraEmulator:
        if tokens is None:
            tokens = TokenService(clock=clock)
            tokens.add_tenant(directory.tenant_id, domains=list(directory.domains), display_name=directory.display_name)
            sp = next((s for s in directory.service_principals.values() if s["appId"] == credentials.client_id), None)
            app = next((a for a in directory.applications.values() if a["appId"] == credentials.client_id), None)
            tokens.add_client_app(
                directory.tenant_id,
                client_id=credentials.client_id,
                display_name="sfprov",
                secrets=[credentials.client_secret],
                certificates_pem=[credentials.certificate_pem.encode()],
                granted_roles=set(roles),
                service_principal_id=sp["id"] if sp else None,
                application_object_id=app["id"] if app else None,
            )
        return cls(directory, tokens, credentials, faults=Faults(seed=seed), clock=clock)

    @classmethod
    def demo(cls, *, seed: int = 42, clock: Callable[[], float] = time.time) -> EntraEmulator:
        """The demo tenant of :func:`~sfprov.emulators.entra.generators.build_demo`."""
        directory, credentials = build_demo(seed, clock=clock)
        return cls._assemble(directory, credentials, clock=clock, seed=seed)

    @classmethod
    def bulk(cls, n: int, *, seed: int = 7, clock: Callable[[], float] = time.time) -> EntraEmulator:
        """A tenant of ``n`` generated users for benchmarks."""
        directory, credentials = build_bulk(n, seed, clock=clock)
        return cls._assemble(directory, credentials, clock=clock, seed=seed)

    @classmethod
    def from_snapshot(cls, path: Path, *, clock: Callable[[], float] = time.time) -> EntraEmulator:
        """Resume from :meth:`save_snapshot`. Delta tokens issued before do not survive (clients re-sync, as
        after Graph's synchronization reset); access tokens do (the signing key is kept)."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported Entra emulator snapshot version {data.get('version')!r}")
        directory = Directory.from_json(data["directory"], clock=clock)
        tokens = TokenService.from_json(data["tokens"], clock=clock)
        credentials = ClientCredentials(**data["credentials"])
        emulator = cls._assemble(directory, credentials, clock=clock, tokens=tokens)
        emulator.faults.config = FaultConfig.from_json(data.get("faults", {}))
        return emulator

    def save_snapshot(self, path: Path) -> None:
        """Write tenant, token service and demo credentials (the file holds secrets: mode 0600)."""
        with self.lock:
            data = {
                "version": SNAPSHOT_VERSION,
                "directory": self.directory.to_json(),
                "tokens": self.tokens.to_json(),
                "credentials": asdict(self.credentials),
                "faults": asdict(self.faults.config),
            }
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        target.chmod(0o600)

    # ------------------------------------------------------------------------------------------ serving
    def graph_app(self) -> Starlette:
        return Starlette(routes=[*self.admin.routes(), *self.graph.routes_for_starlette()])

    def login_app(self) -> Starlette:
        return Starlette(routes=self.tokens.routes())

    def serve(self, host: EmulatorHost) -> None:
        self.login_url = host.add(self.login_app(), LOGIN_HOST)
        self.graph_url = host.add(self.graph_app(), GRAPH_HOST)
        self.tokens.set_base_url(self.login_url, self.graph_url)

    def info(self) -> dict[str, Any]:
        """Endpoints and credentials for ``--info-out`` (this document holds the demo secrets by design)."""
        d = self.directory
        tenant_id = d.tenant_id
        sf_sp = next((s for s in d.service_principals.values() if s["appId"] == SALESFORCE_APP_ID), None)
        cert = describe_certificate(self.credentials.certificate_pem.encode())
        login = self.login_url or "https://login.microsoftonline.com"
        graph = self.graph_url or "https://graph.microsoft.com"
        return {
            "authority": f"{login}/{tenant_id}",
            "token_endpoint": f"{login}/{tenant_id}/oauth2/v2.0/token",
            "graph_base_url": f"{graph}/v1.0",
            "admin_url": f"{graph}/_emulator",
            "tenant_id": tenant_id,
            "tenant_domain": d.domains[0],
            "client_id": self.credentials.client_id,
            "client_secret": self.credentials.client_secret,
            "client_certificate_pem": self.credentials.certificate_pem,
            "client_private_key_pem": self.credentials.private_key_pem,
            "client_certificate_thumbprint": cert["sha1"],
            "client_certificate_thumbprint_sha256": cert["sha256"],
            "salesforce_app_id": SALESFORCE_APP_ID,
            "salesforce_service_principal_id": sf_sp["id"] if sf_sp else None,
        }


__all__ = ["GRAPH_HOST", "LOGIN_HOST", "EntraEmulator", "TokenVerifier"]
