"""One call that runs every analysis of a bank: :func:`analyse` -> :class:`Results`.

Each result is a tidy DataFrame (columns named in :mod:`columns`). Figures describing a
group of fewer than ``k`` respondents (default 5) carry ``suppressed = True`` and have their
numbers blanked in the tables meant for reports (see :func:`Results.to_json`).
"""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from surveytool.analysis import compare, constructs, descriptive, text, weights
from surveytool.analysis.columns import BASE, P_ADJUSTED, PERCENT, SUPPRESSED, N
from surveytool.analysis.data import Survey
from surveytool.analysis.disclosure import (
    hide_small,
    hide_small_2d,
    hide_small_by,
    likert_derived,
    merge_small_groups,
)
from surveytool.analysis.limits import check_k, check_population
from surveytool.analysis.sampling import margin_of_error
from surveytool.analysis.weighted import hide_like, weighted_estimates, weighted_tests
from surveytool.analysis.weights import Design
from surveytool.bank.model import Bank, Field, Option

DEFAULT_K = 5
GROUP_TEST_COLUMNS = [
    "field",
    "kind",
    "by",
    "test",
    "statistic",
    "df",
    "p_value",
    "effect_size",
    "effect",
    "n",
    "groups",
    "excluded",
    "warning",
    "group_means",
    "pairwise",
    "mean_ranks",
]


@dataclass
class Results:
    """All result tables of one analysis run."""

    bank: Bank
    n: int
    by: list[str]
    k: int
    frequencies: pd.DataFrame
    multi: pd.DataFrame
    ranking: pd.DataFrame
    numeric: pd.DataFrame
    likert: pd.DataFrame
    reliability: pd.DataFrame
    reliability_items: pd.DataFrame
    crosstabs: pd.DataFrame
    crosstab_cells: pd.DataFrame
    group_tests: pd.DataFrame
    margin_of_error: pd.DataFrame
    coverage: pd.DataFrame
    open_answers: pd.DataFrame
    open_examples: dict[str, list[str]] = field(default_factory=dict)
    other_texts: dict[str, list[str]] = field(default_factory=dict)
    composites: pd.DataFrame = field(default_factory=pd.DataFrame)
    population: int | None = None  # N of the finite population correction, when given
    # with a design (analyse(design=…)): weighted shares and means, Rao–Scott tests
    weighted: pd.DataFrame = field(default_factory=pd.DataFrame)
    weighted_tests: pd.DataFrame = field(default_factory=pd.DataFrame)
    design: Design | None = None

    TABLES = (
        "frequencies",
        "multi",
        "ranking",
        "numeric",
        "likert",
        "reliability",
        "reliability_items",
        "crosstabs",
        "crosstab_cells",
        "group_tests",
        "margin_of_error",
        "coverage",
        "open_answers",
    )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every table as a list of records (NaN -> null), plus open examples."""
        out: dict[str, Any] = {
            "bank": self.bank.id,
            "version": self.bank.version,
            "n": self.n,
            "by": self.by,
            "k": self.k,
        }
        for name in self.TABLES:
            out[name] = records(blank_suppressed(getattr(self, name)))
        out["open_examples"] = self.open_examples
        if self.design is not None:
            out["weighted"] = records(blank_suppressed(self.weighted))
            out["weighted_tests"] = records(self.weighted_tests)
            out["design"] = design_summary(self.design)
        out["other_texts"] = {k: len(v) for k, v in self.other_texts.items()}
        return out

    def to_json(self, indent: int | None = 1) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)


KEEP_WHEN_SUPPRESSED = {
    "option",
    "code",
    "row_code",
    "column_code",
    "target",
    "population",
    "items",
}


def blank_suppressed(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every number of a suppressed row blanked (codes and targets kept), and
    each column ``X`` blanked where a flag column ``X_suppressed`` is True."""
    flags = [c for c in frame.columns if c.endswith("_" + SUPPRESSED)]
    if frame.empty or (SUPPRESSED not in frame.columns and not flags):
        return frame
    out = frame.copy()
    for flag in flags:
        col = flag.removesuffix("_" + SUPPRESSED)
        mask = out[flag].to_numpy(dtype=bool)
        if col in out.columns and mask.any():
            out[col] = out[col].astype(object)
            out.loc[mask, col] = None
    if SUPPRESSED not in out.columns or not out[SUPPRESSED].any():
        return out
    mask = out[SUPPRESSED].to_numpy(dtype=bool)
    for col in out.columns:
        if col in KEEP_WHEN_SUPPRESSED or col == SUPPRESSED:
            continue
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype(object)
            out.loc[mask, col] = None
    return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts with JSON-safe values (NaN/NA -> None, numpy -> Python)."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if v is None or v is pd.NA:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def group_fields(bank: Bank, by: list[str] | None) -> list[Field]:
    """The fields to break results down by: those named (an empty list: none), else every
    role group/unit field whose question is not marked ``identifying``."""
    if by is not None:
        return [bank.field(b) for b in by]
    fields = bank.role_fields("unit") + bank.role_fields("group")
    return [f for f in fields if f.kind == "single" and not bank.question(f.question).identifying]


