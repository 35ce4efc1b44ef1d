"""``surveytool map``: propose how a platform export's questions map to a bank."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from surveytool.bank.model import Bank
from surveytool.errors import UsageError, problem
from surveytool.ingest import files as fs
from surveytool.ingest import memory, platforms
from surveytool.ingest.csvio import read_csv_rows
from surveytool.ingest.platforms.mapping import STATUS, match_export, write_mapping
from surveytool.ingest.table import FileRejectedError, fail

SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls")


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


def propose(path: Path, bank: Bank, source: str, out: Path) -> tuple[list[tuple], Path]:
    """(rows shown to the user: header, bank question, confidence, status; the YAML file).
    Raises UsageError (ours) for a file that cannot be read."""
    from surveytool.ingest.sandbox import read_rows

    if not path.is_file():
        raise UsageError(problem("file_not_found", path=str(path)))
    try:
        header, rows = read_rows(path)
    except FileRejectedError as exc:
        raise UsageError(exc.problems) from None
    platform = platforms.detect(header) if source == "auto" else source
    if platform is None:
        raise UsageError(
            problem("not_a_platform_export", file=fs.display_name(path.name), kind="文件")
        )
    export = platforms.parse(platform, header, rows, 2, "")
    maps = platforms.kobo_maps(bank, export) if platform == "kobo" else match_export(bank, export)
    shown = [(m.pq.header, m.qid, float(np.round(m.confidence, 2)), STATUS[m.status]) for m in maps]
    return shown, write_mapping(maps, export, bank, fs.display_name(path.name), out)
