"""Report sections about the campaign around the survey: 回访对比 (two waves compared) and
整改进展 (progress of the three lists).

Each section is ``{"title": ..., "blocks": [...]}``; a block is one of ``{"para": text}``,
``{"note": text}``, ``{"heading": text}``, ``{"table": table}``, ``{"figure": figure}``, so
the templates and the Word writer render every such section the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from surveytool.analysis import Survey
from surveytool.analysis.constructs import construct_fields
from surveytool.analysis.descriptive import frequencies
from surveytool.analysis.disclosure import hide_small
from surveytool.analysis.waves import compare_waves
from surveytool.bank.model import OTHER_LABEL
from surveytool.followup.lists import STATUSES
from surveytool.followup.track import Progress
from surveytool.report import sentences as say
from surveytool.report.numbering import Numbering
from surveytool.report.sentences import p_text

MAX_ITEMS = 12
VERDICT_SHORT = {
    "improved": "改善",
    "worsened": "变差",
    "increased": "上升",
    "decreased": "下降",
    "no_change": "未检出变化",
}


def _scale_max(s: Survey) -> float:
    """The highest code of the construct items' scales (5 for the usual 5-point scale)."""
    codes = [o.code for fs in construct_fields(s).values() for f in fs for o in f.options]
    return float(max(codes, default=5))


def _design_text(res: pd.DataFrame, a: Survey, b: Survey, waves: tuple[str, str]) -> str:
    wa, wb = waves
    head = f"本部分比较“{wa}”（{a.n} 份有效答卷）与“{wb}”（{b.n} 份有效答卷）两轮调查。"
    if res["design"].iloc[0] == "paired":
        pairs = int(res["n"].max())
        return head + (
            f"两轮中有 {pairs} 位受访者可按自编代码一一对应，采用配对检验"
            "（量表与数字题用 Wilcoxon 符号秩检验，是否类题目用 McNemar 检验），只用两轮都作答的受访者。"
        )
    return head + (
        "两轮受访者无法一一对应，按两个独立样本比较"
        "（量表与数字题用 Mann–Whitney U 检验，是否类题目用卡方检验）。"
    )


def _count_text(res: pd.DataFrame) -> str:
    counts = res["verdict"].value_counts()
    parts = [f"{int(counts[v])} 项{VERDICT_SHORT[v]}" for v in VERDICT_SHORT if v in counts]
    n_con = int((res["kind"] == "construct").sum())
    return (
        f"共比较 {len(res)} 项（{n_con} 个维度得分、{len(res) - n_con} 个题项），"
        f"按统计上可靠的变化计（已考虑同时比较多项带来的偶然差异）：{'，'.join(parts)}。"
        "“未检出变化”不等于确实没有变化，只说明在现有样本量下变化不足以被检出。"
    )


def _reportable(res: pd.DataFrame, k: int) -> pd.DataFrame:
    """Rows with at least ``k`` answers in each wave (fewer are never described)."""
    return res[(res["n_a"] >= k) & (res["n_b"] >= k) & (res["n"] >= k)]


def _construct_table(
    rows: pd.DataFrame, waves: tuple[str, str], num: Numbering, scale: float
) -> dict:
    paired = bool(len(rows)) and "design" in rows and rows["design"].iloc[0] == "paired"
    body = [
        [
            r["field"],
            f"{r['mean_a']:.2f}",
            f"{r['mean_b']:.2f}",
            f"{r['change']:+.2f}",
            *([_pair_counts(r)] if paired else []),
            VERDICT_SHORT[r["verdict"]],
        ]
        for r in rows.to_dict(orient="records")
    ]
    change = ["个人变化（平均）", "改善/不变/变差（人）"] if paired else ["变化"]
    how = (
        "两轮得分为各轮全部作答者的平均分；个人变化为两轮都作答的同一受访者得分变化的平均值，"
        "检验和结论依据的是这些个人变化（不是两轮平均分之差）；"
        if paired
        else ""
    )
    return num.table(
        "各维度平均得分的两轮对比",
        ["维度", f"“{waves[0]}”", f"“{waves[1]}”", *change, "结论"],
        body,
        f"注：维度得分为 1～{scale:g} 分的平均分；{how}是否“改善”按题库中标注的问题方向判断"
        "（例如负担类维度得分下降为改善）；“未检出变化”指变化在统计上不可靠。检验结果见附录。",
    )


