"""The campaign status as a workbook: 回收进度 (units below target highlighted) and 时间节点."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from surveytool.forms import save_atomic
from surveytool.forms.xlsx import BODY_FONT, a4, fit_row_heights, literal_cell

BELOW = PatternFill("solid", fgColor="FCE4D6")
COVERAGE = [
    ("topic", "选题"),
    ("title", "选题名称"),
    ("unit", "单位"),
    ("population", "总体人数"),
    ("target", "目标份数"),
    ("received", "已回收"),
    ("percent", "完成率（%）"),
    ("response_rate", "应答率（%）"),
    ("moe", "抽样误差（±%）"),
    ("note", "说明"),
]
WIDE = {"title": 30, "unit": 20, "note": 30, "milestone": 36, "topic_names": 24}
MILESTONES = [
    ("milestone", "时间节点"),
    ("due", "时限"),
    ("days_left", "剩余天数"),
    ("state", "状态"),
]


def _sheet(wb: Workbook, title: str, frame: pd.DataFrame, columns, highlight=None) -> None:
    ws = wb.create_sheet(title)
    ws.append([literal_cell(ws, label) for _, label in columns])
    for c in ws[1]:
        c.font = Font(name=BODY_FONT, bold=True)
    for row in frame.to_dict(orient="records"):
        values = []
        for key, _ in columns:
            v = row.get(key)
            if key == "moe" and v == v and v is not None:
                v = round(v * 100, 1)
            elif key in ("percent", "response_rate") and v is not None and v == v:
                v = round(v, 1)
            values.append(None if v != v else v)
        ws.append(values)
        if highlight and row.get(highlight):
            for c in ws[ws.max_row]:
                c.fill = BELOW
    wrap = Alignment(wrap_text=True, vertical="top")
    for col, (key, _) in zip(ws.columns, columns, strict=True):
        ws.column_dimensions[col[0].column_letter].width = WIDE.get(key, 12)
        for c in col[1:]:
            c.alignment = wrap
    ws.freeze_panes = "A2"
    a4(ws, "1:1", landscape=True)  # narrows the columns to the page: before the heights
    fit_row_heights(ws)


METHODS = [
    ("topic", "选题"),
    ("title", "选题名称"),
    ("returns", "问卷有效答卷"),
    ("座谈", "座谈（场）"),
    ("访谈", "访谈（次）"),
    ("研讨", "研讨（场）"),
    ("participants", "座谈访谈人数"),
    ("delphi_rounds", "专家咨询轮次"),
    ("experts", "最后一轮专家数"),
    ("visits", "实地察看（次）"),
]


BURDEN = [
    ("unit", "单位"),
    ("topics", "调研它的选题数"),
    ("topic_names", "选题"),
    ("questionnaires", "问卷（份）"),
    ("responses", "目标填答（人次）"),
    ("sessions", "座谈走访（场）"),
    ("minutes", "填答时间合计（分钟）"),
]


def write_status(
    coverage: pd.DataFrame,
    milestones: pd.DataFrame,
    path: str | Path,
    methods: pd.DataFrame | None = None,
    burden: tuple[pd.DataFrame, list[str]] | None = None,
) -> Path:
    """Write the status workbook (回收进度, 调研方法 when ``methods`` is given, 调研负担 with
    its warnings when ``burden`` is, 时间节点); returns its path."""
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "回收进度", coverage, COVERAGE, highlight="below_target")
    if methods is not None:
        _sheet(wb, "调研方法", methods, METHODS)
    if burden is not None:
        load, warnings = burden
        _sheet(wb, "调研负担", load, BURDEN, highlight="warning")
        ws = wb["调研负担"]
        for w in warnings:
            ws.append([literal_cell(ws, f"▲ {w}")])
    _sheet(wb, "时间节点", milestones, MILESTONES)
    return save_atomic(wb, path)
