"""Injected trouble: latency, 503s, locked rows, dropped connections, and the call counters tests read.

Why: a connector that only ever met a fast, healthy org has never exercised its retry, back-off and per-record
failure paths. Real orgs answer slowly under load, return ``503`` during maintenance, fail single records with
``UNABLE_TO_LOCK_ROW`` under lock contention, and drop connections (reference ``salesforce.md`` §8.4, §12, §14.9).

Every random decision comes from one :class:`random.Random` seeded from :attr:`FaultConfig.seed`, so a test that
sets a seed gets the same sequence of faults on every run. Latency is an ``asyncio.sleep``: it never blocks the
event loop that serves every virtual host.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class FaultConfig:
    """What to inject. All rates are probabilities per call in ``[0, 1]``; zero everywhere means a healthy org."""

    latency_base_ms: float = 0.0
    """Added to every Salesforce call (not to the ``/_emulator/`` admin API)."""
    latency_per_record_ms: float = 0.0
    """Added per record written or returned, so a 200-record collection call is slower than a single read."""
    rate_503: float = 0.0
    """Share of calls answered ``503 Service Unavailable``."""
    rate_lock_row: float = 0.0
    """Share of written records failing with ``UNABLE_TO_LOCK_ROW`` (retryable, reference §8.4)."""
    rate_drop: float = 0.0
    """Share of calls whose connection is closed without any answer."""
    seed: int | None = None
    """Seed of the fault random generator; None draws a fresh one."""

    def update(self, values: dict[str, Any]) -> None:
        """Apply a partial update (from the admin API), checking names, types and ranges."""
        known = {f.name for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise ValueError(f"unknown fault setting {key!r}; known: {', '.join(sorted(known))}")
            if key == "seed":
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                    raise ValueError("seed must be an integer or null")
            else:
                if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                    raise ValueError(f"{key} must be a non-negative number")
                if key.startswith("rate_") and value > 1:
                    raise ValueError(f"{key} is a probability between 0 and 1")
            setattr(self, key, value)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Faults:
    """The live fault state of one emulator: configuration, random generator and call counters."""

    config: FaultConfig = field(default_factory=FaultConfig)
    _random: random.Random = field(default_factory=random.Random)
    _counters: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.reseed()

    def configure(self, **values: Any) -> FaultConfig:
        """Change settings; a new ``seed`` restarts the random sequence so tests are reproducible."""
        with self._lock:
            self.config.update(values)
            if "seed" in values:
                self._random = random.Random(self.config.seed)
        return self.config

    def reset(self) -> None:
        """Back to a healthy org (keeps counters; see :meth:`reset_counters`)."""
        with self._lock:
            self.config = FaultConfig()
            self._random = random.Random()

    def reseed(self) -> None:
        with self._lock:
            self._random = random.Random(self.config.seed)

    def _roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def should_drop(self) -> bool:
        return self._roll(self.config.rate_drop)

    def should_503(self) -> bool:
        return self._roll(self.config.rate_503)

    def should_lock_row(self) -> bool:
        return self._roll(self.config.rate_lock_row)

    def latency_seconds(self, records: int) -> float:
        """The delay to add to a call that handled ``records`` records."""
        ms = self.config.latency_base_ms + self.config.latency_per_record_ms * max(records, 0)
        return ms / 1000.0

    def count(self, endpoint: str) -> None:
        """Count one call of ``endpoint`` (a route template such as ``GET /services/data/vXX.X/query``)."""
        with self._lock:
            self._counters[endpoint] += 1

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counters.items()))

    def reset_counters(self) -> None:
        with self._lock:
            self._counters.clear()
