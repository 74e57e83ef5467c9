"""Timing of the link operations the engine does at scale (run by hand, not collected by pytest).

    .venv/bin/python -m tests.state.bench_links [URL] [N]

Prints seconds for upserting N links (one transaction), loading them all, loading by id, and re-upserting.
The figures are recorded in docs/dev/state.md. On PostgreSQL it works in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import sys
import tempfile
import time
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


def _run(url: str, n: int) -> None:
    with StateStore.open(url) as store:
        store.links.delete_all("bench")
        links = _links(n, 1)
        t0 = time.perf_counter()
        store.links.upsert_many("bench", links)
        t1 = time.perf_counter()
        loaded = store.links.get_many("bench")
        t2 = time.perf_counter()
        some = store.links.get_many("bench", [w.source_id for w in links[:: max(n // 10_000, 1)]])
        t3 = time.perf_counter()
        store.links.upsert_many("bench", _links(n, 2))
        t4 = time.perf_counter()
        assert len(loaded) == n
        print(f"{store.url} n={n}")
        print(f"  upsert_many (insert)      {t1 - t0:6.2f} s")
        print(f"  get_many (all)            {t2 - t1:6.2f} s")
        print(f"  get_many ({len(some)} ids)     {t3 - t2:6.2f} s")
        print(f"  upsert_many (update all)  {t4 - t3:6.2f} s")
        store.links.delete_all("bench")


if __name__ == "__main__":
    main()
