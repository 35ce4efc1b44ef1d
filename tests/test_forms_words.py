"""Forms and lists as a respondent, an expert and an official print them (issue 22, item
15): no internal ids in what a respondent reads, A4 at full size (fit to width only, print
area, repeated header rows), a Delphi form with a title, a deadline and 判断依据 explained."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from surveytool.bank import load_bank
from surveytool.forms import write_form
from surveytool.forms.delphi import DelphiItem, write_delphi_form
from surveytool.forms.xlsx import printable_units, printed_units

FIELD_ID = re.compile(r"\b[A-Za-z]+\d+_[A-Za-z0-9]+\b")  # B1_other, B3_9


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("form") / "问卷.xlsx"
    write_form(load_bank("young_researchers"), out, layout="respondent")
    return out


def _shown(ws) -> list[str]:
    """The text of every cell a person sees (hidden columns and rows left out)."""
    out = []
    for row in ws.iter_rows():
        for c in row:
            if c.value is None or ws.column_dimensions[c.column_letter].hidden:
                continue
            if ws.row_dimensions[c.row].hidden:
                continue
            out.append(str(c.value))
    return out


def test_the_respondent_reads_no_field_ids(form: Path) -> None:
    wb = openpyxl.load_workbook(form)
    ws = wb["问卷"]
    ids = [t for t in _shown(ws) if FIELD_ID.search(t)]
    assert not ids, ids[:5]
    assert ws.column_dimensions["A"].hidden  # ingest's ids stay, out of sight
    texts = _shown(ws)
    assert any(t.startswith(("★ B1. ", "B1. ")) for t in texts), texts[:10]


def _check_print(ws, landscape: bool) -> None:
    assert printed_units(ws) <= printable_units(landscape) + 0.01, ws.title
    assert ws.page_setup.fitToHeight == 0 and ws.page_setup.fitToWidth == 1
    assert ws.print_area and ws.print_title_rows, ws.title


def test_the_form_prints_on_a4_at_full_size(form: Path) -> None:
    wb = openpyxl.load_workbook(form)
    _check_print(wb["问卷"], landscape=False)


def test_the_lists_print_on_a4_at_full_size(tmp_path: Path) -> None:
    from surveytool.followup.lists import make_lists

    found = [
        {
            "key": f"item:X{i}",
            "title": f"问题{i}：60.0% 的受访者认同“某说法{i}”（n = 300）",
            "text": f"问题{i}",
            "phrase": f"问题{i}",
            "evidence": "300 名作答者中有 180 人（60.0%）选择“同意”或“非常同意”。",
            "wave": None,
            "near": False,
        }
        for i in range(5)
    ]
    path, _ = make_lists(found, tmp_path / "三张清单.xlsx", "young_researchers")
    wb = openpyxl.load_workbook(path)
    for name in ("问题清单", "责任清单", "任务清单"):
        _check_print(wb[name], landscape=True)


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice or poppler is not installed",
)
def test_the_printed_form_is_not_shrunk(form: Path, tmp_path: Path) -> None:
    """LibreOffice prints the question sheet: its body text is about 11 pt high, not 6-7."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(form)],
        capture_output=True,
        timeout=300,
        check=False,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    html = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "问卷.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    heights = [
        float(m.group(2)) - float(m.group(1))
        for m in re.finditer(
            r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">[^<]*[\u4e00-\u9fff]', html
        )
    ]
    assert heights
    heights.sort()
    median = heights[len(heights) // 2]
    assert median >= 9.5, median  # 11 pt text; fitted at 75% it was about 8


def test_the_delphi_form_has_a_title_a_deadline_and_explains_the_basis(tmp_path: Path) -> None:
    items = [DelphiItem("I1", "申报材料要求繁琐"), DelphiItem("I2", "评审意见反馈不充分")]
    path = write_delphi_form(
        items,
        tmp_path / "咨询表.xlsx",
        1,
        subject="青年科技工作者减负问题",
        deadline="2026年6月20日",
    )
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "关于青年科技工作者减负问题的专家咨询表（第 1 轮）"
    intro = ws["A2"].value
    assert "请于2026年6月20日前填写完毕并发回" in intro
    assert "判断依据" in intro and "“大”“中”“小”" in intro and "实践经验" in intro
    blank = write_delphi_form(items, tmp_path / "空.xlsx", 1)
    assert "请于　　　　年　　月　　日前" in openpyxl.load_workbook(blank).active["A2"].value
