"""主要发现: per bank section, a paragraph that says what matters and the key charts.

No per-question “在 N 名回答者中…” sentences: each question contributes at most one short
fact with one or two figures; the bases are in the chart notes and the appendix tables.
Scale items are compared only in the problem's direction (a reversed statement is never set
against a positive one by its agreement share). A fact is ``(weight, sentence)``: the weight
(how far a share or score lies from the middle) picks the summary's main conclusions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from surveytool.analysis import Results, Survey
from surveytool.analysis.sampling import margin_of_error
from surveytool.bank.model import Bank, Question
from surveytool.charts.jobs import Chart
from surveytool.report import sentences as say
from surveytool.report.numbering import Numbering
from surveytool.report.problems import ITEM_SHARE, end_statement, problem_end
from surveytool.report.tables import display_order, shown

MAX_FACTS = 3  # per section in the body


class Fact(NamedTuple):
    """One finding: ``weight`` (how far from the middle, for picking the summary's points),
    the sentence for the body and a shorter one for the summary."""

    weight: float
    text: str
    short: str = ""

    @property
    def brief(self) -> str:
        """The summary's wording (the body's when no shorter one was written)."""
        return self.short or self.text


def _ask(q: Question, fallback: str = "这组题目") -> str:
    """How a sentence opens on a question: 「关于生活保障情况」, never the form's wording with
    您 in quotation marks (see sentences.topic); ``fallback`` when the wording names nothing."""
    return say.about(q.text, fallback)


def _openings(q: Question, n: int, total: int) -> tuple[str, str]:
    """How the body and the summary open on ``q``: the summary always says the base, the
    body only when not everyone answered (its bases are in the charts and the appendix)."""
    brief = _opening(q, n)
    return (_ask(q) if n == total else brief), brief


def _opening(q: Question, n: int) -> str:
    """「关于…（300 人作答）」: the question's topic and its base."""
    return f"{_ask(q)}（{_answered(n)}）"


def _answered(n: int) -> str:
    """A share's base for the summary: 「142 人作答」."""
    return f"{n} 人作答"


def _share_items(s: Survey, r: Results, q: Question) -> list[tuple[float, str, str]]:
    """(problem-end share, phrase or '', statement) of the items of a likert question with
    a problem direction, strongest first; withheld shares left out."""
    lk = r.likert.set_index("field") if len(r.likert) else pd.DataFrame()
    scale = tuple(o for o in s.bank.scales[q.scale or ""] if not o.missing)
    out = []
    for item in q.items:
        end = problem_end(q, item)
        if end is None or item.id not in lk.index or lk.loc[item.id, "n"] < r.k:
            continue
        col = "top2_percent" if end == "high" else "bottom2_percent"
        if bool(lk.loc[item.id].get(f"{col}_suppressed", False)):
            continue
        share = float(lk.loc[item.id, col])
        what = end_statement(scale, end, item.text)
        base = int(lk.loc[item.id, "n"])
        out.append((share, item.problem or "", f"{say.pct(share)} 的受访者{what}", base))
    return sorted(out, key=lambda t: -t[0])


