"""The schema of the state store, as SQLAlchemy Core tables (the single source the migrations must match).

Core rather than ORM: the engine loads and writes links by the hundred thousand, and plain rows are several times
faster than mapped objects. Every row carries ``job`` so that several provisioning jobs (production and sandbox
fed by one tenant) share one store, as Entra keeps one connector data store per job (reference §1).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so that a migration written today still matches the metadata tomorrow."""

VERSION_TABLE = "sfprov_schema_version"
"""Alembic's version table, renamed so that it cannot clash with another application's in a shared database."""

metadata = sa.MetaData(naming_convention=NAMING)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the backend stores.

    PostgreSQL stores ``timestamptz``. SQLite has no time type: values are stored as fixed-width ISO-8601 text in
    UTC (``2026-11-23T12:00:00.000000+00:00``), which sorts and compares correctly as text and parses with the C
    ``datetime.fromisoformat`` (several times faster than SQLAlchemy's generic SQLite parser, which matters when
    100,000 links are loaded). Naive datetimes are refused: guessing their zone would corrupt retry times.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.isoformat(timespec="microseconds") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def as_utc(value: str | datetime) -> datetime:
    """A stored timestamp as aware UTC: ISO text from SQLite, ``timestamptz`` from PostgreSQL.

    Also used directly by bulk reads that select raw column values to skip per-value type processing.
    """
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value if value.tzinfo is UTC else value.astimezone(UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

ID = 64
"""Entra object ids are 36-character GUIDs, Salesforce ids 18 characters; 64 leaves room for other targets."""
JOB = 100

link = sa.Table(
    "link",
    metadata,
    sa.Column("job", sa.String(JOB), primary_key=True),
    sa.Column("source_id", sa.String(ID), primary_key=True),
    sa.Column("target_id", sa.String(ID), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("exported", sa.Text(), nullable=False),
    # canonical JSON text (sorted keys): the exact bytes the fingerprint hashes; parsed only when needed
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("matched_by", sa.String(100), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("job", "target_id"),
)

watermark = sa.Table(
    "watermark",
    metadata,
    sa.Column("job", sa.String(JOB), primary_key=True),
    sa.Column("stream", sa.String(100), primary_key=True),
    sa.Column("delta_link", sa.Text(), nullable=False),
    sa.Column("saved_at", UTCDateTime(), nullable=False),
)

escrow = sa.Table(
    "escrow",
    metadata,
    sa.Column("job", sa.String(JOB), primary_key=True),
    sa.Column("source_id", sa.String(ID), primary_key=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("error_code", sa.String(100), nullable=False),
    sa.Column("error_message", sa.Text(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("first_failure", UTCDateTime(), nullable=False),
    sa.Column("last_failure", UTCDateTime(), nullable=False),
    sa.Column("next_retry", UTCDateTime(), nullable=False),
    sa.Column("given_up", sa.Boolean(), nullable=False),
    sa.Index(None, "job", "given_up", "next_retry"),
)

cycle = sa.Table(
    "cycle",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("job", sa.String(JOB), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("counts", JSONType, nullable=False),
    sa.Column("error_message", sa.Text(), nullable=True),
    sa.Column("api_calls", sa.Integer(), nullable=False),
    sa.Index(None, "job", "started_at"),
    sa.Index(None, "job", "status"),
)

provisioning_log = sa.Table(
    "provisioning_log",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("change_id", sa.String(36), nullable=False),
    sa.Column("job", sa.String(JOB), nullable=False),
    sa.Column("cycle_id", sa.String(36), nullable=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("source_id", sa.String(ID), nullable=True),
    sa.Column("source_name", sa.String(256), nullable=True),
    sa.Column("source_upn", sa.String(256), nullable=True),
    sa.Column("target_id", sa.String(ID), nullable=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("steps", JSONType, nullable=False),
    sa.Column("modified", JSONType, nullable=False),
    sa.Column("error_code", sa.String(100), nullable=True),
    sa.Column("error_message", sa.Text(), nullable=True),
    sa.Column("duration_ms", sa.Integer(), nullable=False),
    sa.Index(None, "job", "at", "id"),  # id too: keyset pages in (at, id) order are index range scans
    sa.Index(None, "cycle_id"),
    sa.Index(None, "job", "source_id"),
    sa.Index(None, "job", "target_id"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("job", sa.String(JOB), primary_key=True),
    sa.Column("consecutive_failures", sa.Integer(), nullable=False),
    sa.Column("quarantined_since", UTCDateTime(), nullable=True),
    sa.Column("next_allowed_run", UTCDateTime(), nullable=True),
    sa.Column("reason", sa.String(64), nullable=True),
    sa.Column("detail", sa.Text(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

lease = sa.Table(
    "lease",
    metadata,
    sa.Column("job", sa.String(JOB), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("acquired_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
)
