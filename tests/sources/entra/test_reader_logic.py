"""The reader's refusals that the emulator does not produce on its own: a ``$batch`` answer that lacks a response,
and a delta round that ends without a delta link. Both must fail the read, never shrink the scope."""

from __future__ import annotations

import httpx
import pytest

from sfprov.errors import Transient
from sfprov.sources.entra.graph import ResyncRequired
from sfprov.sources.entra.reader import EntraReader, ScopeSettings

from .test_graph_client_logic import BASE, make, run


def reader_for(handler: object) -> EntraReader:
    graph = make(handler)  # type: ignore[arg-type]
    return EntraReader(graph, ScopeSettings(mode="all_users"), ["mail"])


def test_a_batch_answer_missing_a_user_is_an_error_not_a_departure() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/$batch")
        return httpx.Response(200, json={"responses": [{"id": "0", "status": 200, "body": {"id": "a"}}]})

    async def go() -> None:
        reader = reader_for(handler)
        async with reader.graph:
            await reader._fetch_users(["a", "b"])

    with pytest.raises(Transient, match="lacks the response for user b"):
        run(go())


def test_a_delta_round_without_a_delta_link_means_resync() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [{"id": "a", "mail": "a@x"}]})  # neither next nor delta link

    async def go() -> None:
        reader = reader_for(handler)
        async with reader.graph:
            await reader.read_changes(f"{BASE}/users/delta?$deltatoken=t", {"a"})

    with pytest.raises(ResyncRequired):
        run(go())
