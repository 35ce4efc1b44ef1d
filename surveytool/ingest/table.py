"""The unit a reader hands to the validator: raw answers of one sheet, with locations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from surveytool.errors import Problem, problem

KIND = "返回表"  # how files are named in messages: 返回表 研究院.xlsx，工作表…


class FileRejectedError(Exception):
    """Raised by a reader when a whole file cannot be used; carries located problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(p.message for p in problems))
        self.problems = problems


def fail(code: str, shown: str, sheet: str | None = None, **values: Any) -> FileRejectedError:
    """A FileRejectedError with one catalogue message about file ``shown``."""
    return FileRejectedError([problem(code, file=shown, sheet=sheet, kind=KIND, **values)])


@dataclass
class Table:
    """Raw answers from one sheet: ``frame`` has one column per field (plus ``_rid``).

    ``rows`` holds the Excel row (or CSV line) of each frame row; ``refs`` maps a field to
    its column letter, or, for a respondent form, to its full cell reference. A column named
    by a multiple-choice *question* id holds that question's picks in one cell (``1,3``).
    ``corrected_from`` (a rejects workbook only) holds, per frame row, the (file, sheet, row)
    its 文件 / 工作表 / 行 columns name — where the row first came from — or None.
    """

    shown: str
    sheet: str
    kind: str
    frame: pd.DataFrame
    rows: np.ndarray
    refs: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    form_version: int | None = None
    channel: str = "excel"
    parts: list[Table] = field(default_factory=list)  # a batch: the tables it combines
    part_of: np.ndarray | None = None  # batch row -> index into parts
    local: np.ndarray | None = None  # batch row -> row within its part
    corrected_from: np.ndarray | None = None  # object array: (file, sheet, row) or None
    collected: np.ndarray | None = None  # object array: ISO date each row was submitted, or None

    def cell(self, fid: str, i: int) -> str | None:
        """The cell reference of field ``fid`` on frame row ``i`` (None if not in the file)."""
        if self.parts:
            assert self.part_of is not None and self.local is not None
            return self.parts[self.part_of[i]].cell(fid, int(self.local[i]))
        ref = self.refs.get(fid)
        if ref is None:
            return None
        return ref if self.kind == "respondent" else f"{ref}{int(self.rows[i])}"

    def origin(self, i: int) -> tuple[str, str, int | None]:
        """(file shown, sheet, Excel row) of frame row ``i``; row is None for a respondent
        form (its answers are on many rows: see the cell of each field)."""
        if self.parts:
            assert self.part_of is not None and self.local is not None
            return self.parts[self.part_of[i]].origin(int(self.local[i]))
        row = None if self.kind == "respondent" else int(self.rows[i])
        return self.shown, self.sheet, row

    def first_origin(self, i: int) -> tuple[str, str, int | None] | None:
        """(file, sheet, row) frame row ``i`` first came from, when this is a rejects
        workbook whose 文件 / 工作表 / 行 columns name it; else None (the row is from here)."""
        if self.parts:
            assert self.part_of is not None and self.local is not None
            return self.parts[self.part_of[i]].first_origin(int(self.local[i]))
        return None if self.corrected_from is None else self.corrected_from[i]

    def first_origins(self, idx: np.ndarray) -> list[tuple[str, str, int | None] | None]:
        """:meth:`first_origin` of frame rows ``idx`` (cheap when there are none)."""
        if self.parts:
            return [self.first_origin(int(i)) for i in idx]
        if self.corrected_from is None:
            return [None] * len(idx)
        return list(self.corrected_from[idx])

    def collected_dates(self, idx: np.ndarray) -> list[str | None]:
        """The ISO date each of frame rows ``idx`` was submitted, where the file says (a
        platform export's submission time, the date only); None elsewhere."""
        if self.parts:
            assert self.part_of is not None and self.local is not None
            return [
                self.parts[self.part_of[i]].collected_dates(np.array([self.local[i]]))[0]
                for i in idx
            ]
        if self.collected is None:
            return [None] * len(idx)
        return list(self.collected[idx])

    def origins(self, idx: np.ndarray) -> tuple[list[str], list[int | None]]:
        """Sheets and Excel rows of frame rows ``idx`` (vectorised :meth:`origin`)."""
        if self.parts:
            got = [self.origin(int(i)) for i in idx]
            return [g[1] for g in got], [g[2] for g in got]
        rows = [None] * len(idx) if self.kind == "respondent" else self.rows[idx].tolist()
        return [self.sheet] * len(idx), rows


def where_text(shown: str, sheet: str, row: int | None) -> str:
    """``文件 a.xlsx 工作表“问卷”第 5 行`` (no row for a respondent form)."""
    text = f"文件 {shown} 工作表“{sheet}”"
    return text if row is None else f"{text}第 {row} 行"


def combine(tables: list[Table]) -> Table:
    """One batch Table over several tables with the same columns (e.g. respondent forms)."""
    columns = tables[0].frame.columns
    # Index.equals, not list(): iterating an Arrow-backed Index is ~6 µs a label
    if all(t.frame.columns.equals(columns) for t in tables):  # cheap: no per-frame blocks
        stacked = np.concatenate([t.frame.to_numpy(dtype=object, na_value=None) for t in tables])
        frame = pd.DataFrame(stacked, columns=list(columns), dtype=object)
    else:
        frame = pd.concat([t.frame for t in tables], ignore_index=True)
    sizes = [len(t.frame) for t in tables]
    part_of = np.repeat(np.arange(len(tables)), sizes)
    local = np.concatenate([np.arange(n) for n in sizes]) if sizes else np.array([], int)
    first = tables[0]
    return Table(
        first.shown,
        first.sheet,
        first.kind,
        frame,
        np.zeros(len(frame), int),
        {},
        parts=tables,
        part_of=part_of,
        local=local,
    )
