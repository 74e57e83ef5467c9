"""Initial schema: links, watermarks, escrows, cycles, provisioning log, quarantine, leases.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


_TS = sa.DateTime(timezone=True).with_variant(sa.String(32), "sqlite")  # ISO text on SQLite, see tables.UTCDateTime


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, _TS, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "link",
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("exported", sa.Text(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("matched_by", sa.String(100), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("job", "source_id", name="pk_link"),
        sa.UniqueConstraint("job", "target_id", name="uq_link_job_target_id"),
    )
    op.create_table(
        "watermark",
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("stream", sa.String(100), nullable=False),
        sa.Column("delta_link", sa.Text(), nullable=False),
        _ts("saved_at"),
        sa.PrimaryKeyConstraint("job", "stream", name="pk_watermark"),
    )
    op.create_table(
        "escrow",
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("error_code", sa.String(100), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("first_failure"),
        _ts("last_failure"),
        _ts("next_retry"),
        sa.Column("given_up", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("job", "source_id", name="pk_escrow"),
    )
    op.create_index("ix_escrow_job_given_up_next_retry", "escrow", ["job", "given_up", "next_retry"])
    op.create_table(
        "cycle",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("counts", _JSON, nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cycle"),
    )
    op.create_index("ix_cycle_job_started_at", "cycle", ["job", "started_at"])
    op.create_index("ix_cycle_job_status", "cycle", ["job", "status"])
    op.create_table(
        "provisioning_log",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("cycle_id", sa.String(36), nullable=True),
        _ts("at"),
        sa.Column("source_id", sa.String(64), nullable=True),
        sa.Column("source_name", sa.String(256), nullable=True),
        sa.Column("source_upn", sa.String(256), nullable=True),
        sa.Column("target_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("steps", _JSON, nullable=False),
        sa.Column("modified", _JSON, nullable=False),
        sa.Column("error_code", sa.String(100), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_provisioning_log"),
    )
    op.create_index("ix_provisioning_log_job_at_id", "provisioning_log", ["job", "at", "id"])
    op.create_index("ix_provisioning_log_cycle_id", "provisioning_log", ["cycle_id"])
    op.create_index("ix_provisioning_log_job_source_id", "provisioning_log", ["job", "source_id"])
    op.create_index("ix_provisioning_log_job_target_id", "provisioning_log", ["job", "target_id"])
    op.create_table(
        "quarantine",
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        _ts("quarantined_since", nullable=True),
        _ts("next_allowed_run", nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("job", name="pk_quarantine"),
    )
    op.create_table(
        "lease",
        sa.Column("job", sa.String(100), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        _ts("acquired_at"),
        _ts("expires_at"),
        sa.PrimaryKeyConstraint("job", name="pk_lease"),
    )


def downgrade() -> None:
    for table in ("lease", "quarantine", "provisioning_log", "cycle", "escrow", "watermark", "link"):
        op.drop_table(table)
