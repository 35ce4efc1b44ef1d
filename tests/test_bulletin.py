"""The 通报 of problem-solving progress (issue 26): its counts are `track`'s, overdue items are
grouped by responsible unit, and no person named in 责任人 ever appears."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from docx import Document

from surveytool.cli import main
from surveytool.followup.lists import Lists, read_lists, write_lists
from surveytool.followup.track import track
from surveytool.report.bulletin import TopicLists, bulletin_context, write_bulletin

NAMES = ("王建国", "李秀英", "张伟")
TODAY = date(2026, 11, 30)


def _lists(path: Path, plan: list[tuple[str, str, str, str | None]]) -> Path:
    """A lists workbook: one problem per (unit, deadline, status, closed day); a planted
    person's name in every 责任人."""
    lists = Lists()
    for i, (unit, deadline, status, closed) in enumerate(plan, start=1):
        number = f"P{i:02d}"
        title = f"问题{i}表述：{60 + i}.0% 的受访者认为存在困难（首轮，n = 300）"
        lists.sheets["问题清单"].append({"编号": number, "问题": title, "数据支持": "是"})
        lists.sheets["责任清单"].append(
            {"编号": number, "问题": title, "责任单位": unit, "责任人": NAMES[i % 3]}
        )
        lists.sheets["任务清单"].append(
            {
                "编号": number,
                "问题": title,
                "整改措施": "研究提出措施",
                "完成时限": date.fromisoformat(deadline),
                "状态": status,
                "销号日期": date.fromisoformat(closed) if closed else None,
            }
        )
    return write_lists(lists, path, "young_researchers")


PLAN = [
    ("人事人才科", "2026-08-31", "已销号", "2026-08-25"),
    ("人事人才科", "2026-09-30", "已销号", "2026-11-10"),
    ("政策法规科", "2026-08-31", "推进中", None),
    ("政策法规科", "2026-10-31", "未启动", None),
    ("高新技术科", "2026-12-10", "推进中", None),
    ("高新技术科", "2027-03-31", "未启动", None),
]


def _text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([*(p.text for p in doc.paragraphs), *cells])


def test_the_bulletin_counts_what_track_counts_and_names_no_person(tmp_path: Path) -> None:
    path = _lists(tmp_path / "三张清单.xlsx", PLAN)
    progress = track(read_lists(path), TODAY)
    out = tmp_path / "通报.docx"
    args = ["bulletin", "--lists", str(path), "--today", "2026-11-30", "-o", str(out)]
    assert main(args) == 0
    text = _text(out)
    s = progress.by_status
    assert (
        f"共梳理问题 {progress.total} 项，已销号 {s['已销号']} 项，推进中 {s['推进中']} 项，"
        f"未启动 {s['未启动']} 项，销号率 {progress.closed_rate:.1f}%" in text
    )
    assert f"仍未销号 {len(progress.overdue)} 项，14 天内到期 {len(progress.due_soon)} 项" in text
    assert (len(progress.overdue), progress.total) == (2, 6)
    # overdue by unit, never by person
    assert "政策法规科：超期 2 项" in text
    assert not any(name in text for name in NAMES)
    # solved with their dates, oldest first; the phrase, not the figure
    assert text.index("2026年8月25日销号") < text.index("2026年11月10日销号")
    assert "P01 问题1表述，责任单位人事人才科" in text
    assert "关于调研发现问题整改进展情况的通报" in text and "（发文单位）" in text


def test_since_limits_the_solved_items_to_the_period(tmp_path: Path) -> None:
    path = _lists(tmp_path / "l.xlsx", PLAN)
    topics = [TopicLists(None, "l", read_lists(path))]
    ctx = bulletin_context(topics, TODAY, since=date(2026, 10, 31))
    (t,) = ctx["topics"]
    assert [s["编号"] for s in t["solved"]] == ["P02"]
    assert t["progress"]["by_status"]["已销号"] == 2  # the totals still count every one


def test_a_campaign_bulletin_covers_every_topic_and_says_which_have_no_lists(
    tmp_path: Path,
) -> None:
    _lists(tmp_path / "选题1-三张清单.xlsx", PLAN)
    _lists(tmp_path / "二.xlsx", PLAN[:2])
    (tmp_path / "campaign.yaml").write_text(
        "name: 2026年大兴调查研究\nyear: 2026\ntopics:\n"
        "  - {topic: 1, title: 青年科技工作者减负, bank: young_researchers}\n"
        "  - {topic: 2, title: 企业研发平台, bank: young_researchers, lists: 二.xlsx}\n"
        "  - {topic: 3, title: 三位一体, bank: young_researchers}\n",
        "utf-8",
    )
    out = tmp_path / "通报.docx"
    args = ["bulletin", "--campaign", str(tmp_path / "campaign.yaml"), "--today", "2026-11-30"]
    assert main([*args, "-o", str(out)]) == 0
    text = _text(out)
    assert "2 个选题共梳理问题 8 项，已销号 4 项" in text
    assert "选题（3）三位一体尚未建立三张清单" in text
    assert "关于2026年大兴调查研究发现问题整改进展情况的通报" in text
    assert not any(name in text for name in NAMES)


def test_no_lists_and_no_campaign_is_a_clear_message(capsys, tmp_path: Path) -> None:
    assert main(["bulletin", "-o", str(tmp_path / "x.docx")]) == 1
    assert "请用 --lists 指定三张清单文件" in capsys.readouterr().err


def test_write_bulletin_is_atomic_and_returns_the_path(tmp_path: Path) -> None:
    path = _lists(tmp_path / "l.xlsx", PLAN)
    ctx = bulletin_context([TopicLists(None, "l", read_lists(path))], TODAY)
    assert write_bulletin(ctx, tmp_path / "a" / "b.docx").is_file()
