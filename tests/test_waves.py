"""Follow-up waves: paired and independent comparisons find exactly the built-in change."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveytool.analysis import Survey
from surveytool.analysis.waves import compare_waves, paired_test
from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.simulate import Simulator
from surveytool.store.answers import dtype_of

from conftest import write_bank

BANK = """\
id: waves_demo
version: 1
title: 回访测试
description: 测试
include: [scales]
sections:
  - id: B
    title: 基本
    questions:
      - {id: B0, type: text, text: 自编代码（手机尾号后四位+出生月日）, role: respondent_code, pii: true}
      - id: B1
        type: likert
        text: 负担
        scale: agree5
        construct: 负担
        problem_when: high
        items: {B1_1: 表格多, B1_2: 会议多, B1_3: 报销难, B1_4: {text: 时间够, reverse: true}}
      - id: B2
        type: likert
        text: 环境
        scale: agree5
        construct: 环境
        problem_when: low
        items: {B2_1: 平台好, B2_2: 团队好, B2_3: 氛围好}
"""


@pytest.fixture
def bank(tmp_path: Path):
    return load_bank(write_bank(tmp_path, BANK, "waves_demo.yaml"))


def survey(bank, people: list[dict]) -> Survey:
    frame = pd.DataFrame([{f.id: p.get(f.id) for f in bank.fields} for p in people])
    for f in bank.fields:
        dt = dtype_of(f)
        if isinstance(dt, pd.CategoricalDtype):
            frame[f.id] = pd.Categorical(pd.to_numeric(frame[f.id]).astype("Int64"), dtype=dt)
        else:
            frame[f.id] = frame[f.id].astype(dt)
    return Survey(frame, bank)


def test_paired_follow_up_finds_the_improvement_only(bank) -> None:
    before = Simulator(bank, seed=1, problem_shift=0.0).respondents(200)
    after = Simulator(
        bank, seed=1, noise_seed=2, problem_shift=0.0, construct_shift={"负担": -0.8}
    ).respondents(200)
    assert [p["B0"] for p in before] == [p["B0"] for p in after]  # the same people
    res = compare_waves(survey(bank, before), survey(bank, after)).set_index("field")
    assert set(res["design"]) == {"paired"}
    assert res.loc["负担", "test"] == "wilcoxon" and res.loc["负担", "verdict"] == "improved"
    assert res.loc["负担", "change"] < 0 and res.loc["负担", "p_adjusted"] < 0.001
    assert res.loc["环境", "verdict"] == "no_change"
    assert res.loc["B1_4", "verdict"] == "improved"  # reverse item: agreement went up


def test_independent_follow_up(bank) -> None:
    before = Simulator(bank, seed=1, problem_shift=0.0).respondents(250)
    after = Simulator(bank, seed=99, problem_shift=0.0, construct_shift={"环境": 0.8}).respondents(
        250
    )
    for p in after:  # other people: their codes do not link
        p["B0"] = "X" + (p["B0"] or "")
    res = compare_waves(survey(bank, before), survey(bank, after)).set_index("field")
    assert set(res["design"]) == {"independent"}
    assert res.loc["环境", "test"] == "mannwhitney" and res.loc["环境", "verdict"] == "improved"
    assert res.loc["负担", "verdict"] == "no_change"


def test_wilcoxon_and_mcnemar_published_values() -> None:
    # R ?wilcox.test (Hollander & Wolfe p. 29): paired, V = 40
    x = np.array([1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30])
    y = np.array([0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29])
    assert paired_test(y, x, binary=False)["statistic"] == 40
    # R ?mcnemar.test, Agresti (1990) p. 350 presidential approval: 16.818, p = 4.115e-05
    a = np.array([1.0] * 794 + [1.0] * 150 + [0.0] * 86 + [0.0] * 570)
    b = np.array([1.0] * 794 + [0.0] * 150 + [1.0] * 86 + [0.0] * 570)
    res = paired_test(a, b, binary=True)
    assert round(res["statistic"], 3) == 16.818 and f"{res['p_value']:.3e}" == "4.115e-05"


def test_compare_command_through_the_store(tmp_path: Path, bank) -> None:
    filler = FormFiller(bank)
    before = Simulator(bank, seed=5, problem_shift=0.0).respondents(120)
    after = Simulator(
        bank, seed=5, noise_seed=6, problem_shift=0.0, construct_shift={"负担": -0.9}
    ).respondents(120)
    rows_waves = ("baseline", "followup")
    for wave, people in zip(rows_waves, (before, after), strict=True):
        for i, p in enumerate(people):
            filler.fill(p, tmp_path / wave / f"{i:03d}.xlsx")
    run = [sys.executable, "-m", "surveytool"]
    bank_file = str(tmp_path / "waves_demo.yaml")
    for wave in ("baseline", "followup"):
        res = subprocess.run(
            [*run, "ingest", "--bank", bank_file, "--wave", wave, wave],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert res.returncode == 0, res.stderr
    res = subprocess.run(
        [
            *run,
            "compare",
            "--bank",
            bank_file,
            "--waves",
            "baseline",
            "followup",
            "--json",
            "cmp.json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "配对比较" in res.stdout and "“负担”维度得分" in res.stdout
    rows = {r["field"]: r for r in json.loads((tmp_path / "cmp.json").read_text("utf-8"))}
    assert rows["负担"]["verdict"] == "improved" and rows["环境"]["verdict"] == "no_change"
    assert rows["负担"]["direction"] == "high" and rows["负担"]["moved"] == -1
    # an item mean is in the JSON only where neither wave's distribution hides a cell
    from surveytool.analysis import Survey
    from surveytool.ingest import load_answers
    from surveytool.report.campaign import _has_hidden

    waves = [Survey(load_answers(tmp_path / "survey.db", bank, w), bank) for w in rows_waves]
    for fid, r in rows.items():
        if r["kind"] == "construct":
            assert r["mean_a"] is not None and not r["values_hidden"]
            continue
        hidden = any(_has_hidden(w, fid, 5) for w in waves)
        assert r["values_hidden"] == hidden and (r["mean_a"] is None) == hidden, fid

    # the same two waves in the report: 回访对比 says the same, on the paired design
    from surveytool.cli import main

    store, out = str(tmp_path / "survey.db"), str(tmp_path / "rep")
    args = ["report", "--bank", bank_file, "--store", store, "-o", out, "--format", "md"]
    assert main([*args, "--waves", "baseline", "followup"]) == 0
    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    section = md.split("## 六、回访对比")[1].split("## 七、")[0]
    assert "可按自编代码一一对应，采用配对检验" in section
    assert "| 负担 |" in section and "| 改善 |" in section
    assert "| 环境 |" in section and "| 未检出变化 |" in section
    assert "为“followup”调查" in md  # the body is the later wave
    assert "## 附录" in md


def test_report_wave_options_refused_cleanly(tmp_path: Path, bank, capsys) -> None:
    from surveytool.cli import main
    from surveytool.errors import problem

    filler = FormFiller(bank)
    for i, p in enumerate(Simulator(bank, seed=3).respondents(12)):
        filler.fill(p, tmp_path / "r" / f"{i:02d}.xlsx")
    bank_file, store = str(tmp_path / "waves_demo.yaml"), str(tmp_path / "s.db")
    assert main(["ingest", "--bank", bank_file, "--store", store, str(tmp_path / "r")]) == 0
    base = ["report", "--bank", bank_file, "--store", store, "-o", str(tmp_path / "o")]
    assert main([*base, "--wave", "首轮", "--waves", "首轮", "回访"]) != 0
    assert problem("wave_and_waves").message in capsys.readouterr().err
    assert main([*base, "--waves", "首轮", "回访"]) != 0
    assert problem("empty_wave", wave="回访", store=store).message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_item_means_left_out_where_they_would_give_hidden_cells_away(bank) -> None:
    from surveytool.report import sentences as say
    from surveytool.report.campaign import _has_hidden

    # B1_1: 3 people chose 1 (hidden, with the next smallest); B1_2: every cell >= 5
    people = [{"B1_1": 1, "B1_2": 1 + i % 5} for i in range(3)]
    people += [{"B1_1": 2 + i % 4, "B1_2": 1 + i % 5} for i in range(60)]
    s = survey(bank, people)
    assert _has_hidden(s, "B1_1", 5) and not _has_hidden(s, "B1_2", 5)
    row = {"mean_a": 3.1, "mean_b": 2.6, "verdict": "improved", "change": -0.5, "kind": "likert"}
    assert say.wave_change("表格多", row, "首轮", "回访", values=False) == (
        "“表格多”下降，变化在统计上可靠，有所改善。"
    )
    assert "3.10 → “回访”2.60" in say.wave_change("表格多", row, "首轮", "回访")


def test_compare_blanks_item_means_that_give_hidden_cells_away(bank) -> None:
    from surveytool.report.campaign import hide_wave_values

    # B1_1: 3 people chose 1 in the first wave (hidden with the next smallest cell)
    first = [{"B1_1": 1, "B1_2": 1 + i % 5} for i in range(3)]
    first += [{"B1_1": 2 + i % 4, "B1_2": 1 + i % 5} for i in range(60)]
    second = [{"B1_1": 1 + i % 5, "B1_2": 1 + i % 5} for i in range(60)]
    res = hide_wave_values(
        compare_waves(survey(bank, first), survey(bank, second)),
        *(survey(bank, first), survey(bank, second)),
        5,
    ).set_index("field")
    assert res.loc["B1_1", "values_hidden"] and np.isnan(res.loc["B1_1", "mean_a"])
    assert np.isnan(res.loc["B1_1", "mean_b"]) and np.isnan(res.loc["B1_1", "change"])
    assert res.loc["B1_1", "moved"] == -1  # the way it moved is still known
    assert res.loc["B1_1", "direction"] == "high"  # compare_waves' column is left alone
    assert hide_wave_values(res.iloc[:0], survey(bank, first), survey(bank, second), 5).empty
    assert not res.loc["B1_2", "values_hidden"]
    assert res.loc["B1_2", "mean_a"] == pytest.approx((1 + 2 + 3 + 12 * 15) / 63)
    constructs = res[res["kind"] == "construct"]
    assert not constructs["values_hidden"].any() and constructs.loc["负担", "mean_a"] > 0
