"""Validate and normalise the raw answers of a :class:`Table` against its bank.

Column by column: each *distinct* raw value is parsed once (:mod:`normalise`) and the result
mapped back onto the rows, so a 100,000-row sheet costs little more than a 100-row one.
Then question by question, vectorised over rows: skip logic (an answer to a question that
should have been skipped is reported and set aside), required answers, number of picks,
exclusive options, duplicate ranks, "other" text without the "other" option.

A row with any error is rejected whole; warnings leave it accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from surveytool.bank import expr
from surveytool.bank.describe import answer_rule, describe, number_rule
from surveytool.bank.model import Bank, Field, Question
from surveytool.errors import Problem, problem
from surveytool.ingest import normalise as nz
from surveytool.ingest.table import KIND, Table

NUMERIC_KINDS = ("single", "likert", "flag", "rank", "number")
_SPLIT = re.compile(r"[┋;；|\n]+")  # separators that never occur inside an option label
_SPLIT_COMMA = re.compile(r"([,，])")  # may occur inside a label (工作任务繁重，没有时间)
_SPLIT_SOFT = re.compile(r"[、/\s]+")  # may occur inside labels: used only when every part is one


def split_picks(text: str, matcher: nz.OptionMatcher) -> list[str]:
    """The picks in one multiple-choice cell (``1,3``, ``报销┋会议``, ``报销、会议``).

    Commas split a part unless the pieces they join form an option label (the longest such
    run is kept whole, so ``工作任务繁重，没有时间`` stays one pick); ``、``, ``/`` and spaces split
    a part only when every piece is an option, so a label such as ``项目中期检查、结题验收``
    stays whole."""
    out: list[str] = []
    for part in _SPLIT.split(text.strip()):
        for piece in _comma_runs(part.strip(), matcher):
            if matcher(piece).is_error:
                soft = [x for x in _SPLIT_SOFT.split(piece) if x]
                if len(soft) > 1 and not any(matcher(x).is_error for x in soft):
                    out.extend(soft)
                    continue
            out.append(piece)
    return out


def _comma_runs(part: str, matcher: nz.OptionMatcher) -> list[str]:
    """``part`` cut at commas, rejoining the longest runs of pieces that make an option."""
    if not part:
        return []
    bits = _SPLIT_COMMA.split(part)  # pieces at even positions, the commas between them
    pieces, seps = bits[0::2], bits[1::2]
    out, i = [], 0
    while i < len(pieces):
        j = len(pieces)
        while j > i + 1:  # the longest run from i that is an option label
            joined = "".join(
                p + s for p, s in zip(pieces[i:j], [*seps[i : j - 1], ""], strict=True)
            )
            if not matcher(joined.strip()).is_error:
                break
            j -= 1
        run = "".join(p + s for p, s in zip(pieces[i:j], [*seps[i : j - 1], ""], strict=True))
        if run.strip():
            out.append(run.strip())
        i = j
    return out


@dataclass
class Issue:
    """One problem about a cell (or a question) of one row, before it becomes a message."""

    row: int
    fid: str  # the field whose cell is reported
    code: str
    severity: str
    values: dict[str, Any] = field(default_factory=dict)
    qid: str | None = None  # name the question instead of the field (multi, rank)


@dataclass
class Checked:
    """Clean values of every row, and the problems found, by row."""

    table: Table
    values: dict[str, np.ndarray]  # field id -> float array (NaN = missing) or object array
    issues: list[Issue]
    rejected: np.ndarray  # bool per row
    rid: np.ndarray | None = None

    def problems(self, bank: Bank, i: int, severity: str | None = None) -> list[Problem]:
        """The located Chinese problems of row ``i`` (errors and/or warnings)."""
        return [
            to_problem(self.table, bank, x)
            for x in self.issues
            if x.row == i and (severity is None or x.severity == severity)
        ]


def to_problem(t: Table, bank: Bank, x: Issue) -> Problem:
    """An Issue as a located catalogue message."""
    shown, sheet, _ = t.origin(x.row)
    if not x.fid:  # about the whole row
        return problem(x.code, file=shown, sheet=sheet, kind=KIND, **x.values)
    try:
        if x.qid:
            raise KeyError(x.qid)
        f = bank.field(x.fid)
        label, fid = (f.option.label if f.option else f.label), f.id
    except KeyError:
        q = bank.question(x.qid or x.fid)
        label, fid = q.text, q.id
    return problem(
        x.code,
        file=shown,
        sheet=sheet,
        cell=t.cell(x.fid, x.row),
        field=fid,
        kind=KIND,
        question=label,
        **x.values,
    )


def _parser(bank: Bank, f: Field):
    q = bank.question(f.question)
    if f.kind in ("single", "likert"):
        return nz.OptionMatcher(f.options)
    if f.kind == "flag":
        return nz.parse_flag
    if f.kind in ("rank", "number"):
        rule = answer_rule(q) if f.kind == "rank" else number_rule(f.min, f.max, f.integer, f.unit)
        return lambda raw: nz.parse_number(
            raw, rule=rule, unit=f.unit, integer=f.integer, lo=f.min, hi=f.max
        )
    return nz.parse_text


def _fast_numeric(col: pd.Series, f: Field) -> np.ndarray | None:
    """Validity mask for a float column without a Python loop (None: use the slow path)."""
    if col.dtype.kind not in "fi":
        return None
    x = col.to_numpy(dtype=float)
    missing = np.isnan(x)
    if f.kind in ("single", "likert"):
        ok = np.isin(x, np.array(f.codes, dtype=float))
    elif f.kind == "flag":
        ok = (x == 0) | (x == 1)
    elif f.kind in ("number", "rank"):
        ok = np.ones(len(x), dtype=bool)
        if f.integer:
            ok &= np.floor(x) == x
        if f.min is not None:
            ok &= x >= f.min
        if f.max is not None:
            ok &= x <= f.max
    else:
        return None
    return ok | missing


def parse_column(col: pd.Series, f: Field, parser) -> tuple[np.ndarray, list[Issue]]:
    """Clean values of one field's column, and its cell issues."""
    n = len(col)
    numeric = f.kind in NUMERIC_KINDS
    ok = _fast_numeric(col, f) if numeric else None
    if ok is not None and ok.all():
        return col.to_numpy(dtype=float, copy=True), []
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    out = np.full(n, np.nan) if numeric else np.full(n, None, dtype=object)
    issues: list[Issue] = []
    parsed = [nz.too_long(u) or parser(u) for u in uniques]
    clean = np.array(
        [p.value if p.value is not None else (np.nan if numeric else None) for p in parsed],
        dtype=float if numeric else object,
    )
    has = codes >= 0
    if len(uniques):
        out[has] = clean[codes[has]]
    for k, p in enumerate(parsed):
        if p.code is not None:
            for i in np.flatnonzero(codes == k):
                issues.append(Issue(int(i), f.id, p.code, p.severity or nz.ERROR, dict(p.values)))
    return out, issues


