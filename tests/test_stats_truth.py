"""Statistical truth, round 3 (issue 20, and issue 22 item 5): each defect reproduced on a
small synthetic survey and pinned against an independent computation named in the test."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from surveytool.analysis import Survey, analyse
from surveytool.analysis.compare import table_test
from surveytool.analysis.sampling import margin_of_error, sample_size
from surveytool.analysis.waves import compare_waves, paired_test
from surveytool.bank import load_bank
from surveytool.report.campaign import wave_section
from surveytool.report.comparisons import pairwise_sentence
from surveytool.report.comparisons import tests_table as appendix_tests
from surveytool.report.context import for_report, reliability_table
from surveytool.report.numbering import Numbering
from surveytool.report.problems import candidate_problems
from surveytool.store.answers import dtype_of

from conftest import write_bank

BANK = """\
id: stats3
version: 1
title: 统计测试
description: 测试
include: [scales]
sections:
  - id: B
    title: 基本
    questions:
      - {id: B0, type: text, text: 自编代码, role: respondent_code, pii: true}
      - {id: B1, type: single, text: 您所在的单位, options: {1: 甲大学, 2: 乙医院, 3: 丙学院}, other: true, role: unit}
  - id: C
    title: 负担
    questions:
      - id: C1
        type: likert
        text: 请判断以下负担
        scale: agree5
        construct: 负担
        problem_when: high
        items:
          C1_1: {text: 需要填写的表格多, problem: 表格负担重}
          C1_2: {text: 需要参加的会议多, problem: 会议负担重}
      - id: C2
        type: multi
        problem_when: high
        text: 最突出的困难
        options:
          1: {label: 经费, problem: 经费不足}
          2: {label: 场地, problem: 场地不足}
          3: {label: 不清楚, missing: true}
      - id: C3
        type: single
        text: 单位类型
        options: {1: 高校, 2: 医院}
