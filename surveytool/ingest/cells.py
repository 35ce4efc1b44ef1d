"""Cell-level helpers for the readers: restoring values a typed read could not keep, and
finding the answer cells of a respondent form.

fastexcel reads a column with the type of its first rows; a later cell of another type (the
text ``约40`` in a number column, a date, an Excel error) comes back empty, but is listed in
the read's cell errors with its original value. :func:`restore` puts those values back, so
nothing typed by a respondent is silently lost.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import coordinate_to_tuple as _coordinate_to_tuple

from surveytool.bank.model import Bank
from surveytool.errors import Problem, problem
from surveytool.forms.structure import FormStructure
from surveytool.ingest.table import KIND, FileRejectedError

_GOT = re.compile(r"got '(?P<kind>\w+)\((?P<body>.*)\)'$", re.S)
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|.)", re.S)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}
_ERRORS = {
    "NA": "#N/A",
    "Div0": "#DIV/0!",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Name": "#NAME?",
    "Num": "#NUM!",
    "Null": "#NULL!",
    "GettingData": "#GETTING_DATA",
}
_SERIAL = re.compile(r"value: (?P<v>[-\d.eE+]+).*is_1904: (?P<y>true|false)")


def _unescape(body: str) -> str:
    def one(m: re.Match) -> str:
        s = m.group(1)
        if s.startswith("u{"):
            return chr(int(s[2:-1], 16))
        return _SIMPLE.get(s, s)

    return _ESCAPE.sub(one, body)


def original_value(detail: str) -> Any:
    """The cell's original value from a fastexcel cell-error detail (None if unknown)."""
    m = _GOT.search(detail)
    if not m:
        return None
    kind, body = m.group("kind"), m.group("body")
    if kind == "String" and body.startswith('"') and body.endswith('"'):
        return _unescape(body[1:-1])
    if kind == "Error":
        return _ERRORS.get(body, f"#{body}")
    if kind in ("DateTime", "DateTimeIso", "DurationIso"):
        s = _SERIAL.search(body)
        if s:
            epoch = datetime(1904, 1, 1) if s.group("y") == "true" else datetime(1899, 12, 30)
            return epoch + timedelta(days=float(s.group("v")))
        return body
    if kind == "Bool":
        return body == "true"
    if kind in ("Int", "Float"):
        return float(body)
    return body


def restore(frame: pd.DataFrame, errors: list, header_row: int | None) -> pd.DataFrame:
    """Put back the values a typed read dropped (see module docstring); returns the frame."""
    frame = frame.copy()
    for err in errors:
        row, col = err.offset_position
        name = frame.columns[col]
        if frame[name].dtype != object:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        frame.iat[row, col] = original_value(err.detail)
    return frame


@lru_cache(maxsize=65536)
def coordinate_to_tuple(ref: str) -> tuple[int, int]:
    """(row, column) of an Excel reference, remembered: a form's cells repeat in every file."""
    return _coordinate_to_tuple(ref)


def value_at(grid: np.ndarray, first_col: int, ref: str) -> Any:
    """The value at Excel cell ``ref`` of a grid read from row 1 (None outside the grid)."""
    row, col = coordinate_to_tuple(ref)
    r, c = row - 1, col - 1 - first_col
    if 0 <= r < grid.shape[0] and 0 <= c < grid.shape[1]:
        return grid[r, c]
    return None


def _column_a(grid: np.ndarray, first_col: int) -> dict[str, list[int]]:
    """Field id -> the Excel rows where column A holds it."""
    out: dict[str, list[int]] = {}
    if first_col != 0 or grid.shape[1] == 0:
        return out
    for i, v in enumerate(grid[:, 0]):
        if isinstance(v, str) and v.strip():
            out.setdefault(v.strip(), []).append(i + 1)
    return out


def locate_respondent(
    grid: np.ndarray,
    first_col: int,
    bank: Bank,
    structure: FormStructure,
    expected: FormStructure,
    sums: tuple[str, str],
    shown: str,
    sheet: str,
) -> tuple[dict[str, str], list[Problem]]:
    """Field id -> answer cell of a respondent form, with warnings.

    Uses the recorded cells when the form is intact (checksum and column A agree); otherwise
    finds every field by its id in column A. Raises FileRejectedError (via readers) when some
    field cannot be located exactly once.
    """
    where_a = _column_a(grid, first_col)
    stored, expected_sum = sums  # the checksum in the file, and the expected one
    own = expected_sum if structure is expected else structure.checksum
    intact = stored == own == expected_sum
    recorded = {e.field: e.cell for e in structure.entries}
    if intact and all(
        where_a.get(fid) == [coordinate_to_tuple(ref)[0]] for fid, ref in recorded.items()
    ):
        return recorded, []
    why = _why(stored, structure, expected)
    refs: dict[str, str] = {}
    lost: list[str] = []
    answer_col = expected.entries[0].cell.rstrip("0123456789") if expected.entries else "C"
    for f in bank.fields:
        rows = where_a.get(f.id, [])
        if len(rows) == 1:
            refs[f.id] = f"{answer_col}{rows[0]}"
        else:
            lost.append(f"{f.id}（{'缺失' if not rows else f'出现 {len(rows)} 次'}）")
    if lost:
        shown_fields = "、".join(lost[:12]) + (f" 等 {len(lost)} 个" if len(lost) > 12 else "")
        raise FileRejectedError(
            [
                problem(
                    "form_fields_lost",
                    file=shown,
                    sheet=sheet,
                    kind=KIND,
                    bank=bank.id,
                    version=bank.version,
                    why=why,
                    fields=shown_fields,
                )
            ]
        )
    return refs, [problem("form_relocated", file=shown, sheet=sheet, kind=KIND, why=why)]


def _why(stored: str, structure: FormStructure, expected: FormStructure) -> str:
    if structure.bank_version != expected.bank_version:
        return f"问卷是版本 {structure.bank_version}，题库是版本 {expected.bank_version}"
    if stored != structure.checksum:
        return "隐藏的结构信息被改动"
    if structure.checksum != expected.checksum:
        return "题目或选项与题库不同"
    return "问卷中的行被插入、删除或移动过"


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows where every value is missing or only spaces (each distinct value looked at
    once: a 100,000-row column costs a hash pass, not 100,000 calls; a Categorical column
    its categories and codes)."""
    blank = np.ones(len(frame), dtype=bool)
    for name in frame.columns:
        col = frame[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = col.cat.codes.to_numpy()
            spaces = np.array([str(v).strip() == "" for v in col.cat.categories], dtype=bool)
            present = codes >= 0
            if spaces.any():
                present[present] = ~spaces[codes[present]]
            blank &= ~present
            continue
        present = col.notna().to_numpy()
        # text as objects, or as pandas 3's own string dtype (a typed read's text column)
        if (col.dtype == object or pd.api.types.is_string_dtype(col.dtype)) and present.any():
            spaces = [v for v in pd.unique(col[present]) if str(v).strip() == ""]
            if spaces:
                present = present & ~col.isin(spaces).to_numpy()  # to_numpy may be read-only
        blank &= ~present
    return blank
