"""Configurable Graph failures: throttling (429 + ``Retry-After``), transient 503/504, latency, delta-token expiry
and synchronization resets, plus per-endpoint call counters.

Shapes follow reference ``entra-graph.md`` §10.1 (429 body with ``innerError.code``/``status``, ``Retry-After`` in
seconds, possibly fractional, sometimes absent, ``x-ms-throttle-scope`` / ``x-ms-throttle-information``) and §6
(expired delta token: default ``410`` + ``syncStateNotFound``; synchronization reset: ``410`` + ``Location`` holding
the request URL with an empty ``$deltatoken``). Values marked UNVERIFIED there are fields with the reference's
default. Randomness is seeded so that a failing run can be replayed.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sfprov.emulators.entra.directory import GraphError

DELTA_TOKEN_LIFETIME_SECONDS = 7 * 24 * 3600
"""Delta tokens of directory objects are valid for 7 days (delta-query-overview.md, "Token duration")."""


@dataclass
class FaultConfig:
    """Every knob, JSON-able for ``POST /_emulator/faults``."""

    throttle_requests: int | None = None
    """At most this many requests per app in ``throttle_window_seconds``; beyond, 429 (None: no rate limit)."""
    throttle_window_seconds: float = 10.0
    throttle_storm: int = 0
    """Answer the next N requests with 429, whatever the rate."""
    retry_after: str | None = "1"
    """``Retry-After`` value (seconds, may be decimal such as ``2.128``); None sends 429 without the header."""
    error_rate: float = 0.0
    """Probability that a request fails with a status drawn from ``error_statuses``."""
    error_statuses: tuple[int, ...] = (503, 504)
    error_storm: int = 0
    """Answer the next N requests with ``error_statuses[0]``."""
    batch_item_error_storm: int = 0
    """Answer the next N ``$batch`` sub-requests (only those) with ``error_statuses[0]``: Graph runs and throttles
    each sub-request on its own (§11), so one can fail with 503/504 while the batch itself answers 200."""
    latency_ms_per_call: float = 0.0
    latency_ms_per_item: float = 0.0
    """Added per item of a returned page: a crude model of Graph's page cost."""
    delta_token_lifetime_seconds: float = DELTA_TOKEN_LIFETIME_SECONDS
    expired_token_status: int = 410
    """UNVERIFIED (reference §6): the exact status for an expired user/group delta token is not documented."""
    expired_token_code: str = "syncStateNotFound"  # noqa: S105 - an error code, not a secret
    sync_reset_storm: int = 0
    """Answer the next N delta requests that carry a token with 410 + ``Location`` (synchronization reset)."""
    delta_duplicate_rate: float = 0.0
    """Probability that a delta object is sent twice in its page: Graph may repeat an object within a round
    (reference §4.2, "the same object can appear several times"), so clients must merge by id."""
    replication_lag_seconds: float = 0.0
    """Changes younger than this are not reported by delta rounds yet (they show up in a later round)."""
    batch_shuffle: bool = False
    """Return ``$batch`` responses in a shuffled order (Graph does not keep request order, §11)."""
    batch_limit: int = 20
    """UNVERIFIED (reference §11): Graph's answer to 21+ requests is assumed to be 400."""
    members_delta_page_size: int = 100
    """UNVERIFIED: how many ``members@delta`` entries Graph puts in one page before the group re-appears."""
    delta_page_size: int = 100
    """UNVERIFIED: objects per delta page (Graph does not document it; ``$top`` is not supported on delta)."""

    @classmethod
    def from_json(cls, data: dict[str, Any], base: FaultConfig | None = None) -> FaultConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        merged = asdict(base or cls())
        merged.update(data)
        if isinstance(merged["error_statuses"], list):
            merged["error_statuses"] = tuple(merged["error_statuses"])
        return cls(**merged)


_5XX_BODIES = {
    503: ("serviceNotAvailable", "The service is not available. Try the request again after a delay."),
    504: ("gatewayTimeout", "The gateway did not receive a timely response from the service."),
    500: ("generalException", "An unspecified error has occurred."),
}
"""Codes from the Graph errors page (``serviceNotAvailable``, ``generalException``); the 504 code is UNVERIFIED."""


