"""``surveytool map``: propose how a platform export's questions map to a bank."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from surveytool.bank.model import Bank
from surveytool.errors import UsageError, problem
from surveytool.ingest import platforms
from surveytool.ingest.csvio import read_csv_rows
from surveytool.ingest.platforms.mapping import STATUS, match_export, write_mapping


def _header_and_rows(path: Path) -> tuple[list, list[list]]:
    if path.suffix.lower() == ".csv":
        rows = read_csv_rows(path, path.name)
    else:
        import fastexcel

        book = fastexcel.read_excel(path)
        sheet = book.load_sheet(
            book.sheet_names[0], header_row=None, skip_rows=0, dtypes="string"
        ).to_arrow()
        cols = [c.to_pylist() for c in sheet.columns]
        rows = [list(r) for r in zip(*cols, strict=True)] if cols else []
    if not rows:
        raise UsageError(problem("file_empty", file=path.name, kind="文件"))
    return rows[0], rows[1:]


def propose(path: Path, bank: Bank, source: str, out: Path) -> tuple[list[tuple], Path]:
    """(rows shown to the user: header, bank question, confidence, status; the YAML file)."""
    if not path.is_file():
        raise UsageError(problem("file_not_found", path=str(path)))
    header, rows = _header_and_rows(path)
    platform = platforms.detect(header) if source == "auto" else source
    if platform is None:
        raise UsageError(problem("not_a_platform_export", file=path.name, kind="文件"))
    export = platforms.parse(platform, header, rows, 2, "")
    maps = platforms.kobo_maps(bank, export) if platform == "kobo" else match_export(bank, export)
    shown = [(m.pq.header, m.qid, float(np.round(m.confidence, 2)), STATUS[m.status]) for m in maps]
    return shown, write_mapping(maps, export, bank, path.name, out)