def _expand_multi(
    t: Table, q: Question, bank: Bank, values: dict[str, np.ndarray], issues: list[Issue]
) -> None:
    """A multi question given as one column (``1,3`` / ``报销、会议``) -> its flag fields."""
    col = t.frame[q.id]
    flags = [f for f in bank.fields if f.question == q.id and f.kind == "flag"]
    matcher = nz.OptionMatcher(tuple(f.option for f in flags if f.option))
    for f in flags:
        if f.id not in t.frame.columns:
            values[f.id] = np.full(len(col), np.nan)
    for i, raw in enumerate(col.to_numpy(dtype=object)):
        if nz.is_blank(raw):
            continue
        long = nz.too_long(raw)
        if long is not None:
            issues.append(Issue(i, q.id, long.code or "", nz.ERROR, dict(long.values)))
            continue
        tokens = [raw] if isinstance(raw, int | float) else split_picks(str(raw), matcher)
        for f in flags:
            if f.id not in t.frame.columns:
                values[f.id][i] = 0
        for tok in tokens:
            if nz.is_blank(tok):
                continue
            p = matcher(tok)
            if p.is_error:
                issues.append(Issue(i, q.id, p.code or "", nz.ERROR, dict(p.values)))
            elif f"{q.id}_{p.value}" in values:
                values[f"{q.id}_{p.value}"][i] = 1


