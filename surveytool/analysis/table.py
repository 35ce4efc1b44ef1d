"""Ad-hoc tables the researcher steers: any question by any other (``surveytool table``).

:func:`crosstable` returns a :class:`CrossTable`: tidy ``cells`` (counts, column and row
percents with Wilson 95% CIs) for a choice, scale or banded-number row, or ``means`` (n,
mean, sd, median, quartiles) for a number or a battery of items, by the groups of a column
question; and ``tests``, the one that fits the two types, reusing the analysis' own tests
(:mod:`compare`): Pearson χ² without continuity correction, or Fisher's exact test with the
odds ratio for a 2×2 table with an expected count under 5, with Cramér's V; for an ordered
answer or a number by groups, Mann-Whitney (rank-biserial r) or Kruskal-Wallis (ε²) with
Dunn's Holm-adjusted pairs — the report's post-hoc rule.

Small groups are protected exactly as in :func:`~surveytool.analysis.run.analyse`: column
groups of 1 to k−1 merged into 其他（合并）, groups under k left out of tests, cells hidden
with complementary suppression (:func:`~surveytool.analysis.run._cells`), the unit never
crossed with an identifying question, group means withheld where one group has 1 to k−1
answers to the item.

With a :class:`~surveytool.analysis.weights.Design`, every share and mean is also estimated
design-based (``w_percent`` / ``w_mean`` with ``se``, ``w_ci_low``, ``w_ci_high``,
``deff``, ``n_eff``; counts stay unweighted), and a choice row is tested with the Rao–Scott
corrected χ² (``svychisq``); a rank test has no accepted weighted form and is left out,
with that reason in ``notes``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import numpy as np
import pandas as pd

from surveytool.analysis import compare, weights
from surveytool.analysis.axes import (
    BATTERY,
    KIND_NAMES,
    MULTI,
    NOMINAL,
    NUMBER,
    ORDINAL,
    Axis,
    axis,
)
from surveytool.analysis.columns import CI_HIGH, CI_LOW, SUPPRESSED, N
from surveytool.analysis.data import Survey
from surveytool.analysis.descriptive import quantiles, wilson
from surveytool.analysis.disclosure import merge_small_groups
from surveytool.analysis.run import _cells, blank_suppressed, never_crossed, records
from surveytool.bank.model import Field, Option
from surveytool.errors import UsageError, problem

ALL = Option(0, "全部")
TEST_COLUMNS = [
    "item",
    "item_label",
    "test",
    "chi2",
    "statistic",
    "df",
    "p_value",
    "effect_size",
    "effect",
    "odds_ratio",
    "n",
    "warning",
    "excluded",
    "pairwise",
    "groups",
    "group_means",
]
MEAN_COLUMNS = ("mean", "sd", "median", "q1", "q3", "w_mean", "se", "w_ci_low", "w_ci_high")
UNWEIGHTED_RANK_NOTE = (
    "加权数据的秩检验（Mann-Whitney、Kruskal-Wallis）没有公认的做法，加权时未做检验；"
    "需要检验时请去掉 --weights，查看不加权的检验结果。"
)


@dataclass
class CrossTable:
    """One ad-hoc table: see the module docstring. ``row``/``column`` are the axes' ids,
    ``row_title``/``column_title`` their question texts; ``n`` the respondents counted."""

    row: str
    row_title: str
    row_kind: str
    column: str | None
    column_title: str
    n: int
    k: int
    cells: pd.DataFrame
    means: pd.DataFrame
    tests: pd.DataFrame
    weighted: bool = False
    where: str | None = None
    notes: list[str] = dataclass_field(default_factory=list)

    @property
    def test(self) -> dict[str, Any]:
        """The table's test (the first, when a multiple choice or battery has one per
        option or item); empty when there is none."""
        return records(self.tests.head(1))[0] if len(self.tests) else {}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the table's test at the top (``test``, ``chi2``, ``df``,
        ``p_value``), every table with hidden figures blanked, and the notes."""
        top = self.test
        return {
            "row": self.row,
            "row_title": self.row_title,
            "column": self.column,
            "column_title": self.column_title,
            "n": self.n,
            "k": self.k,
            "weighted": self.weighted,
            "where": self.where,
            **{key: top.get(key) for key in ("test", "chi2", "df", "p_value", "effect_size")},
            "cells": records(blank_suppressed(self.cells)),
            "means": records(blank_suppressed(self.means)),
            "tests": records(self.tests),
            "notes": self.notes,
        }

    def to_json(self, indent: int | None = 1) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


