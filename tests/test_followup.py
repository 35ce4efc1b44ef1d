"""The campaign: campaign file, sample sizes, status, the three lists and 问题销号."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from surveytool.cli import main
from surveytool.errors import BankError, UsageError, problem
from surveytool.followup.campaign import load_campaign
from surveytool.followup.init import init_campaign
from surveytool.followup.lists import make_lists, read_lists
from surveytool.followup.status import allocate, coverage, milestones
from surveytool.followup.track import track

from conftest import write_bank

PROBLEMS = [
    {"key": "item:C5_4", "text": "与本职业务无关的会议较多", "evidence": "54.1% 同意"},
    {"key": "item:D1_1", "text": "评价过于看重论文", "evidence": "52.8% 同意"},
    {"key": "option:C6:1", "text": "行政事务性工作", "evidence": "48.3% 选择"},
]


def test_lists_edits_survive_regeneration(tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    make_lists(PROBLEMS, path, "young_researchers", date(2026, 7, 1))
    wb = load_workbook(path)
    assert wb.sheetnames == ["问题清单", "责任清单", "任务清单"]
    tasks = wb["任务清单"]
    header = [c.value for c in tasks[1]]
    assert header == ["编号", "问题", "整改措施", "完成时限", "状态", "销号日期", "备注"]
    statuses = [dv for dv in tasks.data_validations.dataValidation if dv.type == "list"]
    assert statuses and "未启动,推进中,已销号" in statuses[0].formula1
    assert any(dv.type == "date" for dv in tasks.data_validations.dataValidation)
    # the owner edits, as a person does in Excel
    tasks["C2"] = "精简会议，实行会议计划管理"
    tasks["D2"] = date(2026, 8, 31)
    tasks["E2"] = "推进中"
    tasks["E3"] = "已销号"
    tasks["F3"] = date(2026, 7, 20)
    wb["责任清单"]["C2"] = "办公室"
    wb["责任清单"]["D2"] = "张某"
    wb["问题清单"]["B3"] = "科研评价“唯论文”倾向仍然存在"  # the owner rewrites a problem
    wb["问题清单"].append(
        ["P99", "手工补充：实验室开放时间不足", None, None, None, None, "座谈会提出"]
    )
    wb.save(path)
    # more data: one problem gone, one new
    new = [
        PROBLEMS[0],
        PROBLEMS[2],
        {"key": "item:E1_1", "text": "平台设备不够用", "evidence": "51.0% 不同意"},
    ]
    make_lists(new, path, "young_researchers", date(2026, 9, 1))
    lists = read_lists(path)
    issues = {r["编号"]: r for r in lists.sheets["问题清单"]}
    assert list(issues) == ["P01", "P02", "P03", "P99", "P100"]
    assert issues["P02"]["问题"] == "科研评价“唯论文”倾向仍然存在"
    assert issues["P02"]["数据支持"].startswith("否（2026-09-01 起")
    assert issues["P01"]["数据支持"] == "是" and issues["P100"]["问题"] == "平台设备不够用"
    assert issues["P99"]["备注"] == "座谈会提出"
    task = lists.row("任务清单", "P01")
    assert task["整改措施"] == "精简会议，实行会议计划管理" and task["状态"] == "推进中"
    assert task["完成时限"].date() == date(2026, 8, 31)
    assert lists.row("任务清单", "P02")["状态"] == "已销号"
    assert lists.row("任务清单", "P02")["问题"] == "科研评价“唯论文”倾向仍然存在"
    assert lists.row("责任清单", "P01")["责任单位"] == "办公室"
    assert lists.row("任务清单", "P100")["状态"] == "未启动"


def test_track_counts_and_overdue_relative_to_a_fixed_day(tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    make_lists(PROBLEMS, path, "x", date(2026, 7, 1))
    wb = load_workbook(path)
    t, r = wb["任务清单"], wb["责任清单"]
    t["D2"], t["E2"] = date(2026, 8, 31), "推进中"  # overdue on 9-10
    t["D3"], t["E3"], t["F3"] = date(2026, 8, 1), "已销号", date(2026, 7, 30)  # closed
    t["D4"], t["E4"] = "2026/9/20", "未启动"  # due within 14 days of 9-10
    r["C2"], r["C3"], r["C4"] = "办公室", "人事处", "办公室"
    wb.save(path)
    p = track(read_lists(path), date(2026, 9, 10))
    assert (p.total, p.by_status) == (3, {"未启动": 1, "推进中": 1, "已销号": 1})
    assert round(p.closed_rate, 1) == 33.3
    assert [x["编号"] for x in p.overdue] == ["P01"] and [x["编号"] for x in p.due_soon] == ["P03"]
    units = p.by_unit.set_index("unit")
    assert units.loc["办公室", "total"] == 2 and units.loc["办公室", "overdue"] == 1
    assert units.loc["人事处", "已销号"] == 1


def test_track_command(tmp_path: Path, capsys) -> None:
    path = tmp_path / "清单.xlsx"
    make_lists(PROBLEMS, path, "x", date(2026, 7, 1))
    wb = load_workbook(path)
    wb["任务清单"]["D2"] = "8月底"  # not a date: reported, not guessed
    wb.save(path)
    assert (
        main(["track", str(path), "--today", "2026-09-10", "--chart", str(tmp_path / "c.png")]) == 0
    )
    text = capsys.readouterr().out
    assert "共 3 项，已销号 0 项" in text and "无法识别的时限：P01“8月底”" in text
    assert "尚未填写完成时限 2 项" in text  # P02, P03; P01's text is counted as unreadable
    assert (tmp_path / "c.png").stat().st_size > 3000
    init_campaign(tmp_path, 2026)
    assert (
        main(
            [
                "track",
                str(path),
                "--today",
                "2026-09-10",
                "--campaign",
                str(tmp_path / "campaign.yaml"),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "2026-08-31 集中解决一批问题（已过 10 天）" in text
    assert "2026-11-30 督查回访（还有 81 天）" in text and "制定调研方案" not in text


def test_campaign_file_errors_are_located(tmp_path: Path) -> None:
    bad = tmp_path / "campaign.yaml"
    bad.write_text(
        "name: 测试\nyear: 2026\ntopics:\n  - topic: 1\n    title: 甲\n    bank: young_researchers\n"
        "    units:\n      - {name: 广西大学, population: 10, target: 50}\n"
        "  - topic: 1\n    title: 乙\n    bank: x\nmilestones:\n  - {name: 回访, due: 八月}\n",
        encoding="utf-8",
    )
    with pytest.raises(BankError) as info:
        load_campaign(bad)
    msgs = [p.message for p in info.value.problems]
    assert (
        problem(
            "campaign_target_gt_population",
            file="campaign.yaml",
            line=8,
            kind="调研计划",
            unit="广西大学",
            target=50,
            population=10,
        ).message
        in msgs
    )
    assert (
        problem(
            "campaign_bad_date", file="campaign.yaml", line=13, kind="调研计划", value="八月"
        ).message
        in msgs
    )
    assert any("选题 1 出现了不止一次" in m for m in msgs)
    assert any(m.startswith("调研计划 campaign.yaml，第 11 行：找不到题库“x”。") for m in msgs)
    assert len(msgs) == 4  # every problem at once


def test_campaign_bank_path_is_relative_to_the_campaign_file(tmp_path: Path) -> None:
    (tmp_path / "banks").mkdir()
    write_bank(tmp_path / "banks", "id: mine\n", "mine.yaml")  # not loaded: only found
    (tmp_path / "c").mkdir()
    text = "name: 测试\ntopics:\n  - {topic: 2, title: 乙, bank: ../banks/mine.yaml}\n"
    (tmp_path / "c" / "campaign.yaml").write_text(text, encoding="utf-8")
    t = load_campaign(tmp_path / "c" / "campaign.yaml").topic(2)
    assert Path(t.bank).resolve() == (tmp_path / "banks" / "mine.yaml").resolve()


def test_init_campaign_and_status(tmp_path: Path, capsys) -> None:
    path = init_campaign(tmp_path, 2026)
    c = load_campaign(path)
    assert [t.topic for t in c.topics] == list(range(1, 9))
    assert [u.name for u in c.topic(1).units] == [
        "广西科技大学",
        "广西大学",
        "桂林电子科技大学",
        "柳州市人民医院",
        "柳州市工人医院",
    ]
    assert [m.due.isoformat() for m in c.milestones][:2] == ["2026-04-15", "2026-06-15"]
    ms = milestones(c, date(2026, 6, 10)).set_index("milestone")
    assert (
        ms.loc["制定调研方案", "state"] == "已过"
        and ms.loc["初步完成课题调研", "state"] == "即将到期"
    )
    cov = coverage(c)
    assert (cov[cov["topic"] == 1]["received"] == 0).all() and cov["below_target"].any()
    assert (
        main(
            [
                "status",
                "--campaign",
                str(path),
                "--today",
                "2026-06-10",
                "-o",
                str(tmp_path / "status.xlsx"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "广西科技大学：0/60 份" in out and "▲ 未达目标" in out
    assert (tmp_path / "status.xlsx").is_file()
    with pytest.raises(UsageError, match="已存在"):
        init_campaign(tmp_path, 2026)  # never over an existing file


def test_allocation_proportional_with_minimum() -> None:
    alloc = allocate(300, {"甲": 1000, "乙": 500, "丙": 50}, minimum=20)
    assert sum(alloc.values()) == 300 and alloc["丙"] >= 20
    assert alloc["甲"] > alloc["乙"] > alloc["丙"]
    assert allocate(10, {"甲": 3, "乙": 100}, minimum=5)["甲"] == 3  # never above the population
    with pytest.raises(UsageError, match="至少需要 40 份"):
        allocate(30, {"甲": 100, "乙": 100}, minimum=20)


def test_sample_size_commands(capsys) -> None:
    assert main(["sample-size", "--population", "1000"]) == 0
    assert "需要有效答卷 278 份" in capsys.readouterr().out  # Krejcie & Morgan (1970): 278
    assert main(["sample-size", "--n", "1000"]) == 0
    assert "±3.1%" in capsys.readouterr().out


def test_lists_command_from_a_store(tmp_path: Path, ingest_bank, capsys) -> None:
    from surveytool.forms.fill import FormFiller

    from conftest import GOOD

    text = (
        (tmp_path / "ingest_demo.yaml")
        .read_text("utf-8")
        .replace("construct: 行政负担\n", "construct: 行政负担\n        problem_when: high\n")
    )
    bank_file = write_bank(tmp_path, text, "problems.yaml")
    f = FormFiller(ingest_bank)
    for i in range(20):  # MIN_PROBLEM_BASE answers: fewer raise no problem
        f.fill({**GOOD, "B2_1": 5, "B3": 10 + i}, tmp_path / "in" / f"{i}.xlsx")
    assert (
        main(
            [
                "ingest",
                "--bank",
                str(bank_file),
                "--store",
                str(tmp_path / "s.db"),
                str(tmp_path / "in"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "lists",
                "--bank",
                str(bank_file),
                "--store",
                str(tmp_path / "s.db"),
                "-o",
                str(tmp_path / "l.xlsx"),
            ]
        )
        == 0
    )
    rows = read_lists(tmp_path / "l.xlsx").sheets["问题清单"]
    # one figure, the same in the title and the evidence (the bank has no problem phrases:
    # the title is the statement alone)
    assert rows and rows[0]["问题"] == "100.0% 的受访者认同“项目申报材料过多”（n = 20）"
    assert "20 人（100.0%）" in rows[0]["数据依据"]

    # the lists in the report: 整改进展, and a damaged lists file refused in Chinese
    report = ["report", "--bank", str(bank_file), "--store", str(tmp_path / "s.db")]
    report += ["--format", "md", "-o", str(tmp_path / "rep")]
    assert main([*report, "--lists", str(tmp_path / "l.xlsx"), "--today", "2026-07-01"]) == 0
    md = (tmp_path / "rep" / "report.md").read_text("utf-8")
    assert "## 六、整改进展" in md and "## 附录" in md
    assert f"三张清单共列出问题 {len(rows)} 项，其中未启动 {len(rows)} 项" in md
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    capsys.readouterr()
    assert main([*report, "--lists", str(tmp_path / "bad.xlsx")]) != 0
    err = capsys.readouterr().err
    assert "无法读取清单文件" in err and "Traceback" not in err


def test_docx_column_widths_keep_short_columns_on_one_line() -> None:
    from surveytool.report.docx import TEXT_WIDTH_CM, column_widths

    rows = [
        ["编号", "问题", "完成时限", "状态"],
        ["P02", "很长的问题描述" * 8, "2026-08-31", "推进中"],
    ]
    w = column_widths(rows)
    assert abs(sum(w) - TEXT_WIDTH_CM) < 1e-9
    em = 10.5 * 2.54 / 72
    assert w[0] > 2 * em and w[2] > 10 * 0.62 * em and w[3] > 3 * em  # one line each
    assert w[1] == max(w)  # the long column takes the rest
    narrow = column_widths([["a", "b"], ["1", "2"]])
    assert narrow[0] == narrow[1] == TEXT_WIDTH_CM / 2  # room to spare: shared out


def test_docx_column_widths_wrap_a_header_to_two_lines_at_worst() -> None:
    from surveytool.report.docx import PAD_CM, TEXT_WIDTH_CM, column_widths

    header = ["题项", "完全没有", "较小", "一般", "较大", "非常大", "均值", "选较大及以上（%）"]
    rows = [header, ["行政事务性工作（如落实各类通知、报送材料）", *["10.3"] * 5, "3.62", "55.0"]]
    w = column_widths(rows)
    em = 10.5 * 2.54 / 72
    assert abs(sum(w) - TEXT_WIDTH_CM) < 1e-9
    assert all(x - PAD_CM >= 4 * 0.62 * em - 1e-9 for x in w[1:7])  # numbers on one line
    assert w[1] - PAD_CM >= 2 * em and w[7] - PAD_CM >= 4.5 * em  # headers: two lines at most
    assert w[0] == max(w)


def test_lists_print_on_a4_landscape_with_whole_rows(tmp_path: Path) -> None:
    from surveytool.forms.xlsx import text_lines

    assert text_lines("短", 10) == 1 and text_lines(None, 10) == 1
    assert text_lines("一二三四五六七八九十" * 4, 40) == 2  # 40 characters x 1.7 > 38.5 units
    assert text_lines("甲\n乙", 40) == 2
    long = {"key": "item:X", "text": "很长的问题描述" * 12, "evidence": "依据" * 80}
    path = make_lists([*PROBLEMS, long], tmp_path / "清单.xlsx", "yr", date(2026, 7, 1))[0]
    ws = load_workbook(path)["问题清单"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
    short, tall = ws.row_dimensions[2].height, ws.row_dimensions[5].height
    assert short >= 18 and tall >= 15 * text_lines("依据" * 80, ws.column_dimensions["C"].width)


def test_a_closed_problem_still_shown_by_the_later_wave_is_never_silent(
    tmp_path: Path, ingest_bank, capsys
) -> None:
    """Issue 22 item 2 (防止纸上解决): a problem marked 已销号 that the follow-up shows more
    often than when it was raised (30 of 40 agree, then 40 of 40) is flagged in the lists
    (数据支持 and a shaded row), by ``lists``, by ``track`` and in the report."""
    from openpyxl import load_workbook

    from surveytool.followup.lists import REVIEW_FILL
    from surveytool.forms.fill import FormFiller

    from conftest import GOOD

    text = (
        (tmp_path / "ingest_demo.yaml")
        .read_text("utf-8")
        .replace("construct: 行政负担\n", "construct: 行政负担\n        problem_when: high\n")
    )
    bank_file = str(write_bank(tmp_path, text, "problems.yaml"))
    f = FormFiller(ingest_bank)
    for i in range(40):
        f.fill({**GOOD, "B2_1": 5 if i < 30 else 1, "B3": 10 + i}, tmp_path / "june" / f"{i}.xlsx")
        f.fill({**GOOD, "B2_1": 5, "B3": 30 + i}, tmp_path / "nov" / f"{i}.xlsx")
    store = ["--bank", bank_file, "--store", str(tmp_path / "s.db")]
    lists = str(tmp_path / "l.xlsx")
    assert main(["ingest", *store, "--wave", "首轮", str(tmp_path / "june")]) == 0
    assert main(["lists", *store, "--wave", "首轮", "-o", lists, "--today", "2026-06-30"]) == 0
    wb = load_workbook(lists)
    titles = [c.value for c in wb["问题清单"]["B"]]
    at = next(i for i, t in enumerate(titles, 1) if "“项目申报材料过多”" in str(t))
    assert titles[at - 1].startswith("75.0% 的受访者认同")
    number = wb["问题清单"][f"A{at}"].value
    assert wb["任务清单"][f"A{at}"].value == number
    wb["任务清单"][f"E{at}"], wb["任务清单"][f"F{at}"] = "已销号", date(2026, 8, 25)
    wb.save(lists)
    assert main(["ingest", *store, "--wave", "回访", str(tmp_path / "nov")]) == 0
    capsys.readouterr()
    assert main(["lists", *store, "--wave", "回访", "-o", lists, "--today", "2026-11-30"]) == 0
    said = "已销号，但“回访”数据仍显示该问题（100.0%，较提出时的 75.0% 上升），需复核"
    assert f"需复核：{number} " in capsys.readouterr().out
    rows = read_lists(lists).sheets["问题清单"]
    row = rows[at - 2]
    assert row["数据支持"] == f"是；{said}"
    assert [r["数据支持"] for r in rows if r is not row] == ["是"] * (len(rows) - 1)
    ws = load_workbook(lists)["问题清单"]
    assert {c.fill.fgColor.rgb[-6:] for c in ws[at]} == {REVIEW_FILL}  # flagged for review
    others = [r for r in range(2, ws.max_row + 1) if r != at]
    assert all(ws[f"A{r}"].fill.fgColor.rgb[-6:] != REVIEW_FILL for r in others)

    assert main(["track", lists, "--today", "2026-11-30"]) == 0
    assert f"需复核：{number} {row['问题']}——{said}" in capsys.readouterr().out
    assert [x["编号"] for x in track(read_lists(lists), date(2026, 11, 30)).reopened] == [number]

    report = ["report", *store, "--format", "md", "-o", str(tmp_path / "rep")]
    report += ["--waves", "首轮", "回访", "--lists", lists, "--today", "2026-11-30"]
    assert main(report) == 0
    md = (tmp_path / "rep" / "report.md").read_text("utf-8")
    summary = md.split("## 一、")[0]
    assert "已销号但数据仍显示，较提出时的 75.0% 上升，需复核" in summary  # where it is listed
    problems = md.split("## 五、")[1].split("## 六、")[0]
    assert "※ 已销号但数据仍显示，需复核" in problems and "※ |" in problems
    assert "已销号，但最新数据仍显示该问题，需复核整改是否落实" in md  # 整改进展


@pytest.mark.parametrize("padded", [False, True])
def test_a_damaged_large_part_of_a_lists_workbook_is_refused(tmp_path: Path, padded: bool) -> None:
    """A malformed XML part above the checks' 2 MiB, in a lists workbook under 1 MiB (checked
    by the worker that reads it) or above (checked beside it too): refused in Chinese, as
    before issue 27 moved the small files' check into the worker (a review's finding)."""
    import os
    import zipfile

    import numpy as np

    from surveytool.followup.lists import Lists, write_lists
    from surveytool.ingest.files import BESIDE_FROM, WELLFORMED_MAX

    p = write_lists(Lists(), tmp_path / "lists.xlsx", "demo")
    with zipfile.ZipFile(p) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    body = np.random.default_rng(1).choice(np.frombuffer(b"ab", np.uint8), 3 * 2**20).tobytes()
    parts["customXml/item1.xml"] = b"<root><a>" + body + b"</b></root>"  # closes the wrong tag
    assert len(parts["customXml/item1.xml"]) > WELLFORMED_MAX
    bad = tmp_path / "清单.xlsx"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        if padded:
            z.writestr("xl/media/pad.bin", os.urandom(BESIDE_FROM), zipfile.ZIP_STORED)
    assert (bad.stat().st_size >= BESIDE_FROM) == padded
    with pytest.raises(UsageError) as info:
        read_lists(bad)
    assert "customXml/item1.xml 的 XML 格式已损坏" in info.value.problems[0].message
