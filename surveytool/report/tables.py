"""The detailed per-question tables of the appendix (附表), one per reportable question.

A table is ``{"caption", "header", "rows", "note"}``; its note states the base (作答人数), how
many chose 不清楚/不适用 (not in the base) and what was hidden to protect small groups.
Ordered scales are listed in scale order; unordered options by count, with 其他 and
"none"/"don't know" options last.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from surveytool.analysis import Results, Survey
from surveytool.bank.model import Question
from surveytool.report import sentences as say
from surveytool.report.numbering import Numbering


def f1(x: float) -> str:
    """One decimal, ``—`` for a missing value."""
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.1f}"


def f2(x: float) -> str:
    """Two decimals, ``—`` for a missing value."""
    return "—" if x is None or np.isnan(x) else f"{x:.2f}"


def count(n: float, hidden: bool, k: int) -> str:
    """A count as shown: ``少于 5`` (or ``—`` when a larger count is hidden to protect a
    small one) for a suppressed cell."""
    if hidden:
        return f"少于 {k}" if 0 < n < k else "—"
    return str(int(n))


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that may be shown (suppressed cells left out)."""
    return frame[~frame["suppressed"].astype(bool)] if "suppressed" in frame else frame


def display_order(frame: pd.DataFrame, q: Question) -> pd.DataFrame:
    """Rows of one question's options as a reader expects them: a named scale in scale
    order; unordered options by count, then 其他, then "none" and 不清楚-type options."""
    flags = {o.code: (o.none, o.missing) for o in q.options}
    last = frame["option"].map(
        lambda c: (
            3 if flags.get(int(c), (False, False))[1] else 2 if flags.get(int(c), (0, 0))[0] else 0
        )
    )
    if "dont_know" in frame:
        last = last.where(~frame["dont_know"].astype(bool), 3)
    if q.other and q.other_code is not None:
        last = last.where(frame["option"] != q.other_code, 1)
    if q.scale:
        return frame.assign(_last=last).sort_values(["_last", "option"]).drop(columns="_last")
    return (
        frame.assign(_last=last, _n=-frame["n"])
        .sort_values(["_last", "_n", "option"], kind="stable")
        .drop(columns=["_last", "_n"])
    )


def hidden_note(frame: pd.DataFrame, k: int) -> str:
    """The note for a table with suppressed cells ("" when none)."""
    if "suppressed" not in frame or not frame["suppressed"].any():
        return ""
    return (
        f"少于 {k} 人选择的选项不报告人数和比例；为防止用合计倒推，"
        "必要时另隐藏一项（表中记为“—”）。"
    )


def base_note(valid: int, missing: int = 0, dont_know: int = 0, k: int = 5) -> str:
    """``注：百分比以作答的 312 人为基数；另有 5 人未作答，12 人选择“不清楚”，未计入。``"""
    note = f"注：百分比以作答的 {valid} 人为基数"
    extra = []
    if missing > 0:
        extra.append(f"{missing} 人未作答")
    if dont_know > 0:
        extra.append(
            f"{dont_know} 人选择“不清楚/不适用”一类选项"
            if dont_know >= k
            else "少数人选择“不清楚/不适用”一类选项"
        )
    return note + (f"；另有{'，'.join(extra)}，未计入" if extra else "") + "。"


def _notes(frame: pd.DataFrame, k: int) -> str:
    row = frame.iloc[0]
    dk = int(row.get("dont_know_n", 0) or 0)
    return base_note(int(row["valid"]), int(row["missing"]), dk, k)


def single_table(q: Question, r: Results, num: Numbering) -> dict | None:
    """附表 of a single-choice question."""
    f = r.frequencies[r.frequencies["field"] == q.id]
    if f.empty or int(f["valid"].iloc[0]) < r.k:
        return None
    rows = [
        [lab, count(c, h, r.k), "—" if h or dk else f1(p)]
        for lab, c, p, h, dk in display_order(f, q)[
            ["label", "n", "percent", "suppressed", "dont_know"]
        ].itertuples(index=False)
    ]
    note = _notes(f, r.k) + hidden_note(f, r.k)
    return num.table(q.text, ["选项", "人数", "比例（%）"], rows, note)


def multi_table(q: Question, r: Results, num: Numbering) -> dict | None:
    """附表 of a multiple-choice question (SPSS multiple response)."""
    m = r.multi[r.multi["question"] == q.id]
    if m.empty or int(m["valid"].iloc[0]) < r.k:
        return None
    rows = [
        [lab, count(c, h, r.k), "—" if h or dk else f1(p), "—" if h or dk else f1(pr)]
        for lab, c, p, pr, h, dk in display_order(m, q)[
            ["label", "n", "percent", "percent_responses", "suppressed", "dont_know"]
        ].itertuples(index=False)
    ]
    note = _notes(m, r.k) + "多选题，占回答者比例合计可超过 100%。" + hidden_note(m, r.k)
    header = ["选项", "人数", "占回答者比例（%）", "占选择次数比例（%）"]
    return num.table(q.text, header, rows, note)


def _shown_value(frame: pd.DataFrame, row: str, col: str) -> float:
    """``frame.loc[row, col]``, or NaN where its ``col_suppressed`` flag says it would give
    hidden cells away (see analysis.disclosure.likert_derived)."""
    flag = f"{col}_suppressed"
    if flag in frame.columns and bool(frame.loc[row, flag]):
        return np.nan
    return float(frame.loc[row, col])


