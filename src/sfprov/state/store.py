"""The state store facade: one object the engine opens per run and passes around.

``StateStore.open(url)`` accepts a SQLite path, ``sqlite:///...`` or ``postgresql+psycopg://...``, migrates the
schema to this code's head (refusing a newer one), and exposes the parts: :attr:`links`, :attr:`watermarks`,
:attr:`escrows`, :attr:`cycles`, :attr:`log`, :attr:`quarantine`, :attr:`leases`. ``transaction()`` gives the same
parts bound to one transaction, for writes that must land together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa

from sfprov.state import schema
from sfprov.state._base import Clock, utc_now
from sfprov.state.cycles import Cycles
from sfprov.state.engine import READ_ONLY, create_engine, normalise_url, safe_url
from sfprov.state.escrow import Escrows, RetryPolicy
from sfprov.state.links import Links
from sfprov.state.locks import Leases
from sfprov.state.log import ProvisioningLog
from sfprov.state.quarantine import Quarantines
from sfprov.state.records import ResetScope
from sfprov.state.watermarks import Watermarks


class StateParts:
    """The store's parts, either each on its own transactions or all bound to one connection."""

    def __init__(
        self,
        engine: sa.Engine,
        clock: Clock,
        retry_policy: RetryPolicy,
        secret_names: frozenset[str],
        bound: sa.Connection | None = None,
    ) -> None:
        self.links = Links(engine, clock, bound)
        self.watermarks = Watermarks(engine, clock, bound)
        self.escrows = Escrows(engine, clock, bound, retry_policy)
        self.cycles = Cycles(engine, clock, bound)
        self.log = ProvisioningLog(engine, clock, bound, secret_names)
        self.quarantine = Quarantines(engine, clock, bound)
        self.leases = Leases(engine, clock, bound)


class StateStore(StateParts):
    """Links, watermarks, escrows, cycles, provisioning log, quarantine and leases of every job, in one database."""

    def __init__(
        self,
        engine: sa.Engine,
        url: str,
        clock: Clock = utc_now,
        retry_policy: RetryPolicy | None = None,
        secret_names: Iterable[str] = (),
    ) -> None:
        self.engine = engine
        self.url = url
        """The URL with its password hidden, safe for messages."""
        self._clock = clock
        self._retry_policy = retry_policy or RetryPolicy()
        self._secret_names = frozenset(secret_names)
        super().__init__(engine, clock, self._retry_policy, self._secret_names)

    @classmethod
    def open(
        cls,
        url: str | Path,
        *,
        migrate: bool = True,
        clock: Clock = utc_now,
        retry_policy: RetryPolicy | None = None,
        secret_names: Iterable[str] = (),
    ) -> StateStore:
        """Open (and by default migrate) the store at ``url``.

        ``secret_names`` adds field names to redact in the provisioning log beyond those that look like secrets;
        ``clock`` is for tests; ``retry_policy`` sets the escrow schedule.
        """
        parsed = normalise_url(url)
        store = cls(create_engine(parsed), safe_url(parsed), clock, retry_policy, secret_names)
        try:
            if migrate:
                store.migrate()
            else:
                schema.require_head(store.engine, store.url)
        except BaseException:
            store.close()
            raise
        return store

    def migrate(self) -> None:
        """Bring the schema to this code's head; does nothing when it is there already."""
        schema.upgrade(self.engine, self.url)

    def schema_revision(self) -> str | None:
        """The schema revision recorded in the database (``None`` when never migrated)."""
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            return schema.current_revision(conn)

    def reset(self, job: str, scopes: Iterable[ResetScope]) -> None:
        """Forget parts of a job's state in one transaction, as Entra's restart does (reference §1).

        The provisioning log and cycle history are kept: they are the audit trail.
        """
        wanted = {ResetScope(s) for s in scopes}
        if ResetScope.FULL in wanted:
            wanted = set(ResetScope)
        with self.transaction() as tx:
            if ResetScope.WATERMARK in wanted:
                tx.watermarks.clear(job)
            if ResetScope.ESCROWS in wanted:
                tx.escrows.clear_all(job)
            if ResetScope.QUARANTINE_STATE in wanted:
                tx.quarantine.clear(job)
            if ResetScope.CONNECTOR_DATA_STORE in wanted:
                tx.links.delete_all(job)

    @contextmanager
    def transaction(self) -> Iterator[StateParts]:
        """All parts on one transaction: committed together when the block ends, rolled back on an exception."""
        with self.engine.begin() as conn:
            yield StateParts(self.engine, self._clock, self._retry_policy, self._secret_names, conn)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
