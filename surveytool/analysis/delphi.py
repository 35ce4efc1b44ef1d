"""Expert consultation (专家调查, Delphi rounds): item statistics, Kendall's W, the authority
coefficient, a consensus rule and the change between rounds.

Per item (importance ratings on the round's :class:`Scale`, 1–5 by default; rules in
``analysis.delphi_rules``): ``n``, ``mean``, ``sd`` (sample, n − 1),
``cv`` = sd / mean (变异系数, smaller = more agreement), ``full_score_ratio`` (满分比: the
share of experts giving the top score), ``rank`` (by mean; ties by full-score ratio, then
CV), ``consensus`` (the rule, e.g. mean ≥ 3.5 and CV ≤ 0.25).

Kendall's coefficient of concordance over the experts who rated every item (listwise, as R's
``irr::kendall``): each expert's ratings are ranked (ties averaged),

    W = 12 S / (m² (n³ − n) − m ΣT),   S = Σ (R_j − m (n + 1) / 2)²,   T = Σ (t³ − t)

with m experts, n items, R_j the rank sum of item j and t the size of each group of ties
within an expert (``w_uncorrected`` leaves ΣT out); χ² = m (n − 1) W with n − 1 degrees of
freedom (Kendall 1948; Siegel & Castellan 1988, §9.4).

Authority (权威系数) in the convention of Chinese Delphi studies: Ca, the basis of judgement,
sums four weights (实践经验 0.5/0.4/0.3, 理论分析 0.3/0.2/0.1, 参考国内外文献 0.1/0.1/0.1,
直观感觉 0.1/0.1/0.1 for 大/中/小); Cs, familiarity, is 1.0/0.8/0.6/0.4/0.2 from 很熟悉 to
很不熟悉; Cr = (Ca + Cs) / 2, means over the experts; Cr ≥ 0.7 is the usual threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from surveytool.analysis.delphi_rules import (
    RAND_COLUMNS,
    ConsensusRule,
    RandRule,
    Rule,
    Scale,
)
from surveytool.forms.delphi import (  # the profile questions of the form
    BASES,
    CA_WEIGHTS,
    FAMILIARITY,
    LEVELS,
    ca_of,
    cs_of,
)

SCALE_MAX = 5
CR_MIN = 0.7
ITEM_COLUMNS = [
    "item",
    "label",
    "n",
    "mean",
    "sd",
    "cv",
    "full_score_ratio",
    "rank",
    "consensus",
]


def authority(experts: pd.DataFrame) -> dict[str, Any]:
    """Mean Ca, Cs and Cr = (Ca + Cs) / 2 of the experts who gave both (``experts`` has
    columns ``ca``, ``cs``); NaN when none did."""
    both = experts.dropna(subset=["ca", "cs"]) if len(experts) else experts
    if both.empty:
        return {"ca": float("nan"), "cs": float("nan"), "cr": float("nan"), "experts": 0}
    ca, cs = float(both["ca"].mean()), float(both["cs"].mean())
    return {"ca": ca, "cs": cs, "cr": (ca + cs) / 2, "experts": len(both)}


def kendall_w(ratings: np.ndarray) -> dict[str, Any]:
    """Kendall's W of a raters × items matrix (NaN: not rated; such raters are left out),
    with the tie correction; see the module docstring. Keys: w, w_uncorrected, chi2, df,
    p_value, raters, items."""
    x = np.asarray(ratings, dtype=float)
    x = x[~np.isnan(x).any(axis=1)] if x.size else x.reshape(0, 0)
    m, n = x.shape if x.ndim == 2 else (0, 0)
    out = {"raters": int(m), "items": int(n), "df": max(int(n) - 1, 0)}
    if m < 2 or n < 2:
        return {**out, "w": None, "w_uncorrected": None, "chi2": None, "p_value": None}
    ranks = np.apply_along_axis(stats.rankdata, 1, x)
    r = ranks.sum(axis=0)
    s = float(((r - m * (n + 1) / 2) ** 2).sum())
    ties = 0.0
    for row in x:
        _, t = np.unique(row, return_counts=True)
        ties += float((t**3 - t).sum())
    base = m**2 * (n**3 - n)
    w_plain = 12 * s / base
    denominator = base - m * ties
    w = 12 * s / denominator if denominator > 0 else None
    chi2 = m * (n - 1) * w if w is not None else None
    p = float(stats.chi2.sf(chi2, n - 1)) if chi2 is not None else None
    return {**out, "w": w, "w_uncorrected": w_plain, "chi2": chi2, "p_value": p}


def describe_ratings(
    values: np.ndarray, top: float = SCALE_MAX
) -> tuple[int, float, float, float, float]:
    """(n, mean, sd, cv, full-score ratio) of one item's ratings (NaN left out)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return 0, float("nan"), float("nan"), float("nan"), float("nan")
    mean = float(v.mean())
    sd = float(v.std(ddof=1)) if n > 1 else float("nan")
    cv = sd / mean if mean else float("nan")
    return n, mean, sd, cv, float((v == top).mean())


