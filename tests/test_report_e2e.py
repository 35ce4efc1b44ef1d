"""End to end, as a user runs it: the demo, then the report files checked against the
analysis JSON."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

SECTIONS = [
    "摘要",
    "一、调查基本情况",
    "二、主要发现",
    "三、分组比较",
    "四、开放题意见归纳",
    "五、存在的主要问题（初稿）",
    "六、座谈访谈主要观点",
    "七、专家咨询结果",
    "八、回访对比",
    "九、整改进展",
    "附录",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    res = subprocess.run(
        [sys.executable, "-m", "surveytool", "demo", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "5/5" in res.stdout and "完成。" in res.stdout
    assert "Traceback" not in res.stderr
    js = subprocess.run(
        [
            sys.executable,
            "-m",
            "surveytool",
            "analyze",
            "--bank",
            "young_researchers",
            "--store",
            str(out / "survey.db"),
            "--wave",
            "回访",
            "--by",
            "B2",
            "--json",
            str(out / "analysis.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert js.returncode == 0, js.stderr
    return out


def test_demo_writes_the_three_reports_and_charts(demo: Path) -> None:
    report = demo / "报告"
    for name in ("report.html", "report.md", "report.docx"):
        assert (report / name).stat().st_size > 10_000, name
    charts = sorted((report / "charts").glob("*.png"))
    assert len(charts) >= 7  # the key charts: one per likert battery, the waves
    assert list(demo.glob("rejects-*.xlsx")), "the demo's broken returns land in a rejects file"


def test_docx_has_headings_tables_and_images(demo: Path) -> None:
    doc = Document(str(demo / "报告" / "report.docx"))
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == SECTIONS
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert "（一）工作时间与负担" in h2 and "附录一　方法说明" in h2
    assert h2.index("（一）主要结论") < h2.index("（一）工作时间与负担")  # 摘要 first
    charts = len(list((demo / "报告" / "charts").glob("*.png")))
    assert len(doc.inline_shapes) == charts
    assert len(doc.tables) >= 20
    normal = doc.styles["Normal"]
    assert normal.font.size.pt == 16 and normal.font.name == "仿宋"
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.top_margin.cm, 1) == 3.7
    captions = [p.text for p in doc.paragraphs if p.text.startswith(("表 ", "图 "))]
    assert any(c.startswith("表 1　") for c in captions) and any(
        c.startswith("图 1　") for c in captions
    )


def test_html_has_every_section_and_an_image_per_chart(demo: Path) -> None:
    html = (demo / "报告" / "report.html").read_text(encoding="utf-8")
    for s in SECTIONS:
        assert f"<h2>{s}</h2>" in html
    charts = len(list((demo / "报告" / "charts").glob("*.png")))
    assert html.count('<img src="data:image/png;base64,') == charts
    assert "<script" not in html


def test_numbers_in_the_text_equal_the_analysis_json(demo: Path) -> None:
    d = json.loads((demo / "analysis.json").read_text(encoding="utf-8"))
    md = (demo / "报告" / "report.md").read_text(encoding="utf-8")
    assert f"有效答卷 {d['n']} 份" in md
    for rel in d["reliability"]:
        assert f"| {rel['construct']} | {rel['items']} | {rel['n']} | {rel['alpha']:.3f} |" in md
    checked = 0
    freq = {}
    for row in d["frequencies"]:
        freq.setdefault(row["field"], []).append(row)
    for fid in ("E3", "E4", "D3", "D5", "F1"):  # their appendix tables
        for row in freq[fid]:
            if row["n"] is not None and row["percent"] is not None:
                assert f"| {row['label']} | {row['n']} | {row['percent']:.1f} |" in md, fid
        assert f"百分比以作答的 {freq[fid][0]['valid']} 人为基数" in md
        checked += 1
    moe = d["margin_of_error"][0]["moe"]
    assert f"±{moe * 100:.1f} 个百分点" in md
    assert checked == 5
    # every share a problem names is a share the analysis published
    shares = {
        f"{row[c]:.1f}%"
        for row in d["likert"]
        for c in ("top2_percent", "bottom2_percent")
        if row[c] is not None
    } | {f"{row['percent']:.1f}%" for row in d["multi"] + d["frequencies"] if row["percent"]}
    single_ends = set()
    for rows in freq.values():
        valid = [r for r in rows if r["percent"] is not None]
        for pair in (valid[:2], valid[-2:]):
            single_ends.add(f"{sum(r['percent'] for r in pair):.1f}%")
    problems = md.split("## 五、存在的主要问题（初稿）")[1].split("## 六、")[0]
    named = re.findall(r"\d+ 人中 \d+ 人（(\d+\.\d%)）", problems)
    assert named and set(named) <= shares | single_ends


def test_markdown_tables_are_well_formed(demo: Path) -> None:
    """Header, a separator row of the same width, rows, then a blank line (else GitHub and
    pandoc run the note into the table)."""
    lines = (demo / "报告" / "report.md").read_text(encoding="utf-8").split("\n")
    tables = 0
    i = 0
    while i < len(lines):
        if not lines[i].startswith("|"):
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].startswith("|"):
            j += 1
        block = lines[i:j]
        width = block[0].count(" | ") + 1
        assert re.fullmatch(r"\|( --- \|)+", block[1]), block[:2]
        assert block[1].count("---") == width, block[:2]
        assert lines[j] == "", (block[-1], lines[j])
        tables += 1
        i = j
    assert tables >= 20


def test_demo_follow_up_reports_the_built_in_change(demo: Path) -> None:
    """The demo's follow-up eases 行政负担 only: 回访对比 says exactly that, and 整改进展
    counts the lists the demo's owner filled in, their edits kept through the update."""
    from openpyxl import load_workbook

    from surveytool.demo import EASED

    md = (demo / "报告" / "report.md").read_text(encoding="utf-8")
    section = md.split("## 八、回访对比")[1].split("## 九、")[0].split("有显著变化的题项")[0]
    rows = dict(re.findall(r"^\| (\S+) \|.*\| (改善|变差|上升|下降|未检出变化) \|$", section, re.M))
    assert set(EASED) == {"行政负担"}
    assert rows == {
        "行政负担": "改善",
        "制度约束": "未检出变化",
        "创新环境": "未检出变化",
        "成长支持": "未检出变化",
    }
    progress = md.split("## 九、整改进展")[1].split("## 附录")[0]
    assert "截至2026年11月30日" in progress and "已销号 1 项" in progress
    assert "逾期未销号 1 项" in progress and "| P02 |" in progress
    wb = load_workbook(demo / "三张清单.xlsx")
    tasks = {r[0]: r for r in wb["任务清单"].iter_rows(min_row=2, values_only=True)}
    assert tasks["P01"][4] == "已销号" and tasks["P02"][4] == "推进中"


