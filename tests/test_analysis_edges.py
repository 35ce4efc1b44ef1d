"""Analysis semantics and edge cases: bases, skips, multiple response, composites,
suppression, open answers, and data that breaks naive code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveytool.analysis import Survey, analyse, frequencies, multi_response
from surveytool.analysis.constructs import composite
from surveytool.analysis.text import mask
from surveytool.bank import load_bank

from conftest import write_bank

BANK = """\
id: edge
version: 1
title: 边界
description: 测试
include: [scales]
sections:
  - id: B
    title: 基本
    questions:
      - {id: B1, type: single, text: 单位类型, options: {1: 高校, 2: 医院, 3: 企业}, role: group}
      - id: B2
        type: multi
        text: 负担
        options: {1: 报销, 2: 会议, 3: 考核}
        relevant: "B1 in [1, 2]"
      - id: B3
        type: likert
        text: 看法
        scale: agree5
        construct: 负担感
        items:
          B3_1: 表格多
          B3_2: 会议多
          B3_3: {text: 时间够, reverse: true}
          B3_4: 报销难
      - {id: B4, type: number, text: 时间, min: 0, max: 100}
      - {id: B5, type: text, text: 建议}
      - {id: B6, type: single, text: 只问企业, options: {1: 是, 2: 否}, relevant: "B1 == 3"}
