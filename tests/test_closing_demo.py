"""The campaign's last steps on the demo (issue 26): the slides show the report's own
figures, the 通报 and the 综合评估 show `track`'s and `compare`'s, and neither names a
person."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from pptx import Presentation

from surveytool.bank import load_bank
from surveytool.cli import main
from surveytool.demo import DEMO_TODAY, FIRST, SECOND, UNIT_FIELD, run_demo
from surveytool.followup.lists import read_lists
from surveytool.followup.track import track
from surveytool.report import report_context

NAMES = ("王建国", "李秀英", "张伟东")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, say=lambda _: None)
    return out


@pytest.fixture(scope="module")
def ctx(demo: Path, tmp_path_factory) -> dict:
    """The report's model, built again from the demo's store as the demo built it."""
    return report_context(
        demo / "survey.db",
        load_bank("young_researchers"),
        tmp_path_factory.mktemp("ctx"),
        waves=(FIRST, SECOND),
        lists=demo / "三张清单.xlsx",
        today=DEMO_TODAY,
        by=[UNIT_FIELD],
    )


def _slides(path: Path) -> list[tuple[list[str], str, list[bytes]]]:
    """Per slide: its texts (boxes and table cells), its notes, its pictures' bytes."""
    out = []
    for slide in Presentation(str(path)).slides:
        texts, pics = [], []
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [c.text for row in shape.table.rows for c in row.cells]
            if shape.shape_type == 13:  # picture
                pics.append(shape.image.blob)
        out.append((texts, slide.notes_slide.notes_text_frame.text, pics))
    return out


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([*(p.text for p in doc.paragraphs), *cells])


def test_every_figure_on_a_slide_is_the_reports(demo: Path, ctx: dict) -> None:
    slides = _slides(demo / "成果交流.pptx")
    md = (demo / "报告" / "report.md").read_text("utf-8")
    o = ctx["overview"]
    # 调查概况: n, units, margin of error as the report states them
    texts, notes, _ = slides[1]
    cards = {
        str(o["n"]): "有效答卷（份）",
        str(o["units"]): "覆盖单位（类别）",
        f"±{o['moe']:.1f}": "抽样误差（百分点，95% 置信度）",
    }
    for value, label in cards.items():
        assert texts[texts.index(value) + 1] == label
    assert f"有效问卷 {o['n']} 份，覆盖 {o['units']} 个单位" in md
    assert f"抽样误差约为 ±{o['moe']:.1f} 个百分点" in md
    assert "数据来源" in notes and f"有效答卷 {o['n']} 份" in notes
    # one slide per main conclusion: the report's sentence, the report's chart file
    charts = demo / "报告"
    points = ctx["conclusions"]
    for (texts, notes, pics), c in zip(slides[2 : 2 + len(points)], points, strict=True):
        assert c["text"] in texts and c["text"] in md
        if c["figure"]:
            (blob,) = pics
            file = (charts / c["figure"]["path"]).read_bytes()
            assert hashlib.sha256(blob).digest() == hashlib.sha256(file).digest()
            assert c["figure"]["caption"] in notes
        assert "数据来源" in notes
    # the ranked problems: the report table's rows, in its order
    problems = next(s for s in ctx["sections"] if "存在的主要问题" in s["title"])
    table = next(b["table"] for b in problems["blocks"] if "table" in b)
    shown = [t for texts, _, _ in slides if "存在的主要问题" in texts[0] for t in texts]
    for row in table["rows"][:10]:
        assert row[1] in shown and row[2] in shown and f"| {row[1]} | {row[2]} |" in md
    assert len(points) >= 5


def test_the_slides_open_in_impress_and_show_chinese_on_every_page(demo: Path, tmp_path) -> None:
    if not shutil.which("soffice") or not shutil.which("pdftotext"):
        pytest.skip("LibreOffice or poppler not installed")
    src = tmp_path / "s.pptx"
    shutil.copy(demo / "成果交流.pptx", src)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pages = len(Presentation(str(src)).slides)
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(tmp_path / "s.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), page
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "s.pdf")], capture_output=True, text=True
    ).stdout
    assert "CJK" in fonts or "YaHei" in fonts or "Hei" in fonts