def test_the_form_wording_of_other_is_not_a_result_label(demo: Path) -> None:
    md = (demo / "报告" / "report.md").read_text(encoding="utf-8")
    assert "其他（请注明）" not in md  # the form's instruction; results say 其他
    assert "| 其他 |" in md


def test_markdown_links_the_chart_files(demo: Path) -> None:
    md = (demo / "报告" / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\((charts/fig-\d+\.png)\)", md)
    assert links and all((demo / "报告" / link).is_file() for link in links)


def test_demo_is_reproducible(demo: Path, tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "surveytool", "demo", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0
    a = (demo / "报告" / "report.md").read_text(encoding="utf-8")
    b = (tmp_path / "报告" / "report.md").read_text(encoding="utf-8")
    assert a == b


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_docx_and_workbooks_open_in_libreoffice(demo: Path, tmp_path: Path) -> None:
    """The Word report and every workbook the demo writes for people to open: the three
    lists and the rejects file."""
    files = [demo / "报告" / "report.docx", demo / "三张清单.xlsx", *demo.glob("rejects-*.xlsx")]
    assert len(files) == 3, files
    res = subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    for f in files:
        pdf = tmp_path / f"{f.stem}.pdf"
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), (f.name, res.stderr)
    if shutil.which("pdftotext"):  # the body (before 附录) on at most 15 A4 pages
        pdf = tmp_path / "report.pdf"
        pages = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split("\f")
        appendix = next(i for i, page in enumerate(pages) if page.lstrip().startswith("附录"))
        assert appendix <= 15, f"the body runs to {appendix} pages"
        # no page holds only its number (an empty portrait page between two landscape
        # sections, or after the last one), and no heading sits alone above a wide table
        # that went on the next page (issue 27's review of the Word report)
        lines = [
            [x for x in page.splitlines() if x.strip() and not re.fullmatch(r"—\s*\d+\s*—", x)]
            for page in pages[:-1]  # the last: what follows the last form feed
        ]
        assert [i + 1 for i, page in enumerate(lines) if not page] == []
        alone = [
            i + 1
            for i, page in enumerate(lines[:-1])
            if len(page) == 1 and lines[i + 1][0].startswith(("表", "附表"))
        ]
        assert alone == [], f"a heading alone on pages {alone}, its table on the next"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PROBE = (
    "<script>var o=[];document.querySelectorAll('body *').forEach(function(e){"
    "var r=e.getBoundingClientRect();if(r.right>document.documentElement.clientWidth+1"
    "&&!e.closest('.table-wrap'))o.push(e.tagName);});"
    "var bare=[].filter.call(document.querySelectorAll('table'),function(t){"
    "return !t.closest('.table-wrap');}).length;"
    "document.body.setAttribute('data-out',o.length+'/'+bare);</script></body>"
)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_html_at_phone_width_scrolls_tables_inside_their_box(demo: Path, tmp_path: Path) -> None:
    """At 390 px nothing but a table's own box is wider than the page, and every table sits in
    a scrolling box (headless Chromium's window is at least 500 px: the page is narrowed to
    390 px by CSS, which the layout follows the same way)."""
    html = (demo / "报告" / "report.html").read_text(encoding="utf-8")
    html = html.replace("</head>", "<style>html{width:390px}</style></head>")
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", PROBE), encoding="utf-8")
    res = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=390,900",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r'data-out="(\d+)/(\d+)"', res.stdout)
    assert found, res.stderr[-500:]
    assert found.groups() == ("0", "0")  # nothing overflows; no table outside a box


ROOT = Path(__file__).resolve().parent.parent
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{8}-\d{6}")


def test_the_example_report_in_reports_is_current(demo: Path) -> None:
    """reports/young_researchers/ is the demo's output (regenerate: python samples/regenerate.py)."""
    ours = (demo / "报告" / "report.md").read_text(encoding="utf-8")
    kept = (ROOT / "reports" / "young_researchers" / "report.md").read_text(encoding="utf-8")
    assert DATE.sub("日期", ours) == DATE.sub("日期", kept), "run: python samples/regenerate.py"
    charts = sorted(p.name for p in (demo / "报告" / "charts").glob("*.png"))
    shown = sorted(p.name for p in (ROOT / "reports" / "young_researchers" / "charts").glob("*"))
    assert charts == shown


def _cells(path: Path) -> list:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [  # every cell but the form's creation time (in its hidden sheet)
        [list(r) for r in ws.iter_rows(values_only=True) if r[:1] != ("created",)]
        for ws in wb.worksheets
    ]


def test_the_samples_are_current(tmp_path: Path) -> None:
    """samples/young_researchers/ is what samples/regenerate.py writes, cell for cell."""
    sys.path.insert(0, str(ROOT / "samples"))
    try:
        from regenerate import samples
    finally:
        sys.path.pop(0)
    fresh = samples(tmp_path)
    kept = ROOT / "samples" / "young_researchers"
    files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(kept) for p in kept.rglob("*") if p.is_file())
    for rel in files:
        if rel.suffix == ".xlsx":
            assert _cells(fresh / rel) == _cells(kept / rel), rel
        else:
            assert (fresh / rel).read_text("utf-8") == (kept / rel).read_text("utf-8"), rel


