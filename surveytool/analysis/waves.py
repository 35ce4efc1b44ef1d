"""Follow-up waves: what changed between two waves, with the right test.

- Respondents linked by a respondent code (the bank's ``role: respondent_code`` question, or
  a field named by the user) are compared as pairs: Wilcoxon signed-rank for ordinal items,
  numbers and construct scores (R ``wilcox.test(paired = TRUE, exact = FALSE,
  correct = TRUE)``; zero differences dropped; effect size the matched-pairs rank-biserial
  correlation), McNemar for 0/1 answers (continuity-corrected chi-square, R
  ``mcnemar.test``; effect size the odds ratio of discordant pairs b01 / b10, with the
  Haldane–Anscombe correction (b01 + 0.5) / (b10 + 0.5) only when one of them is 0).
- Otherwise the waves are independent samples: Mann–Whitney U (effect size rank-biserial r)
  and Pearson chi-square for 0/1 answers (Cramér's V).
- Small samples get exact tests, by a stated rule: Wilcoxon signed-rank and Mann–Whitney
  exact below 50 observations (pairs; per sample) when nothing is tied and no difference is 0
  (R ``wilcox.test``'s default rule); McNemar as an exact binomial test on the discordant pairs
  when there are 25 or fewer of them (as SPSS NPAR TESTS /MCNEMAR; R
  ``binom.test(b01, b01 + b10)``), its statistic then b01. ``method`` says which was used.
- Benjamini–Hochberg adjusted p values over all comparisons of one run. A change is called
  an improvement or a worsening only when BH-adjusted p < 0.05, and only for items whose
  direction is known (``problem_when`` in the bank); otherwise it is an increase or decrease.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from surveytool.analysis import effects
from surveytool.analysis.columns import EFFECT_SIZE, P_ADJUSTED, P_VALUE, STATISTIC, N
from surveytool.analysis.compare import EXACT_BELOW, bh_adjust, rank_test_method
from surveytool.analysis.constructs import composite, construct_fields
from surveytool.analysis.data import Survey
from surveytool.analysis.descriptive import flag_values

ALPHA = 0.05
MCNEMAR_EXACT_MAX = 25  # discordant pairs: exact binomial at 25 or fewer (as SPSS NPAR TESTS)


def link_field(s: Survey, link: str | None) -> str | None:
    """The field that links respondents across waves (None: independent samples)."""
    if link:
        return link
    codes = [q.id for q in s.bank.questions if q.role == "respondent_code"]
    return codes[0] if codes else None


def _targets(s: Survey) -> list[tuple[str, str, str, object]]:
    """(name, label, kind, getter) for every likert item, number, 0/1 field and construct."""
    out = []
    for f in s.bank.fields:
        scaled = f.kind == "single" and s.bank.question(f.question).scale is not None
        if f.kind in ("likert", "number") or scaled:
            out.append((f.id, f.label, "ordinal", f.id))
        elif f.kind == "flag" and not f.option.missing:  # type: ignore[union-attr]
            out.append((f.id, f.label, "binary", f.id))
    for name in construct_fields(s):
        out.append((name, f"“{name}”维度得分", "construct", name))
    return out


def _values(s: Survey, key: str, kind: str) -> np.ndarray:
    if kind == "construct":
        return composite(s, construct_fields(s)[key])
    if kind == "binary":  # the question's one base, as its percentages use it
        return flag_values(s, s.bank.field(key))
    x = s.values(key).copy()
    x[~s.shown(s.bank.question(s.bank.field(key).question))] = np.nan
    return x


def _direction(s: Survey, key: str, kind: str) -> str | None:
    """'high' when a higher value means more of a problem, 'low' when less, else None."""
    if kind == "construct":
        for q in s.bank.questions:
            if q.construct == key and q.problem_when:
                return q.problem_when
        return None
    f = s.bank.field(key)
    q = s.bank.question(f.question)
    if q.problem_when not in ("high", "low"):
        return None
    flip = {"high": "low", "low": "high"}
    if f.kind == "flag":
        # picking an option: a problem for a problem_when: high question, except a "none"
        # option (目前没有明显的负担), whose picks mean fewer problems
        return flip[q.problem_when] if f.option.none else q.problem_when  # type: ignore[union-attr]
    if f.kind == "single" and q.scale is None:
        return None
    return flip[q.problem_when] if f.reverse else q.problem_when


def discordant_odds_ratio(b01: int, b10: int) -> tuple[float, bool]:
    """McNemar's effect size: the odds ratio of the discordant pairs, b01 / b10 (0→1 over
    1→0; the conditional maximum-likelihood estimate, as R ``exact2x2::mcnemar.exact``
    gives it). With a zero count it is 0 or infinite, so the Haldane–Anscombe correction
    (b01 + 0.5) / (b10 + 0.5) is used instead; the flag says so."""
    if b01 == 0 or b10 == 0:
        return (b01 + 0.5) / (b10 + 0.5), True
    return b01 / b10, False


def paired_test(a: np.ndarray, b: np.ndarray, binary: bool) -> dict:
    """Wilcoxon signed-rank or McNemar on pairs (a[i], b[i]); pairs with a missing value
    are dropped."""
    ok = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[ok], b[ok]
    diff = b - a
    out = {
        "test": "",
        N: len(a),
        STATISTIC: np.nan,
        P_VALUE: np.nan,
        EFFECT_SIZE: np.nan,
        # the within-person change the test is about: its mean and median, and how many
        # went up, went down and stayed (see compare_waves)
        "pair_change": float(diff.mean()) if len(a) else np.nan,
        "pair_median": float(np.median(diff)) if len(a) else np.nan,
        "n_up": int((diff > 0).sum()),
        "n_down": int((diff < 0).sum()),
        "n_same": int((diff == 0).sum()),
        "moved": 0.0,
        "method": "asymptotic",
        "effect_low": np.nan,
        "effect_high": np.nan,
    }
    if binary:
        b01, b10 = int(((a == 0) & (b == 1)).sum()), int(((a == 1) & (b == 0)).sum())
        if b01 + b10 == 0:
            return out
        chi2 = (abs(b01 - b10) - 1) ** 2 / (b01 + b10)
        ratio, corrected = discordant_odds_ratio(b01, b10)
        out["effect_low"], out["effect_high"] = effects.discordant_or_ci(b01, b10)
        exact = b01 + b10 <= MCNEMAR_EXACT_MAX
        p = stats.binomtest(b01, b01 + b10, 0.5).pvalue if exact else stats.chi2.sf(chi2, 1)
        out.update(
            moved=float(np.sign(b01 - b10)),
            test="mcnemar",
            method="exact" if exact else "asymptotic",
            b01=b01,
            b10=b10,
            effect_corrected=corrected,
            **{
                STATISTIC: float(b01) if exact else chi2,
                P_VALUE: float(p),
                EFFECT_SIZE: ratio,
            },
        )
        return out
    d = b - a
    d = d[d != 0]
    if len(d) == 0:
        return out
    # R wilcox.test's rule: exact below 50 pairs when no difference is 0 or tied
    small = len(d) < EXACT_BELOW and len(d) == len(diff)
    method = "exact" if small and len(np.unique(np.abs(d))) == len(d) else "approx"
    res = stats.wilcoxon(d, zero_method="wilcox", correction=True, method=method)
    out["method"] = "exact" if method == "exact" else "asymptotic"
    ranks = stats.rankdata(np.abs(d))
    r_plus, r_minus = ranks[d > 0].sum(), ranks[d < 0].sum()
    # statistic: V = the sum of the ranks of positive differences (b - a), as R reports it
    out.update(
        moved=float(np.sign(r_plus - r_minus)),
        test="wilcoxon",
        **{
            STATISTIC: float(r_plus),
            P_VALUE: float(res.pvalue),
            EFFECT_SIZE: float((r_plus - r_minus) / (r_plus + r_minus)),
        },
    )
    out["effect_low"], out["effect_high"] = effects.rank_biserial_ci(out[EFFECT_SIZE], len(d))
    return out


def independent_test(a: np.ndarray, b: np.ndarray, binary: bool) -> dict:
    """Mann–Whitney U or chi-square between two independent samples."""
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    out = {
        "test": "",
        N: int(len(a) + len(b)),
        STATISTIC: np.nan,
        P_VALUE: np.nan,
        EFFECT_SIZE: np.nan,
        "moved": 0.0,
        "method": "asymptotic",
        "effect_low": np.nan,
        "effect_high": np.nan,
    }
    if not len(a) or not len(b):
        return out
    if binary:
        table = np.array([[(a == 1).sum(), (a == 0).sum()], [(b == 1).sum(), (b == 0).sum()]])
        if (table.sum(axis=0) == 0).any():
            return out
        chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
        out.update(
            moved=float(np.sign(b.mean() - a.mean())),
            test="chi2",
            **{
                STATISTIC: float(chi2),
                P_VALUE: float(p),
                EFFECT_SIZE: float(np.sqrt(chi2 / table.sum())),
            },
        )
        out["effect_low"], out["effect_high"] = effects.cramers_v_ci(chi2, 1, table.sum(), 2)
        return out
    if np.ptp(np.concatenate([a, b])) == 0:
        return out
    method = rank_test_method(len(a), len(b), np.concatenate([a, b]))
    res = stats.mannwhitneyu(b, a, alternative="two-sided", method=method)
    out.update(
        method=method,
        moved=float(np.sign(2 * res.statistic - len(a) * len(b))),  # b's ranks above a's
        test="mannwhitney",
        **{
            STATISTIC: float(res.statistic),
            P_VALUE: float(res.pvalue),
            EFFECT_SIZE: float(2 * res.statistic / (len(a) * len(b)) - 1),
        },
    )
    ci = effects.rank_biserial_ci(out[EFFECT_SIZE], len(b), len(a))
    out["effect_low"], out["effect_high"] = ci
    return out


def _paired_arrays(a: Survey, b: Survey, link: str) -> tuple[np.ndarray, np.ndarray]:
    """Row positions in a and b of respondents with the same code (codes repeated within a
    wave are left out: they cannot be linked with certainty)."""
    ca = pd.Series([str(v).strip() if pd.notna(v) else None for v in a.frame[link]])
    cb = pd.Series([str(v).strip() if pd.notna(v) else None for v in b.frame[link]])
    ca = ca[ca.notna() & ~ca.duplicated(keep=False)]
    cb = cb[cb.notna() & ~cb.duplicated(keep=False)]
    joined = pd.merge(ca.rename("c").reset_index(), cb.rename("c").reset_index(), on="c")
    return joined["index_x"].to_numpy(), joined["index_y"].to_numpy()


def compare_waves(a: Survey, b: Survey, link: str | None = None) -> pd.DataFrame:
    """One row per item/number/0-1 field/construct: n, means (or shares) in each wave
    (``mean_a``, ``mean_b``: all who answered in that wave), the change, test, statistic, p,
    BH-adjusted p, effect size, ``moved`` (+1/−1/0: the way the test's data moved) and the
    verdict (improved / worsened / increased / decreased / no_change).

    Paired design: ``change`` is the mean within-person change of the linked pairs (what the
    test compared; ``pair_median`` its median), and ``n_up`` / ``n_down`` / ``n_same`` count
    the pairs whose answer went up, down or stayed. Independent samples: ``change`` is
    ``mean_b - mean_a``."""
    link = link_field(a, link)
    paired = link is not None and link in a.frame.columns and link in b.frame.columns
    ia = ib = None
    if paired:
        ia, ib = _paired_arrays(a, b, link)
        paired = len(ia) > 0
    rows = []
    for key, label, kind, _ in _targets(a):
        va, vb = _values(a, key, kind), _values(b, key, kind)
        binary = kind == "binary"
        res = paired_test(va[ia], vb[ib], binary) if paired else independent_test(va, vb, binary)
        rows.append(
            {
                "field": key,
                "label": label,
                "kind": kind,
                "design": "paired" if paired else "independent",
                "mean_a": float(np.nanmean(va)) if np.any(~np.isnan(va)) else np.nan,
                "mean_b": float(np.nanmean(vb)) if np.any(~np.isnan(vb)) else np.nan,
                "n_a": int((~np.isnan(va)).sum()),
                "n_b": int((~np.isnan(vb)).sum()),
                "direction": _direction(a, key, kind),
                **res,
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out[P_ADJUSTED] = bh_adjust(out[P_VALUE].to_numpy(dtype=float))
    out["change"] = out["mean_b"] - out["mean_a"]
    if paired:
        out["change"] = out["pair_change"]
    out["verdict"] = [_verdict(r) for r in out.to_dict(orient="records")]
    return out


def _verdict(r: dict) -> str:
    """The verdict, its direction taken from the data the test used: the linked pairs'
    within-person changes (signed-rank sums, discordant pairs), or the two samples' ranks
    (shares) — never from whole-wave means the test did not compare."""
    if not r["test"] or not (r[P_ADJUSTED] < ALPHA) or not r["moved"]:
        return "no_change"
    up = r["moved"] > 0
    if r["direction"] == "high":
        return "worsened" if up else "improved"
    if r["direction"] == "low":
        return "improved" if up else "worsened"
    return "increased" if up else "decreased"
