"""The Word draft, in the style of Chinese official documents (GB/T 9704-2012).

A4 with the standard margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); title in
方正小标宋简体 二号 (22 pt) centred; body 仿宋 三号 (16 pt), first-line indent of two
characters, fixed 28 pt line spacing; first-level headings (一、) 黑体, second-level （一）
楷体, third-level 1. 仿宋 bold; three-line tables (三线表) with the caption above and a note
below stating the base; charts as images with numbered captions below; page numbers
``— 1 —`` in the footer. Headings use Word's heading styles, so the navigation pane and a
table of contents work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Cm, Pt

from surveytool import docstyle
from surveytool.docstyle import (
    BODY_FONT,
    BODY_PT,
    HEAD_FONT,
    KAI_FONT,
    NOTE_PT,
    TABLE_FONT,
    TABLE_PT,
    TITLE_FONT,
)
from surveytool.docstyle import set_font as _font


class _Writer:
    def __init__(self, out_dir: Path):
        self.doc = Document()
        self.out_dir = out_dir
        self._page()
        self._styles()

    def _page(self) -> None:
        docstyle.page(self.doc)

    def _styles(self) -> None:
        docstyle.styles(self.doc)

    def title(self, text: str, subtitle: str, when: str) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing = Pt(36)
        p.paragraph_format.space_after = Pt(12)
        _font(p.add_run(text), TITLE_FONT, 22)
        for line in (subtitle, when):
            if not line:  # a circular has neither
                continue
            q = self.doc.add_paragraph()
            q.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(q.add_run(line), KAI_FONT, BODY_PT)

    def heading(self, text: str, level: int, new_page: bool = False) -> None:
        h = self.doc.add_heading(text, level=level)
        h.paragraph_format.page_break_before = new_page  # no empty page when the last one is full

    def para(self, text: str, indent: bool = True, size: float | None = None) -> None:
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        run = p.add_run(text)
        if size:
            _font(run, BODY_FONT, size)
            p.paragraph_format.line_spacing = Pt(size * 1.6)

    def table(self, t: dict) -> None:
        cap = self.doc.add_paragraph()
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cap.paragraph_format.keep_with_next = True
        _font(cap.add_run(t["caption"]), HEAD_FONT, TABLE_PT)
        cols = len(t["header"])
        table = self.doc.add_table(rows=1 + len(t["rows"]), cols=cols)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        cells = table._cells  # computed once: table.cell(r, c) recomputes them every call
        for r, values in enumerate([t["header"], *t["rows"]]):
            for c, value in enumerate(values):
                cell = cells[r * cols + c]
                p = cell.paragraphs[0]
                p.paragraph_format.first_line_indent = Pt(0)
                p.paragraph_format.line_spacing = Pt(TABLE_PT * 1.3)
                long = c == 0 or (r > 0 and _ems(str(value)) > LONG_EMS * 2)  # prose: left
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT if long else WD_ALIGN_PARAGRAPH.CENTER
                _font(p.add_run(str(value)), TABLE_FONT, TABLE_PT, bold=r == 0)
        docstyle.three_lines(table)
        _widths(table, [t["header"], *t["rows"]])
        docstyle.repeat_header(table)
        self.para(t["note"], indent=False, size=NOTE_PT)

    def figure(self, f: dict) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        p.paragraph_format.keep_with_next = True
        p.add_run().add_picture(str(self.out_dir / f["path"]), width=Cm(12.0))
        cap = self.doc.add_paragraph()
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cap.add_run(f["caption"]), HEAD_FONT, TABLE_PT)


TEXT_WIDTH_CM = 15.6  # A4 less the margins


def _ems(text: str) -> float:
    """Width of one line in ems: CJK and full-width characters 1, others about 0.6 (digits
    in 宋体 and its fallbacks)."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.62 for ch in text)


LONG_EMS = 8.0  # a column whose cells are longer than this may wrap (e.g. 问题, 题项)
PAD_CM = 0.55  # cell margins


def column_widths(rows: list[list], total: float = TEXT_WIDTH_CM) -> list[float]:
    """Column widths in cm for ``rows`` (header first), summing to ``total``.

    Every column first gets its floor: its data on one line (long text columns: LONG_EMS)
    and its header on at most two lines. What is left goes to the columns that need more
    to put everything on one line, in proportion to how much more (so 编号, 状态 and numbers
    never wrap, a header such as 完全没有 wraps to two lines at worst, and a long 问题 column
    takes the rest). With room to spare, every column gets its one-line width, scaled up.
    """
    em = TABLE_PT * 2.54 / 72  # cm per em at the table's font size
    header, body = rows[0], rows[1:] or [rows[0]]
    width = []
    for c in range(len(header)):
        data = max(_ems(str(r[c])) for r in body)
        head = _ems(str(header[c]))
        floor = max(min(data, LONG_EMS), np.ceil(head / 2))
        width.append((floor * em + PAD_CM, max(data, head) * em + PAD_CM))
    floors = np.array([f for f, _ in width])
    need = np.array([n for _, n in width])
    if need.sum() <= total:
        return list(need * total / need.sum())
    if floors.sum() >= total:
        return list(floors * total / floors.sum())
    more = need - floors
    return list(floors + more * (total - floors.sum()) / more.sum())


def _widths(table, rows: list[list]) -> None:
    """Fix the table's column widths (see :func:`column_widths`)."""
    table.autofit = False
    for column, cm in zip(table.columns, column_widths(rows), strict=True):
        width = Cm(cm)
        column.width = width
        for cell in column.cells:
            cell.width = width


def write_docx(ctx: dict, path: Path, out_dir: Path) -> None:
    """Write the Word draft of ``ctx`` to ``path`` (charts are read from ``out_dir``): the
    摘要, the body, and the appendix from a new page."""
    w = _Writer(out_dir)
    w.title(ctx["title"], ctx["subtitle"], ctx["date"])
    for b in ctx.get("lead", []):  # a circular's 主送 and opening, before the headings
        _block(w, b)
    for section in ctx["sections"]:
        w.heading(section["title"], 1, new_page=bool(section.get("appendix")))
        for b in section["blocks"]:
            _block(w, b)
    for line in ctx.get("closing", []):  # a circular's 落款: issuer and date, right-aligned
        p = w.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.add_run(line)
    w.doc.sections[-1].start_type = WD_SECTION.CONTINUOUS
    w.doc.save(str(path))


def _block(w: _Writer, b: dict) -> None:
    """One block of a section (see surveytool.report.context)."""
    if "para" in b:
        w.para(b["para"], indent=b.get("indent", True))
    elif "note" in b:
        w.para(b["note"], indent=False, size=NOTE_PT + 1)
    elif "heading" in b:
        w.heading(b["heading"], b.get("level", 3))
    elif "table" in b:
        w.table(b["table"])
    elif "figure" in b:
        w.figure(b["figure"])
    elif "items" in b:
        for i, item in enumerate(b["items"], start=1):
            w.para(f"{i}. {item}" if b.get("ordered") else f"· {item}")
    elif "quote" in b:
        w.para(f"“{b['quote']}”")
    elif "problems" in b:
        for i, p in enumerate(b["problems"], start=1):
            w.para(f"{i}. {p['title']}")
            w.para(f"数据依据：{p['evidence']}", indent=False, size=NOTE_PT + 1)
