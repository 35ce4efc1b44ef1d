"""What an official reads: no figure broken across lines in the Word report, the draft
notice in every format (issue 22, items 9-12)."""

from __future__ import annotations

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
