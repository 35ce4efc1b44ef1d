"""Every statistic pinned to a value published by R, SPSS or a textbook (sources named;
see tests/data/README.md). scipy is the oracle only where no published value exists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from surveytool.analysis import (
    Survey,
    analyse,
    bh_adjust,
    cronbach,
    dunn,
    group_test,
    holm_adjust,
    margin_of_error,
    quantiles,
    sample_size,
    table_test,
    wilson,
)
from surveytool.bank import load_bank

from conftest import write_bank

DATA = Path(__file__).parent / "data"


def test_wilson_newcombe_1998_table_ii() -> None:
    # Newcombe (1998) Table II, method 3 (score interval without continuity correction)
    expected = {
        (81, 263): (0.2553, 0.3662),
        (15, 148): (0.0624, 0.1605),
        (0, 20): (0.0000, 0.1611),
        (1, 29): (0.0061, 0.1718),
    }
    for (k, n), (lo, hi) in expected.items():
        got = wilson(k, n)
        assert round(float(got[0]) / 100, 4) == lo and round(float(got[1]) / 100, 4) == hi


def test_chi_square_agresti_party_by_gender() -> None:
    # R ?chisq.test (Agresti 2007, p. 39): X-squared = 30.07, df = 2, p-value = 2.954e-07
    res = table_test(np.array([[762, 327, 468], [484, 239, 477]]))
    assert res["test"] == "chi2" and res["df"] == 2
    assert round(res["chi2"], 2) == 30.07
    assert f"{res['p_value']:.3e}" == "2.954e-07"
    assert res["cramers_v"] == pytest.approx(np.sqrt(30.070149 / 2757), rel=1e-6)


def test_fisher_tea_tasting() -> None:
    # R ?fisher.test, TeaTasting: two-sided p-value = 0.4857 (expected counts are 2 < 5)
    res = table_test(np.array([[3, 1], [1, 3]]))
    assert res["test"] == "fisher"
    assert round(res["p_value"], 4) == 0.4857
    assert "Fisher" in res["warning"]


def test_kruskal_hollander_wolfe() -> None:
    # R ?kruskal.test: Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68
    x, y, z = [2.9, 3.0, 2.5, 2.6, 3.2], [3.8, 2.7, 4.0, 2.4], [2.8, 3.4, 3.7, 2.2, 2.0]
    values = np.array(x + y + z)
    groups = np.array([1] * 5 + [2] * 4 + [3] * 5, dtype=float)
    res = group_test(values, groups, k=1)
    assert res["test"] == "kruskal" and res["df"] == 2
    assert round(res["statistic"], 5) == 0.77143
    assert round(res["p_value"], 2) == 0.68
    assert res["effect_size"] == pytest.approx(0.77143 / 13, abs=1e-5)  # epsilon^2 = H/(n-1)


def test_mann_whitney_hollander_wolfe() -> None:
    # R ?wilcox.test: W = 35 (p = 0.1272 one-sided exact, the published figure)
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    res = group_test(np.array(x + y), np.array([1.0] * 10 + [2.0] * 5), k=1)
    assert res["test"] == "mannwhitney" and res["statistic"] == 35
    assert res["effect_size"] == pytest.approx(1 - 2 * 35 / 50)
    one_sided_exact = stats.mannwhitneyu(x, y, alternative="greater", method="exact").pvalue
    assert round(one_sided_exact, 4) == 0.1272  # same W, R's published p
    # 10 and 5 values, none tied: the exact test, as R's default wilcox.test(x, y) gives it
    # (W = 35, two-sided p-value = 0.2544, twice the published one-sided exact p)
    assert res["method"] == "exact" and round(res["p_value"], 4) == 0.2544
    # with a tie (or 50+ values) the asymptotic p with tie and continuity correction
    # (R wilcox.test(exact = FALSE); scipy as oracle)
    tied = [*x[:-1], 1.15]
    res = group_test(np.array(tied + y), np.array([1.0] * 10 + [2.0] * 5), k=1)
    oracle = stats.mannwhitneyu(tied, y, alternative="two-sided", method="asymptotic").pvalue
    assert res["method"] == "asymptotic" and res["p_value"] == pytest.approx(oracle, rel=1e-12)


# Pulse by kind of exercise (seaborn's "exercise" data set, 30 per group, ties present).
# Reference: R PMCMR::posthoc.kruskal.dunn.test(pulse ~ kind, p.adjust.method = "holm"),
# as pinned in scikit-posthocs' test suite (tests/test_posthocs.py, test_posthoc_dunn):
# rest–walking 4.390066e-02, rest–running 9.570998e-09, walking–running 1.873208e-04.
EXERCISE = {
    "rest": [85, 85, 88, 90, 92, 93, 97, 97, 94, 80, 82, 83, 91, 92, 91,
             83, 83, 84, 87, 88, 90, 92, 94, 95, 97, 99, 96, 100, 97, 100],
    "walking": [86, 86, 84, 93, 103, 104, 90, 92, 93, 95, 96, 100, 89, 96, 95,
                84, 86, 89, 103, 109, 90, 92, 96, 101, 97, 98, 100, 102, 104, 103],
    "running": [93, 98, 110, 98, 104, 112, 98, 105, 99, 87, 132, 120, 94, 110, 116,
                95, 126, 143, 100, 126, 140, 103, 124, 140, 94, 135, 130, 99, 111, 150],
}  # fmt: skip


def test_dunn_holm_pmcmr_exercise() -> None:
    samples = [np.array(v, dtype=float) for v in EXERCISE.values()]
    pairs = dunn(samples, [1, 2, 3])
    got = {(p["a"], p["b"]): p["p_adjusted"] for p in pairs}
    assert got[(1, 2)] == pytest.approx(4.390066e-02, rel=1e-6)
    assert got[(1, 3)] == pytest.approx(9.570998e-09, rel=1e-6)
    assert got[(2, 3)] == pytest.approx(1.873208e-04, rel=1e-6)
    # through group_test: the pairs come with the Kruskal-Wallis result
    values = np.concatenate(samples)
    groups = np.repeat([1.0, 2.0, 3.0], 30)
    res = group_test(values, groups)
    assert res["test"] == "kruskal"
    assert [round(p["p_adjusted"], 12) for p in res["pairwise"]] == [
        round(p["p_adjusted"], 12) for p in pairs
    ]


def test_holm_r_p_adjust() -> None:
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") -> 0.03 0.06 0.06 0.02
    got = holm_adjust(np.array([0.01, 0.04, 0.03, 0.005]))
    assert got == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_cronbach_alpha_real_statistics_example() -> None:
    # psych::alpha(data, use = "complete.obs") = 0.8016949 (pingouin docs; Real Statistics)
    data = pd.read_csv(DATA / "cronbach_wide_missing.csv")
    res = cronbach(data.dropna().to_numpy(dtype=float))
    assert round(res["alpha"], 7) == 0.8016949
    # standardized alpha from the mean inter-item correlation (numpy as the oracle)
    r = np.corrcoef(data.dropna().to_numpy(dtype=float), rowvar=False)
    k = r.shape[0]
    rbar = (r.sum() - k) / (k * (k - 1))
    assert res["alpha_standardized"] == pytest.approx(k * rbar / (1 + (k - 1) * rbar))


def test_benjamini_hochberg_1995_example() -> None:
    # Benjamini & Hochberg (1995) section 4: at q = 0.05 the 4 smallest are rejected
    p = [
        0.0001,
        0.0004,
        0.0019,
        0.0095,
        0.0201,
        0.0278,
        0.0298,
        0.0344,
        0.0459,
        0.3240,
        0.4262,
        0.5719,
        0.6528,
        0.7590,
        1.000,
    ]
    adj = bh_adjust(np.array(p))
    assert int((adj <= 0.05).sum()) == 4
    # R p.adjust(p, "BH") by its definition: min over j >= i of p_(j) m / j
    m = len(p)
    manual = [min(1, min(p[j] * m / (j + 1) for j in range(i, m))) for i in range(m)]
    assert adj == pytest.approx(manual)
    assert np.isnan(bh_adjust(np.array([0.01, np.nan]))[1])


@pytest.mark.parametrize(
    ("population", "table"), [(100, 80), (500, 217), (1000, 278), (10000, 370), (1_000_000, 384)]
)
def test_sample_size_krejcie_morgan_1970(population: int, table: int) -> None:
    # Krejcie & Morgan (1970) Table 1 rounds to the nearest person; we round up (never short)
    n = sample_size(population)
    assert n - 1 <= table <= n


def test_margin_of_error_textbook() -> None:
    # n = 1,000, p = 0.5, 95%: the familiar ±3.1 points; with N = 2,000 (Cochran 4.3) ±2.2
    assert round(margin_of_error(1000), 3) == 0.031
    assert round(margin_of_error(1000, population=2000), 4) == round(
        1.959964 * np.sqrt(0.25 / 1000) * np.sqrt(1000 / 1999), 4
    )
    assert margin_of_error(50, population=50) == 0.0
    assert np.isnan(margin_of_error(0))


def test_quartiles_as_spss_haverage() -> None:
    # SPSS HAVERAGE / R type 6: position p(n+1). n = 10: Q1 at 2.75, median 5.5, Q3 at 8.25
    x = np.array([1, 3, 4, 6, 7, 9, 10, 12, 15, 20], dtype=float)
    q1, med, q3 = quantiles(x, [0.25, 0.5, 0.75])
    assert q1 == 3 + 0.75 * (4 - 3)
    assert med == 7 + 0.5 * (9 - 7)
    assert q3 == 12 + 0.25 * (15 - 12)


PARTY = """\
id: party
version: 1
title: 党派
description: 测试
sections:
  - id: B
    title: 基本
    questions:
      - {id: B1, type: single, text: 性别, options: {1: 女, 2: 男}, role: group}
      - {id: B2, type: single, text: 党派, options: {1: 民主党, 2: 独立, 3: 共和党}}
"""


def test_crosstab_through_analyse_equals_published(tmp_path: Path) -> None:
    bank = load_bank(write_bank(tmp_path, PARTY))
    counts = {(1, 1): 762, (1, 2): 327, (1, 3): 468, (2, 1): 484, (2, 2): 239, (2, 3): 477}
    rows = [(g, p) for (g, p), n in counts.items() for _ in range(n)]
    frame = pd.DataFrame(rows, columns=["B1", "B2"], dtype=float)
    r = analyse(Survey(frame, bank))
    [test] = r.crosstabs.to_dict(orient="records")
    assert (test["row"], test["column"], test["df"]) == ("B2", "B1", 2)
    assert round(test["chi2"], 2) == 30.07
    cell = r.crosstab_cells.query("row_code == 1 and column_code == 1").iloc[0]
    assert cell["n"] == 762 and cell["column_percent"] == pytest.approx(100 * 762 / 1557)
    freq = r.frequencies.query("field == 'B2' and option == 1").iloc[0]
    assert freq["n"] == 1246 and freq["percent"] == pytest.approx(100 * 1246 / 2757)