@dataclass
class _Groups:
    """The column's groups after merging the small ones."""

    field: Field
    values: np.ndarray
    small: set[int]
    kept: np.ndarray

    @property
    def options(self) -> tuple[Option, ...]:
        return self.field.options


def crosstable(
    s: Survey,
    row: str,
    column: str | None = None,
    k: int = 5,
    design: weights.Design | None = None,
    bands: list[float] | None = None,
    where: str | None = None,
) -> CrossTable:
    """The table of ``row`` by ``column`` (or ``row`` alone) over the respondents of ``s``
    (already restricted by ``where``, which is only recorded). ``bands`` cut a number
    into ordered bands (on whichever axis is a number). Raises UsageError for a name not in
    the bank, a text question, a column that cannot define groups, or a forbidden pair."""
    r = axis(s, row, bands if _is_number(s, row) else None)
    c = axis(s, column, bands if _is_number(s, column) else None) if column else None
    if c is not None:
        _check_pair(s, r, c)
    groups = _groups(s, c, k)
    cells, means, tests = _compute(r, groups, k, design)
    notes = _notes(r, groups, design, k)
    return CrossTable(
        row=r.id,
        row_title=r.title,
        row_kind=r.kind,
        column=c.id if c else None,
        column_title=c.title if c else "全部",
        n=s.n,
        k=k,
        cells=cells,
        means=means,
        tests=tests,
        weighted=design is not None,
        where=where,
        notes=notes,
    )


def _is_number(s: Survey, name: str | None) -> bool:
    try:
        return name is not None and s.bank.field(name).kind == "number"
    except KeyError:
        return False


def _check_pair(s: Survey, r: Axis, c: Axis) -> None:
    if r.id == c.id:
        raise UsageError(problem("table_same", name=r.id))
    if c.kind not in (NOMINAL, ORDINAL):
        raise UsageError(problem("table_bad_column", name=c.id, what=KIND_NAMES[c.kind]))
    if frozenset((r.id, c.id)) in never_crossed(s.bank):
        raise UsageError(problem("table_never_crossed", row=r.id, column=c.id))


def _groups(s: Survey, c: Axis | None, k: int) -> _Groups:
    """The column groups as every statistic of ``analyse`` uses them (small ones merged);
    without a column, one group 全部."""
    if c is None:
        f = Field("", "", "single", "全部", options=(ALL,))
        return _Groups(f, np.zeros(s.n), set(), np.ones(1, dtype=bool))
    assert c.values is not None and c.field is not None
    gv, opts = merge_small_groups(c.values, c.options, k)
    small = {o.code for o in opts if (gv == o.code).sum() < k}
    kept = np.array([o.code not in small for o in opts], dtype=bool)
    f = Field(c.id, c.field.question, "single", c.title, options=opts)
    return _Groups(f, gv, small, kept)


