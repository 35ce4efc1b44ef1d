"""What an official reads: no figure broken across lines in the Word report, the draft
notice in every format (issue 22, items 9-12)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from surveytool.report.context import DRAFT_NOTICE
from surveytool.report.docx import LANDSCAPE_WIDTH_CM, column_widths, fits, write_docx

HEADER = ["比较的指标", "分组", "检验", "统计量", "p", "校正后 p", "效应量", "人数", "说明"]


def _rows() -> list[list[str]]:
    """Rows shaped like the demo's appendix 三 (the table that broke 「25.4/3」, 「< /0.001」)."""
    rows = []
    for i in range(40):
        rows.append(
            [
                f"“您对柳州市科技计划项目申报和评审工作第 {i} 方面的满意程度如何？”",
                "单位",
                "Kruskal–Wallis 检验" if i % 2 else "Pearson 卡方检验",
                f"{25.43 + i * 7.31:.2f}",
                "< 0.001" if i % 3 else f"= 0.{i + 100:03d}",
                f"= 0.{i + 200:03d}",
                f"{0.1 + i / 1000:.3f}",
                str(300 - i),
                "17% 的单元格期望频数小于 5（最小 3.6），卡方检验结果仅供参考。"
                if i % 4 == 0
                else "",
            ]
        )
    return rows


def test_figure_columns_are_never_narrower_than_one_line() -> None:
    rows = [HEADER, *_rows()]
    total = 15.6 if fits(rows, 15.6) else LANDSCAPE_WIDTH_CM  # as the Word writer chooses
    widths = column_widths(rows, total)
    assert sum(widths) == pytest.approx(total)
    em = 10.5 * 2.54 / 72
    for c in (3, 4, 5, 6, 7):  # statistic, p, adjusted p, effect size, n
        longest = max(sum(0.62 for _ in str(r[c])) for r in rows[1:])
        assert widths[c] >= longest * em, (HEADER[c], widths[c])
    assert widths[1] >= 2 * em  # 单位 on one line
    assert widths[0] >= 8 * em  # the question's wording is not squeezed to 4 characters a line


def _ctx(rows: list[list[str]]) -> dict:
    table = {
        "caption": "附表　全部分组检验结果",
        "header": HEADER,
        "rows": rows,
        "note": "注：测试。",
    }
    return {
        "title": "关于测试的调研报告（初稿）",
        "subtitle": "（测试）",
        "date": "2026年12月6日",
        "notice": DRAFT_NOTICE,
        "sections": [
            {"title": "摘要", "blocks": [{"para": "正文。"}], "appendix": False},
            {"title": "附录", "blocks": [{"table": table}], "appendix": True},
        ],
    }


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice or poppler is not installed",
)
def test_no_figure_of_the_appendix_is_split_across_lines_in_the_pdf(tmp_path: Path) -> None:
    rows = _rows()
    docx = tmp_path / "report.docx"
    write_docx(_ctx(rows), docx, tmp_path)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx)],
        capture_output=True,
        timeout=300,
        check=False,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = {" ".join(line.split()) for line in text.splitlines()}
    joined = "\n".join(lines)
    broken = [v for r in rows for v in (*r[3:8], r[1]) if not any(v in line for line in lines)]
    assert not broken, (broken[:10], joined[:2000])
    assert DRAFT_NOTICE[:20] in text.replace("\n", "")


# --- item 9: no software, no 您, no test statistics in the body; bases in the summary -----

BANK = """\
id: words
version: 1
title: 测试问卷
description: 用于测试。
include: [scales]
sections:
  - id: B
    title: 基本情况
    questions:
      - {id: B1, type: single, text: 您所在的单位, options: {1: 甲大学, 2: 乙医院, 3: 丙学院}, role: unit}
  - id: C
    title: 环境
    questions:
      - id: C1
        type: likert
        problem_when: low
        text: 您对柳州市科技计划项目申报工作以下方面的满意程度如何？
        scale: agree5
        construct: 创新环境
        items:
          C1_1: {text: 我有较多机会参加学术交流活动, problem: 学术交流机会偏少}
          C1_2: {text: 团队合作氛围良好, problem: 团队合作氛围欠佳}
      - id: C2
        type: multi
        problem_when: high
        text: 您认为目前最突出的负担是哪几项？（最多选三项）
        options:
          1: {label: 报销, problem: 报销负担重}
          2: {label: 会议, problem: 会议负担重}
          3: {label: 目前没有明显的负担, none: true}
        exclusive: [3]
      - id: C4
        type: single
        text: 近三年（截至填表时），您是否与柳州的企业开展过科研合作？
        options: {1: 有, 2: 没有}
"""