def _pair_counts(r: dict) -> str:
    """改善/不变/变差 counts of the linked pairs (上升/不变/下降 without a problem direction)."""
    if any(r.get(c) != r.get(c) for c in ("n_up", "n_down", "n_same")):
        return "—"
    up, down, same = int(r["n_up"]), int(r["n_down"]), int(r["n_same"])
    if r.get("direction") not in ("high", "low"):
        return f"上升 {up}/不变 {same}/下降 {down}"
    better, worse = (down, up) if r["direction"] == "high" else (up, down)
    return f"{better}/{same}/{worse}"


def _has_hidden(s: Survey, fid: str, k: int) -> bool:
    """Whether a wave's figure for ``fid`` would give hidden (small) cells of that wave's
    report away: a likert item's mean when its distribution has hidden cells (see
    analysis.disclosure.likert_derived), a multiple-choice option's share when its count is
    hidden. Numbers have no hidden cells."""
    f = s.bank.field(fid)
    if f.kind == "likert":
        return bool(hide_small(frequencies(s, f)["n"].to_numpy(), k).any())
    if f.kind == "flag":
        q = s.bank.question(f.question)
        flags = [g.id for g in s.fields_of(q) if g.kind == "flag"]
        shown = s.shown(q)
        counts = np.array([(s.values(g)[shown] == 1).sum() for g in flags])
        return bool(hide_small(counts, k)[flags.index(fid)])
    return False


def hide_wave_values(res: pd.DataFrame, a: Survey, b: Survey, k: int) -> pd.DataFrame:
    """``res`` (compare_waves) as shown to people: ``values_hidden`` set and the two waves'
    means blanked for the items whose means would give a wave's hidden cells away (see
    _has_hidden) and their test statistics withheld too, ``moved`` the sign of the change,
    其他（请注明） in labels said as 其他."""
    out = res.copy()
    if out.empty:
        return out.assign(values_hidden=pd.Series(dtype=bool), moved=pd.Series(dtype=float))
    items = out["kind"] != "construct"
    hidden = [
        bool(item) and (_has_hidden(a, fid, k) or _has_hidden(b, fid, k))
        for fid, item in zip(out["field"], items, strict=True)
    ]
    out["values_hidden"] = hidden
    out["label"] = out["label"].str.replace(OTHER_LABEL, say.REPORT_OTHER, regex=False)
    if "moved" not in out:  # the way the test's data moved, without the size
        out["moved"] = np.sign(out["change"])
    # the test's statistic, p and effect size with the two waves' n and the shown cells solve
    # a hidden count as surely as the means: withheld alike (the verdict stays)
    hidden_cols = ("mean_a", "mean_b", "change", "statistic", "p_value", "p_adjusted")
    pair_cols = ("effect_size", "effect_low", "effect_high", "pair_change", "pair_median")
    pair_cols += ("n_up", "n_down", "n_same", "b01", "b10")
    for col in hidden_cols + pair_cols:
        if col in out:
            out[col] = out[col].mask(out["values_hidden"])
    return out


def wave_section(
    a: Survey,
    b: Survey,
    waves: tuple[str, str],
    num: Numbering,
    k: int,
    link: str | None = None,
) -> dict:
    """回访对比: constructs (table, chart, sentences) and the items that changed."""
    wa, wb = waves
    res = compare_waves(a, b, link)
    res = hide_wave_values(res, a, b, k) if not res.empty else res
    blocks: list[dict] = []
    if res.empty:
        return {"title": "回访对比", "blocks": [{"para": "本问卷没有可在两轮之间比较的题目。"}]}
    blocks.append({"para": _design_text(res, a, b, waves)})
    shown = _reportable(res, k)
    blocks.append({"para": _count_text(shown)})
    if len(shown) < len(res):
        blocks.append(
            {"note": f"注：有 {len(res) - len(shown)} 项在某一轮作答少于 {k} 人，不作描述。"}
        )
    cons = shown[shown["kind"] == "construct"]
    if not cons.empty:
        scale = _scale_max(a)
        blocks.append({"table": _construct_table(cons, waves, num, scale)})
        said_cons = [  # one paragraph: the changed constructs, then those without a change
            say.wave_change(r["label"], r, wa, wb)
            for r in cons[cons["verdict"] != "no_change"].to_dict(orient="records")
        ]
        same = cons[cons["verdict"] == "no_change"]["field"].tolist()
        if same:
            names = "".join(f"“{x}”" for x in same)
            said_cons.append(f"{names}维度得分未检出统计上可靠的变化。")
        if said_cons:
            blocks.append({"para": "".join(said_cons)})
    changed = shown[(shown["kind"] != "construct") & (shown["verdict"] != "no_change")]
    items = with_figures(changed)
    said = []  # what the body leaves out, said under the table (or alone without one)
    if len(items) > MAX_ITEMS:
        said.append(f"另有 {len(items) - MAX_ITEMS} 项有统计上可靠的变化，见附录。")
    if len(changed) > len(items):
        said.append(f"另有 {len(changed) - len(items)} 项涉及人数很少的类别，未列出。")
    if not items.empty:
        top = items.sort_values("p_adjusted", kind="stable")
        table = _item_change_table(top.head(MAX_ITEMS), waves, num)
        blocks.append({"table": {**table, "note": table["note"] + "".join(said)}})
    elif said:
        blocks.append({"note": "注：" + "".join(said)})
    # the verdict's figures are in 主要发现 (its question's sentence); the 摘要 sets them
    # beside the scores, reconciled
    brief = own_verdict_text(own_verdict(b, k), shown, brief=True)
    return {
        "title": "回访对比",
        "blocks": blocks,
        "conclusions": _conclusions(shown, waves, brief),
        "appendix": {"title": "两轮对比检验结果", "blocks": [{"table": wave_tests_table(shown)}]},
    }


