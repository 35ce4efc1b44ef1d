"""The store's own columns are outside the field ids' namespace (issue 24): a bank may use
``unit``, ``wave``, ``source``, ``row`` as question ids, and a store written before the
change is upgraded in place by its next write without losing an answer."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pandas as pd

from surveytool.bank import load_bank
from surveytool.cli import main
from surveytool.store import load_answers
from tests.test_store_sql import assert_sql_equals_store

DATA = Path(__file__).parent / "data"

BANK = """\
id: plain_names
version: 1
title: 常见变量名测试问卷
description: 字段名与 SPSS、R、Kobo 数据中常见的变量名相同。
sections:
  - id: a
    title: 基本情况
    questions:
      - {id: unit, type: single, text: 您所在的单位, options: {1: 甲大学, 2: 乙医院}, role: unit}
      - {id: wave, type: single, text: 第几次参加调查, options: {1: 第一次, 2: 第二次}}
      - {id: source, type: single, text: 您从哪里得知本调查, options: {1: 单位通知, 2: 网络}}
      - {id: row, type: number, text: 您所在的排数, min: 1, max: 30, integer: true}
      - {id: channel, type: text, text: 您的建议}
"""


def _rows(n: int) -> list[dict]:
    return [
        {
            "unit": 1 + i % 2,
            "wave": 1 + i % 3 // 2,
            "source": 1 + i % 5 // 3,
            "row": 1 + i % 7,
            "channel": f"建议{i}",
        }
        for i in range(n)
    ]


def test_a_bank_with_the_stores_own_names_ingests_and_analyses(tmp_path: Path) -> None:
    bank_path = tmp_path / "plain.yaml"
    bank_path.write_text(BANK, encoding="utf-8")
    data = tmp_path / "returns.csv"
    rows = _rows(40)
    with data.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    store = str(tmp_path / "s.db")
    assert (
        main(["ingest", "--bank", str(bank_path), "--store", store, str(data), "--wave", "首轮"])
        == 0
    )
    bank = load_bank(bank_path)
    frame = load_answers(store, bank)
    assert frame["wave"].astype(int).tolist() == [r["wave"] for r in rows]  # the answers
    assert set(frame["_wave"]) == {"首轮"}  # the store's own wave label
    assert frame["row"].astype(int).tolist() == [r["row"] for r in rows]
    assert frame["source"].astype(int).tolist() == [r["source"] for r in rows]
    assert frame["_source"].tolist() == ["returns.csv"] * 40
    assert_sql_equals_store(Path(store), bank)
    out = tmp_path / "a.json"
    argv = ["analyze", "--bank", str(bank_path), "--store", store, "--json", str(out)]
    assert main([*argv, "--by", "wave"]) == 0
    res = json.loads(out.read_text("utf-8"))
    freq = {(r["field"], r["option"]): r["n"] for r in res["frequencies"]}
    assert freq[("source", 1)] == sum(r["source"] == 1 for r in rows)
    assert {r["column"] for r in res["crosstabs"]} == {"wave"}
    t = tmp_path / "t.json"
    argv = ["table", "--bank", str(bank_path), "--store", store, "source", "unit"]
    assert main([*argv, "--where", "row >= 3", "--json", str(t)]) == 0
    assert json.loads(t.read_text("utf-8"))["n"] == sum(r["row"] >= 3 for r in rows)
    sav = tmp_path / "out.sav"
    assert main(["responses", "--bank", str(bank_path), "--store", store, "-o", str(sav)]) == 0
    import pyreadstat

    back, meta = pyreadstat.read_sav(str(sav))
    assert back["wave"].tolist() == [r["wave"] for r in rows]
    assert set(back["st_wave"]) == {"首轮"}
    assert meta.column_names_to_labels["st_source"] == "来源文件"
    again = str(tmp_path / "again.db")  # our own .sav export ingests back: same answers
    assert main(["ingest", "--bank", str(bank_path), "--store", again, str(sav)]) == 0
    pd.testing.assert_frame_equal(
        load_answers(again, bank)[[f.id for f in bank.fields]], frame[[f.id for f in bank.fields]]
    )


def test_a_store_written_before_is_upgraded_by_the_next_write(tmp_path: Path) -> None:
    # tests/data/store_before_issue24.db: written by main at 129b37f (20 rows of hsb2)
    db = tmp_path / "old.db"
    shutil.copy(DATA / "store_before_issue24.db", db)
    bank = load_bank(DATA / "hsb2.yaml")
    before = load_answers(db, bank)  # read before any write: the answers are there
    assert len(before) == 20 and before["_source"].tolist() == ["first20.csv"] * 20
    with sqlite3.connect(db) as con:
        cols = [r[1] for r in con.execute("PRAGMA table_info(answers_hsb2)")]
        old_rows = con.execute("SELECT * FROM answers_hsb2 ORDER BY response_id").fetchall()
    assert cols[:6] == ["response_id", "wave", "unit", "channel", "source", "corrected_in"]

    more = tmp_path / "more.csv"
    with (DATA / "hsb2.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[150:160]
    with more.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[c for c in rows[0] if c != "id"], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    assert main(["ingest", "--bank", str(DATA / "hsb2.yaml"), "--store", str(db), str(more)]) == 0

    with sqlite3.connect(db) as con:
        cols = [r[1] for r in con.execute("PRAGMA table_info(answers_hsb2)")]
        new_rows = con.execute("SELECT * FROM answers_hsb2 ORDER BY _response_id").fetchall()
    assert cols[:6] == ["_response_id", "_wave", "_unit", "_channel", "_source", "_corrected_in"]
    assert new_rows[:20] == old_rows  # renamed in place: every old row and value kept
    assert len(new_rows) == 30
    after = load_answers(db, bank)
    pd.testing.assert_frame_equal(after.iloc[:20], before)
    assert_sql_equals_store(db, bank)
