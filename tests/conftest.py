"""Shared fixtures: a minimal valid bank to mutate, and a helper that writes bank files."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

MINIMAL = """\
id: mini
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
        text: 您所在单位的类型
        options: {1: 高校, 2: 医院, 3: 企业}
        other: true
        required: true
        role: group
      - id: B2
        type: likert
        text: 您在多大程度上同意以下说法？
        scale: agree5
        construct: 行政负担
        items:
          B2_1: 项目申报材料过多
          B2_2: {text: 我有足够的时间专注科研, reverse: true}
      - id: B3
        type: number
        text: 每周科研时间
        unit: 小时
        min: 0
        max: 100
        integer: true
      - id: B4
        type: multi
        text: 最突出的负担（最多选两项）
        max_choices: 2
        options: {1: 报销, 2: 会议, 3: 考核, 4: 以上都没有}
        exclusive: [4]
        relevant: "B1 in [1, 2]"
      - id: B5
        type: rank
        text: 最希望的支持措施
        options: {1: 经费, 2: 时间, 3: 平台}
        max_rank: 2
      - id: B6
        type: text
        text: 您的建议
"""


def write_bank(folder: Path, text: str, name: str = "bank.yaml") -> Path:
    """Write ``text`` (dedented) as a bank file in ``folder``; returns its path."""
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def minimal_bank(tmp_path: Path) -> Path:
    """A small valid bank using every question type."""
    return write_bank(tmp_path, MINIMAL)


INGEST_BANK = """\
id: ingest_demo
version: 1
title: 回收测试问卷
description: 用于回收测试。
include: [scales]
sections:
  - id: B
    title: 基本情况
    questions:
      - id: B1
        type: single
        text: 您所在的单位
        options: {1: 广西科技大学, 2: 柳州市人民医院, 3: None, 4: NA}
        required: true
        role: unit
      - id: B2
        type: likert
        text: 您在多大程度上同意以下说法？
        scale: agree5
        construct: 行政负担
        required: true
        items:
          B2_1: 项目申报材料过多
          B2_2: {text: 我有足够的时间专注科研, reverse: true}
      - id: B3
        type: number
        text: 每周科研时间
        unit: 小时
        min: 0
        max: 100
        integer: true
      - id: B4
        type: multi
        text: 最突出的负担（最多选两项）
        max_choices: 2
        options: {1: 报销, 2: 会议, 3: 考核, 4: 以上都没有}
        exclusive: [4]
        relevant: "B1 in [1, 2]"
      - id: B5
        type: rank
        text: 最希望的支持措施
        options: {1: 经费, 2: 时间, 3: 平台}
        max_rank: 2
      - id: B6
        type: text
        text: 您的建议
"""

GOOD = {
    "B1": 1,
    "B2_1": 4,
    "B2_2": 2,
    "B3": 40,
    "B4_1": 1,
    "B4_2": 0,
    "B4_3": 0,
    "B4_4": 0,
    "B5_1": 1,
    "B5_2": 2,
    "B6": "希望减少表格",
}


@pytest.fixture
def ingest_bank(tmp_path: Path):
    """A small bank for ingest tests (a unit question whose labels include None and NA)."""
    from surveytool.bank import load_bank

    return load_bank(write_bank(tmp_path, INGEST_BANK, "ingest_demo.yaml"))