def with_figures(changed: pd.DataFrame) -> pd.DataFrame:
    """The changed items the body may show: a row whose figures are all withheld (small
    categories) would say only a verdict, 「— | — | 上升 | 改善」, and is left out."""
    if changed.empty or "values_hidden" not in changed:
        return changed
    return changed[~changed["values_hidden"].astype(bool)]


def wave_tests_table(shown: pd.DataFrame) -> dict:
    """附录: the test behind every comparison of the two waves (statistics withheld where
    they would give a small category away)."""
    rows = []
    for r in shown.sort_values("p_adjusted", kind="stable").to_dict(orient="records"):
        if not r["test"]:
            continue
        hidden = bool(r.get("values_hidden"))

        def figure(x: float, fmt: str, hidden: bool = hidden) -> str:
            return "—" if hidden or x != x else fmt.format(x)

        rows.append(
            [
                r["label"],
                say.WAVE_TESTS[r["test"]] + ("（精确）" if r.get("method") == "exact" else ""),
                figure(r["statistic"], "{:.2f}"),
                "—" if hidden else p_text(r["p_value"]).removeprefix("p "),
                "—" if hidden else p_text(r["p_adjusted"]).removeprefix("p "),
                figure(r["effect_size"], "{:.2f}"),
                str(int(r["n"])),
                VERDICT_SHORT[r["verdict"]],
            ]
        )
    return {
        "caption": "附表　两轮对比全部检验结果",
        "header": ["指标", "检验", "统计量", "p", "校正后 p", "效应量", "人数", "结论"],
        "rows": rows,
        "note": "注：按校正后 p 值排序；校正采用 Benjamini–Hochberg 方法，覆盖两轮对比的全部检验；"
        "效应量：Mann–Whitney U 检验为秩二列相关，Wilcoxon 检验为配对秩二列相关，"
        "卡方检验为 φ 系数，McNemar 检验为不一致配对的比值比。"
        "记为“—”的数值可能据以倒推出人数很少的类别，不予报告。",
    }


def _item_change_table(rows: pd.DataFrame, waves: tuple[str, str], num: Numbering) -> dict:
    """The items that changed significantly: both waves' figures (withheld where they would
    give small cells away), the direction and the verdict."""
    body = []
    paired = bool(len(rows)) and "design" in rows and rows["design"].iloc[0] == "paired"
    for r in rows.to_dict(orient="records"):
        binary = r["kind"] == "binary"
        hidden = bool(r.get("values_hidden"))

        def show(x: float, binary: bool = binary, hidden: bool = hidden) -> str:
            if hidden or x != x:
                return "—"
            return say.pct(100 * x) if binary else f"{x:.2f}"

        body.append(
            [
                r["label"],
                show(r["mean_a"]),
                show(r["mean_b"]),
                _pair_counts(r)
                if paired
                else "上升"
                if r.get("moved", r["change"]) > 0
                else "下降",
                VERDICT_SHORT[r["verdict"]],
            ]
        )
    how = (
        "两轮数值为各轮全部作答者的平均分或比例；“改善/不变/变差”为两轮都作答的同一受访者的人数"
        "（无问题方向的题项为上升/不变/下降），检验和结论依据的是这些个人变化。"
        if paired
        else ""
    )
    change = "改善/不变/变差（人）" if paired else "变化"
    return num.table(
        "有显著变化的题项",
        ["题项", f"“{waves[0]}”", f"“{waves[1]}”", change, "结论"],
        body,
        f"注：量表和数字题为平均分，是否类题目为选择比例；{how}“改善”“变差”按题库标明的问题方向判断。",
    )