def never_crossed(bank: Bank) -> set[frozenset[str]]:
    """Pairs of field ids never cross-tabulated: the unit question with each question marked
    ``identifying`` (单位 × 单位负责人 would name a person)."""
    units = [f.id for f in bank.role_fields("unit") if f.kind == "single"]
    marked = [q.id for q in bank.questions if q.identifying]  # single: field id = question id
    return {frozenset((u, m)) for u in units for m in marked}


def analyse(
    s: Survey,
    by: list[str] | None = None,
    population: int | None = None,
    targets: dict[str, int] | None = None,
    populations: dict[str, int] | None = None,
    k: int = DEFAULT_K,
    design: Design | None = None,
    executor: Executor | None = None,
) -> Results:
    """Run every analysis on ``s``: see the module docstring and each table's function.
    With ``design`` (units as strata, :mod:`weights`), also the weighted estimates and the
    Rao–Scott tests of the crosstabs. With ``executor`` (a process pool), the open answers
    are analysed in one of its processes while the rest is computed here (:func:`_open_later`).
    Raises UsageError for k < 1 or a population smaller than the answers."""
    check_k(k, allow_small=True)
    check_population(population, s.n)
    bank = s.bank
    groups = group_fields(bank, by)
    open_answers = _open_later(executor, s, groups, k)
    single = [f for f in bank.fields if f.kind in ("single", "likert")]
    freq = _concat(descriptive.frequencies(s, f, population) for f in single)
    if not freq.empty:
        freq[SUPPRESSED] = (freq["valid"] < k) | hide_small_by(freq, "field", N, k)
        freq = _hide_dont_know_totals(freq, k)
    questions = bank.questions
    multi = _concat(
        descriptive.multi_response(s, q, population) for q in questions if q.type == "multi"
    )
    if not multi.empty:
        multi[SUPPRESSED] = (multi["valid"] < k) | hide_small_by(multi, "question", N, k)
        multi = _hide_dont_know_totals(multi, k, key="question")
    rank = _concat(descriptive.ranking(s, q) for q in questions if q.type == "rank")
    if not rank.empty:
        rank[SUPPRESSED] = (
            (rank["valid"] < k)
            | hide_small_by(rank, "question", N, k)
            | hide_small_by(rank, "question", "first_n", k)
        )
    numbers = _concat(descriptive.numeric(s, f) for f in bank.fields if f.kind == "number")
    if not numbers.empty:  # the smallest and largest value each describe one person
        numbers["min_suppressed"] = numbers["max_suppressed"] = True
    lik = _concat(descriptive.likert(s, f) for f in bank.fields if f.kind == "likert")
    if not lik.empty and not freq.empty:
        lik = likert_derived(lik, freq, k)
    rel, rel_items = constructs.reliability(s)
    comp = constructs.composites(s)
    cells, tests = _crosstabs(s, groups, k)
    gtests = _group_tests(s, groups, comp, k)
    if not gtests.empty:
        gtests["group_means_suppressed"] = _means_withheld(gtests, lik, freq, cells, k)
        gtests["mean_ranks_suppressed"] = gtests["group_means_suppressed"]
    compare.add_adjusted(tests, gtests)
    others = {q.id: descriptive.other_texts(s, q) for q in questions if q.other}
    open_kw, examples = open_answers()
    res = Results(
        bank=bank,
        n=s.n,
        by=[g.id for g in groups],
        k=k,
        frequencies=freq,
        multi=multi,
        ranking=rank,
        numeric=numbers,
        likert=lik,
        reliability=rel,
        reliability_items=rel_items,
        crosstabs=tests,
        crosstab_cells=cells,
        group_tests=gtests,
        margin_of_error=_moe(s, groups, population, populations, k),
        coverage=_coverage(s, targets, k, populations),
        open_answers=open_kw,
        open_examples=examples,
        other_texts={q: t for q, t in others.items() if t},
        composites=comp,
        population=population,
    )
    if design is not None:
        res.design = design
        res.weighted = hide_like(weighted_estimates(s, design), freq, lik)
        res.weighted_tests = weighted_tests(s, design, _crossed_pairs(s, groups, k))
    return res


