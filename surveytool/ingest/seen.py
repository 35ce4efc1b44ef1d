"""What a bank/wave already holds, for duplicate detection: content hashes or respondent codes.

Exact entries (from the store, or added one by one) live in a dict; the rows of a large file
are added as one *segment* of arrays, so registering 100,000 rows costs no Python loop.
An entry is ``[response id, where, content hash]``; ``where`` is ``(file, sheet, row)`` or,
a row of this run, ``(table, row index)`` resolved to words only when a message needs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveytool.ingest.table import Table, where_text


@dataclass(eq=False)
class _Segment:
    keys: np.ndarray
    table: Table
    rows: np.ndarray
    ids: np.ndarray  # shared, filled in by the writer once ids are known
    pos: np.ndarray  # key k has the id ids[pos[k]]
    hashes: np.ndarray  # content hash of the row of key k


class SeenIndex:
    """Keys seen so far -> their first response. Every key is also in one set, so asking
    which keys of a file are known costs that file's keys, not all keys seen (one set
    update per file, and one per segment: a C loop, not a Python one)."""

    def __init__(self, entries: dict[str, list]):
        self.entries = entries
        self.segments: list[_Segment] = []
        self.known: set = set(entries)
        self.first: dict = {}  # key -> (segment, k), for keys of segments, built on demand
        self.indexed = 0  # segments in ``first`` so far

    def isin(self, keys: np.ndarray) -> np.ndarray:
        """Which ``keys`` are already known (vectorised)."""
        if len(keys) < 64:
            return np.fromiter((k in self.known for k in keys.tolist()), bool, len(keys))
        return pd.Series(keys, dtype=object).isin(self.known).to_numpy()

    def get(self, key: str) -> list | None:
        """The entry of ``key``, or None."""
        entry = self.entries.get(key)
        if entry is not None:
            return entry
        if key not in self.known:
            return None
        for s in self.segments[self.indexed :]:  # index the segments added since
            for k, x in enumerate(s.keys.tolist()):
                self.first.setdefault(x, (s, k))
        self.indexed = len(self.segments)
        found = self.first.get(key)
        if found is None:
            return None
        s, k = found
        return [int(s.ids[s.pos[k]]), (s.table, int(s.rows[k])), s.hashes[k]]

    def add(self, key: str, entry: list) -> None:
        """Register one key (first occurrence wins)."""
        self.entries.setdefault(key, entry)
        self.known.add(key)

    def add_segment(
        self,
        keys: np.ndarray,
        table: Table,
        rows: np.ndarray,
        ids: np.ndarray,
        pos: np.ndarray,
        hashes: np.ndarray,
    ) -> None:
        """Register many keys at once (rows known to be new and distinct): key ``k`` is row
        ``rows[k]`` of ``table``, with content hash ``hashes[k]`` and response id
        ``ids[pos[k]]`` (``ids`` may be filled in later)."""
        if len(keys):
            self.segments.append(_Segment(keys, table, rows, ids, pos, hashes))
            self.known.update(keys.tolist())


def where(entry: list) -> str:
    """Where an indexed response came from, in words."""
    place = entry[1]
    if isinstance(place[0], Table):
        return where_text(*place[0].origin(place[1]))
    return where_text(*place)
