"""A generic table's cells column by column: each column as its distinct values and, per
row, the index of its value.

A reader worker reads a returned table (a csv, or a workbook's sheet) into a
:class:`CodedGrid` rather than a rows × columns array of Python objects. A 100,000-row
column of codes is then a few dozen strings and an index array. The header is found in
the first rows (:meth:`CodedGrid.head`), and the body becomes a frame of pandas
Categoricals straight from the codes (:meth:`CodedGrid.frame`): no object grid is built,
blank rows are found from the codes, the worker hands small integer codes to the caller,
and validation factorises each column through its categories
(:func:`surveytool.ingest.validate.parse_column`). Blank cells (missing, or only spaces,
as ``str.strip`` sees them) are missing values in the frame, as they are None in a grid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class CodedGrid:
    """``rows`` rows; column ``j`` holds ``values[j][at[j]]`` (object arrays, blank cells
    None)."""

    values: list[np.ndarray]
    at: list[np.ndarray]
    rows: int

    @classmethod
    def from_arrow(cls, columns: Sequence[pa.Array | pa.ChunkedArray], rows: int) -> CodedGrid:
        """The grid of Arrow columns of ``rows`` rows; a text column through its distinct
        values, any other one value by value."""
        values, at = [], []
        for col in columns:
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                words, where = distinct(col)
            else:
                words, where = col.to_pylist(), np.arange(rows, dtype=np.intp)
            v = np.empty(len(words), dtype=object)
            v[:] = words
            v[_blank(v)] = None
            values.append(v)
            at.append(where)
        return cls(values, at, rows)

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, len(self.values)

    @property
    def size(self) -> int:
        return self.rows * len(self.values)

    def __len__(self) -> int:
        return self.rows

    def column(self, j: int, start: int = 0) -> np.ndarray:
        """Column ``j`` from row ``start`` as an object array (blank cells None)."""
        return self.values[j][self.at[j][start:]]

    def head(self, n: int) -> np.ndarray:
        """The first ``n`` rows as a 2-D object array."""
        n = min(n, self.rows)
        out = np.empty((n, len(self.values)), dtype=object)
        for j, (v, at) in enumerate(zip(self.values, self.at, strict=True)):
            out[:, j] = v[at[:n]]
        return out

    def array(self) -> np.ndarray:
        """The whole grid as a 2-D object array (a platform export, a list of rows)."""
        return self.head(self.rows)

    def filled(self) -> np.ndarray:
        """Per row: whether any of its cells has a value."""
        out = np.zeros(self.rows, dtype=bool)
        for v, at in zip(self.values, self.at, strict=True):
            has = np.array([x is not None for x in v], dtype=bool)
            if has.all():
                return np.ones(self.rows, dtype=bool) if self.rows else out
            out |= has[at]
        return out

    def first(self, n: int) -> CodedGrid:
        """The grid of the first ``n`` rows."""
        return CodedGrid(list(self.values), [at[:n] for at in self.at], min(n, self.rows))

    def restore(self, cells: Iterable[tuple[int, int, object]]) -> None:
        """Set cells given as (row, column, value): values the typed read dropped. Column by
        column, each column's index copied once however many of its cells are set (a
        column of #N/A is one error a row)."""
        by_column: dict[int, list[tuple[int, object]]] = {}
        for row, j, value in cells:
            by_column.setdefault(j, []).append((row, value))
        for j, items in by_column.items():
            old = self.values[j]
            new = np.empty(len(items), dtype=object)
            new[:] = [value for _, value in items]
            new[_blank(new)] = None
            at = self.at[j].copy()  # may be a view on the reader's buffer
            at[[row for row, _ in items]] = np.arange(len(old), len(old) + len(items))
            self.values[j] = np.concatenate([old, new])
            self.at[j] = at

    def frame(self, start: int, columns: dict[str, str]) -> pd.DataFrame:
        """The rows from ``start`` as a frame of Categoricals: column ``int(pos)`` named
        ``columns[pos]``, for each ``pos`` of ``columns`` in order."""
        data = {name: self.categorical(int(pos), start) for pos, name in columns.items()}
        return pd.DataFrame(data, index=pd.RangeIndex(self.rows - start), copy=False)

    def categorical(self, j: int, start: int = 0) -> pd.Categorical:
        """Column ``j`` from row ``start`` as a Categorical; blank cells are missing."""
        codes, categories = pd.factorize(self.values[j], use_na_sentinel=True)
        small = np.min_scalar_type(-max(len(categories), 1))  # int8 for up to 128 values
        return pd.Categorical.from_codes(
            codes.astype(small)[self.at[j][start:]],
            categories=pd.Index(categories, dtype=object),
            validate=False,
        )


def distinct(column: pa.ChunkedArray | pa.Array) -> tuple[list, np.ndarray]:
    """The distinct values of an Arrow column (as Python objects, nulls as None) and, per
    row, the index of its value among them."""
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    if isinstance(encoded, pa.ChunkedArray):
        if not encoded.num_chunks:
            return [], np.zeros(0, dtype=np.intp)
        encoded = encoded.combine_chunks()  # one dictionary for all the chunks
    at = encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
    return encoded.dictionary.to_pylist(), at


def _blank(values: np.ndarray) -> np.ndarray:
    """Which of ``values`` are blank: None, NaN or text of only spaces."""
    return np.array(
        [v is None or v != v or (isinstance(v, str) and not v.strip()) for v in values],
        dtype=bool,
    )
