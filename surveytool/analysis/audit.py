"""Disclosure audit: can the published figures, taken together, give a withheld count back?

Every table of the analysis JSON (``Results.to_dict()``) that hides cells publishes other
figures about them: the question's total, the shown cells, shares of a part (top-2 %), the
total of picks, the groups' sizes, a crosstab's row and column totals. Each is a linear
equation in the hidden counts. For every hidden count the audit solves two linear programs
(smallest and largest value consistent with all equations of its table, counts ≥ 0) with
scipy's ``linprog``; a hidden count whose range is narrower than k people is a finding.
Tables are audited one by one, with the totals other tables publish about them (the crosstab
with the frequencies' row totals and the groups' sizes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog


@dataclass(frozen=True)
class Finding:
    """A withheld count the published figures pin down to fewer than k values."""

    table: str
    cell: str
    low: float
    high: float

    @property
    def width(self) -> float:
        """How many people the range spans (high − low)."""
        return self.high - self.low


class _System:
    """Unknowns (hidden counts) and the linear equations the published figures give."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.rows: list[tuple[dict[int, float], float]] = []

    def var(self, name: str) -> int:
        self.names.append(name)
        return len(self.names) - 1

    def equal(self, coef: dict[int, float], value: float) -> None:
        if coef:
            self.rows.append((coef, value))

    def ranges(self) -> list[tuple[str, float, float]]:
        """(name, low, high) of every unknown; empty when nothing is hidden."""
        n = len(self.names)
        if not n:
            return []
        a = np.zeros((len(self.rows), n))
        b = np.zeros(len(self.rows))
        for i, (coef, value) in enumerate(self.rows):
            for j, c in coef.items():
                a[i, j] = c
            b[i] = value
        out = []
        for j, name in enumerate(self.names):
            c = np.zeros(n)
            c[j] = 1.0
            bounds = [(0, None)] * n
            eq = {"A_eq": a, "b_eq": b} if len(b) else {}
            low = linprog(c, bounds=bounds, method="highs", **eq)
            high = linprog(-c, bounds=bounds, method="highs", **eq)
            lo = low.fun if low.status == 0 else 0.0
            hi = -high.fun if high.status == 0 else np.inf  # unbounded: nothing pins it
            out.append((name, float(lo), float(hi)))
        return out


def _hidden(row: dict) -> bool:
    return row.get("n") is None


def _one_way(
    table: str, rows: list[dict], total: float | None, extra: list[tuple[set, float]] = ()
) -> list[tuple[str, float, float]]:
    """A set of counts with a published total and, in ``extra``, published partial sums (a
    set of option codes and their count)."""
    system = _System()
    index = {}
    known = 0.0
    for row in rows:
        if _hidden(row):
            index[row["option"]] = system.var(f"{table}:{row['option']}")
        else:
            known += row["n"]
    if total is not None:
        system.equal(dict.fromkeys(index.values(), 1.0), total - known)
    for codes, value in extra:
        shown = sum(r["n"] for r in rows if r["option"] in codes and not _hidden(r))
        system.equal({index[c]: 1.0 for c in codes if c in index}, value - shown)
    return system.ranges()


def _frequencies(d: dict) -> list[tuple[str, float, float]]:
    likert = {row["field"]: row for row in d.get("likert", [])}
    by_field: dict[str, list[dict]] = defaultdict(list)
    for row in d.get("frequencies", []):
        if not row.get("dont_know"):
            by_field[row["field"]].append(row)
    out = []
    for fid, rows in by_field.items():
        if not any(_hidden(r) for r in rows):
            continue
        valid = next((r["valid"] for r in rows if r.get("valid") is not None), None)
        extra = []
        lk = likert.get(fid)
        codes = sorted(r["option"] for r in rows)
        if lk and valid:
            for col, part in (("top2_percent", codes[-2:]), ("bottom2_percent", codes[:2])):
                if lk.get(col) is not None:
                    extra.append((set(part), lk[col] * valid / 100))
        out += _one_way(f"频数 {fid}", rows, valid, extra)
        if lk and lk.get("mean") is not None and valid:
            out += _mean_check(fid, rows, lk["mean"] * valid)
    return out