def check(t: Table, bank: Bank) -> Checked:
    """Validate every row of ``t``; returns clean values and issues."""
    n = len(t.frame)
    values: dict[str, np.ndarray] = {}
    issues: list[Issue] = []
    for f in bank.fields:
        if f.id in t.frame.columns:
            values[f.id], found = parse_column(t.frame[f.id], f, _parser(bank, f))
            issues.extend(found)
    for q in bank.questions:
        if q.type == "multi" and q.id in t.frame.columns:
            _expand_multi(t, q, bank, values, issues)
    for f in bank.fields:
        if f.id not in values:
            values[f.id] = (
                np.full(n, np.nan) if f.kind in NUMERIC_KINDS else np.full(n, None, dtype=object)
            )
    _row_checks(t, bank, values, issues)
    rejected = np.zeros(n, dtype=bool)
    for x in issues:
        if x.severity == nz.ERROR:
            rejected[x.row] = True
    rid = None
    if "_rid" in t.frame.columns:
        rid = respondent_codes(t.frame["_rid"])
    return Checked(t, values, issues, rejected, rid)


def respondent_codes(col: pd.Series) -> np.ndarray:
    """Respondent codes as text (None when blank); whole numbers written without ``.0``."""
    if isinstance(col.dtype, pd.CategoricalDtype):  # a large table: each category once
        texts = respondent_codes(pd.Series(col.cat.categories, dtype=object))
        codes = col.cat.codes.to_numpy()
        out = texts[codes] if len(texts) else np.full(len(codes), None, dtype=object)
        out[codes < 0] = None
        return out
    if col.dtype.kind == "f":
        text = pd.Series(
            [
                None if v != v else (str(int(v)) if v.is_integer() else str(v))
                for v in col.to_numpy()
            ],
            dtype=object,
        )
    else:
        text = col.astype("string").str.strip()
    out = text.to_numpy(dtype=object, na_value=None)
    out[out == ""] = None
    return out


# --- question-level checks, vectorised over rows ---------------------------------------------


def _answered(q: Question, fields: list[Field], values: dict[str, np.ndarray]) -> np.ndarray:
    mask = np.zeros(len(next(iter(values.values()))), dtype=bool)
    for f in fields:
        v = values[f.id]
        mask |= ~np.isnan(v) if v.dtype == float else np.array([x is not None for x in v])
    return mask


def _row_checks(t: Table, bank: Bank, values: dict[str, np.ndarray], issues: list[Issue]) -> None:
    n = len(t.frame)
    if n == 0:
        return
    empty = _empty_rows(bank, values, n)
    bad_cells: dict[str, np.ndarray] = {}
    for x in issues:
        if x.severity == nz.ERROR:
            bad_cells.setdefault(x.fid, np.zeros(n, dtype=bool))[x.row] = True
    no_errors = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(empty):
        issues.append(Issue(int(i), "", "empty_response", nz.ERROR))
    for s in bank.sections:
        _, sf = expr.evaluate_arrays(s.relevant_tree, values, n)
        for q in s.questions:
            _, qf = expr.evaluate_arrays(q.relevant_tree, values, n)
            skipped = sf | qf
            fields = [f for f in bank.fields if f.question == q.id]
            answered = _answered(q, fields, values)
            _skipped(t, bank, q, s, fields, values, skipped & answered, issues)
            answered &= ~skipped
            if q.required:
                bad = np.logical_or.reduce([bad_cells.get(f.id, no_errors) for f in fields])
                _required(q, fields, values, ~skipped & ~empty & ~bad, answered, issues)
            if q.type == "multi":
                _multi(q, fields, values, answered, issues)
            elif q.type == "rank":
                _rank(q, fields, values, issues)
            if q.other:
                _other(q, fields, values, issues)


