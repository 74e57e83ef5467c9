"""The state store: what sfprov remembers between cycles (links, watermarks, escrows, cycles, provisioning log,
quarantine, leases), in SQLite by default or PostgreSQL, with schema migrations. See ``docs/dev/state.md``."""

from sfprov.state.errors import LinkConflict, SchemaVersionError, SecretValueRefused, StateError
from sfprov.state.escrow import RetryPolicy
from sfprov.state.guard import REDACTED, fingerprint, looks_secret
from sfprov.state.log import new_entry
from sfprov.state.records import (
    Cycle,
    CycleKind,
    CycleStatus,
    Escrow,
    EscrowFailure,
    Lease,
    Link,
    LinkState,
    LinkWrite,
    LogAction,
    LogEntry,
    LogQuery,
    LogStatus,
    ModifiedProperty,
    QuarantineReason,
    QuarantineState,
    Step,
    StepType,
    Watermark,
)
from sfprov.state.store import StateParts, StateStore

__all__ = [
    "REDACTED",
    "Cycle",
    "CycleKind",
    "CycleStatus",
    "Escrow",
    "EscrowFailure",
    "Lease",
    "Link",
    "LinkConflict",
    "LinkState",
    "LinkWrite",
    "LogAction",
    "LogEntry",
    "LogQuery",
    "LogStatus",
    "ModifiedProperty",
    "QuarantineReason",
    "QuarantineState",
    "RetryPolicy",
    "SchemaVersionError",
    "SecretValueRefused",
    "StateError",
    "StateParts",
    "StateStore",
    "Step",
    "StepType",
    "Watermark",
    "fingerprint",
    "looks_secret",
    "new_entry",
]
