"""The one place where dry-run is enforced: a transport that lets no write request leave.

``--dry-run`` must be a guarantee, not a convention spread over many ``if`` statements. Every request sfprov sends
to Salesforce goes through this transport; in dry-run mode it refuses anything that could change the org, so even
a bug higher up cannot write. Reads pass, and so do the two logins, which change nothing.
"""

from __future__ import annotations

import re

import httpx

from sfprov.errors import SfprovError

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_LOGIN_PATHS = ("/services/oauth2/token", "/services/Soap/u/")
_RETRIEVE = re.compile(r"/services/data/v[\d.]+/composite/sobjects/\w+/?$")
"""POST .../composite/sobjects/{SObject} with ``ids`` and ``fields`` reads records (REST guide, "Get records")."""


class DryRunBlocked(SfprovError):
    """A write was attempted in dry-run mode; it did not leave this machine."""


def is_write(request: httpx.Request) -> bool:
    """True when ``request`` could change the org."""
    if request.method in _SAFE_METHODS:
        return False
    path = request.url.path
    if request.method == "POST" and any(marker in path for marker in _LOGIN_PATHS):
        return False
    return not (request.method == "POST" and _RETRIEVE.search(path))


class DryRunTransport(httpx.AsyncBaseTransport):
    """Wraps a real transport; with ``dry_run`` set, raises :class:`DryRunBlocked` for every write."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, dry_run: bool) -> None:
        self.inner = inner
        self.dry_run = dry_run
        self.blocked = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.dry_run and is_write(request):
            self.blocked += 1
            raise DryRunBlocked(
                f"dry run: {request.method} {request.url.path} was not sent",
                fix="Run without --dry-run to apply the plan.",
                code="DRY_RUN",
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
