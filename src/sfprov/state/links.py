"""Links between Entra objects and Salesforce users: sfprov's connector data store (reference §1, §6).

After the first create or match, Entra remembers the target id and uses it from then on, without matching again
until a ``Full`` restart breaks the links (§6). A link also keeps the values last exported and their fingerprint,
so an incremental cycle can skip users whose Salesforce values would not change and the log can show old → new.
The idea of one row per (provider, source object) holding the remote id and last-written attributes is common to
outgoing sync tools (e.g. authentik's outgoing sync "connection" objects).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sfprov.state._base import IN_CHUNK, Part, chunked
from sfprov.state.errors import LinkConflict
from sfprov.state.guard import canonical_json, fingerprint_json, refuse_secret_keys
from sfprov.state.records import Link, LinkState, LinkWrite
from sfprov.state.tables import UTCDateTime, as_utc
from sfprov.state.tables import link as t

_COLS = (
    t.c.job,
    t.c.source_id,
    t.c.target_id,
    t.c.fingerprint,
    t.c.exported,
    t.c.state,
    t.c.matched_by,
    # raw values, converted in _link: skipping the per-value type processing saves a fifth of a bulk load
    sa.type_coerce(t.c.created_at, sa.String()),
    sa.type_coerce(t.c.updated_at, sa.String()),
)
_UPDATE_ON_CONFLICT = ("target_id", "fingerprint", "exported", "state", "matched_by", "updated_at")
UPSERT_BATCH = 20_000


_STATES = {s.value: s for s in LinkState}  # a dict lookup is several times cheaper than LinkState(value)


def _link(row: Sequence[Any]) -> Link:
    job, source_id, target_id, fp, exported, state, matched_by, created, updated = row
    return Link(job, source_id, target_id, fp, exported, _STATES[state], matched_by, as_utc(created), as_utc(updated))


class Links(Part):
    """Source↔target links of each job."""

    def get(self, job: str, source_id: str) -> Link | None:
        with self._read() as conn:
            row = conn.execute(sa.select(*_COLS).where(t.c.job == job, t.c.source_id == source_id)).first()
        return _link(row) if row else None

    def by_target(self, job: str, target_id: str) -> Link | None:
        """The link holding a Salesforce user, e.g. to tell an orphan (no link) from a managed account."""
        with self._read() as conn:
            row = conn.execute(sa.select(*_COLS).where(t.c.job == job, t.c.target_id == target_id)).first()
        return _link(row) if row else None

    def get_many(self, job: str, source_ids: Iterable[str] | None = None) -> dict[str, Link]:
        """Links by source id: all of the job's when ``source_ids`` is ``None``, else those that exist."""
        out: dict[str, Link] = {}
        with self._read() as conn:
            if source_ids is None:
                for row in conn.execute(sa.select(*_COLS).where(t.c.job == job)).all():
                    out[row[1]] = _link(row)
                return out
            for batch in chunked(source_ids, IN_CHUNK):
                query = sa.select(*_COLS).where(t.c.job == job, t.c.source_id.in_(batch))
                for row in conn.execute(query).all():
                    out[row[1]] = _link(row)
        return out

    def upsert_many(self, job: str, links: Iterable[LinkWrite]) -> int:
        """Create or replace links in one transaction; returns how many were written.

        ``created_at`` is kept on replace. Refuses, before writing anything, exported values whose keys look like
        secrets (:func:`sfprov.state.guard.refuse_secret_keys`).
        """
        # Timestamps are converted once here, because the bulk write below bypasses per-value type processing.
        now = UTCDateTime().process_bind_param(self._now(), self._engine.dialect)
        by_source: dict[str, dict[str, Any]] = {}  # the last write of a source id wins, as row by row would
        for w in links:
            refuse_secret_keys(w.exported, where=f"the link of source object {w.source_id}")
            text = canonical_json(w.exported)
            by_source[w.source_id] = {
                "job": job,
                "source_id": w.source_id,
                "target_id": w.target_id,
                "fingerprint": fingerprint_json(text),
                "exported": text,
                "state": LinkState(w.state).value,
                "matched_by": w.matched_by,
                "created_at": now,
                "updated_at": now,
            }
        rows = list(by_source.values())
        if not rows:
            return 0
        try:
            with self._write() as conn:
                for batch in chunked(rows, UPSERT_BATCH):
                    self._bulk_upsert(conn, t, batch, ("job", "source_id"), _UPDATE_ON_CONFLICT)
        except IntegrityError as exc:
            raise LinkConflict(
                f"Job {job}: a Salesforce user id would be linked to two Entra objects.",
                fix="Each Salesforce user can belong to one Entra object per job; check the matching attributes "
                "(Entra reports this as DuplicateSourceEntries).",
            ) from exc
        return len(rows)

    def upsert(self, job: str, link: LinkWrite) -> Link:
        self.upsert_many(job, [link])
        stored = self.get(job, link.source_id)
        assert stored is not None
        return stored

    def set_state(self, job: str, source_ids: Collection[str], state: LinkState) -> int:
        """Mark links deactivated, staged or active again without touching exported values; returns rows changed."""
        changed = 0
        now = self._now()
        with self._write() as conn:
            for batch in chunked(source_ids, IN_CHUNK):
                result = conn.execute(
                    sa.update(t)
                    .where(t.c.job == job, t.c.source_id.in_(batch))
                    .values(state=LinkState(state).value, updated_at=now)
                )
                changed += result.rowcount
        return changed

    def delete_many(self, job: str, source_ids: Collection[str]) -> int:
        deleted = 0
        with self._write() as conn:
            for batch in chunked(source_ids, IN_CHUNK):
                deleted += conn.execute(sa.delete(t).where(t.c.job == job, t.c.source_id.in_(batch))).rowcount
        return deleted

    def delete_all(self, job: str) -> int:
        """Break every link of the job: what Entra's ``Full`` restart does (§1), forcing re-matching."""
        with self._write() as conn:
            return conn.execute(sa.delete(t).where(t.c.job == job)).rowcount

    def count(self, job: str, state: LinkState | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(t).where(t.c.job == job)
        if state is not None:
            query = query.where(t.c.state == LinkState(state).value)
        with self._read() as conn:
            return int(conn.execute(query).scalar_one())
