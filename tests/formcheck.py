"""Reading an exported form back with openpyxl, independently of surveytool's own reader."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

_RANGE = re.compile(r"^=?'?(?P<sheet>[^'!]+)'?!\$?(?P<rng>[A-Z]+\$?\d+:\$?[A-Z]+\$?\d+)$")


def validation_at(ws: Worksheet, ref: str) -> DataValidation | None:
    """The data validation covering cell or column range ``ref`` (first match)."""
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            if ref in rng:
                return dv
    return None


def list_values(wb, formula: str) -> list[str]:
    """The values of a list validation that refers to a range on another sheet."""
    m = _RANGE.match(formula.replace("$", ""))
    assert m, f"list validation is not a range reference: {formula}"
    ws = wb[m["sheet"]]
    min_col, min_row, _max_col, max_row = range_boundaries(m["rng"])
    return [str(ws.cell(r, min_col).value) for r in range(min_row, max_row + 1)]


def load(path: Path):
    return load_workbook(path)
