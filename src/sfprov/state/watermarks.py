"""Where the last cycle stopped reading the source: one opaque Graph delta link per job and stream (reference §1,
§2.2). The engine saves it only after the cycle's writes succeeded, through
:meth:`sfprov.state.cycles.Cycles.finish` or a :meth:`StateStore.transaction`, so a crash never skips changes.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from sfprov.state._base import Part
from sfprov.state.records import Watermark
from sfprov.state.tables import watermark as t


class Watermarks(Part):
    """Delta links per job and stream (``users_delta``, ``groups_delta``, ...)."""

    def save(self, job: str, stream: str, delta_link: str) -> None:
        self.save_many(job, {stream: delta_link})

    def save_many(self, job: str, delta_links: Mapping[str, str]) -> None:
        if not delta_links:
            return
        now = self._now()
        rows = [{"job": job, "stream": s, "delta_link": d, "saved_at": now} for s, d in delta_links.items()]
        with self._write() as conn:
            conn.execute(self._upsert(t, ("job", "stream"), ("delta_link", "saved_at")), rows)

    def get(self, job: str, stream: str) -> Watermark | None:
        return self.all(job).get(stream)

    def all(self, job: str) -> dict[str, Watermark]:
        with self._read() as conn:
            rows = conn.execute(sa.select(t).where(t.c.job == job)).all()
        return {r.stream: Watermark(r.job, r.stream, r.delta_link, r.saved_at) for r in rows}

    def clear(self, job: str, stream: str | None = None) -> int:
        """Forget the watermark(s): the next cycle is an initial one (Entra's restart with ``Watermark``, §1)."""
        query = sa.delete(t).where(t.c.job == job)
        if stream is not None:
            query = query.where(t.c.stream == stream)
        with self._write() as conn:
            return conn.execute(query).rowcount