def matrix(ratings: pd.DataFrame, items: list[str], column: str = "importance") -> pd.DataFrame:
    """Experts × items of one rating column (NaN where not rated), items in ``items`` order."""
    if ratings.empty:
        return pd.DataFrame(columns=items, dtype=float)
    wide = ratings.pivot_table(index="expert", columns="item", values=column, aggfunc="first")
    return wide.reindex(columns=items).astype(float)


def item_stats(
    ratings: pd.DataFrame,
    items: pd.DataFrame,
    rule: Rule,
    column: str = "importance",
    top: float = SCALE_MAX,
) -> pd.DataFrame:
    """One row per item (columns :data:`ITEM_COLUMNS`; with a :class:`RandRule` also
    :data:`RAND_COLUMNS` before ``consensus``), in the items' order."""
    wide = matrix(ratings, list(items["item"]), column)
    rows = []
    for item, label in zip(items["item"], items["label"], strict=True):
        values = wide[item].to_numpy()
        n, mean, sd, cv, full = describe_ratings(values, top)
        row = {"item": item, "label": label, "n": n, "mean": mean, "sd": sd, "cv": cv}
        row["full_score_ratio"] = full
        rows.append({**row, **rule.judge(values, row)})
    columns = [c for c in ITEM_COLUMNS if c not in ("rank", "consensus")]
    extra = RAND_COLUMNS if isinstance(rule, RandRule) else []
    out = pd.DataFrame(rows, columns=[*columns, *extra, "consensus"])
    order = out.assign(_cv=out["cv"].fillna(np.inf)).sort_values(
        ["mean", "full_score_ratio", "_cv"], ascending=[False, False, True], kind="stable"
    )
    out.loc[order.index, "rank"] = range(1, len(out) + 1)
    out["rank"] = out["rank"].astype(int) if len(out) else out.get("rank")
    return out[[*ITEM_COLUMNS[:-1], *extra, "consensus"]]


def change(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Round-to-round change of the items in both: item, label, mean_previous, mean, change,
    cv_previous, cv, consensus_previous, consensus."""
    merged = current.merge(previous, on="item", suffixes=("", "_previous"))
    merged["change"] = merged["mean"] - merged["mean_previous"]
    cols = ["item", "label", "mean_previous", "mean", "change", "cv_previous", "cv"]
    return merged[[*cols, "consensus_previous", "consensus"]]


@dataclass
class DelphiResult:
    """One round's results (see :func:`analyse_round`)."""

    round: int
    rule: Rule
    items: pd.DataFrame
    kendall: dict[str, Any]
    authority: dict[str, Any]
    experts: int
    feasibility: pd.DataFrame | None = None
    change: pd.DataFrame | None = None
    previous_kendall: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    scale: Scale = field(default_factory=Scale)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: round, rule, experts, items, kendall, authority,
        feasibility, change (NaN as null)."""
        out: dict[str, Any] = {
            "round": self.round,
            "scale": {"low": self.scale.low, "high": self.scale.high},
            "rule": {**self.rule.to_dict(), "text": self.rule.describe()},
            "experts": self.experts,
            "items": _records(self.items),
            "kendall": _clean(self.kendall),
            "authority": _clean(self.authority),
        }
        if self.feasibility is not None:
            out["feasibility"] = _records(self.feasibility)
        if self.change is not None:
            out["change"] = _records(self.change)
            out["previous_kendall"] = _clean(self.previous_kendall or {})
        return out


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in d.items()}


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def analyse_round(
    items: pd.DataFrame,
    experts: pd.DataFrame,
    ratings: pd.DataFrame,
    rnd: int,
    rule: Rule | None = None,
    previous: DelphiResult | None = None,
    scale: Scale | None = None,
) -> DelphiResult:
    """Statistics of round ``rnd`` (frames as ``store.methods.read_delphi`` returns them)
    rated on ``scale`` (1–5 when not given; the default rule follows it) and, with
    ``previous``, the change from the round before."""
    scale = scale or Scale()
    rule = rule or ConsensusRule.for_scale(scale)
    table = item_stats(ratings, items, rule, top=scale.high)
    wide = matrix(ratings, list(items["item"]))
    feas = None
    if "feasibility" in ratings and ratings["feasibility"].notna().any():
        feas = item_stats(ratings, items, rule, column="feasibility", top=scale.high)
    return DelphiResult(
        round=rnd,
        rule=rule,
        items=table,
        kendall=kendall_w(wide.to_numpy()),
        authority=authority(experts),
        experts=len(experts),
        feasibility=feas,
        change=change(previous.items, table) if previous is not None else None,
        previous_kendall=previous.kendall if previous is not None else None,
        scale=scale,
    )


__all__ = [
    "BASES",
    "CA_WEIGHTS",
    "CR_MIN",
    "FAMILIARITY",
    "ITEM_COLUMNS",
    "LEVELS",
    "ConsensusRule",
    "DelphiResult",
    "RandRule",
    "Scale",
    "analyse_round",
    "authority",
    "ca_of",
    "change",
    "cs_of",
    "describe_ratings",
    "item_stats",
    "kendall_w",
]
