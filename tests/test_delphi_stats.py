"""Delphi statistics pinned to published values (each test names its source)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from surveytool.analysis.delphi import (
    ConsensusRule,
    authority,
    ca_of,
    cs_of,
    describe_ratings,
    item_stats,
    kendall_w,
)

# R package irr, data set `anxiety` (20 subjects rated by 3 raters), as printed in the irr
# and DescTools documentation (DescTools::KendallW example lists the values).
ANXIETY = np.array(
    [
        [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3],
        [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4],
        [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2],
    ],
    dtype=float,
)


def test_kendall_w_with_ties_equals_irr() -> None:
    """R: irr::kendall(anxiety, correct = TRUE) prints Wt = 0.54, Chisq(19) = 30.8,
    p-value = 0.0429 (also the expected values of pyirr's port, tests/test_kendall.py)."""
    k = kendall_w(ANXIETY)
    assert (k["raters"], k["items"], k["df"]) == (3, 20, 19)
    assert round(k["w"], 2) == 0.54
    assert round(k["chi2"], 1) == 30.8
    assert round(k["p_value"], 4) == 0.0429
    # the tie-corrected W is Friedman's chi-square / (m (n - 1)), scipy's test corrects ties too
    friedman = stats.friedmanchisquare(*ANXIETY.T)
    assert k["chi2"] == pytest.approx(friedman.statistic, rel=1e-12)
    assert k["p_value"] == pytest.approx(friedman.pvalue, rel=1e-12)
    assert k["w_uncorrected"] < k["w"]  # ties lower the uncorrected coefficient


def test_kendall_w_without_ties_is_the_textbook_formula() -> None:
    """Perfect agreement gives W = 1; a rater with a missing rating is left out (listwise)."""
    ranks = np.array([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4], [4, np.nan, 2, 1]])
    k = kendall_w(ranks)
    assert k["raters"] == 3 and k["w"] == pytest.approx(1.0) and k["w_uncorrected"] == k["w"]
    assert kendall_w(np.array([[1.0, 2.0]]))["w"] is None  # one rater: nothing to agree on


def _bmj_round1() -> pd.DataFrame:
    """The 16 experts of round 1 in BMJ Open's Delphi study, table 4 "Expert authority
    coefficients" (bmjopen highwire markup 347080), rebuilt from its worked formula:
    Ca = (16×0.5 + 7×0.3 + 9×0.2 + 3×0.1 + 11×0.1 + 2×0.1 + 2×0.1 + 8×0.1 + 6×0.1)/16 and
    Cs = (1×1 + 12×0.8 + 3×0.6)/16: all 16 judged 实践经验 大; 理论分析 大 7, 中 9; 文献 大 3,
    中 11, 小 2; 直观感觉 大 2, 中 8, 小 6; 很熟悉 1, 熟悉 12, 一般 3."""
    theory = ["大"] * 7 + ["中"] * 9
    literature = ["大"] * 3 + ["中"] * 11 + ["小"] * 2
    intuition = ["大"] * 2 + ["中"] * 8 + ["小"] * 6
    familiar = ["很熟悉"] + ["熟悉"] * 12 + ["一般"] * 3
    rows = []
    for i in range(16):
        bases = {
            "实践经验": "大",
            "理论分析": theory[i],
            "参考国内外文献": literature[i],
            "直观感觉": intuition[i],
        }
        rows.append({"expert": f"E{i:02d}", "ca": ca_of(bases), "cs": cs_of(familiar[i])})
    return pd.DataFrame(rows)


def test_authority_coefficient_equals_the_bmj_open_worked_example() -> None:
    """Round 1: Ca = 0.944, Cs = 0.775, Cr = (Ca + Cs) / 2 = 0.860 (from the rounded Ca and
    Cs; unrounded 0.859). (The paper's round-2 Ca, 0.963, is not what its own formula gives,
    15.3 / 16 = 0.956; round 2's Cs, (3×1 + 12×0.8 + 1×0.6) / 16 = 0.825, is.)"""
    a = authority(_bmj_round1())
    assert a["experts"] == 16
    assert round(a["ca"], 3) == 0.944
    assert round(a["cs"], 3) == 0.775
    assert abs(a["cr"] - 0.860) <= 0.001
    assert (round(a["ca"], 3) + round(a["cs"], 3)) / 2 == pytest.approx(0.8595)
    round2 = pd.DataFrame({"ca": [1.0] * 16, "cs": [1.0] * 3 + [0.8] * 12 + [0.6]})
    assert round(authority(round2)["cs"], 3) == 0.825


