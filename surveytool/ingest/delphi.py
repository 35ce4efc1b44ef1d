"""Returned expert consultation forms, and plain rating tables, into the store.

Two layouts are read, from the first sheet of an .xlsx (or a .csv), in the reader worker
with the same checks as every returned workbook (``sandbox.read_rows``):

- the form written by ``surveytool delphi form`` (found by its hidden marker row): the
  profile and the item table;
- a plain table of ratings gathered elsewhere: one row per expert, one column per item id
  (or item text) holding the importance rating, optionally columns for the expert code and
  the profile (专业领域, 工作年限, 熟悉程度, 实践经验, 理论分析, 参考国内外文献, 直观感觉).

Any cell that is not a rating on the round's scale (1–5 unless ``--scale`` says otherwise; the
form records its scale in the marker row) or a known profile answer rejects the file with every
such cell located, so an expert's ratings are never stored in part. An expert code that
looks like a name is replaced (the name is never stored); comments are masked.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from surveytool.errors import Problem, problem
from surveytool.forms.delphi import (
    BASES,
    COMMENT,
    FAMILIARITY,
    FEASIBILITY_PREFIX,
    IMPORTANCE_PREFIX,
    LEVELS,
    MARKER,
    SHEET,
    DelphiItem,
    ca_of,
    cs_of,
)
from surveytool.forms.delphi_scale import Scale
from surveytool.ingest import method_files
from surveytool.ingest.table import FileRejectedError
from surveytool.privacy import half_width, mask
from surveytool.store import methods as sm

KIND = "咨询表"
SUFFIXES = (".xlsx", ".xlsm", ".csv")
CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
EXPERT_COLUMNS = ("专家编号", "专家", "expert", "Expert", "专家代码")
PROFILE_COLUMNS = {
    "专业领域": "area",
    "从事本领域工作年限": "years",
    "工作年限": "years",
    "熟悉程度": "familiarity",
    "对咨询内容的熟悉程度": "familiarity",
    **{b: b for b in BASES},
    **{f"判断依据：{b}": b for b in BASES},
}
Rows = Callable[[Path], tuple[list, list[list]]]
MAX_EXPERTS = 100  # rows of ratings in one table: a Delphi panel is 5–50 experts
FORM_EXTRA_ROWS = 60  # rows of an expert form beyond its items (title, profile, notes)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col + 1)


class _File:
    """One returned file being read: its grid (grid[r - 1] is Excel row r) and problems."""

    def __init__(self, shown: str, grid: list[list], csv: bool, scale: Scale):
        self.shown = shown
        self.scale = scale
        self.grid = grid
        self.sheet = None if csv else SHEET
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []

    def cell(self, r: int, c: int) -> str:
        row = self.grid[r - 1] if 0 < r <= len(self.grid) else []
        value = row[c] if c < len(row) else None
        return "" if value is None else str(value).strip()

    def err(self, code: str, r: int, c: int, **values: object) -> None:
        sheet = self.sheet if self.sheet else None
        self.problems.append(
            problem(
                code, file=self.shown, kind=KIND, sheet=sheet, cell=f"{_letter(c)}{r}", **values
            )
        )

    def rating(self, r: int, c: int) -> float | None:
        raw = self.cell(r, c)
        if not raw:
            return None
        text = half_width(raw).removesuffix("分").strip()
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not self.scale.holds(value):
            s = self.scale
            self.err("delphi_bad_rating", r, c, value=raw, low=s.low, top=s.high, words=s.words)
            return None
        return value

    def choice(self, r: int, c: int, what: str, choices: tuple[str, ...]) -> str | None:
        raw = self.cell(r, c)
        if raw and raw not in choices:
            self.err("delphi_bad_choice", r, c, value=raw, what=what, choices="、".join(choices))
            return None
        return raw or None

    def years(self, r: int, c: int) -> float | None:
        raw = half_width(self.cell(r, c)).removesuffix("年").strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 70:
            self.err("delphi_bad_years", r, c, value=self.cell(r, c))
            return None
        return value

    def code(self, raw: str, r: int) -> str:
        """The expert code as given, or one made up (with a note) when it is blank or looks
        like a name."""
        made = "X" + hashlib.sha1(f"{self.shown}:{r}".encode()).hexdigest()[:6].upper()
        if CODE.match(raw):
            return raw
        note = "delphi_expert_blank" if not raw else "delphi_expert_code"
        self.notes.append(
            problem(note, file=self.shown, kind=KIND, value=mask(raw)[:16], code=made)
        )
        return made


def _profile(f: _File, values: dict[str, tuple[int, int]], record: sm.ExpertRecord) -> None:
    """Fill ``record``'s profile from the cells ``values`` (name -> (row, col))."""
    if "area" in values:
        record.area = mask(f.cell(*values["area"]))[:40] or None
    if "years" in values:
        record.years = f.years(*values["years"])
    if "familiarity" in values:
        record.cs = cs_of(f.choice(*values["familiarity"], "熟悉程度", tuple(FAMILIARITY)))
    bases = {b: f.choice(*values[b], b, LEVELS) for b in BASES if b in values}
    record.ca = ca_of({b: v for b, v in bases.items() if v})


