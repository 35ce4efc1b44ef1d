"""Design-based (weighted) estimates: the units are strata with their populations.

The design is R survey's ``svydesign(id = ~1, strata = ~unit, fpc = ~N)``: unit ``h`` has
``pop_h`` people (``campaign.yaml``) and ``n_h`` respondents, each of whom stands for
``w_h = pop_h / n_h`` people. When the sample was not stratified by design, weighting to the
unit populations (post-stratification) gives the same estimator.

Every estimate is a ratio over a *domain* (the respondents who answered, within a group or a
``--where`` subset): ``r = Σ w d y / Σ w d``. Its variance is the linearisation (Taylor)
variance of a stratified sample without replacement, the domain handled as R does (the
stratum sizes ``n_h`` of the whole sample, respondents outside the domain contributing zero):

.. math:: z_i = w_i d_i (y_i - r) / \\sum w d, \\qquad
          \\hat V = \\sum_h (1 - n_h/pop_h) \\frac{n_h}{n_h - 1}
          \\Bigl(\\sum_{i \\in h} z_i^2 - \\bigl(\\sum_{i\\in h} z_i\\bigr)^2 / n_h\\Bigr)

The design effect compares it with simple random sampling of the same size
(``svymean(…, deff = TRUE)``): ``Vsrs = s²_w / m · (1 − m / Σ w d)``, ``s²_w`` the weighted
variance times ``m / (m − 1)``, ``m`` the respondents in the domain. Effective n = m / deff.
Confidence intervals are ``r ± 1.96 SE`` (R ``confint``). A stratum with one respondent
contributes no variance (R ``options(survey.lonely.psu = "certainty")``).

Tests on a weighted table: Pearson's X² with the Rao–Scott second-order correction, as R
``svychisq(~row + col, design)`` (``statistic = "F"``, its default), and the first-order
corrected X² (``statistic = "Chisq"``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from surveytool.analysis.sampling import z_value
from surveytool.errors import UsageError, problem


@dataclass(frozen=True)
class Design:
    """A stratified design over the respondents of one :class:`Survey` (same order).

    ``strata`` holds each respondent's stratum index (−1: no unit, weight 0); ``n_h`` and
    ``pop_h`` the sample and population size of each stratum (``n_h`` of the whole sample,
    kept when the respondents are subset, as R's ``subset`` keeps them); ``labels`` the unit
    names; ``absent`` the units with a population and no answers (name, population)."""

    strata: np.ndarray
    n_h: np.ndarray
    pop_h: np.ndarray
    labels: tuple[str, ...]
    absent: tuple[tuple[str, int], ...] = ()

    @property
    def weights(self) -> np.ndarray:
        """Each respondent's weight pop_h / n_h (0 without a unit)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            per = np.where(self.n_h > 0, self.pop_h / np.maximum(self.n_h, 1), 0.0)
        return np.where(self.strata >= 0, per[np.maximum(self.strata, 0)], 0.0)

    @property
    def population(self) -> int:
        """The people the answering units hold (the estimates cover them)."""
        return int(self.pop_h[self.n_h > 0].sum())

    @property
    def absent_share(self) -> float:
        """Share (0-1) of all units' people in units that gave no answer."""
        missing = sum(n for _, n in self.absent)
        return missing / (self.population + missing) if missing else 0.0

    def subset(self, mask: np.ndarray) -> Design:
        """The design of the respondents where ``mask`` is true (stratum sizes kept)."""
        return replace(self, strata=self.strata[mask])


def make_design(units: np.ndarray, options, populations: dict[str, int]) -> Design:
    """A :class:`Design` from each respondent's unit code (NaN = none), the unit options
    (code, label) and the populations by unit name. Raises UsageError for a unit with
    answers and no population, or with more answers than people."""
    labels = tuple(o.label for o in options)
    codes = np.array([o.code for o in options], dtype=float)
    idx = np.full(len(units), -1, dtype=np.int64)
    for i, c in enumerate(codes):
        idx[units == c] = i
    n_h = np.bincount(idx[idx >= 0], minlength=len(codes)).astype(float)
    lacking = [lab for lab, n in zip(labels, n_h, strict=True) if n and lab not in populations]
    if lacking:
        raise UsageError(problem("weights_no_population", units="、".join(lacking)))
    pop_h = np.array([float(populations.get(lab, 0)) for lab in labels])
    over = [
        f"{lab}（{int(n)} 份，{int(pop)} 人）"
        for lab, n, pop in zip(labels, n_h, pop_h, strict=True)
        if n > pop
    ]
    if over:
        raise UsageError(problem("weights_more_answers", units="、".join(over)))
    absent = tuple(
        (lab, int(populations[lab]))
        for lab, n in zip(labels, n_h, strict=True)
        if not n and populations.get(lab)
    )
    return Design(idx, n_h, pop_h, labels, absent)


def margin(d: Design, p: float = 0.5) -> float:
    """The design's margin of error for a share (0-1), worst case p = 0.5 in every unit:
    ``z sqrt(Σ_h W_h² (1 − f_h) s²_h / n_h)``, ``s²_h = p(1 − p) n_h / (n_h − 1)`` (Cochran
    1977, eq. 5.3 with 5.6; units with one respondent left out as in :func:`ratio`), n_h the
    respondents present (of a ``--where`` subset, its own)."""
    n = np.bincount(d.strata[d.strata >= 0], minlength=len(d.n_h)).astype(float)
    pop = d.pop_h
    ok = n >= 2
    if not ok.any():
        return float("nan")
    share = pop / pop[n > 0].sum()
    var = (share[ok] ** 2 * (1 - n[ok] / pop[ok]) * p * (1 - p) / (n[ok] - 1)).sum()
    return z_value() * float(np.sqrt(var))


def unit_design(s, populations: dict[str, int]) -> Design:
    """The design of survey ``s`` with its unit question (role ``unit``) as strata and
    ``populations`` by unit name (UsageError when the bank has no unit question)."""
    units = [f for f in s.bank.role_fields("unit") if f.kind == "single"]
    if not units:
        raise UsageError(problem("weights_no_unit", bank=s.bank.id))
    return make_design(s.values(units[0].id), units[0].options, populations)


def stratified_cov(z: np.ndarray, d: Design) -> np.ndarray:
    """Σ_h (1 − f_h) n_h/(n_h − 1) (Σ z zᵀ − S Sᵀ / n_h) over the strata, for the columns of
    ``z`` (one row per respondent; a 1-d ``z`` gives a 1×1 matrix)."""
    z = z.reshape(len(z), -1)
    out = np.zeros((z.shape[1], z.shape[1]))
    for h, (n, pop) in enumerate(zip(d.n_h, d.pop_h, strict=True)):
        if n < 2:
            continue
        zh = z[d.strata == h]
        s = zh.sum(axis=0)
        out += (1 - n / pop) * n / (n - 1) * (zh.T @ zh - np.outer(s, s) / n)
    return out


def _factor(d: Design) -> np.ndarray:
    """(1 − f_h) n_h / (n_h − 1) per stratum (0 for a stratum of one respondent)."""
    n, pop = d.n_h, d.pop_h
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n >= 2, (1 - n / pop) * n / (n - 1), 0.0)


