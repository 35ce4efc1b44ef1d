"""The rejects workbook written next to the store: one row per rejected row, with its reasons.

Columns: 文件, 工作表, 行, 问题原因, then one column per bank field id holding the raw value
as it was in the returned file. The header is the field ids, so after fixing the values the
user can ingest this workbook again like any table (the first four columns are not answers).
文件 / 工作表 / 行 say where the row first came from: a row read from a rejects workbook and
rejected again keeps the place that workbook named (:mod:`surveytool.ingest.origin`), so a
row fixed twice still names its very first file; and when this workbook is ingested again,
the accepted answers are stored with that origin. 问题原因 names the place the row was read
from when it was rejected. Every value is written as text: never a formula, never an error
cell.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from surveytool.bank.model import Bank
from surveytool.forms import save_atomic
from surveytool.forms.xlsx import BODY_FONT, literal_cell, text_lines

HEAD = ["文件", "工作表", "行", "问题原因"]


def write_rejects(records: list[dict[str, Any]], bank: Bank, folder: Path) -> Path:
    """Write ``rejects-<time>.xlsx`` in ``folder``; returns its path."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("未通过的答卷")
    ws.freeze_panes = "E2"
    ws.column_dimensions["D"].width = 80
    fields = [f.id for f in bank.fields]
    extra = sorted({k for r in records for k in r["raw"]} - set(fields))
    bold = Font(name=BODY_FONT, bold=True)
    header = []
    for name in [*HEAD, *fields, *extra]:
        cell = literal_cell(ws, name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, r in enumerate(records, start=2):
        # the reasons whole (LibreOffice does not grow rows to fit text written by openpyxl)
        ws.row_dimensions[i].height = max(18.0, 15.0 * text_lines(r["reasons"], 80) + 3)
        row = [
            literal_cell(ws, r["file"]),
            literal_cell(ws, r["sheet"]),
            literal_cell(ws, r["row"]),
            literal_cell(ws, r["reasons"]),
        ]
        row[3].alignment = wrap
        row += [literal_cell(ws, _text(r["raw"].get(k))) for k in [*fields, *extra]]
        ws.append(row)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"rejects-{stamp}.xlsx"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"rejects-{stamp}-{n}.xlsx"
    return save_atomic(wb, path)


def _text(v: Any) -> Any:
    return None if v is None else str(v)
