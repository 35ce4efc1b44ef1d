"""What people read and act on says what the numbers say (issue 11): problems in the
problem's direction, one figure per problem, comparisons that mean something, 不清楚 out of
the bases."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveytool.analysis import Survey, analyse
from surveytool.analysis.waves import compare_waves
from surveytool.bank import load_bank
from surveytool.followup.lists import make_lists, read_lists
from surveytool.report.context import for_report
from surveytool.report.problems import candidate_problems, for_lists

from conftest import write_bank

BANK = """\
id: truth
version: 1
title: 测试问卷
description: 用于测试。
include: [scales]
scales:
  clear5: {1: 完全没有, 2: 较小, 3: 一般, 4: 较大, 5: 非常大, 9: {label: 不清楚, missing: true}}
sections:
  - id: B
    title: 基本情况
    questions:
      - {id: B1, type: single, text: 您所在的单位, options: {1: 甲大学, 2: 乙医院, 3: 丙学院}, role: unit}
      - {id: B2, type: single, text: 您的性别, options: {1: 男, 2: 女}, role: group}
  - id: C
    title: 环境
    questions:
      - id: C1
        type: likert
        problem_when: low
        text: 请对以下说法作出判断
        scale: agree5
        construct: 创新环境
        items:
          C1_1: {text: 我有较多机会参加学术交流活动, problem: 学术交流机会偏少}
          C1_2: {text: 团队合作氛围良好, problem: 团队合作氛围欠佳}
          C1_3: {text: 跨单位合作存在较多障碍, reverse: true, problem: 跨单位合作障碍多}
      - id: C2
        type: multi
        problem_when: high
        text: 最突出的负担
        options:
          1: {label: 报销, problem: 报销负担重}
          2: {label: 会议, problem: 会议负担重}
          3: {label: 目前没有明显的负担, none: true}
        exclusive: [3]
      - id: C3
        type: single
        text: 负担程度
        scale: clear5
      - id: C4
        type: single
        text: 单位类型
        options: {1: 高校, 2: 医院}
