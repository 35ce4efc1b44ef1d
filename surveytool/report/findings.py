"""主要发现: one block per question — a table, a chart and drafted sentences.

A block is a plain dict the templates and the Word writer read:
``{"heading", "sentences": [...], "table": {...} | None, "figure": {...} | None}``;
a table is ``{"caption", "header", "rows", "note"}``, a figure ``{"caption", "path"}``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from surveytool.analysis import Results, Survey
from surveytool.analysis.descriptive import histogram
from surveytool.bank.model import Question
from surveytool.charts import figures
from surveytool.report import sentences as say
from surveytool.report.numbering import Numbering


def _f1(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.1f}"


def _f2(x: float) -> str:
    return "—" if np.isnan(x) else f"{x:.2f}"


def _count(n: float, hidden: bool, k: int) -> str:
    """A count as shown: ``少于 5`` (or ``—`` when a larger count is hidden to protect a
    small one) for a suppressed cell."""
    if hidden:
        return f"少于 {k}" if 0 < n < k else "—"
    return str(int(n))


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that may be shown (suppressed cells left out)."""
    return frame[~frame["suppressed"].astype(bool)] if "suppressed" in frame else frame


def hidden_note(frame: pd.DataFrame, k: int) -> str:
    """The note for a table or chart with suppressed cells ("" when none)."""
    if "suppressed" not in frame or not frame["suppressed"].any():
        return ""
    return (
        f"少于 {k} 人选择的选项不报告人数和比例；为防止用合计倒推，"
        "必要时另隐藏一项（表中记为“—”）。"
    )


def base_note(base: int, valid: int) -> str:
    """``注：基数为作答的 312 人；另有 5 人未作答，18 人按跳题规则未回答本题。``"""
    note = f"注：百分比以作答的 {valid} 人为基数"
    extra = []
    if base > valid:
        extra.append(f"{base - valid} 人未作答")
    return note + (f"；另有{'，'.join(extra)}" if extra else "") + "。"


def single_block(q: Question, r: Results, num: Numbering) -> dict:
    """A single-choice question."""
    f = r.frequencies[r.frequencies["field"] == q.id]
    n, base = int(f["valid"].iloc[0]), int(f["base"].iloc[0])
    block = {
        "heading": q.text,
        "table": None,
        "figure": None,
        "sentences": [
            say.choice(
                list(zip(_shown(f)["label"], _shown(f)["percent"].fillna(0), strict=True)),
                n,
                base,
                r.k,
                hidden=len(f) - len(_shown(f)),
            )
        ],
    }
    if n < r.k:
        return block
    rows = [
        [lab, _count(c, h, r.k), "—" if h else _f1(p)]
        for lab, c, p, h in f.sort_values(["n", "option"], ascending=[False, True])[
            ["label", "n", "percent", "suppressed"]
        ].itertuples(index=False)
    ]
    note = base_note(base, n) + hidden_note(f, r.k)
    block["table"] = num.table(q.text, ["选项", "人数", "比例（%）"], rows, note)
    block["figure"] = num.figure(figures.single_choice(_shown(f), q.text), q.text)
    return block


def multi_block(q: Question, r: Results, num: Numbering) -> dict:
    """A multiple-choice question (SPSS multiple response)."""
    m = r.multi[r.multi["question"] == q.id]
    n, base = int(m["valid"].iloc[0]), int(m["base"].iloc[0])
    block = {
        "heading": q.text,
        "table": None,
        "figure": None,
        "sentences": [
            say.choice(
                list(zip(_shown(m)["label"], _shown(m)["percent"].fillna(0), strict=True)),
                n,
                base,
                r.k,
                multi=True,
                hidden=len(m) - len(_shown(m)),
            )
        ],
    }
    if n < r.k:
        return block
    rows = [
        [lab, _count(c, h, r.k), "—" if h else _f1(p), "—" if h else _f1(pr)]
        for lab, c, p, pr, h in m[
            ["label", "n", "percent", "percent_responses", "suppressed"]
        ].itertuples(index=False)
    ]
    block["table"] = num.table(
        q.text,
        ["选项", "人数", "占回答者比例（%）", "占选择次数比例（%）"],
        rows,
        base_note(base, n) + "多选题，占回答者比例合计可超过 100%。" + hidden_note(m, r.k),
    )
    block["figure"] = num.figure(figures.multi_choice(_shown(m), q.text), q.text)
    return block


def _shown_value(frame: pd.DataFrame, row: str, col: str) -> float:
    """``frame.loc[row, col]``, or NaN where its ``col_suppressed`` flag says it would give
    hidden cells away (see analysis.disclosure.likert_derived)."""
    flag = f"{col}_suppressed"
    if flag in frame.columns and bool(frame.loc[row, flag]):
        return np.nan
    return float(frame.loc[row, col])