def _construct_fact(s: Survey, r: Results, q: Question) -> Fact | None:
    if not q.construct or q.construct not in r.composites:
        return None
    x = r.composites[q.construct].to_numpy(dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < r.k:
        return None
    mean = float(x.mean())
    way = {"high": "，分数越高问题越突出", "low": "，分数越低问题越突出"}.get(
        q.problem_when or "", ""
    )
    text = f"“{q.construct}”维度平均得分 {mean:.2f}（1～5 分{way}）"
    return Fact(abs(mean - 3) / 2, text)


def likert_facts(s: Survey, r: Results, q: Question) -> list[Fact]:
    """A battery: its construct's mean, and the items most at the problem end."""
    out: list[Fact] = []
    cons = _construct_fact(s, r, q)
    if cons:
        out.append(cons)
    items = _share_items(s, r, q)
    title = next((x.title for x in s.bank.sections if q in x.questions), "这组题目")
    where = f"“{q.construct}”方面" if q.construct else _ask(q, title)
    if items and items[0][0] >= ITEM_SHARE:
        top = [i for i in items[:2] if i[0] >= ITEM_SHARE]
        said = "；".join(f"{phrase}（{st}）" if phrase else st for _, phrase, st, _ in top)
        same = len({n for *_, n in top}) == 1
        brief = "、".join(
            f"{phrase or '“' + st + '”'}（{say.pct(sh)}{'' if same else '，' + _answered(n)}）"
            for sh, phrase, st, n in top
        )
        base = f"（均为 {_answered(top[0][3])}）" if same else ""
        out.append(
            Fact(top[0][0] / 100, f"{where}，比较突出的是{said}", f"{where}，{brief}比较突出{base}")
        )
    elif items:
        share, phrase, st, _ = items[0]
        said = f"{phrase}（{st}）" if phrase else st
        text = f"{where}，反映存在问题的受访者都不到一半，相对较多的是{said}"
        out.append(Fact(share / 100, text, f"{where}，反映存在问题的受访者都不到一半"))
    elif q.problem_when is None:
        out += _agreement_fact(s, r, q)
    return out


def _agreement_fact(s: Survey, r: Results, q: Question) -> list[Fact]:
    """A battery without a problem direction: the statements most agreed with, compared
    only among statements of the same direction (reversed ones apart)."""
    lk = r.likert.set_index("field") if len(r.likert) else pd.DataFrame()
    scale = [o for o in s.bank.scales[q.scale or ""] if not o.missing]
    rows = [
        (float(lk.loc[i.id, "top2_percent"]), i.text)
        for i in q.items
        if not i.reverse
        and i.id in lk.index
        and lk.loc[i.id, "n"] >= r.k
        and not bool(lk.loc[i.id].get("top2_percent_suppressed", False))
    ]
    if not rows:
        return []
    share, text = max(rows)
    words = "或".join(f"“{o.label}”" for o in scale[-2:])
    return [Fact(share / 100, f"选择{words}比例最高的是“{text}”（{say.pct(share)}）")]


def single_fact(s: Survey, r: Results, q: Question) -> list[Fact]:
    """A single choice: the ends of a scale, or the most chosen options."""
    f = r.frequencies[(r.frequencies["field"] == q.id)]
    f = f[~f["dont_know"].astype(bool)] if "dont_know" in f else f
    if f.empty or int(f["valid"].iloc[0]) < r.k:
        return []
    if q.scale:
        rows = f.sort_values("option")
        if rows["suppressed"].head(2).any() or rows["suppressed"].tail(2).any():
            return []
        scale = [o for o in s.bank.scales[q.scale] if not o.missing]
        lo, hi = float(rows["percent"].head(2).sum()), float(rows["percent"].tail(2).sum())
        words = (
            "或".join(f"“{o.label}”" for o in scale[:2]),
            "或".join(f"“{o.label}”" for o in scale[-2:]),
        )
        body, brief = _openings(q, int(f["valid"].iloc[0]), s.n)
        said = f"选择{words[1]}的占 {say.pct(hi)}，选择{words[0]}的占 {say.pct(lo)}"
        return [Fact(abs(hi - lo) / 100, f"{body}，{said}", f"{brief}，{said}")]
    return _top_options(q, display_order(shown(f), q), s.n)


def _top_options(q: Question, rows: pd.DataFrame, total: int) -> list[Fact]:
    """The most chosen options (其他, "none" and 不清楚 options left to the table)."""
    skip = {o.code for o in q.options if o.missing or o.none}
    if q.other and q.other_code is not None:
        skip.add(q.other_code)
    rows = rows[~rows["option"].astype(int).isin(skip)]
    rows = rows[rows["percent"] > 0]
    if rows.empty:
        return []
    top = list(zip(rows["label"], rows["percent"], strict=True))[:3]
    label, share = top[0]
    ask, brief = (
        _openings(q, int(rows["valid"].iloc[0]), total) if "valid" in rows else (_ask(q),) * 2
    )
    close = _within_error(rows, top)
    if close:
        head = f"选择较多的是“{label}”（{say.pct(share)}）和“{top[1][0]}”（{say.pct(top[1][1])}），两者之差在抽样误差范围内"
        return [Fact(share / 100, f"{ask}，{head}", f"{brief}，{head}")]
    if quant := say.quantifier(share):
        head = f"{quant}（{say.pct(share)}）选择了“{label}”"
    else:
        head = f"选择最多的是“{label}”（{say.pct(share)}）"
    rest = "、".join(f"“{lab}”（{say.pct(p)}）" for lab, p in top[1:])
    more = f"，其次是{rest}" if rest else ""
    return [Fact(share / 100, f"{ask}，{head}{more}", f"{brief}，{head}")]


def _within_error(rows: pd.DataFrame, top: list[tuple[str, float]]) -> bool:
    """Whether the first two shares differ by less than the question's margin of error (95%,
    p = 50%): then neither is named the most chosen."""
    if len(top) < 2 or "valid" not in rows or rows.empty:
        return False
    moe = 100 * margin_of_error(int(rows["valid"].iloc[0]))
    return bool(top[0][1] - top[1][1] < moe)


def multi_fact(s: Survey, r: Results, q: Question) -> list[Fact]:
    """A multiple choice: the three most chosen options (其他 and 不清楚 left to the table)."""
    m = r.multi[r.multi["question"] == q.id]
    if m.empty or int(m["valid"].iloc[0]) < r.k:
        return []
    return _top_options(q, display_order(shown(m), q), s.n)


def number_fact(s: Survey, r: Results, q: Question) -> list[Fact]:
    """A number: mean and median with the unit."""
    row = r.numeric[r.numeric["field"] == q.id]
    if row.empty or int(row["n"].iloc[0]) < r.k:
        return []
    row = row.iloc[0]
    u = f" {q.unit}" if q.unit and q.unit[0] not in "%‰" else (q.unit or "")
    body, brief = _openings(q, int(row["n"]), s.n)
    said = f"平均为 {say.num(row['mean'])}{u}，中位数为 {say.num(row['median'])}{u}"
    return [
        Fact(0.3, f"{body}，{said}", f"{brief}，{said}")
    ]  # an amount, not a share: a middling weight


def rank_fact(s: Survey, r: Results, q: Question) -> list[Fact]:
    """A ranking: the option most often ranked first."""
    rk = shown(r.ranking[r.ranking["question"] == q.id])
    if rk.empty or int(rk["valid"].iloc[0]) < r.k:
        return []
    top = rk.iloc[0]
    body, brief = _openings(q, int(top["valid"]), s.n)
    said = f"排在第一位最多的是“{top['label']}”（{say.pct(top['percent'])}）"
    return [Fact(float(top["percent"]) / 100, f"{body}，{said}", f"{brief}，{said}")]


FACTS = {
    "likert": likert_facts,
    "single": single_fact,
    "multi": multi_fact,
    "number": number_fact,
    "rank": rank_fact,
}


def question_facts(s: Survey, r: Results, q: Question) -> list[Fact]:
    """The facts of one reportable question (none for text, personal or grouping ones)."""
    if q.pii or q.role or q.type == "text":
        return []
    return FACTS[q.type](s, r, q)


def key_figure(s: Survey, r: Results, q: Question, num: Numbering) -> dict | None:
    """The chart a section shows for ``q`` in the body: every likert battery; None for the
    rest (their tables are in the appendix, the prose gives their main figures)."""
    if q.pii or q.role:
        return None
    if q.type == "likert":
        ids = [i.id for i in q.items]
        f = r.frequencies[r.frequencies["field"].isin(ids)]
        if f.empty or int(f["valid"].max()) < r.k:
            return None
        items = [(i.id, i.text) for i in q.items]  # analyst notes stay off the chart
        reverse = {i.id for i in q.items if i.reverse}
        title = figure_title(s, q)
        chart = Chart(
            "likert_diverging",
            (f, items, title),
            {"problem_end": q.problem_when, "reversed_items": reverse},
            title,
        )
        return num.figure(chart, title)
    return None


def chart_count(bank: Bank) -> int:
    """How many charts :func:`key_figure` may draw for ``bank`` (an upper bound: a battery
    with too few answers gets none), known before any answer is read."""
    return sum(
        1
        for section in bank.sections
        for q in section.questions
        if q.type == "likert" and not (q.pii or q.role)
    )


def figure_title(s: Survey, q: Question) -> str:
    """A chart's title: the question's topic (「生活保障情况」), not its wording with 您; a
    battery worded 「请…对以下说法作出判断」 is named by its construct or its section."""
    if named := say.topic(q.text):
        return named
    if q.construct:
        return f"“{q.construct}”各题项"
    return next((x.title for x in s.bank.sections if q in x.questions), q.text)


def strongest(facts: list[Fact], keep: int = MAX_FACTS) -> list[Fact]:
    """The ``keep`` weightiest facts, in questionnaire order (the rest are in the appendix's
    tables)."""
    chosen = set(sorted(range(len(facts)), key=lambda i: -facts[i].weight)[:keep])
    return [f for i, f in enumerate(facts) if i in chosen]


def findings(
    s: Survey, r: Results, num: Numbering, figure_of: dict[str, dict] | None = None
) -> tuple[list[dict], list[list[Fact]]]:
    """The blocks of 主要发现 (a heading, a paragraph and key charts per bank section) and
    the facts drawn, per section (for the summary). ``figure_of``, when given, is filled
    with each fact's text -> the chart of its question, else of its section (the slides
    show a conclusion with it)."""
    blocks: list[dict] = []
    facts: list[list[Fact]] = []
    index = 0
    for section in s.bank.sections:
        said, figs, own = [], [], []
        for q in section.questions:
            q_facts = question_facts(s, r, q)
            fig = key_figure(s, r, q, num)
            said += q_facts
            figs += [fig] if fig else []
            own += [(f, fig) for f in q_facts]
        if figure_of is not None:
            figure_of.update({f.text: fig or (figs[0] if figs else None) for f, fig in own})
        facts.append(said)
        said = strongest(said)
        if not said and not figs:
            continue
        index += 1
        blocks.append({"heading": f"（{say.cn(index)}）{section.title}", "level": 2})
        if said:
            blocks.append({"para": "".join(f"{f.text}。" for f in said)})
        blocks.extend({"figure": f} for f in figs)
    return blocks, facts