# --- the form ------------------------------------------------------------------------------


def _read_form(
    f: _File, items: dict[str, DelphiItem], rnd: int, marker: int
) -> list[sm.ExpertRecord]:
    found = f.cell(marker, 1)
    if found.isdigit() and int(found) != rnd:
        raise FileRejectedError(
            [problem("delphi_round_mismatch", file=f.shown, kind=KIND, found=found, round=rnd)]
        )
    written = f.cell(marker, 4)
    if written and written != str(f.scale):
        raise FileRejectedError(
            [
                problem(
                    "delphi_scale_mismatch",
                    file=f.shown,
                    kind=KIND,
                    found=written.replace("-", "～"),
                    scale=f.scale.span,
                    option=written,
                )
            ]
        )
    record = sm.ExpertRecord(expert="", sheet=SHEET)
    labels = {"专家编号": "expert", **PROFILE_COLUMNS}
    cells: dict[str, tuple[int, int]] = {}
    top = next(
        (r for r in range(1, len(f.grid) + 1) if f.cell(r, 0) == "编号" and f.cell(r, 1) == "条目"),
        None,
    )
    if top is None:
        raise FileRejectedError([problem("delphi_form_damaged", file=f.shown, kind=KIND)])
    for r in range(marker + 1, top):
        key = labels.get(f.cell(r, 0))
        if key:
            cells[key] = (r, 2)
    expert_at = cells.pop("expert", (marker, 2))
    record.expert = f.code(f.cell(*expert_at) or f.cell(marker, 2), expert_at[0])
    record.row = expert_at[0]
    _profile(f, cells, record)
    header = {}
    for c in range(len(f.grid[top - 1])):
        title = f.cell(top, c)
        for prefix in (IMPORTANCE_PREFIX, FEASIBILITY_PREFIX):
            title = prefix if title.startswith(prefix + "（") else title
        header[title] = c
    for r in range(top + 1, len(f.grid) + 1):
        item = f.cell(r, 0)
        if not item:
            continue
        if item not in items:
            f.err("delphi_unknown_item", r, 0, value=item, ids="、".join(items))
            continue
        importance = f.rating(r, header[IMPORTANCE_PREFIX]) if IMPORTANCE_PREFIX in header else None
        feasible = f.rating(r, header[FEASIBILITY_PREFIX]) if FEASIBILITY_PREFIX in header else None
        comment = f.cell(r, header[COMMENT]) if COMMENT in header else ""
        record.ratings[item] = (importance, feasible, mask(comment)[:500] or None)
    return [record]


# --- a plain table -------------------------------------------------------------------------


def _columns(
    f: _File, items: dict[str, DelphiItem]
) -> tuple[dict[int, str], dict[str, int], int | None]:
    """Item columns (col -> item id), profile columns (name -> col) and the expert column."""
    by_id = {i.lower(): i for i in items}
    by_label = {it.label: it.id for it in items.values()}
    item_cols: dict[int, str] = {}
    profile: dict[str, int] = {}
    expert = None
    for c, raw in enumerate(f.grid[0] if f.grid else []):
        head = "" if raw is None else str(raw).strip()
        if not head:
            continue
        if head.lower() in by_id or head in by_label:
            item_cols[c] = by_id.get(head.lower()) or by_label[head]
        elif head in EXPERT_COLUMNS:
            expert = c
        elif head in PROFILE_COLUMNS:
            profile[PROFILE_COLUMNS[head]] = c
        else:
            f.err("delphi_unknown_column", 1, c, value=head)
    return item_cols, profile, expert


