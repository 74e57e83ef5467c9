"""Timing of the link operations the engine does at scale (run by hand, not collected by pytest).

    .venv/bin/python -m tests.state.bench_links [URL] [N]

Prints seconds for upserting N links (one transaction), loading them all, loading by id, and re-upserting.
The figures are recorded in docs/dev/state.md. On PostgreSQL it works in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from sfprov.state import LinkWrite, StateStore
from tests.state.conftest import schema_url


def _links(n: int, version: int) -> list[LinkWrite]:
    return [
        LinkWrite(
            f"{i:08d}-0000-4000-8000-{i:012d}",
            f"005{i:015d}",
            {
                "Username": f"user{i}@example.com",
                "Email": f"user{i}@example.com",
                "FirstName": "Given",
                "LastName": f"Family{i}",
                "Alias": f"u{i}"[:8],
                "ProfileId": "00e000000000001AAA",
                "IsActive": True,
                "FederationIdentifier": f"user{i}@example.com",
                "Title": f"Title v{version}",
                "Department": "Sales",
            },
        )
        for i in range(n)
    ]


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "bench.db")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    if url.startswith("postgresql"):
        admin = sa.create_engine(url)
        with admin.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS sfprov_bench CASCADE; CREATE SCHEMA sfprov_bench"))
        try:
            _run(schema_url(url, "sfprov_bench"), n)
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA sfprov_bench CASCADE"))
            admin.dispose()
    else:
        _run(url, n)


def _best(runs: int, fn: Callable[[], object]) -> float:
    """Best of a few runs: the machine may be shared, and the minimum is the least disturbed figure."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def _run(url: str, n: int) -> None:
    with StateStore.open(url) as store:
        store.links.delete_all("bench")
        first, second = _links(n, 1), _links(n, 2)
        insert = _best(1, lambda: store.links.upsert_many("bench", first))
        load_all = _best(3, lambda: store.links.get_many("bench"))
        ids = [w.source_id for w in first[:: max(n // 10_000, 1)]]
        load_some = _best(3, lambda: store.links.get_many("bench", ids))
        update = _best(1, lambda: store.links.upsert_many("bench", second))
        assert len(store.links.get_many("bench")) == n
        print(f"{store.url} n={n}")
        print(f"  upsert_many, all new       {insert:6.2f} s")
        print(f"  get_many, all              {load_all:6.2f} s")
        print(f"  get_many, {len(ids)} ids       {load_some:6.2f} s")
        print(f"  upsert_many, all changed   {update:6.2f} s")
        store.links.delete_all("bench")


if __name__ == "__main__":
    main()
