"""openpyxl helpers shared by the form writers: styles, option lists, validations, metadata.

Excel pitfalls handled here, in one place:
- inline dropdown lists longer than 255 characters (or containing commas) make Excel
  "repair" the file, so every list refers to a range on the hidden sheet ``选项``;
- input/error messages are limited to 255 characters and titles to 32;
- text cells that start with ``=`` would be written as formulas: :func:`text_cell` stores them
  as strings;
- Chinese fonts are set explicitly (宋体 body, 黑体 headings), so WPS and Excel agree.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from surveytool.bank.model import Option
from surveytool.forms.structure import (
    FORMAT,
    FORMAT_VERSION,
    LISTS_SHEET,
    META_SHEET,
    FormStructure,
)

BODY_FONT = "宋体"
HEAD_FONT = "黑体"
FONT = Font(name=BODY_FONT, size=11)
FONT_BOLD = Font(name=BODY_FONT, size=11, bold=True)
FONT_SMALL = Font(name=BODY_FONT, size=9, color="666666")
FONT_TITLE = Font(name=HEAD_FONT, size=16, bold=True)
FONT_HEAD = Font(name=HEAD_FONT, size=12, bold=True)
FILL_ANSWER = PatternFill("solid", fgColor="FFF8DC")  # light cream: "write here"
FILL_SECTION = PatternFill("solid", fgColor="D9E2F3")
FILL_HEADER = PatternFill("solid", fgColor="E7E6E6")
FILL_MUTED = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
YES, NO = "是", "否"
MAX_MESSAGE = 255
MAX_TITLE = 32


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """Shorten ``text`` to Excel's limit for validation messages (ends with …)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


MAX_CELL_TEXT = 32767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text Excel/WPS turn into an error value when typed or opened from CSV (any case).
ERROR_VALUES = frozenset(
    {
        "#N/A",
        "#VALUE!",
        "#REF!",
        "#DIV/0!",
        "#NUM!",
        "#NAME?",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
        "#GETTING_DATA",
        "#PYTHON!",
    }
)


def evaluated(value: object) -> bool:
    """True for text a spreadsheet would not keep as text when it reads it from a CSV file
    or as typed input: a formula (it starts with = + - @, a tab or a carriage return, also
    after spaces) or an error value such as #N/A or #DIV/0!. In xlsx, :func:`literal_cell`
    and :func:`text_cell` store such text as a string; in CSV it is quoted with ``'``."""
    if not isinstance(value, str):
        return False
    return value.lstrip(" ").startswith(FORMULA_START) or value.strip().upper() in ERROR_VALUES


def safe_text(value: object) -> object:
    """A value as it may go into a cell: control characters shown as U+FFFD, text cut at
    Excel's 32,767-character limit. Numbers and None pass through."""
    if not isinstance(value, str):
        return value
    text = _ILLEGAL.sub("\ufffd", value)
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


def literal_cell(ws: Worksheet, value: object) -> WriteOnlyCell:
    """A write-only cell that is never a formula or an error value, whatever the text."""
    cell = WriteOnlyCell(ws, value=safe_text(value))
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def text_cell(ws: Worksheet, ref: str, value: object, font: Font = FONT) -> Cell:
    """Write ``value`` as a literal (never a formula), with a font; returns the cell."""
    cell = ws[ref]
    cell.value = safe_text(value)
    if isinstance(value, str):
        cell.data_type = "s"
    cell.font = font
    return cell


class OptionLists:
    """The hidden ``选项`` sheet: one column per distinct option list, reused across fields."""

    def __init__(self, wb: Workbook):
        self.ws = wb.create_sheet(LISTS_SHEET)
        self.ws.sheet_state = "hidden"
        self.columns: dict[tuple[str, ...], str] = {}

    def ref(self, values: list[str]) -> str:
        """An absolute reference to a column holding ``values`` (created on first use)."""
        key = tuple(values)
        if key not in self.columns:
            col = get_column_letter(len(self.columns) + 1)
            for i, v in enumerate(values, start=1):
                text_cell(self.ws, f"{col}{i}", v)
            self.columns[key] = f"{quote_sheetname(LISTS_SHEET)}!${col}$1:${col}${len(values)}"
        return self.columns[key]


def labels(options: tuple[Option, ...]) -> list[str]:
    """Option labels in code order, as shown in dropdowns."""
    return [o.label for o in options]


def list_validation(formula: str, title: str, prompt: str, error: str) -> DataValidation:
    """A dropdown restricted to a list range, with Chinese input and error messages."""
    dv = DataValidation(type="list", formula1=f"={formula}", allow_blank=True)
    _messages(dv, title, prompt, error)
    return dv


def number_validation(
    lo: float | None, hi: float | None, integer: bool, title: str, prompt: str, error: str
) -> DataValidation:
    """A whole/decimal validation for the allowed range (open ends use ±1e15)."""
    kind = "whole" if integer else "decimal"
    low = -1e15 if lo is None else lo
    high = 1e15 if hi is None else hi
    dv = DataValidation(
        type=kind, operator="between", formula1=_num(low), formula2=_num(high), allow_blank=True
    )
    _messages(dv, title, prompt, error)
    return dv


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _messages(dv: DataValidation, title: str, prompt: str, error: str) -> None:
    dv.promptTitle = clip(title, MAX_TITLE)
    dv.prompt = clip(prompt)
    dv.errorTitle = clip("输入无效", MAX_TITLE)
    dv.error = clip(error)
    dv.showInputMessage = True
    dv.showErrorMessage = True
    dv.errorStyle = "stop"


def protect(ws: Worksheet) -> None:
    """Protect a sheet (no password) but let people resize rows and columns."""
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


