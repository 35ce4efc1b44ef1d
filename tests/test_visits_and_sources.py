"""实地察看 records, the lists' 来源 and 专家评分 merged across runs, and the campaign status
counting the other methods (issue 15)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from surveytool.bank import load_bank
from surveytool.errors import problem
from surveytool.followup.lists import make_lists, merge_sources, read_lists
from surveytool.forms.visit import write_visit_form
from surveytool.ingest.visits import KIND, ingest_visits
from surveytool.store import methods as sm
from surveytool.store.db import Store


def _visit(path: Path, basics: dict, problems: list[tuple]) -> Path:
    write_visit_form(load_bank("young_researchers"), path)
    wb = load_workbook(path)
    ws = wb.active
    for r in range(1, ws.max_row + 1):
        label = ws.cell(r, 1).value
        if label in basics:
            ws.cell(r, 2).value = basics[label]
        if label == "序号":
            for i, (text, theme, photo) in enumerate(problems, start=1):
                ws.cell(r + i, 2).value, ws.cell(r + i, 3).value = text, theme
                ws.cell(r + i, 4).value = photo
    wb.save(path)
    return path


BASICS = {"走访单位": "柳州市人民医院", "单位类型": "医院", "走访日期": date(2026, 5, 21)}
SEEN = [
    ("报销需纸质和系统各交一份，王建国主任说很麻烦", "科研时间与事务性负担", "IMG_01.jpg"),
    ("临床科室缺少固定的科研办公场地", "创新环境与成长支持", None),
]


def test_a_visit_record_is_stored_masked_and_located_when_incomplete(tmp_path: Path) -> None:
    bank = load_bank("young_researchers")
    good = _visit(tmp_path / "v1.xlsx", BASICS, SEEN)
    bad = _visit(tmp_path / "v2.xlsx", {**BASICS, "走访日期": "上周三"}, SEEN)
    summary = ingest_visits([good, bad], bank, tmp_path / "s.db")
    assert [f.status for f in summary.files] == ["ingested", "failed"]
    assert (
        summary.failed[0].problems[0].message
        == problem(
            "visit_bad_date", file="v2.xlsx", kind=KIND, sheet="走访记录", cell="B8", value="上周三"
        ).message
    )
    with Store(tmp_path / "s.db") as st:
        visits, _, seen = sm.read_visits(st, bank.id)
    assert list(visits["visited_on"]) == ["2026-05-21"] and list(visits["unit_type"]) == ["医院"]
    assert list(seen["theme"]) == ["C", "E"] and seen["photo"].iloc[0] == "IMG_01.jpg"
    assert "王建国" not in seen["text"].iloc[0] and "[姓名]主任" in seen["text"].iloc[0]
    again = ingest_visits([good], bank, tmp_path / "s.db")
    assert again.count("skipped") == 1


def test_sources_merge_across_runs_and_keep_the_owners_words() -> None:
    assert merge_sources(None, []) == ""
    assert merge_sources("问卷", ["座谈"]) == "问卷、座谈"
    assert merge_sources("实地、走访座谈会", ["问卷", "专家"]) == "问卷、专家、实地、走访座谈会"
    assert merge_sources("问卷、座谈", []) == "问卷、座谈"  # a source once recorded stays


def test_lists_carry_sources_and_ratings_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    p1 = {"key": "item:C4_6", "title": "财务报销负担重：51.0% …", "evidence": "e1"}
    p2 = {"key": "item:C5_2", "title": "同类信息在多个系统重复填报：61.0% …", "evidence": "e2"}
    seen = {
        "key": "visit:v.xlsx:2",
        "title": "临床科室缺少固定的科研办公场地",
        "evidence": "实地察看",
        "sources": ["实地"],
    }
    make_lists([p1, p2], path, "young_researchers", date(2026, 6, 30))
    rows = {r["编号"]: r for r in read_lists(path).sheets["问题清单"]}
    assert rows["P01"]["来源"] == "问卷" and rows["P01"]["专家评分"] is None
    # the owner adds a source by hand; a later run brings notes, experts and a visit
    wb = load_workbook(path)
    ws = wb["问题清单"]
    header = [c.value for c in ws[1]]
    ws.cell(3, header.index("来源") + 1).value = "问卷、走访座谈会"
    wb.save(path)
    evidence = {
        "item:C4_6": {
            "sources": ["座谈", "专家"],
            "rating": "均值 4.30，第 2/3 位，达成共识（第 2 轮）",
        },
        "item:C5_2": {"sources": ["实地"]},
    }
    make_lists([p1, p2, seen], path, "young_researchers", date(2026, 7, 15), evidence=evidence)
    rows = {r["编号"]: r for r in read_lists(path).sheets["问题清单"]}
    assert rows["P01"]["来源"] == "问卷、座谈、专家" and rows["P01"]["专家评分"].startswith(
        "均值 4.30"
    )
    assert rows["P02"]["来源"] == "问卷、实地、走访座谈会"
    assert rows["P03"]["来源"] == "实地" and rows["P03"]["问题"] == "临床科室缺少固定的科研办公场地"
    # the November run: no evidence given, the problem no longer supported — nothing is lost
    make_lists([p2], path, "young_researchers", date(2026, 11, 30))
    rows = {r["编号"]: r for r in read_lists(path).sheets["问题清单"]}
    assert rows["P01"]["来源"] == "问卷、座谈、专家" and rows["P01"]["数据支持"].startswith("否")
    assert rows["P01"]["专家评分"].startswith("均值 4.30")
    assert rows["P03"]["来源"] == "实地"


@pytest.fixture
def campaign_with_methods(tmp_path: Path) -> Path:
    from surveytool.followup.init import init_campaign
    from surveytool.ingest.notes import ingest_notes

    path = init_campaign(tmp_path, 2026)
    from surveytool.followup.campaign import load_campaign

    campaign = load_campaign(path)
    store = campaign.store_of(campaign.topic(1))
    notes = tmp_path / "n.txt"
    notes.write_text(
        "日期：2026-05-12\n形式：座谈\n单位类型：高等院校\n参加人数：8\n【主题】评价与项目制度\n论文。\n",
        encoding="utf-8",
    )
    bank = load_bank(campaign.topic(1).bank)
    ingest_notes([notes], bank, store)
    ingest_visits([_visit(tmp_path / "v.xlsx", BASICS, SEEN)], bank, store)
    return path


def test_status_counts_sessions_rounds_and_visits(campaign_with_methods: Path, capsys) -> None:
    from surveytool.cli import main
    from surveytool.followup.campaign import load_campaign
    from surveytool.followup.status import methods_counts

    counts = methods_counts(load_campaign(campaign_with_methods)).set_index("topic")
    assert counts.loc[1, "座谈"] == 1 and counts.loc[1, "participants"] == 8
    assert counts.loc[1, "visits"] == 1 and counts.loc[1, "delphi_rounds"] == 0
    assert counts.loc[2, "座谈"] == 0
    out = campaign_with_methods.parent / "进度.xlsx"
    assert main(["status", "--campaign", str(campaign_with_methods), "-o", str(out)]) == 0
    assert "其他调研方法：座谈 1 场（共 8 人），实地察看 1 次" in capsys.readouterr().out
    assert "调研方法" in load_workbook(out).sheetnames
