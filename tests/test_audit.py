"""Differencing attacks on small groups (issue 13, item 1): small groups merged in every
statistic of a breakdown, and a disclosure audit (linear programming) over everything the
analysis JSON publishes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from surveytool.analysis import Survey, analyse
from surveytool.analysis.audit import audit
from surveytool.bank import load_bank

from conftest import write_bank

BANK = """\
id: small_units
version: 1
title: 测试问卷
description: 用于测试。
include: [scales]
sections:
  - id: B
    title: 基本情况
    questions:
      - id: B1
        type: single
        text: 您所在的单位
        options: {1: 甲, 2: 乙, 3: 丙, 4: 丁, 5: 戊, 6: 己, 7: 庚}
        role: unit
      - {id: B2, type: single, text: 您的岗位, options: {1: 教学, 2: 科研, 3: 管理}}
      - id: B3
        type: likert
        text: 看法
        scale: agree5
        items: {B3_1: 表格多, B3_2: 会议多, B3_3: 时间够}
      - {id: B4, type: number, text: 每周科研小时, min: 0, max: 100}
      - {id: B5, type: multi, text: 负担, options: {1: 报销, 2: 会议, 3: 考核}}
"""

# units of 8, 8, 8 people and of 1, 2, 3 and 4 people: the attack and its variants
SIZES = {1: 8, 2: 8, 3: 8, 4: 1, 5: 2, 6: 3, 7: 4}


@pytest.fixture
def bank(tmp_path: Path):
    return load_bank(write_bank(tmp_path, BANK))


def survey(bank) -> Survey:
    rows, i = [], 0
    for unit, size in SIZES.items():
        for _ in range(size):
            i += 1
            rows.append(
                {
                    "B1": unit,
                    "B2": 1 + i % 3,
                    "B3_1": 1 + (i * 7 + unit) % 5,
                    "B3_2": 1 + (i * 3) % 5,
                    "B3_3": 1 + (i + unit) % 5,
                    "B4": 10 + (i * 13) % 50,
                    "B5_1": i % 2,
                    "B5_2": (i // 2) % 2,
                    "B5_3": int(unit == 4),
                }
            )
    cols = [f.id for f in bank.fields if f.kind not in ("text", "other")]
    return Survey(pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], dtype=float), bank)


def test_no_figure_describes_a_group_under_k(bank) -> None:
    d = analyse(survey(bank), by=["B1"]).to_dict()
    sizes = [m["n"] for m in d["margin_of_error"] if m["by"] == "B1" and m["n"] is not None]
    assert sizes and min(s for s in sizes if s) >= 5 and sum(sizes) == d["n"]
    for t in d["group_tests"]:
        assert t["excluded"] == [] and t["n"] in (None, d["n"])
        assert all(m is None or m == m for m in (t["group_means"] or {}).values())
    numbers = d["numeric"][0]
    assert numbers["min"] is None and numbers["max"] is None  # each describes one person


def test_the_lone_respondent_cannot_be_differenced_back(bank) -> None:
    # the issue's arithmetic: overall mean × n minus the shown groups' sums
    r = analyse(survey(bank), by=["B1"])
    row = r.group_tests[r.group_tests["field"] == "B4"].iloc[0]
    sizes = {m["code"]: m["n"] for m in r.to_dict()["margin_of_error"] if m["by"] == "B1"}
    overall = r.numeric.iloc[0]["mean"] * r.n
    rest = overall - sum(row["group_means"][c] * sizes[c] for c in row["group_means"] if c != -1)
    merged = sizes[-1]
    assert merged >= 5  # what is left describes the merged group, never one unit
    assert rest == pytest.approx(row["group_means"][-1] * merged)


def test_the_audit_passes_on_units_of_one_to_four(bank) -> None:
    d = analyse(survey(bank), by=["B1"]).to_dict()
    assert audit(d) == []


def test_the_audit_finds_a_count_the_published_figures_give_back(bank) -> None:
    d = analyse(survey(bank), by=["B1"]).to_dict()
    # undo the complementary suppression of one field: its one small cell is then
    # total − shown cells
    rows = [r for r in d["frequencies"] if r["field"] == "B2"]
    full = analyse(survey(bank), by=["B1"]).frequencies
    for r in d["frequencies"]:
        if r["field"] == "B2":
            r["n"] = int(
                full[(full["field"] == "B2") & (full["option"] == r["option"])]["n"].iloc[0]
            )
    rows[0]["n"] = None  # one hidden cell alone
    found = audit(d)
    assert found and found[0].table == "频数 B2" and found[0].width == 0


def test_the_audit_command(tmp_path: Path, bank, capsys) -> None:
    from surveytool.cli import main
    from surveytool.ingest import ingest

    s = survey(bank)
    folder = tmp_path / "in"
    folder.mkdir()
    s.frame.astype("Int64").to_csv(folder / "all.csv", index=False)
    ingest([folder], bank, tmp_path / "s.db")
    bank_file = tmp_path / "bank.yaml"
    code = main(
        ["audit", "--bank", str(bank_file), "--store", str(tmp_path / "s.db"), "--by", "B1"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "保密检查通过" in out
