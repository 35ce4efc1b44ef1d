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


@dataclass
class _Segment:
    keys: np.ndarray
    table: Table
    rows: np.ndarray
    ids: np.ndarray  # shared, filled in by the writer once ids are known
    pos: np.ndarray  # key k has the id ids[pos[k]]
    hashes: np.ndarray  # content hash of the row of key k


class SeenIndex:
    """Keys seen so far -> their first response."""

    def __init__(self, entries: dict[str, list]):
        self.entries = entries
        self.segments: list[_Segment] = []

    def isin(self, keys: np.ndarray) -> np.ndarray:
        """Which ``keys`` are already known (vectorised)."""
        known = list(self.entries)
        for s in self.segments:
            known.extend(s.keys.tolist())
        return pd.Series(keys, dtype=object).isin(known).to_numpy()

    def get(self, key: str) -> list | None:
        """The entry of ``key``, or None."""
        entry = self.entries.get(key)
        if entry is not None:
            return entry
        for s in self.segments:
            hit = np.flatnonzero(s.keys == key)
            if len(hit):
                k = int(hit[0])
                return [int(s.ids[s.pos[k]]), (s.table, int(s.rows[k])), s.hashes[k]]
        return None

    def add(self, key: str, entry: list) -> None:
        """Register one key (first occurrence wins)."""
        self.entries.setdefault(key, entry)

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


def where(entry: list) -> str:
    """Where an indexed response came from, in words."""
    place = entry[1]
    if isinstance(place[0], Table):
        return where_text(*place[0].origin(place[1]))
    return where_text(*place)
