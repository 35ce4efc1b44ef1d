"""Group comparisons: crosstabs with chi-square / Fisher, rank tests, BH adjustment.

- Crosstab: Pearson chi-square without continuity correction (R ``chisq.test(correct =
  FALSE)``, SPSS "Pearson Chi-Square"), df, p, Cramér's V = sqrt(chi2 / (n (min(r,c) - 1))).
  Rows and columns with no respondents are dropped first. For a 2x2 table with an expected
  count below 5, Fisher's exact test (two-sided) is used instead, its effect size the sample
  odds ratio (Haldane–Anscombe corrected when a cell is 0); for larger tables with
  expected counts below 5, the Fisher–Freeman–Halton exact test by Monte Carlo
  (:func:`freeman_halton`), Cramér's V still the effect size.
- Numbers, likert items and composite scores: Mann-Whitney U for 2 groups (two-sided; exact
  when both groups have fewer than 50 answers and no value is tied, otherwise asymptotic with
  tie and continuity correction — R ``wilcox.test``'s default rule, see
  :func:`rank_test_method`), effect
  size the rank-biserial correlation r = 1 - 2U/(n1 n2); Kruskal-Wallis for 3+ groups
  (tie-corrected H, as R ``kruskal.test``), effect size epsilon-squared H / (n - 1).
- After a Kruskal-Wallis test, Dunn's pairwise z tests on the pooled mean ranks (with the tie
  correction of Dunn 1964; as R ``PMCMR::posthoc.kruskal.dunn.test`` / FSA ``dunnTest``), p values
  Holm-adjusted within the family of one item's pairs. A group is only called higher or lower
  than another where its pair is significant, and in the direction of that pair's mean ranks
  (:func:`ordered_pairs`).
- Groups with fewer than ``k`` respondents are left out of tests (and say so): a test on
  them would describe fewer than k people.
- Benjamini-Hochberg adjusted p values across all tests of one analysis run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from surveytool.analysis import effects
from surveytool.analysis.columns import DF, EFFECT_SIZE, P_ADJUSTED, P_VALUE, STATISTIC, N
from surveytool.bank.model import Field, Option


def crosstab_counts(
    x: np.ndarray, g: np.ndarray, row_options: tuple[Option, ...], group_options: tuple[Option, ...]
) -> np.ndarray:
    """Counts (rows = answer options, columns = groups, in option order); pairs with a
    missing value or a code outside the options are left out."""
    rows = np.array([o.code for o in row_options], dtype=float)
    cols = np.array([o.code for o in group_options], dtype=float)
    ri = _positions(x, rows)
    ci = _positions(g, cols)
    ok = (ri >= 0) & (ci >= 0)
    flat = ri[ok] * len(cols) + ci[ok]
    return np.bincount(flat, minlength=len(rows) * len(cols)).reshape(len(rows), len(cols))


def _positions(x: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Index of each value in ``codes`` (-1 when missing or not a code)."""
    order = np.argsort(codes)
    idx = np.searchsorted(codes[order], x)
    idx = np.clip(idx, 0, len(codes) - 1)
    found = codes[order][idx] == x
    return np.where(found, order[idx], -1)


def table_test(table: np.ndarray) -> dict[str, object]:
    """Chi-square (or Fisher for a sparse 2x2) on a counts table; see the module docstring."""
    t = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = int(t.sum())
    out: dict[str, object] = {
        "test": "",
        "chi2": np.nan,
        DF: np.nan,
        P_VALUE: np.nan,
        "cramers_v": np.nan,
        "min_expected": np.nan,
        "odds_ratio": np.nan,
        "odds_ratio_corrected": False,
        "cramers_v_low": np.nan,
        "cramers_v_high": np.nan,
        "odds_ratio_low": np.nan,
        "odds_ratio_high": np.nan,
        N: n,
        "warning": "",
    }
    if t.shape[0] < 2 or t.shape[1] < 2:
        out["warning"] = "有效类别少于 2 个，无法检验。"
        return out
    chi2, p, dof, expected = stats.chi2_contingency(t, correction=False)
    low, high = effects.cramers_v_ci(float(chi2), int(dof), n, min(t.shape))
    out.update(
        test="chi2",
        chi2=float(chi2),
        **{DF: int(dof), P_VALUE: float(p)},
        cramers_v=float(np.sqrt(chi2 / (n * (min(t.shape) - 1)))),
        cramers_v_low=low,
        cramers_v_high=high,
        min_expected=float(expected.min()),
    )
    if expected.min() < 5:
        if t.shape == (2, 2):
            res = stats.fisher_exact(t, alternative="two-sided")
            out["test"] = "fisher"
            out[P_VALUE] = float(res.pvalue)
            out["odds_ratio"], out["odds_ratio_corrected"] = odds_ratio(t)
            out["odds_ratio_low"], out["odds_ratio_high"] = effects.odds_ratio_ci(t)
            out["warning"] = "有期望频数小于 5 的单元格，采用 Fisher 精确检验。"
        else:
            share = float((expected < 5).mean() * 100)
            out["test"] = "fisher_ffh"
            out[P_VALUE] = freeman_halton(t)
            out["warning"] = (
                f"{share:.0f}% 的单元格期望频数小于 5（最小 {expected.min():.1f}），"
                f"采用 Fisher–Freeman–Halton 精确检验（蒙特卡罗模拟 {FFH_SIMULATIONS} 次）。"
            )
    return out


