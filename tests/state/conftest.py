"""Fixtures of the state store tests: every ``store`` test runs on SQLite (a temporary file) and on PostgreSQL.

PostgreSQL tests are isolated by schema: one migrated schema per session, truncated before each test, and a fresh
empty schema for tests that migrate themselves. The schema is chosen with the connection's ``search_path``, so the
code under test sees an ordinary database. They skip, saying why, when no PostgreSQL answers (``pg_url``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from sfprov.state import RetryPolicy, StateStore
from sfprov.state.tables import metadata

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class FakeClock:
    """A clock the test moves by hand, so expiry and backoff are checked without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now


def schema_url(pg_url: str, schema: str) -> str:
    return f"{pg_url}?options={quote(f'-csearch_path={schema}')}"


def _create_schema(pg_url: str) -> str:
    name = f"sfprov_t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    return name


def _drop_schema(pg_url: str, name: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def pg_session_url(pg_url: str) -> Iterator[str]:
    """A schema migrated once for the session."""
    name = _create_schema(pg_url)
    url = schema_url(pg_url, name)
    StateStore.open(url).close()
    yield url
    _drop_schema(pg_url, name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """URL of a migrated, empty store for this test."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("pg_session_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {names}"))
    engine.dispose()
    return url


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a database with nothing in it, for migration tests."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    pg_url: str = request.getfixturevalue("pg_url")
    name = _create_schema(pg_url)
    yield schema_url(pg_url, name)
    _drop_schema(pg_url, name)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_url: str, clock: FakeClock) -> Iterator[StateStore]:
    s = StateStore.open(db_url, clock=clock, retry_policy=RetryPolicy(jitter=0))
    yield s
    s.close()
