"""How answers and rows reach SQLite: values as SQLite stores them, quoted names, and
INSERTs made from columns (no rows × columns matrix of objects)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np


def quoted(name: str) -> str:
    """A SQL identifier, quoted (field ids are letters, digits and underscores)."""
    return '"' + name.replace('"', '""') + '"'


def sql_value(v: Any) -> Any:
    """One answer as SQLite stores it: NaN as NULL, a whole float as an integer."""
    if v is None:
        return None
    if isinstance(v, float | np.floating):
        return None if np.isnan(v) else (int(v) if float(v).is_integer() else float(v))
    return v


class Same(NamedTuple):
    """A column's one value on every row of an insert."""

    value: Any


LITERALS_FROM = 64  # rows: an insert of fewer binds every value (one cached statement)


def insert_columns(
    db: sqlite3.Connection,
    table: str,
    columns: tuple[str, ...],
    values: list[Sequence | Same],
    n: int,
) -> None:
    """Insert ``n`` rows into ``table`` from one sequence (or :class:`Same`) per column.

    Rows are made as executemany takes them: no rows × columns matrix of objects. From
    :data:`LITERALS_FROM` rows, a Same column that is NULL, an integer or text is written
    into the statement instead of being bound on every row: a bound value costs about
    0.1-0.2 µs a row, and the store's own columns (source, wave, channel, collection dates)
    are the same on every row of a file."""
    literals = tuple(
        _literal(v.value) if isinstance(v, Same) and n >= LITERALS_FROM else None for v in values
    )
    bound = [
        repeat(v.value, n) if isinstance(v, Same) else v
        for v, lit in zip(values, literals, strict=True)
        if lit is None
    ]
    rows = zip(*bound, strict=True) if bound else repeat((), n)
    db.executemany(_insert(table, columns, literals), rows)


def _literal(value: Any) -> str | None:
    """``value`` as a SQL literal, or None when it is to be bound."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and "\0" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


@lru_cache(maxsize=64)
def _insert(table: str, columns: tuple[str, ...], literals: tuple[str | None, ...]) -> str:
    """The INSERT statement of ``columns`` into ``table``: each value a literal or, where
    None, bound (made once: 1,000 forms are 1,000 inserts of the same columns)."""
    names = ", ".join(quoted(c) for c in columns)
    marks = ", ".join("?" if lit is None else lit for lit in literals)
    return f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks})"


def sql_columns(columns: list[np.ndarray]) -> list[np.ndarray]:
    """Answer columns as SQLite values (object arrays): NaN -> NULL, whole floats as
    integers (codes), text as str. Vectorised per column."""
    out = []
    for col in columns:
        if col.dtype.kind != "f":
            cells = np.empty(len(col), dtype=object)
            cells[:] = [
                None if v is None or (isinstance(v, float) and v != v) else str(v) for v in col
            ]
            out.append(cells)
            continue
        nan = np.isnan(col)
        whole = np.isfinite(col) & (np.floor(col) == col) & (np.abs(col) < 2.0**53)
        if (whole | nan).all():  # codes: one int64 -> int pass, no float objects made first
            cells = np.where(nan, 0.0, col).astype(np.int64).astype(object)
        else:
            cells = col.astype(object)
            cells[whole] = col[whole].astype(np.int64).tolist()
        cells[nan] = None
        out.append(cells)
    return out


def sql_matrix(columns: list[np.ndarray]) -> np.ndarray:
    """:func:`sql_columns` as one object matrix, one row per response."""
    n = len(columns[0]) if columns else 0
    out = np.empty((n, len(columns)), dtype=object)
    for j, cells in enumerate(sql_columns(columns)):
        out[:, j] = cells
    return out
