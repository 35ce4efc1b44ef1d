"""Identical answers from different people (issue 22 item 7): merged only when a coincidence
is implausible given the wave's answer distributions (surveytool.ingest.coincidence: merged
when N(N − 1)/2 · P(x) < 0.01), every merge and every identical pair kept listed with both
places, and ``--keep-identical`` keeps them all."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np
from openpyxl import Workbook

from surveytool.bank import load_bank
from surveytool.cli import main
from surveytool.ingest import ingest, load_answers
from surveytool.ingest.coincidence import ALPHA, Odds

from conftest import write_bank

POLL = """\
id: poll
version: 1
title: 满意度小调查
description: 八道题的短问卷
include: [scales]
sections:
  - id: Q
    title: 满意度
    questions:
      - id: Q1
        type: likert
        text: 您对以下方面的满意程度
        scale: satisfied5
        items: {Q1_1: 办事效率, Q1_2: 服务态度, Q1_3: 政策宣传, Q1_4: 信息公开, Q1_5: 办事指南}
      - {id: Q2, type: single, text: 您的单位类型, options: {1: 高校, 2: 医院, 3: 企业}}
      - {id: Q3, type: single, text: 您的年龄段, options: {1: 35岁以下, 2: 35-44岁, 3: 45岁及以上}}
      - {id: Q4, type: single, text: 是否愿意参加座谈, options: {1: 愿意, 2: 不愿意}}
      - {id: Q5, type: text, text: 您的意见建议}
"""
LONG = (
    POLL.replace("id: poll", "id: long")
    + """\
      - id: Q6
        type: likert
        text: 您对以下说法的同意程度
        scale: agree5
        items: {Q6_1: 材料多, Q6_2: 会议多, Q6_3: 报销难, Q6_4: 考核频, Q6_5: 时间少, Q6_6: 经费少}