def _stratum_weights(d: Design) -> np.ndarray:
    """w_h = N_h / n_h per stratum (0 for a stratum without respondents)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d.n_h > 0, d.pop_h / np.maximum(d.n_h, 1), 0.0)


def _sums(y: np.ndarray, domain: np.ndarray, d: Design) -> tuple[np.ndarray, ...]:
    """Per stratum, over the domain: respondents m_h, Σ y and Σ y² (one bincount each)."""
    ok = domain & (d.strata >= 0)
    h = d.strata[ok]
    yy = y[ok]
    size = len(d.n_h)
    return (
        np.bincount(h, minlength=size).astype(float),
        np.bincount(h, yy, minlength=size),
        np.bincount(h, yy * yy, minlength=size),
    )


ESTIMATE_KEYS = ("estimate", "se", "ci_low", "ci_high", "deff", "n_eff", "n", "population")


def ratio(y: np.ndarray, domain: np.ndarray, d: Design) -> dict[str, float]:
    """The weighted mean of ``y`` over ``domain`` (a share when ``y`` is 0/1) with its SE,
    95% CI, design effect, effective n, respondents ``n`` and estimated people
    ``population`` (Σ w over the domain); NaN where the domain is empty.

    The weight is constant within a stratum, so the linearised variable's sums per stratum
    follow from m_h, Σ y and Σ y² there: Σ z = w_h (Σy − r m_h) / T and
    Σ z² = (w_h / T)² Σ (y − r)² — the module docstring's formula in O(n)."""
    m_h, sy, syy = _sums(np.nan_to_num(y), domain, d)
    wh = _stratum_weights(d)
    m = int(m_h.sum())
    total = float((wh * m_h).sum())
    out = dict.fromkeys(ESTIMATE_KEYS, float("nan"))
    out["n"], out["population"] = m, total
    if m == 0 or total <= 0:
        return out
    r = float((wh * sy).sum() / total)
    dev2 = syy - 2 * r * sy + r * r * m_h  # Σ (y − r)² per stratum
    s_h = wh * (sy - r * m_h) / total
    q_h = (wh / total) ** 2 * dev2
    s2_n = np.where(d.n_h > 0, s_h**2 / np.maximum(d.n_h, 1), 0.0)
    var = float((_factor(d) * (q_h - s2_n)).sum())
    se = float(np.sqrt(max(var, 0.0)))
    zq = z_value()
    out.update(estimate=r, se=se, ci_low=r - zq * se, ci_high=r + zq * se)
    if m > 1:
        s2 = float((wh * dev2).sum() / total) * m / (m - 1)
        vsrs = s2 / m * max(0.0, (total - m) / total)
        out["deff"] = var / vsrs if vsrs > 0 else float("nan")
        out["n_eff"] = m / out["deff"] if out["deff"] > 0 else float("nan")
    return out