def test_the_bulletin_says_what_track_says(demo: Path) -> None:
    p = track(read_lists(demo / "三张清单.xlsx"), DEMO_TODAY)
    text = _docx_text(demo / "通报.docx")
    s = p.by_status
    assert (
        f"共梳理问题 {p.total} 项，已销号 {s['已销号']} 项，推进中 {s['推进中']} 项，"
        f"未启动 {s['未启动']} 项，销号率 {p.closed_rate:.1f}%" in text
    )
    assert f"仍未销号 {len(p.overdue)} 项，14 天内到期 {len(p.due_soon)} 项" in text
    for item in p.overdue:
        assert f"{item['责任单位']}：超期" in text
    assert "选题（2）企业研发平台建设运行尚未建立三张清单" in text


def test_the_evaluation_says_what_track_and_compare_say(demo: Path, tmp_path) -> None:
    out = tmp_path / "c.json"
    args = ["compare", "--bank", "young_researchers", "--store", str(demo / "survey.db")]
    assert main([*args, "--waves", FIRST, SECOND, "--json", str(out)]) == 0
    verdicts = [r["verdict"] for r in json.loads(out.read_text("utf-8"))]
    p = track(read_lists(demo / "三张清单.xlsx"), DEMO_TODAY)
    text = _docx_text(demo / "综合评估" / "综合评估.docx")
    html = (demo / "综合评估" / "综合评估.html").read_text("utf-8")
    row = next(
        line for line in html.split("<tr>") if "青年科技工作者减负" in line and "<td>" in line
    )
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[5:] == [
        str(p.total),
        str(p.by_status["已销号"]),
        f"{p.closed_rate:.1f}%",
        str(len(p.overdue)),
        str(verdicts.count("improved")),
        str(verdicts.count("worsened")),
        str(verdicts.count("no_change")),
    ]
    assert f"两轮问卷比较 {len(verdicts)} 项" in text
    assert f"{verdicts.count('improved')} 项改善" in text
    assert "选题（2）尚无两轮问卷数据" in text and "尚未建立三张清单，无法评估" in text


def test_no_person_named_in_the_lists_reaches_the_bulletin_or_evaluation(
    demo: Path, tmp_path
) -> None:
    lists = tmp_path / "三张清单.xlsx"
    wb = load_workbook(demo / "三张清单.xlsx")
    ws = wb["责任清单"]
    col = [c.value for c in ws[1]].index("责任人") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value = NAMES[r % 3]
    wb.save(lists)
    shutil.copy(demo / "survey.db", tmp_path / "survey.db")
    shutil.copy(demo / "campaign.yaml", tmp_path / "campaign.yaml")
    plan = str(tmp_path / "campaign.yaml")
    assert (
        main(
            [
                "bulletin",
                "--campaign",
                plan,
                "--today",
                "2026-11-30",
                "-o",
                str(tmp_path / "t.docx"),
            ]
        )
        == 0
    )
    assert main(["bulletin", "--lists", str(lists), "-o", str(tmp_path / "u.docx")]) == 0
    assert (
        main(["evaluate", "--campaign", plan, "--today", "2026-12-20", "-o", str(tmp_path / "e")])
        == 0
    )
    texts = [
        _docx_text(tmp_path / "t.docx"),
        _docx_text(tmp_path / "u.docx"),
        _docx_text(tmp_path / "e" / "综合评估.docx"),
        (tmp_path / "e" / "综合评估.html").read_text("utf-8"),
    ]
    assert read_lists(lists).sheets["责任清单"][0]["责任人"] in NAMES  # planted
    for text in texts:
        assert not any(name in text for name in NAMES)