def _conclusions(shown: pd.DataFrame, waves: tuple[str, str], own: str) -> list[str]:
    """The follow-up's verdicts for the summary (既报喜又报忧): constructs that changed
    significantly, either way; the items that worsened significantly; and ``own``, the
    respondents' own verdict, with what reconciles it with the scores."""
    wa, wb = waves
    out = []
    cons = shown[(shown["kind"] == "construct") & shown["verdict"].isin(["improved", "worsened"])]
    for r in cons.to_dict(orient="records"):
        pairs = say.pair_shares(r)
        if pairs:  # what the test compared: the same people's own change
            out.append(
                f"与“{wa}”相比，“{r['field']}”维度{pairs}，{say.VERDICT_WORDS[r['verdict']]}"
                f"（变化在统计上可靠；两轮全体作答者平均分分别为 {r['mean_a']:.2f} 和 {r['mean_b']:.2f}）。"
            )
            continue
        moved = r.get("moved", r["change"])  # the direction the test saw (ranks or shares)
        lower, higher = moved < 0 and r["change"] < 0, moved > 0 and r["change"] > 0
        way = "降至" if lower else "升至" if higher else "变为"  # ranks and means may disagree
        out.append(
            f"与“{wa}”相比，“{wb}”中“{r['field']}”维度平均得分由 {r['mean_a']:.2f} {way} "
            f"{r['mean_b']:.2f}，{say.VERDICT_WORDS[r['verdict']]}（变化在统计上可靠）。"
        )
    if cons.empty and not shown.empty:
        out.append(f"与“{wa}”相比，“{wb}”各维度得分均未检出统计上可靠的变化。")
    worse = shown[(shown["kind"] != "construct") & (shown["verdict"] == "worsened")]
    if not worse.empty:
        names = "、".join(f"“{x}”" for x in worse["label"].head(3))
        more = f"等 {len(worse)} 项" if len(worse) > 3 else ""
        out.append(f"同时，{names}{more}较“{wa}”明显变差（变化在统计上可靠）。")
    if own:
        out.append(own)
    return out


def _disagree(v: dict, shown: pd.DataFrame) -> bool:
    cons = shown[shown["kind"] == "construct"]
    improved = bool((cons["verdict"] == "improved").any())
    worsened = bool((cons["verdict"] == "worsened").any())
    return (improved and v["worse"] > v["better"]) or (worsened and v["better"] > v["worse"])


def _brief_verdict(v: dict, shown: pd.DataFrame) -> str:
    """``但受访者自己的感受不同：此前填写过问卷的 160 人中，45.0% 认为上次反映的问题加重，15.0% 认为减轻（见第八部分）。``"""
    head = "但受访者自己的感受不同" if _disagree(v, shown) else "受访者自己的感受"
    return (
        f"{head}：此前填写过问卷的 {v['valid']} 人中，{say.pct(v['worse'])} 认为上次反映的问题"
        f"“{v['worse_labels'][-1].removeprefix('有所')}”，{say.pct(v['better'])} 认为"
        f"“{v['better_labels'][0].removeprefix('有所')}”"
        + ("，须结合座谈、走访核实。" if _disagree(v, shown) else "。")
    )


OWN_VERDICT_SCALES = ("change5",)  # 明显加重 … 明显减轻: the follow-up block's Z2


def own_verdict(b: Survey, k: int) -> dict | None:
    """The respondents' own verdict on change (the follow-up block's question on a change
    scale): {question, valid, worse, better (percent of valid), worse_labels,
    better_labels}; None when the bank has none or fewer than ``k`` answered it."""
    q = next(
        (
            q
            for q in b.bank.questions
            if q.type == "single" and q.scale in OWN_VERDICT_SCALES and q.problem_when
        ),
        None,
    )
    if q is None:
        return None
    fr = frequencies(b, b.bank.field(q.id))
    fr = fr[~fr["dont_know"].astype(bool)].sort_values("option")
    valid = int(fr["valid"].iloc[0]) if len(fr) else 0
    if valid < k or len(fr) < 4:
        return None
    low, high = fr.head(2), fr.tail(2).iloc[::-1]  # each end: its extreme first
    worse, better = (low, high.iloc[::-1]) if q.problem_when == "low" else (high, low.iloc[::-1])
    return {
        "question": q.text,
        "valid": valid,
        "worse": 100 * float(worse["n"].sum()) / valid,
        "better": 100 * float(better["n"].sum()) / valid,
        "worse_labels": list(worse["label"]),
        "better_labels": list(better["label"]),
    }


