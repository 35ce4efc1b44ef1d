"""The field-visit record form (实地察看/随机走访记录表), filled in by the visitor.

One sheet: a hidden marker row (bank id and version), the visit (unit, unit type, date, what
was looked at), one observation row per theme of the bank, and up to :data:`PROBLEM_ROWS`
problems seen, each with its theme (dropdown) and the file name of a photo. ``surveytool
visits`` reads it back.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.worksheet.datavalidation import DataValidation

from surveytool.bank.interview import themes
from surveytool.bank.model import Bank
from surveytool.forms import save_atomic
from surveytool.forms.xlsx import (
    BOX,
    CENTER,
    FILL_ANSWER,
    FILL_HEADER,
    FILL_SECTION,
    FONT_BOLD,
    FONT_SMALL,
    FONT_TITLE,
    UNLOCKED,
    WRAP,
    a4,
    protect,
    text_cell,
    workbook,
)

MARKER = "surveytool-visit"
SHEET = "走访记录"
BASICS = ("走访单位", "单位类型", "走访日期", "察看内容")
THEME_HEADER = ("主题", "观察记录")
PROBLEM_HEADER = ("序号", "问题描述", "所属主题", "照片文件名")
PROBLEM_ROWS = 10


def _answer(ws, ref: str) -> None:
    cell = ws[ref]
    cell.fill, cell.protection, cell.border, cell.alignment = FILL_ANSWER, UNLOCKED, BOX, WRAP


def _section(ws, row: int, title: str) -> None:
    text_cell(ws, f"A{row}", title, FONT_BOLD).fill = FILL_SECTION
    ws.merge_cells(f"A{row}:D{row}")


def _header(ws, row: int, titles: tuple[str, ...]) -> None:
    for col, title in enumerate(titles, start=1):
        cell = ws.cell(row, col)
        text_cell(ws, cell.coordinate, title, FONT_BOLD).fill = FILL_HEADER
        cell.alignment, cell.border = CENTER, BOX


def write_visit_form(bank: Bank, path: str | Path) -> Path:
    """Write the visit record form of ``bank`` to ``path``; returns the path."""
    wb = workbook()
    ws = wb.active
    ws.title = SHEET
    found = themes(bank)
    text_cell(ws, "A1", "实地察看（随机走访）记录表", FONT_TITLE)
    ws.merge_cells("A1:D1")
    text_cell(
        ws,
        "A2",
        f"调研：《{bank.title}》。由走访人员在浅黄色单元格中填写，每次走访一份。只记录看到的情况"
        "和发现的问题，不写被访人员的姓名、电话；照片另存，在“照片文件名”一列写文件名。",
        FONT_SMALL,
    ).alignment = WRAP
    ws.merge_cells("A2:D2")
    ws.row_dimensions[2].height = 45
    for col, value in enumerate((MARKER, bank.id, str(bank.version)), start=1):
        ws.cell(3, col).value = value
    ws.row_dimensions[3].hidden = True
    _section(ws, 5, "一、基本情况")
    for row, label in enumerate(BASICS, start=6):
        text_cell(ws, f"A{row}", label)
        ws.merge_cells(f"B{row}:D{row}")
        _answer(ws, f"B{row}")
    _section(ws, 11, "二、分主题观察")
    _header(ws, 12, THEME_HEADER)
    row = 12
    for t in found:
        row += 1
        text_cell(ws, f"A{row}", t.name).alignment = WRAP
        ws.merge_cells(f"B{row}:D{row}")
        _answer(ws, f"B{row}")
        ws.row_dimensions[row].height = 45
    row += 2
    _section(ws, row, "三、发现的问题")
    _header(ws, row + 1, PROBLEM_HEADER)
    names = [t.name for t in found] + ["其他"]
    dv = DataValidation(type="list", formula1='"' + ",".join(names) + '"', allow_blank=True)
    dv.error, dv.showErrorMessage = "请从下拉列表中选择主题。", True
    for i in range(1, PROBLEM_ROWS + 1):
        r = row + 1 + i
        text_cell(ws, f"A{r}", str(i)).alignment = CENTER
        for col in "BCD":
            _answer(ws, f"{col}{r}")
        dv.add(f"C{r}")
    ws.add_data_validation(dv)
    for col, width in zip("ABCD", (22, 50, 22, 22), strict=True):
        ws.column_dimensions[col].width = width
    protect(ws)
    a4(ws, None)
    return save_atomic(wb, path)


__all__ = ["BASICS", "MARKER", "PROBLEM_HEADER", "SHEET", "THEME_HEADER", "write_visit_form"]
