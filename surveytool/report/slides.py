"""成果交流 slides (issue 26): a 16:9 .pptx drawn from the report's own document model
(:func:`surveytool.report.report_context`), never from numbers of its own.

Slides: title; 调查概况 (n, units, margin of error, period; the returns per unit); one slide
per main conclusion of the 摘要 with its chart (the chart file the report shows); the ranked
problems as in the report's table (one figure each); 回访对比 and 整改进展 when the report has
them; a closing slide with the 对策建议 placeholders. Speaker notes give each slide's data
source and base. Text is in 微软雅黑 (Latin and East-Asian typeface both named, as PowerPoint
and WPS on Windows have it; LibreOffice substitutes a CJK face such as Noto Sans CJK SC), and
every text box is sized from an estimate of its lines so nothing runs out of its box.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from surveytool.atomic import write_atomic

FONT = "微软雅黑"
FONT_LATIN = "Microsoft YaHei"
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
BLUE = RGBColor(0x1F, 0x4E, 0x79)
GREY = RGBColor(0x59, 0x59, 0x59)
BLACK = RGBColor(0x26, 0x26, 0x26)
LINE = 1.35  # line height in ems, generous: CJK faces are tall
INSET = Inches(0.1)
PROBLEMS_PER_SLIDE = 5
MAX_PROBLEM_SLIDES = 2
MAX_TABLE_ROWS = 8


def ems(text: str) -> float:
    """Width of ``text`` on one line in ems: CJK and full-width 1, others about 0.6."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.62 for ch in text)


def lines_needed(text: str, size_pt: float, width_emu: int) -> int:
    """Lines ``text`` (paragraphs split at newlines) takes at ``size_pt`` in a box of
    ``width_emu`` (less the insets)."""
    usable = (width_emu - 2 * INSET) / 12700  # points
    per_line = max(usable / size_pt, 1.0)
    return sum(max(1, math.ceil(ems(p) / per_line)) for p in text.split("\n"))


def fit_size(text: str, width: int, height: int, largest: float, smallest: float = 10) -> float:
    """The largest font size (step 1 pt) at which ``text`` fits the box; ``smallest`` when
    none does (callers keep text short enough that it does)."""
    size = largest
    while size > smallest:
        needed = lines_needed(text, size, width) * size * LINE * 12700 + 2 * INSET
        if needed <= height:
            return size
        size -= 1
    return smallest