@dataclass
class Faults:
    """Fault state shared by every Graph request of one emulator (thread-safe: the admin API may run elsewhere)."""

    config: FaultConfig = field(default_factory=FaultConfig)
    seed: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._windows: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def configure(self, **changes: Any) -> FaultConfig:
        with self._lock:
            self.config = FaultConfig.from_json(changes, self.config)
            return self.config

    def reset(self) -> None:
        with self._lock:
            self.config = FaultConfig()
            self.calls.clear()
            self.throttled.clear()
            self.failed.clear()
            self._windows.clear()
            self.rng = random.Random(self.seed)

    def admit(self, app_id: str, tenant_id: str, endpoint: str, now: float) -> None:
        """Count one request (a ``$batch`` sub-request counts on its own) and raise the fault it draws, if any."""
        with self._lock:
            self.calls[endpoint] += 1
            cfg = self.config
            throttle = False
            if cfg.throttle_storm > 0:
                cfg.throttle_storm -= 1
                throttle = True
            elif cfg.throttle_requests is not None:
                window = self._windows.setdefault(app_id, deque())
                while window and window[0] <= now - cfg.throttle_window_seconds:
                    window.popleft()
                if len(window) >= cfg.throttle_requests:
                    throttle = True
                else:
                    window.append(now)
            if throttle:
                self.throttled[endpoint] += 1
                raise self._too_many(app_id, tenant_id)
            status = 0
            if cfg.error_storm > 0:
                cfg.error_storm -= 1
                status = cfg.error_statuses[0]
            elif cfg.error_rate > 0 and self.rng.random() < cfg.error_rate:
                status = self.rng.choice(cfg.error_statuses)
            if status:
                self.failed[endpoint] += 1
                code, message = _5XX_BODIES.get(status, _5XX_BODIES[500])
                headers = {"Retry-After": cfg.retry_after} if cfg.retry_after is not None else {}
                raise GraphError(status, code, message, headers)

    def _too_many(self, app_id: str, tenant_id: str) -> GraphError:
        headers = {
            "x-ms-throttle-scope": f"Tenant_Application/ReadWrite/{app_id}/{tenant_id}",
            "x-ms-throttle-information": "ResourceUnitLimitExceeded",
        }
        if self.config.retry_after is not None:
            headers["Retry-After"] = self.config.retry_after
        return GraphError(
            429,
            "TooManyRequests",
            "Please retry again later.",
            headers,
            inner={"code": "429", "message": "Please retry after", "status": "429"},
        )

    def batch_item_error(self, endpoint: str) -> GraphError | None:
        """The 5xx a ``$batch`` sub-request draws from ``batch_item_error_storm`` (counted as a call and a failure
        of its endpoint), None when there is none left."""
        with self._lock:
            cfg = self.config
            if cfg.batch_item_error_storm <= 0:
                return None
            cfg.batch_item_error_storm -= 1
            self.calls[endpoint] += 1
            self.failed[endpoint] += 1
            status = cfg.error_statuses[0]
            code, message = _5XX_BODIES.get(status, _5XX_BODIES[500])
            headers = {"Retry-After": cfg.retry_after} if cfg.retry_after is not None else {}
            return GraphError(status, code, message, headers)

    def take_sync_reset(self) -> bool:
        with self._lock:
            if self.config.sync_reset_storm > 0:
                self.config.sync_reset_storm -= 1
                return True
            return False

    def draw(self, probability: float) -> bool:
        """One seeded coin toss (so that a failing run can be replayed)."""
        with self._lock:
            return probability > 0 and self.rng.random() < probability

    def shuffle(self, items: list[Any]) -> None:
        with self._lock:
            self.rng.shuffle(items)

    def latency_seconds(self, items: int) -> float:
        cfg = self.config
        return (cfg.latency_ms_per_call + cfg.latency_ms_per_item * items) / 1000.0

    def counters(self) -> dict[str, Any]:
        with self._lock:
            return {"calls": dict(self.calls), "throttled": dict(self.throttled), "failed": dict(self.failed)}