def mean(x: np.ndarray, d: Design, domain: np.ndarray | None = None) -> dict[str, float]:
    """:func:`ratio` of the answered values of ``x`` (NaN = no answer) within ``domain``."""
    dom = ~np.isnan(x) if domain is None else domain & ~np.isnan(x)
    return ratio(np.nan_to_num(x), dom, d)


def shares(
    x: np.ndarray, codes, d: Design, domain: np.ndarray | None = None
) -> list[dict[str, float]]:
    """:func:`ratio` of each code among the answered values of ``x`` (one dict per code)."""
    dom = ~np.isnan(x) if domain is None else domain & ~np.isnan(x)
    return [ratio((x == c).astype(float), dom, d) for c in codes]


def rao_scott(
    x: np.ndarray, g: np.ndarray, rows, cols, d: Design, domain: np.ndarray | None = None
) -> dict[str, object]:
    """Rao–Scott corrected Pearson test of the weighted table of ``x`` (codes ``rows``) by
    ``g`` (codes ``cols``), as R ``svychisq``. Returns test ``rao_scott``, ``chi2`` (the
    first-order corrected X², R ``statistic = "Chisq"``), ``df``, ``p_chisq``, ``F``,
    ``ndf``, ``ddf`` and ``p_value`` (of F, R's default), ``pearson`` (X² of the weighted
    table scaled to n) and ``n``; a ``warning`` instead when fewer than 2 rows or columns
    hold answers."""
    dom = ~np.isnan(x) & ~np.isnan(g) & np.isin(x, rows) & np.isin(g, cols)
    if domain is not None:
        dom &= domain
    w = d.weights * dom
    n = int((w > 0).sum())
    out: dict[str, object] = {"test": "", "n": n, "warning": ""}
    rows = [r for r in rows if (w * (x == r)).sum() > 0]
    cols = [c for c in cols if (w * (g == c)).sum() > 0]
    if len(rows) < 2 or len(cols) < 2:
        out["warning"] = "有效类别少于 2 个，无法检验。"
        return out
    nr, nc = len(rows), len(cols)
    p, v = _cell_cov(x, g, rows, cols, dom, d)
    table = (p * n).reshape(nc, nr).T
    pearson = stats.chi2_contingency(table, correction=False)[0]
    delta = _delta(p, v, nr, nc, n)
    tr, tr2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    df = (nr - 1) * (nc - 1)
    d0 = tr**2 / tr2
    nu = n - len(set(d.strata[dom & (d.strata >= 0)]))
    f = pearson / tr
    chisq = pearson * df / tr
    out.update(
        test="rao_scott",
        chi2=float(chisq),
        df=df,
        p_chisq=float(stats.chi2.sf(chisq, df)),
        F=float(f),
        ndf=d0,
        ddf=d0 * nu,
        p_value=float(stats.f.sf(f, d0, d0 * nu)),
        pearson=float(pearson),
    )
    return out