def _font(run, size: float, bold: bool = False, color: RGBColor = BLACK) -> None:
    """Size, weight, colour, and both typefaces (Latin and East-Asian) of a run."""
    f = run.font
    f.size, f.bold, f.name = Pt(size), bold, FONT_LATIN
    f.color.rgb = color
    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", "zh-CN")  # Simplified-Chinese forms when a viewer falls back (LibreOffice)
    rpr.set("altLang", "en-US")
    for tag in ("a:ea", "a:cs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            rpr.append(el)
        el.set("typeface", FONT)


def text_box(
    slide,
    box: tuple[int, int, int, int],
    text: str,
    largest: float,
    *,
    bold: bool = False,
    color: RGBColor = BLACK,
    align=PP_ALIGN.LEFT,
    smallest: float = 10,
):
    """A text box at ``box`` (left, top, width, height) whose font size is the largest that
    fits; returns the shape (its ``size_pt`` attribute records the size used)."""
    left, top, width, height = box
    size = fit_size(text, width, height, largest, smallest)
    shape = slide.shapes.add_textbox(left, top, width, height)
    tf = shape.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = MSO_ANCHOR.TOP
    for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
        setattr(tf, side, INSET)
    for i, line in enumerate(text.split("\n")):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment = align
        p.line_spacing = 1.15
        run = p.add_run()
        run.text = line
        _font(run, size, bold, color)
    shape.size_pt = size
    return shape


def _title(slide, text: str) -> None:
    text_box(
        slide,
        (MARGIN, Inches(0.35), WIDTH - 2 * MARGIN, Inches(0.8)),
        text,
        28,
        bold=True,
        color=BLUE,
    )
    bar = slide.shapes.add_shape(1, MARGIN, Inches(1.15), WIDTH - 2 * MARGIN, Emu(38100))
    bar.fill.solid()
    bar.fill.fore_color.rgb = BLUE
    bar.line.fill.background()


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def _picture(slide, path: Path, box: tuple[int, int, int, int]) -> None:
    """The chart scaled to fit ``box``, centred in it."""
    from PIL import Image

    left, top, width, height = box
    with Image.open(path) as im:
        w, h = im.size
    scale = min(width / w, height / h)
    pw, ph = int(w * scale), int(h * scale)
    slide.shapes.add_picture(str(path), left + (width - pw) // 2, top + (height - ph) // 2, pw, ph)


def _widths(rows: list[list[str]], total: int) -> list[int]:
    """Column widths: each column's longest cell, capped, shared out over ``total``."""
    need = [min(max(ems(str(r[c])) for r in rows), 40) + 1.5 for c in range(len(rows[0]))]
    return [int(total * n / sum(need)) for n in need]


def table(slide, rows: list[list[str]], box: tuple[int, int, int, int], largest: float = 16):
    """A table (header first) filling ``box``'s width; the font is the largest at which
    every row, wrapped in its column, fits ``box``'s height. Returns the shape."""
    left, top, width, height = box
    cols = _widths(rows, width)
    size = largest
    while size > 9:
        heights = [
            max(lines_needed(str(v), size, w) for v, w in zip(r, cols, strict=True))
            * size
            * LINE
            * 12700
            + 2 * INSET
            for r in rows
        ]
        if sum(heights) <= height:
            break
        size -= 1
    shape = slide.shapes.add_table(len(rows), len(cols), left, top, width, int(sum(heights)))
    t = shape.table
    for c, w in enumerate(cols):
        t.columns[c].width = w
    for r, values in enumerate(rows):
        t.rows[r].height = int(heights[r])
        for c, value in enumerate(values):
            cell = t.cell(r, c)
            for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
                setattr(cell, side, INSET)
            tf = cell.text_frame
            tf.word_wrap = True
            p = tf.paragraphs[0]
            run = p.add_run()
            run.text = str(value)
            _font(run, size, bold=r == 0, color=RGBColor(0xFF, 0xFF, 0xFF) if r == 0 else BLACK)
    shape.size_pt = size
    return shape


# --- finding things in the report's model ---------------------------------------------------


def _section(ctx: dict, word: str) -> dict | None:
    return next((s for s in ctx["sections"] if word in s["title"]), None)


def _blocks(section: dict | None, kind: str) -> Iterator:
    for b in section["blocks"] if section else []:
        if kind in b:
            yield b[kind]


def _summary_items(ctx: dict, heading: str) -> list[str]:
    """The items listed under a heading of the 摘要 (e.g. 对策建议)."""
    blocks = _section(ctx, "摘要")["blocks"]
    at = next((i for i, b in enumerate(blocks) if heading in b.get("heading", "")), None)
    if at is None:
        return []
    return next((b["items"] for b in blocks[at + 1 :] if "items" in b), [])


def _source(ctx: dict) -> str:
    o = ctx["overview"]
    wave = f"“{o['wave']}”调查" if o["wave"] else "本次调查"
    return (
        f"数据来源：《{o['questionnaire']}》（第 {o['version']} 版）{wave}，有效答卷 {o['n']} 份。"
    )


# --- the slides ---------------------------------------------------------------------------


def _cover(prs, ctx: dict) -> None:
    s = prs.slides.add_slide(prs.slide_layouts[6])
    title = ctx["title"].removesuffix("（初稿）")
    text_box(
        s,
        (MARGIN, Inches(2.2), WIDTH - 2 * MARGIN, Inches(1.8)),
        title,
        36,
        bold=True,
        color=BLUE,
        align=PP_ALIGN.CENTER,
    )
    text_box(
        s,
        (MARGIN, Inches(4.2), WIDTH - 2 * MARGIN, Inches(0.7)),
        "调研成果交流",
        24,
        color=GREY,
        align=PP_ALIGN.CENTER,
    )
    text_box(
        s,
        (MARGIN, Inches(5.0), WIDTH - 2 * MARGIN, Inches(0.6)),
        ctx["date"],
        18,
        color=GREY,
        align=PP_ALIGN.CENTER,
    )
    _notes(s, _source(ctx) + "本演示文稿的数字均取自同一份调研报告初稿。")


def _overview(prs, ctx: dict) -> None:
    o = ctx["overview"]
    s = prs.slides.add_slide(prs.slide_layouts[6])
    _title(s, "调查概况")
    cards = [("有效答卷（份）", str(o["n"])), ("覆盖单位（类别）", str(o["units"]))]
    if o["moe"] is not None:
        cards.append(("抽样误差（百分点，95% 置信度）", f"±{o['moe']:.1f}"))
    w = (WIDTH - 2 * MARGIN) // len(cards)
    for i, (label, value) in enumerate(cards):
        x = MARGIN + i * w
        box = (x, Inches(1.4), w, Inches(0.9))
        text_box(s, box, value, 36, bold=True, color=BLUE, align=PP_ALIGN.CENTER, smallest=14)
        box = (x, Inches(2.3), w, Inches(0.5))
        text_box(s, box, label, 16, color=GREY, align=PP_ALIGN.CENTER)
    box = (MARGIN, Inches(2.85), WIDTH - 2 * MARGIN, Inches(0.5))
    text_box(s, box, f"回收时间：{o['period']}", 16, color=GREY, align=PP_ALIGN.CENTER)
    basics = _section(ctx, "调查基本情况")
    cov = next(_blocks(basics, "table"), None)
    note = _source(ctx)
    note += (
        f"答卷文件 {o['files']} 个，未通过校验 {o['rejected']} 份，剔除重复 {o['duplicates']} 份。"
    )
    if o["moe"] is not None:
        note += "抽样误差按 95% 置信度、最保守的比例 50% 估计。"
    if cov:
        rows = [cov["header"], *cov["rows"][:MAX_TABLE_ROWS]]
        table(s, rows, (Inches(2.5), Inches(3.45), WIDTH - Inches(5.0), Inches(3.6)), 16)
        more = len(cov["rows"]) - MAX_TABLE_ROWS
        note += f"表为报告{cov['caption'].split('　')[0]}“{cov['caption'].split('　')[-1]}”。{cov['note']}"
        if more > 0:
            note += f"另有 {more} 个单位见报告。"
    _notes(s, note)


def _conclusions(prs, ctx: dict, charts: Path) -> None:
    points = ctx["conclusions"]
    for i, c in enumerate(points, start=1):
        s = prs.slides.add_slide(prs.slide_layouts[6])
        _title(s, f"主要结论 {i}/{len(points)}")
        fig = c.get("figure")
        top_h = Inches(1.3) if fig else Inches(4.5)
        text_box(
            s,
            (MARGIN, Inches(1.35), WIDTH - 2 * MARGIN, top_h),
            c["text"],
            24 if fig else 30,
            bold=not fig,
        )
        note = _source(ctx)
        if fig:
            _picture(
                s, charts / fig["path"], (MARGIN, Inches(2.75), WIDTH - 2 * MARGIN, Inches(4.45))
            )
            note += f"图为报告{fig['caption']}；比例以各题项实际作答人数为基数（各题人数见报告附录二）。"
        else:
            note += "比例以该题实际作答人数为基数（见报告附录二该题的表）。"
        _notes(s, note + "结论文字与报告摘要“主要结论”相同。")


def _problems(prs, ctx: dict) -> None:
    section = _section(ctx, "存在的主要问题")
    t = next(_blocks(section, "table"), None)
    if t is None:
        s = prs.slides.add_slide(prs.slide_layouts[6])
        _title(s, "存在的主要问题")
        text_box(
            s,
            (MARGIN, Inches(1.5), WIDTH - 2 * MARGIN, Inches(1.0)),
            "按报告所列规则，未从数据中识别出突出问题。",
            24,
        )
        _notes(s, _source(ctx))
        return
    keep = [
        i for i, h in enumerate(t["header"]) if h in ("序号", "问题", "数据依据", "其他方法印证")
    ]
    rows = [[r[i] for i in keep] for r in t["rows"]]
    header = [t["header"][i] for i in keep]
    shown = rows[: PROBLEMS_PER_SLIDE * MAX_PROBLEM_SLIDES]
    pages = max(1, math.ceil(len(shown) / PROBLEMS_PER_SLIDE))
    for p in range(pages):
        s = prs.slides.add_slide(prs.slide_layouts[6])
        part = f"（{p + 1}/{pages}）" if pages > 1 else ""
        _title(s, f"存在的主要问题{part}")
        chunk = shown[p * PROBLEMS_PER_SLIDE : (p + 1) * PROBLEMS_PER_SLIDE]
        table(s, [header, *chunk], (MARGIN, Inches(1.45), WIDTH - 2 * MARGIN, Inches(5.0)), 18)
        rest = len(rows) - len(shown)
        if p == pages - 1 and rest > 0:
            text_box(
                s,
                (MARGIN, Inches(6.6), WIDTH - 2 * MARGIN, Inches(0.5)),
                f"另有 {rest} 项，见报告{t['caption'].split('　')[0]}。",
                14,
                color=GREY,
            )
        _notes(
            s,
            _source(ctx) + f"表为报告{t['caption']}的前 {len(shown)} 项，按报告的顺序。{t['note']}",
        )


def _waves(prs, ctx: dict) -> None:
    section = _section(ctx, "回访对比")
    if section is None:
        return
    paras = list(_blocks(section, "para"))
    t = next(_blocks(section, "table"), None)
    s = prs.slides.add_slide(prs.slide_layouts[6])
    _title(s, "回访对比：整改前后的变化")
    counts = paras[1] if len(paras) > 1 else paras[0] if paras else ""
    text_box(
        s,
        (MARGIN, Inches(1.35), WIDTH - 2 * MARGIN, Inches(1.5)),
        counts.split("“未检出变化”")[0],
        20,
    )
    note = paras[0] if paras else ""
    if t:
        table(
            s,
            [t["header"], *t["rows"][:MAX_TABLE_ROWS]],
            (MARGIN, Inches(3.0), WIDTH - 2 * MARGIN, Inches(4.0)),
            18,
        )
        note += f"表为报告{t['caption']}。{t['note']}"
    _notes(s, note + "“未检出变化”不等于确实没有变化，只说明在现有样本量下变化不足以被检出。")


def _progress(prs, ctx: dict) -> None:
    section = _section(ctx, "整改进展")
    if section is None:
        return
    paras = list(_blocks(section, "para"))
    t = next(_blocks(section, "table"), None)
    s = prs.slides.add_slide(prs.slide_layouts[6])
    _title(s, "整改进展")
    first = paras[0].split("另有")[0] if paras else ""
    text_box(s, (MARGIN, Inches(1.35), WIDTH - 2 * MARGIN, Inches(1.3)), first, 20)
    note = "数据来源：三张清单（任务清单的状态和完成时限）。" + (paras[0] if paras else "")
    if t:
        table(
            s,
            [t["header"], *t["rows"][:MAX_TABLE_ROWS]],
            (MARGIN, Inches(2.8), WIDTH - 2 * MARGIN, Inches(4.2)),
            18,
        )
        note += f"表为报告{t['caption']}。{t['note']}"
    _notes(s, note)


def _advice(prs, ctx: dict) -> None:
    s = prs.slides.add_slide(prs.slide_layouts[6])
    _title(s, "对策建议（待填写）")
    items = _summary_items(ctx, "对策建议") or ["（请结合调查发现和原因分析填写。）"]
    text = "\n".join(f"{i}. {t}" for i, t in enumerate(items, start=1))
    text_box(s, (MARGIN, Inches(1.5), WIDTH - 2 * MARGIN, Inches(4.2)), text, 24)
    text_box(
        s,
        (MARGIN, Inches(6.2), WIDTH - 2 * MARGIN, Inches(0.6)),
        "请结合原因分析，逐条写明措施、责任单位和完成时限。",
        16,
        color=GREY,
    )
    _notes(s, "对策建议由撰写人填写，工具不代拟措施。问题的数据依据见前面各页和报告第五部分。")


def write_slides(ctx: dict, charts_root: str | Path, path: str | Path) -> Path:
    """Write the 成果交流 slides of the report model ``ctx`` (its chart paths relative to
    ``charts_root``, the report's folder) to ``path`` atomically; returns the path."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    root = Path(charts_root)
    _cover(prs, ctx)
    _overview(prs, ctx)
    _conclusions(prs, ctx, root)
    _problems(prs, ctx)
    _waves(prs, ctx)
    _progress(prs, ctx)
    _advice(prs, ctx)
    return write_atomic(path, lambda tmp: prs.save(str(tmp)))


__all__ = ["fit_size", "lines_needed", "table", "text_box", "write_slides"]
