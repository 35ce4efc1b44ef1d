"""The design-based tables of one analysis run (``analyze --weights``).

:func:`weighted_estimates` gives, for every single-choice and likert field, each option's
weighted share (percent), and for every number and likert field the weighted mean, each with
``se``, ``ci_low``, ``ci_high``, ``deff``, ``n_eff`` and the unweighted ``n`` (see
:mod:`weights`). :func:`weighted_tests` gives the Rao–Scott corrected χ² of every crosstab
``analyse`` tests. Suppression follows the unweighted tables: a share is hidden where its
count is, a mean where the unweighted one is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from surveytool.analysis import weights
from surveytool.analysis.columns import CI_HIGH, CI_LOW, SUPPRESSED, N
from surveytool.analysis.data import Survey
from surveytool.analysis.weights import Design

ESTIMATE_COLUMNS = [
    "field",
    "option",
    "kind",
    "estimate",
    "se",
    CI_LOW,
    CI_HIGH,
    "deff",
    "n_eff",
    N,
    "population",
]


def _row(fid: str, option, kind: str, e: dict, scale: float) -> dict:
    return {
        "field": fid,
        "option": option,
        "kind": kind,
        "estimate": scale * e["estimate"],
        "se": scale * e["se"],
        CI_LOW: scale * e["ci_low"],
        CI_HIGH: scale * e["ci_high"],
        "deff": e["deff"],
        "n_eff": e["n_eff"],
        N: e["n"],
        "population": e["population"],
    }


def weighted_estimates(s: Survey, design: Design) -> pd.DataFrame:
    """Weighted shares (kind ``percent``, 0-100, of those who answered with a substantive
    option) and means (kind ``mean``); see the module docstring."""
    rows = []
    for f in s.bank.fields:
        if f.kind not in ("single", "likert", "number"):
            continue
        shown = s.shown(s.bank.question(f.question))
        x = s.values(f.id)
        if f.kind in ("single", "likert"):
            codes = [o.code for o in f.scale_options]
            for code, e in zip(codes, weights.shares(x, codes, design, shown), strict=True):
                rows.append(_row(f.id, code, "percent", e, 100.0))
        if f.kind in ("likert", "number"):
            rows.append(_row(f.id, None, "mean", weights.mean(x, design, shown), 1.0))
    for q in s.bank.questions:
        if q.type == "multi":
            rows += _multi_rows(s, q, design)
    return pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)


def _multi_rows(s: Survey, q, design: Design) -> list[dict]:
    """Weighted share of each option among those who picked a substantive option (SPSS
    MULT RESPONSE's base, as descriptive.multi_response): kind ``multi``, field = question."""
    flags = [f for f in s.fields_of(q) if f.kind == "flag"]
    shown = s.shown(q)
    picked = {f.id: (s.values(f.id) == 1) & shown for f in flags}
    real = [f for f in flags if not f.option.missing]  # type: ignore[union-attr]
    if not real:
        return []
    answered = np.column_stack([picked[f.id] for f in real]).any(axis=1)
    return [
        _row(
            q.id, f.option.code, "multi", weights.ratio(picked[f.id] * 1.0, answered, design), 100.0
        )  # type: ignore[union-attr]
        for f in real
    ]


def as_weighted(r):
    """``r`` (a :class:`~surveytool.analysis.run.Results` with a design) with its shares,
    means, margin of error and crosstab tests replaced by the design-based ones, counts
    ``n`` left unweighted: what a report prints when it is weighted. Groups' tests by rank
    stay unweighted (no accepted weighted form); p values are BH-adjusted again."""
    from dataclasses import replace

    from surveytool.analysis import compare

    if r.design is None or r.weighted.empty:
        return r
    w = r.weighted
    pct = w[w["kind"] == "percent"].set_index(["field", "option"])
    multi = w[w["kind"] == "multi"].set_index(["field", "option"])
    means = w[w["kind"] == "mean"].set_index("field")
    freq = _swap(r.frequencies, pct, ["field", "option"])
    mult = _swap(r.multi, multi, ["question", "option"])
    lik = r.likert.copy()
    if not lik.empty:
        lik["mean"] = [
            means["estimate"].get(f, m) for f, m in zip(lik["field"], lik["mean"], strict=True)
        ]
        for col, pick in (("top2_percent", slice(-2, None)), ("bottom2_percent", slice(0, 2))):
            lik[col] = [
                _sum_top(pct, f, pick, v) for f, v in zip(lik["field"], lik[col], strict=True)
            ]
    num = r.numeric.copy()
    if not num.empty:
        num["mean"] = [
            means["estimate"].get(f, m) for f, m in zip(num["field"], num["mean"], strict=True)
        ]
    moe = r.margin_of_error.copy()
    moe.loc[moe.index[0], "moe"] = weights.margin(r.design)
    cross = _rao_scott_tests(r.crosstabs, r.weighted_tests)
    groups = r.group_tests.copy()
    compare.add_adjusted(cross, groups)
    return replace(
        r,
        frequencies=freq,
        multi=mult,
        likert=lik,
        numeric=num,
        margin_of_error=moe,
        crosstabs=cross,
        group_tests=groups,
    )


def _swap(table: pd.DataFrame, est: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``percent``, ``ci_low``, ``ci_high`` of ``table`` from the weighted ``est``."""
    if table.empty or est.empty:
        return table
    out = table.copy()
    idx = list(zip(out[keys[0]], out[keys[1]].astype(int), strict=True))
    for col, src in (("percent", "estimate"), (CI_LOW, CI_LOW), (CI_HIGH, CI_HIGH)):
        lookup = est[src].to_dict()
        out[col] = [
            lookup.get(i, np.nan) if not pd.isna(v) else v
            for i, v in zip(idx, out[col], strict=True)
        ]
    return out


def _sum_top(pct: pd.DataFrame, field: str, pick: slice, default: float) -> float:
    try:
        shares = pct.loc[field, "estimate"].sort_index()
    except KeyError:
        return default
    return float(shares.iloc[pick].sum())


def _rao_scott_tests(cross: pd.DataFrame, wt: pd.DataFrame) -> pd.DataFrame:
    """The crosstab tests with the Rao–Scott test in place of Pearson's (same rows)."""
    if cross.empty or wt.empty:
        return cross.copy()
    out = cross.copy()
    by = {(r["row"], r["column"]): r for r in wt.to_dict(orient="records")}
    found = [by.get(k, {}) for k in zip(out["row"], out["column"], strict=True)]
    out["test"] = [f.get("test") or "" for f in found]
    out["chi2"] = [f.get("chi2", np.nan) for f in found]
    out["df"] = [f.get("df", np.nan) for f in found]
    out["p_value"] = [f.get("p_value", np.nan) for f in found]
    out["warning"] = [f.get("warning", "") for f in found]
    return out


def hide_like(est: pd.DataFrame, freq: pd.DataFrame, lik: pd.DataFrame) -> pd.DataFrame:
    """``suppressed`` on the weighted rows where the unweighted figure is withheld."""
    est = est.copy()
    hidden: set[tuple] = set()
    if not freq.empty:
        hid = freq[freq[SUPPRESSED].astype(bool)]
        hidden |= set(zip(hid["field"], hid["option"], strict=True))
    means = set()
    if not lik.empty and "mean_suppressed" in lik:
        means = set(lik.loc[lik["mean_suppressed"].astype(bool), "field"])
    pct = est["kind"] == "percent"
    keys = zip(est["field"], est["option"], strict=True)
    est[SUPPRESSED] = [
        (p and (f, int(o)) in hidden) or (not p and f in means) or n < 1
        for p, (f, o), n in zip(pct, keys, est[N], strict=True)
    ]
    return est


def weighted_tests(
    s: Survey, design: Design, pairs: list[tuple[str, str, np.ndarray, list, list]]
) -> pd.DataFrame:
    """Rao–Scott tests of the crosstabs ``(row field, by field, group values, row codes,
    kept group codes)``."""
    rows = []
    for fid, by, gv, codes, kept in pairs:
        x = s.values(fid).copy()
        x[~s.shown(s.bank.question(s.bank.field(fid).question))] = np.nan
        res = weights.rao_scott(x, gv, codes, kept, design)
        rows.append({"row": fid, "column": by, **res})
    return pd.DataFrame(rows)


WAVE_COLUMNS = ("w_mean_a", "w_se_a", "w_mean_b", "w_se_b", "w_change", "w_ci_low", "w_ci_high")


def weighted_waves(res: pd.DataFrame, a: Survey, b: Survey, da: Design, db: Design) -> pd.DataFrame:
    """``res`` (:func:`~surveytool.analysis.waves.compare_waves`) with each wave's weighted
    mean (share for a 0/1 field), its SE, and the change with its 95% CI (the two waves as
    independent stratified samples: SE = sqrt(SE_a² + SE_b²)); ``mean_a``, ``mean_b`` and
    ``change`` replaced by the weighted ones (the tests and verdicts stay as computed)."""
    from surveytool.analysis.waves import _values  # the same answers compare_waves compares

    out = res.copy()
    if out.empty:
        return out
    cols: dict[str, list[float]] = {c: [] for c in WAVE_COLUMNS}
    for key, kind in zip(out["field"], out["kind"], strict=True):
        ea = weights.mean(_values(a, key, kind), da)
        eb = weights.mean(_values(b, key, kind), db)
        se = float(np.hypot(ea["se"], eb["se"]))
        change = eb["estimate"] - ea["estimate"]
        z = float(weights.z_value())
        for col, v in zip(
            WAVE_COLUMNS,
            (
                ea["estimate"],
                ea["se"],
                eb["estimate"],
                eb["se"],
                change,
                change - z * se,
                change + z * se,
            ),
            strict=True,
        ):
            cols[col].append(v)
    for col, values in cols.items():
        out[col] = values
    out["mean_a"], out["mean_b"], out["change"] = out["w_mean_a"], out["w_mean_b"], out["w_change"]
    return out
