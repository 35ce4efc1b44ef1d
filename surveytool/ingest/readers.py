"""Reading returned files into :class:`Table` s: raw values under bank field ids.

Recognised automatically:
- our respondent-layout forms (hidden ``_surveytool`` sheet, layout ``respondent``): one
  respondent per file, answers found at the recorded cells (or, when the structure was
  edited, by the field ids in column A);
- our collection-layout sheets (layout ``collection``): header row of field ids;
- generic tables (.xlsx, .xls, .csv) whose header row holds field ids or question text.

Excel rows are numbered as Excel shows them (header is row 1); blank rows are kept so the
numbers stay right. Values are raw (strings, floats, dates); normalisation happens later.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
from openpyxl.utils import get_column_letter

from surveytool.bank.model import Bank
from surveytool.errors import problem
from surveytool.forms.reader import parse_meta, read_properties
from surveytool.forms.structure import FORMAT, LAYOUTS, META_SHEET, RESPONSE_ID, FormStructure
from surveytool.ingest import cells, header, origin, platforms
from surveytool.ingest import normalise as nz
from surveytool.ingest.csvio import read_csv_grid, read_csv_rows
from surveytool.ingest.files import display_name
from surveytool.ingest.grid import CodedGrid, distinct
from surveytool.ingest.options import ReadOptions
from surveytool.ingest.table import KIND, FileRejectedError, Table, fail

# fastexcel logs a line for every empty column it reads as text; not news for our users.
logging.getLogger("fastexcel").setLevel(logging.ERROR)


def open_book(path: Path, shown: str) -> fastexcel.ExcelReader:
    """The workbook, opened by fastexcel. Raises FileRejectedError (ours)."""
    try:
        return fastexcel.read_excel(path)
    except fastexcel.FastExcelError as exc:
        raise fail("file_unreadable", shown, detail=reader_detail(exc)) from None


def reader_detail(exc: Exception) -> str:
    """A reader exception as the detail of our “file unreadable” message (the reader's own
    English text is not shown: it names its internals, not the user's problem)."""
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return "文件设置了打开密码"
    if "ole" in text or "cfb" in text:
        return "不是有效的 Excel 97-2003（.xls）文件，可能已损坏或其实是其他格式改了扩展名"
    return "文件格式无法识别，可能已损坏或其实是其他格式的文件改了扩展名"


def read_excel_file(
    path: Path,
    shown: str,
    bank: Bank,
    expected: dict[str, FormStructure],
    options: ReadOptions | None = None,
    pair: Path | None = None,
) -> Table:
    """Read an .xlsx/.xls file: one of our forms, a platform export, or a generic table."""
    options = options or ReadOptions()
    book = open_book(path, shown)
    props = read_properties(path)
    if props.get("format") == FORMAT and props.get("bank_id") not in (None, bank.id):
        raise fail("form_other_bank", shown, other=props["bank_id"], bank=bank.id)
    layout = props.get("layout", "")
    if layout in LAYOUTS and props.get("checksum") == expected.checksum(layout):
        # the fast path: an unedited form of this bank version, known without its hidden sheet
        return _dispatch(book, shown, bank, expected[layout], props["checksum"], expected)
    if META_SHEET in book.sheet_names:
        structure, stored = _meta(book, shown)
        if structure.bank_id != bank.id:
            raise fail("form_other_bank", shown, other=structure.bank_id, bank=bank.id)
        return _dispatch(book, shown, bank, structure, stored, expected)
    return _generic_excel(book, shown, bank, path, options, pair)


def _dispatch(
    book,
    shown: str,
    bank: Bank,
    structure: FormStructure,
    stored: str,
    expected,  # read.Expected: layout -> structure, with .checksum(layout)
) -> Table:
    if structure.layout == "respondent":
        sums = (stored, expected.checksum("respondent"))
        return _respondent(book, shown, bank, structure, sums, expected["respondent"])
    return _collection(book, shown, bank, structure)


def _load(book: fastexcel.ExcelReader, sheet: str, shown: str, **kw: Any) -> pd.DataFrame:
    """A sheet as a DataFrame; cells the typed read could not keep are restored as text."""
    try:
        sh = book.load_sheet(sheet, **kw)
        table, errors = sh.to_arrow_with_errors()
        frame = table.to_pandas()
    except fastexcel.FastExcelError as exc:
        raise fail("file_unreadable", shown, detail=reader_detail(exc)) from None
    if errors is not None and errors.errors:
        frame = cells.restore(frame, errors.errors, kw.get("header_row"))
    frame.attrs["columns"] = [c.absolute_index for c in sh.selected_columns]
    return frame


def _sheet(book: fastexcel.ExcelReader, sheet: str, shown: str, **kw: Any):
    """A whole sheet from row 1 as Arrow: (table, the cells the typed read dropped, the
    0-based index of its first column). Raises FileRejectedError (ours)."""
    try:
        sh = book.load_sheet(sheet, header_row=None, skip_rows=0, **kw)
        table, errors = sh.to_arrow_with_errors()
    except fastexcel.FastExcelError as exc:
        raise fail("file_unreadable", shown, detail=reader_detail(exc)) from None
    dropped = [] if errors is None else errors.errors
    return table, dropped, sh.selected_columns[0].absolute_index if sh.selected_columns else 0


def _grid(book: fastexcel.ExcelReader, sheet: str, shown: str, **kw: Any) -> tuple[np.ndarray, int]:
    """A whole sheet from row 1 as a 2-D object array (no pandas: cheap for small forms),
    and the 0-based index of its first column. Values a typed read dropped are restored."""
    table, dropped, first = _sheet(book, sheet, shown, **kw)
    grid = np.empty((table.num_rows, table.num_columns), dtype=object)
    for j, col in enumerate(table.columns):
        grid[:, j] = _column(col)
    for err in dropped:
        grid[err.offset_position] = cells.original_value(err.detail)
    return grid, first


def _coded(book: fastexcel.ExcelReader, sheet: str, shown: str) -> tuple[CodedGrid, int]:
    """A whole sheet from row 1, all as text, as a :class:`CodedGrid`, and the 0-based index
    of its first column. Values the read dropped are restored."""
    table, dropped, first = _sheet(book, sheet, shown, dtypes="string")
    grid = CodedGrid.from_arrow(table.columns, table.num_rows)
    grid.restore((*e.offset_position, cells.original_value(e.detail)) for e in dropped)
    return grid, first


def _column(col: pa.Array | pa.ChunkedArray) -> list | np.ndarray:
    """A column's values as Python objects; a text column through its distinct values, so
    that rows with the same text share one string (cheap to build and to hand back)."""
    if not pa.types.is_string(col.type) or len(col) < 1000:  # a form's short columns
        return col.to_pylist()
    words, at = distinct(col)
    values = np.empty(len(words), dtype=object)
    values[:] = words
    return values[at]


def _meta(book: fastexcel.ExcelReader, shown: str) -> tuple[FormStructure, str]:
    grid, _ = _grid(book, META_SHEET, shown, dtypes="string")
    rows = [tuple(None if nz.is_blank(v) else v for v in r) for r in grid]
    try:
        return parse_meta(rows, Path(shown))
    except Exception as exc:  # a damaged hidden sheet is a file-level problem
        problems = getattr(exc, "problems", None)
        raise FileRejectedError(
            problems or [problem("form_meta_damaged", file=shown, kind=KIND, detail=str(exc))]
        ) from None


def _respondent(
    book,
    shown: str,
    bank: Bank,
    structure: FormStructure,
    sums: tuple[str, str],
    expected: FormStructure,
) -> Table:
    """A respondent form; ``sums``: the checksum stored in the file, and the expected one."""
    sheet = structure.entries[0].sheet if structure.entries else "问卷"
    grid, first_col = _grid(book, sheet, shown, schema_sample_rows=None)
    refs, warnings = cells.locate_respondent(
        grid, first_col, bank, structure, expected, sums, shown, sheet
    )
    ids = [f.id for f in bank.fields]
    row = np.empty((1, len(ids)), dtype=object)
    row[0, :] = [cells.value_at(grid, first_col, refs[fid]) if fid in refs else None for fid in ids]
    frame = pd.DataFrame(row, columns=ids, dtype=object)
    return Table(
        shown, sheet, "respondent", frame, np.array([0]), refs, warnings, structure.bank_version
    )


def _collection(book, shown: str, bank: Bank, structure: FormStructure) -> Table:
    sheet = structure.entries[0].sheet if structure.entries else "数据录入"
    head_row = (structure.header_row or 1) - 1
    first = structure.first_row or head_row + 2
    frame = _load(book, sheet, shown, header_row=head_row, skip_rows=first - head_row - 2)
    letters = [get_column_letter(i + 1) for i in frame.attrs["columns"]]
    mapping = header.map_ids(list(frame.columns), letters, bank, shown, sheet, strict=True)
    frame = header.apply(frame, mapping)
    rows = np.arange(first, first + len(frame))
    table = Table(
        shown,
        sheet,
        "collection",
        frame,
        rows,
        mapping.refs,
        mapping.problems,
        structure.bank_version,
    )
    return _drop_blank_tail(table)


def _generic_excel(
    book, shown: str, bank: Bank, path: Path, options: ReadOptions, pair: Path | None
) -> Table:
    last_error: FileRejectedError | None = None
    for sheet in book.sheet_names:
        grid, first = _coded(book, sheet, shown)
        if grid.size == 0:
            continue
        letters = [get_column_letter(first + i + 1) for i in range(grid.shape[1])]
        try:
            platform = _platform(grid, options)
            if platform:
                rows = grid.array()
                return _platform_table(platform, rows, sheet, bank, path, shown, options, pair)
            return _generic(grid, letters, shown, sheet, bank, "table")
        except FileRejectedError as exc:
            last_error = exc
    if last_error is not None:
        raise last_error
    raise fail("file_empty", shown)


def _platform(grid: CodedGrid, options: ReadOptions) -> str | None:
    """The platform to read ``grid`` as (None: a plain table)."""
    if options.source == "table":
        return None
    if options.source != "auto":
        return options.source
    return platforms.detect(list(grid.head(1)[0])) if len(grid) else None


def _platform_table(
    platform: str,
    grid: np.ndarray,
    sheet: str,
    bank: Bank,
    path: Path,
    shown: str,
    options: ReadOptions,
    pair: Path | None,
) -> Table:
    export = platforms.parse(platform, list(grid[0]), [list(r) for r in grid[1:]], 2, sheet)
    paired = _pair_export(pair, sheet) if pair else None
    return platforms.to_table(export, bank, path, shown, options.mapping, options.encoding, paired)


def _pair_export(path: Path, sheet: str):
    """The 按文本 download read alongside a 按序号 one (for its 其他 texts)."""
    shown = display_name(path.name)
    if path.suffix.lower() == ".csv":
        rows = read_csv_rows(path, shown)
        grid = np.array(rows, dtype=object)
    else:
        book = open_book(path, shown)
        grid, _ = _grid(book, book.sheet_names[0], shown, dtypes="string")
    return platforms.parse("wjx", list(grid[0]), [list(r) for r in grid[1:]], 2, sheet)


def _generic(
    grid: CodedGrid, letters: list[str], shown: str, sheet: str, bank: Bank, kind: str
) -> Table:
    top = grid.head(header.HEADER_SEARCH_ROWS)
    at, mapping = header.find(top, letters, bank, shown, sheet)
    frame = grid.frame(at + 1, mapping.columns)  # the body, one Categorical per field
    rows = np.arange(at + 2, at + 2 + len(frame))
    table = Table(shown, sheet, kind, frame, rows, mapping.refs, mapping.problems)
    table.corrected_from = origin.read_origins(  # a rejects workbook
        list(top[at]), lambda j: grid.column(j, at + 1)
    )
    table = _drop_blank_tail(table)
    unknown = origin.unknown_warning(table)
    if unknown:
        table.problems.append(unknown)
    return table


def _drop_blank_tail(t: Table) -> Table:
    """Remove rows with no value at all (blank rows are not respondents)."""
    blank = cells.blank_rows(t.frame)
    if blank.any():
        t.frame = t.frame.loc[~blank].reset_index(drop=True)
        t.rows = t.rows[~blank]
        if t.corrected_from is not None:
            t.corrected_from = t.corrected_from[~blank]
        if t.collected is not None:
            t.collected = t.collected[~blank]
    return t


def read_csv_file(
    path: Path, shown: str, bank: Bank, options: ReadOptions | None = None, pair: Path | None = None
) -> Table:
    """Read a CSV (UTF-8 with/without BOM, GB18030, UTF-16): a platform export or a table."""
    options = options or ReadOptions()
    grid = read_csv_grid(path, shown)
    if not len(grid):
        raise fail("file_empty", shown)
    width = grid.shape[1]
    platform = _platform(grid, options)
    if platform:
        return _platform_table(platform, grid.array(), "CSV", bank, path, shown, options, pair)
    letters = [get_column_letter(i + 1) for i in range(width)]
    table = _generic(grid, letters, shown, "CSV", bank, "csv")
    table.channel = "csv"
    return table


def read_sav_file(path: Path, shown: str, bank: Bank) -> Table:
    """An SPSS .sav file: variables named by field id (ours) or labelled with question text;
    value labels map codes. Read with pyreadstat."""
    from surveytool.ingest.sav import read_sav

    return read_sav(path, shown, bank)


__all__ = ["RESPONSE_ID", "read_csv_file", "read_excel_file"]