def _words_context(tmp_path: Path) -> dict:
    import pandas as pd

    from surveytool.analysis import Survey, analyse
    from surveytool.bank import load_bank
    from surveytool.report.context import build_context, for_report

    from conftest import write_bank

    bank = load_bank(write_bank(tmp_path, BANK))
    rows = []
    for i in range(90):  # 甲 low on C1 (a significant group difference), the rest middling
        unit = 1 + i % 3
        low = unit == 1
        rows.append(
            {
                "B1": unit,
                "C1_1": 1 if low else 2 + i % 4,
                "C1_2": 1 + (i % 2) if low else 3 + i % 3,
                "C2_1": 1 if i % 3 else 0,
                "C2_2": i % 2,
                "C2_3": 0,
                "C4": 1 + (i % 5 > 0),
            }
        )
    cols = [f.id for f in bank.fields if f.kind not in ("text", "other")]
    s = Survey(pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], dtype=float), bank)
    r = for_report(analyse(s))
    collection = {"files": 90, "accepted": 90, "rejected": 0, "duplicates": 0}
    return build_context(s, r, collection, tmp_path, write_charts=False)


def _texts(blocks: list[dict]) -> list[str]:
    out = []
    for b in blocks:
        for key in ("para", "note", "heading", "quote"):
            if key in b:
                out.append(str(b[key]))
        out.extend(str(i) for i in b.get("items", []))
        if "table" in b:
            t = b["table"]
            out += [t["caption"], t["note"], *t["header"]]
            out += [str(c) for row in t["rows"] for c in row]
    return out


def test_the_body_names_no_software_no_you_and_no_test_statistics(tmp_path: Path) -> None:
    ctx = _words_context(tmp_path)
    body = [t for sec in ctx["sections"] if not sec["appendix"] for t in _texts(sec["blocks"])]
    body_text = "\n".join(body)
    assert "分组比较" in body_text and "统计上可靠" in body_text  # a difference was found
    for word in ("surveytool", "您", "Benjamini", "校正后 p", "效应量", "统计量", "问题一端"):
        assert word not in body_text, (word, [t for t in body if word in t][:3])
    appendix = "\n".join(
        t for sec in ctx["sections"] if sec["appendix"] for t in _texts(sec["blocks"])
    )
    assert "校正后 p" in appendix and "效应量" in appendix  # the statistics are kept there


def test_every_share_in_the_summary_says_its_base(tmp_path: Path) -> None:
    ctx = _words_context(tmp_path)
    summary = next(sec for sec in ctx["sections"] if sec["title"] == "摘要")
    points = [str(i) for b in summary["blocks"] for i in b.get("items", [])]
    shares = [p for p in points if "%" in p]
    assert shares
    for (
        p
    ) in shares:  # 「关于…（75 人作答），大多数（80.0%）…」, 「…偏少（53.3%，回访 300 人作答）」
        assert len(re.findall(r"\d+ 人作答", p)) >= 1, p


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "您对柳州市科技计划项目申报和评审工作以下方面的满意程度如何？",
            "柳州市科技计划项目申报和评审工作各方面的满意程度",
        ),
        ("请对您的生活保障情况作出判断", "生活保障情况"),
        (
            "您未与柳州企业开展科研合作的主要原因是什么？（最多选三项）",
            "未与柳州企业开展科研合作的主要原因",
        ),
        (
            "以下支持措施中，您最希望得到的是哪三项？请按重要程度排序（1 = 最重要）",
            "最希望得到的支持措施",
        ),
        ("以下各项事务给您带来的负担程度如何？", "各项事务带来的负担程度"),
        ("请根据您的实际感受，对以下说法作出判断", ""),
    ],
)
def test_a_question_is_named_by_its_topic(text: str, expected: str) -> None:
    from surveytool.report.sentences import topic

    assert topic(text) == expected