def _cell_cov(x, g, rows, cols, dom, d: Design) -> tuple[np.ndarray, np.ndarray]:
    """The weighted cell proportions (row index fastest, as R's interaction()) and their
    linearisation covariance, from the counts per stratum and cell (the weight is constant
    within a stratum): equal to :func:`stratified_cov` of the n × cells matrix of
    z_i = w_i (e_cell(i) − p) / T, in O(n)."""
    from surveytool.analysis.compare import _positions

    nr, nc = len(rows), len(cols)
    ok = dom & (d.strata >= 0)
    ri = _positions(x[ok], np.array(rows, dtype=float))
    ci = _positions(g[ok], np.array(cols, dtype=float))
    size = len(d.n_h)
    counts = np.bincount(d.strata[ok] * (nr * nc) + ri + nr * ci, minlength=size * nr * nc)
    counts = counts.reshape(size, nr * nc).astype(float)
    wh = _stratum_weights(d)
    total = float((wh[:, None] * counts).sum())
    p = (wh[:, None] * counts).sum(axis=0) / total
    factor = _factor(d)
    v = np.zeros((nr * nc, nr * nc))
    for h in range(size):
        if factor[h] == 0:
            continue
        nh, mh, a = counts[h], counts[h].sum(), wh[h] / total
        q = a * a * (np.diag(nh) - np.outer(nh, p) - np.outer(p, nh) + mh * np.outer(p, p))
        s_h = a * (nh - mh * p)
        v += factor[h] * (q - np.outer(s_h, s_h) / d.n_h[h])
    return p, v


def _delta(p: np.ndarray, v: np.ndarray, nr: int, nc: int, n: int) -> np.ndarray:
    """Rao–Scott's design-effect matrix Δ = (Cᵀ D⁻¹ C / n)⁻¹ Cᵀ D⁻¹ V D⁻¹ C, C the
    interaction contrasts orthogonal to the main effects (svychisq's Cmat)."""
    r = np.tile(np.arange(nr), nc)
    c = np.repeat(np.arange(nc), nr)
    main = np.column_stack(
        [np.ones(nr * nc)]
        + [(r == i).astype(float) for i in range(1, nr)]
        + [(c == j).astype(float) for j in range(1, nc)]
    )
    inter = np.column_stack(
        [((r == i) & (c == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    coef, *_ = np.linalg.lstsq(main, inter, rcond=None)
    cmat = inter - main @ coef
    inv = np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0)
    denom = cmat.T @ (np.diag(inv) / n) @ cmat
    numr = cmat.T @ np.diag(inv) @ v @ np.diag(inv) @ cmat
    return np.linalg.solve(denom, numr)
