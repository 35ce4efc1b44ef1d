"""The respondent layout: one questionnaire per file, for e-mailing to one person.

Sheets: ``填写说明`` (cover: purpose, anonymity, how to fill in), ``问卷`` (one row per question,
likert item, multi option or rank option; answer cells in column C, unlocked; everything
else protected), hidden ``选项`` (dropdown lists) and very hidden ``_surveytool`` (structure).
"""

from __future__ import annotations

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from surveytool.bank.describe import answer_rule, number_rule, skip_hint
from surveytool.bank.model import Bank, Field, Question, Section, fields_of, question_options
from surveytool.forms import xlsx
from surveytool.forms.structure import Entry, FormStructure

SHEET = "问卷"
COVER = "填写说明"
ANSWER_COL = "C"
FIRST_ROW = 4  # rows 1-3: title, notice, column headers


class _Writer:
    """Writes the question sheet row by row, collecting answer places and validations."""

    def __init__(self, bank: Bank, wb: Workbook):
        self.bank = bank
        self.ws: Worksheet = wb.create_sheet(SHEET, 0)
        self.lists = xlsx.OptionLists(wb)
        self.row = FIRST_ROW
        self.structure = FormStructure(bank.id, bank.version, "respondent")

    def header(self) -> None:
        ws = self.ws
        ws.merge_cells("A1:D1")
        xlsx.text_cell(ws, "A1", self.bank.title, xlsx.FONT_TITLE).alignment = xlsx.CENTER
        ws.row_dimensions[1].height = 30
        ws.merge_cells("A2:D2")
        notice = "请在浅黄色单元格中作答；带 ★ 的为必答题；选择题请点单元格右侧的下拉箭头选择。"
        xlsx.text_cell(ws, "A2", notice, xlsx.FONT_SMALL).alignment = xlsx.WRAP
        for col, text in zip("ABCD", ("编号", "题目", "您的回答", "填写提示"), strict=True):
            cell = xlsx.text_cell(ws, f"{col}3", text, xlsx.FONT_BOLD)
            cell.fill, cell.border, cell.alignment = xlsx.FILL_HEADER, xlsx.BOX, xlsx.CENTER
        # column A holds the field ids ingest finds answers by when rows were moved: hidden,
        # a respondent reads the question number in the text (B3 …), never B1_other or B3_9
        for col, width in zip("ABCD", (9, 50, 20, 26), strict=True):
            ws.column_dimensions[col].width = width
        ws.column_dimensions["A"].hidden = True
        ws.freeze_panes = "A4"

    def section(self, s: Section) -> None:
        ws, r = self.ws, self.row
        ws.merge_cells(f"A{r}:D{r}")
        hint = skip_hint(self.bank, s.relevant_tree, "本部分")
        title = f"{s.id}. {s.title}" + (f"（{hint}）" if hint else "")
        cell = xlsx.text_cell(ws, f"A{r}", title, xlsx.FONT_HEAD)
        cell.fill, cell.alignment = xlsx.FILL_SECTION, xlsx.WRAP
        ws.row_dimensions[r].height = 36 if hint else 22
        self.row += 1
        for q in s.questions:
            self.question(q)

    def _line(self, ident: str, text: str, hint: str, *, bold: bool = False) -> int:
        """A locked row: id, text, hint. Returns its row number."""
        ws, r = self.ws, self.row
        xlsx.text_cell(ws, f"A{r}", ident, xlsx.FONT_BOLD if bold else xlsx.FONT_SMALL)
        xlsx.text_cell(ws, f"B{r}", text, xlsx.FONT_BOLD if bold else xlsx.FONT)
        xlsx.text_cell(ws, f"D{r}", hint, xlsx.FONT_SMALL)
        for col in "ABCD":
            ws[f"{col}{r}"].border = xlsx.BOX
            ws[f"{col}{r}"].alignment = xlsx.WRAP
        lines = max(xlsx.text_lines(text, 50), xlsx.text_lines(hint, 26))
        ws.row_dimensions[r].height = max(20, 15 * lines)
        self.row += 1
        return r

    def _answer(self, r: int, f: Field) -> str:
        ref = f"{ANSWER_COL}{r}"
        cell = self.ws[ref]
        cell.protection, cell.fill, cell.font = xlsx.UNLOCKED, xlsx.FILL_ANSWER, xlsx.FONT
        self.structure.entries.append(Entry(f.id, f.kind, SHEET, ref, f.codes))
        return ref

    def question(self, q: Question) -> None:
        star = "★ " if q.required else ""
        hint = _hint(self.bank, q)
        fields = fields_of(q, self.bank.scales)
        text = f"{star}{q.id}. {q.text}"
        if q.type in ("single", "number", "text"):
            r = self._line(q.id, text, hint, bold=True)
            self._field(r, q, fields[0])
            if q.type == "text":
                self.ws.row_dimensions[r].height = 60
            for f in fields[1:]:  # the 其他（请注明） text
                self._field(self._line(f.id, "　如选“其他”，请注明", ""), q, f)
            return
        self._line(q.id, text, hint, bold=True)
        for f in fields:
            if f.kind == "other":
                label = "　如选“其他”，请注明"
            elif f.kind == "flag":
                label = f"　□ {f.option.label if f.option else f.label}"
            elif f.kind == "rank":
                label = f"　{f.option.label if f.option else f.label}"
            else:
                label = f"　{f.label}"
            self._field(self._line(f.id, label, ""), q, f)

    def _field(self, r: int, q: Question, f: Field) -> None:
        ref = self._answer(r, f)
        dv = self._validation(q, f)
        if dv is not None:
            dv.add(ref)
            self.ws.add_data_validation(dv)

    def _validation(self, q: Question, f: Field) -> DataValidation | None:
        title = f"{q.id} 填写提示"
        if f.kind in ("single", "likert"):
            ref = self.lists.ref(xlsx.labels(f.options))
            return xlsx.list_validation(
                ref, title, answer_rule(q), "请从下拉列表中选择一项，不要手动输入其他内容。"
            )
        if f.kind == "flag":
            ref = self.lists.ref([xlsx.YES, xlsx.NO])
            return xlsx.list_validation(
                ref, title, "选中此项请选“是”，未选可留空或选“否”。", "请选择“是”或“否”。"
            )
        if f.kind in ("rank", "number"):
            rule = number_rule(f.min, f.max, f.integer, f.unit)
            prompt = answer_rule(q) if f.kind == "rank" else rule
            return xlsx.number_validation(f.min, f.max, f.integer, title, prompt, rule)
        return None


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？；.!?)）" else text + "。"


