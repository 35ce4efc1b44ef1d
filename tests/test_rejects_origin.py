"""A row fixed in the rejects workbook and ingested again keeps the file it came from
(issue 14): load_answers, ``responses -o`` (xlsx, csv, sav and the codebook) and the
answers_<bank> SQL table name the original file, sheet and row, and the workbook it was
corrected in; a row fixed twice still names the very first file; bad origin cells cost
nothing but the origin; a store written before the origin columns is upgraded by the next
ingest."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from test_store_sql import assert_sql_equals_store

from surveytool.cli import main
from surveytool.errors import problem
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest, load_answers

from conftest import GOOD

SHEET = "答卷"


def table(path: Path, bank, rows: list[dict]) -> Path:
    """A plain table with field ids as header, one row per dict (over GOOD)."""
    ids = [f.id for f in bank.fields]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(ids)
    for r in rows:
        ws.append([{**GOOD, **r}.get(i) for i in ids])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def fix(rejects: str | Path, edits: dict[int, dict[str, object]]) -> Path:
    """Edit the rejects workbook in place: {Excel row: {column header: value}}."""
    wb = load_workbook(rejects)
    ws = wb.active
    header = [c.value for c in ws[1]]
    for row, values in edits.items():
        for name, v in values.items():
            ws.cell(row, header.index(name) + 1).value = v
    wb.save(rejects)
    return Path(rejects)


def first_columns(rejects: str | Path) -> list[list[object]]:
    """文件, 工作表, 行 of every row of a rejects workbook."""
    ws = load_workbook(rejects).active
    return [[c.value for c in r[:3]] for r in ws.iter_rows(min_row=2)]


def meta(db: Path, bank) -> list[tuple]:
    a = load_answers(db, bank)
    cols = ["_source", "_sheet", "_row", "_corrected_in"]
    return [tuple(None if pd.isna(v) else v for v in r) for r in a[cols].itertuples(index=False)]


def sql_sources(db: Path, bank) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute(
            f"SELECT _source, _corrected_in FROM answers_{bank.id} ORDER BY _response_id"
        ).fetchall()


def test_a_corrected_row_names_its_original_file_everywhere(tmp_path: Path, ingest_bank) -> None:
    bank, db = ingest_bank, tmp_path / "s.db"
    rows = [{"B1": 1, "B3": 10}, {"B1": "医院", "B3": 11}, {"B1": 2, "B3": 12}]
    table(tmp_path / "in" / "研究院.xlsx", bank, rows)
    FormFiller(bank).fill({**GOOD, "B3": "约四十"}, tmp_path / "in" / "张三.xlsx")
    s = ingest([tmp_path / "in"], bank, db)
    assert (s.total("accepted"), s.total("rejected")) == (2, 2)
    assert first_columns(s.rejects_file) == [["张三.xlsx", "问卷", None], ["研究院.xlsx", SHEET, 3]]
    rejects = fix(s.rejects_file, {2: {"B3": 40}, 3: {"B1": 2}})
    s2 = ingest([rejects], bank, db)
    assert s2.total("accepted") == 2 and not s2.files[0].problems, s2.to_dict()

    name = rejects.name
    assert meta(db, bank) == [
        ("研究院.xlsx", SHEET, 2, None),
        ("研究院.xlsx", SHEET, 4, None),
        ("张三.xlsx", "问卷", None, name),
        ("研究院.xlsx", SHEET, 3, name),
    ]
    assert sql_sources(db, bank) == [
        ("研究院.xlsx", None),
        ("研究院.xlsx", None),
        ("张三.xlsx", name),
        ("研究院.xlsx", name),
    ]
    assert_sql_equals_store(db, bank)

    store = ["--bank", str(tmp_path / "ingest_demo.yaml"), "--store", str(db)]
    assert main(["responses", *store, "-o", str(tmp_path / "out.xlsx")]) == 0
    ws = load_workbook(tmp_path / "out.xlsx")["答卷"]
    heads, ids = [c.value for c in ws[1]], [c.value for c in ws[2]]
    assert heads[ids.index("_source")] == "来源文件"
    assert heads[ids.index("_corrected_in")] == "改正文件"
    got = [(r[ids.index("_source")].value, r[ids.index("_corrected_in")].value) for r in ws[3:6]]
    assert got == [  # ws[3:6]: Excel rows 3 to 6
        ("研究院.xlsx", None),
        ("研究院.xlsx", None),
        ("张三.xlsx", name),
        ("研究院.xlsx", name),
    ]
    book = load_workbook(tmp_path / "out.xlsx")["编码说明"]
    assert ["_corrected_in", "改正文件", "答卷信息"] in [
        [c.value for c in r[:3]] for r in book.iter_rows()
    ]

    assert main(["responses", *store, "-o", str(tmp_path / "out.csv")]) == 0
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as f:
        out = list(csv.DictReader(f))
    assert [(r["_source"], r["_corrected_in"]) for r in out][2:] == [
        ("张三.xlsx", name),
        ("研究院.xlsx", name),
    ]
    assert main(["responses", *store, "-o", str(tmp_path / "out.sav")]) == 0
    import pyreadstat

    sav, info = pyreadstat.read_sav(str(tmp_path / "out.sav"))
    assert list(sav["source"])[2:] == ["张三.xlsx", "研究院.xlsx"]
    assert list(sav["corrected_in"]) == ["", "", name, name]
    assert info.column_names_to_labels["corrected_in"] == "改正文件"


def test_a_row_fixed_twice_names_the_very_first_file(tmp_path: Path, ingest_bank) -> None:
    bank, db = ingest_bank, tmp_path / "s.db"
    path = table(tmp_path / "in" / "研究院.xlsx", bank, [{"B3": 10}, {"B1": "医院", "B3": 11}])
    first = ingest([path], bank, db).rejects_file
    fix(first, {2: {"B1": "诊所"}})  # still wrong
    again = ingest([first], bank, db)
    assert again.total("rejected") == 1 and again.rejects_file != first
    second = again.rejects_file
    assert first_columns(second) == [["研究院.xlsx", SHEET, 3]]
    # the reason names where the row was when it was rejected: the first workbook
    reason = load_workbook(second).active.cell(2, 4).value
    assert reason.startswith(f"返回表 {Path(first).name}，工作表“未通过的答卷”，E2 单元格")
    fix(second, {2: {"B1": 2}})
    assert ingest([second], bank, db).total("accepted") == 1
    assert meta(db, bank)[-1] == ("研究院.xlsx", SHEET, 3, Path(second).name)
    assert sql_sources(db, bank)[-1] == ("研究院.xlsx", Path(second).name)


def test_bad_origin_cells_lose_only_the_origin(tmp_path: Path, ingest_bank) -> None:
    bank, db = ingest_bank, tmp_path / "s.db"
    bad = [{"B1": "医院", "B3": n} for n in range(10, 16)]
    rejects = ingest([table(tmp_path / "in" / "研究院.xlsx", bank, bad)], bank, db).rejects_file
    fix(
        rejects,
        {
            2: {"B1": 1, "文件": None},
            3: {"B1": 1, "文件": 123},
            4: {"B1": 1, "行": "第三行"},
            5: {"B1": 1, "行": -2, "工作表": None},
            6: {"B1": 1, "文件": "x" * 300 + ".xlsx"},
            7: {"B1": 1, "行": "5"},  # text, as a user may type it: fine
        },
    )
    s = ingest([rejects], bank, db)
    assert s.total("accepted") == 6, s.to_dict()
    name = Path(rejects).name
    assert [p.message for p in s.files[0].problems] == [
        problem(
            "origin_unknown",
            file=name,
            sheet="未通过的答卷",
            kind="返回表",
            rows="2、3、4、5、6",
        ).message
    ]
    assert meta(db, bank) == [(name, "未通过的答卷", r, None) for r in range(2, 7)] + [
        ("研究院.xlsx", SHEET, 5, name)
    ]
    assert sql_sources(db, bank) == [(name, None)] * 5 + [("研究院.xlsx", name)]


def test_an_old_store_is_upgraded_by_the_next_ingest(tmp_path: Path, ingest_bank) -> None:
    bank, db = ingest_bank, tmp_path / "s.db"
    path = table(tmp_path / "in" / "研究院.xlsx", bank, [{"B3": 10}, {"B1": "医院", "B3": 11}])
    rejects = ingest([path], bank, db).rejects_file
    with sqlite3.connect(db) as con:  # as the previous version wrote it
        for column in ("origin_file", "origin_sheet", "origin_row"):
            con.execute(f"ALTER TABLE responses DROP COLUMN {column}")
            con.execute(f"ALTER TABLE rejects DROP COLUMN {column}")  # version 3's
        for column in ("collected_from", "collected_to"):  # version 3's
            con.execute(f"ALTER TABLE responses DROP COLUMN {column}")
        con.execute(f"ALTER TABLE answers_{bank.id} DROP COLUMN _corrected_in")
        con.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    assert meta(db, bank) == [("研究院.xlsx", SHEET, 2, None)]  # read before any upgrade

    fix(rejects, {2: {"B1": 1}})
    assert ingest([rejects], bank, db).total("accepted") == 1
    with sqlite3.connect(db) as con:
        columns = {r[1] for r in con.execute("PRAGMA table_info(responses)")}
        rejected = {r[1] for r in con.execute("PRAGMA table_info(rejects)")}
        version = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert {"origin_file", "origin_sheet", "origin_row"} <= columns and version == ("4",)
    assert {"collected_from", "collected_to"} <= columns
    assert {"origin_file", "origin_sheet", "origin_row"} <= rejected
    expected = [("研究院.xlsx", SHEET, 2, None), ("研究院.xlsx", SHEET, 3, Path(rejects).name)]
    assert meta(db, bank) == expected
    assert sql_sources(db, bank) == [("研究院.xlsx", None), ("研究院.xlsx", Path(rejects).name)]
    assert_sql_equals_store(db, bank)


@pytest.mark.parametrize(
    "cells, expected",
    [
        (("a.xlsx", "问卷", "7"), ("a.xlsx", "问卷", 7)),
        (("a.csv", "CSV", "7.0"), ("a.csv", "CSV", 7)),
        (("a.xlsx", "问卷", None), ("a.xlsx", "问卷", None)),
        (("a.xlsx", "问卷", 7.5), None),
        (("a.xlsx", "问卷", "0"), None),
        (("a.xlsx", "问卷", "9" * 30), None),
        (("1e5", "问卷", "7"), None),
        (("a.docx", "问卷", "7"), None),
        (("a.xlsx", "  ", "7"), None),
        ((3.0, "问卷", "7"), None),
    ],
)
def test_origin_cells(cells: tuple, expected: tuple | None) -> None:
    from surveytool.ingest.origin import origin

    assert origin(*cells) == expected


def test_a_corrected_answer_is_counted_once_in_the_collection(tmp_path: Path, ingest_bank) -> None:
    """Issue 22 item 8: an answer rejected, fixed wrongly, then fixed and accepted is one
    valid answer, not also 未通过 (once per ingest it went through)."""
    from surveytool.store.answers import collection_summary

    bank, db = ingest_bank, tmp_path / "s.db"
    path = table(tmp_path / "in" / "研究院.xlsx", bank, [{"B3": 10}, {"B1": "医院", "B3": 11}])
    first = ingest([path], bank, db).rejects_file
    got = collection_summary(db, bank)
    assert (got["accepted"], got["rejected"], got["corrected"]) == (1, 1, 0)
    fix(first, {2: {"B1": "诊所"}})  # still wrong: the same answer rejected again
    second = ingest([first], bank, db).rejects_file
    got = collection_summary(db, bank)
    assert (got["accepted"], got["rejected"], got["corrected"]) == (1, 1, 0)
    fix(second, {2: {"B1": 2}})
    ingest([second], bank, db)
    got = collection_summary(db, bank)
    assert (got["accepted"], got["rejected"], got["corrected"]) == (2, 0, 1)
    assert got["rejected_rows"] == 2  # what each ingest rejected, kept for the record
