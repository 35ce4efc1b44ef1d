"""An ad-hoc table (:class:`~surveytool.analysis.table.CrossTable`) as an .xlsx for people:
question texts and option labels (never ids), counts, percents with their 95% CIs, the test
in words, and the notes. Hidden figures read “<k”; nothing hidden is written anywhere."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from surveytool.analysis.run import blank_suppressed
from surveytool.forms import save_atomic
from surveytool.report.sentences import TEST_NAMES, p_text

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
EFFECT_NAMES = {
    "cramers_v": "Cramér's V",
    "rank_biserial": "秩双列相关 r",
    "epsilon_squared": "ε²",
}


def _fmt(x, digits: int = 1, suffix: str = "") -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return f"{x:.{digits}f}{suffix}"


def sentences_of_tests(t) -> list[str]:
    """The table's tests in Chinese, one line each (with the item for a multiple choice
    or battery)."""
    lines = []
    for row in t.tests.to_dict(orient="records"):
        item = f"{row['item_label']}：" if len(t.tests) > 1 and row.get("item_label") else ""
        kind = row.get("test") or ""
        if not kind:
            lines.append(item + (row.get("warning") or "未做检验。"))
            continue
        if kind == "rao_scott":
            text = (
                f"Rao–Scott 校正卡方检验（加权）：F = {row['F']:.3f}，自由度 {row['ndf']:.2f} 与 "
                f"{row['ddf']:.1f}，{p_text(row['p_value'])}"
            )
        elif kind in ("chi2", "fisher", "fisher_ffh"):
            text = f"Pearson 卡方检验：χ² = {row['chi2']:.3f}，自由度 {int(row['df'])}，"
            if kind == "fisher":
                text += f"Fisher 精确检验 {p_text(row['p_value'])}，比值比 {row['odds_ratio']:.2f}"
            elif kind == "fisher_ffh":  # sparse tables larger than 2x2 (once merged with main)
                text += f"Fisher–Freeman–Halton 精确检验 {p_text(row['p_value'])}"
            else:
                text += p_text(row["p_value"])
        else:
            text = f"{TEST_NAMES.get(kind, kind)}：统计量 {row['statistic']:.2f}，"
            if kind == "kruskal":
                text += f"自由度 {int(row['df'])}，"
            text += p_text(row["p_value"])
        effect = EFFECT_NAMES.get(row.get("effect") or "")
        if effect and row.get("effect_size") is not None and not math.isnan(row["effect_size"]):
            text += f"；效应量 {effect} = {row['effect_size']:.3f}"
        warning = row.get("warning") or ""
        lines.append(item + text + "。" + warning)
    return lines


def posthoc_sentences(s, t) -> list[str]:
    """Which groups differ, by the report's own post-hoc rule (``pairwise_sentence``: Dunn's
    Holm-adjusted pairs after Kruskal-Wallis, the two groups after Mann-Whitney), for each
    significant rank test of ``t`` (group means named only where the table shows them)."""
    from surveytool.report.comparisons import pairwise_sentence

    out = []
    if t.column is None or t.weighted:
        return out
    for row in t.tests.to_dict(orient="records"):
        if row.get("test") not in ("kruskal", "mannwhitney") or not row["p_value"] < 0.05:
            continue
        item = row.get("item") or t.row
        kind = "number" if t.row_kind in ("number",) else "ordinal"
        said = pairwise_sentence(
            s,
            {
                **row,
                "group_means": {int(k): v for k, v in row["group_means"].items()},
                **(
                    {"mean_ranks": {int(k): v for k, v in row["mean_ranks"].items()}}
                    if isinstance(row.get("mean_ranks"), dict)
                    else {}
                ),
                "group_means_suppressed": _withheld(t, item),
                "by": t.column,
                "field": item,
            },
            kind,
        )
        out.append((f"{row['item_label']}：" if len(t.tests) > 1 else "") + said)
    return out


def _withheld(t, item: str) -> bool:
    """Whether the table withholds the groups' means of ``item`` (or its cells)."""
    m = t.means
    if not m.empty and "mean_suppressed" in m:
        return bool(m.loc[m["item"] == item, "mean_suppressed"].any())
    c = t.cells
    return bool(not c.empty and (c["suppressed"].astype(bool) & (c["n"] > 0)).any())