def _hint(bank: Bank, q: Question) -> str:
    """The 填写提示 of a question row: the bank's hint, how to answer, the options, skip rule."""
    parts = [q.hint or "", answer_rule(q)]
    if q.type in ("single", "likert"):
        options = (
            question_options(q, bank.scales) if q.type == "single" else bank.scales[q.scale or ""]
        )
        parts.append("选项：" + "／".join(o.label for o in options))
    parts.append(skip_hint(bank, q.relevant_tree))
    return "".join(_sentence(p) for p in parts if p)


def _cover(bank: Bank, wb: Workbook) -> None:
    ws = wb.active
    ws.title = xlsx.clip(COVER, 31)
    ws.column_dimensions["A"].width = 80
    xlsx.text_cell(ws, "A1", bank.title, xlsx.FONT_TITLE).alignment = xlsx.CENTER
    ws.row_dimensions[1].height = 32
    row = 3
    paragraphs = [p.strip() for p in bank.description.strip().split("\n") if p.strip()]
    steps = [
        "填写方法：",
        f"1. 请切换到“{SHEET}”工作表，在浅黄色单元格中作答，其余单元格已保护，无需改动。",
        "2. 选择题请点击单元格右侧的下拉箭头选择；多选题请在每个选中的选项后选“是”。",
        "3. 数字题请只填写数字（如 40），不要填写“约40”“40小时”等文字。",
        "4. 带 ★ 的题目为必答题；“填写提示”一栏说明了跳题规则，不需要回答的题目请留空。",
        "5. 填写完成后请保存（不要修改文件结构、不要删除或插入行），并按通知要求发回。",
    ]
    for text in [*paragraphs, "", *steps]:
        cell = xlsx.text_cell(
            ws, f"A{row}", text, xlsx.FONT_BOLD if text == "填写方法：" else xlsx.FONT
        )
        cell.alignment = xlsx.WRAP
        ws.row_dimensions[row].height = max(18, 16 * (len(text) // 36 + 1))
        row += 1
    note = f"题库：{bank.id}，版本 {bank.version}（请勿修改本文件的结构，否则可能无法自动汇总）"
    xlsx.text_cell(ws, f"A{row + 1}", note, xlsx.FONT_SMALL)
    xlsx.protect(ws)
    xlsx.a4(ws, None)


def build_respondent(bank: Bank) -> tuple[Workbook, FormStructure]:
    """The respondent-layout workbook and its structure (not yet saved)."""
    wb = xlsx.workbook()
    _cover(bank, wb)
    w = _Writer(bank, wb)
    wb.move_sheet(SHEET, offset=1)
    w.header()
    for s in bank.sections:
        w.section(s)
    xlsx.protect(w.ws)
    xlsx.a4(w.ws, "3:3")
    xlsx.write_meta(wb, w.structure, bank.title)
    return wb, w.structure
