"""Timing of the provisioning log at the size of an initial cycle (run by hand, not collected by pytest).

    .venv/bin/python -m tests.state.bench_log [URL] [N]

Appends N entries (one transaction), iterates them all, queries one user, and counts by action/status.
On PostgreSQL it works in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from sfprov.state import LogAction, LogEntry, LogQuery, LogStatus, ModifiedProperty, StateStore, Step, StepType
from sfprov.state import new_entry as entry
from tests.state.conftest import schema_url


def _entries(n: int) -> list[LogEntry]:
    start = datetime(2026, 11, 23, tzinfo=UTC)
    steps = (
        Step(StepType.IMPORT, LogStatus.SUCCESS, "Received User"),
        Step(StepType.SCOPING, LogStatus.SUCCESS, "In scope: assigned to the application"),
        Step(StepType.MATCHING, LogStatus.SUCCESS, "No match on Username"),
        Step(StepType.ACTION, LogStatus.SUCCESS, "Created"),
    )
    modified = tuple(ModifiedProperty(f, None, f"value {f}") for f in ("Username", "Email", "LastName", "Alias"))
    return [
        entry("bench", LogAction.CREATE, LogStatus.SUCCESS, at=start + timedelta(milliseconds=i), cycle_id="c1",
              source_id=f"e{i}", source_upn=f"user{i}@contoso.com", target_id=f"005{i:015d}", steps=steps,
              modified=modified, duration_ms=12)
        for i in range(n)
    ]  # fmt: skip


def _run(url: str, n: int) -> None:
    with StateStore.open(url) as store:
        entries = _entries(n)
        t0 = time.perf_counter()
        store.log.append_many(entries)
        t1 = time.perf_counter()
        seen = sum(1 for _ in store.log.iterate(LogQuery(job="bench"), batch_size=5_000))
        t2 = time.perf_counter()
        one = store.log.query(LogQuery(job="bench", user="user4242@"))
        t3 = time.perf_counter()
        counts = store.log.counts("c1")
        t4 = time.perf_counter()
        assert seen == n
        assert len(one) == 1
        assert sum(counts.values()) == n
        print(f"{store.url} n={n}")
        print(f"  append_many               {t1 - t0:6.2f} s")
        print(f"  iterate all               {t2 - t1:6.2f} s")
        print(f"  query one user (UPN)      {t3 - t2:6.2f} s")
        print(f"  counts per cycle          {t4 - t3:6.2f} s")
        store.log.purge(datetime(2100, 1, 1, tzinfo=UTC), job="bench")


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else str(Path(tempfile.mkdtemp()) / "bench.db")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    if not url.startswith("postgresql"):
        _run(url, n)
        return
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS sfprov_bench_log CASCADE; CREATE SCHEMA sfprov_bench_log"))
    try:
        _run(schema_url(url, "sfprov_bench_log"), n)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA sfprov_bench_log CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