def _read_table(f: _File, items: dict[str, DelphiItem]) -> list[sm.ExpertRecord]:
    item_cols, profile, expert = _columns(f, items)
    if not item_cols:
        example = "、".join(list(items)[:3])
        raise FileRejectedError(
            [problem("delphi_not_form", file=f.shown, kind=KIND, example=example)]
        )
    filled = [
        r for r in range(2, len(f.grid) + 1) if any(v not in (None, "") for v in f.grid[r - 1])
    ]
    if len(filled) > MAX_EXPERTS:  # refused before anything is read of them
        raise FileRejectedError(
            [
                problem(
                    "delphi_too_many_experts",
                    file=f.shown,
                    kind=KIND,
                    count=f"{len(filled):,}",
                    limit=MAX_EXPERTS,
                )
            ]
        )
    out = []
    for r in filled:
        if not any(f.cell(r, c) for c in range(len(f.grid[r - 1]))):
            continue
        record = sm.ExpertRecord(
            expert=f.code(f.cell(r, expert) if expert is not None else "", r), row=r, sheet=f.sheet
        )
        _profile(f, {k: (r, c) for k, c in profile.items()}, record)
        for c, item in item_cols.items():
            record.ratings[item] = (f.rating(r, c), None, None)
        out.append(record)
    counts = Counter(e.expert for e in out)  # linear (a count per code was quadratic)
    for code in sorted(c for c, n in counts.items() if n > 1):
        f.problems.append(
            problem("delphi_expert_twice_in_file", file=f.shown, kind=KIND, code=code)
        )
    return out


def read_ratings(
    path: Path,
    shown: str,
    items: list[DelphiItem],
    rnd: int,
    rows: Rows | None = None,
    scale: Scale | None = None,
) -> tuple[list[sm.ExpertRecord], list[Problem]]:
    """The experts of one returned form or table rated on ``scale`` (1–5 when not given),
    and notes for the user. Raises FileRejectedError (ours) for a file refused by the
    checks (a form written for another scale among them), or with every bad cell."""
    if path.suffix.lower() not in SUFFIXES:
        suffix = path.suffix.lower() or "（无扩展名）"
        raise FileRejectedError([problem("delphi_file_type", file=shown, kind=KIND, suffix=suffix)])
    if rows is None:
        from surveytool.ingest.sandbox import read_rows as rows
    header, data = rows(path)
    f = _File(shown, [header, *data], path.suffix.lower() == ".csv", scale or Scale())
    by_id = {i.id: i for i in items}
    marker = next((r for r in range(1, min(len(f.grid), 6) + 1) if f.cell(r, 0) == MARKER), None)
    if marker and len(f.grid) > len(items) + FORM_EXTRA_ROWS:
        limit = len(items) + FORM_EXTRA_ROWS
        raise FileRejectedError(
            [
                problem(
                    "delphi_too_many_rows",
                    file=shown,
                    kind=KIND,
                    count=f"{len(f.grid):,}",
                    items=len(items),
                    limit=limit,
                )
            ]
        )
    experts = _read_form(f, by_id, rnd, marker) if marker else _read_table(f, by_id)
    if not f.problems and not any(v[0] is not None for e in experts for v in e.ratings.values()):
        f.problems.append(problem("delphi_no_ratings", file=shown, kind=KIND))
    if f.problems:
        raise FileRejectedError(f.problems)
    return experts, f.notes


def ingest_ratings(
    targets: list[str | Path],
    items: list[DelphiItem],
    store_path: str | Path,
    rnd: int,
    scale: Scale | None = None,
) -> method_files.MethodSummary:
    """Ingest returned forms and tables of round ``rnd``, rated on ``scale`` (1–5 when not
    given), into the store; returns what happened to each file (a file never raises: its
    problems are in the summary). The first file of a round records its scale; a later
    ingest of the round on another scale is refused by the CLI (see :func:`check_scale`)."""
    wave = f"第{rnd}轮"
    scale = scale or Scale()

    def write(store, file_id: int, experts: list[sm.ExpertRecord], shown: str) -> dict:
        sm.set_items(store, rnd, [(i.id, i.label, i.key) for i in items])
        sm.set_scale(store, rnd, scale.low, scale.high)
        for e in experts:
            other = sm.expert_file(store, rnd, e.expert)
            if other:
                raise FileRejectedError(
                    [
                        problem(
                            "delphi_expert_twice",
                            file=shown,
                            kind=KIND,
                            code=e.expert,
                            round=rnd,
                            other=other,
                        )
                    ]
                )
            sm.add_expert(store, file_id, rnd, e)
        return {"round": rnd, "experts": [e.expert for e in experts]}

    return method_files.run(
        targets,
        store_path,
        method="delphi",
        scope="",
        wave=wave,
        suffixes=SUFFIXES,
        read=lambda p, shown: read_ratings(p, shown, items, rnd, scale=scale),
        write=write,
        kind=KIND,
    )


__all__ = ["SUFFIXES", "ingest_ratings", "read_ratings"]
