"""Sample adequacy: margin of error and sample size for a proportion (worst case p = 0.5).

    moe = z * sqrt(p (1 - p) / n) * fpc,     fpc = sqrt((N - n) / (N - 1))
    n0  = z^2 p (1 - p) / e^2,               n = n0 / (1 + (n0 - 1) / N)

(Cochran 1977, *Sampling Techniques*, 3rd ed., eqs. 4.2 and 4.3.) With N given, the finite
population correction applies. :func:`sample_size` rounds *up*, so the margin asked for is
met. Krejcie & Morgan (1970, "Determining sample size for research activities", *Educational
and Psychological Measurement* 30, 607–610) tabulated the same formula,

    s = X^2 N P (1 - P) / (d^2 (N - 1) + X^2 P (1 - P)),   X^2 = 3.841, P = 0.5, d = 0.05,

rounded to the *nearest* whole number, so their table is sometimes one lower (217 where we
say 218 at N = 500, 322 for our 323 at N = 2,000); :func:`krejcie_morgan` reproduces it.
"""

from __future__ import annotations

import math

from scipy import stats


def z_value(confidence: float = 0.95) -> float:
    """Two-sided normal quantile, e.g. 1.959964 for 95%."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def margin_of_error(
    n: int, population: int | None = None, confidence: float = 0.95, p: float = 0.5
) -> float:
    """Half-width of the confidence interval of a proportion, as a fraction (0.05 = ±5%).

    NaN when n = 0; 0 when the whole population answered.
    """
    if n <= 0:
        return float("nan")
    moe = z_value(confidence) * math.sqrt(p * (1 - p) / n)
    if population is not None:
        if n >= population:
            return 0.0
        moe *= math.sqrt((population - n) / (population - 1))
    return moe


def sample_size(
    population: int | None = None, margin: float = 0.05, confidence: float = 0.95, p: float = 0.5
) -> int:
    """Respondents needed for a margin of error ``margin``: Cochran's n0 with the finite
    population correction, rounded up (so ``margin_of_error(n, population) <= margin``)."""
    n0 = z_value(confidence) ** 2 * p * (1 - p) / margin**2
    if population is None:
        return math.ceil(n0)
    return math.ceil(n0 / (1 + (n0 - 1) / population))


def krejcie_morgan(population: int) -> int:
    """The sample size Krejcie & Morgan's (1970) table gives for a population (95%
    confidence, ±5%, P = 0.5): their formula with X^2 = 3.841, rounded half up — one lower than
    :func:`sample_size` where the formula's value has a fraction below one half."""
    chi2, p, d = 3.841, 0.5, 0.05
    s = chi2 * population * p * (1 - p) / (d**2 * (population - 1) + chi2 * p * (1 - p))
    return math.floor(s + 0.5)