def own_verdict_text(v: dict | None, shown: pd.DataFrame, brief: bool = False) -> str:
    """The respondents' own verdict in words, reconciled with the scores when they
    disagree (``brief``: in a sentence, for the 摘要); empty when there is none."""
    if v is None:
        return ""
    if brief:
        return _brief_verdict(v, shown)
    worse, better = ("”或“".join(v["worse_labels"]), "”或“".join(v["better_labels"]))
    text = (
        f"受访者自己的感受：此前填写过问卷的 {v['valid']} 人中，"
        f"{say.pct(v['worse'])} 认为上次调查反映的问题“{worse}”，{say.pct(v['better'])} 认为“{better}”"
    )
    if _disagree(v, shown):
        return (
            text
            + "，与维度得分的变化方向不一致（两者问的对象和内容不同），应结合座谈、走访核实原因。"
        )
    return text + "。"


def _progress_text(p: Progress) -> str:
    day = f"{p.today.year}年{p.today.month}月{p.today.day}日"
    if not p.total:
        return f"截至{day}，任务清单中还没有问题。"
    counts = "、".join(f"{s} {p.by_status[s]} 项" for s in STATUSES)
    text = (
        f"截至{day}，三张清单共列出问题 {p.total} 项，其中{counts}，销号率 {p.closed_rate:.1f}%。"
    )
    text += f"逾期未销号 {len(p.overdue)} 项，" if p.overdue else "没有逾期未销号的问题，"
    text += f"14 天内到期 {len(p.due_soon)} 项。" if p.due_soon else "14 天内没有到期的问题。"
    if p.no_deadline:
        text += f"另有 {p.no_deadline} 项尚未确定完成时限。"
    if p.reopened:
        heads = "、".join(f"“{_head(i['问题'])}”" for i in p.reopened)
        text += f"其中{heads}已销号，但最新数据仍显示该问题，需复核整改是否落实。"
    if p.unsupported:
        text += (
            f"有 {p.unsupported} 项问题在最新数据中已不再达到提出标准（问题清单“数据支持”一列标为“否”），"
            "可结合整改情况考虑销号。"
        )
    return text


def _unit_table(p: Progress, num: Numbering) -> dict:
    rows = [
        [
            r["unit"],
            str(r["total"]),
            *(str(r[s]) for s in STATUSES),
            f"{r['closed_rate']:.0f}%",
            str(r["overdue"]),
        ]
        for r in p.by_unit.to_dict(orient="records")
    ]
    return num.table(
        "各责任单位问题销号情况",
        ["责任单位", "问题数", *STATUSES, "销号率", "逾期"],
        rows,
        f"注：按任务清单的状态和完成时限统计，以{p.today.isoformat()}为准。",
    )


def _head(title: object) -> str:
    """A listed problem as the progress tables name it: its phrase (the part of 问题 before
    the first “：”), or the owner's whole wording when it has none."""
    return str(title or "").split("：")[0]


def _attention_table(p: Progress, num: Numbering) -> dict:
    """One table of the problems that need attention: overdue first, then due within 14 days."""
    rows = [
        [str(i["编号"]), _head(i["问题"]), i["责任单位"], i["完成时限"] or "—", i["状态"], state]
        for items, state in ((p.overdue, "已逾期"), (p.due_soon, "14 天内到期"))
        for i in items
    ]
    return num.table(
        "需要督办的问题",
        ["编号", "问题", "责任单位", "完成时限", "状态", "情况"],
        rows,
        "",  # 情况 says 已逾期 / 14 天内到期 itself
    )


def progress_section(p: Progress, num: Numbering) -> dict:
    """整改进展: counts by status, 销号率, by responsible unit, overdue and due-soon items."""
    blocks: list[dict] = [{"para": _progress_text(p)}]
    if p.total:
        blocks.append({"table": _unit_table(p, num)})
    if p.overdue or p.due_soon:
        blocks.append({"table": _attention_table(p, num)})
    if p.bad_deadlines:
        blocks.append(
            {
                "note": f"注：有 {len(p.bad_deadlines)} 项的完成时限无法识别为日期（如 "
                f"“{p.bad_deadlines[0]['完成时限']}”），未计入逾期统计，请在清单中改为 2026-08-31 这样的日期。"
            }
        )
    return {"title": "整改进展", "blocks": blocks}


__all__ = ["progress_section", "wave_section"]
