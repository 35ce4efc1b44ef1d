"""``identifying: true``: a profile question whose rare answers (单位负责人, 国家级人才) would
name a person inside a unit is never a default breakdown and never crossed with the unit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from surveytool.analysis import Survey, analyse
from surveytool.analysis.run import group_fields
from surveytool.bank import load_bank
from surveytool.errors import BankError, problem
from surveytool.simulate import Simulator

from conftest import write_bank

BANK = """\
id: ident
version: 1
title: 测试
description: 测试
include: [scales]
sections:
  - id: B
    title: 基本
    questions:
      - {id: U, type: single, text: 您所在的单位, options: {1: 甲, 2: 乙}, role: unit}
      - id: B1
        type: single
        text: 您的职务
        options: {1: 单位负责人, 2: 部门负责人, 3: 一般职工}
        role: group
        identifying: true
      - {id: B2, type: single, text: 性别, options: {1: 男, 2: 女}, role: group}
      - id: B3
        type: likert
        text: 看法
        scale: agree5
        items: {B3_1: 表格多, B3_2: 会议多}
"""


@pytest.fixture
def bank(tmp_path: Path):
    return load_bank(write_bank(tmp_path, BANK))


def survey(bank) -> Survey:
    rows = Simulator(bank, seed=7, missing_rate=0.0).respondents(60)
    frame = pd.DataFrame(rows).reindex(columns=[f.id for f in bank.fields]).astype(float)
    return Survey(frame, bank)


def pairs(results) -> set[frozenset[str]]:
    return {frozenset((r["row"], r["column"])) for r in results.crosstabs.to_dict("records")}


def test_the_key_is_read(bank) -> None:
    assert bank.question("B1").identifying is True
    assert bank.question("B2").identifying is False


def test_never_a_default_breakdown(bank) -> None:
    assert [f.id for f in group_fields(bank, None)] == ["U", "B2"]
    r = analyse(survey(bank))
    assert r.by == ["U", "B2"]
    assert frozenset(("B1", "U")) not in pairs(r)
    # no profile question is crossed with a breakdown at all (who answered is not a finding)
    assert not {f for pair in pairs(r) for f in pair} & {"B1", "B2"} - set(r.by)


def test_never_crossed_with_the_unit_even_when_named(bank) -> None:
    r = analyse(survey(bank), by=["U", "B1"])
    got = pairs(r)
    assert frozenset(("B1", "U")) not in got
    tested = {(t["field"], t["by"]) for t in r.group_tests.to_dict("records")}
    assert ("B3_1", "B1") in tested and ("B3_1", "U") in tested  # named on purpose: items tested
    cells = r.crosstab_cells
    assert cells.empty or cells[(cells["row"] == "B1") & (cells["column"] == "U")].empty


def test_only_on_single_questions(tmp_path: Path) -> None:
    text = BANK.replace("        items: {B3_1", "        identifying: true\n        items: {B3_1")
    with pytest.raises(BankError) as info:
        load_bank(write_bank(tmp_path, text))
    expected = problem(
        "not_for_type",
        file="bank.yaml",
        line=22,
        field="B3",
        key="identifying",
        types="单选题",
        qtype="量表题",
    ).message
    assert [p.message for p in info.value.problems] == [expected]


def test_bad_value(tmp_path: Path) -> None:
    with pytest.raises(BankError) as info:
        load_bank(write_bank(tmp_path, BANK.replace("identifying: true", "identifying: 是")))
    expected = problem(
        "bad_bool", file="bank.yaml", line=16, field="B1", key="identifying", value="是"
    ).message
    assert [p.message for p in info.value.problems] == [expected]