"""


@pytest.fixture
def bank(tmp_path: Path):
    return load_bank(write_bank(tmp_path, BANK))


def survey(bank, rows: list[dict]) -> Survey:
    cols = [f.id for f in bank.fields if f.kind not in ("text", "other")]
    return Survey(pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], dtype=float), bank)


def people(n: int, **answers) -> list[dict]:
    return [dict(answers) for _ in range(n)]


def test_a_reversed_item_in_a_low_battery_is_a_problem_only_when_most_agree(bank) -> None:
    # C1_3 "合作存在较多障碍" is reversed in a problem_when: low battery: agreeing is the problem
    disagree = people(20, B1=1, C1_1=4, C1_2=4, C1_3=1)  # most *disagree* there are obstacles
    s = survey(bank, disagree)
    keys = {p.key for p in candidate_problems(s, for_report(analyse(s)))}
    assert "item:C1_3" not in keys
    agree = people(20, B1=1, C1_1=4, C1_2=4, C1_3=5)
    s = survey(bank, agree)
    found = {p.key: p for p in candidate_problems(s, for_report(analyse(s)))}
    assert found["item:C1_3"].title == (
        "跨单位合作障碍多：100.0% 的受访者认同“跨单位合作存在较多障碍”（n = 20）"
    )


def test_a_positive_statement_is_stated_in_the_problems_direction(bank) -> None:
    s = survey(bank, people(15, B1=1, C1_1=1) + people(5, B1=2, C1_1=5))
    p = {p.key: p for p in candidate_problems(s, for_report(analyse(s)), "回访")}["item:C1_1"]
    assert (
        p.title
        == "学术交流机会偏少：75.0% 的受访者不认同“我有较多机会参加学术交流活动”（回访，n = 20）"
    )
    assert "15 人（75.0%）" in p.evidence and "（回访调查）" in p.evidence


def test_a_none_option_is_never_a_problem_and_more_of_it_is_an_improvement(bank) -> None:
    s = survey(bank, people(20, B1=1, C2_1=0, C2_2=0, C2_3=1))
    assert not [p for p in candidate_problems(s, for_report(analyse(s))) if "C2" in p.key]
    before = survey(bank, people(40, B1=1, C2_1=1, C2_3=0) + people(10, B1=1, C2_1=0, C2_3=1))
    after = survey(bank, people(10, B1=1, C2_1=1, C2_3=0) + people(40, B1=1, C2_1=0, C2_3=1))
    res = compare_waves(before, after).set_index("field")
    assert res.loc["C2_3", "verdict"] == "improved"  # more say "no burden"
    assert res.loc["C2_1", "verdict"] == "improved"  # fewer name 报销
    res = compare_waves(after, before).set_index("field")
    assert res.loc["C2_3", "verdict"] == "worsened"  # fewer say "no burden": not 改善


def test_a_share_whose_interval_straddles_the_line_is_marked_and_ranked_last(bank) -> None:
    rows = people(30, B1=1, C1_1=1, C1_2=1) + people(26, B1=2, C1_1=4, C1_2=1)
    rows += people(4, B1=3, C1_1=5, C1_2=5)
    s = survey(bank, rows)
    found = candidate_problems(s, for_report(analyse(s)))
    order = [p.key for p in found if p.key.startswith("item:")]
    assert order == ["item:C1_2", "item:C1_1"]
    assert found[order.index("item:C1_1")].near and "接近判定线" in found[1].title
    assert not found[0].near


def test_dont_know_is_counted_but_out_of_the_base(bank) -> None:
    s = survey(bank, people(6, B1=1, C3=4) + people(4, B1=1, C3=2) + people(5, B1=1, C3=9))
    r = analyse(s)
    f = r.frequencies[r.frequencies["field"] == "C3"].set_index("option")
    assert f.loc[4, "percent"] == pytest.approx(60.0) and f.loc[9, "n"] == 5
    assert np.isnan(f.loc[9, "percent"]) and int(f["valid"].iloc[0]) == 10
    assert int(f["dont_know_n"].iloc[0]) == 5
    gt = r.group_tests[r.group_tests["field"] == "C3"]
    assert gt.empty or (gt["n"] <= 10).all()


def test_every_list_row_has_one_figure_in_title_and_evidence(bank, tmp_path: Path) -> None:
    first = survey(bank, people(14, B1=1, C1_1=1, C2_1=1) + people(6, B1=2, C1_1=5, C2_2=1))
    later = survey(bank, people(11, B1=1, C1_1=1, C2_2=1) + people(19, B1=2, C1_1=5, C2_1=1))
    path = tmp_path / "清单.xlsx"
    make_lists(
        *for_lists(first, for_report(analyse(first)), "首轮")[:1], path, "t", date(2026, 6, 30)
    )
    found, measured = for_lists(later, for_report(analyse(later)), "回访")
    make_lists(found, path, "t", date(2026, 11, 30), measured)
    rows = read_lists(path).sheets["问题清单"]
    assert rows
    for row in rows:
        title = re.findall(r"\d+\.\d%", row["问题"])
        assert len(title) == 1 and re.findall(r"\d+\.\d%", row["数据依据"]) == title
        assert "首轮" in row["问题"] and "首轮" in row["数据依据"]
        assert "回访" not in row["问题"] + row["数据依据"]  # never mixes waves
    latest = {r["_key"]: r["最新数据"] for r in rows}
    assert "（回访，n = 30）" in latest["item:C1_1"] and "未达到提出标准" in latest["item:C1_1"]


def test_no_crosstab_of_grouping_questions_and_one_test_per_item(bank) -> None:
    rows = people(10, B1=1, B2=1, C1_1=1, C4=1) + people(10, B1=2, B2=2, C1_1=5, C4=2)
    r = analyse(survey(bank, rows), by=["B1"])
    assert "B2" not in set(r.crosstabs["row"])  # a profile question is not a finding
    assert "C4" in set(r.crosstabs["row"])
    tests = list(r.crosstabs["row"]) + list(r.group_tests["field"])
    assert tests.count("C1_1") == 1  # a likert item: the rank test only


def test_a_group_is_named_worse_only_with_a_significant_pairwise_test(bank) -> None:
    # 甲 vs 乙 clearly apart; 丙 in between, close to both: the omnibus is significant, and
    # the worst group (乙, lowest) differs significantly from 甲 only
    rng = np.random.default_rng(3)
    rows = []
    for unit, centre in ((1, 4.2), (2, 1.8), (3, 3.0)):
        for _ in range(25):
            v = float(np.clip(round(rng.normal(centre, 0.7)), 1, 5))
            rows.append({"B1": unit, "C1_1": v, "C1_2": v, "C1_3": 6 - v})
    s = survey(bank, rows)
    r = for_report(analyse(s, by=["B1"]))
    row = r.group_tests[(r.group_tests["field"] == "创新环境")].iloc[0].to_dict()
    sig = {(p["a"], p["b"]) for p in row["pairwise"] if p["p_adjusted"] < 0.05}
    groups = [p for p in candidate_problems(s, r) if p.key.startswith("group:")]
    assert groups and groups[0].key == "group:创新环境:B1:2"
    named = set(re.findall(r"“([^”]+)”", groups[0].statement))
    expected = {"甲大学" if 1 in pair else "丙学院" for pair in sig if 2 in pair}
    assert named == expected and "明显低于" in groups[0].statement


def test_no_group_is_named_when_no_pair_differs(bank) -> None:
    from surveytool.report.problems import worse_group

    row = {
        "test": "kruskal",
        "group_means": {1: 3.0, 2: 2.0, 3: 2.5},
        "mean_ranks": {1: 40.0, 2: 20.0, 3: 30.0},
        "pairwise": [
            {"a": 1, "b": 2, "p_adjusted": 0.08},
            {"a": 1, "b": 3, "p_adjusted": 0.4},
            {"a": 2, "b": 3, "p_adjusted": 0.5},
        ],
    }
    assert worse_group(row, "low") is None
    row["pairwise"][0]["p_adjusted"] = 0.01
    assert worse_group(row, "low") == (2, [1])


def test_alpha_is_not_interpreted_below_thirty(bank, tmp_path: Path) -> None:
    from surveytool.report.context import reliability_table
    from surveytool.report.numbering import Numbering

    rows = [{"B1": 1, "C1_1": v, "C1_2": v, "C1_3": 6 - v} for v in (1, 5)]
    r = analyse(survey(bank, rows))
    assert r.reliability["n"].iloc[0] == 2
    table = reliability_table(r, Numbering(tmp_path, write_charts=False))
    assert table["rows"][0][-1] == "完整作答不足 30 人，不作评价"
    assert "良好" not in table["rows"][0][-1]


def test_scales_in_scale_order_nominal_by_count_other_last(bank, tmp_path: Path) -> None:
    from surveytool.report.numbering import Numbering
    from surveytool.report.tables import display_order, single_table

    rows = people(9, B1=1, C3=5) + people(6, B1=1, C3=1) + people(7, B1=1, C3=3)
    rows += people(5, B1=2, C3=9)
    r = for_report(analyse(survey(bank, rows)))
    table = single_table(bank.question("C3"), r, Numbering(tmp_path, write_charts=False))
    assert [row[0] for row in table["rows"]] == [
        "完全没有",
        "较小",
        "一般",
        "较大",
        "非常大",
        "不清楚",
    ]
    assert table["rows"][-1][2] == "—" and "5 人选择“不清楚/不适用”" in table["note"]
    # unordered: by count; a chart draws rows in the order given
    f = r.frequencies[r.frequencies["field"] == "B1"]
    assert list(display_order(f, bank.question("B1"))["label"]) == ["甲大学", "乙医院", "丙学院"]
    from surveytool.charts import figures

    fig = figures.single_choice(display_order(f, bank.question("B1")), "单位")
    ax = fig.axes[0]
    top_down = [
        t.get_text() for _, t in sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True))
    ][::-1]
    assert top_down == ["甲大学", "乙医院", "丙学院"]  # the first option on top


def test_population_below_the_sample_is_refused(bank) -> None:
    from surveytool.errors import UsageError, problem

    s = survey(bank, people(10, B1=1))
    with pytest.raises(UsageError) as err:
        analyse(s, population=8)
    assert str(problem("population_lt_answers", population=8, n=10)) in str(err.value)


def test_report_on_an_empty_store_is_an_error_and_writes_nothing(tmp_path: Path, capsys) -> None:
    from surveytool.cli import main
    from surveytool.errors import problem
    from surveytool.ingest import ingest

    bank_file = write_bank(tmp_path, BANK)
    store = tmp_path / "空.db"
    out = tmp_path / "报告"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("B1,C3\n7,7\n", encoding="utf-8")  # rejected
    assert ingest([tmp_path / "in"], load_bank(bank_file), store).to_dict()["accepted"] == 0
    code = main(["report", "--bank", str(bank_file), "--store", str(store), "-o", str(out)])
    err = capsys.readouterr().err
    assert code != 0 and not out.exists()
    assert str(problem("empty_store", store=str(store), action="生成调研报告")) in err
    assert "Traceback" not in err


def test_compare_withholds_test_statistics_with_hidden_cells(bank) -> None:
    from surveytool.report.campaign import hide_wave_values

    a = survey(bank, people(12, B1=1, C1_1=4) + people(8, B1=1, C1_1=2))
    b = survey(bank, people(17, B1=1, C1_1=4) + people(3, B1=1, C1_1=1))  # 3 < k: hidden
    res = hide_wave_values(compare_waves(a, b), a, b, 5).set_index("field")
    row = res.loc["C1_1"]
    assert row["values_hidden"]
    for col in ("mean_a", "mean_b", "statistic", "p_value", "p_adjusted", "effect_size"):
        assert pd.isna(row[col]), col


def test_a_multi_pick_whose_label_holds_a_comma_stays_whole(bank) -> None:
    # 问卷星 joins picks with ┋; a label may itself hold a comma (工作任务繁重，没有时间)
    from surveytool.ingest import normalise as nz
    from surveytool.ingest.validate import split_picks

    yr = load_bank("young_researchers")
    matcher = nz.OptionMatcher(yr.question("D4").options)
    assert split_picks("工作任务繁重，没有时间┋缺少团队支持", matcher) == [
        "工作任务繁重，没有时间",
        "缺少团队支持",
    ]
    assert split_picks("缺少团队支持，工作任务繁重，没有时间", matcher) == [
        "缺少团队支持",
        "工作任务繁重，没有时间",
    ]
    assert split_picks("1,3", matcher) == ["1", "3"]
