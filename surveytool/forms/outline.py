"""The interview or workshop outline (座谈提纲 / 访谈提纲 / 研讨提纲) as a 公文-style Word file.

Built from the bank's themes (:func:`surveytool.bank.interview.themes`): the purpose, a
consent and confidentiality paragraph the moderator reads out, a time plan, each theme with
its open prompts and probes, and a note-taking sheet (记录表) whose header and theme headings
are exactly what ``surveytool notes`` reads back.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Pt

from surveytool import docstyle
from surveytool.atomic import write_atomic
from surveytool.bank.interview import Theme, themes
from surveytool.bank.model import Bank
from surveytool.docstyle import BODY_PT, KAI_FONT, TABLE_FONT, TABLE_PT, TITLE_FONT, cn, set_font
from surveytool.errors import UsageError, os_detail, problem

KINDS = ("座谈", "访谈", "研讨")
KIND_NAMES = {"座谈": "集中座谈", "访谈": "个别访谈", "研讨": "结构化研讨"}
MINUTES = {"座谈": 90, "访谈": 50, "研讨": 120}  # total time of one session
OPENING, CLOSING = 10, 10
THEME_MARK = "【主题】"  # how a theme heading is written on the note-taking sheet
HEADER_KEYS = ("日期", "形式", "单位类型", "参加人数", "地点")


def outline_title(bank: Bank, kind: str) -> str:
    """``青年科技工作者科研负担与创新环境座谈提纲``."""
    core = bank.title.removesuffix("调查问卷").removesuffix("问卷").removeprefix("柳州市")
    return f"{core}{kind}提纲"


def consent_text(kind: str, k: int = 5) -> str:
    """The consent and confidentiality paragraph read out before a session starts."""
    who = "参加人员" if kind != "访谈" else "受访人"
    return (
        f"本次{KIND_NAMES[kind]}自愿参加，{who}可以随时退出，也可以不回答任何一个问题。"
        "记录只写观点和事例，不记姓名、电话、身份证号等个人信息；记录中偶有出现的，"
        "在存入数据库前一律隐去。发言内容只用于汇总分析，调研报告引用原话时不注明发言人，"
        f"参加人数少于 {k} 人的场次不引用原话。录音须经全体在场人员同意，整理记录后删除。"
    )


def time_plan(kind: str, count: int) -> list[tuple[str, int]]:
    """(part, minutes) rows: opening, each theme (whole 5-minute steps), closing."""
    per = max(5, (MINUTES[kind] - OPENING - CLOSING) // max(count, 1) // 5 * 5)
    return (
        [("开场：介绍目的，宣读知情同意与保密说明", OPENING)]
        + [(f"主题{i}", per) for i in range(1, count + 1)]
        + [("总结与补充：请参加人员补充未谈到的问题", CLOSING)]
    )


class _Doc:
    """A 公文-style document being written."""

    def __init__(self) -> None:
        self.doc = Document()
        docstyle.page(self.doc)
        docstyle.styles(self.doc)

    def title(self, text: str, subtitle: str) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing = Pt(36)
        set_font(p.add_run(text), TITLE_FONT, 22)
        q = self.doc.add_paragraph()
        q.alignment = WD_ALIGN_PARAGRAPH.CENTER
        set_font(q.add_run(subtitle), KAI_FONT, BODY_PT)

    def heading(self, text: str, level: int) -> None:
        self.doc.add_heading(text, level=level)

    def para(self, text: str, indent: bool = True, size: float | None = None) -> None:
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
        run = p.add_run(text)
        if size:
            set_font(run, KAI_FONT, size)
            p.paragraph_format.line_spacing = Pt(size * 1.7)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        t = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, values in enumerate([header, *rows]):
            for c, value in enumerate(values):
                p = t.rows[r].cells[c].paragraphs[0]
                p.paragraph_format.first_line_indent = Pt(0)
                p.paragraph_format.line_spacing = Pt(TABLE_PT * 1.6)
                set_font(p.add_run(str(value)), TABLE_FONT, TABLE_PT + 1.5, bold=r == 0)
        docstyle.three_lines(t)
        docstyle.repeat_header(t)

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _themes_part(d: _Doc, found: list[Theme]) -> None:
    d.heading("四、讨论提纲", 1)
    for i, t in enumerate(found, start=1):
        d.heading(f"（{cn(i)}）{t.name}", 2)
        for j, prompt in enumerate(t.prompts, start=1):
            d.para(f"{j}. {prompt}")
        if t.probes:
            d.para("追问：" + " ".join(t.probes), size=BODY_PT - 2)


def _record_sheet(d: _Doc, kind: str, found: list[Theme]) -> None:
    """The note-taking sheet: the header lines and one heading per theme, as read back by
    ``surveytool notes``."""
    d.page_break()
    d.heading(f"五、{kind}记录表", 1)
    d.para(
        "请记录人在每个冒号后填写，保留各主题标题，在标题下逐条记录观点和事例；不写姓名、"
        "电话。一场一份，整理后另存为 .docx 或 .txt，用 surveytool notes 导入。",
        size=BODY_PT - 2,
    )
    hints = {
        "日期": "（如 2026-05-12）",
        "形式": f"{kind}",
        "单位类型": "（如 高等院校、医院）",
        "参加人数": "（数字，不含主持人和记录人）",
        "地点": "（可不填）",
    }
    for key in HEADER_KEYS:
        d.para(f"{key}：{hints[key]}", indent=False)
    for t in found:
        d.para(f"{THEME_MARK}{t.name}", indent=False)
        d.para("", indent=False)
    d.para(f"{THEME_MARK}其他", indent=False)


def write_outline(bank: Bank, path: str | Path, kind: str = "座谈", k: int = 5) -> Path:
    """Write the outline of ``bank`` for a session of ``kind`` (座谈, 访谈 or 研讨) to
    ``path``; returns the path. Raises UsageError for an unknown kind or an unwritable path."""
    if kind not in KINDS:
        raise UsageError(
            problem(
                "bad_option_value",
                option="--kind",
                value=kind,
                what="形式",
                rule="座谈、访谈或研讨",
            )
        )
    found = themes(bank)
    d = _Doc()
    d.title(outline_title(bank, kind), f"（供{KIND_NAMES[kind]}主持人和记录人使用）")
    d.heading("一、目的", 1)
    d.para(
        f"围绕《{bank.title}》的 {len(found)} 个主题，通过{KIND_NAMES[kind]}了解实际情况、"
        "主要问题和意见建议，与问卷调查的结果相互印证，为形成调研报告和问题清单提供依据。"
    )
    d.heading("二、知情同意与保密说明（开始前由主持人宣读）", 1)
    d.para(consent_text(kind, k))
    d.heading("三、时间安排", 1)
    plan = time_plan(kind, len(found))
    rows = [
        [part if not part.startswith("主题") else f"{part}：{found[i - 1].name}", f"{m} 分钟"]
        for i, (part, m) in enumerate(plan)
    ]
    d.table(["环节", "时间"], [*rows, ["合计", f"{sum(m for _, m in plan)} 分钟"]])
    _themes_part(d, found)
    _record_sheet(d, kind, found)
    try:
        return write_atomic(path, lambda tmp: d.doc.save(str(tmp)))
    except OSError as exc:
        raise UsageError(
            problem("output_not_writable", path=str(path), detail=os_detail(exc))
        ) from None


__all__ = ["KINDS", "THEME_MARK", "consent_text", "outline_title", "write_outline"]