def likert_block(q: Question, s: Survey, r: Results, num: Numbering) -> dict:
    """A likert battery: distribution per item, mean, agreement."""
    ids = [i.id for i in q.items]
    f = r.frequencies[r.frequencies["field"].isin(ids)]
    lk = r.likert[r.likert["field"].isin(ids)].set_index("field")
    n = int(lk["n"].max()) if len(lk) else 0
    scale = s.bank.scales[q.scale or ""]
    top_words = "或".join(f"“{o.label}”" for o in scale[-2:])
    bottom_words = "或".join(f"“{o.label}”" for o in scale[:2])
    items = [
        (i.text, _shown_value(lk, i.id, "top2_percent"), _shown_value(lk, i.id, "bottom2_percent"))
        for i in q.items
        if i.id in lk.index and lk.loc[i.id, "n"] >= r.k
    ]
    block = {
        "heading": q.text,
        "table": None,
        "figure": None,
        "sentences": [
            say.likert_battery(items, n, r.k, f"选择{top_words}的", f"选择{bottom_words}的")
        ],
    }
    if n < r.k:
        return block
    header = ["题项", *(o.label for o in scale), "均值", f"选{scale[-2].label}及以上（%）"]
    rows = []
    for i in q.items:
        dist = f[f["field"] == i.id].set_index("option")
        rows.append(
            [
                i.text + ("（反向题）" if i.reverse else ""),
                *(
                    "—"
                    if o.code in dist.index and dist.loc[o.code, "suppressed"]
                    else _f1(dist["percent"].get(o.code, np.nan))
                    for o in scale
                ),
                _f2(_shown_value(lk, i.id, "mean")),
                _f1(_shown_value(lk, i.id, "top2_percent")),
            ]
        )
    note = f"注：各列为比例（%），基数为作答的 {n} 人；均值按 1～{len(scale)} 分计算。"
    note += hidden_note(f, r.k).replace("选择的选项不报告人数和比例", "选择的类别不报告比例")
    if any(row[-2] == "—" or row[-1] == "—" for row in rows):
        note += "含有隐藏类别的题项，凡能据以倒推出隐藏人数的均值或比例也记为“—”。"
    block["table"] = num.table(q.text, header, rows, note)
    block["figure"] = num.figure(
        figures.likert_diverging(f, [(i.id, i.text) for i in q.items], q.text), q.text
    )
    return block


def number_block(q: Question, s: Survey, r: Results, num: Numbering) -> dict:
    """A number question: summary, histogram and box."""
    row = r.numeric[r.numeric["field"] == q.id].iloc[0].to_dict()
    n, base = int(row["n"]), int(row["base"])
    block = {
        "heading": q.text,
        "table": None,
        "figure": None,
        "sentences": [
            say.number(
                n,
                base,
                r.k,
                row["mean"],
                row["median"],
                row["q1"],
                row["q3"],
                q.unit or "",
                int(row["outliers"]),
            )
        ],
    }
    if n < r.k:
        return block
    u = f"（{q.unit}）" if q.unit else ""
    x = s.values(q.id)
    p5, p95 = (float(v) for v in np.nanpercentile(x[~np.isnan(x)], [5, 95]))
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
    block["table"] = num.table(
        q.text,
        header,
        rows,
        "注：四分位数按 SPSS（HAVERAGE）方法计算；偏离值已保留。"
        "为保护个人，不报告最小值和最大值（各只描述一个人）。",
    )
    counts = histogram(s, s.bank.field(q.id), k=r.k)
    whiskers = {**row, "min": p5, "max": p95}
    block["figure"] = num.figure(
        figures.number_distribution(counts, whiskers, q.text, q.unit or ""), q.text
    )
    return block


def rank_block(q: Question, r: Results, num: Numbering) -> dict:
    """A ranking question."""
    rk = r.ranking[r.ranking["question"] == q.id]
    n, base = int(rk["valid"].iloc[0]), int(rk["base"].iloc[0])
    sh = _shown(rk)
    opts = list(zip(sh["label"], sh["percent"].fillna(0), sh["mean_rank"], strict=True))
    block = {
        "heading": q.text,
        "table": None,
        "figure": None,
        "sentences": [say.ranking(opts, n, base, r.k)],
    }
    if n < r.k:
        return block
    rows = [
        [
            lab,
            _count(f1, h, r.k),
            "—" if h else _f1(p),
            "—" if h or pd.isna(mr) else f"{mr:.2f}",
            _count(c, h, r.k),
        ]
        for lab, f1, p, mr, c, h in rk[
            ["label", "first_n", "percent", "mean_rank", "n", "suppressed"]
        ].itertuples(index=False)
    ]
    header = ["选项", "排第一位人数", "排第一位比例（%）", "平均名次", "被排序人数"]
    note = f"注：排序题，基数为作答的 {n} 人；平均名次越小越重要。" + hidden_note(rk, r.k)
    block["table"] = num.table(q.text, header, rows, note)
    block["figure"] = num.figure(figures.ranking(sh, q.text), q.text)
    return block


def question_block(q: Question, s: Survey, r: Results, num: Numbering) -> dict | None:
    """The block of any reportable question (None for text, personal or grouping ones)."""
    if q.pii or q.role or q.type == "text":
        return None
    if q.type == "single":
        return single_block(q, r, num)
    if q.type == "multi":
        return multi_block(q, r, num)
    if q.type == "likert":
        return likert_block(q, s, r, num)
    if q.type == "number":
        return number_block(q, s, r, num)
    return rank_block(q, r, num)


def findings(s: Survey, r: Results, num: Numbering) -> list[dict]:
    """Per bank section (profile-only sections skipped): its blocks."""
    out = []
    for section in s.bank.sections:
        blocks = [b for q in section.questions if (b := question_block(q, s, r, num))]
        if blocks:
            out.append({"title": section.title, "blocks": blocks})
    return out
