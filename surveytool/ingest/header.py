"""Matching a header row to bank fields: by field id, or by question / item / option text."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from surveytool.bank.model import Bank
from surveytool.errors import Problem, problem
from surveytool.forms.structure import RESPONSE_ID
from surveytool.ingest.normalise import is_blank, label_key
from surveytool.ingest.table import KIND, FileRejectedError, fail

HEADER_SEARCH_ROWS = 10
# Columns of our own rejects file (and common bookkeeping columns): ignored without a warning.
QUIET_COLUMNS = {"文件", "工作表", "行", "问题", "问题原因", "序号"}
RID_NAMES = {label_key(x) for x in (RESPONSE_ID, "问卷编号", "问卷编号（可选）", "答卷编号")}


@dataclass
class Mapping:
    """Frame column -> field id (or a multi question id, or ``_rid``), and field -> letter."""

    columns: dict[str, str] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def names(bank: Bank) -> dict[str, str]:
    """Matching key -> target (field id / multi question id / ``_rid``); ambiguous keys dropped."""
    by_key: dict[str, set[str]] = {}

    def add(text: str, target: str) -> None:
        by_key.setdefault(label_key(text), set()).add(target)

    for f in bank.fields:
        add(f.label, f.id)
        q = bank.question(f.question)
        if q.type in ("single", "number", "text") and f.kind != "other":
            add(q.text, f.id)
    for q in bank.questions:
        if q.type == "multi":
            add(q.text, q.id)
    out = {k: next(iter(v)) for k, v in by_key.items() if len(v) == 1}
    for f in bank.fields:  # ids always win
        out[label_key(f.id)] = f.id
    for q in bank.questions:
        if q.type == "multi":
            out[label_key(q.id)] = q.id
    for key in RID_NAMES:
        out[key] = RESPONSE_ID
    return out


def exact_ids(bank: Bank) -> dict[str, str]:
    """Lower-case id -> field id (and multi question id). Checked before :func:`names`,
    whose keys drop underscores: ``q1_1`` and ``q11`` are two fields, one key there."""
    out = {f.id.lower(): f.id for f in bank.fields}
    out.update({q.id.lower(): q.id for q in bank.questions if q.type == "multi"})
    return out


def _target(cell: object, known: dict[str, str], exact: dict[str, str]) -> str | None:
    if is_blank(cell):
        return None
    text = str(cell).strip()
    return exact.get(text.lower()) or known.get(label_key(text))


def _refuse_repeated_or_missing(
    seen: dict[str, list[str]], bank: Bank | None, shown: str, sheet: str
) -> None:
    """Raise FileRejectedError when a field has several columns, or (``bank`` given: a
    strict layout) when a field of the bank has none."""
    dup = [
        problem(
            "column_duplicated",
            file=shown,
            sheet=sheet,
            kind=KIND,
            field=t,
            name=t,
            columns="、".join(ls),
        )
        for t, ls in seen.items()
        if len(ls) > 1
    ]
    if dup:
        raise FileRejectedError(dup)
    missing = [f.id for f in bank.fields if f.id not in seen] if bank else []
    if missing:
        raise fail("columns_missing", shown, sheet, fields="、".join(missing[:20]), bank=bank.id)


def map_ids(
    headers: list, letters: list[str], bank: Bank, shown: str, sheet: str, *, strict: bool
) -> Mapping:
    """Map header cells to fields; ``strict`` (our collection sheets) requires every field."""
    known, exact = names(bank), exact_ids(bank)
    m = Mapping()
    seen: dict[str, list[str]] = {}
    ignored: list[str] = []
    for name, letter in zip(headers, letters, strict=True):
        target = _target(name, known, exact)
        if target is None:
            if (
                not is_blank(name)
                and str(name).strip() not in QUIET_COLUMNS
                and not str(name).startswith("__UNNAMED__")
            ):
                ignored.append(f"{letter} 列“{str(name).strip()}”")
            continue
        seen.setdefault(target, []).append(letter)
        m.columns[str(name)] = target
        m.refs[target] = letter
    _refuse_repeated_or_missing(seen, bank if strict else None, shown, sheet)
    if ignored:
        m.problems.append(
            problem(
                "columns_ignored",
                file=shown,
                sheet=sheet,
                kind=KIND,
                columns="、".join(ignored[:20]),
            )
        )
    return m


def find(
    grid: np.ndarray, letters: list[str], bank: Bank, shown: str, sheet: str
) -> tuple[int, Mapping]:
    """The header row of a generic table (0-based) and its mapping. Raises FileRejectedError."""
    known, exact = names(bank), exact_ids(bank)
    best, best_score = -1, 0
    for i in range(min(HEADER_SEARCH_ROWS, grid.shape[0])):
        row = grid[i]
        filled = [c for c in row if not is_blank(c)]
        score = sum(_target(c, known, exact) is not None for c in filled)
        if score > best_score and score >= 0.3 * len(filled):
            best, best_score = i, score
    if best < 0:
        example = "、".join(f.id for f in bank.fields[:3])
        raise FileRejectedError(
            [
                problem(
                    "no_header",
                    file=shown,
                    sheet=sheet,
                    kind=KIND,
                    rows=HEADER_SEARCH_ROWS,
                    bank=bank.id,
                    example=example,
                )
            ]
        )
    headers = [grid[best, j] for j in range(grid.shape[1])]
    positional = [str(j) for j in range(grid.shape[1])]
    m = map_ids(headers, letters, bank, shown, sheet, strict=False)
    m.columns = {
        str(j): m.columns[str(h)]
        for j, h in zip(positional, headers, strict=True)
        if str(h) in m.columns
    }
    return best, m


def apply(frame: pd.DataFrame, m: Mapping) -> pd.DataFrame:
    """Keep the mapped columns, renamed to their targets."""
    keep = {c: t for c, t in m.columns.items() if c in frame.columns}
    return frame[list(keep)].rename(columns=keep)
