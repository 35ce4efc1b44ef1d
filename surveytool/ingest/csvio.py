"""CSV decoding: UTF-8 (with or without BOM), then GB18030, else a located error.

A strict chain, not a charset guesser: guessers misfire on short files. GB18030 is a
superset of GBK and decodes every character GBK cannot (e.g. 𠮷). Values are kept as text:
nothing is turned into "missing" by its spelling (``None``, ``NA`` are real labels).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from surveytool.ingest.table import fail
from surveytool.ingest.xlsxcheck import MAX_CELLS

ENCODINGS = ("utf-8-sig", "gb18030")
MAX_COLUMNS = 16_384  # Excel's own limit (XFD)

# Python's csv module refuses a field over 131,072 characters and with it the whole file; an
# over-long answer is reported with its cell by the validator instead (normalise.MAX_CHARS).
csv.field_size_limit(2**31 - 1)


def decode(data: bytes, shown: str) -> str:
    """The text of a CSV file. Raises FileRejectedError naming the first undecodable byte offset."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise fail("csv_encoding", shown, offset=exc.start) from None
    first_error = None
    for enc in ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    raise fail("csv_encoding", shown, offset=first_error.start if first_error else 0)


def _records(path: Path, shown: str) -> list[list[str]]:
    """The rows of a CSV as the csv module reads them. Delimiter sniffed."""
    text = decode(path.read_bytes(), shown)
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append(row)
    except csv.Error:  # e.g. a NUL character: the line is the located part of the message
        raise fail("csv_damaged", shown, line=len(rows) + 1) from None
    return rows


def _check_size(shown: str, rows: int, width: int) -> None:
    if width > MAX_COLUMNS:
        raise fail("file_too_wide", shown, columns=f"{width:,}")
    if rows * width > MAX_CELLS:
        raise fail(
            "file_table_too_large",
            shown,
            rows=f"{rows:,}",
            columns=f"{width:,}",
            limit=f"{MAX_CELLS // 10_000:,}",
        )


def read_csv_rows(path: Path, shown: str) -> list[list[str | None]]:
    """All rows of a CSV as lists of strings (empty cells are None). Delimiter sniffed."""
    records = _records(path, shown)
    width = max(map(len, records), default=0)
    if width > MAX_COLUMNS:
        raise fail("file_too_wide", shown, columns=f"{width:,}")
    rows = [[c if c.strip() else None for c in row] for row in records]
    while rows and not any(rows[-1]):
        rows.pop()
    _check_size(shown, len(rows), width)
    return rows


def read_csv_grid(path: Path, shown: str) -> np.ndarray:
    """The rows of a CSV as one 2-D object array, short rows padded: what
    :func:`read_csv_rows` gives, as a rectangle, built column by column (blank cells found
    once per distinct value, not once per cell)."""
    records = _records(path, shown)
    width = max(map(len, records), default=0)
    if width > MAX_COLUMNS:
        raise fail("file_too_wide", shown, columns=f"{width:,}")
    for row in records:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    grid = np.empty((len(records), width), dtype=object)
    if records and width:
        grid[:] = records
    filled = np.zeros(len(records), dtype=bool)
    for j in range(width):
        column = grid[:, j]
        blanks = [v for v in set(column.tolist()) if not v.strip()]
        blank = (
            pd.Series(column, dtype=object).isin(blanks).to_numpy()
            if blanks
            else np.zeros(len(grid), bool)
        )
        column[blank] = None
        filled |= ~blank
    last = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    grid = grid[:last]
    _check_size(shown, len(grid), width)
    return grid
