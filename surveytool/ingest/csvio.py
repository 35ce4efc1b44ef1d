"""CSV decoding: UTF-8 (with or without BOM), then GB18030, else a located error; then the
rows, read by pyarrow.csv (all columns as text) or, when pyarrow cannot read the file as one
rectangle, by Python's csv module.

A strict chain, not a charset guesser: guessers misfire on short files. GB18030 is a
superset of GBK and decodes every character GBK cannot (e.g. 𠮷). Values are kept as text:
nothing is turned into "missing" by its spelling (``None``, ``NA`` are real labels).

pyarrow reads a well-formed file (every row as wide as the first; blank lines come back as
rows of empty cells, so row numbers stay as Excel shows them) about ten times faster than the
csv module, with the same quoting rules. Anything else — a short or long row, an
unterminated quote, a NUL character, a sniffed dialect other than double-quoted — goes to
the csv module, which reads such files exactly as before (and locates the damage).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from surveytool.ingest.grid import CodedGrid
from surveytool.ingest.table import fail
from surveytool.ingest.xlsxcheck import MAX_CELLS

ENCODINGS = ("utf-8-sig", "gb18030")
MAX_COLUMNS = 16_384  # Excel's own limit (XFD)

# Python's csv module refuses a field over 131,072 characters and with it the whole file; an
# over-long answer is reported with its cell by the validator instead (normalise.MAX_CHARS).
csv.field_size_limit(2**31 - 1)


def decode(data: bytes, shown: str) -> str:
    """The text of a CSV file. Raises FileRejectedError naming the first undecodable byte offset."""
    return _decode(data, shown)[0]


def _decode(data: bytes, shown: str) -> tuple[str, str]:
    """The text and the encoding it was decoded from (see :func:`decode`)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise fail("csv_encoding", shown, offset=exc.start) from None
    first_error = None
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    raise fail("csv_encoding", shown, offset=first_error.start if first_error else 0)


def _sniff(text: str) -> type[csv.Dialect] | csv.Dialect:
    """The dialect of a CSV: its delimiter sniffed from the first 8 KB (comma if unsure)."""
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
    except csv.Error:
        return csv.excel


def _records(text: str, dialect: type[csv.Dialect] | csv.Dialect, shown: str) -> list[list[str]]:
    """The rows of a CSV as the csv module reads them."""
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            rows.append(row)
    except csv.Error:  # e.g. a NUL character: the line is the located part of the message
        raise fail("csv_damaged", shown, line=len(rows) + 1) from None
    return rows


def _plain(dialect: type[csv.Dialect] | csv.Dialect, text: str) -> bool:
    """A dialect pyarrow reads as the csv module does: double quotes doubled (or none
    doubled in the text: the sniffer says "not doubled" when it saw no pair), no escape
    character, spaces after a delimiter kept."""
    return (
        dialect.delimiter in ",\t;"
        and dialect.quotechar == '"'
        and (dialect.doublequote or '""' not in text)
        and dialect.escapechar is None
        and not dialect.skipinitialspace
        and dialect.quoting != csv.QUOTE_NONE
    )


def _arrow(
    data: bytes, text: str, enc: str, dialect: type[csv.Dialect] | csv.Dialect
) -> pa.Table | None:
    """Every row as text columns f0, f1, … read by pyarrow, or None when the csv module must
    read the file instead (see the module docstring)."""
    if not _plain(dialect, text) or "\0" in text:
        return None
    if enc == "utf-8-sig":
        raw = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    else:
        raw = text.encode("utf-8")
    if not raw:
        return None
    uneven: list[object] = []

    def refuse(row: object) -> str:
        uneven.append(row)
        return "skip"

    first = raw[: raw.find(b"\n") + 1 or len(raw)]
    guess = first.count(dialect.delimiter.encode()) + 1  # quoted delimiters only add names
    if guess > MAX_COLUMNS:  # the csv module reads it and the width is refused, before
        return None  # pyarrow allocates per column under the worker's memory cap
    try:
        table = pacsv.read_csv(
            pa.BufferReader(raw),
            read_options=pacsv.ReadOptions(
                use_threads=False, autogenerate_column_names=True, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=dialect.delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=refuse,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(guess)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                auto_dict_encode=False,
            ),
        )
    except (pa.ArrowException, ValueError, OverflowError):
        return None
    if uneven or any(not pa.types.is_string(t) for t in table.schema.types):
        return None
    return table


def _read(path: Path, shown: str) -> tuple[str, type[csv.Dialect] | csv.Dialect, pa.Table | None]:
    data = path.read_bytes()
    text, enc = _decode(data, shown)
    dialect = _sniff(text)
    return text, dialect, _arrow(data, text, enc, dialect)


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
    """All rows of a CSV as lists of strings (empty cells are None). Delimiter sniffed. Rows
    read by pyarrow are all as wide as the first (a blank line is a row of None)."""
    text, dialect, table = _read(path, shown)
    if table is not None:
        return read_csv_table(table, shown).array().tolist()
    records = _records(text, dialect, shown)
    width = max(map(len, records), default=0)
    if width > MAX_COLUMNS:
        raise fail("file_too_wide", shown, columns=f"{width:,}")
    rows = [[c if c.strip() else None for c in row] for row in records]
    while rows and not any(rows[-1]):
        rows.pop()
    _check_size(shown, len(rows), width)
    return rows


def read_csv_grid(path: Path, shown: str) -> CodedGrid:
    """The rows of a CSV as a :class:`CodedGrid`, short rows padded, trailing blank rows
    dropped: what :func:`read_csv_rows` gives, as a rectangle (blank cells found once per
    distinct value, not once per cell)."""
    text, dialect, table = _read(path, shown)
    if table is not None:
        return read_csv_table(table, shown)
    records = _records(text, dialect, shown)
    width = max(map(len, records), default=0)
    if width > MAX_COLUMNS:
        raise fail("file_too_wide", shown, columns=f"{width:,}")
    for row in records:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    cells = pa.array(itertools.chain.from_iterable(records), type=pa.string())
    rows = len(records)
    columns = [cells[j::width] if width else cells for j in range(width)]
    return _trimmed(CodedGrid.from_arrow(columns, rows), shown)


def read_csv_table(table: pa.Table, shown: str) -> CodedGrid:
    """The grid of a CSV pyarrow has read (see :func:`read_csv_grid`)."""
    if table.num_columns > MAX_COLUMNS:
        raise fail("file_too_wide", shown, columns=f"{table.num_columns:,}")
    return _trimmed(CodedGrid.from_arrow(table.columns, table.num_rows), shown)


def _trimmed(grid: CodedGrid, shown: str) -> CodedGrid:
    """The grid without its trailing blank rows, within the size limits."""
    filled = grid.filled()
    grid = grid.first(int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0)
    _check_size(shown, grid.rows, grid.shape[1])
    return grid