def design_summary(d: Design) -> dict[str, Any]:
    """What a reader needs to know of the weighting: the people the answering units hold,
    the units with no answers and their share of all units' people."""
    return {
        "population": d.population,
        "units": int((d.n_h > 0).sum()),
        "absent": [{"unit": u, "population": n} for u, n in d.absent],
        "absent_share": d.absent_share,
        "moe": weights.margin(d),
    }


def _crossed_pairs(s: Survey, groups: list[Field], k: int) -> list[tuple]:
    """The crosstabs :func:`_crosstabs` tests, as (field, by, groups, codes, kept codes)."""
    out = []
    banned = never_crossed(s.bank)
    for g in groups:
        gv, options = breakdown(s, g, k)
        kept = [o.code for o in options if (gv == o.code).sum() >= k]
        for f in nominal_fields(s.bank):
            if f.id == g.id or frozenset((f.id, g.id)) in banned:
                continue
            opts = f.scale_options if f.kind != "flag" else _FLAG
            out.append((f.id, g.id, gv, [o.code for o in opts], kept))
    return out


def _hide_dont_know_totals(frame: pd.DataFrame, k: int, key: str = "field") -> pd.DataFrame:
    """Where a 不清楚-type count is hidden, its total on every row of the question
    (``dont_know_n``) and the non-answers (``missing`` = base − valid − 不清楚, which would give
    it back) are withheld too."""
    if "dont_know" not in frame:
        return frame
    hid = frame["dont_know"].astype(bool) & frame[SUPPRESSED].astype(bool) & (frame[N] > 0)
    small = frame[key].isin(set(frame.loc[hid, key]))
    small |= (frame["dont_know_n"] > 0) & (frame["dont_know_n"] < k)
    frame["dont_know_n_suppressed"] = small.to_numpy()
    frame["missing_suppressed"] = small.to_numpy()
    return frame


def _concat(frames) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _means_withheld(
    gtests: pd.DataFrame, lik: pd.DataFrame, freq: pd.DataFrame, cells: pd.DataFrame, k: int
) -> np.ndarray:
    """Which rows of ``gtests`` may not show their group means: where the item's overall
    mean is withheld (the group means, weighted by group sizes, give it back) — a likert
    item's withheld mean, or a scaled single question whose distribution hides a non-empty
    cell (its overall mean with the shown cells would solve the hidden ones) — and where a
    crosstab by that grouping hides a non-empty cell of a reported group, or a group was left
    out of the test for having fewer than k answers to the item."""
    withheld = set(lik.loc[lik["mean_suppressed"], "field"]) if "mean_suppressed" in lik else set()
    if not freq.empty:
        hid = freq[freq[SUPPRESSED].astype(bool) & (freq[N] > 0)]
        withheld |= set(hid["field"])
    hidden = set()
    if not cells.empty:
        h = cells[cells[SUPPRESSED].astype(bool) & (cells[N] > 0) & (cells["column_total"] >= k)]
        hidden = set(zip(h["row"], h["column"], strict=True))
    # a group left out of a test for having fewer than k answers to the item: the others'
    # means with the item's overall mean and size would give its answers back
    excluded = [bool(x) for x in gtests["excluded"]]
    return np.array(
        [
            f in withheld or (f, by) in hidden or out
            for f, by, out in zip(gtests["field"], gtests["by"], excluded, strict=True)
        ],
        dtype=bool,
    )


def ordinal(bank: Bank, f: Field) -> bool:
    """Whether ``f`` is measured on an ordered scale (likert items, single questions using a
    named scale): such fields get a rank test, never a chi-square."""
    return f.kind == "likert" or (
        f.kind == "single" and bank.question(f.question).scale is not None
    )


def nominal_fields(bank: Bank) -> list[Field]:
    """The fields compared across groups by a chi-square (or Fisher) test: unordered single
    choices and multiple-choice options, not profile or grouping questions (a breakdown of
    who answered is not a finding)."""
    return [
        f
        for f in bank.fields
        if f.kind in ("single", "flag")
        and not ordinal(bank, f)
        and not (f.kind == "flag" and f.option.missing)  # type: ignore[union-attr]
        and not bank.question(f.question).role
        and not bank.question(f.question).pii
    ]


