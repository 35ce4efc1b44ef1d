"""Reading a platform export's rows (header and values) for the column mapping: the same
cheap checks and memory cap as ingest. Runs inside the reader worker (see sandbox)."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from surveytool.ingest import files as fs
from surveytool.ingest import memory
from surveytool.ingest.csvio import read_csv_rows
from surveytool.ingest.table import fail

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")  # what a platform exports


def export_rows(path: Path) -> tuple[list, list[list]]:
    """(header, data rows) of the first sheet of a platform export, as text. Runs in the
    reader worker (see sandbox.read_rows). Raises FileRejectedError with our message."""
    shown = fs.display_name(path.name)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise fail("file_type_unknown", shown, suffix=fs.display_name(suffix) or "（无扩展名）")
    if path.stat().st_size == 0:
        raise fail("file_empty", shown)
    with fs.readable(path) as plain:
        return _export_rows(plain, shown, suffix)


def export_sheets(path: Path) -> dict[str, list[list]]:
    """Every sheet of a workbook as rows of text (a .csv is one sheet, ``CSV``): for
    ``bank-from``, which must see an XLSForm's survey/choices/settings. Runs in the reader
    worker (see sandbox.read_sheets). Raises FileRejectedError with our message."""
    shown = fs.display_name(path.name)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise fail("file_type_unknown", shown, suffix=fs.display_name(suffix) or "（无扩展名）")
    if path.stat().st_size == 0:
        raise fail("file_empty", shown)
    with fs.readable(path) as plain:
        memory.precheck(plain, shown, suffix)
        try:
            if suffix == ".csv":
                return {"CSV": read_csv_rows(plain, shown)}
            return _excel_sheets(plain, shown)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise fail("file_unreadable", shown, detail=fs.DAMAGED) from None


def _excel_sheets(path: Path, shown: str) -> dict[str, list[list]]:
    import fastexcel

    from surveytool.ingest.readers import open_book, reader_detail

    book = open_book(path, shown)
    out: dict[str, list[list]] = {}
    for name in book.sheet_names:
        try:
            sheet = book.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_arrow()
        except fastexcel.FastExcelError as exc:
            raise fail("file_unreadable", shown, detail=reader_detail(exc)) from None
        cols = [c.to_pylist() for c in sheet.columns]
        out[name] = [list(r) for r in zip(*cols, strict=True)] if cols else []
    return out


def _export_rows(path: Path, shown: str, suffix: str) -> tuple[list, list[list]]:
    memory.precheck(path, shown, suffix)
    try:
        rows = read_csv_rows(path, shown) if suffix == ".csv" else _excel_rows(path, shown)
    except (zipfile.BadZipFile, zlib.error, EOFError):
        raise fail("file_unreadable", shown, detail=fs.DAMAGED) from None
    if not rows:
        raise fail("file_empty", shown)
    return rows[0], rows[1:]


def _excel_rows(path: Path, shown: str) -> list[list]:
    import fastexcel

    from surveytool.ingest.readers import open_book, reader_detail

    book = open_book(path, shown)
    try:
        sheet = book.load_sheet(
            book.sheet_names[0], header_row=None, skip_rows=0, dtypes="string"
        ).to_arrow()
    except fastexcel.FastExcelError as exc:
        raise fail("file_unreadable", shown, detail=reader_detail(exc)) from None
    cols = [c.to_pylist() for c in sheet.columns]
    return [list(r) for r in zip(*cols, strict=True)] if cols else []