def test_the_slides_command_draws_the_same_slides_as_the_demo(demo: Path, tmp_path) -> None:
    out = tmp_path / "s.pptx"
    args = ["slides", "--bank", "young_researchers", "--store", str(demo / "survey.db")]
    args += ["--waves", FIRST, SECOND, "--lists", str(demo / "三张清单.xlsx")]
    assert main([*args, "--today", "2026-11-30", "--by", UNIT_FIELD, "-o", str(out)]) == 0
    ours, theirs = _slides(out), _slides(demo / "成果交流.pptx")
    assert [s[0] for s in ours[1:]] == [s[0] for s in theirs[1:]]  # the cover's date is today
    assert [s[1] for s in ours] == [s[1] for s in theirs]


def test_the_wave_and_progress_slides_show_the_reports_tables(demo: Path, ctx: dict) -> None:
    slides = _slides(demo / "成果交流.pptx")
    for word, title in (("回访对比", "回访对比：整改前后的变化"), ("整改进展", "整改进展")):
        section = next(s for s in ctx["sections"] if word in s["title"])
        table = next(b["table"] for b in section["blocks"] if "table" in b)
        texts, notes, _ = next(s for s in slides if s[0][0] == title)
        cells = [c for row in table["rows"][:8] for c in row]
        at = texts.index(table["header"][0])
        assert texts[at : at + len(table["header"])] == table["header"]
        assert texts[at + len(table["header"]) :][: len(cells)] == cells
        assert table["caption"] in notes


def test_an_evaluation_of_a_topic_with_one_wave_and_no_lists_says_so(tmp_path) -> None:
    from surveytool.demo import DEMO_PRIORS, write_returns
    from surveytool.ingest import ingest
    from surveytool.simulate import Simulator

    bank = load_bank("young_researchers")
    folder = tmp_path / "returns"
    write_returns(bank, Simulator(bank, seed=7, priors=DEMO_PRIORS).respondents(12), folder)
    ingest([folder], bank, tmp_path / "选题1.db", wave="首轮")
    (tmp_path / "campaign.yaml").write_text(
        "name: 测试\nyear: 2026\ntopics:\n"
        "  - {topic: 1, title: 青年科技工作者减负, bank: young_researchers}\n",
        "utf-8",
    )
    out = tmp_path / "e"
    plan = str(tmp_path / "campaign.yaml")
    assert main(["evaluate", "--campaign", plan, "--today", "2026-12-20", "-o", str(out)]) == 0
    text = _docx_text(out / "综合评估.docx")
    assert "问卷调查 1 轮（有效答卷 “首轮”12 份）" in text
    assert "只开展了一轮问卷调查，尚无回访数据，无法评估整改前后的变化" in text
    assert "尚未建立三张清单，无法评估问题整改情况" in text
    assert "两轮问卷比较" not in text


def test_every_text_box_holds_its_text_at_the_size_it_was_given(demo: Path) -> None:
    """The sizes the writer chose still fit each box by the same estimate (a box whose text
    had to fall to the smallest size would fail here); see report/slides.py."""
    from surveytool.report.slides import INSET, LINE, lines_needed

    for slide in Presentation(str(demo / "成果交流.pptx")).slides:
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text:
                continue
            size = shape.text_frame.paragraphs[0].runs[0].font.size.pt
            needed = lines_needed(shape.text_frame.text, size, shape.width) * size * LINE
            assert needed * 12700 + 2 * INSET <= shape.height, shape.text_frame.text
            assert shape.left + shape.width <= 12192000 and shape.top + shape.height <= 6858000


def test_the_bulletin_is_one_or_two_pages(demo: Path, tmp_path) -> None:
    if not shutil.which("soffice") or not shutil.which("pdfinfo"):
        pytest.skip("LibreOffice or poppler not installed")
    src = tmp_path / "b.docx"
    shutil.copy(demo / "通报.docx", src)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    info = subprocess.run(["pdfinfo", str(tmp_path / "b.pdf")], capture_output=True, text=True)
    pages = int(next(x for x in info.stdout.splitlines() if x.startswith("Pages:")).split()[1])
    assert 1 <= pages <= 2
