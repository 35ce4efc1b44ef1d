"""95% confidence intervals for the effect sizes the reports print.

- Rank-biserial correlation (Mann–Whitney; matched pairs for Wilcoxon): Fisher's z with the
  standard error of R ``effectsize::rank_biserial`` (Ben-Shachar, Lüdecke & Makowski 2020):
  sqrt((n1 + n2 + 1) / (3 n1 n2)) for two samples, sqrt((2n³ + 3n² + n) / 6) / ((n² + n) / 2)
  for n non-zero paired differences; interval tanh(atanh(r) ± z · SE).
- Epsilon-squared (Kruskal–Wallis): percentile bootstrap, resampling within each group
  (as ``effectsize::rank_epsilon_squared``, which bootstraps too), 1,000 resamples with a
  fixed seed so a re-run gives the same interval.
- Cramér's V: the noncentral chi-square interval (Steiger 2004, "Beyond the F test",
  *Psychological Methods* 9, 164–182): the noncentrality parameters λ whose distribution puts
  the observed chi-square at its 97.5th and 2.5th percentile, V = sqrt(λ / (n (k − 1)));
  two-sided, unadjusted (``effectsize::chisq_to_cramers_v(adjust = FALSE, alternative =
  "two.sided")``).
- Odds ratio of a 2x2 table: Woolf's logit interval exp(log OR ± z sqrt(Σ 1/cell)), on the
  Haldane–Anscombe corrected table (0.5 added to every cell) when a cell is 0 (Agresti 2013,
  *Categorical Data Analysis*, §3.1).
- McNemar's odds ratio of discordant pairs: the exact conditional interval, Clopper–Pearson
  for b01 / (b01 + b10) turned into odds (as R ``exact2x2::mcnemar.exact``); the upper bound
  is infinite when b10 = 0.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import optimize, stats

CONFIDENCE = 0.95
BOOTSTRAP = 1000
SEED = 20


def _z(confidence: float = CONFIDENCE) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


def rank_biserial_ci(r: float, n1: int, n2: int | None = None) -> tuple[float, float]:
    """Interval of a rank-biserial correlation: two samples of n1 and n2, or (``n2`` None)
    n1 non-zero paired differences. NaN when undefined."""
    if r != r or n1 < 1 or (n2 is not None and n2 < 1):
        return math.nan, math.nan
    if n2 is None:
        se = math.sqrt((2 * n1**3 + 3 * n1**2 + n1) / 6) / ((n1**2 + n1) / 2)
    else:
        se = math.sqrt((n1 + n2 + 1) / (3 * n1 * n2))
    centre = math.atanh(max(min(r, 1.0), -1.0)) if abs(r) < 1 else math.copysign(math.inf, r)
    return math.tanh(centre - _z() * se), math.tanh(centre + _z() * se)


def epsilon_squared(samples: list[np.ndarray]) -> float:
    """Kruskal–Wallis H / (n − 1)."""
    n = sum(len(x) for x in samples)
    return float(stats.kruskal(*samples).statistic / (n - 1))


FEW_VALUES = 100  # up to this many distinct values, resamples are drawn as counts


def epsilon_squared_ci(samples: list[np.ndarray]) -> tuple[float, float]:
    """Percentile bootstrap interval of epsilon-squared, resampling within groups
    (:data:`BOOTSTRAP` resamples, seeded: the same data give the same interval).

    Scale answers (few distinct values): a resample of a group is a multinomial draw of
    counts over the pooled distinct values (the same thing as drawing its answers with
    replacement), and H comes from the counts. Numbers with many distinct values: the
    answers themselves are drawn, and H comes from their mid-ranks (issue 27: counts over
    5,000 distinct values took 0.2 s a test, 9 s of a 10,000-respondent report)."""
    rng = np.random.default_rng(SEED)
    values = np.unique(np.concatenate(samples))
    if len(values) < 2:
        return math.nan, math.nan
    codes = [np.searchsorted(values, x) for x in samples]
    sizes = np.array([len(x) for x in samples])
    few = len(values) <= FEW_VALUES
    probs = np.stack([np.bincount(c, minlength=len(values)) / len(c) for c in codes])
    width = len(samples) * len(values) if few else int(sizes.sum())
    chunk = max(1, min(BOOTSTRAP, 2_000_000 // width))
    eps = []
    for start in range(0, BOOTSTRAP, chunk):
        b = min(chunk, BOOTSTRAP - start)
        if few:
            h = _kruskal_counts(_multinomial(rng, sizes, probs, b))  # b x groups x values
        else:
            h = _kruskal_draws(rng, codes, len(values), b)
        eps.append(h / (sizes.sum() - 1))
    out = np.concatenate(eps)
    out = out[~np.isnan(out)]
    if not len(out):
        return math.nan, math.nan
    lo, hi = np.quantile(out, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])
    return float(lo), float(hi)


def _kruskal_draws(
    rng: np.random.Generator, codes: list[np.ndarray], values: int, b: int
) -> np.ndarray:
    """Tie-corrected H of ``b`` resamples drawn answer by answer within each group
    (``codes``: each group's answers as indices of the pooled distinct values)."""
    draws = np.concatenate(
        [c[rng.integers(0, len(c), size=(b, len(c)))] for c in codes], axis=1
    )  # b x n
    offsets = (np.arange(b) * values)[:, None]
    total = np.bincount((draws + offsets).ravel(), minlength=b * values).reshape(b, values)
    midrank = np.cumsum(total, axis=1) - (total - 1) / 2
    ranks = np.take_along_axis(midrank, draws, axis=1)
    bounds = np.cumsum([0] + [len(c) for c in codes])
    rank_sums = np.stack(
        [ranks[:, lo:hi].sum(axis=1) for lo, hi in itertools.pairwise(bounds)],
        axis=1,
    )
    sizes = np.array([len(c) for c in codes])
    return _h(total, rank_sums, np.broadcast_to(sizes, rank_sums.shape))


def _multinomial(
    rng: np.random.Generator, sizes: np.ndarray, probs: np.ndarray, b: int
) -> np.ndarray:
    """``b`` multinomial draws for every group at once (resamples x groups x values): value
    by value, a binomial draw of what is left (the conditional form of the multinomial), so
    numpy makes one call per value for all groups and resamples at once: for the few values
    of a scale, a few calls."""
    groups, values = probs.shape
    out = np.empty((b, groups, values), dtype=np.int64)
    remaining = np.broadcast_to(sizes.astype(np.int64), (b, groups)).copy()
    left = np.ones(groups)  # the probability not yet drawn, per group
    for j in range(values - 1):
        p = np.clip(np.divide(probs[:, j], left, out=np.zeros(groups), where=left > 0), 0, 1)
        out[:, :, j] = rng.binomial(remaining, p)
        remaining -= out[:, :, j]
        left = left - probs[:, j]
    out[:, :, -1] = remaining
    return out


def _kruskal_counts(counts: np.ndarray) -> np.ndarray:
    """Tie-corrected Kruskal–Wallis H from counts (resamples x groups x ordered values);
    NaN where a resample holds one value only."""
    total = counts.sum(axis=1)  # resamples x values
    midrank = np.cumsum(total, axis=1) - (total - 1) / 2  # the mid-rank of each value
    rank_sums = (counts * midrank[:, None, :]).sum(axis=2)  # resamples x groups
    return _h(total, rank_sums, counts.sum(axis=2))


def _h(total: np.ndarray, rank_sums: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Tie-corrected H from counts per value (resamples x values) and rank sums and sizes
    per group (resamples x groups); NaN where a resample holds one value only."""
    n = total.sum(axis=1)
    h = 12 / (n * (n + 1)) * (rank_sums**2 / sizes).sum(axis=1) - 3 * (n + 1)
    correction = 1 - (total**3 - total).sum(axis=1) / (n**3 - n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(correction > 0, h / correction, np.nan)


def cramers_v_ci(chi2: float, df: int, n: int, k: int) -> tuple[float, float]:
    """Noncentral chi-square interval of Cramér's V (k = min(rows, columns))."""
    if chi2 != chi2 or n < 1 or k < 2 or df < 1:
        return math.nan, math.nan
    lo_p, hi_p = (1 + CONFIDENCE) / 2, (1 - CONFIDENCE) / 2

    def ncp(p: float) -> float:
        def f(lam: float) -> float:
            cdf = stats.ncx2.cdf(chi2, df, lam) if lam > 0 else stats.chi2.cdf(chi2, df)
            return float(cdf - p)

        if f(0.0) <= 0:
            return 0.0
        top = max(10.0, 2 * chi2)
        while f(top) > 0:
            top *= 2
        return float(optimize.brentq(f, 0.0, top, xtol=1e-10))

    scale = n * (k - 1)
    return math.sqrt(ncp(lo_p) / scale), math.sqrt(ncp(hi_p) / scale)


def odds_ratio_ci(table: np.ndarray) -> tuple[float, float]:
    """Woolf's interval of a 2x2 table's odds ratio (Haldane–Anscombe at a zero cell)."""
    t = np.asarray(table, dtype=float)
    if (t == 0).any():
        t = t + 0.5
    log_or = math.log(t[0, 0] * t[1, 1] / (t[0, 1] * t[1, 0]))
    se = math.sqrt((1 / t).sum())
    return math.exp(log_or - _z() * se), math.exp(log_or + _z() * se)


def discordant_or_ci(b01: int, b10: int) -> tuple[float, float]:
    """Exact conditional interval of b01 / b10 (Clopper–Pearson on b01 of b01 + b10)."""
    if b01 + b10 == 0:
        return math.nan, math.nan
    ci = stats.binomtest(b01, b01 + b10).proportion_ci(CONFIDENCE, method="exact")
    odds = [p / (1 - p) if p < 1 else math.inf for p in (ci.low, ci.high)]
    return odds[0], odds[1]