MARGIN_IN = 0.5  # left and right page margins, inches
A4_CM = (21.0, 29.7)
MIN_WIDTH = 6.0  # a column is never made narrower than this when a sheet is fitted


def printable_units(landscape: bool) -> float:
    """The widest a sheet's visible columns may be (Excel width units, summed) to print on
    A4 at 100%: Excel draws a column of width w as 7w + 5 pixels at 96 dpi."""
    cm = A4_CM[1 if landscape else 0] - 2 * MARGIN_IN * 2.54
    return (cm / 2.54 * 96) / 7


def printed_units(ws: Worksheet) -> float:
    """The visible columns' widths, in units comparable with :func:`printable_units`
    (each column's 5-pixel padding included)."""
    total = 0.0
    for letter in _used_letters(ws):
        dim = ws.column_dimensions[letter]
        if not dim.hidden:
            total += (dim.width or 8.43) + 5 / 7
    return total


def _used_letters(ws: Worksheet) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, ws.max_column + 1)]


def fit_width(ws: Worksheet, landscape: bool) -> None:
    """Narrow the visible columns in proportion (none below MIN_WIDTH) until the sheet prints
    one page wide at 100%: fit-to-width then has nothing to shrink, and the print stays at the
    sheet's font size instead of 6–7 pt. Call before fitting row heights (text wraps more)."""
    room = printable_units(landscape)
    for _ in range(3):  # the MIN_WIDTH floor may need a second pass
        over = printed_units(ws) - room
        if over <= 0.01:
            return
        wide = [
            ws.column_dimensions[c]
            for c in _used_letters(ws)
            if not ws.column_dimensions[c].hidden
            and (ws.column_dimensions[c].width or 8.43) > MIN_WIDTH
        ]
        spare = sum((d.width or 8.43) - MIN_WIDTH for d in wide)
        if spare <= 0:
            return
        cut = min(1.0, over / spare)
        for d in wide:
            d.width = (
                math.floor(((d.width or 8.43) - ((d.width or 8.43) - MIN_WIDTH) * cut) * 100) / 100
            )


def a4(ws: Worksheet, title_rows: str | None, landscape: bool = False) -> None:
    """A4 one page wide at 100% (columns narrowed to fit, see :func:`fit_width`), any
    number of pages tall, the print area the used cells, repeated header rows, page numbers
    in the footer."""
    fit_width(ws, landscape)
    ws.print_area = ws.dimensions
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = MARGIN_IN
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.font = BODY_FONT


def text_lines(text: object, width: float) -> int:
    """Lines a wrapped cell of column ``width`` (Excel units, about one digit each) needs for
    ``text``: a Chinese character (or a curly quote, drawn full width) about 1.7 units, other
    characters 0.8 — a little more than LibreOffice draws, since lines also break early to
    keep quotes with their words; a row too tall is better than a row cut off."""
    if text is None or text == "":
        return 1
    lines = 0
    for part in str(text).split("\n"):
        units = sum(1.7 if ord(ch) > 0x2E80 or 0x2010 <= ord(ch) <= 0x206F else 0.8 for ch in part)
        lines += max(1, math.ceil(units / max(width - 1.5, 1.0)))
    return lines


def fit_row_heights(ws: Worksheet, first_row: int = 2, line_pt: float = 15.0) -> None:
    """Row heights that show every wrapped cell whole (LibreOffice does not recompute them
    for a file written by openpyxl, so printed rows would be cut to one line)."""
    widths = {c: (ws.column_dimensions[c].width or 8.43) for c in ws.column_dimensions}
    for row in ws.iter_rows(min_row=first_row):
        lines = max(
            (text_lines(c.value, widths.get(c.column_letter, 8.43)) for c in row if c.value),
            default=1,
        )
        ws.row_dimensions[row[0].row].height = max(18.0, line_pt * lines + 3)


def write_meta(wb: Workbook, s: FormStructure, bank_title: str) -> None:
    """The very hidden, protected sheet that lets ingest recognise and check a returned form."""
    ws = wb.create_sheet(META_SHEET)
    rows: list[list[object]] = [
        ["format", FORMAT],
        ["format_version", FORMAT_VERSION],
        ["bank_id", s.bank_id],
        ["bank_version", s.bank_version],
        ["bank_title", bank_title],
        ["layout", s.layout],
        ["header_row", s.header_row or ""],
        ["first_row", s.first_row or ""],
        ["checksum", s.checksum],
        ["created", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")],
        ["fields", len(s.entries)],
        [],
        ["field", "kind", "sheet", "cell", "codes"],
    ]
    rows += [[e.field, e.kind, e.sheet, e.cell, ";".join(map(str, e.codes))] for e in s.entries]
    for row in rows:
        ws.append(row)
    ws.sheet_state = "veryHidden"
    protect(ws)
    write_properties(wb, s)


PROPERTY_PREFIX = "surveytool."


def write_properties(wb: Workbook, s: FormStructure) -> None:
    """The form's identity and checksum as custom document properties too: ingest reads
    them from the zip without parsing any sheet (the hidden sheet stays the full record)."""
    values = {
        "format": FORMAT,
        "bank_id": s.bank_id,
        "bank_version": str(s.bank_version),
        "layout": s.layout,
        "checksum": s.checksum,
    }
    for key, value in values.items():
        wb.custom_doc_props.append(StringProperty(name=PROPERTY_PREFIX + key, value=value))


def workbook() -> Workbook:
    """A new workbook whose default style uses a Chinese font."""
    wb = Workbook()
    wb._fonts[0] = Font(name=BODY_FONT, size=11)  # the workbook's default (Normal) font
    return wb