"""


@pytest.fixture
def bank(tmp_path: Path):
    return load_bank(write_bank(tmp_path, BANK, "stats3.yaml"))


def survey(bank, people: list[dict]) -> Survey:
    frame = pd.DataFrame([{f.id: p.get(f.id) for f in bank.fields} for p in people])
    for f in bank.fields:
        dt = dtype_of(f)
        if isinstance(dt, pd.CategoricalDtype):
            frame[f.id] = pd.Categorical(pd.to_numeric(frame[f.id]).astype("Int64"), dtype=dt)
        else:
            frame[f.id] = frame[f.id].astype(dt)
    return Survey(frame, bank)


def burden(code: str | None, v: int, **more) -> dict:
    return {"B0": code, "B1": 1, "C1_1": v, "C1_2": v, **more}


def texts(blocks: list[dict]) -> str:
    out = []
    for b in blocks:
        if "para" in b or "note" in b:
            out.append(b.get("para") or b.get("note"))
        if "table" in b:
            t = b["table"]
            out += ["|".join(row) for row in t["rows"]] + [t.get("note", "")]
    return "\n".join(out)


# -- 1. the wave verdict takes its direction from the data the test used ----------------------


def linked_waves(bank) -> tuple[Survey, Survey]:
    """30 linked people: 25 went down 4 -> 3 on a burden item, 5 stayed at 3. Unlinked
    extras pull the whole-wave means the other way (3.125 -> 3.5)."""
    a = [burden(f"P{i:02d}", 4 if i < 25 else 3) for i in range(30)]
    a += [burden(f"X{i:02d}", 1) for i in range(10)]
    b = [burden(f"P{i:02d}", 3) for i in range(30)]
    b += [burden(f"Y{i:02d}", 5) for i in range(10)]
    return survey(bank, a), survey(bank, b)


def test_the_wave_verdict_follows_the_linked_pairs_not_the_wave_means(bank) -> None:
    a, b = linked_waves(bank)
    res = compare_waves(a, b).set_index("field")
    row = res.loc["负担"]
    assert row["design"] == "paired" and row["n"] == 30
    assert (row["mean_a"], row["mean_b"]) == (3.125, 3.5)  # the wave means went up ...
    # ... but every linked person's burden fell or stayed: R wilcox.test(after, before,
    # paired = TRUE, exact = FALSE, correct = TRUE): V = 0; 25 tied |d| = 1, so
    # var = 25*26*51/24 - (25^3 - 25)/48 = 1056.25 and z = (0 - 162.5 + 0.5) / 32.5
    z = (0 - 25 * 26 / 4 + 0.5) / math.sqrt(25 * 26 * 51 / 24 - (25**3 - 25) / 48)
    assert row["statistic"] == 0 and row["p_value"] == pytest.approx(2 * stats.norm.cdf(z))
    assert row["p_value"] == pytest.approx(6.2e-7, rel=0.01)
    assert row["effect_size"] == -1.0
    assert row["change"] == pytest.approx(-25 / 30)  # the mean within-person change
    assert (row["n_down"], row["n_same"], row["n_up"]) == (25, 5, 0)
    assert row["verdict"] == "improved"  # a burden that fell for the linked respondents
    assert res.loc["C1_1", "verdict"] == res.loc["C1_2", "verdict"] == "improved"


def test_the_wave_section_says_improved_with_the_pairs_shares(bank, tmp_path: Path) -> None:
    a, b = linked_waves(bank)
    section = wave_section(a, b, ("首轮", "回访"), Numbering(tmp_path, False), 5)
    text = texts(section["blocks"])
    assert "有所变差" not in text and "变差" in text  # the column 改善/不变/变差 only
    assert "在两轮都作答的 30 人中，25 人（83.3%）改善、5 人（16.7%）不变、0 人（0.0%）变差" in text
    assert "负担|3.12|3.50|-0.83|25/5/0|" in text  # wave means beside the pairs' change
    [conclusion] = section["conclusions"]
    assert "有所改善" in conclusion and "25 人（83.3%）改善" in conclusion
    assert "3.12 和 3.50" in conclusion  # the wave means are still said, not hidden


# -- 2. a group is named only with pairs significant in the stated direction -----------------

# 甲 has the highest mean (2.12, seven at 5) but lower ranks than 乙 (all at 2); 丙 all at 1.
SKEWED = {1: [1] * 18 + [5] * 7, 2: [2] * 25, 3: [1] * 25}


def grouped(bank, groups: dict[int, list[int]]) -> Survey:
    return survey(bank, [burden(None, v, B1=g) for g, vs in groups.items() for v in vs])


def test_the_group_named_is_the_one_the_pairwise_tests_put_at_the_problem_end(bank) -> None:
    s = grouped(bank, SKEWED)
    r = for_report(analyse(s, by=["B1"]))
    row = r.group_tests[r.group_tests["field"] == "负担"].iloc[0].to_dict()
    # reference: scikit-posthocs posthoc_dunn(p_adjust="holm"): 甲-乙 p = 4.5166e-4,
    # 乙-丙 1.08e-9, 甲-丙 0.00983 (all significant); mean ranks 甲 36, 乙 56, 丙 22
    assert row["mean_ranks"] == {1: 36.0, 2: 56.0, 3: 22.0}
    holm = {(p["a"], p["b"]): p["p_adjusted"] for p in row["pairwise"]}
    assert holm[(1, 2)] == pytest.approx(4.516629e-4, rel=1e-5)
    assert holm[(1, 3)] == pytest.approx(9.830032e-3, rel=1e-5)
    assert holm[(2, 3)] == pytest.approx(1.083366e-9, rel=1e-5)
    [p] = [p for p in candidate_problems(s, r) if p.key.startswith("group:")]
    assert p.key == "group:负担:B1:2"  # 乙, above both others; never 甲 "above 乙"
    assert p.statement == "明显高于“甲大学”“丙学院”"  # means would contradict: not shown
    said = pairwise_sentence(s, row, "construct")
    assert said.startswith("“乙医院”明显高于“甲大学”“丙学院”")
    assert "“甲大学”（2.12）明显高于" not in said and "平均分的高低与此不一致" in said


def test_other_is_never_named_nor_ranked(bank) -> None:
    # issue 22.5: 其他 (all at 5) is furthest at the problem end, yet not a unit to name
    s = grouped(bank, {**SKEWED, 4: [5] * 25})
    r = for_report(analyse(s, by=["B1"]))
    row = r.group_tests[r.group_tests["field"] == "负担"].iloc[0].to_dict()
    assert row["mean_ranks"][4] == 84.5  # scikit-posthocs: 其他 above all three, p < 0.001
    [p] = [p for p in candidate_problems(s, r) if p.key.startswith("group:")]
    assert p.key == "group:负担:B1:2" and "其他" not in p.statement + p.evidence
    assert "其他" not in pairwise_sentence(s, row, "construct")


def test_no_group_is_ranked_when_no_pair_is_significant_in_a_direction(bank) -> None:
    row = {
        "test": "kruskal",
        "by": "B1",
        "field": "负担",
        "group_means": {1: 3.0, 2: 2.0},
        "mean_ranks": {1: 30.0, 2: 20.0},
        "pairwise": [{"a": 1, "b": 2, "p_adjusted": 0.2}],
    }
    s = grouped(bank, SKEWED)
    assert pairwise_sentence(s, row, "construct").startswith("各组之间存在差异（整体检验显著）")


# -- 3. one base per multiple-choice question; 不清楚 never tested ---------------------------


def test_multi_tests_use_the_percentage_base_and_skip_dont_know(bank) -> None:
    rows = []
    for g in (1, 2):  # 35 answered: 甲 15 + 20 乙; 4 more were shown it but did not answer
        picks = 10 if g == 1 else 6
        answered = 15 if g == 1 else 20
        for i in range(answered):
            rows.append({"B1": g, "C2_1": int(i < picks), "C2_2": int(i >= picks), "C2_3": 0})
    rows += [{"B1": 1, "C2_1": 0, "C2_2": 0, "C2_3": 1}] * 2  # only 不清楚
    rows += [{"B1": 2, "C2_1": 0, "C2_2": 0, "C2_3": 1}]
    rows += [{"B1": 2, "C2_1": 0, "C2_2": 0, "C2_3": 0}]  # picked nothing
    s = survey(bank, rows)
    r = analyse(s, by=["B1"])
    multi = r.multi[r.multi["question"] == "C2"]
    assert int(multi["valid"].iloc[0]) == 35
    ct = r.crosstabs.set_index("row")
    assert "C2_3" not in ct.index  # the 不清楚 flag itself is never tested
    # reference: scipy chi2_contingency on the 35 answering respondents only
    # (经费 picked 10 of 15 in 甲, 6 of 20 in 乙)
    chi2, p, _, _ = stats.chi2_contingency([[10, 6], [5, 14]], correction=False)
    assert ct.loc["C2_1", "n"] == 35
    assert ct.loc["C2_1", "chi2"] == pytest.approx(chi2) and ct.loc["C2_1", "p_value"] == (
        pytest.approx(p)
    )


def test_wave_mcnemar_on_an_option_uses_the_same_base(bank) -> None:
    picked = {"C2_1": 1, "C2_2": 0, "C2_3": 0}  # 经费
    other = {"C2_1": 0, "C2_2": 1, "C2_3": 0}  # 场地 only
    dont_know = {"C2_1": 0, "C2_2": 0, "C2_3": 1}  # only 不清楚: out of the base
    pairs = [(picked, other)] * 12 + [(picked, dont_know)] * 3  # 1 -> 0, then 1 -> base out
    pairs += [(other, picked)] + [(picked, picked)] * 8  # the one 0 -> 1; 8 stay
    before = [{"B0": f"P{i}", **x} for i, (x, _) in enumerate(pairs)]
    after = [{"B0": f"P{i}", **y} for i, (_, y) in enumerate(pairs)]
    res = compare_waves(survey(bank, before), survey(bank, after)).set_index("field")
    row = res.loc["C2_1"]
    # 13 discordant pairs (<= 25): the exact binomial McNemar test.
    # reference: R binom.test(1, 13): p-value = 0.003418 (= 2 * 14 / 2^13)
    assert (row["b01"], row["b10"], row["n"]) == (1, 12, 21)
    assert row["method"] == "exact" and row["statistic"] == 1
    assert row["p_value"] == pytest.approx(28 / 8192) and round(row["p_value"], 6) == 0.003418
    assert "C2_3" not in res.index
    # the later wave's share has the same base as its percentages: 21 answered (not 24)
    assert row["n_b"] == 21 and row["mean_b"] == pytest.approx(9 / 21)


# -- 4. 覆盖 N 个单位 counts units with answers, not 其他, whatever is hidden -------------------


def test_units_with_answers_are_counted_whatever_protection_hides(bank) -> None:
    from surveytool.report.context import covered_units

    rows = [{"B1": 1}] * 10 + [{"B1": 2}] * 2 + [{"B1": 3}] * 1 + [{"B1": 4}] * 3
    r = for_report(analyse(survey(bank, rows)))
    assert r.coverage["suppressed"].sum() >= 2  # 乙 and 丙 hidden (and complementary)
    assert covered_units(r.coverage) == (3, True)  # 甲 乙 丙; 其他 is not a unit
    r = for_report(analyse(survey(bank, [{"B1": 1}] * 8 + [{"B1": 2}] * 8)))
    assert covered_units(r.coverage) == (2, False)


# -- 5. McNemar's effect size: b/c as documented; Haldane–Anscombe only at a zero ------------


def test_mcnemar_odds_ratio_is_the_discordant_ratio() -> None:
    from surveytool.analysis.waves import discordant_odds_ratio

    # R exact2x2::mcnemar.exact estimate = b / c = 12 / 7 = 1.714 (the conditional MLE)
    a = np.array([0.0] * 12 + [1.0] * 7 + [1.0] * 5)
    b = np.array([1.0] * 12 + [0.0] * 7 + [1.0] * 5)
    res = paired_test(a, b, binary=True)
    assert res["effect_size"] == pytest.approx(12 / 7) and not res["effect_corrected"]
    assert discordant_odds_ratio(5, 0) == (11.0, True)  # (5 + .5) / (0 + .5)
    doc = (Path(__file__).parents[1] / "docs" / "campaign.md").read_text(encoding="utf-8")
    assert "b01 / b10" in doc and "Haldane–Anscombe" in doc


# -- 6. Fisher with a zero cell: one corrected odds ratio in every output --------------------


def test_fisher_zero_cell_gives_the_same_corrected_odds_ratio_everywhere(bank) -> None:
    from surveytool.analysis.compare import odds_ratio

    # reference: the Haldane–Anscombe estimate, 1/2 added to every cell (Agresti 2013,
    # Categorical Data Analysis, 3rd ed., §3.1.1): (5.5 × 6.5) / (1.5 × 0.5) = 47.667.
    # (statsmodels Table2x2(shift_zeros=True) replaces only the zero cell: 60, not this.)
    ref = 5.5 * 6.5 / (1.5 * 0.5)
    assert odds_ratio(np.array([[5, 1], [0, 6]])) == (pytest.approx(ref), True)
    rows = [{"B1": 1, "C3": 1}] * 5 + [{"B1": 2, "C3": 1}] + [{"B1": 2, "C3": 2}] * 6
    s = survey(bank, rows)
    r = for_report(analyse(s, by=["B1"]))
    row = r.crosstabs.set_index("row").loc["C3"]
    assert row["test"] == "fisher" and row["odds_ratio"] == pytest.approx(ref)
    assert row["p_value"] == pytest.approx(stats.fisher_exact([[5, 1], [0, 6]]).pvalue)
    saved = {c["row"]: c for c in json.loads(r.to_json())["crosstabs"]}["C3"]
    assert saved["odds_ratio"] == pytest.approx(ref) and saved["odds_ratio_corrected"] is True
    table = appendix_tests(s, r)
    [line] = [x for x in table["rows"] if "单位类型" in x[0]]
    assert "47.67［1.60, 1422.69］（零单元格校正）" in line and "inf" not in "".join(line)
    assert table_test(np.array([[5, 1], [0, 6]]))["odds_ratio"] == pytest.approx(ref)


# -- 7. sample size: our rounding up, and Krejcie & Morgan's table reproduced ----------------

# Krejcie & Morgan (1970), Table 1 (N -> S), a selection across its range
KM_TABLE = {
    10: 10, 15: 14, 50: 44, 100: 80, 150: 108, 200: 132, 300: 169, 500: 217,
    1000: 278, 1500: 306, 2000: 322, 2800: 338, 5000: 357, 9000: 368, 10000: 370,
    20000: 377, 50000: 381, 75000: 382, 1000000: 384,
}  # fmt: skip


def test_sample_size_rounds_up_and_krejcie_morgan_table_is_reproduced() -> None:
    from surveytool.analysis.sampling import krejcie_morgan

    assert {n: krejcie_morgan(n) for n in KM_TABLE} == KM_TABLE
    # ours rounds up so the margin is met: 218 at N = 500 gives <= 5%, 217 does not
    assert sample_size(500) == 218 and sample_size(2000) == 323
    assert margin_of_error(218, 500) <= 0.05 < margin_of_error(217, 500)
    from surveytool.analysis import sampling

    assert "rounded to the *nearest*" in sampling.__doc__  # the docstring no longer claims it


# -- 8. alpha with a constant item: computed, and the table note says why --------------------


def test_alpha_with_a_constant_item_is_computed_and_the_note_says_so(bank, tmp_path) -> None:
    # C1_1 constant (everyone 4), C1_2 varies. Reference: pingouin 0.5
    # cronbach_alpha(DataFrame({"a": [4] * 8, "b": [1, 2, 2, 3, 4, 5, 5, 3]})) gives 0.0,
    # as the formula does: k/(k-1) * (1 - (0 + s2_b) / s2_b) = 0 (pinned; CI needs no pingouin)
    rows = [{"B1": 1, "C1_1": 4, "C1_2": v} for v in (1, 2, 2, 3, 4, 5, 5, 3)]
    r = analyse(survey(bank, rows))
    ref = 0.0
    rel = r.reliability.iloc[0]
    assert rel["alpha"] == pytest.approx(ref)
    table = reliability_table(r, Numbering(tmp_path, False))
    assert re.search(r"“需要填写的表格多”的回答完全相同（没有方差）", table["note"])
    assert table["rows"][0][3] == f"{ref:.3f}"


# -- also expected: confidence intervals for the effect sizes ---------------------------------


def test_effect_size_intervals_match_r() -> None:
    from surveytool.analysis import effects
    from surveytool.analysis.compare import group_test

    # each reference computed in R 4.2: Mann–Whitney rank-biserial with effectsize's
    # rank_biserial SE, tanh(atanh(-0.4) + c(-1, 1) * qnorm(0.975) * sqrt(16 / 150))
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    res = group_test(np.array(x + y), np.array([1.0] * 10 + [2.0] * 5), k=1)
    assert (res["effect_low"], res["effect_high"]) == (
        pytest.approx(-0.7871026771),
        pytest.approx(0.2131534960),
    )
    # Cramér's V, noncentral chi-square (Steiger 2004): uniroot(pchisq(10, 2, ncp = l) -
    # 0.975 / 0.025) -> sqrt(l / 100)
    assert effects.cramers_v_ci(10.0, 2, 100, 2) == (
        pytest.approx(0.09089152217, rel=1e-7),
        pytest.approx(0.49961071901, rel=1e-7),
    )
    # Fisher's OR with a zero cell: Woolf on the Haldane–Anscombe table
    t = table_test(np.array([[5, 1], [0, 6]]))
    assert (t["odds_ratio_low"], t["odds_ratio_high"]) == (
        pytest.approx(1.59704737),
        pytest.approx(1422.69487625),
    )
    # McNemar's discordant OR 12/7: binom.test(12, 19)$conf.int as odds
    assert effects.discordant_or_ci(12, 7) == (
        pytest.approx(0.6222650645),
        pytest.approx(5.1392678614),
    )
    assert effects.discordant_or_ci(5, 0)[1] == math.inf


def test_epsilon_squared_interval_is_a_seeded_bootstrap_of_the_right_h() -> None:
    from surveytool.analysis import effects
    from surveytool.analysis.compare import group_test

    rng = np.random.default_rng(4)
    samples = [
        rng.integers(1, 6, n).astype(float) + shift for n, shift in ((30, 0), (40, 1), (25, 0))
    ]
    values = np.unique(np.concatenate(samples))
    counts = np.stack(
        [np.bincount(np.searchsorted(values, s), minlength=len(values)) for s in samples]
    )
    # the counts form of H equals scipy's tie-corrected Kruskal–Wallis H
    assert effects._kruskal_counts(counts[None])[0] == pytest.approx(
        stats.kruskal(*samples).statistic
    )
    groups = np.concatenate([[i] * len(s) for i, s in enumerate(samples)]).astype(float)
    res = group_test(np.concatenate(samples), groups, k=1)
    assert res["effect_low"] < res["effect_size"] < res["effect_high"]
    again = group_test(np.concatenate(samples), groups, k=1)
    assert (again["effect_low"], again["effect_high"]) == (res["effect_low"], res["effect_high"])


# -- also expected: a respondent code used twice within one wave is warned about at ingest ----


def test_a_respondent_code_used_twice_in_a_wave_is_warned_about(bank, tmp_path: Path) -> None:
    from surveytool.forms.fill import FormFiller
    from surveytool.ingest import ingest

    filler = FormFiller(bank)
    answers = {"B1": 1, "C1_1": 3, "C1_2": 4, "C2_1": 1, "C3": 1}
    for name, code, more in (("甲", "1234-0506", {}), ("乙", "1234-0506", {"C1_1": 5})):
        filler.fill({**answers, **more, "B0": code}, tmp_path / "首轮" / f"{name}.xlsx")
    filler.fill({**answers, "C1_2": 2, "B0": "1234-0506"}, tmp_path / "回访" / "丙.xlsx")
    store = tmp_path / "s.db"
    first = ingest([tmp_path / "首轮"], bank, store, wave="首轮")
    assert first.total("accepted") == 2  # both kept: the warning drops nothing
    warned = [(f.name, p) for f in first.files for p in f.problems]
    [(name, p)] = warned  # on the later of the two, naming the earlier
    other = ({"甲.xlsx", "乙.xlsx"} - {name}).pop()
    message = p.message
    assert p.code == "respondent_code_repeated" and message.startswith(f"返回表 {name}")
    assert f"“{other}”" in message and "“首轮”" in message and "不参加配对比较" in message
    assert "1234" not in message  # the code is personal: never printed
    assert first.total("warnings") == 1
    later = ingest([tmp_path / "回访"], bank, store, wave="回访")  # another wave: fine
    assert not [p for f in later.files for p in f.problems]


# -- also expected: response rates per unit, the finite population correction in the CIs ------


def test_finite_population_correction_in_intervals_and_the_near_line_rule(bank) -> None:
    from surveytool.analysis.descriptive import wilson

    # reference: statsmodels 0.14 Wilson interval at the effective sample size
    # n' = n (N - 1) / (N - n) (variance times the fpc (N - n) / (N - 1), Cochran 1977 eq. 3.4):
    # proportion_confint(0.5 * n', n', method="wilson") with n' = 60 * 99 / 40, pinned here
    low, high = 0.42060209553554057, 0.5793979044644595
    assert [float(x) for x in wilson(30, 60, population=100)] == [
        pytest.approx(100 * low),
        pytest.approx(100 * high),
    ]
    assert [float(x) for x in wilson(30, 60, population=60)] == [50.0, 50.0]  # all answered
    # 24 of 40 (60%) agree a burden is heavy: near the line for a large population (Wilson
    # low 44.6%), clearly above it when those 40 are 40 of 45 people
    rows = [{"B1": 1, "C1_1": 5, "C1_2": 1}] * 24 + [{"B1": 1, "C1_1": 1, "C1_2": 1}] * 16
    s = survey(bank, rows)
    near = {p.key: p.near for p in candidate_problems(s, for_report(analyse(s)))}
    assert near["item:C1_1"] is True
    r = for_report(analyse(s, population=45))
    assert {p.key: p.near for p in candidate_problems(s, r)}["item:C1_1"] is False
    freq = r.frequencies[(r.frequencies["field"] == "C1_1") & (r.frequencies["option"] == 5)]
    # statsmodels: proportion_confint(0.6 * n', n', method="wilson"), n' = 40 * 44 / 5
    low = 0.5480081138439613
    assert freq["ci_low"].iloc[0] == pytest.approx(100 * low)


def test_response_rates_per_unit_beside_targets(bank, tmp_path: Path) -> None:
    from surveytool.report.context import _coverage_table

    rows = [{"B1": 1}] * 30 + [{"B1": 2}] * 12
    r = for_report(
        analyse(
            survey(bank, rows),
            targets={"甲大学": 40, "乙医院": 10},
            populations={"甲大学": 120, "乙医院": 15},
        )
    )
    cov = r.coverage.set_index("unit")
    assert cov.loc["甲大学", "response_rate"] == pytest.approx(25.0)  # 30 of 120 asked
    assert cov.loc["乙医院", "response_rate"] == pytest.approx(80.0)
    table = _coverage_table(r, Numbering(tmp_path, False))
    assert table["header"][-2:] == ["调查对象（人）", "应答率"]
    assert table["rows"][0] == ["甲大学", "30", "40", "75%", "120", "25%"]


def test_sparse_tables_larger_than_2x2_get_the_freeman_halton_test() -> None:
    # reference: R 4.2 fisher.test (network algorithm, exact) of each table; ours is a Monte
    # Carlo estimate over 10,000 tables with the same margins: within 4 standard errors
    for table, exact in (
        ([[3, 1, 0], [1, 4, 2], [0, 1, 5]], 0.02467777321),
        ([[2, 0, 3], [1, 4, 0]], 0.04761904762),
    ):
        res = table_test(np.array(table))
        assert res["test"] == "fisher_ffh" and "Fisher–Freeman–Halton" in res["warning"]
        se = math.sqrt(exact * (1 - exact) / 10_000)
        assert abs(res["p_value"] - exact) < 4 * se
        assert table_test(np.array(table))["p_value"] == res["p_value"]  # seeded


# -- acceptance: a store built to trigger 1-3 gets a report whose words are right -------------


def test_a_report_on_a_store_built_to_trigger_1_to_3_says_the_right_things(
    bank, tmp_path: Path
) -> None:
    from surveytool.forms.fill import FormFiller
    from surveytool.ingest import ingest
    from surveytool.report import make_report

    filler = FormFiller(bank)
    # 回访 (the later wave, the report's body): SKEWED burden by unit, 75 linked people; 35
    # answered the multi question (15 of 甲 pick 经费 10 times, 20 of 乙 pick it 6 times),
    # 3 chose only 不清楚, 1 picked nothing
    later, earlier = [], []
    for i, (unit, v) in enumerate((g, v) for g, vs in SKEWED.items() for v in vs):
        person = {"B0": f"P{i:02d}", "B1": unit, "C1_1": v, "C1_2": v, "C3": 1}
        if i < 15:
            person |= {"C2_1": int(i < 10), "C2_2": int(i >= 10)}
        elif 25 <= i < 45:
            person |= {"C2_1": int(i < 31), "C2_2": int(i >= 31)}
        elif i in (15, 16, 45):
            person |= {"C2_3": 1}
        later.append(person)
        # 首轮: the same people one step higher (a burden that fell for every linked person
        # but the seven already at 5), all picking 经费
        earlier.append({**person, "C1_1": min(v + 1, 5), "C1_2": min(v + 1, 5), "C2_1": 1})
        earlier[-1] |= {"C2_2": 0, "C2_3": 0}
    # 100 first-wave people not in the follow-up, all at 1: the first wave's mean is lower
    earlier += [{"B0": f"X{i:03d}", "B1": 3, "C1_1": 1, "C1_2": 1, "C3": 2} for i in range(100)]
    for wave, people_ in (("首轮", earlier), ("回访", later)):
        for i, p in enumerate(people_):
            filler.fill(p, tmp_path / wave / f"{i:03d}.xlsx")
        ingest([tmp_path / wave], bank, tmp_path / "s.db", wave=wave)
    paths = make_report(
        tmp_path / "s.db", bank, tmp_path / "rep", waves=("首轮", "回访"), formats=("md",)
    )
    md = paths["md"].read_text(encoding="utf-8")
    # 1. the burden fell for the linked people: improved, with the pairs' shares, though the
    # whole-wave means rose (1.69 -> 1.71)
    assert (
        "“负担”维度在两轮都作答的 75 人中，68 人（90.7%）改善、7 人（9.3%）不变、0 人（0.0%）变差，有所改善"
        in md
    )
    assert "有所变差" not in md
    # 2. 乙医院 named above 甲 and 丙 (never 甲 above 乙), never 其他
    assert "“乙医院”明显高于“甲大学”“丙学院”" in md
    assert "“甲大学”明显高于" not in md and "“甲大学”（2.12）明显高于" not in md
    # 3. one base: 35 answered the multi question; its test counts the same 35
    s = analyse(survey_of(tmp_path / "s.db", bank, "回访"), by=["B1"])
    assert int(s.multi[s.multi["question"] == "C2"]["valid"].iloc[0]) == 35
    assert s.crosstabs.set_index("row").loc["C2_1", "n"] == 35
    assert "C2_3" not in set(s.crosstabs["row"])
    res = compare_waves(
        survey_of(tmp_path / "s.db", bank, "首轮"), survey_of(tmp_path / "s.db", bank, "回访")
    ).set_index("field")
    assert res.loc["C2_1", "n"] == 35 and res.loc["C2_1", "n_b"] == 35
    assert "35 名作答者" in md or "（n = 35）" in md or "| 35 |" in md


def survey_of(store: Path, bank, wave: str) -> Survey:
    from surveytool.store.answers import load_answers

    return Survey(load_answers(store, bank, wave), bank)


def test_report_and_status_with_a_campaign_give_response_rates(
    bank, tmp_path: Path, capsys
) -> None:
    from surveytool.cli import main
    from surveytool.followup.campaign import load_campaign
    from surveytool.followup.status import coverage
    from surveytool.forms.fill import FormFiller
    from surveytool.ingest import ingest

    filler = FormFiller(bank)
    for i in range(14):
        unit = 1 if i < 8 else 2
        person = {"B0": f"R{i:02d}", "B1": unit, "C1_1": 1 + i % 5, "C1_2": 2}
        filler.fill(person, tmp_path / "in" / f"{i}.xlsx")
    ingest([tmp_path / "in"], bank, tmp_path / "选题1.db")
    (tmp_path / "campaign.yaml").write_text(
        "name: 测试\ntopics:\n  - topic: 1\n    title: 甲\n    bank: stats3.yaml\n    units:\n"
        "      - {name: 甲大学, population: 40, target: 10}\n"
        "      - {name: 乙医院, population: 12, target: 6}\n",
        encoding="utf-8",
    )
    cov = coverage(load_campaign(tmp_path / "campaign.yaml")).set_index("unit")
    assert cov.loc["甲大学", "response_rate"] == pytest.approx(20.0)  # 8 of 40 asked
    assert cov.loc["乙医院", "response_rate"] == pytest.approx(50.0)
    args = ["report", "--bank", str(tmp_path / "stats3.yaml"), "--store"]
    args += [str(tmp_path / "选题1.db"), "--campaign", str(tmp_path / "campaign.yaml")]
    assert main([*args, "--format", "md", "-o", str(tmp_path / "rep")]) == 0
    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "| 调查对象（人） | 应答率 |" in md
    assert "| 甲大学 | 8 | 10 | 80% | 40 | 20% |" in md
    assert "| 乙医院 | 6 | 6 | 100% | 12 | 50% |" in md


def test_epsilon_squared_interval_matches_scipys_bootstrap_for_scales_and_numbers() -> None:
    """Both ways of resampling (counts over few distinct values; the answers themselves for
    numbers with many) give the percentile interval an independent bootstrap gives.
    Reference (pinned; Monte Carlo error about 0.005): scipy 1.x
    ``stats.bootstrap(samples, lambda *x: kruskal(*x).statistic / (n - 1),
    method="percentile", n_resamples=4000, random_state=1, vectorized=False)``."""
    from surveytool.analysis import effects

    rng = np.random.default_rng(11)
    numbers = [rng.normal(50, 10, n).round(1) + s for s, n in ((0, 60), (4, 80), (1, 50))]
    scale = [rng.integers(1, 6, n).astype(float) + (n == 80) for n in (60, 80, 50)]
    assert len(np.unique(np.concatenate(numbers))) > effects.FEW_VALUES  # answers drawn
    assert len(np.unique(np.concatenate(scale))) <= effects.FEW_VALUES  # counts drawn
    for samples, reference in (
        (numbers, (0.018589, 0.161841)),
        (scale, (0.067548, 0.250373)),
    ):
        lo, hi = effects.epsilon_squared_ci(samples)
        assert lo == pytest.approx(reference[0], abs=0.01)
        assert hi == pytest.approx(reference[1], abs=0.01)


def test_resampled_h_of_the_answers_themselves_is_scipys_h() -> None:
    from surveytool.analysis import effects

    rng = np.random.default_rng(3)
    samples = [rng.normal(40, 10, n).round(2) for n in (30, 45, 20)]
    values = np.unique(np.concatenate(samples))
    codes = [np.searchsorted(values, x) for x in samples]

    class Identity:  # a "resample" that draws every answer once, in order
        def integers(self, low: int, high: int, size: tuple) -> np.ndarray:
            return np.broadcast_to(np.arange(high), size)

    h = effects._kruskal_draws(Identity(), codes, len(values), 2)
    assert h == pytest.approx([stats.kruskal(*samples).statistic] * 2)  # scipy.stats.kruskal
