"""Exporting the clean answers: .xlsx (with a codebook sheet) or .csv (spreadsheet-safe).

Respondent text is always written as text: never as a formula in xlsx, and in CSV any
value beginning with = + - @ or a tab/carriage return is prefixed with an apostrophe, the
usual defence against formula injection when the CSV is opened in Excel or WPS.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from surveytool.atomic import write_atomic
from surveytool.bank.model import Bank
from surveytool.errors import UsageError, os_detail, problem
from surveytool.forms import save_atomic
from surveytool.forms.xlsx import literal_cell

_RISKY = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Neutralise text that a spreadsheet would evaluate (numbers are left alone)."""
    if isinstance(value, str) and value.startswith(_RISKY):
        return "'" + value
    return value


def codebook(bank: Bank) -> list[list[object]]:
    """Rows of the codebook: field, question, kind, label, code, code label."""
    rows: list[list[object]] = [["字段", "题目", "类型", "说明", "代码", "代码含义"]]
    kinds = {
        "single": "单选",
        "likert": "量表",
        "flag": "多选（1=选中，0=未选）",
        "rank": "排序名次",
        "number": "数字",
        "text": "文字",
        "other": "其他（文字）",
    }
    for f in bank.fields:
        rows.append([f.id, f.question, kinds[f.kind], f.label, None, None])
        for o in f.options:
            rows.append([f.id, None, None, None, o.code, o.label])
    return rows


def pii_columns(bank: Bank) -> list[str]:
    """Fields of questions marked ``pii: true`` (names, phones, contact, 自编代码…)."""
    return [f.id for f in bank.fields if bank.question(f.question).pii]


def export_responses(
    frame: pd.DataFrame, bank: Bank, path: str | Path, include_pii: bool = False
) -> Path:
    """Write answers (from load_answers) to .xlsx, .csv or .sav; returns the path. Fields of
    questions marked ``pii`` are left out unless ``include_pii``."""
    if not include_pii:
        frame = frame.drop(columns=[c for c in pii_columns(bank) if c in frame.columns])
    out = Path(path)
    write = {".csv": _csv, ".xlsx": _xlsx, ".sav": _sav}.get(out.suffix.lower())
    if write is None:
        raise UsageError(
            problem("file_type_unknown", file=out.name, kind="文件", suffix=out.suffix)
        )
    try:
        return write(frame, bank, out)
    except OSError as exc:
        raise UsageError(
            problem("output_not_writable", path=str(out), detail=os_detail(exc))
        ) from None


def _sav(frame: pd.DataFrame, bank: Bank, out: Path) -> Path:
    from surveytool.ingest.sav import write_sav

    write_atomic(out, lambda tmp: write_sav(frame, bank, tmp))
    _codebook_csv(bank, out)
    return out


def _cells(frame: pd.DataFrame):
    for row in frame.itertuples(index=False, name=None):
        yield [
            None
            if v is pd.NA or (isinstance(v, float) and v != v)
            else (
                int(v)
                if hasattr(v, "is_integer")
                and not isinstance(v, bool)
                and float(v).is_integer()
                and not isinstance(v, str)
                else v
            )
            for v in row
        ]


def _xlsx(frame: pd.DataFrame, bank: Bank, out: Path) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("答卷")
    ws.append([literal_cell(ws, c) for c in frame.columns])
    for values in _cells(frame):
        ws.append([literal_cell(ws, v) for v in values])
    cb = wb.create_sheet("编码说明")
    for row in codebook(bank):
        cb.append([literal_cell(cb, v) for v in row])
    return save_atomic(wb, out)


def _write_csv(path: Path, rows) -> Path:
    """Spreadsheet-safe rows as UTF-8 CSV with a BOM (Excel opens it as UTF-8), atomically."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([csv_safe(v) for v in r] for r in rows)

    return write_atomic(path, write)


def _csv(frame: pd.DataFrame, bank: Bank, out: Path) -> Path:
    _write_csv(out, [list(frame.columns), *_cells(frame)])
    _codebook_csv(bank, out)
    return out


def _codebook_csv(bank: Bank, out: Path) -> Path:
    """``<name>-编码说明.csv`` beside an export."""
    return _write_csv(out.with_name(out.stem + "-编码说明.csv"), codebook(bank))
