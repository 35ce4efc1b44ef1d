"""A checked batch made ready to store: per row, a 64-bit hash of its clean answers (for
recognising a row seen before) and how many fields it answered; its issues by row; and its
answers as SQLite values, built once per batch and sliced per file by the writer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveytool.ingest.validate import Checked, Issue

_MIX = np.uint64(1_000_003)


def content_hashes(columns: list[np.ndarray]) -> np.ndarray:
    """A 64-bit hash per row over the clean values of every field (signed int64, SQLite's
    integer): each column hashed by pandas (``hash_array``), the columns mixed in order."""
    n = len(columns[0]) if columns else 0
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in columns:
            acc = acc * _MIX ^ pd.util.hash_array(col)
    return acc.view(np.int64)


def answer_counts(columns: list[np.ndarray]) -> np.ndarray:
    """How many fields each row answered."""
    n = len(columns[0]) if columns else 0
    counts = np.zeros(n, dtype=np.int64)
    for col in columns:
        counts += ~np.isnan(col) if col.dtype.kind == "f" else pd.notna(col)
    return counts


@dataclass
class Prepared:
    """A checked batch with its clean values, hashes, answer counts and issues by row, and
    its answers as SQL values (built once per batch, sliced per file)."""

    checked: Checked
    hashes: np.ndarray
    counts: np.ndarray
    issues: dict[int, list[Issue]]
    cells: list[np.ndarray]  # per bank field, as sql_columns
