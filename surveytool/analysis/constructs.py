"""Constructs: composite scores and Cronbach's alpha (as SPSS RELIABILITY / psych::alpha).

Rules (stated in every report's methods section):
- reverse-keyed items are recoded first: ``x' = min + max - x`` on the item's scale;
- composite score = mean of the (recoded) items a respondent answered, computed only when at
  least half of the construct's items (rounded up) were answered; otherwise missing;
- alpha uses listwise deletion (respondents who answered every item), like SPSS RELIABILITY
  and ``psych::alpha(use = "complete.obs")``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from surveytool.analysis.columns import CI_HIGH, CI_LOW, N
from surveytool.analysis.data import Survey
from surveytool.bank.model import Field


def construct_fields(s: Survey) -> dict[str, list[Field]]:
    """Construct name -> its likert fields, in bank order."""
    out: dict[str, list[Field]] = {}
    for f in s.bank.fields:
        if f.kind == "likert":
            q = s.bank.question(f.question)
            if q.construct:
                out.setdefault(q.construct, []).append(f)
    return out


def recoded(s: Survey, f: Field) -> np.ndarray:
    """An item's values with reverse keying applied (NaN = missing)."""
    x = s.values(f.id)
    if not f.reverse:
        return x
    codes = [o.code for o in f.scale_options]
    return min(codes) + max(codes) - x


def item_matrix(s: Survey, fields: list[Field]) -> np.ndarray:
    """Respondents x items, recoded."""
    return np.column_stack([recoded(s, f) for f in fields])


def composite(s: Survey, fields: list[Field]) -> np.ndarray:
    """Composite score per respondent (mean of answered recoded items; the half rule)."""
    m = item_matrix(s, fields)
    answered = (~np.isnan(m)).sum(axis=1)
    need = math.ceil(len(fields) / 2)
    with np.errstate(invalid="ignore"):
        score = np.nanmean(np.where(answered[:, None] > 0, m, 0.0), axis=1)
    score[answered < need] = np.nan
    return score


def composites(s: Survey) -> pd.DataFrame:
    """Composite score of every construct: one column per construct name."""
    return pd.DataFrame(
        {name: composite(s, fields) for name, fields in construct_fields(s).items()}
    )


def cronbach(m: np.ndarray) -> dict[str, float]:
    r"""Cronbach's alpha of a complete items matrix (rows = respondents).

    .. math:: \alpha = \frac{k}{k-1}\Bigl(1 - \frac{\sum_i \sigma^2_i}{\sigma^2_X}\Bigr),
              \qquad \alpha_{std} = \frac{k \bar r}{1 + (k-1)\bar r}

    Returns alpha, alpha_standardized, average_r and the Feldt (1987) 95% interval
    (NaN values when undefined, e.g. a constant item or fewer than 2 respondents).
    """
    n, k = m.shape
    out = {
        "alpha": np.nan,
        "alpha_standardized": np.nan,
        "average_r": np.nan,
        CI_LOW: np.nan,
        CI_HIGH: np.nan,
    }
    if n < 2 or k < 2:
        return out
    cov = np.cov(m, rowvar=False, ddof=1)
    total = cov.sum()
    item_var = np.diag(cov)
    if total <= 0 or np.any(item_var == 0):
        return out
    alpha = k / (k - 1) * (1 - item_var.sum() / total)
    r = cov / np.sqrt(np.outer(item_var, item_var))
    avg_r = (r.sum() - k) / (k * (k - 1))
    out.update(alpha=alpha, average_r=avg_r, alpha_standardized=k * avg_r / (1 + (k - 1) * avg_r))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    out[CI_LOW] = 1 - (1 - alpha) * stats.f.ppf(0.975, df1, df2)
    out[CI_HIGH] = 1 - (1 - alpha) * stats.f.ppf(0.025, df1, df2)
    return out


def reliability(s: Survey) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per construct (columns: construct, items, n, alpha, alpha_standardized, average_r,
    ci_low, ci_high, note) and per item (construct, field, label, reverse,
    corrected_item_total_r, alpha_if_deleted)."""
    rows, items = [], []
    for name, fields in construct_fields(s).items():
        m = item_matrix(s, fields)
        complete = m[~np.isnan(m).any(axis=1)]
        res = cronbach(complete)
        note = _note(complete, fields, res["alpha"])
        rows.append(
            {"construct": name, "items": len(fields), N: len(complete), **res, "note": note}
        )
        for j, f in enumerate(fields):
            rest = np.delete(complete, j, axis=1)
            r = _corr(complete[:, j], rest.sum(axis=1)) if len(complete) > 2 else np.nan
            items.append(
                {
                    "construct": name,
                    "field": f.id,
                    "label": f.label,
                    "reverse": f.reverse,
                    "corrected_item_total_r": r,
                    "alpha_if_deleted": cronbach(rest)["alpha"] if len(fields) > 2 else np.nan,
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(items)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _note(complete: np.ndarray, fields: list[Field], alpha: float) -> str:
    """Why alpha is missing, in words ('' when it is not)."""
    if not np.isnan(alpha):
        return ""
    if len(fields) < 2:
        return "只有 1 个题项，无法计算信度系数。"
    if len(complete) < 2:
        return "完整回答全部题项的受访者少于 2 人，无法计算信度系数。"
    constant = [f"“{f.label}”" for f, v in zip(fields, complete.var(axis=0), strict=True) if v == 0]
    if constant:
        return f"题项{'、'.join(constant)}的回答完全相同（方差为 0），信度系数无意义，未计算。"
    return "总分方差为 0，信度系数无意义，未计算。"