def test_the_demo_passes_the_disclosure_audit(demo: Path) -> None:
    """No withheld count of the demo's analysis JSON (what the report is built from) can be
    worked back to fewer than k values from the other published figures."""
    from surveytool.analysis.audit import audit

    published = json.loads((demo / "analysis.json").read_text(encoding="utf-8"))
    assert audit(published) == []


def test_demo_other_methods_reach_the_report_and_lists(demo: Path) -> None:
    """Issue 15: the demo's three 座谈 notes, two visits and two Delphi rounds give their
    sections, the triangulation column and the lists' 来源 and 专家评分."""
    from openpyxl import load_workbook

    md = (demo / "报告" / "report.md").read_text(encoding="utf-8")
    talks = md.split("## 六、座谈访谈主要观点")[1].split("## 七、")[0]
    assert "开展座谈 3 场，共 17 人参加（高等院校 2 场 11 人，医院 1 场 6 人）" in talks
    assert "| 科研时间与事务性负担 | 3/3 | 17 |" in talks and "实地察看 2 次" in talks
    experts = md.split("## 七、专家咨询结果")[1].split("## 八、")[0]
    assert "专家咨询 2 轮，第 1 轮 10 位、第 2 轮 10 位专家" in experts
    assert re.search(r"Kendall 协调系数 W 由 0\.\d{3} 升至 0\.\d{3}", experts)
    assert "| 其他方法印证 |" in md and "座谈 3 场" in md.split("## 六、")[0]
    # the session of three people is never quoted
    assert "三位老师都认为项目评审结束后应当反馈具体意见" not in md
    ws = load_workbook(demo / "三张清单.xlsx")["问题清单"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]
    sources = [str(r["来源"] or "") for r in rows]
    assert any("座谈" in s for s in sources) and any(s == "实地" for s in sources)
    assert all(s.startswith(("问卷", "实地")) for s in sources)
    assert sum(bool(r["专家评分"]) for r in rows) >= 20