def _title(t) -> str:
    title = t.row_title if not t.column else f"{t.row_title} × {t.column_title}"
    return title + (f"（筛选：{t.where}）" if t.where else "")


def write_table(t, path: Path) -> Path:
    """Write ``t`` to ``path`` (atomic; FormError when the file cannot be written)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "交叉表"
    ws.append([_title(t)])
    ws["A1"].font = Font(bold=True, size=13)
    weighted = "；按各单位人数加权" if t.weighted else ""
    ws.append([f"答卷 {t.n} 份；少于 {t.k} 人的数字不单独列出（记为 <{t.k}）{weighted}。"])
    if t.column and not t.cells.empty:
        ws.append([f"各行为“{t.row_title}”的回答，各列为按“{t.column_title}”分的组。"])
    ws.append([])
    if not t.cells.empty:
        _cells_block(ws, t)
    if not t.means.empty:
        _means_block(ws, t)
    ws.append([])
    for line in sentences_of_tests(t):
        ws.append([line])
    for note in t.notes:
        ws.append([note])
    ws.column_dimensions["A"].width = 36
    for col in "BCDEFGHIJKLMN":
        ws.column_dimensions[col].width = 24
    ws.page_setup.orientation = "landscape"  # printed: every column on one page width
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    return save_atomic(wb, path)


def _hidden(t, row: dict, key: str) -> bool:
    return row.get(key) is None or (isinstance(row[key], float) and math.isnan(row[key]))


def _cells_block(ws, t) -> None:
    cells = blank_suppressed(t.cells)
    groups = list(dict.fromkeys(cells["column_label"]))
    rows = list(dict.fromkeys(cells["row_label"]))
    by = {(r["row_label"], r["column_label"]): r for r in cells.to_dict(orient="records")}
    blocks = [("人数", "n", 0, "")]
    blocks.append(("占本列的百分比（95% 置信区间）", "column_percent", 1, "%"))
    if "row_percent" in cells:
        blocks.append(("占本行的百分比", "row_percent", 1, "%"))
    if t.weighted:
        blocks.append(("加权百分比（95% 置信区间）", "w_percent", 1, "%"))
    for caption, key, digits, suffix in blocks:
        ws.append([caption, *groups])
        for c in ws[ws.max_row]:
            c.font = BOLD
        for label in rows:
            line = [label]
            for g in groups:
                r = by.get((label, g), {})
                if _hidden(t, r, key):
                    line.append(f"<{t.k}" if r.get("suppressed") else "")
                    continue
                if not digits:
                    line.append(int(r[key]))
                    continue
                text = _fmt(r[key], digits, suffix)
                low, high = {"column_percent": ("ci_low", "ci_high")}.get(
                    key, ("w_ci_low", "w_ci_high") if key == "w_percent" else (None, None)
                )
                if low and not _hidden(t, r, low):
                    text += f"（{_fmt(r[low])}–{_fmt(r[high])}）"
                line.append(text)
            ws.append(line)
        if key == "n":
            totals = {r["column_label"]: r["column_total"] for r in by.values()}
            ws.append(["合计", *[_total(totals.get(g), t.k) for g in groups]])
        ws.append([])


def _total(n, k: int):
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return f"<{k}"
    return int(n)


def _means_block(ws, t) -> None:
    means = blank_suppressed(t.means)
    cols = [("n", "人数", 0), ("mean", "平均值", 2), ("sd", "标准差", 2), ("median", "中位数", 1)]
    if t.weighted:
        cols += [("w_mean", "加权平均值", 2), ("se", "标准误", 2), ("deff", "设计效应", 2)]
    ws.append(["题目", "分组", *[c[1] for c in cols]])
    for c in ws[ws.max_row]:
        c.font = BOLD
    for r in means.to_dict(orient="records"):
        line = [r["item_label"], r["column_label"]]
        for key, _, digits in cols:
            v = r.get(key)
            if v is None or (isinstance(v, float) and math.isnan(v)) or pd.isna(v):
                line.append(f"<{t.k}" if key == "n" or r.get("suppressed") else "—")
            else:
                line.append(int(v) if digits == 0 else round(float(v), digits))
        ws.append(line)
