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

import re
from pathlib import Path

import numpy as np
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Cm, Pt, RGBColor

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

CELL_STYLE = "表格文字"


class _Writer:
    def __init__(self, out_dir: Path):
        self.doc = Document()
        self.out_dir = out_dir
        self.landscape = False  # the orientation of the current section
        self._page()
        self._styles()

    def _page(self) -> None:
        docstyle.page(self.doc)

    def _styles(self) -> None:
        docstyle.styles(self.doc)
        # one paragraph style for every table cell: thousands of cells then carry a style
        # reference, not their own font, size and spacing (issue 27: per-cell formatting took
        # 6 s of a 10,000-respondent report's Word file; LibreOffice shows the same pages)
        cell = self.doc.styles.add_style(CELL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        cell.base_style = self.doc.styles["Normal"]
        _font(cell, TABLE_FONT, TABLE_PT)
        cell.paragraph_format.first_line_indent = Pt(0)
        cell.paragraph_format.line_spacing = Pt(TABLE_PT * 1.3)

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

    def notice(self, text: str) -> None:
        """The draft notice under the title, boxed in red as in the HTML report."""
        p = self.doc.add_paragraph()
        p.paragraph_format.space_after = Pt(6)
        p.paragraph_format.line_spacing = Pt(NOTE_PT * 1.6)
        _font(p.add_run(text), KAI_FONT, NOTE_PT)
        p.runs[0].font.color.rgb = RGBColor(0xC0, 0, 0)
        docstyle.box(p, "C00000")

    def turn(self, landscape: bool) -> bool:
        """Continue in ``landscape`` (True) or portrait: a new section, on a new page, only
        when the orientation changes, so wide tables in a row share landscape pages and no
        empty portrait page sits between them. True when a new section was started."""
        if landscape == self.landscape:
            return False
        self.orient(landscape)
        self.landscape = landscape
        return True

    def heading(
        self, text: str, level: int, new_page: bool = False, landscape: bool = False
    ) -> None:
        """A heading; ``landscape`` when the block under it is a wide table, so the heading
        goes on the table's page, not alone on a portrait one."""
        if self.turn(landscape):
            new_page = False  # the new section starts a page already
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
        rows = [t["header"], *t["rows"]]
        wide = not fits(rows, TEXT_WIDTH_CM)
        self.turn(wide)  # landscape for a table whose figures do not fit the portrait width
        cap = self.doc.add_paragraph()
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cap.paragraph_format.keep_with_next = True
        _font(cap.add_run(t["caption"]), HEAD_FONT, TABLE_PT)
        cols = len(t["header"])
        table = self.doc.add_table(rows=1 + len(t["rows"]), cols=cols)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        cells = table._cells  # computed once: table.cell(r, c) recomputes them every call
        style = self.doc.styles[CELL_STYLE].style_id  # set as XML: Paragraph.style looks up
        # the default style on every call (9 s for a large report's 6,700 cells)
        for r, values in enumerate([t["header"], *t["rows"]]):
            for c, value in enumerate(values):
                cell = cells[r * cols + c]
                p = cell.paragraphs[0]
                p._p.style = style
                long = c == 0 or (r > 0 and _ems(str(value)) > LONG_EMS * 2)  # prose: left
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT if long else WD_ALIGN_PARAGRAPH.CENTER
                run = p.add_run(str(value))
                if r == 0:
                    run.bold = True
        docstyle.three_lines(table)
        _widths(table, rows, LANDSCAPE_WIDTH_CM if wide else TEXT_WIDTH_CM)
        docstyle.repeat_header(table)
        if t["note"]:
            self.para(t["note"], indent=False, size=NOTE_PT)

    def orient(self, landscape: bool) -> None:
        """Start a new section (new page) in landscape or back in portrait. The footer's
        page numbers carry over (a new section links to the previous one's footer)."""
        s = self.doc.add_section(WD_SECTION.NEW_PAGE)
        short, long = Cm(21.0), Cm(29.7)
        s.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        s.page_width, s.page_height = (long, short) if landscape else (short, long)
        if landscape:
            s.top_margin, s.bottom_margin = Cm(2.8), Cm(2.6)
            s.left_margin, s.right_margin = Cm(3.7), Cm(3.5)
        else:
            s.top_margin, s.bottom_margin = Cm(3.7), Cm(3.5)
            s.left_margin, s.right_margin = Cm(2.8), Cm(2.6)

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
LANDSCAPE_WIDTH_CM = 29.7 - 3.7 - 3.5  # A4 across, less the side margins of a landscape page


def _ems(text: str) -> float:
    """Width of one line in ems: CJK and full-width characters 1, others about 0.6 (digits
    in 宋体 and its fallbacks)."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.62 for ch in text)


LONG_EMS = 8.0  # a column whose cells are longer than this may wrap (e.g. 问题, 题项)
SHORT_EMS = 4.0  # a text column squeezed to fit is never narrower than this
HEAD_EMS = 4.0  # a header this short never wraps (单位, 序号, 人数)
PAD_CM = 0.55  # cell margins
FIGURE = re.compile(r"^[\s\d.,%+\-−–<>=≤≥—/～~：:]*$|^[A-Za-zε²χ]{1,3} ?[=<>] ?[\d.\-−]+$")


def _is_figure(values: list[str]) -> bool:
    """Whether a column holds figures (numbers, p values, percentages, “—”): these never
    wrap, or a reader sees 「25.4/3」 or 「< /0.001」."""
    return all(FIGURE.match(v.strip()) for v in values)


def _floors(rows: list[list]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per column: the narrowest width it may take (ems), the width that puts everything on
    one line, and whether it is a text column (which may be squeezed to SHORT_EMS)."""
    header, body = rows[0], rows[1:] or [rows[0]]
    floor, need, text = [], [], []
    for c in range(len(header)):
        values = [str(r[c]) for r in body]
        data = max(_ems(v) for v in values)
        head = _ems(str(header[c]))
        head_floor = head if head <= HEAD_EMS else float(np.ceil(head / 2))
        figures = _is_figure(values)
        floor.append(max(data if figures else min(data, LONG_EMS), head_floor))
        need.append(max(data, head))
        text.append(not figures)
    return np.array(floor), np.array(need), np.array(text)


def _em_cm() -> float:
    return TABLE_PT * 2.54 / 72  # cm per em at the table's font size


def fits(rows: list[list], total: float) -> bool:
    """Whether ``rows`` fit ``total`` cm at their floors: every figure and short header on
    one line, text columns at least LONG_EMS wide (or their longest text, when shorter) — a
    question's wording squeezed to four characters a line is no more readable than a broken
    number, so such a table gets a landscape page."""
    floor, _, _ = _floors(rows)
    return bool((floor * _em_cm() + PAD_CM).sum() <= total)


def column_widths(rows: list[list], total: float = TEXT_WIDTH_CM) -> list[float]:
    """Column widths in cm for ``rows`` (header first), summing to ``total``.

    Every column first gets its floor: figures on one line, a header of up to HEAD_EMS
    characters on one line (longer ones on at most two), text data up to LONG_EMS. What is
    left goes to the columns that need more to put everything on one line, in proportion
    to how much more. When the floors do not fit, only text columns give way (down to
    SHORT_EMS): numbers, p values and headers such as 单位 never break mid-value.
    """
    em = _em_cm()
    floor, need, text = _floors(rows)
    floors, needs = floor * em + PAD_CM, need * em + PAD_CM
    if needs.sum() <= total:
        return list(needs * total / needs.sum())
    if floors.sum() <= total:
        more = needs - floors
        return list(floors + more * (total - floors.sum()) / more.sum())
    least = np.minimum(floor, SHORT_EMS) * em + PAD_CM
    squeezable = floors - least
    over = floors.sum() - total
    if text.any() and squeezable[text].sum() >= over:
        cut = np.where(text, squeezable * over / squeezable[text].sum(), 0.0)
        return list(floors - cut)
    # nothing fits: scale (the writer turns such a table's page to landscape first)
    return list(floors * total / floors.sum())


def _widths(table, rows: list[list], total: float = TEXT_WIDTH_CM) -> None:
    """Fix the table's column widths (see :func:`column_widths`)."""
    table.autofit = False
    for column, cm in zip(table.columns, column_widths(rows, total), strict=True):
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
    if ctx.get("notice"):
        w.notice(ctx["notice"])
    for section in ctx["sections"]:
        blocks = section["blocks"]
        w.heading(
            section["title"],
            1,
            new_page=bool(section.get("appendix")),
            landscape=bool(blocks) and _wide(blocks[0]),
        )
        for b, after in zip(blocks, [*blocks[1:], {}], strict=True):
            _block(w, b, after)
    if ctx.get("closing"):
        w.turn(False)
    for line in ctx.get("closing", []):  # a circular's 落款: issuer and date, right-aligned
        p = w.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.add_run(line)
    if len(w.doc.sections) == 1:
        w.doc.sections[-1].start_type = WD_SECTION.CONTINUOUS
    w.doc.save(str(path))


def _wide(b: dict) -> bool:
    """Whether block ``b`` is a table too wide for a portrait page."""
    return "table" in b and not fits([b["table"]["header"], *b["table"]["rows"]], TEXT_WIDTH_CM)


def _block(w: _Writer, b: dict, after: dict | None = None) -> None:
    """One block of a section (see surveytool.report.context); ``after``: the next block.
    A wide table and a heading right above it go on a landscape page, the rest portrait."""
    if "heading" in b:
        w.heading(b["heading"], b.get("level", 3), landscape=_wide(after or {}))
        return
    if "table" not in b:
        w.turn(False)
    if "para" in b:
        w.para(b["para"], indent=b.get("indent", True))
    elif "note" in b:
        w.para(b["note"], indent=False, size=NOTE_PT + 1)
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
