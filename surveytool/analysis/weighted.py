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
    return pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)


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