FFH_SIMULATIONS = 10_000
FFH_SEED = 20


def freeman_halton(t: np.ndarray) -> float:
    """Fisher–Freeman–Halton exact test of an r×c table, its p value by Monte Carlo over
    tables with the same margins (as R ``fisher.test(simulate.p.value = TRUE, B = 10000)``):
    (1 + the simulated tables no more probable than the observed one) / (B + 1). Under fixed
    margins a table's probability falls as Σ log(cell!) rises, so that sum is compared (with
    R's relative tolerance 1e-7). A fixed seed: the same table gives the same p."""
    t = np.asarray(t, dtype=int)
    sims = stats.random_table(t.sum(axis=1), t.sum(axis=0), seed=FFH_SEED).rvs(size=FFH_SIMULATIONS)
    observed = float(special.gammaln(t + 1).sum())
    simulated = special.gammaln(sims + 1).sum(axis=(1, 2))
    extreme = int((simulated >= observed * (1 - 1e-7)).sum())
    return (1 + extreme) / (FFH_SIMULATIONS + 1)


def odds_ratio(t: np.ndarray) -> tuple[float, bool]:
    """The sample odds ratio (a d) / (b c) of a 2x2 table; with a zero cell, where it is 0 or
    infinite, the Haldane–Anscombe estimate (0.5 added to every cell; Haldane 1956, Anscombe
    1956; Agresti 2013, *Categorical Data Analysis*, §3.1). The flag says it was corrected."""
    t = np.asarray(t, dtype=float)
    corrected = bool((t == 0).any())
    if corrected:
        t = t + 0.5
    return float(t[0, 0] * t[1, 1] / (t[0, 1] * t[1, 0])), corrected


def group_test(values: np.ndarray, groups: np.ndarray, k: int = 5) -> dict[str, object]:
    """Mann-Whitney (2 groups) or Kruskal-Wallis (3+) of ``values`` across ``groups``.

    Groups with fewer than ``k`` answers are excluded. Returns test, statistic, df, p_value,
    effect_size, effect (its name), n, groups (kept), excluded (codes), warning.
    """
    ok = ~np.isnan(values) & ~np.isnan(groups)
    v, g = values[ok], groups[ok]
    codes, counts = np.unique(g, return_counts=True)
    kept = codes[counts >= k]
    excluded = [int(c) for c in codes[counts < k]]
    samples = [v[g == c] for c in kept]
    n = int(sum(len(x) for x in samples))
    out: dict[str, object] = {
        "test": "",
        STATISTIC: np.nan,
        DF: np.nan,
        P_VALUE: np.nan,
        EFFECT_SIZE: np.nan,
        "effect": "",
        N: n,
        "groups": [int(c) for c in kept],
        "excluded": excluded,
        "warning": "",
        "pairwise": [],
        "mean_ranks": {},
        "method": "asymptotic",
        "effect_low": np.nan,
        "effect_high": np.nan,
    }
    if len(samples) < 2:
        out["warning"] = f"人数不少于 {k} 人的组少于 2 个，未检验。"
        return out
    if np.ptp(np.concatenate(samples)) == 0:
        out["warning"] = "所有回答相同，无法检验。"
        return out
    ranks = stats.rankdata(np.concatenate(samples))
    bounds = np.cumsum([0] + [len(x) for x in samples])
    out["mean_ranks"] = {
        int(c): float(ranks[bounds[i] : bounds[i + 1]].mean()) for i, c in enumerate(kept)
    }
    if len(samples) == 2:
        a, b = samples
        method = rank_test_method(len(a), len(b), np.concatenate(samples))
        res = stats.mannwhitneyu(a, b, alternative="two-sided", method=method, use_continuity=True)
        out.update(
            method=method,
            test="mannwhitney",
            **{
                STATISTIC: float(res.statistic),
                P_VALUE: float(res.pvalue),
                EFFECT_SIZE: float(1 - 2 * res.statistic / (len(a) * len(b))),
            },
            effect="rank_biserial",
        )
        r = float(out[EFFECT_SIZE])  # type: ignore[arg-type]
        out["effect_low"], out["effect_high"] = effects.rank_biserial_ci(r, len(a), len(b))
    else:
        res = stats.kruskal(*samples)
        out.update(
            test="kruskal",
            **{
                STATISTIC: float(res.statistic),
                DF: len(samples) - 1,
                P_VALUE: float(res.pvalue),
                EFFECT_SIZE: float(res.statistic / (n - 1)),
            },
            effect="epsilon_squared",
        )
        out["effect_low"], out["effect_high"] = effects.epsilon_squared_ci(samples)
        out["pairwise"] = dunn(samples, [int(c) for c in kept])
    if excluded:
        out["warning"] = f"人数少于 {k} 人的组（{len(excluded)} 个）未纳入检验。"
    return out


