"""The collection layout: one row per respondent, one column per answer field.

For staff keying in paper questionnaires. Row 1 holds field ids, row 2 the question text,
row 3 the allowed codes; data start at row 4. Column A is the paper questionnaire's number
(optional, used to spot a questionnaire keyed twice). Header rows are frozen; every answer
column has a dropdown or a numeric validation over the data rows.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from surveytool.bank.describe import number_rule
from surveytool.bank.model import Bank, Field
from surveytool.forms import xlsx
from surveytool.forms.structure import RESPONSE_ID, Entry, FormStructure

SHEET = "数据录入"
HEADER_ROW, LABEL_ROW, CODES_ROW, FIRST_ROW = 1, 2, 3, 4
DATA_ROWS = 5000  # validations cover this many data rows


def _codes_text(f: Field) -> str:
    if f.kind in ("single", "likert"):
        return "；".join(f"{o.code}={o.label}" for o in f.options)
    if f.kind == "flag":
        return "选中填 1，未选填 0"
    if f.kind in ("rank", "number"):
        return number_rule(f.min, f.max, f.integer, f.unit).removeprefix("请填写 ").rstrip("。")
    return "文字"


def _validation(lists: xlsx.OptionLists, f: Field) -> DataValidation | None:
    title = f"{f.id} 填写提示"
    if f.kind in ("single", "likert"):
        ref = lists.ref([str(c) for c in f.codes])
        text = _codes_text(f)
        return xlsx.list_validation(ref, title, f"请填写代码：{text}", f"只能填写：{text}")
    if f.kind == "flag":
        return xlsx.number_validation(
            0, 1, True, title, "选中填 1，未选填 0 或留空。", "只能填写 1（选中）或 0（未选）。"
        )
    if f.kind in ("rank", "number"):
        rule = number_rule(f.min, f.max, f.integer, f.unit)
        return xlsx.number_validation(f.min, f.max, f.integer, title, rule, rule)
    return None


def build_collection(bank: Bank, data_rows: int = DATA_ROWS) -> tuple[Workbook, FormStructure]:
    """The collection-layout workbook and its structure (not yet saved)."""
    wb = xlsx.workbook()
    ws = wb.active
    ws.title = SHEET
    lists = xlsx.OptionLists(wb)
    s = FormStructure(
        bank.id, bank.version, "collection", header_row=HEADER_ROW, first_row=FIRST_ROW
    )
    last = FIRST_ROW + data_rows - 1
    columns = [Field(RESPONSE_ID, "", "text", "问卷编号（可选）"), *bank.fields]
    for i, f in enumerate(columns, start=1):
        col = get_column_letter(i)
        xlsx.text_cell(ws, f"{col}{HEADER_ROW}", f.id, xlsx.FONT_SMALL)
        label = xlsx.text_cell(ws, f"{col}{LABEL_ROW}", f.label, xlsx.FONT_BOLD)
        label.alignment, label.fill, label.border = xlsx.WRAP, xlsx.FILL_HEADER, xlsx.BOX
        codes = xlsx.text_cell(
            ws, f"{col}{CODES_ROW}", _codes_text(f) if f.question else "", xlsx.FONT_SMALL
        )
        codes.alignment, codes.fill = xlsx.WRAP, xlsx.FILL_MUTED
        ws.column_dimensions[col].width = 14 if f.kind in ("flag", "rank", "likert") else 18
        s.entries.append(Entry(f.id, f.kind, SHEET, col, f.codes))
        dv = _validation(lists, f)
        if dv is not None:
            dv.add(f"{col}{FIRST_ROW}:{col}{last}")
            ws.add_data_validation(dv)
    ws.row_dimensions[LABEL_ROW].height = 90
    ws.row_dimensions[CODES_ROW].height = 48
    ws.freeze_panes = f"B{FIRST_ROW}"
    xlsx.a4(ws, f"{HEADER_ROW}:{CODES_ROW}", landscape=True)
    ws.sheet_properties.pageSetUpPr.fitToPage = False  # too wide to fit: print in column blocks
    xlsx.write_meta(wb, s, bank.title)
    return wb, s
