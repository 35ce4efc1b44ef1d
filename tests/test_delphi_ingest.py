"""Delphi rounds end to end (issue 15): items, forms, returned forms and plain tables into
the store, analysis JSON, the consensus options, round-2 feedback forms."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from surveytool.cli import main
from surveytool.errors import problem
from surveytool.followup.delphi_items import load_items
from surveytool.forms.delphi import DelphiItem, write_delphi_form
from surveytool.ingest.delphi import KIND, ingest_ratings

ITEMS_YAML = """\
- {id: I1, text: 科研助理配备到位}
- {id: I2, text: 财务报销一站式办理}
- {id: I3, text: 项目材料一表通}
"""
PROFILE = {
    "专业领域": "科技管理",
    "从事本领域工作年限": 12,
    "对咨询内容的熟悉程度": "熟悉",
    "判断依据：实践经验": "大",
    "判断依据：理论分析": "中",
    "判断依据：参考国内外文献": "中",
    "判断依据：直观感觉": "小",
}


@pytest.fixture
def items_file(tmp_path: Path) -> Path:
    path = tmp_path / "items.yaml"
    path.write_text(ITEMS_YAML, encoding="utf-8")
    return path


def _fill(
    path: Path, ratings: list, profile: dict | None = None, comment: str | None = None
) -> Path:
    wb = load_workbook(path)
    ws = wb.active
    for r in range(1, ws.max_row + 1):
        label = ws.cell(r, 1).value
        if label in (profile or PROFILE):
            ws.cell(r, 3).value = (profile or PROFILE)[label]
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "编号")
    header = [ws.cell(top, c).value for c in range(1, ws.max_column + 1)]
    col = header.index("重要性（1～5）") + 1
    for i, value in enumerate(ratings):
        ws.cell(top + 1 + i, col).value = value
    if comment:
        ws.cell(top + 1, header.index("意见或修改建议") + 1).value = comment
    wb.save(path)
    return path


def _forms(tmp_path: Path, items: list[DelphiItem], table: list[list]) -> Path:
    folder = tmp_path / "r1"
    for i, ratings in enumerate(table, start=1):
        path = write_delphi_form(items, folder / f"E{i:02d}.xlsx", 1, expert=f"E{i:02d}")
        _fill(path, ratings)
    return folder


def test_items_from_yaml_and_their_located_problems(tmp_path: Path, items_file: Path) -> None:
    assert [(i.id, i.label) for i in load_items(items_file)][:1] == [("I1", "科研助理配备到位")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {id: I1, text: 甲}\n- {id: i1, text: 乙}\n- {id: 'a b', text: 丙}\n", "utf-8")
    from surveytool.errors import UsageError

    with pytest.raises(UsageError) as exc:
        load_items(bad)
    where = {"file": "bad.yaml", "kind": "条目文件"}
    assert [p.message for p in exc.value.problems] == [
        problem("delphi_item_duplicate", **where, line=2, value="i1", first_line=1).message,
        problem("delphi_item_bad", **where, line=3, index=3, what="的编号“a b”无效").message,
    ]


def test_forms_come_back_into_the_store_with_profile_and_masked_comments(
    tmp_path: Path, items_file: Path
) -> None:
    items = load_items(items_file)
    path = write_delphi_form(items, tmp_path / "f" / "E01.xlsx", 1, expert="E01")
    _fill(path, [5, "4分", None], comment="王建国处长建议合并，电话13812345678")
    summary = ingest_ratings([tmp_path / "f"], items, tmp_path / "s.db", 1)
    assert summary.count("ingested") == 1 and summary.files[0].detail["experts"] == ["E01"]
    with sqlite3.connect(tmp_path / "s.db") as db:
        expert = db.execute("SELECT expert, field, years, ca, cs FROM delphi_experts").fetchone()
        ratings = db.execute("SELECT item, importance, comment FROM delphi_ratings").fetchall()
    assert expert == ("E01", "科技管理", 12.0, 0.9, 0.8)  # Ca = 0.5 + 0.2 + 0.1 + 0.1
    assert ratings[0][:2] == ("I1", 5.0) and ratings[1][:2] == ("I2", 4.0) and ratings[2][1] is None
    assert ratings[0][2] == "[姓名]处长建议合并，电话[手机号]"


def test_a_bad_rating_rejects_the_form_with_its_cell(tmp_path: Path, items_file: Path) -> None:
    items = load_items(items_file)
    path = _fill(write_delphi_form(items, tmp_path / "E01.xlsx", 1, expert="E01"), [5, "很重要", 9])
    summary = ingest_ratings([path], items, tmp_path / "s.db", 1)
    (f,) = summary.failed
    where = {"file": "E01.xlsx", "kind": KIND, "sheet": "专家咨询表"}
    words = "5 非常重要，4 重要，3 一般，2 不太重要，1 不重要"
    assert [p.message for p in f.problems] == [
        problem(
            "delphi_bad_rating", **where, cell="C18", value="很重要", low=1, top=5, words=words
        ).message,
        problem(
            "delphi_bad_rating", **where, cell="C19", value="9", low=1, top=5, words=words
        ).message,
    ]


def test_a_plain_table_a_name_for_a_code_and_the_same_expert_twice(
    tmp_path: Path, items_file: Path
) -> None:
    items = load_items(items_file)
    table = tmp_path / "ratings.csv"
    table.write_text(
        "专家编号,I1,I2,项目材料一表通,熟悉程度\nE01,5,4,3,很熟悉\n张三,4,4,5,熟悉\n", "utf-8"
    )
    summary = ingest_ratings([table], items, tmp_path / "s.db", 1)
    assert summary.count("ingested") == 1
    (note,) = summary.files[0].problems
    assert note.code == "delphi_expert_code" and "张三" not in note.message
    with sqlite3.connect(tmp_path / "s.db") as db:
        codes = [r[0] for r in db.execute("SELECT expert FROM delphi_experts ORDER BY id")]
        assert codes[0] == "E01" and codes[1].startswith("X") and "张三" not in codes[1]
    again = tmp_path / "again.csv"
    again.write_text("专家编号,I1,I2,I3\nE01,3,3,3\n", "utf-8")
    (f,) = ingest_ratings([again], items, tmp_path / "s.db", 1).failed
    assert (
        f.problems[0].message
        == problem(
            "delphi_expert_twice",
            file="again.csv",
            kind=KIND,
            code="E01",
            round=1,
            other="ratings.csv",
        ).message
    )
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("专家编号,I1,I9\nE05,3,3\n", "utf-8")
    (f,) = ingest_ratings([unknown], items, tmp_path / "s.db", 1).failed
    assert (
        f.problems[0].message
        == problem(
            "delphi_unknown_column", file="unknown.csv", kind=KIND, cell="C1", value="I9"
        ).message
    )


def test_a_round_2_form_shows_the_mean_and_the_experts_own_rating(
    tmp_path: Path, items_file: Path, capsys
) -> None:
    items = load_items(items_file)
    store = tmp_path / "s.db"
    ingest_ratings([_forms(tmp_path, items, [[5, 4, 3], [4, 4, 2], [5, 3, 3]])], items, store, 1)
    out = tmp_path / "r2" / "咨询表.xlsx"
    args = ["delphi", "form", "--items", str(items_file), "--round", "2", "--store", str(store)]
    assert main([*args, "-o", str(out)]) == 0
    ws = load_workbook(out.with_name("咨询表-E02.xlsx")).active
    rows = {ws.cell(r, 1).value: [c.value for c in ws[r]] for r in range(1, ws.max_row + 1)}
    assert rows["编号"][:5] == ["编号", "条目", "上一轮均值", "您上一轮的评分", "重要性（1～5）"]
    assert rows["I1"][2:4] == ["4.67", "4"] and rows["I3"][2:4] == ["2.67", "2"]
    assert rows["surveytool-delphi"][:3] == ["surveytool-delphi", "2", "E02"]
    # a round-1 form given as round 2 is refused
    first = write_delphi_form(items, tmp_path / "old.xlsx", 1, expert="E09")
    (f,) = ingest_ratings([_fill(first, [3, 3, 3])], items, store, 2).failed
    assert f.problems[0].code == "delphi_round_mismatch"


def test_analyze_json_has_the_documented_keys_and_the_rule_is_settable(
    tmp_path: Path, items_file: Path, capsys
) -> None:
    items = load_items(items_file)
    store = tmp_path / "s.db"
    table = [[5, 4, 3], [5, 4, 2], [5, 5, 3], [4, 4, 2]]
    ingest_ratings([_forms(tmp_path, items, table)], items, store, 1)
    out = tmp_path / "r.json"
    assert main(["delphi", "analyze", "--store", str(store), "--json", str(out)]) == 0
    d = json.loads(out.read_text("utf-8"))
    assert set(d["items"][0]) == {
        "item",
        "label",
        "n",
        "mean",
        "sd",
        "cv",
        "full_score_ratio",
        "rank",
        "consensus",
    }
    assert set(d["kendall"]) == {"w", "w_uncorrected", "chi2", "df", "p_value", "raters", "items"}
    assert set(d["authority"]) >= {"ca", "cs", "cr"}
    by = {i["item"]: i for i in d["items"]}
    assert (
        by["I1"]["mean"] == 4.75 and by["I1"]["rank"] == 1 and by["I1"]["full_score_ratio"] == 0.75
    )
    assert [by[i]["consensus"] for i in ("I1", "I2", "I3")] == [True, True, False]
    assert d["rule"]["text"] == "均值 ≥ 3.5 且变异系数 ≤ 0.25"
    assert (
        main(["delphi", "analyze", "--store", str(store), "--json", str(out), "--min-mean", "4.5"])
        == 0
    )
    d = json.loads(out.read_text("utf-8"))
    assert [i["consensus"] for i in d["items"]] == [True, False, False]
    assert "达成共识" in capsys.readouterr().out
    assert main(["delphi", "analyze", "--store", str(store), "--round", "3"]) == 1
    assert "还没有第 3 轮的专家评分" in capsys.readouterr().err


def test_items_from_the_lists_keep_the_problem_key(tmp_path: Path) -> None:
    from datetime import date

    from surveytool.followup.lists import make_lists

    problems = [
        {
            "key": "item:C5_2",
            "title": "同类信息在多个系统重复填报：61.0% 的受访者认同“…”",
            "evidence": "e",
        },
        {"key": "item:C4_6", "title": "财务报销负担重：51.0% 的受访者…", "evidence": "e"},
    ]
    path, _ = make_lists(problems, tmp_path / "l.xlsx", "young_researchers", date(2026, 6, 30))
    items = load_items(path)
    assert items == [
        DelphiItem("P01", "同类信息在多个系统重复填报", "item:C5_2"),
        DelphiItem("P02", "财务报销负担重", "item:C4_6"),
    ]
