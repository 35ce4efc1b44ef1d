"""Descriptive statistics: frequencies, multiple response, ranking, numbers, likert items.

Every percentage states its base. For a question, ``base`` is the respondents shown it
(structural skips excluded), ``valid`` those who answered, ``missing`` = base - valid, and
``percent`` is of ``valid`` unless said otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from surveytool.analysis.columns import BASE, CI_HIGH, CI_LOW, MISSING, PERCENT, VALID, N
from surveytool.analysis.data import Survey
from surveytool.analysis.disclosure import merge_small_bins
from surveytool.bank.model import Field, Question, question_options


def wilson(
    k: np.ndarray | int,
    n: np.ndarray | int,
    confidence: float = 0.95,
    population: int | None = None,
):
    r"""Wilson score interval for a proportion, in percent.

    .. math:: \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}

    Returns ``(low, high)`` (NaN where n = 0). Same as R ``prop.test(k, n, correct=FALSE)``.
    With a ``population`` N, the finite population correction enters through the effective
    sample size n' = n (N − 1) / (N − n) (the variance of p̂ times (N − n) / (N − 1), Cochran
    1977, eq. 3.4; Kish 1965), used for n in the formula; the whole population answered
    (n ≥ N): the interval is the observed share itself.

    >>> [round(float(x), 2) for x in wilson(81, 263)]
    [25.53, 36.62]
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        if population is not None:
            n = np.where(n < population, n * (population - 1) / (population - n), np.inf)
        centre = p + z * z / (2 * n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        denom = 1 + z * z / n
        return 100 * (centre - half) / denom, 100 * (centre + half) / denom


def frequencies(s: Survey, f: Field, population: int | None = None) -> pd.DataFrame:
    """One row per option of a single-choice or likert field.

    Columns: field, option, label, n, percent (of valid), base, valid, missing,
    ci_low, ci_high (Wilson 95%), dont_know (the row is a 不清楚/不适用 option: its count is
    given, its percent is NaN, and it is not part of ``valid``), dont_know_n (how many chose
    such an option, on every row of the field).
    """
    q = s.bank.question(f.question)
    shown = s.shown(q)
    raw = s.raw_values(f.id)[shown]
    x = s.values(f.id)[shown]
    valid = int((~np.isnan(x)).sum())
    base = int(shown.sum())
    rows = []
    for o in f.options:
        k = int((raw == o.code).sum())
        rows.append(
            {"field": f.id, "option": o.code, "label": o.label, N: k, "dont_know": o.missing}
        )
    out = pd.DataFrame(rows)
    dont_know = out["dont_know"].to_numpy(dtype=bool)
    out[PERCENT] = 100 * out[N] / valid if valid else np.nan
    out.loc[dont_know, PERCENT] = np.nan
    out[BASE], out[VALID] = base, valid
    out["dont_know_n"] = int(out.loc[dont_know, N].sum())
    out[MISSING] = base - valid - out["dont_know_n"]
    out[CI_LOW], out[CI_HIGH] = wilson(out[N].to_numpy(), valid, population=population)
    out.loc[dont_know, [CI_LOW, CI_HIGH]] = np.nan
    return out


def multi_base(s: Survey, q: Question) -> np.ndarray:
    """Respondents in a multiple-choice question's base: shown it and picked at least one
    option that is not 不清楚-type (the ``valid`` of :func:`multi_response`). One base per
    question: percentages, group tests and wave comparisons of its options all use it."""
    flags = [f for f in s.fields_of(q) if f.kind == "flag"]
    substantive = [f for f in flags if not f.option.missing]  # type: ignore[union-attr]
    picked = np.zeros(s.n, dtype=bool)
    for f in substantive:
        picked |= s.values(f.id) == 1
    return s.shown(q) & picked


def flag_values(s: Survey, f: Field) -> np.ndarray:
    """A multiple-choice option as 1 (picked) / 0 (not picked) among the question's base
    (:func:`multi_base`), NaN outside it: those not shown the question, who picked nothing or
    picked only 不清楚-type options are neither 选中 nor 未选."""
    x = s.values(f.id).copy()
    x[~multi_base(s, s.bank.question(f.question))] = np.nan
    return np.where(np.isnan(x), np.nan, (x == 1).astype(float))


def multi_response(s: Survey, q: Question, population: int | None = None) -> pd.DataFrame:
    """Multiple response (SPSS MULT RESPONSE semantics), options ranked by count.

    ``percent`` is of respondents who picked at least one option (``valid``);
    ``percent_responses`` is of all picks. An option marked ``missing`` (不清楚) is counted but
    has no percent, and a respondent who picked only such options is not in ``valid``.
    Columns also: question, option, label, rank, base (shown), valid, missing, ci_low,
    ci_high, dont_know, dont_know_n (respondents who picked only 不清楚-type options).
    """
    shown = s.shown(q)
    flags = [f for f in s.fields_of(q) if f.kind == "flag"]
    dont_know = np.array([f.option.missing for f in flags], dtype=bool)  # type: ignore[union-attr]
    m = np.column_stack([s.values(f.id)[shown] for f in flags])
    picked = m == 1
    answered = picked[:, ~dont_know].any(axis=1)
    only_dk = picked[:, dont_know].any(axis=1) & ~answered
    valid = int(answered.sum())
    counts = picked.sum(axis=0)
    total = int(counts[~dont_know].sum())
    out = pd.DataFrame(
        {
            "question": q.id,
            "option": [f.option.code for f in flags],  # type: ignore[union-attr]
            "label": [f.option.label for f in flags],  # type: ignore[union-attr]
            "field": [f.id for f in flags],
            N: counts,
            "dont_know": dont_know,
        }
    )
    out[PERCENT] = 100 * out[N] / valid if valid else np.nan
    out["percent_responses"] = 100 * out[N] / total if total else np.nan
    out.loc[dont_know, [PERCENT, "percent_responses"]] = np.nan
    out[BASE], out[VALID] = int(shown.sum()), valid
    out["dont_know_n"] = int(only_dk.sum())
    out[MISSING] = int(shown.sum()) - valid - int(only_dk.sum())
    out[CI_LOW], out[CI_HIGH] = wilson(out[N].to_numpy(), valid, population=population)
    out.loc[dont_know, [CI_LOW, CI_HIGH]] = np.nan
    out = out.sort_values(["dont_know", N, "option"], ascending=[True, False, True], kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def other_texts(s: Survey, q: Question) -> list[str]:
    """The texts typed for 其他（请注明）, in order."""
    return [t for t in s.texts(f"{q.id}_other") if t] if q.other else []


def ranking(s: Survey, q: Question) -> pd.DataFrame:
    """Per option: how many ranked it, its mean rank (1 = most important) and the share of
    respondents who ranked it first. Columns: question, option, label, n (ranked it),
    mean_rank, first_n, percent (ranked first, of valid), base, valid, missing."""
    shown = s.shown(q)
    fields = s.fields_of(q)
    m = np.column_stack([s.values(f.id)[shown] for f in fields])
    answered = (~np.isnan(m)).any(axis=1)
    valid = int(answered.sum())
    counts = (~np.isnan(m)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_rank = np.where(counts > 0, np.nansum(m, axis=0) / counts, np.nan)
    out = pd.DataFrame(
        {
            "question": q.id,
            "option": [f.option.code for f in fields],  # type: ignore[union-attr]
            "label": [f.option.label for f in fields],
            "field": [f.id for f in fields],  # type: ignore[union-attr]
            N: counts,
            "mean_rank": mean_rank,
            "first_n": (m == 1).sum(axis=0),
        }
    )
    out[PERCENT] = 100 * out["first_n"] / valid if valid else np.nan
    out[BASE], out[VALID], out[MISSING] = int(shown.sum()), valid, int(shown.sum()) - valid
    return out.sort_values(["first_n", "mean_rank"], ascending=[False, True]).reset_index(drop=True)


def numeric(s: Survey, f: Field) -> pd.DataFrame:
    """One row: n, mean, sd (n-1), median, q1, q3 (SPSS HAVERAGE, R type 6), min, max,
    outliers (count beyond 1.5 IQR of the quartiles; flagged, not dropped), base, missing."""
    q = s.bank.question(f.question)
    shown = s.shown(q)
    x = s.values(f.id)[shown]
    x = x[~np.isnan(x)]
    row: dict[str, object] = {
        "field": f.id,
        N: len(x),
        BASE: int(shown.sum()),
        MISSING: int(shown.sum()) - len(x),
        "unit": f.unit or "",
    }
    if len(x):
        q1, med, q3 = quantiles(x, [0.25, 0.5, 0.75])
        iqr = q3 - q1
        row.update(
            mean=float(x.mean()),
            sd=float(x.std(ddof=1)) if len(x) > 1 else np.nan,
            median=med,
            q1=q1,
            q3=q3,
            min=float(x.min()),
            max=float(x.max()),
            outliers=int(((x < q1 - 1.5 * iqr) | (x > q3 + 1.5 * iqr)).sum()),
        )
    else:
        row.update(
            mean=np.nan,
            sd=np.nan,
            median=np.nan,
            q1=np.nan,
            q3=np.nan,
            min=np.nan,
            max=np.nan,
            outliers=0,
        )
    return pd.DataFrame([row])


def quantiles(x: np.ndarray, probs: list[float]) -> list[float]:
    """Quantiles as SPSS (HAVERAGE) and R ``quantile(type = 6)`` compute them:
    position p(n+1), interpolated, clamped to the data."""
    return [float(v) for v in np.quantile(x, probs, method="weibull")]


def likert(s: Survey, f: Field) -> pd.DataFrame:
    """One row per likert item, as answered (reverse-keyed items are *not* recoded here):
    n, mean, sd, median, top2_percent, bottom2_percent (of valid), reverse, base, missing."""
    q = s.bank.question(f.question)
    shown = s.shown(q)
    x = s.values(f.id)[shown]
    x = x[~np.isnan(x)]
    codes = sorted(o.code for o in f.scale_options)
    top, bottom = codes[-2:], codes[:2]
    n = len(x)
    return pd.DataFrame(
        [
            {
                "field": f.id,
                "question": q.id,
                "label": f.label,
                N: n,
                "mean": float(x.mean()) if n else np.nan,
                "sd": float(x.std(ddof=1)) if n > 1 else np.nan,
                "median": float(np.median(x)) if n else np.nan,
                "top2_percent": 100 * float(np.isin(x, top).sum()) / n if n else np.nan,
                "bottom2_percent": 100 * float(np.isin(x, bottom).sum()) / n if n else np.nan,
                "reverse": f.reverse,
                "construct": q.construct or "",
                BASE: int(shown.sum()),
                MISSING: int(shown.sum()) - n,
            }
        ]
    )


def options_of(s: Survey, q: Question) -> tuple:
    """The options of a choice question (with 其他)."""
    return question_options(q, s.bank.scales)


def histogram(s: Survey, f: Field, bins: int = 12, k: int = 0) -> pd.DataFrame:
    """Binned counts of a number field among those shown it: left, right, n.

    Bin edges are round numbers around the data (whole numbers for integer fields), not the
    exact minimum and maximum. With ``k`` > 0, bins holding 1 to k−1 people are merged with
    their neighbours (see ``disclosure.merge_small_bins``).
    """
    q = s.bank.question(f.question)
    x = s.values(f.id)[s.shown(q)]
    x = x[~np.isnan(x)]
    if not len(x):
        return pd.DataFrame(columns=["left", "right", N])
    edges = round_edges(float(x.min()), float(x.max()), bins, f.integer)
    counts, edges = np.histogram(x, bins=edges)
    if k:
        edges, counts = merge_small_bins(edges, counts, k)
    return pd.DataFrame({"left": edges[:-1], "right": edges[1:], N: counts})


def round_edges(lo: float, hi: float, bins: int, integer: bool) -> np.ndarray:
    """About ``bins`` bin edges, a round step apart (1, 2, 2.5 or 5 × 10ⁿ; whole numbers for
    integer data), from the last round number ≤ ``lo`` to the first one above ``hi`` (floating
    point may put it at ``hi``: numpy counts the last edge in). One value only: one bin."""
    one = np.array([np.floor(lo), max(np.floor(lo) + 1.0, np.nextafter(hi, np.inf))])
    if hi == lo:  # one value only (e.g. everyone answered 0): one bin
        return one
    raw = (hi - lo) / bins
    if integer and raw <= 1:
        step = 1.0
    else:
        power = 10.0 ** np.floor(np.log10(raw))
        steps = [m * power for m in (1, 2, 2.5, 5, 10) if not integer or (m * power) % 1 == 0]
        step = next(v for v in steps if v >= raw)
    start = np.floor(lo / step) * step
    count = int(np.floor((hi - start) / step)) + 1
    edges = np.round(start + step * np.arange(count + 1), 10)
    # a range too narrow for floating point at this magnitude: one bin holding everything
    return edges if (np.diff(edges) > 0).all() and edges[-1] >= hi else one


def means_by_group(
    values: np.ndarray, groups: np.ndarray, options: tuple, k: int = 5, confidence: float = 0.95
) -> pd.DataFrame:
    """Mean with a t-based confidence interval per group (groups under ``k`` flagged
    suppressed). Columns: group, code, n, mean, sd, ci_low, ci_high, suppressed."""
    rows = []
    for o in options:
        x = values[(groups == o.code) & ~np.isnan(values)]
        n = len(x)
        mean = float(x.mean()) if n else np.nan
        sd = float(x.std(ddof=1)) if n > 1 else np.nan
        half = (stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n)) if n > 1 else np.nan
        rows.append(
            {
                "group": o.label,
                "code": o.code,
                N: n,
                "mean": mean,
                "sd": sd,
                CI_LOW: mean - half,
                CI_HIGH: mean + half,
                "suppressed": n < k,
            }
        )
    return pd.DataFrame(rows)