def likert_table(q: Question, s: Survey, r: Results, num: Numbering) -> dict | None:
    """附表 of a likert battery: distribution per item (scale order), mean, agreement."""
    ids = [i.id for i in q.items]
    f = r.frequencies[r.frequencies["field"].isin(ids)]
    lk = r.likert[r.likert["field"].isin(ids)].set_index("field")
    n = int(lk["n"].max()) if len(lk) else 0
    if n < r.k:
        return None
    scale = [o for o in s.bank.scales[q.scale or ""] if not o.missing]
    header = ["题项", *(o.label for o in scale), "均值", f"选{scale[-2].label}及以上（%）"]
    rows = []
    for i in q.items:
        dist = f[f["field"] == i.id].set_index("option")
        rows.append(
            [
                i.text + ("（反向表述）" if i.reverse else ""),
                *(
                    "—"
                    if o.code in dist.index and dist.loc[o.code, "suppressed"]
                    else f1(dist["percent"].get(o.code, np.nan))
                    for o in scale
                ),
                f2(_shown_value(lk, i.id, "mean")),
                f1(_shown_value(lk, i.id, "top2_percent")),
            ]
        )
    dk = int(f["dont_know_n"].max()) if "dont_know_n" in f and len(f) else 0
    note = f"注：各列为比例（%），基数为作答的 {n} 人；均值按 1～{len(scale)} 分计算。"
    if dk:
        note += "选择“不清楚/不适用”的回答未计入比例和均值。"
    note += hidden_note(f, r.k).replace("选择的选项不报告人数和比例", "选择的类别不报告比例")
    if any(row[-2] == "—" or row[-1] == "—" for row in rows):
        note += "含有隐藏类别的题项，凡能据以倒推出隐藏人数的均值或比例也记为“—”。"
    return num.table(q.text, header, rows, note)


def number_table(q: Question, s: Survey, r: Results, num: Numbering) -> dict | None:
    """附表 of a number question (quartiles and 5th–95th percentiles, one method: SPSS
    HAVERAGE, R type 6)."""
    from surveytool.analysis.descriptive import quantiles

    row = r.numeric[r.numeric["field"] == q.id].iloc[0].to_dict()
    n = int(row["n"])
    if n < r.k:
        return None
    u = f"（{q.unit}）" if q.unit else ""
    x = s.values(q.id)
    x = x[s.shown(q) & ~np.isnan(x)]
    p5, p95 = quantiles(x, [0.05, 0.95])
    rows = [
        [
            str(n),
            f"{row['mean']:.2f}",
            f"{row['sd']:.2f}",
            say.num(row["median"]),
            f"{say.num(row['q1'])}～{say.num(row['q3'])}",
            f"{say.num(p5)}～{say.num(p95)}",
        ]
    ]
    header = ["人数", f"均值{u}", "标准差", "中位数", "四分位数", "第 5～95 百分位数"]
    note = (
        "注：百分位数（含四分位数）均按 SPSS（HAVERAGE）方法计算；偏离值已保留。"
        "为保护个人，不报告最小值和最大值（各只描述一个人）。"
    )
    return num.table(q.text, header, rows, note)


def rank_table(q: Question, r: Results, num: Numbering) -> dict | None:
    """附表 of a ranking question."""
    rk = r.ranking[r.ranking["question"] == q.id]
    if rk.empty or int(rk["valid"].iloc[0]) < r.k:
        return None
    rows = [
        [
            lab,
            count(f1_, h, r.k),
            "—" if h else f1(p),
            "—" if h or pd.isna(mr) else f"{mr:.2f}",
            count(c, h, r.k),
        ]
        for lab, f1_, p, mr, c, h in rk[
            ["label", "first_n", "percent", "mean_rank", "n", "suppressed"]
        ].itertuples(index=False)
    ]
    header = ["选项", "排第一位人数", "排第一位比例（%）", "平均名次", "被排序人数"]
    n = int(rk["valid"].iloc[0])
    note = f"注：排序题，基数为作答的 {n} 人；平均名次越小越重要。" + hidden_note(rk, r.k)
    return num.table(q.text, header, rows, note)


def question_table(q: Question, s: Survey, r: Results, num: Numbering) -> dict | None:
    """The 附表 of any reportable question (None for text, personal or grouping ones, and
    for questions answered by fewer than k people)."""
    if q.pii or q.role or q.type == "text":
        return None
    if q.type == "single":
        return single_table(q, r, num)
    if q.type == "multi":
        return multi_table(q, r, num)
    if q.type == "likert":
        return likert_table(q, s, r, num)
    if q.type == "number":
        return number_table(q, s, r, num)
    return rank_table(q, r, num)


def detail_blocks(s: Survey, r: Results, num: Numbering) -> list[dict]:
    """附录: a heading per bank section, then its questions' tables."""
    out: list[dict] = []
    for section in s.bank.sections:
        tables = [t for q in section.questions if (t := question_table(q, s, r, num))]
        if tables:
            out.append({"heading": section.title, "level": 3})
            out.extend({"table": t} for t in tables)
    return out