def _crosstabs(s: Survey, groups: list[Field], k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Crosstab cells and one test per nominal field and breakdown; groups under ``k`` are
    left out of the test (their cells are flagged suppressed)."""
    cell_rows, test_rows = [], []
    fields = nominal_fields(s.bank)
    banned = never_crossed(s.bank)
    for g in groups:
        gv, options = breakdown(s, g, k)
        g = replace(g, options=options)
        small = {o.code for o in g.options if (gv == o.code).sum() < k}
        kept = np.array([o.code not in small for o in g.options], dtype=bool)
        for f in fields:
            if f.id == g.id or frozenset((f.id, g.id)) in banned:
                continue
            if f.kind == "flag":  # the question's one base, as its percentages use it
                x = descriptive.flag_values(s, f)
            else:
                x = s.values(f.id).copy()
                x[~s.shown(s.bank.question(f.question))] = np.nan
            opts = f.scale_options if f.kind != "flag" else _FLAG
            table = compare.crosstab_counts(x, gv, opts, g.options)
            test = compare.table_test(table[:, kept])
            test_rows.append({"row": f.id, "column": g.id, "excluded": sorted(small), **test})
            cell_rows.append(_cells(f, g, table, opts, small, k))
    tests = pd.DataFrame(test_rows)
    if tests.empty:
        tests = pd.DataFrame(
            columns=["row", "column", "test", "chi2", "df", "p_value", "cramers_v", P_ADJUSTED]
        )
    return _concat(cell_rows), tests


_FLAG = (Option(1, "选中"), Option(0, "未选"))


def _cells(f: Field, g: Field, table: np.ndarray, opts, small: set[int], k: int) -> pd.DataFrame:
    """The crosstab as tidy cells: counts, column and row percents, suppression flags."""
    col_tot = table.sum(axis=0)
    row_tot = table.sum(axis=1)
    r_codes = [o.code for o in opts]
    c_codes = [o.code for o in g.options]
    ri, ci = np.indices(table.shape)
    ri, ci = ri.ravel(), ci.ravel()
    n = table.ravel()
    small_group = (col_tot < k) | np.isin(np.array(c_codes), list(small))
    hidden = hide_small_2d(table, k, small_group).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        col_pct = np.where(col_tot[ci] > 0, 100 * n / col_tot[ci], np.nan)
        row_pct = np.where(row_tot[ri] > 0, 100 * n / row_tot[ri], np.nan)
    return pd.DataFrame(
        {
            "row": f.id,
            "column": g.id,
            "row_code": np.array(r_codes)[ri],
            "row_label": np.array([o.label for o in opts], dtype=object)[ri],
            "column_code": np.array(c_codes)[ci],
            "column_label": np.array([o.label for o in g.options], dtype=object)[ci],
            N: n,
            "column_total": col_tot[ci],
            "column_percent": col_pct,
            "row_percent": row_pct,
            SUPPRESSED: small_group[ci] | hidden,
        }
    )


def breakdown(s: Survey, g: Field, k: int) -> tuple[np.ndarray, tuple[Option, ...]]:
    """The groups of breakdown ``g`` as every statistic uses them: groups of 1 to k−1 people
    merged into 其他（合并）(see disclosure.merge_small_groups)."""
    return merge_small_groups(s.values(g.id), g.options, k)


def _group_tests(s: Survey, groups: list[Field], comp: pd.DataFrame, k: int) -> pd.DataFrame:
    rows = []
    for g in groups:
        gv, _ = breakdown(s, g, k)
        targets: list[tuple[str, np.ndarray, str]] = []
        for f in s.bank.fields:
            if f.kind == "number" or ordinal(s.bank, f):
                x = s.values(f.id).copy()
                x[~s.shown(s.bank.question(f.question))] = np.nan
                targets.append((f.id, x, "number" if f.kind == "number" else "ordinal"))
        targets += [(name, comp[name].to_numpy(), "construct") for name in comp.columns]
        for name, x, kind in targets:
            res = compare.group_test(x, gv, k)
            means = {int(c): float(np.nanmean(x[gv == c])) for c in res["groups"]}  # type: ignore[union-attr]
            rows.append({"field": name, "kind": kind, "by": g.id, **res, "group_means": means})
    return pd.DataFrame(rows, columns=GROUP_TEST_COLUMNS) if not rows else pd.DataFrame(rows)


def _moe(
    s: Survey,
    groups: list[Field],
    population: int | None,
    populations: dict[str, int] | None,
    k: int,
) -> pd.DataFrame:
    rows = [
        {
            "group": "全部",
            "by": "",
            "code": None,
            N: s.n,
            "moe": margin_of_error(s.n, population),
            "population": population,
            SUPPRESSED: s.n < k,
        }
    ]
    for g in groups:
        gv, options = breakdown(s, g, k)
        for o in options:
            n = int((gv == o.code).sum())
            pop = (populations or {}).get(o.label)
            rows.append(
                {
                    "group": o.label,
                    "by": g.id,
                    "code": o.code,
                    N: n,
                    "moe": margin_of_error(n, pop),
                    "population": pop,
                    SUPPRESSED: n < k,
                }
            )
    return pd.DataFrame(rows)


def _coverage(
    s: Survey, targets: dict[str, int] | None, k: int, populations: dict[str, int] | None = None
) -> pd.DataFrame:
    """Answers per unit: n, the target and n / target (``percent``), and with the campaign's
    populations (people asked) the response rate n / population (``response_rate``, %)."""
    units = s.bank.role_fields("unit")
    if not units:
        return pd.DataFrame(columns=["unit", N, "target", PERCENT])
    u = units[0]
    x = s.values(u.id)
    rows = []
    for o in u.options:
        n = int((x == o.code).sum())
        target = (targets or {}).get(o.label)
        pop = (populations or {}).get(o.label)
        rows.append(
            {
                "unit": o.label,
                "code": o.code,
                N: n,
                "target": target,
                PERCENT: 100 * n / target if target else np.nan,
                "population": pop,
                "response_rate": 100 * n / pop if pop else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out[SUPPRESSED] = hide_small(out[N].to_numpy(), k)  # the total is published: complementary
    return out


def _open_later(
    executor: Executor | None, s: Survey, groups: list[Field], k: int
) -> Callable[[], tuple[pd.DataFrame, dict]]:
    """What gives :func:`_open_answers` when called: computed in ``executor``'s process, handed
    the open answers now (segmenting them needs jieba's dictionaries, about a second of
    loading, spent there while this process computes the rest); or here, when called,
    without an executor or when its process has died (the same function, the same result)."""
    if executor is None or not any(f.kind == "text" for f in s.bank.fields):
        return partial(_open_answers, s, groups, k)
    try:  # pickled here, not by the pool's feeder thread while this one goes on with ``s``
        future = executor.submit(_open_answers_of, pickle.dumps((s, groups, k)))
    except BrokenExecutor:
        return partial(_open_answers, s, groups, k)

    def result() -> tuple[pd.DataFrame, dict]:
        try:
            return future.result()
        except BrokenExecutor:  # its process died (the caller hears of it if it matters)
            return _open_answers(s, groups, k)

    return result


def _open_answers_of(data: bytes) -> tuple[pd.DataFrame, dict]:
    """:func:`_open_answers` of pickled arguments (in a worker process)."""
    return _open_answers(*pickle.loads(data))  # bytes this report pickled


def _open_answers(s: Survey, groups: list[Field], k: int) -> tuple[pd.DataFrame, dict]:
    """Keywords per open question (all, and per group of at least k answers) and masked
    representative answers. Past :data:`text.MAX_TEXTS` answers, a seeded random sample is
    segmented; ``base`` says how many answers were counted, ``answers`` how many there were."""
    rows: list[dict] = []
    examples: dict[str, list[str]] = {}
    for f in s.bank.fields:
        q = s.bank.question(f.question)
        if f.kind != "text" or q.pii or q.role:
            continue
        texts = s.texts(f.id)
        idx = [i for i, t in enumerate(texts) if t]
        if not idx:
            continue
        picked = [idx[j] for j in text.sample_indices(len(idx))]
        sets = text.tokenize_all([texts[i] for i in picked])
        kw = text.count_keywords(sets, texts=[texts[i] for i in picked])
        for r in kw.to_dict(orient="records"):
            rows.append(
                {
                    "field": f.id,
                    "group": "全部",
                    "by": "",
                    **r,
                    BASE: len(picked),
                    "answers": len(idx),
                }
            )
        examples[f.id] = text.representative([texts[i] for i in picked], kw["keyword"].tolist())
        for g in groups:
            everyone, options = breakdown(s, g, k)
            gv = everyone[picked]
            for o in options:
                sub = [t for t, v in zip(sets, gv, strict=True) if v == o.code]
                if len(sub) < k:
                    continue
                for r in text.count_keywords(sub, top=5).to_dict(orient="records"):
                    rows.append(
                        {
                            "field": f.id,
                            "group": o.label,
                            "by": g.id,
                            **r,
                            BASE: len(sub),
                            "answers": int((everyone[idx] == o.code).sum()),
                        }
                    )
    out = pd.DataFrame(rows)
    if not out.empty:
        out[SUPPRESSED] = out[N] < k  # a keyword used by fewer than k people is not reported
    return out, examples