"""
)
# plausible shares: most people 满意 (4) or 比较满意, few at the ends
SATISFACTION = [0.03, 0.07, 0.20, 0.45, 0.25]
UNIT, AGE, TALK = [0.5, 0.3, 0.2], [0.45, 0.4, 0.15], [0.35, 0.65]


def poll_rows(n: int, seed: int) -> list[list[int]]:
    """``n`` independent respondents of the poll: each has an overall satisfaction (drawn
    from the shares above) and rates each aspect at it, or one step off one time in five,
    as people do — so answers agree across items and identical forms are common."""
    rng = np.random.default_rng(seed)
    level = rng.choice(np.arange(1, 6), size=n, p=SATISFACTION)
    cols = []
    for _ in range(5):
        step = rng.choice([-1, 0, 1], size=n, p=[0.1, 0.8, 0.1])
        cols.append(np.clip(level + step, 1, 5))
    for shares in (UNIT, AGE, TALK):
        cols.append(rng.choice(np.arange(1, len(shares) + 1), size=n, p=shares))
    return [[*r, None] for r in np.column_stack(cols).tolist()]  # Q5 left blank


def sheet(path: Path, header: list[str], rows: list[list], title: str = "答卷") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for r in rows:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


HEADER = ["Q1_1", "Q1_2", "Q1_3", "Q1_4", "Q1_5", "Q2", "Q3", "Q4", "Q5"]


def test_a_short_poll_keeps_its_genuine_respondents(tmp_path: Path) -> None:
    """200 genuine respondents of an 8-question poll: many answer alike by chance (the old
    rule merged every identical pair), nearly all are kept now."""
    bank = load_bank(write_bank(tmp_path, POLL, "poll.yaml"))
    rows = poll_rows(200, seed=22)
    distinct = len({tuple(r) for r in rows})
    assert distinct <= 190  # the sample has at least ten chance coincidences to keep
    s = ingest(
        [sheet(tmp_path / "in" / "问卷星以外的录入.xlsx", HEADER, rows)], bank, tmp_path / "s.db"
    )
    assert s.total("accepted") >= 198, s.to_dict()  # nearly all; at most 1% merged
    assert s.total("accepted") + s.total("duplicates") == 200
    kept = [p for f in s.files for p in f.problems if p.code == "identical_kept"]
    assert len(kept) >= 200 - distinct - s.total("duplicates")  # each listed
    assert "两份都计入" in kept[0].message and "第" in kept[0].message


def test_a_resaved_copy_of_a_longer_form_is_merged_and_listed(tmp_path: Path) -> None:
    """One person's answers to a 14-question form sent twice: 200 · 199 / 2 · P(x) is far
    below 0.01, so merged, naming both files; with --keep-identical both are kept and the
    note asks the owner to confirm."""
    bank = load_bank(write_bank(tmp_path, LONG, "long.yaml"))
    rng = np.random.default_rng(7)
    header = [*HEADER, *(f"Q6_{k}" for k in range(1, 7))]
    rows = [
        [*r, *np.clip(rng.integers(2, 5) + rng.choice([-1, 0, 1], 6), 1, 5).tolist()]
        for r in poll_rows(198, seed=7)
    ]
    own = [2, 1, 2, 2, 1, 3, 3, 1, "希望把申报系统和报销系统打通", 4, 5, 4, 3, 4, 5]
    first = sheet(tmp_path / "in" / "录入表.xlsx", header, [*rows, own])
    again = sheet(tmp_path / "later" / "补交-张.xlsx", header, [own])
    db = tmp_path / "s.db"
    ingest([first], bank, db)
    s = ingest([again], bank, db)
    assert (s.total("accepted"), s.total("duplicates")) == (0, 1)
    [note] = [p.message for f in s.files for p in f.problems]
    assert "补交-张.xlsx" in note and "录入表.xlsx" in note and "第 200 行" in note
    assert "按同一人的重复答卷合并" in note and "--keep-identical" in note

    kept = sheet(tmp_path / "kept" / "补交-李.xlsx", header, [own], "李")  # other bytes
    store = ["--bank", str(tmp_path / "long.yaml"), "--store", str(db)]
    assert main(["ingest", str(kept), *store, "--keep-identical"]) == 0
    assert len(load_answers(db, bank)) == 200
    odds = Odds(bank, sqlite3.connect(db), "首轮", 10**9)
    merge, expected = odds.implausible(dict(zip(header, own, strict=True)))
    assert merge and expected < ALPHA

    # undone after the fact: the merged file itself, ingested again with --keep-identical
    assert main(["ingest", str(again), *store, "--keep-identical"]) == 0
    assert len(load_answers(db, bank)) == 201
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM duplicates").fetchone() == (0,)
        assert con.execute("SELECT sum(duplicates) FROM sources").fetchone() == (0,)
    again_twice = ingest([again], bank, db, keep_identical=True)  # nothing more to undo
    assert [f.status for f in again_twice.files] == ["known"]
    assert len(load_answers(db, bank)) == 201


def test_the_chance_of_a_pattern_by_hand(tmp_path: Path) -> None:
    """P(x) of an answer pattern, worked by hand from the counts (add-one smoothing)."""
    bank = load_bank(write_bank(tmp_path, POLL, "poll.yaml"))
    rows = [[4, 4, 4, 4, 4, 1, 1, 2, None]] * 3 + [[5, 5, 5, 5, 5, 2, 2, 1, None]]
    db = tmp_path / "s.db"
    ingest([sheet(tmp_path / "in" / "a.xlsx", HEADER, rows[:1])], bank, db)
    odds = Odds(bank, sqlite3.connect(db), "首轮", 10**9)
    batch = {h: np.array([r[k] for r in rows[1:]], dtype=float) for k, h in enumerate(HEADER[:-1])}
    odds.add_batch(batch)
    x = dict(zip(HEADER[:-1], map(float, rows[0]), strict=False))
    # x's answer to each question among the 4 respondents (itself left out): 2 of 3, and
    # Q5 (no answer) 3 of 3. Answers taken possible: the seen + 1, at least 5, at most all:
    # Q1, a battery taken whole: 5; Q2, Q3: 3 options + no answer = 4; Q4: 2 + 1 = 3;
    # Q5, text: 5
    by_hand = (3 / 8) * (3 / 7) ** 2 * (3 / 6) * (4 / 8)
    assert math.isclose(10 ** odds.log10_chance(x), by_hand, rel_tol=1e-12)
    merge, expected = odds.implausible(x)
    assert math.isclose(expected, by_hand * 3, rel_tol=1e-12)  # 3 = 3 · 2 / 2 pairs
    assert merge == (expected < ALPHA)
