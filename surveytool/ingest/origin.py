"""Where the rows of a rejects workbook first came from.

The rejects workbook (:mod:`surveytool.ingest.rejects`) names, in its columns 文件 / 工作表 /
行, the file, sheet and row each rejected row was read from. When the user has fixed the
values and ingests the workbook again, those columns say where the accepted answers first
came from; the store keeps that origin, so ``load_answers``, the exports and
``answers_<bank id>`` name the original file rather than the workbook.

A row whose cells there cannot be such a place (the file empty, a number, or not a file type
we read; the sheet empty; the row not a whole number from 1) has no known origin: it is
validated and stored like any other row, as coming from the workbook itself, and a warning
lists it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from surveytool.errors import Problem, problem
from surveytool.ingest import normalise as nz
from surveytool.ingest.files import SUFFIXES, display_name
from surveytool.ingest.table import KIND, Table

ORIGIN_HEADERS = ("文件", "工作表", "行")
MAX_NAME = 255  # longer is no file or sheet name
MAX_ROW = 2**31 - 1
_WHOLE = re.compile(r"^\d+(\.0*)?$")

Origin = tuple[str, str, int | None]


def read_origins(headers: list[Any], column: Callable[[int], np.ndarray]) -> np.ndarray | None:
    """Per row of the body, the (file, sheet, row) its 文件 / 工作表 / 行 cells name, or None
    where they name no place; ``column(j)`` gives the body's column ``j``. Returns None when
    ``headers`` lacks one of those columns (the table is not a rejects workbook)."""
    at: dict[str, int] = {}
    for j, h in enumerate(headers):
        if isinstance(h, str):
            at.setdefault(h.strip(), j)
    if not all(h in at for h in ORIGIN_HEADERS):
        return None
    files, sheets, rows = (column(at[h]) for h in ORIGIN_HEADERS)
    out = np.empty(len(files), dtype=object)
    for k, (f, s, r) in enumerate(zip(files, sheets, rows, strict=True)):
        out[k] = origin(f, s, r)
    return out


def origin(file: Any, sheet: Any, row: Any) -> Origin | None:
    """(file, sheet, row) from three cells of a rejects workbook, or None when they do not
    name a place (see the module docstring); the row is None when blank (a respondent form
    has no row)."""
    name = _file_name(file)
    if name is None or not isinstance(sheet, str) or not sheet.strip():
        return None
    if len(sheet.strip()) > MAX_NAME:
        return None
    if nz.is_blank(row):
        return name, display_name(sheet.strip()), None
    number = _whole(row)
    return None if number is None else (name, display_name(sheet.strip()), number)


def _file_name(value: Any) -> str | None:
    """``value`` as the name of a file ingest reads, or None (blank, a number, too long, or
    without a suffix of :data:`~surveytool.ingest.files.SUFFIXES`)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_NAME or _number(text):
        return None
    if Path(text).suffix.lower() not in SUFFIXES:
        return None
    return display_name(text)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _whole(value: Any) -> int | None:
    """A row number from 1, from text or a number; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _WHOLE.match(value.strip()):
        value = int(value.strip().split(".")[0])
    if isinstance(value, int | np.integer) and 1 <= value <= MAX_ROW:
        return int(value)
    return None


def unknown_warning(t: Table) -> Problem | None:
    """A warning listing the rows of a rejects workbook whose origin is unknown; None when
    every row has one (or ``t`` is no rejects workbook)."""
    if t.corrected_from is None:
        return None
    rows = [int(r) for r, o in zip(t.rows, t.corrected_from, strict=True) if o is None]
    if not rows:
        return None
    shown = "、".join(str(r) for r in rows[:20]) + (" 等" if len(rows) > 20 else "")
    return problem("origin_unknown", file=t.shown, sheet=t.sheet, kind=KIND, rows=shown)
