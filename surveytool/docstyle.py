"""Chinese official-document (公文, GB/T 9704-2012) conventions shared by every Word file we
write: the draft report (``report.docx``) and the interview outline (``forms.outline``).

A4 with the standard margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm); body 仿宋
三号 (16 pt) at a fixed 28 pt line spacing; headings 黑体 (一、), 楷体 (（一）), 仿宋 bold (1.);
page numbers ``— 1 —`` in the footer. python-docx sets only the Latin font of a run, so
:func:`set_font` sets the East-Asian one too.
"""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

TITLE_FONT, BODY_FONT, HEAD_FONT, KAI_FONT, TABLE_FONT = (
    "方正小标宋简体",
    "仿宋",
    "黑体",
    "楷体",
    "宋体",
)
BODY_PT, TABLE_PT, NOTE_PT = 16, 10.5, 9
LINE_PT = 28


CN_DIGITS = "零一二三四五六七八九十"


def cn(n: int) -> str:
    """Chinese numeral for headings (一、（一）): 1 -> 一, 12 -> 十二, 20 -> 二十."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


def set_font(target, name: str, size: float | None = None, bold: bool | None = None) -> None:
    """Set the Latin and East-Asian font of a run or style (python-docx sets only Latin)."""
    target.font.name = name
    if size is not None:
        target.font.size = Pt(size)
    if bold is not None:
        target.font.bold = bold
    target.font.color.rgb = RGBColor(0, 0, 0)
    rpr = target.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def page(doc) -> None:
    """A4, the 公文 margins, and ``— N —`` page numbers in the footer."""
    s = doc.sections[0]
    s.page_width, s.page_height = Cm(21.0), Cm(29.7)
    s.top_margin, s.bottom_margin = Cm(3.7), Cm(3.5)
    s.left_margin, s.right_margin = Cm(2.8), Cm(2.6)
    p = s.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), TABLE_FONT, 14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    p._p.append(field)
    set_font(p.add_run(" —"), TABLE_FONT, 14)


def styles(doc) -> None:
    """Body text and the three heading levels in the 公文 fonts, fixed line spacing."""
    normal = doc.styles["Normal"]
    set_font(normal, BODY_FONT, BODY_PT)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(LINE_PT)
    pf.space_before = pf.space_after = Pt(0)
    for level, (name, bold) in {
        1: (HEAD_FONT, False),
        2: (KAI_FONT, False),
        3: (BODY_FONT, True),
    }.items():
        style = doc.styles[f"Heading {level}"]
        set_font(style, name, BODY_PT, bold)
        style.font.italic = False
        style.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        style.paragraph_format.space_before = Pt(6)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        style.paragraph_format.line_spacing = Pt(LINE_PT)


def border(parent, edge: str, size: int) -> None:
    """Append one table border (``size`` in eighths of a point; 0: none) to ``parent``."""
    el = OxmlElement(f"w:{edge}")
    el.set(qn("w:val"), "single" if size else "nil")
    el.set(qn("w:sz"), str(size))
    el.set(qn("w:space"), "0")
    el.set(qn("w:color"), "000000")
    parent.append(el)


def three_lines(table) -> None:
    """A three-line table (三线表): top and bottom rules 1.5 pt, 0.75 pt under the header."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge, size in (
        ("top", 12),
        ("left", 0),
        ("bottom", 12),
        ("right", 0),
        ("insideH", 0),
        ("insideV", 0),
    ):
        border(borders, edge, size)
    tbl_pr.append(borders)
    for cell in table.rows[0].cells:
        tc_borders = OxmlElement("w:tcBorders")
        border(tc_borders, "bottom", 6)
        cell._tc.get_or_add_tcPr().append(tc_borders)


PPR_AFTER_BORDER = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def box(paragraph, color: str) -> None:
    """A dashed border of ``color`` (hex RGB) around a paragraph."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for edge in ("top", "left", "bottom", "right"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "dashed")
        e.set(qn("w:sz"), "6")
        e.set(qn("w:space"), "4")
        e.set(qn("w:color"), color)
        borders.append(e)
    ppr.insert_element_before(  # schema order: pBdr comes before these
        borders, *PPR_AFTER_BORDER
    )


def repeat_header(table) -> None:
    """The table's first row repeats on every page."""
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)


__all__ = [
    "BODY_FONT",
    "BODY_PT",
    "HEAD_FONT",
    "KAI_FONT",
    "NOTE_PT",
    "TABLE_FONT",
    "TABLE_PT",
    "TITLE_FONT",
    "box",
    "cn",
    "page",
    "repeat_header",
    "set_font",
    "styles",
    "three_lines",
]