EXACT_BELOW = 50  # R's wilcox.test: exact p below 50 observations (per sample) without ties


def rank_test_method(n1: int, n2: int, values: np.ndarray) -> str:
    """'exact' or 'asymptotic' for a Wilcoxon–Mann–Whitney test, by R ``wilcox.test``'s own
    default rule: the exact distribution when each sample has fewer than 50 observations
    and no value is tied (the exact null distribution assumes no ties); otherwise the
    normal approximation with tie and continuity correction."""
    small = n1 < EXACT_BELOW and n2 < EXACT_BELOW
    return "exact" if small and len(np.unique(values)) == len(values) else "asymptotic"


def ordered_pairs(row: dict, alpha: float = 0.05) -> list[tuple[int, int]]:
    """The pairs of groups that differ significantly, each as (higher, lower) by the mean
    ranks the test compared: Dunn pairs with Holm-adjusted p < ``alpha`` after Kruskal–Wallis;
    the one pair of a Mann–Whitney test (whose own significance the caller judges). Group
    means may order a pair the other way (see :func:`means_agree`)."""
    ranks = row.get("mean_ranks") or {}
    if row.get("test") == "mannwhitney":
        candidates = [tuple(row["groups"])]
    else:
        candidates = [
            (p["a"], p["b"]) for p in row.get("pairwise") or [] if p["p_adjusted"] < alpha
        ]
    out = []
    for a, b in candidates:
        if a not in ranks or b not in ranks or ranks[a] == ranks[b]:
            continue
        hi, lo = (a, b) if ranks[a] > ranks[b] else (b, a)
        out.append((int(hi), int(lo)))
    return out


def means_agree(row: dict, pairs: list[tuple[int, int]]) -> bool:
    """Whether the group means order every (higher, lower) pair as the mean ranks do (a
    skewed group can have the higher mean and the lower ranks): a report shows the means
    beside the names only then."""
    means = row.get("group_means") or {}
    return all(a in means and b in means and means[a] > means[b] for a, b in pairs)


def holm_adjust(p: np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p values, as R ``p.adjust(p, "holm")``."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def dunn(samples: list[np.ndarray], codes: list[int]) -> list[dict[str, float]]:
    """Dunn's pairwise tests after Kruskal-Wallis: one dict per pair of groups ``a`` < ``b``
    (in the order given) with the difference of mean ranks, z, p and Holm-adjusted p.

    .. math:: z_{ij} = \\frac{\\bar R_i - \\bar R_j}
              {\\sqrt{\\bigl(\\frac{N(N+1)}{12} - \\frac{\\sum (t^3 - t)}{12(N-1)}\\bigr)
              \\bigl(\\frac{1}{n_i} + \\frac{1}{n_j}\\bigr)}}
    """
    values = np.concatenate(samples)
    ranks = stats.rankdata(values)
    n_all = len(values)
    _, ties = np.unique(values, return_counts=True)
    sigma2 = n_all * (n_all + 1) / 12 - (ties**3 - ties).sum() / (12 * (n_all - 1))
    bounds = np.cumsum([0] + [len(x) for x in samples])
    mean_rank = [ranks[bounds[i] : bounds[i + 1]].mean() for i in range(len(samples))]
    rows = []
    for i in range(len(samples)):
        for j in range(i + 1, len(samples)):
            se = np.sqrt(sigma2 * (1 / len(samples[i]) + 1 / len(samples[j])))
            z = (mean_rank[i] - mean_rank[j]) / se if se > 0 else 0.0
            rows.append(
                {
                    "a": int(codes[i]),
                    "b": int(codes[j]),
                    "rank_difference": float(mean_rank[i] - mean_rank[j]),
                    "z": float(z),
                    P_VALUE: float(2 * stats.norm.sf(abs(z))),
                }
            )
    if rows:
        adjusted = holm_adjust(np.array([r[P_VALUE] for r in rows]))
        for r, p in zip(rows, adjusted, strict=True):
            r[P_ADJUSTED] = float(p)
    return rows


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p values (NaN stay NaN), as R ``p.adjust(p, "BH")``."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out


def add_adjusted(*tables: pd.DataFrame) -> None:
    """Set ``p_adjusted`` in every table, adjusting over all their p values together."""
    ps = np.concatenate([t[P_VALUE].to_numpy(dtype=float) for t in tables]) if tables else []
    adjusted = bh_adjust(np.asarray(ps))
    start = 0
    for t in tables:
        t[P_ADJUSTED] = adjusted[start : start + len(t)]
        start += len(t)


def group_field_options(f: Field) -> tuple[Option, ...]:
    """The groups a grouping field defines (its options)."""
    return f.options
