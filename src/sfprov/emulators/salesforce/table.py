"""One sObject's rows in an emulated org, with the indexes that make lookups cheap.

Why: the SOQL executor (Part A) asks ``lookup(sobject, field, values)`` for the selective filters a provisioning
engine sends (``Username IN (...)``, ``FederationIdentifier = ...``, ``AssigneeId = ...``) and scans otherwise; an
org of 100,000 users must answer those in microseconds, not by scanning.

Rows are plain dicts keyed by canonical field names. An update replaces the row object (copy on write), so a scan in
progress keeps seeing consistent rows, and the dict key keeps its position, so scans stay in insertion order.
Index keys of text values are lower-cased: SOQL ``=`` on text is case-insensitive (reference §8.6, UNVERIFIED there)
and usernames are unique case-insensitively (§3.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sfprov.emulators.salesforce import ids

Row = dict[str, Any]


def index_key(value: Any) -> Any:
    """The key under which ``value`` is indexed: text lower-cased (the value itself when already lower case, so
    that no second copy is kept), everything else as is."""
    if isinstance(value, str):
        low = value.lower()
        return value if low == value else low
    return value


Bucket = str | dict[str, None]
"""The ids under one index key: a bare id for a single row (most keys of unique fields), else an ordered set."""


class Table:
    """Rows of one sObject in insertion order, plus one hash index per indexed field."""

    def __init__(self, name: str, indexed: Iterable[str] = ()) -> None:
        self.name = name
        self.rows: dict[str, Row] = {}
        self._seq: dict[str, int] = {}
        self._next_seq = 0
        self._indexes: dict[str, dict[Any, Bucket]] = {f: {} for f in indexed}
        self._index_names = {f.lower(): f for f in self._indexes}

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(list(self.rows.values()))

    def get(self, record_id: str) -> Row | None:
        """The row with ``record_id`` (15 or 18 characters), or None."""
        canonical = ids.normalize(record_id)
        return self.rows.get(canonical) if canonical else None

    def insert(self, row: Row) -> None:
        """Add a new row (its ``Id`` must be new)."""
        rid = row["Id"]
        if rid in self.rows:
            raise KeyError(f"duplicate id {rid}")
        self.rows[rid] = row
        self._seq[rid] = self._next_seq
        self._next_seq += 1
        for field, index in self._indexes.items():
            self._index(index, index_key(row.get(field)), rid)

    def replace(self, row: Row) -> Row:
        """Swap in a new version of an existing row; returns the old version (for undo)."""
        rid = row["Id"]
        old = self.rows[rid]
        for field, index in self._indexes.items():
            before, after = index_key(old.get(field)), index_key(row.get(field))
            if before != after:
                self._unindex(index, before, rid)
                self._index(index, after, rid)
        self.rows[rid] = row
        return old

    def restore(self, old: Row, seq: int | None = None) -> None:
        """Put back a version returned by :meth:`replace` or :meth:`remove` (rollback)."""
        if old["Id"] in self.rows:
            self.replace(old)
            return
        self.insert(old)
        if seq is not None:
            self._seq[old["Id"]] = seq
            self._reorder()

    def remove(self, record_id: str) -> tuple[Row, int]:
        """Delete a row; returns it and its sequence number (for undo)."""
        row = self.rows.pop(record_id)
        seq = self._seq.pop(record_id)
        for field, index in self._indexes.items():
            self._unindex(index, index_key(row.get(field)), record_id)
        return row, seq

    def _reorder(self) -> None:
        """Restore insertion order after a removed row was put back (rare: rollback of a delete)."""
        ordered = sorted(self.rows, key=self._seq.__getitem__)
        self.rows = {rid: self.rows[rid] for rid in ordered}

    @staticmethod
    def _index(index: dict[Any, Bucket], key: Any, record_id: str) -> None:
        bucket = index.get(key)
        if bucket is None:
            index[key] = record_id
        elif isinstance(bucket, str):
            index[key] = {bucket: None, record_id: None}
        else:
            bucket[record_id] = None

    @staticmethod
    def _unindex(index: dict[Any, Bucket], key: Any, record_id: str) -> None:
        bucket = index.get(key)
        if bucket is None:
            return
        if isinstance(bucket, str):
            if bucket == record_id:
                del index[key]
            return
        bucket.pop(record_id, None)
        if len(bucket) == 1:
            index[key] = next(iter(bucket))
        elif not bucket:
            del index[key]

    def indexed_field(self, field: str) -> str | None:
        """The canonical name of ``field`` when it is indexed (``Id`` always is), compared case-insensitively."""
        if field.lower() == "id":
            return "Id"
        return self._index_names.get(field.lower())

    def lookup(self, field: str, values: Iterable[Any]) -> list[Row] | None:
        """Rows whose ``field`` equals one of ``values`` (text case-insensitively), in insertion order; None when
        ``field`` has no index."""
        name = self.indexed_field(field)
        if name is None:
            return None
        if name == "Id":
            found = {rid for rid in (ids.normalize(v) for v in values) if rid is not None and rid in self.rows}
        else:
            index = self._indexes[name]
            found = set()
            for value in values:
                bucket = index.get(index_key(value))
                if isinstance(bucket, str):
                    found.add(bucket)
                elif bucket:
                    found.update(bucket)
        return [self.rows[rid] for rid in sorted(found, key=self._seq.__getitem__)]

    def first(self, field: str, value: Any) -> Row | None:
        """The earliest row whose indexed ``field`` equals ``value`` (text case-insensitively), or None."""
        bucket = self._indexes[field].get(index_key(value))
        if not bucket:
            return None
        if isinstance(bucket, str):
            return self.rows[bucket]
        return self.rows[min(bucket, key=self._seq.__getitem__)]

    def count(self, field: str, value: Any) -> int:
        """How many rows have ``field`` equal to ``value`` (indexed fields only)."""
        bucket = self._indexes[field].get(index_key(value))
        if bucket is None:
            return 0
        return 1 if isinstance(bucket, str) else len(bucket)

    def dump(self) -> list[Mapping[str, Any]]:
        """Rows in insertion order, for snapshots."""
        return list(self.rows.values())