def _mean_check(fid: str, rows: list[dict], weighted: float) -> list[tuple[str, float, float]]:
    """A published mean with its n: Σ code × count is known too."""
    system = _System()
    known_n = known_sum = 0.0
    index = {}
    for row in rows:
        if _hidden(row):
            index[row["option"]] = system.var(f"均值 {fid}:{row['option']}")
        else:
            known_n += row["n"]
            known_sum += row["n"] * row["option"]
    valid = next(r["valid"] for r in rows if r.get("valid") is not None)
    system.equal(dict.fromkeys(index.values(), 1.0), valid - known_n)
    system.equal({index[c]: float(c) for c in index}, weighted - known_sum)
    return system.ranges()


def _multi(d: dict) -> list[tuple[str, float, float]]:
    by_q: dict[str, list[dict]] = defaultdict(list)
    for row in d.get("multi", []):
        if not row.get("dont_know"):
            by_q[row["question"]].append(row)
    out = []
    for qid, rows in by_q.items():
        if not any(_hidden(r) for r in rows):
            continue
        shown = [r for r in rows if not _hidden(r) and r.get("percent_responses")]
        picks = shown[0]["n"] * 100 / shown[0]["percent_responses"] if shown else None
        out += _one_way(f"多选 {qid}", rows, picks)
    return out


def _coverage(d: dict) -> list[tuple[str, float, float]]:
    rows = [{**r, "option": r.get("code", r.get("unit"))} for r in d.get("coverage", [])]
    return _one_way("回收", rows, d.get("n")) if any(_hidden(r) for r in rows) else []


def _groups(d: dict) -> list[tuple[str, float, float]]:
    by: dict[str, list[dict]] = defaultdict(list)
    for row in d.get("margin_of_error", []):
        if row.get("by"):
            by[row["by"]].append({**row, "option": row.get("code")})
    out = []
    for name, rows in by.items():
        if any(_hidden(r) for r in rows):
            out += _one_way(f"分组人数 {name}", rows, d.get("n"))
    return out


def _line_total(line: list[dict], pct: str, fallback: float | None) -> float | None:
    """A crosstab line's total as the published cells give it: a shown cell's count and its
    share of the line (row_percent / column_percent), else ``fallback``."""
    for c in line:
        if not _hidden(c) and c["n"] and c.get(pct):
            return c["n"] * 100 / c[pct]
    return fallback


def _crosstabs(d: dict) -> list[tuple[str, float, float]]:
    """Each crosstab with the totals its shown cells give away (a count and its row or
    column share), the column totals it publishes, the groups' sizes, and the shown cells."""
    sizes = {(r["by"], r.get("code")): r["n"] for r in d.get("margin_of_error", []) if r["by"]}
    tables: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for c in d.get("crosstab_cells", []):
        tables[(c["row"], c["column"])].append(c)
    out = []
    for (row_field, col_field), cells in tables.items():
        if not any(_hidden(c) for c in cells):
            continue
        system = _System()
        index = {}
        for c in cells:
            if _hidden(c):
                key = (c["row_code"], c["column_code"])
                index[key] = system.var(f"交叉表 {row_field}×{col_field}:{key}")
        for axis, pct in (("row_code", "row_percent"), ("column_code", "column_percent")):
            for value in {c[axis] for c in cells}:
                line = [c for c in cells if c[axis] == value]
                fallback = None
                if axis == "column_code":
                    fallback = next(
                        (c["column_total"] for c in line if c.get("column_total") is not None),
                        sizes.get((col_field, value)),
                    )
                total = _line_total(line, pct, fallback)
                if total is None:
                    continue
                shown = sum(c["n"] for c in line if not _hidden(c))
                coef = {index[(c["row_code"], c["column_code"])]: 1.0 for c in line if _hidden(c)}
                system.equal(coef, total - shown)
        out += system.ranges()
    return out


AUDITS = (_frequencies, _multi, _coverage, _groups, _crosstabs)


def audit(published: dict, k: int | None = None) -> list[Finding]:
    """Every withheld count of ``published`` (an analysis JSON) that the other published
    figures pin down to a range narrower than k people (k from the JSON by default)."""
    k = k if k is not None else int(published.get("k", 5))
    out = []
    for check in AUDITS:
        for name, low, high in check(published):
            if high - low < k:
                table, cell = name.split(":", 1)
                out.append(Finding(table, cell, round(low, 6), round(high, 6)))
    return out


__all__ = ["Finding", "audit"]