"""


@pytest.fixture
def bank(tmp_path: Path):
    return load_bank(write_bank(tmp_path, BANK))


def frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["B1", "B2_1", "B2_2", "B2_3", "B3_1", "B3_2", "B3_3", "B3_4", "B4", "B5", "B6"]
    return pd.DataFrame([{c: r.get(c) for c in cols} for r in rows]).astype(
        {c: float for c in cols if c != "B5"}
    )


def test_base_excludes_structural_skips_and_reports_missing(bank) -> None:
    rows = [
        {"B1": 1, "B2_1": 1, "B2_2": 0, "B2_3": 0},
        {"B1": 2, "B2_1": 1, "B2_2": 1, "B2_3": 0},
        {"B1": 3},  # B2 skipped (structural), not in the base
        {"B1": 1},
    ]  # shown B2, answered nothing: missing
    s = Survey(frame(rows), bank)
    m = multi_response(s, bank.question("B2")).set_index("option")
    assert (m["base"].iloc[0], m["valid"].iloc[0], m["missing"].iloc[0]) == (3, 2, 1)
    # SPSS multiple response: percent of respondents (2) and of responses (3)
    assert m.loc[1, "n"] == 2 and m.loc[1, "percent"] == 100
    assert m.loc[2, "percent"] == 50 and m.loc[1, "percent_responses"] == pytest.approx(200 / 3)
    assert list(m["rank"]) == [1, 2, 3]


def test_question_nobody_was_shown(bank) -> None:
    s = Survey(frame([{"B1": 1}, {"B1": 2}]), bank)
    f = frequencies(s, bank.field("B6"))
    assert set(f["base"]) == {0} and set(f["valid"]) == {0}
    assert f["percent"].isna().all()  # no 0% claims about nobody
    r = analyse(s)
    json.dumps(r.to_dict())  # no NaN leaks into JSON


def test_all_answers_missing(bank) -> None:
    s = Survey(frame([{}, {}, {}]), bank)
    r = analyse(s)
    assert r.numeric.iloc[0]["n"] == 0 and np.isnan(r.numeric.iloc[0]["mean"])
    assert r.reliability.iloc[0]["note"].startswith("完整回答全部题项的受访者少于 2 人")
    json.dumps(r.to_dict())


def test_constant_likert_item_gives_a_note_not_nan(bank) -> None:
    rows = [{"B1": 1, "B3_1": 4, "B3_2": v, "B3_3": 6 - v, "B3_4": v} for v in (1, 2, 3, 4, 5)]
    r = analyse(Survey(frame(rows), bank))
    rel = r.reliability.iloc[0]
    assert np.isnan(rel["alpha"])
    label = bank.field("B3_1").label  # the item as people read it, not its id
    assert rel["note"] == f"题项“{label}”的回答完全相同（方差为 0），信度系数无意义，未计算。"
    assert r.to_dict()["reliability"][0]["alpha"] is None


def test_reverse_items_recoded_and_half_rule(bank) -> None:
    rows = [
        {"B3_1": 5, "B3_2": 5, "B3_3": 1, "B3_4": 5},  # reverse 1 -> 5: all 5
        {"B3_1": 4, "B3_2": None, "B3_3": None, "B3_4": 2},  # 2 of 4 answered: (4+2)/2
        {"B3_1": 4},
    ]  # 1 of 4 answered: below half, missing
    s = Survey(frame(rows), bank)
    fields = [f for f in bank.fields if f.kind == "likert"]
    score = composite(s, fields)
    assert score[0] == 5 and score[1] == 3 and np.isnan(score[2])


def test_one_group_only_and_zero_row(bank) -> None:
    rows = [
        {"B1": 1, "B3_1": v, "B3_2": v, "B3_3": 6 - v, "B3_4": v, "B4": v * 10}
        for v in (1, 2, 2, 3, 4, 4, 5)
    ]
    r = analyse(Survey(frame(rows), bank))
    t = r.group_tests[r.group_tests["field"] == "B4"].iloc[0]
    assert t["test"] == "" and "少于 2 个" in t["warning"]
    # one test per item: a likert item gets the rank test only, never also a chi-square
    assert r.crosstabs[r.crosstabs["row"] == "B3_1"].empty
    assert len(r.group_tests[r.group_tests["field"] == "B3_1"]) == 1


def test_small_groups_are_merged_in_every_statistic(bank) -> None:
    # 医院 holds 2 people: merged with the smallest other group (高校, 6) into 其他（合并）(8),
    # so no published figure is about fewer than k people, and the total minus the shown
    # groups gives back only the merged group (issue 13: differencing)
    rows = [{"B1": 1, "B4": 10}] * 6 + [{"B1": 2, "B4": 50}] * 2 + [{"B1": 3, "B4": 30}] * 6
    r = analyse(Survey(frame(rows), bank))
    d = r.to_dict()
    moe = {m["group"]: m["n"] for m in d["margin_of_error"] if m["by"] == "B1"}
    assert moe == {"企业": 6, "其他（合并）": 8}
    t = r.group_tests[r.group_tests["field"] == "B4"].iloc[0]
    assert t["groups"] == [-1, 3] and t["excluded"] == [] and t["n"] == 14
    assert sorted(t["group_means"]) == [-1, 3]
    cells = [c for c in d["crosstab_cells"] if c["column"] == "B1"]
    assert {c["column_code"] for c in cells} <= {3, -1}
    assert all(
        c["n"] is None for c in cells if c["column_total"] is not None and 0 < c["column_total"] < 5
    )


def test_open_answers_keywords_and_masking(bank) -> None:
    texts = [
        "希望简化科研经费报销流程，联系我13812345678",
        "科研经费报销太繁琐，邮箱 zhang.san@example.com",
        "建议推行揭榜挂帅，身份证 45020219900101123X",
        "推行揭榜挂帅机制",
        None,
    ]
    s = Survey(frame([{"B1": 1, "B5": t} for t in texts]), bank)
    r = analyse(s)
    kw = r.open_answers[r.open_answers["group"] == "全部"].set_index("keyword")
    assert kw.loc["经费报销", "n"] == 2 and kw.loc["揭榜挂帅", "n"] == 2  # domain terms kept whole
    assert kw["base"].iloc[0] == 4
    shown = " ".join(r.open_examples["B5"])
    for secret in ("13812345678", "zhang.san@example.com", "45020219900101123X"):
        assert secret not in shown
    assert mask("请联系王建国，电话 0772-2812345") == "请联系[姓名]，电话 [电话]"


def test_analyze_command_writes_the_json_the_issue_names(tmp_path: Path, ingest_bank) -> None:
    import subprocess
    import sys

    from surveytool.forms.fill import FormFiller

    from conftest import GOOD

    f = FormFiller(ingest_bank)
    for i in range(8):
        f.fill(
            {**GOOD, "B1": 1 + i % 2, "B3": 10 + i, "B2_1": 1 + i % 5},
            tmp_path / "in" / f"{i}.xlsx",
        )
    bank_file = str(tmp_path / "ingest_demo.yaml")
    run = [sys.executable, "-m", "surveytool"]
    assert (
        subprocess.run(
            [*run, "ingest", "--bank", bank_file, "in"],
            cwd=tmp_path,
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    res = subprocess.run(
        [*run, "analyze", "--bank", bank_file, "--json", "out.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "有效答卷 8 份" in res.stdout
    d = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    need = {
        "frequencies": {"field", "option", "label", "n", "percent", "base"},
        "numeric": {"field", "n", "mean", "sd", "median"},
        "likert": {"field", "n", "mean", "sd", "top2_percent"},
        "reliability": {"construct", "items", "n", "alpha", "alpha_standardized"},
        "crosstabs": {"row", "column", "chi2", "df", "p_value", "cramers_v", "test"},
        "group_tests": {"field", "by", "test", "statistic", "df", "p_value"},
        "margin_of_error": {"group", "n", "moe"},
    }
    for key, cols in need.items():
        assert d[key], key
        assert cols <= d[key][0].keys(), key
    assert {t["test"] for t in d["group_tests"]} <= {"mannwhitney", "kruskal", ""}
    bad = subprocess.run(
        [*run, "analyze", "--bank", bank_file, "--by", "B9"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and "分组字段“B9”不在题库中" in bad.stderr


def test_histogram_never_shows_a_bin_of_fewer_than_k(bank) -> None:
    from surveytool.analysis.descriptive import histogram
    from surveytool.analysis.disclosure import merge_small_bins

    # merging, left to right; a short group at the end joins the one before it
    edges = np.arange(11.0)
    got_edges, got = merge_small_bins(edges, np.array([1, 0, 3, 10, 20, 4, 0, 0, 2, 1]), 5)
    assert got_edges.tolist() == [0, 4, 5, 10] and got.tolist() == [14, 20, 7]
    got_edges, got = merge_small_bins(edges[:7], np.array([0, 5, 0, 0, 2, 0]), 5)
    assert got_edges.tolist() == [0, 1, 6] and got.tolist() == [0, 7]
    assert merge_small_bins(edges[:3], np.array([3, 1]), 5)[1].tolist() == []
    # a survey: 30 people aged 31–45 and two far out (an 18- and a 97-year-old)
    ages = [18.0, 97.0] + [31.0 + i % 15 for i in range(30)]
    s = Survey(frame([{"B1": 1, "B4": a} for a in ages]), bank)
    h = histogram(s, s.bank.field("B4"), k=5)
    n = h["n"].to_numpy()
    assert not ((n > 0) & (n < 5)).any(), h
    assert n.sum() == 32
    assert 18 not in h["left"].tolist() and 97 not in h["right"].tolist()  # round edges
    assert (h["left"].to_numpy()[1:] == h["right"].to_numpy()[:-1]).all()  # contiguous


@pytest.mark.parametrize("value", [-1.0, 0.0, 3.7, 1e9])
def test_histogram_of_a_single_value_is_one_bin(bank, value: float) -> None:
    from surveytool.analysis.descriptive import histogram

    s = Survey(frame([{"B1": 1, "B4": value} for _ in range(6)]), bank)
    h = histogram(s, s.bank.field("B4"), k=5)
    assert h["n"].tolist() == [6]
    assert (
        h["left"].iloc[0] <= value < h["right"].iloc[0]
        and h["right"].iloc[0] - h["left"].iloc[0] == 1
    )


def test_group_means_withheld_where_a_group_has_hidden_cells(bank) -> None:
    # group 1 (高校): two people answered 1 to B3_1 -> hidden in the crosstab; B3_2 has no
    # small cell anywhere
    rows = []
    for g in (1, 2):
        for i in range(30):
            b31 = 1 if (g == 1 and i < 2) else 3 + i % 2
            rows.append({"B1": g, "B3_1": b31, "B3_2": 1 + i % 5, "B3_3": 3, "B3_4": 3})
    r = analyse(Survey(frame(rows), bank), by=["B1"])
    gt = r.group_tests.set_index(["field", "by"])
    assert gt.loc[("B3_1", "B1"), "group_means_suppressed"]
    assert not gt.loc[("B3_2", "B1"), "group_means_suppressed"]
    out = {(t["field"], t["by"]): t for t in r.to_dict()["group_tests"]}
    assert out[("B3_1", "B1")]["group_means"] is None
    assert out[("B3_2", "B1")]["group_means"] is not None
    cells = [c for c in r.to_dict()["crosstab_cells"] if c["row"] == "B3_1" and c["n"] is not None]
    assert all(c["n"] == 0 or c["n"] >= 5 for c in cells)  # no small count reaches the JSON


def test_round_edges_hold_every_value_at_any_magnitude() -> None:
    from surveytool.analysis.descriptive import round_edges

    for lo, hi in [(1e12, 1e12 + 500), (1e12, 1e12 + 1e-3), (-7.3, 4.2), (0.0, 1.0)]:
        edges = round_edges(lo, hi, 12, False)
        assert (np.diff(edges) > 0).all() and edges[0] <= lo and edges[-1] >= hi, (lo, hi)
        assert np.histogram([lo, hi], bins=edges)[0].sum() == 2
