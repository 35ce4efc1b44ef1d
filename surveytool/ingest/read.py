"""Reading one returned file as a Table: the cheap checks, then the reader its type needs.
Runs inside the reader worker (see sandbox), which imports it; the ingest run imports it
too, so the two never import each other."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from surveytool.bank.model import Bank
from surveytool.forms.collection import build_collection
from surveytool.forms.respondent import build_respondent
from surveytool.forms.structure import FormStructure
from surveytool.ingest import files as fs
from surveytool.ingest import memory
from surveytool.ingest.options import ReadOptions
from surveytool.ingest.readers import read_csv_file, read_excel_file, read_sav_file
from surveytool.ingest.table import Table, fail


class Expected(dict):
    """layout -> the structure our forms of this bank have, built on first use (it costs a
    workbook build) to recognise edited or outdated forms."""

    def __init__(self, bank: Bank):
        super().__init__()
        self.bank = bank
        self.sums: dict[str, str] = {}

    def __missing__(self, layout: str) -> FormStructure:
        build = build_respondent if layout == "respondent" else build_collection
        self[layout] = build(self.bank)[1]
        return self[layout]

    def checksum(self, layout: str) -> str:
        """The checksum of ``self[layout]``, computed once (0.7 ms each time otherwise)."""
        if layout not in self.sums:
            self.sums[layout] = self[layout].checksum
        return self.sums[layout]


def read_table(
    path: Path,
    bank: Bank,
    expected: dict[str, FormStructure],
    options: ReadOptions | None = None,
    pair: Path | None = None,
) -> Table:
    """Any supported file as a Table. Raises FileRejectedError."""
    options = options or ReadOptions()
    shown = fs.display_name(path.name)
    suffix = path.suffix.lower()
    if suffix not in fs.SUFFIXES:
        raise fail("file_type_unknown", shown, suffix=fs.display_name(suffix) or "（无扩展名）")
    if path.stat().st_size == 0:
        raise fail("file_empty", shown)
    with fs.readable(path) as plain:
        if pair is None:
            return _read(plain, shown, bank, expected, options, None)
        with fs.readable(pair) as plain_pair:
            return _read(plain, shown, bank, expected, options, plain_pair)


def _read(
    path: Path,
    shown: str,
    bank: Bank,
    expected: dict[str, FormStructure],
    options: ReadOptions,
    pair: Path | None,
) -> Table:
    """read_table on a path every reader accepts; ``shown`` is the name in messages."""
    suffix = path.suffix.lower()
    memory.precheck(path, shown, suffix, pair.stat().st_size if pair else 0)
    if suffix == ".sav" or options.source == "sav":
        return read_sav_file(path, shown, bank)
    if suffix == ".csv":
        return read_csv_file(path, shown, bank, options, pair)
    try:
        return read_excel_file(path, shown, bank, expected, options, pair)
    except (zipfile.BadZipFile, zlib.error, EOFError):  # damage the cheap checks did not reach
        raise fail("file_unreadable", shown, detail=fs.DAMAGED) from None