def test_authority_needs_all_four_bases() -> None:
    assert ca_of({"实践经验": "大", "理论分析": "中", "参考国内外文献": "小"}) is None
    assert ca_of(dict.fromkeys(("实践经验", "理论分析", "参考国内外文献", "直观感觉"), "大")) == 1.0
    assert cs_of("不知道") is None and cs_of("很不熟悉") == 0.2


# Zhang L, Guo X, Yang S, et al. Application of the Delphi Method in the Construction of an
# Evaluating and Grading Scale for Evidence of Disease Prevention and Treatment in Ancient
# Books of Traditional Chinese Medicine. Evid Based Complement Alternat Med 2022:3674663,
# doi:10.1155/2022/3674663, table 2 (first round): (mean, standard deviation, CV).
ZHANG_2022 = [
    (4.54, 0.92, 0.20),
    (3.86, 1.03, 0.27),
    (3.86, 1.12, 0.29),
    (3.97, 1.04, 0.26),
    (4.51, 0.61, 0.14),
    (4.40, 0.74, 0.17),
    (4.14, 0.65, 0.16),
    (4.29, 0.79, 0.18),
    (4.09, 0.82, 0.20),
    (3.83, 0.86, 0.22),
    (4.63, 0.65, 0.14),
    (4.17, 0.89, 0.21),
    (4.54, 0.78, 0.17),
    (3.91, 0.98, 0.25),
    (3.89, 1.02, 0.26),
]


@pytest.mark.parametrize(("mean", "sd", "cv"), ZHANG_2022)
def test_cv_is_the_published_sd_over_mean(mean: float, sd: float, cv: float) -> None:
    """CV = SD / mean, as in every row of Zhang et al. 2022, table 2: two ratings around the
    mean with the published SD (sample SD, n − 1) give back the published CV."""
    ratings = np.array([mean - sd / np.sqrt(2), mean + sd / np.sqrt(2)])
    n, m, s, c, _ = describe_ratings(ratings)
    assert (n, round(m, 2), round(s, 2)) == (2, mean, sd)
    assert round(c, 2) == cv


def test_item_statistics_on_raw_ratings() -> None:
    """Mean, sample SD (n − 1), CV, full-score ratio (满分比) and rank on a small table."""
    ratings = pd.DataFrame(
        [
            (e, item, v)
            for e, row in enumerate([(5, 3, 4), (5, 4, 4), (4, 2, 4), (5, 3, 4)])
            for item, v in zip(("A", "B", "C"), row, strict=True)
        ],
        columns=["expert", "item", "importance"],
    )
    items = pd.DataFrame({"item": ["A", "B", "C"], "label": ["甲", "乙", "丙"]})
    t = item_stats(ratings, items, ConsensusRule()).set_index("item")
    assert t.loc["A", "mean"] == 4.75 and t.loc["A", "sd"] == pytest.approx(0.5)
    assert t.loc["A", "cv"] == pytest.approx(0.5 / 4.75)
    assert t.loc["A", "full_score_ratio"] == 0.75 and t.loc["C", "full_score_ratio"] == 0
    assert list(t["rank"]) == [1, 3, 2]
    assert list(t["consensus"]) == [True, False, True]


def test_consensus_rule_is_applied_as_stated() -> None:
    """Mean ≥ 3.5 and CV ≤ 0.25 by default, bounds included; every threshold settable."""
    rule = ConsensusRule()
    assert rule.describe() == "均值 ≥ 3.5 且变异系数 ≤ 0.25"
    assert rule.holds(3.5, 0.25, 0.0)
    assert not rule.holds(3.4999, 0.1, 1.0)
    assert not rule.holds(4.8, 0.2501, 1.0)
    assert not rule.holds(float("nan"), 0.1, 1.0)
    strict = ConsensusRule(min_mean=4.0, max_cv=0.2, min_full=0.3)
    assert strict.describe() == "均值 ≥ 4 且变异系数 ≤ 0.2 且满分比 ≥ 0.3"
    assert strict.holds(4.0, 0.2, 0.3) and not strict.holds(4.0, 0.2, 0.29)
