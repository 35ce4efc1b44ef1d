"""When the answers were collected (issue 22 item 1): the report's 回收时间 comes from each
answer's submission date (问卷星 提交答卷时间, 腾讯问卷 结束答题时间, Kobo end/today — the date
only), else ``ingest --collected`` for paper returns, else the day the returned file was
saved; never the day it was loaded into the store."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from test_platforms import BANK, TENCENT, TEXT_HEADER, TEXT_ROWS, xlsx
from test_rejects_origin import table

from surveytool.bank import load_bank
from surveytool.cli import main
from surveytool.errors import problem
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest
from surveytool.ingest.platforms.dates import day
from surveytool.store.answers import collection_summary

from conftest import GOOD, write_bank


def span(db: Path, bank) -> tuple[str, str, bool]:
    got = collection_summary(db, bank)
    return got["first"], got["last"], got["dated"]


def stored_dates(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT collected_from, collected_to FROM responses").fetchall()


def test_wjx_submission_dates_are_kept_without_the_time(tmp_path: Path) -> None:
    bank = load_bank(write_bank(tmp_path, BANK, "platform_demo.yaml"))
    path = xlsx(tmp_path / "in" / "123_按文本_x.xlsx", TEXT_HEADER, TEXT_ROWS)
    s = ingest([path], bank, tmp_path / "s.db")
    assert span(tmp_path / "s.db", bank) == ("2023-05-17", "2023-05-18", True)
    assert stored_dates(tmp_path / "s.db") == [
        ("2023-05-17", "2023-05-17"),
        ("2023-05-17", "2023-05-17"),
        ("2023-05-18", "2023-05-18"),
    ]
    notes = [p.message for p in s.files[0].problems]
    kept = problem("platform_date_kept", file=path.name, kind="返回表", column="提交答卷时间")
    assert kept.message in notes
    assert not any("提交答卷时间" in n and "已忽略" in n for n in notes)
    dump = str(sqlite3.connect(tmp_path / "s.db").execute("SELECT * FROM responses").fetchall())
    assert "14:22" not in dump and "15:00" not in dump  # never the time of day


def test_tencent_end_time_gives_the_date(tmp_path: Path) -> None:
    bank = load_bank(write_bank(tmp_path, BANK, "platform_demo.yaml"))
    path = tmp_path / "in" / "腾讯问卷导出.csv"
    path.parent.mkdir()
    path.write_bytes(TENCENT.encode("utf-8-sig"))
    ingest([path], bank, tmp_path / "s.db")
    assert span(tmp_path / "s.db", bank) == ("2021-02-02", "2021-02-02", True)


def test_submission_time_forms() -> None:
    assert day("2016/12/17 14:22:55") == "2016-12-17"
    assert day("02-Feb-2021 20:26:58") == "2021-02-02"
    assert day("2026-11-21T10:03:11.000+08:00") == "2026-11-21"
    assert day(datetime(2026, 11, 21, 10, 3)) == "2026-11-21"
    assert day(45658.6) == "2025-01-01"  # an Excel date serial (45658 is 2025-01-01 in Excel)
    for nothing in ("", "NULL", "(空)", None, "2026/13/40", 3.0):
        assert day(nothing) is None


def test_a_returned_form_is_dated_by_its_file_and_paper_by_collected(
    tmp_path: Path, ingest_bank
) -> None:
    bank, db = ingest_bank, tmp_path / "s.db"
    form = FormFiller(bank).fill(GOOD, tmp_path / "in" / "张三.xlsx")
    saved = datetime(2026, 11, 21, 9, 30).timestamp()
    os.utime(form, (saved, saved))
    ingest([tmp_path / "in"], bank, db)
    assert span(db, bank) == ("2026-11-21", "2026-11-21", True)  # not today
    paper = table(tmp_path / "paper" / "纸质录入.xlsx", bank, [{"B3": 10}, {"B3": 11}])
    store = ["--bank", str(tmp_path / "ingest_demo.yaml"), "--store", str(db)]
    code = main(["ingest", str(paper), *store, "--collected", "2026-11-20..2026-11-28"])
    assert code == 0
    assert span(db, bank) == ("2026-11-20", "2026-11-28", True)
    assert stored_dates(db)[1:] == [("2026-11-20", "2026-11-28")] * 2


def test_a_bad_collected_range_is_refused_in_chinese(tmp_path: Path, ingest_bank, capsys) -> None:
    paper = table(tmp_path / "paper" / "纸质录入.xlsx", ingest_bank, [{"B3": 10}])
    store = ["--bank", str(tmp_path / "ingest_demo.yaml"), "--store", str(tmp_path / "s.db")]
    for bad in ("2026-11-28..2026-11-20", "11月20日", "2026-11-20..", "2026-02-30"):
        assert main(["ingest", str(paper), *store, "--collected", bad]) != 0
        err = capsys.readouterr().err
        assert problem("bad_collected", value=bad).message in err
    assert not (tmp_path / "s.db").exists()


def test_a_store_with_undated_answers_says_so(tmp_path: Path, ingest_bank) -> None:
    bank, db = ingest_bank, tmp_path / "s.db"
    ingest([table(tmp_path / "in" / "a.xlsx", bank, [{"B3": 10}])], bank, db)
    with sqlite3.connect(db) as con:  # as stored before version 3
        con.execute("UPDATE responses SET collected_from=NULL, collected_to=NULL")
    first, last, dated = span(db, bank)
    assert not dated and first == last == datetime.now().date().isoformat()


def test_kobo_end_then_today_gives_the_date(tmp_path: Path) -> None:
    bank = load_bank(write_bank(tmp_path, BANK, "platform_demo.yaml"))
    header = ["start", "end", "today", "section_B/B1", "section_B/B3", "_uuid"]
    rows = [
        [
            "2026-11-20T09:00:00.000+08:00",
            "2026-11-21T10:03:11.000+08:00",
            "2026-11-21",
            "1",
            "40",
            "a",
        ],
        ["2026-11-22T09:00:00.000+08:00", None, "2026-11-22", "2", "35", "b"],
    ]
    s = ingest([xlsx(tmp_path / "in" / "kobo_export.xlsx", header, rows)], bank, tmp_path / "s.db")
    # the first row by its end, the second (no end) by its today
    assert stored_dates(tmp_path / "s.db") == [("2026-11-21",) * 2, ("2026-11-22",) * 2]
    notes = [p.message for p in s.files[0].problems]
    assert any("“end”“today”列只保留日期" in n for n in notes)