def _compute(r: Axis, g: _Groups, k: int, design) -> tuple[pd.DataFrame, ...]:
    cells, means, tests = [], [], []
    if r.kind in (NOMINAL, ORDINAL):
        assert r.field is not None and r.values is not None
        c, t = _categorical(r.field, r.values, r.options, g, k, design, ordinal=r.kind == ORDINAL)
        cells.append(c)
        tests.append(t)
    elif r.kind == MULTI:
        for f, x in r.parts:
            c, t = _categorical(f, x, compare_flag(), g, k, design, ordinal=False)
            c = c[c["row_code"] == 1].assign(row_code=f.option.code, row_label=f.option.label)  # type: ignore[union-attr]
            cells.append(c)
            tests.append({**t, "item": f.id, "item_label": f.option.label})  # type: ignore[union-attr]
    else:
        parts = [(r.field, r.values)] if r.kind == NUMBER else r.parts
        for f, x in parts:
            m, t = _means(f, x, g, k, design)
            means.append(m)
            tests.append({**t, "item": f.id, "item_label": f.label})
    g_tested = len(g.options) > 1
    test_frame = pd.DataFrame([_test_row(t) for t in tests]) if g_tested else pd.DataFrame()
    if test_frame.empty:
        test_frame = pd.DataFrame(columns=TEST_COLUMNS)
    return _concat(cells), _concat(means), test_frame


def compare_flag() -> tuple[Option, ...]:
    """The two rows of one multiple-choice option: 选中 / 未选."""
    return (Option(1, "选中"), Option(0, "未选"))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _categorical(
    f: Field, x: np.ndarray, opts, g: _Groups, k: int, design, ordinal: bool
) -> tuple[pd.DataFrame, dict]:
    table = compare.crosstab_counts(x, g.values, opts, g.options)
    rf = Field(f.id, f.question, "single", f.label, options=opts)
    cells = _cells(rf, g.field, table, opts, g.small, k)
    cells[CI_LOW], cells[CI_HIGH] = wilson(cells[N].to_numpy(), cells["column_total"].to_numpy())
    if len(g.options) == 1:
        cells = cells.drop(columns=["row_percent"])
    if design is not None:
        cells = _weighted_cells(cells, x, opts, g, design)
    if len(g.options) == 1:
        return cells, {}
    keep_codes = [o.code for o, kept in zip(g.options, g.kept, strict=True) if kept]
    if design is not None:
        test = weights.rao_scott(x, g.values, [o.code for o in opts], keep_codes, design)
    elif ordinal:
        test = _rank_test(x, g.values, k)
    else:
        test = compare.table_test(table[:, g.kept])
    return cells, test


def _weighted_cells(cells: pd.DataFrame, x, opts, g: _Groups, design) -> pd.DataFrame:
    """Design-based column shares (percent) of each cell, with SE, CI, deff and n_eff."""
    est = {}
    codes = [o.code for o in opts]
    for o in g.options:
        for code, e in zip(
            codes, weights.shares(x, codes, design, g.values == o.code), strict=True
        ):
            est[(code, o.code)] = e
    keys = zip(cells["row_code"], cells["column_code"], strict=True)
    found = [est.get((int(a), int(b)), {}) for a, b in keys]
    cells["w_percent"] = [100 * e.get("estimate", np.nan) for e in found]
    cells["se"] = [100 * e.get("se", np.nan) for e in found]
    cells["w_ci_low"] = [100 * e.get("ci_low", np.nan) for e in found]
    cells["w_ci_high"] = [100 * e.get("ci_high", np.nan) for e in found]
    cells["deff"] = [e.get("deff", np.nan) for e in found]
    cells["n_eff"] = [e.get("n_eff", np.nan) for e in found]
    cells["w_population"] = [e.get("population", np.nan) for e in found]
    return cells


