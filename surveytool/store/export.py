"""Exporting the clean answers: .xlsx (question text above the field ids, with a codebook
sheet), .csv (spreadsheet-safe) or .sav; option labels instead of codes on request.

Respondent text is always written as text: never as a formula or an error value in xlsx,
and in CSV any value a spreadsheet would evaluate (:func:`~surveytool.forms.xlsx.evaluated`:
it begins with = + - @ or a tab/carriage return, or it is an error value such as #N/A or
#DIV/0!) is prefixed with an apostrophe, the usual defence when the CSV is opened in Excel
or WPS. An answer longer than an Excel cell holds (32,767 characters) is not cut silently
in xlsx: its cell holds the beginning and says so, and the whole text is on the sheet
“超长回答”, in numbered parts (see :func:`_xlsx`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from surveytool.atomic import write_atomic
from surveytool.bank.model import Bank
from surveytool.errors import UsageError, os_detail, problem
from surveytool.forms import save_atomic
from surveytool.forms.xlsx import MAX_CELL_TEXT, evaluated, literal_cell

PART = 32_000  # characters per cell of the 超长回答 sheet (Excel holds 32,767)
LONG_SHEET = "超长回答"


def csv_safe(value: object) -> object:
    """Neutralise text that a spreadsheet would evaluate (numbers are left alone)."""
    return "'" + value if evaluated(value) else value  # type: ignore[operator]


def overlong(frame: pd.DataFrame) -> int:
    """How many answers are longer than one Excel cell holds (written to 超长回答)."""
    text = frame.select_dtypes(include=["string", "object"])
    return int(sum((text[c].str.len() > MAX_CELL_TEXT).sum() for c in text.columns))


META_HEADERS = {
    "_response_id": "答卷编号",
    "_wave": "调查轮次",
    "_bank_version": "题库版本",
    "_source": "来源文件",
    "_sheet": "工作表",
    "_row": "行",
    "_corrected_in": "改正文件",
    "_rid": "问卷编号",
    "_unit": "单位代码",
    "_channel": "回收渠道",
}
META_NOTES = {
    "_response_id": "数据库中这份答卷的编号",
    "_wave": "调查轮次",
    "_bank_version": "答卷所用的题库版本",
    "_source": "答卷最初所在的文件（在“未通过的答卷”表中改正后回收的答卷，仍为最初的文件）",
    "_sheet": "答卷在来源文件中的工作表",
    "_row": "答卷在来源文件中的行（每人一份的问卷为空）",
    "_corrected_in": "答卷改正后回收时所在的“未通过的答卷”表（rejects-….xlsx）；未经改正的答卷为空",
    "_rid": "问卷编号（填写人、录入人或问卷平台给出的编号）",
    "_unit": "单位代码",
    "_channel": "回收渠道（excel、csv、sav 或问卷平台）",
}


def codebook(bank: Bank, columns: Iterable[str] = ()) -> list[list[object]]:
    """Rows of the codebook: field, question text, kind, what the column holds, code, code
    label; after the fields, one row for each bookkeeping column among ``columns`` (答卷信息:
    its Chinese heading and what it holds)."""
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
        rows.append([f.id, bank.question(f.question).text, kinds[f.kind], f.label, None, None])
        for o in f.options:
            rows.append([f.id, None, None, None, o.code, o.label])
    for c in columns:
        if c in META_NOTES:
            rows.append([c, META_HEADERS[c], "答卷信息", META_NOTES[c], None, None])
    return rows


def pii_columns(bank: Bank) -> list[str]:
    """Fields of questions marked ``pii: true`` (names, phones, contact, 自编代码…)."""
    return [f.id for f in bank.fields if bank.question(f.question).pii]


def with_labels(frame: pd.DataFrame, bank: Bank) -> pd.DataFrame:
    """``frame`` with the codes of single-choice and scale answers replaced by their option
    labels (multi-choice flags stay 1/0, ranks and numbers stay numbers)."""
    out = frame.copy()
    for f in bank.fields:
        if f.id in out.columns and f.kind in ("single", "likert"):
            names = {o.code: o.label for o in f.options}
            codes = pd.to_numeric(out[f.id].astype(object), errors="coerce")
            out[f.id] = [names.get(int(c)) if c == c else None for c in codes]
    return out


def export_responses(
    frame: pd.DataFrame,
    bank: Bank,
    path: str | Path,
    include_pii: bool = False,
    labels: bool = False,
) -> Path:
    """Write answers (from load_answers) to .xlsx, .csv or .sav; returns the path. Fields of
    questions marked ``pii`` are left out unless ``include_pii``; with ``labels`` (.xlsx and
    .csv), option labels are written instead of codes. An .xlsx has two header rows: the
    question (in Chinese) above the field id."""
    if not include_pii:
        frame = frame.drop(columns=[c for c in pii_columns(bank) if c in frame.columns])
    if labels and Path(path).suffix.lower() != ".sav":  # .sav keeps codes and value labels
        frame = with_labels(frame, bank)
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
    from surveytool.store.sav import SAV_META, write_sav

    write_atomic(out, lambda tmp: write_sav(frame, bank, tmp))
    _codebook_csv(bank, out, [c for c in SAV_META if c in frame.columns])
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
    """One column per field on 答卷 (so the sheet stays a table any tool reads by field id);
    an answer longer than a cell is written whole on 超长回答 in parts of :data:`PART`
    characters (join them in order), its cell on 答卷 holding the beginning and a note."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("答卷")
    ws.freeze_panes = "B3"
    ws.append([literal_cell(ws, _heading(bank, c)) for c in frame.columns])
    ws.append([literal_cell(ws, c) for c in frame.columns])
    columns = list(frame.columns)
    long: list[list[object]] = []
    for values in _cells(frame):
        for j, v in enumerate(values):
            if isinstance(v, str) and len(v) > MAX_CELL_TEXT:
                long.extend(_parts(values, columns, j, v))
                values[j] = v[:PART] + f"……（共 {len(v):,} 个字符，全文见“{LONG_SHEET}”工作表）"
        ws.append([literal_cell(ws, v) for v in values])
    if long:
        ls = wb.create_sheet(LONG_SHEET)
        for row in [["答卷编号", "字段", "第几段", "内容（各段按顺序连接即为全文）"], *long]:
            ls.append([literal_cell(ls, v) for v in row])
    cb = wb.create_sheet("编码说明")
    for row in codebook(bank, frame.columns):
        cb.append([literal_cell(cb, v) for v in row])
    return save_atomic(wb, out)