def _empty_rows(bank: Bank, values: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Rows without a single answer (reported once, not as one problem per question)."""
    empty = np.ones(n, dtype=bool)
    for f in bank.fields:
        v = values[f.id]
        empty &= np.isnan(v) if v.dtype == float else np.array([x is None for x in v], dtype=bool)
    return empty


def _required(
    q: Question,
    fields: list[Field],
    values: dict[str, np.ndarray],
    asked: np.ndarray,
    answered: np.ndarray,
    issues: list[Issue],
) -> None:
    """Required: every likert item; at least one answer for other types."""
    if q.type == "likert":
        for f in fields:
            for i in np.flatnonzero(asked & np.isnan(values[f.id])):
                issues.append(Issue(int(i), f.id, "required_missing", nz.ERROR))
        return
    qid = q.id if len(fields) > 1 else None
    for i in np.flatnonzero(asked & ~answered):
        issues.append(Issue(int(i), fields[0].id, "required_missing", nz.ERROR, qid=qid))


def _skipped(
    t: Table,
    bank: Bank,
    q: Question,
    s,
    fields: list[Field],
    values: dict[str, np.ndarray],
    rows: np.ndarray,
    issues: list[Issue],
) -> None:
    if not rows.any():
        return
    trees = [x for x in (s.relevant_tree, q.relevant_tree) if x is not None]
    rule = "；".join(describe(bank, x) for x in trees)
    for i in np.flatnonzero(rows):
        shown = []
        for f in fields:
            v = values[f.id][i]
            if v is not None and not (isinstance(v, float) and np.isnan(v)):
                if f.kind in ("flag",) and v == 0:
                    continue
                shown.append(nz.show(t.frame[f.id].iloc[i] if f.id in t.frame.columns else v))
        issues.append(
            Issue(
                int(i),
                fields[0].id,
                "skipped_answered",
                nz.WARNING,
                {"rule": f"仅当{rule}时回答", "value": "、".join(shown) or "有回答"},
                qid=q.id if len(fields) > 1 and q.type != "likert" else None,
            )
        )
    for f in fields:
        if values[f.id].dtype == float:
            values[f.id][rows] = np.nan
        else:
            values[f.id][rows] = None


def _multi(
    q: Question,
    fields: list[Field],
    values: dict[str, np.ndarray],
    answered: np.ndarray,
    issues: list[Issue],
) -> None:
    flags = [f for f in fields if f.kind == "flag"]
    for f in flags:  # an answered question: options left blank were not picked
        v = values[f.id]
        v[answered & np.isnan(v)] = 0
    picks = np.nansum(np.column_stack([values[f.id] for f in flags]), axis=1)
    first = flags[0].id
    if q.max_choices:
        for i in np.flatnonzero(picks > q.max_choices):
            issues.append(
                Issue(
                    int(i),
                    first,
                    "too_many_choices",
                    nz.ERROR,
                    {"count": int(picks[i]), "limit": q.max_choices},
                    qid=q.id,
                )
            )
    if q.min_choices:
        for i in np.flatnonzero(answered & (picks < q.min_choices)):
            issues.append(
                Issue(
                    int(i),
                    first,
                    "too_few_choices",
                    nz.ERROR,
                    {"count": int(picks[i]), "limit": q.min_choices},
                    qid=q.id,
                )
            )
    for code in q.exclusive:
        f = next(x for x in flags if x.option and x.option.code == code)
        for i in np.flatnonzero((values[f.id] == 1) & (picks > 1)):
            issues.append(
                Issue(
                    int(i),
                    f.id,
                    "exclusive_conflict",
                    nz.ERROR,
                    {"label": f.option.label if f.option else code},
                )
            )


def _rank(
    q: Question, fields: list[Field], values: dict[str, np.ndarray], issues: list[Issue]
) -> None:
    m = np.column_stack([values[f.id] for f in fields])
    s = np.sort(m, axis=1)
    dup_rows = np.flatnonzero(np.any((s[:, 1:] == s[:, :-1]) & ~np.isnan(s[:, 1:]), axis=1))
    for i in dup_rows:
        ranks, counts = np.unique(m[i][~np.isnan(m[i])], return_counts=True)
        for r in ranks[counts > 1]:
            names = "、".join(f.id for f, v in zip(fields, m[i], strict=True) if v == r)
            issues.append(
                Issue(
                    int(i),
                    fields[0].id,
                    "rank_duplicate",
                    nz.ERROR,
                    {"rank": int(r), "fields": names},
                    qid=q.id,
                )
            )


def _other(
    q: Question, fields: list[Field], values: dict[str, np.ndarray], issues: list[Issue]
) -> None:
    text = values[f"{q.id}_other"]
    has_text = np.array([v is not None for v in text])
    if q.type == "single":
        picked = values[q.id] == q.other_code
    else:
        picked = values[f"{q.id}_{q.other_code}"] == 1
    for i in np.flatnonzero(has_text & ~picked):
        issues.append(
            Issue(
                int(i),
                f"{q.id}_other",
                "other_without_option",
                nz.WARNING,
                {"value": nz.show(text[i])},
            )
        )