def test_demo_planted_personal_data_is_masked_everywhere(demo: Path) -> None:
    """Names, phones and the ID number planted in the demo's notes reach no output: not the
    store, the report in any format, nor the lists."""
    import sqlite3

    from docx import Document
    from openpyxl import load_workbook

    from surveytool.demo_notes import PLANTED

    texts = [
        (demo / "报告" / "report.md").read_text(encoding="utf-8"),
        (demo / "报告" / "report.html").read_text(encoding="utf-8"),
        "\n".join(p.text for p in Document(str(demo / "报告" / "report.docx")).paragraphs),
        "\n".join(
            str(c.value)
            for ws in load_workbook(demo / "三张清单.xlsx").worksheets
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ),
    ]
    with sqlite3.connect(demo / "survey.db") as db:
        for table in (
            "session_notes",
            "sessions",
            "visit_problems",
            "visit_notes",
            "delphi_ratings",
        ):
            texts.append("\n".join(map(str, db.execute(f"SELECT * FROM {table}").fetchall())))
    assert "[姓名]" in texts[-5] and "[手机号]" in texts[-5]  # they were there, masked
    for text in texts:
        for planted in PLANTED:
            assert planted not in text, planted


def test_demo_report_dates_and_bad_news_are_true(demo: Path) -> None:
    """Issue 22 items 1-3 on the demo: 回收时间 is when the 回访 forms came back (their
    simulated November days), not the day they were loaded; the closed-but-still-shown
    problem says so in the 摘要; the 摘要 gives the respondents' own verdict beside the
    improvement, reconciled, with the figures of 二、主要发现."""
    from surveytool.demo import NOVEMBER_RETURNS

    md = (demo / "报告" / "report.md").read_text(encoding="utf-8")
    first, last = NOVEMBER_RETURNS
    assert (first.year, first.month) == (last.year, last.month)
    period = f"{first.year}年{first.month}月{first.day}日至{last.day}日"
    summary = md.split("## 摘要")[1].split("## 一、")[0]
    assert f"“回访”调查于{period}回收有效问卷" in summary
    assert f"回收时间为 {period}" in md
    assert (
        "申报指南发布不够及时（80.3%，142 人作答；已销号但数据仍显示，较提出时的 71.4% 上升，需复核）"
        in summary
    )
    own = re.search(r"但受访者自己的感受不同：[^\n]*", summary)  # beside 有所改善
    assert own and "160 人中，45.0% 认为上次反映的问题“加重”，15.0% 认为“减轻”" in own[0]
    assert "有所改善" in summary
    assert "须结合座谈、走访核实" in own[0]  # reconciled, not left side by side
    findings = md.split("## 二、")[1].split("## 三、")[0]  # the same figures in the body
    assert "“明显加重”或“有所加重”的占 45.0%" in findings and "“明显减轻”的占 15.0%" in findings