def _heading(bank: Bank, column: str) -> str:
    """The Chinese heading of an export column: the field's label (question text, with the
    item or option), or the meaning of a bookkeeping column."""
    if column in META_HEADERS:
        return META_HEADERS[column]
    try:
        return bank.field(column).label
    except KeyError:
        return column


def _parts(values: list, columns: list, j: int, text: str) -> list[list[object]]:
    """Rows of 超长回答 for one answer: response id, field, part number, part."""
    rid = values[columns.index("_response_id")] if "_response_id" in columns else None
    return [
        [rid, columns[j], k + 1, text[start : start + PART]]
        for k, start in enumerate(range(0, len(text), PART))
    ]


def _write_csv(path: Path, rows) -> Path:
    """Spreadsheet-safe rows as UTF-8 CSV with a BOM (Excel opens it as UTF-8), atomically."""

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows([csv_safe(v) for v in r] for r in rows)

    return write_atomic(path, write)


def _csv(frame: pd.DataFrame, bank: Bank, out: Path) -> Path:
    _write_csv(out, [list(frame.columns), *_cells(frame)])
    _codebook_csv(bank, out, frame.columns)
    return out


def _codebook_csv(bank: Bank, out: Path, columns: Iterable[str]) -> Path:
    """``<name>-编码说明.csv`` beside an export (``columns``: the export's columns)."""
    return _write_csv(out.with_name(out.stem + "-编码说明.csv"), codebook(bank, columns))
