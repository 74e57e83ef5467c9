"""Fixtures shared by the whole suite: a local CA and an HTTPS host for the emulators, on free ports."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfprov.emulators.server import EmulatorHost
from sfprov.emulators.tls import LocalCA

PG_URL = os.environ.get("SFPROV_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def local_ca(tmp_path_factory: pytest.TempPathFactory) -> LocalCA:
    return LocalCA.create(directory=tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="session")
def ca_file(local_ca: LocalCA) -> Path:
    return local_ca.ca_file


@pytest.fixture(scope="session")
def emulator_host(local_ca: LocalCA) -> Iterator[EmulatorHost]:
    """One event loop thread for the whole session; each emulator fixture adds its own listeners."""
    with EmulatorHost(local_ca) as host:
        yield host


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The PostgreSQL URL for tests of the production store; skips, saying why, when no server answers."""
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}); set SFPROV_TEST_PG_URL")
    return PG_URL