def _means(f: Field, x: np.ndarray, g: _Groups, k: int, design) -> tuple[pd.DataFrame, dict]:
    rows = []
    groups = [(ALL, np.ones(len(x), dtype=bool))] if len(g.options) > 1 else []
    groups += [(o, g.values == o.code) for o in g.options]
    for o, mask in groups:
        v = x[mask & ~np.isnan(x)]
        row: dict[str, object] = {
            "item": f.id,
            "item_label": f.label,
            "column_code": o.code if o is not ALL or len(g.options) == 1 else None,
            "column_label": o.label,
            N: len(v),
            "mean": float(v.mean()) if len(v) else np.nan,
            "sd": float(v.std(ddof=1)) if len(v) > 1 else np.nan,
        }
        q1, med, q3 = quantiles(v, [0.25, 0.5, 0.75]) if len(v) else (np.nan,) * 3
        row.update(median=med, q1=q1, q3=q3)
        if design is not None:
            e = weights.mean(x, design, mask)
            row.update(
                w_mean=e["estimate"],
                se=e["se"],
                w_ci_low=e["ci_low"],
                w_ci_high=e["ci_high"],
                deff=e["deff"],
                n_eff=e["n_eff"],
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    out[SUPPRESSED] = out[N] < k
    grouped = out["column_code"].notna() & (len(g.options) > 1)
    small = bool(((out[N] > 0) & (out[N] < k) & grouped).any())
    for col in MEAN_COLUMNS:  # the others' means and the overall one give the small group's
        if col in out:
            out[f"{col}_{SUPPRESSED}"] = grouped & small
    if len(g.options) == 1 or design is not None:
        return out, {}
    return out, _rank_test(x, g.values, k)


def _rank_test(x: np.ndarray, gv: np.ndarray, k: int) -> dict:
    """:func:`compare.group_test` with each tested group's mean (as ``analyse`` keeps them,
    for the report's post-hoc sentence)."""
    res = compare.group_test(x, gv, k)
    res["group_means"] = {int(c): float(np.nanmean(x[gv == c])) for c in res["groups"]}  # type: ignore[union-attr]
    return res


def _test_row(t: dict) -> dict:
    """One row of ``tests`` from a test of :mod:`compare` or :mod:`weights`: χ² under
    ``chi2``, a rank test's statistic under ``statistic`` (Kruskal-Wallis' H also under
    ``chi2``, as SPSS labels it), the effect size and its name."""
    out = dict.fromkeys(TEST_COLUMNS)
    out.update({key: t.get(key) for key in TEST_COLUMNS if key in t})
    kind = t.get("test", "")
    if kind in ("chi2", "fisher", "fisher_ffh"):
        out["effect_size"], out["effect"] = t.get("cramers_v"), "cramers_v"
        if kind == "fisher":
            out["odds_ratio"] = t.get("odds_ratio")
    elif kind == "kruskal":
        out["chi2"] = t.get("statistic")
    elif kind == "rao_scott":
        for key in ("F", "ndf", "ddf", "p_chisq", "pearson"):
            out[key] = t.get(key)
    out["excluded"] = list(t.get("excluded") or [])
    out["pairwise"] = list(t.get("pairwise") or [])
    out["groups"] = list(t.get("groups") or [])
    out["group_means"] = dict(t.get("group_means") or {})
    if "mean_ranks" in t:  # what the report's post-hoc rule orders groups by (issue 20)
        out["mean_ranks"] = dict(t.get("mean_ranks") or {})
    out["warning"] = t.get("warning", "")
    return out


def _notes(r: Axis, g: _Groups, design, k: int) -> list[str]:
    """What a reader must know beside the figures, in Chinese."""
    notes = []
    if any(o.code == -1 for o in g.options):
        notes.append(f"人数少于 {k} 人的分组已合并为“其他（合并）”。")
    if g.small:
        notes.append(f"人数少于 {k} 人的分组未纳入检验。")
    if design is not None:
        notes.append(
            f"按各单位人数加权（{int((design.n_h > 0).sum())} 个单位，共 {design.population} 人）；"
            "未加权人数 n 同时列出。"
        )
        if design.absent:
            names = "、".join(f"{name}（{n} 人）" for name, n in design.absent)
            notes.append(
                f"以下单位没有答卷，估计不含这些单位（占各单位总人数的 "
                f"{100 * design.absent_share:.1f}%）：{names}。"
            )
        if r.kind in (ORDINAL, NUMBER, BATTERY) and len(g.options) > 1:
            notes.append(UNWEIGHTED_RANK_NOTE if r.kind != ORDINAL else _ORDINAL_WEIGHTED)
    return notes


_ORDINAL_WEIGHTED = (
    "加权时用 Rao–Scott 校正的卡方检验比较各组的回答分布（不考虑选项的顺序）；"
    "按顺序比较的秩检验没有公认的加权做法，请去掉 --weights 查看。"
)
