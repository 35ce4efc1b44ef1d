"""The expert consultation form (专家咨询表) of one Delphi round, as an .xlsx on one sheet.

The sheet holds everything ``surveytool delphi ingest`` reads back: a hidden marker row (the
round, the expert code and the scale), the expert's profile (code, field, years, 熟悉程度 and
the four 判断依据 of the authority coefficient) and the item table (编号, 条目, the importance
rating on the round's scale, 1–5 by default, optionally feasibility, a comment). A round-2+
form is written per expert and also shows each item's mean of the round before and the
expert's own rating then. Answer cells are cream, dropdowns restrict the profile, the rest is
protected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openpyxl.styles import Alignment
from openpyxl.worksheet.datavalidation import DataValidation

from surveytool.forms import save_atomic
from surveytool.forms.delphi_scale import Scale
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
    number_validation,
    protect,
    text_cell,
    workbook,
)

MARKER = "surveytool-delphi"
SHEET = "专家咨询表"
SCALE_TOP = 5
SCALE_WORDS = Scale().words
PROFILE = [
    ("专家编号", None),
    ("专业领域", None),
    ("从事本领域工作年限", None),
    ("对咨询内容的熟悉程度", ("很熟悉", "熟悉", "一般", "不太熟悉", "很不熟悉")),
    ("判断依据：实践经验", ("大", "中", "小")),
    ("判断依据：理论分析", ("大", "中", "小")),
    ("判断依据：参考国内外文献", ("大", "中", "小")),
    ("判断依据：直观感觉", ("大", "中", "小")),
]
ITEM_HEADER = "编号"
LABEL_HEADER = "条目"
IMPORTANCE = "重要性（1～5）"
FEASIBILITY = "可行性（1～5）"
IMPORTANCE_PREFIX = "重要性"
FEASIBILITY_PREFIX = "可行性"
COMMENT = "意见或修改建议"
PREVIOUS_MEAN = "上一轮均值"
OWN_PREVIOUS = "您上一轮的评分"

# The expert's authority (Cr = (Ca + Cs) / 2): the basis-of-judgement weights by level and the
# familiarity coefficients, as the profile questions of the form ask them; used by ingest
# (checking answers) and analysis (the coefficients).
BASES = ("实践经验", "理论分析", "参考国内外文献", "直观感觉")
LEVELS = ("大", "中", "小")
CA_WEIGHTS = {
    "实践经验": (0.5, 0.4, 0.3),
    "理论分析": (0.3, 0.2, 0.1),
    "参考国内外文献": (0.1, 0.1, 0.1),
    "直观感觉": (0.1, 0.1, 0.1),
}
FAMILIARITY = {"很熟悉": 1.0, "熟悉": 0.8, "一般": 0.6, "不太熟悉": 0.4, "很不熟悉": 0.2}


def ca_of(bases: dict[str, str]) -> float | None:
    """The basis-of-judgement coefficient of one expert: the weights of the level (大/中/小)
    chosen for each of the four bases, summed; None unless all four were answered."""
    if any(bases.get(b) not in LEVELS for b in BASES):
        return None
    return round(sum(CA_WEIGHTS[b][LEVELS.index(bases[b])] for b in BASES), 10)


def cs_of(familiarity: str | None) -> float | None:
    """The familiarity coefficient of one expert (None when not answered)."""
    return FAMILIARITY.get(familiarity or "")


BASIS_NOTE = (
    "判断依据：您对这些条目作出判断时，分别在多大程度上依据“实践经验”“理论分析”“参考国内外文献”"
    "“直观感觉”，请各选“大”“中”“小”。例如主要凭多年工作经验判断，则“实践经验”选“大”；"
    "很少参考文献，则“参考国内外文献”选“小”。判断依据和熟悉程度只用于计算专家意见的权威程度。"
)


def form_title(rnd: int, subject: str | None = None) -> str:
    """「关于青年科技工作者减负的专家咨询表（第 1 轮）」, or without a subject
    「专家咨询表（第 1 轮）」."""
    head = f"关于{subject}的专家咨询表" if subject else "专家咨询表"
    return f"{head}（第 {rnd} 轮）"


@dataclass(frozen=True)
class DelphiItem:
    """One item experts rate: an id, its label, and the problem key when it came from the
    lists (so its priority can go back to the right row)."""

    id: str
    label: str
    key: str | None = None


def _profile(ws, row: int, expert: str | None) -> int:
    text_cell(ws, f"A{row}", "一、专家基本情况（不填写姓名）", FONT_BOLD).fill = FILL_SECTION
    ws.merge_cells(f"A{row}:F{row}")
    for label, choices in PROFILE:
        row += 1
        text_cell(ws, f"A{row}", label)
        ws.merge_cells(f"A{row}:B{row}")
        cell = ws[f"C{row}"]
        ws.merge_cells(f"C{row}:D{row}")
        cell.fill, cell.protection, cell.border = FILL_ANSWER, UNLOCKED, BOX
        if label == "专家编号" and expert:
            text_cell(ws, f"C{row}", expert)
            cell.fill, cell.protection = FILL_HEADER, UNLOCKED
        if choices:
            dv = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
            )
            dv.error, dv.errorTitle, dv.showErrorMessage = (
                f"请选择：{'、'.join(choices)}。",
                label,
                True,
            )
            dv.add(f"C{row}")
            ws.add_data_validation(dv)
        if label.endswith("年限"):
            dv = number_validation(
                0, 70, True, label, "填写整数年数", "请填写 0～70 之间的整数年数。"
            )
            dv.add(f"C{row}")
            ws.add_data_validation(dv)
    return row + 2


def rating_header(prefix: str, scale: Scale) -> str:
    """The title of a rating column, e.g. ``重要性（1～5）``."""
    return f"{prefix}（{scale.span}）"


def _item_header(feasibility: bool, previous: bool, scale: Scale) -> list[str]:
    header = [ITEM_HEADER, LABEL_HEADER]
    if previous:
        header += [PREVIOUS_MEAN, OWN_PREVIOUS]
    header.append(rating_header(IMPORTANCE_PREFIX, scale))
    if feasibility:
        header.append(rating_header(FEASIBILITY_PREFIX, scale))
    return [*header, COMMENT]


def write_delphi_form(
    items: list[DelphiItem],
    path: str | Path,
    rnd: int = 1,
    *,
    expert: str | None = None,
    feasibility: bool = False,
    previous: dict[str, tuple[float | None, float | None]] | None = None,
    scale: Scale | None = None,
    subject: str | None = None,
    deadline: str | None = None,
) -> Path:
    """Write the form of round ``rnd`` to ``path``; returns the path. ``expert`` pre-fills
    the expert code; ``previous`` (item -> (last round's mean, this expert's rating then))
    adds the two feedback columns of a round-2+ form; ``scale`` is the rating range (1–5
    when not given), written in the hidden marker row so ingest can check it. ``subject``
    names what is consulted on in the title (关于…的专家咨询表), ``deadline`` the date to
    send it back by (a blank date to fill in by hand when not given)."""
    scale = scale or Scale()
    wb = workbook()
    ws = wb.active
    ws.title = SHEET
    header = _item_header(feasibility, previous is not None, scale)
    last = chr(ord("A") + len(header) - 1)
    text_cell(ws, "A1", form_title(rnd, subject), FONT_TITLE)
    ws.merge_cells(f"A1:{last}1")
    intro = (
        "尊敬的专家：感谢您参加本次咨询。请在浅黄色单元格中填写。"
        f"请对每个条目的重要性按 {scale.span} 分评分（{scale.words}），"
        + ("并评价其可行性；" if feasibility else "")
        + "有修改意见请写在最后一列。"
        + (
            "第 2 轮起列出了上一轮全体专家的均值和您本人上一轮的评分，供您参考后重新评分。"
            if previous
            else ""
        )
        + "您的回答只用于汇总统计，不填写姓名。"
        + f"请于{deadline or '　　　　年　　月　　日'}前填写完毕并发回。\n"
        + BASIS_NOTE
    )
    text_cell(ws, "A2", intro, FONT_SMALL).alignment = WRAP
    ws.merge_cells(f"A2:{last}2")
    ws.row_dimensions[2].height = 112
    marker = (MARKER, str(rnd), expert or "", str(len(items)), str(scale))
    for col, value in enumerate(marker, start=1):
        ws.cell(3, col).value = value
    ws.row_dimensions[3].hidden = True
    row = _profile(ws, 5, expert)
    text_cell(ws, f"A{row}", "二、条目评分", FONT_BOLD).fill = FILL_SECTION
    ws.merge_cells(f"A{row}:{last}{row}")
    row += 1
    first = row
    for col, title in enumerate(header, start=1):
        cell = ws.cell(row, col)
        text_cell(ws, cell.coordinate, title, FONT_BOLD).fill = FILL_HEADER
        cell.alignment, cell.border = CENTER, BOX
    _items(ws, items, header, row, previous)
    _rating_validation(ws, header, first + 1, first + len(items), scale)
    for col, width in zip("ABCDEFG", (8, 40, 12, 12, 12, 12, 30), strict=False):
        ws.column_dimensions[col].width = width
    ws.column_dimensions[last].width = 30
    ws.freeze_panes = f"A{first + 1}"
    protect(ws)
    a4(ws, f"{first}:{first}")
    return save_atomic(wb, path)


def _items(ws, items, header, row, previous) -> None:
    for item in items:
        row += 1
        values = {ITEM_HEADER: item.id, LABEL_HEADER: item.label}
        if previous is not None:
            mean, own = previous.get(item.id, (None, None))
            values[PREVIOUS_MEAN] = f"{mean:.2f}" if mean is not None else "—"
            values[OWN_PREVIOUS] = f"{own:g}" if own is not None else "—"
        for col, title in enumerate(header, start=1):
            cell = ws.cell(row, col)
            cell.border = BOX
            if title in values:
                text_cell(ws, cell.coordinate, values[title])
            else:
                cell.fill, cell.protection = FILL_ANSWER, UNLOCKED
            cell.alignment = (
                WRAP
                if title in (LABEL_HEADER, COMMENT)
                else Alignment(horizontal="center", vertical="top")
            )


def _rating_validation(ws, header, first, last, scale: Scale) -> None:
    for title in header:
        if not title.startswith((IMPORTANCE_PREFIX, FEASIBILITY_PREFIX)):
            continue
        col = chr(ord("A") + header.index(title))
        dv = number_validation(
            scale.low,
            scale.high,
            True,
            title,
            f"{scale.span} 的整数",
            f"请填写 {scale.span} 的整数（{scale.words}）。",
        )
        dv.add(f"{col}{first}:{col}{max(last, first)}")
        ws.add_data_validation(dv)


__all__ = [
    "COMMENT",
    "FEASIBILITY",
    "FEASIBILITY_PREFIX",
    "IMPORTANCE",
    "IMPORTANCE_PREFIX",
    "MARKER",
    "PROFILE",
    "DelphiItem",
    "rating_header",
    "write_delphi_form",
]
