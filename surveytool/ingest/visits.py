"""Field-visit records (实地察看/随机走访) into the store, read like the notes: one file per
visit, idempotent by sha256, one transaction per file, every text masked before storing.

The file is the form of ``surveytool visit-form`` (found by its hidden marker row), read from
its first sheet in the reader worker with the checks every returned workbook gets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from surveytool.bank.interview import themes
from surveytool.bank.model import Bank
from surveytool.errors import Problem, problem
from surveytool.forms.visit import BASICS, MARKER, PROBLEM_HEADER, SHEET, THEME_HEADER
from surveytool.ingest import method_files
from surveytool.ingest.notes import resolve_theme
from surveytool.ingest.table import FileRejectedError
from surveytool.privacy import half_width, mask
from surveytool.store import methods as sm

KIND = "走访记录"
SUFFIXES = (".xlsx", ".xlsm")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
Rows = Callable[[Path], tuple[list, list[list]]]
MAX_ROWS = 500  # rows of one visit record (the form has ~40; a visit notes dozens of things)


def _cell(grid: list[list], r: int, c: int) -> str:
    row = grid[r - 1] if 0 < r <= len(grid) else []
    value = row[c] if c < len(row) else None
    return "" if value is None else str(value).strip()


def _err(shown: str, code: str, ref: str, **values: object) -> Problem:
    return problem(code, file=shown, kind=KIND, sheet=SHEET, cell=ref, **values)


def _date(raw: str) -> str | None:
    m = _DATE.search(half_width(raw))
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat() if m else None
    except ValueError:
        return None


def _basics(grid: list[list], shown: str, problems: list[Problem]) -> dict[str, str]:
    found = {_cell(grid, r, 0): r for r in range(1, len(grid) + 1) if _cell(grid, r, 0) in BASICS}
    out = {key: _cell(grid, r, 1) for key, r in found.items()}
    for key in ("走访单位", "走访日期"):
        if not out.get(key):
            problems.append(_err(shown, "visit_missing", f"B{found.get(key, 0)}", what=key))
    if out.get("走访日期"):
        day = _date(out["走访日期"])
        if day is None:
            problems.append(
                _err(shown, "visit_bad_date", f"B{found['走访日期']}", value=out["走访日期"])
            )
        out["走访日期"] = day or ""
    return out


def _tables(
    grid: list[list], bank: Bank
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str | None]]]:
    """(theme, observation) rows and (theme, problem, photo) rows, texts masked."""
    found = themes(bank)
    notes: list[tuple[str, str]] = []
    seen: list[tuple[str, str, str | None]] = []
    mode = None
    for r in range(1, len(grid) + 1):
        a, b = _cell(grid, r, 0), _cell(grid, r, 1)
        if (a, b) == THEME_HEADER:
            mode = "notes"
        elif (a, b) == PROBLEM_HEADER[:2]:
            mode = "problems"
        elif mode == "notes" and a and b:
            notes.append((resolve_theme(a, found) or "", mask(b)[:2000]))
        elif mode == "problems" and b:
            theme = resolve_theme(_cell(grid, r, 2), found) or "" if _cell(grid, r, 2) else ""
            photo = _cell(grid, r, 3)[:120] or None
            seen.append((theme, mask(b)[:500], photo))
    return notes, seen


def read_visit(
    path: Path, shown: str, bank: Bank, rows: Rows | None = None
) -> tuple[sm.VisitRecord, list[Problem]]:
    """One visit record as stored (texts masked). Raises FileRejectedError (ours, located)."""
    if path.suffix.lower() not in SUFFIXES:
        suffix = path.suffix.lower() or "（无扩展名）"
        raise FileRejectedError([problem("visit_file_type", file=shown, kind=KIND, suffix=suffix)])
    if rows is None:
        from surveytool.ingest.sandbox import read_rows as rows
    header, data = rows(path)
    grid = [header, *data]
    filled = sum(any(v not in (None, "") for v in row) for row in grid)
    if filled > MAX_ROWS:  # refused before anything is masked (jieba: ~2 ms a row)
        raise FileRejectedError(
            [
                problem(
                    "visit_too_many_rows",
                    file=shown,
                    kind=KIND,
                    count=f"{filled:,}",
                    limit=MAX_ROWS,
                )
            ]
        )
    marker = next((r for r in range(1, min(len(grid), 6) + 1) if _cell(grid, r, 0) == MARKER), None)
    if marker is None:
        raise FileRejectedError([problem("visit_not_form", file=shown, kind=KIND)])
    other = _cell(grid, marker, 1)
    if other and other != bank.id:
        raise FileRejectedError(
            [problem("visit_other_bank", file=shown, kind=KIND, other=other, bank=bank.id)]
        )
    problems: list[Problem] = []
    basics = _basics(grid, shown, problems)
    notes, seen = _tables(grid, bank)
    if not problems and not notes and not seen:
        problems.append(problem("visit_empty", file=shown, kind=KIND))
    if problems:
        raise FileRejectedError(problems)
    record = sm.VisitRecord(
        unit=mask(basics["走访单位"])[:60],
        unit_type=mask(basics.get("单位类型", ""))[:30],
        visited_on=basics["走访日期"],
        looked_at=mask(basics.get("察看内容", ""))[:500] or None,
        notes=notes,
        problems=seen,
    )
    return record, []


def ingest_visits(
    targets: list[str | Path], bank: Bank, store_path: str | Path, wave: str = "首轮"
) -> method_files.MethodSummary:
    """Ingest visit records of ``bank``; returns what happened to each file."""

    def write(store, file_id: int, v: sm.VisitRecord, shown: str) -> dict:
        sm.add_visit(store, file_id, bank.id, wave, v)
        return {"date": v.visited_on, "observations": len(v.notes), "problems": len(v.problems)}

    return method_files.run(
        targets,
        store_path,
        method="visit",
        scope=bank.id,
        wave=wave,
        suffixes=SUFFIXES,
        read=lambda p, shown: read_visit(p, shown, bank),
        write=write,
        kind=KIND,
    )


__all__ = ["SUFFIXES", "ingest_visits", "read_visit"]