def test_no_bank_question_is_named_with_you() -> None:
    from surveytool.bank import load_bank
    from surveytool.report.sentences import topic

    root = Path(__file__).resolve().parents[1] / "questionnaires"
    for path in sorted(root.glob("*.yaml")):
        try:
            bank = load_bank(path)
        except Exception:  # shared blocks are not banks of their own
            continue
        for q in (q for sec in bank.sections for q in sec.questions):
            assert not re.search("[您你]", topic(q.text)), (path.name, q.id, topic(q.text))


# --- item 11: no row of verdicts without figures ------------------------------------------


def test_a_changed_item_whose_figures_are_withheld_is_left_out_of_the_body_table() -> None:
    import pandas as pd

    from surveytool.report.campaign import _item_change_table, with_figures
    from surveytool.report.numbering import Numbering

    changed = pd.DataFrame(
        {
            "label": [
                "填报各类表格材料占用了我较多的科研时间",
                "我能够保证有整块的时间专注于科研工作",
            ],
            "kind": ["likert", "likert"],
            "mean_a": [3.75, float("nan")],
            "mean_b": [3.05, float("nan")],
            "change": [-0.70, float("nan")],
            "moved": [-1.0, 1.0],
            "p_adjusted": [0.0001, float("nan")],
            "verdict": ["improved", "improved"],
            "values_hidden": [False, True],
        }
    )
    shown = with_figures(changed)
    table = _item_change_table(shown, ("首轮", "回访"), Numbering(Path(), write_charts=False))
    assert [row[0] for row in table["rows"]] == ["填报各类表格材料占用了我较多的科研时间"]
    for row in table["rows"]:  # every row has its figures
        assert row[1] != "—" and row[2] != "—", row


# --- item 10: keywords that say something, each with the phrase it comes from --------------


def test_keywords_rank_by_distinctiveness_and_drop_the_parts_of_one_phrase() -> None:
    from surveytool.analysis import text

    answers = (
        ["希望设立青年科技人才专项，给予更多主持项目的机会"] * 28
        + ["希望减少各类表格填报，推行一表通和数据共享"] * 23
        + ["没有问题，我们目前进行得很好"] * 30
    )
    kw = text.keywords(answers, top=8)
    words = kw["keyword"].tolist()
    # jieba's IDF: 青年科技人才 is absent (median 11.95) while 机会 5.02, 给予 6.15, 主持 6.40,
    # 专项 7.64; all six come from the same 28 answers, so only the most distinctive is shown
    assert words[0] == "青年科技人才"
    for said_nothing in ("机会", "给予", "主持", "专项", "设立", "没有", "我们", "目前", "进行"):
        assert said_nothing not in words, words
    assert kw.loc[0, "n"] == 28
    assert kw.loc[0, "example"] == "希望设立青年科技人才专项"


def test_a_keyword_example_is_masked_and_placeholders_are_no_keywords() -> None:
    from surveytool.analysis import text

    answers = ["报销流程请联系张伟主任13812345678"] * 6
    kw = text.keywords(answers, top=5)
    assert "手机号" not in kw["keyword"].tolist()
    assert all("138" not in e and "张伟" not in e for e in kw["example"]), kw


# --- item 13: one minimum base for the report and the lists --------------------------------


def test_no_problem_is_raised_below_the_minimum_base(tmp_path: Path) -> None:
    import pandas as pd

    from surveytool.analysis import Survey, analyse
    from surveytool.analysis.limits import MIN_PROBLEM_BASE
    from surveytool.bank import load_bank
    from surveytool.report.context import for_report
    from surveytool.report.problems import candidate_problems, for_lists

    from conftest import write_bank

    bank = load_bank(write_bank(tmp_path, BANK))
    cols = [f.id for f in bank.fields if f.kind not in ("text", "other")]

    def problems(n: int) -> tuple[list, list]:
        rows = [{"B1": 1, "C1_1": 1, "C1_2": 1, "C2_1": 1, "C2_2": 0, "C2_3": 0}] * n
        s = Survey(pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], dtype=float), bank)
        r = for_report(analyse(s))
        return candidate_problems(s, r), for_lists(s, r, None)[0]

    few, few_lists = problems(5)  # the web's 生成三张清单 after six uploads: 21 problems at n = 5
    assert few == [] and few_lists == []
    enough, enough_lists = problems(MIN_PROBLEM_BASE)
    assert {p.key for p in enough} >= {"item:C1_1", "item:C1_2", "option:C2:1"}
    assert len(enough_lists) == len(enough)
