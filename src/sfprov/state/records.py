"""Plain records the state store hands to the engine and takes from it.

The names follow the Entra provisioning service where it has them (reference
``entra-provisioning-service.md``: §1 connector data store, §8 escrows and quarantine, §10.1 the
``provisioningObjectSummary`` record), so that an administrator who knows the Entra portal recognises them.
Every timestamp is timezone-aware UTC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class LinkState(StrEnum):
    """What sfprov last did to the linked target account."""

    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    STAGED_FOR_DEACTIVATION = "staged_for_deactivation"
    """Held back by accidental-deletion prevention (§7.3); the admin must allow it or fix the cause."""


class CycleKind(StrEnum):
    """Initial = full read and match-or-create (§2.1); incremental = delta since the watermark (§2.2)."""

    INITIAL = "initial"
    INCREMENTAL = "incremental"
    FULL = "full"
    ON_DEMAND = "on_demand"


class CycleStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"
    PARTIAL = "partial"
    """Finished, but some objects failed and went to escrow."""
    INTERRUPTED = "interrupted"
    """Ended early: found still ``running`` after its engine died (closed by the next engine that took the lease), or
    stopped on request (SIGTERM) after the write slice in flight. The error message says which."""


class LogAction(StrEnum):
    """``provisioningAction`` of Graph (§10.1) plus the actions the portal shows for sfprov's target.

    Graph's enum is ``create, update, delete, disable, stagedDelete, other``; Salesforce users are never deleted,
    they are disabled (``IsActive = false``) and re-enabled, and a disable held back by the deletion threshold is
    ``stagedDisable`` (Entra logs it as ``StagedAction``/``StagedDelete``, §7.3).
    """

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    DISABLE = "disable"
    ENABLE = "enable"
    STAGED_DISABLE = "stagedDisable"
    STAGED_DELETE = "stagedDelete"
    SKIP = "skip"
    OTHER = "other"


class LogStatus(StrEnum):
    """``provisioningStatusInfo.status`` (§10.1)."""

    SUCCESS = "success"
    FAILURE = "failure"
    SKIPPED = "skipped"
    WARNING = "warning"


class StepType(StrEnum):
    """``provisioningStepType`` (§10.1): the portal's Import, scoping, Match, Provision steps."""

    IMPORT = "import"
    SCOPING = "scoping"
    MATCHING = "matching"
    PROCESSING = "processing"
    REFERENCE_RESOLUTION = "referenceResolution"
    EXPORT = "export"
    ACTION = "action"


class ResetScope(StrEnum):
    """What a restart forgets: Graph ``synchronizationJobRestartCriteria.resetScope`` values (reference §1).

    ``ForceDeletes`` is not here: it releases staged deletions, which is the engine's business, not a reset.
    """

    WATERMARK = "Watermark"
    ESCROWS = "Escrows"
    QUARANTINE_STATE = "QuarantineState"
    CONNECTOR_DATA_STORE = "ConnectorDataStore"
    """The links: every user is matched again."""
    FULL = "Full"
    """All of the above."""


PORTAL_RESTART = (ResetScope.WATERMARK, ResetScope.ESCROWS, ResetScope.QUARANTINE_STATE)
"""The portal's "Restart provisioning": watermark, escrows and quarantine cleared, links kept (§1)."""


class QuarantineReason(StrEnum):
    """Graph ``synchronizationQuarantine.reason`` values (§8.2)."""

    BASE_ESCROW_THRESHOLD = "EncounteredBaseEscrowThreshold"
    TOTAL_ESCROW_THRESHOLD = "EncounteredTotalEscrowThreshold"
    ESCROW_PROPORTION_THRESHOLD = "EncounteredEscrowProportionThreshold"
    QUARANTINE_EXCEPTION = "EncounteredQuarantineException"
    ON_DEMAND = "QuarantinedOnDemand"
    TOO_MANY_DELETES = "TooManyDeletes"
    INGESTION_INTERRUPTED = "IngestionInterrupted"
    UNKNOWN = "Unknown"


@dataclass(frozen=True, slots=True)
class LinkWrite:
    """What the engine wants remembered about one source↔target pair; the store adds fingerprint and times."""

    source_id: str
    target_id: str
    exported: Mapping[str, Any]
    state: LinkState = LinkState.ACTIVE
    matched_by: str | None = None
    """The matching attribute that adopted an existing account (e.g. ``Username``); ``None`` when sfprov created it."""


@dataclass(frozen=True, slots=True)
class Link:
    """A row of the connector data store (§1): after the first create or match the target id is used from then on."""

    job: str
    source_id: str
    target_id: str
    fingerprint: str
    exported_json: str
    """The values last exported, as canonical JSON; parsed by :attr:`exported` only when the engine needs them."""
    state: LinkState
    matched_by: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def exported(self) -> dict[str, Any]:
        """The values last exported to the target (field → value)."""
        value = json.loads(self.exported_json)
        assert isinstance(value, dict)
        return value


@dataclass(frozen=True, slots=True)
class Watermark:
    job: str
    stream: str
    delta_link: str
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class EscrowFailure:
    """One failed action to remember for a later retry (§8.1)."""

    source_id: str
    action: str
    error_code: str
    error_message: str


@dataclass(frozen=True, slots=True)
class Escrow:
    job: str
    source_id: str
    action: str
    error_code: str
    error_message: str
    attempts: int
    first_failure: datetime
    last_failure: datetime
    next_retry: datetime
    given_up: bool


@dataclass(frozen=True, slots=True)
class Cycle:
    id: str
    job: str
    kind: CycleKind
    status: CycleStatus
    owner: str
    started_at: datetime
    finished_at: datetime | None
    counts: Mapping[str, int]
    error_message: str | None
    api_calls: int


@dataclass(frozen=True, slots=True)
class Step:
    """One ``provisioningSteps[]`` element: what the engine did for this object at that stage and why."""

    type: StepType
    status: LogStatus
    detail: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class ModifiedProperty:
    """One ``modifiedProperties[]`` element; values are shown as strings, as in the portal."""

    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One provisioning log record (``provisioningObjectSummary``, §10.1), one per action on one object."""

    id: str
    change_id: str
    job: str
    cycle_id: str | None
    at: datetime
    source_id: str | None
    source_name: str | None
    source_upn: str | None
    target_id: str | None
    action: LogAction
    status: LogStatus
    steps: tuple[Step, ...] = ()
    modified: tuple[ModifiedProperty, ...] = ()
    error_code: str | None = None
    error_message: str | None = None
    duration_ms: int = 0


@dataclass(frozen=True, slots=True)
class QuarantineState:
    """Quarantine of a job (§8.2): ``quarantined_since`` is ``None`` while the job is healthy."""

    job: str
    consecutive_failures: int = 0
    quarantined_since: datetime | None = None
    next_allowed_run: datetime | None = None
    reason: QuarantineReason | None = None
    detail: str | None = None

    @property
    def quarantined(self) -> bool:
        return self.quarantined_since is not None


@dataclass(frozen=True, slots=True)
class Lease:
    job: str
    owner: str
    acquired_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LogQuery:
    """Filters for the provisioning log; every field left ``None`` does not filter."""

    job: str | None = None
    user: str | None = None
    """Exact source or target id, or a case-insensitive substring of the UPN or display name."""
    actions: tuple[LogAction, ...] | None = None
    statuses: tuple[LogStatus, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    """Exclusive upper bound."""
    cycle_id: str | None = None
    limit: int | None = 100
    offset: int = 0
    newest_first: bool = True
