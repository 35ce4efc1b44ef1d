"""存在的主要问题（初稿）: candidate problems drawn from the results by a stated rule.

Every problem is stated in the problem's direction, with one figure that appears identically
in its title and its evidence, and the wave it comes from:

    学术交流机会偏少：53.3% 的受访者不认同“我有较多机会参加学术交流活动”（回访，n = 300）

The rule (printed in plain Chinese in the report's method appendix, :data:`RULE`):
1. a scale item (likert item, or a single question on a named scale) of a question whose
   bank marks which end is the problem (``problem_when``), where at least half of those who
   answered chose the two options at the problem end. A reversed item's problem end is the
   other end of the scale. Where the 95% interval of that share reaches below one half, the
   problem is marked 接近判定线 and ranked after the clear ones;
2. an option of a multiple-choice (or unordered single) question marked ``problem_when:
   high`` chosen by at least 40% of those who answered; options marked ``none`` (没有问题)
   or ``missing`` (不清楚) never are;
3. a construct on which the groups of a breakdown differ (BH-adjusted p < 0.05) and a group
   is beyond at least one other group *towards the problem end* in a significant pairwise
   test (Dunn, Holm; for two groups the Mann–Whitney test itself), the direction read from
   the mean ranks the test compared; 其他 and the merged small groups are never named.
Items and options name their problem by the bank's ``problem`` phrase; without one, the title
is the statement alone (``surveytool check --strict`` asks for the phrases).
"""

from __future__ import annotations

from dataclasses import dataclass

from surveytool.analysis import Results, Survey
from surveytool.analysis.compare import means_agree, ordered_pairs
from surveytool.analysis.descriptive import wilson
from surveytool.analysis.disclosure import MERGED_CODE
from surveytool.analysis.limits import MIN_PROBLEM_BASE
from surveytool.bank.model import Item, Option, Question
from surveytool.report import sentences as say

ITEM_SHARE = 50.0
OPTION_SHARE = 40.0
ALPHA = 0.05

RULE = [
    f"量表题中题库标明了“问题一端”的题项（例如负担类题项的“较大、非常大”，支持类题项的“不同意、"
    f"非常不同意”；反向表述的题项取另一端），选择问题一端两个选项的受访者达到作答人数的 "
    f"{ITEM_SHARE:.0f}% 及以上，列为问题；若这一比例的 95% 置信区间下限低于 {ITEM_SHARE:.0f}%，"
    "标注“接近判定线”，排在明确的问题之后。",
    f"列举困难、原因、负担等的选择题中，某一选项被 {OPTION_SHARE:.0f}% 及以上的作答者选择，列为问题；"
    "“没有问题”“以上都没有”“不清楚”一类选项不列为问题。",
    "按单位等分组比较某一维度得分，经多重比较校正后组间差异显著，且问题一端的组与至少一个其他组的"
    "两两比较（Dunn 检验，Holm 校正）也显著、方向相同（按等级检验的秩次判断）时，列为该组的问题；"
    "“其他”和因人数少而合并的组不是一个单位，不点名，也不作为比较对象列出。",
    "每个问题只引用一个数字，题目和数据依据中的数字相同，并注明所依据的调查轮次和作答人数。",
    f"作答人数少于 {MIN_PROBLEM_BASE} 人的题目不提出问题（人数太少，比例的抽样误差超过 ±20 个百分点）；"
    "报告和三张清单用同一规则。",
]


@dataclass(frozen=True)
class Problem:
    """One candidate problem. ``title`` and ``evidence`` carry the same single figure."""

    key: str  # identifies the problem across re-runs (the lists keep their 编号 by it)
    phrase: str  # the bank's problem phrase ('' when it has none)
    statement: str  # “53.3% 的受访者不认同“…”” — the figure and what it counts
    n: int
    wave: str | None
    evidence: str
    share: float = 0.0  # for ranking only
    near: bool = False  # the interval reaches below the threshold
    figure: str = ""  # the one figure, as shown (53.3%, 50% 及以上, or a group's mean)
    basis: str = ""  # the evidence in short, for the report's table (the figure, the count)
    closed: str = ""  # 已销号 in the lists though the data still show it (see closed_note)

    @property
    def source(self) -> str:
        """``（回访，n = 300）``."""
        return f"（{self.wave}，n = {self.n}）" if self.wave else f"（n = {self.n}）"

    @property
    def title(self) -> str:
        """Phrase, statement and source, e.g. ``学术交流机会偏少：53.3% 的受访者不认同“…”（回访，n = 300）``."""
        head = f"{self.phrase}：{self.statement}" if self.phrase else self.statement
        source = self.source
        if self.near:
            source = source[:-1] + "；接近判定线）"
        return head + source

    @property
    def brief(self) -> str:
        """For the summary: the phrase with its figure and base, e.g. ``学术交流机会偏少（53.3%，
        300 人作答）`` (the summary names the wave once); the whole title when there is no
        phrase; then what :attr:`closed` says."""
        if not self.phrase or not self.figure:
            return self.title + (f"——{self.closed}" if self.closed else "")
        near = "，接近判定线" if self.near else ""
        closed = f"；{self.closed}" if self.closed else ""
        return f"{self.phrase}（{self.figure}，{self.n} 人作答{near}{closed}）"  # wave: said once

    def as_dict(self) -> dict:
        """Plain data for templates and the lists: key, title, phrase, evidence, wave, near
        (``basis``, the evidence in short, stays with the report's table)."""
        return {
            "key": self.key,
            "title": self.title,
            "text": self.title,
            "phrase": self.phrase,
            "evidence": self.evidence,
            "wave": self.wave,
            "near": self.near,
            "share": self.share,
            "figure": self.figure,
        }


def problem_end(q: Question, item: Item | None = None) -> str | None:
    """Which end of the scale marks a problem for ``item`` of ``q`` (or for ``q`` itself):
    'high', 'low' or None. A reversed item points the other way."""
    if q.problem_when not in ("high", "low"):
        return None
    if item is not None and item.reverse:
        return "low" if q.problem_when == "high" else "high"
    return q.problem_when


def _words(options: tuple[Option, ...]) -> str:
    return "或".join(f"“{o.label}”" for o in options)


def end_statement(scale: tuple[Option, ...], end: str, text: str, single: bool = False) -> str:
    """What the respondents at ``end`` of ``scale`` said about ``text``: 不认同“…”, 对“…”不满意,
    or, for other scales and whole questions, 在“…”一题中选择“较大”或“非常大”."""
    labels = "".join(o.label for o in scale)
    picked = scale[-2:] if end == "high" else scale[:2]
    if single:
        return f"在“{text}”一题中选择{_words(picked)}"
    if "同意" in labels:
        return f"认同“{text}”" if end == "high" else f"不认同“{text}”"
    if "满意" in labels:
        return f"对“{text}”满意" if end == "high" else f"对“{text}”不满意"
    return f"对“{text}”选择{_words(picked)}"


def _scaled(s: Survey, r: Results, wave: str | None, keep_all: bool = False) -> list[Problem]:
    """Rule 1: likert items and single questions on a named scale."""
    out = []
    lk = r.likert.set_index("field") if len(r.likert) else None
    for q in s.bank.questions:
        if q.type == "likert" and lk is not None:
            for item in q.items:
                if item.id in lk.index:
                    p = _scaled_one(s, r, q, item, lk.loc[item.id], wave, keep_all)
                    out += [p] if p else []
        elif q.type == "single" and q.scale and q.problem_when:
            p = _single_scaled(s, r, q, wave, keep_all)
            out += [p] if p else []
    return out


def _scaled_one(
    s: Survey, r: Results, q: Question, item: Item, row, wave: str | None, keep_all: bool
) -> Problem | None:
    end = problem_end(q, item)
    n = int(row["n"])
    if end is None or n < r.k:
        return None
    col = "top2_percent" if end == "high" else "bottom2_percent"
    share = float(row[col])
    hidden = bool(row.get(f"{col}_suppressed", False))
    scale = tuple(o for o in s.bank.scales[q.scale or ""] if not o.missing)
    return _share_problem(
        key=f"item:{item.id}",
        phrase=item.problem or "",
        what=end_statement(scale, end, item.text),
        picked=_words(scale[-2:] if end == "high" else scale[:2]),
        question=q.text,
        share=share,
        n=n,
        hidden=hidden,
        wave=wave,
        keep_all=keep_all,
        population=r.population,
    )


def _single_scaled(
    s: Survey, r: Results, q: Question, wave: str | None, keep_all: bool
) -> Problem | None:
    f = r.frequencies[(r.frequencies["field"] == q.id) & ~r.frequencies["dont_know"].astype(bool)]
    if f.empty or int(f["valid"].iloc[0]) < r.k:
        return None
    end = problem_end(q)
    rows = f.sort_values("option")
    chosen = rows.tail(2) if end == "high" else rows.head(2)
    n = int(f["valid"].iloc[0])
    scale = tuple(o for o in s.bank.scales[q.scale or ""] if not o.missing)
    picked = scale[-2:] if end == "high" else scale[:2]
    return _share_problem(
        key=f"question:{q.id}",
        phrase=q.problem or "",
        what=end_statement(scale, end or "high", q.text, single=True),
        picked=_words(picked),
        question=q.text,
        share=float(100 * chosen["n"].sum() / n),
        n=n,
        hidden=bool(chosen["suppressed"].any()),
        wave=wave,
        keep_all=keep_all,
        population=r.population,
    )


def _share_problem(
    *,
    key: str,
    phrase: str,
    what: str,
    picked: str,
    question: str,
    share: float,
    n: int,
    hidden: bool,
    wave: str | None,
    threshold: float = ITEM_SHARE,
    keep_all: bool = False,
    population: int | None = None,
) -> Problem | None:
    """A problem from a share at or above ``threshold`` (None below it, unless ``keep_all``);
    near the line when its Wilson interval (finite-population corrected with ``population``)
    reaches below it.
    A hidden share (its cells would give small counts away) is said only as “threshold% 及以上”
    (or withheld altogether below the threshold)."""
    if not share >= threshold and not (keep_all and share == share):
        return None
    if hidden and not share >= threshold:
        return None
    low, _ = wilson(round(share * n / 100), n, population=population)
    if hidden:
        figure = f"{say.pct(threshold, 0)} 及以上"
        detail = f"{n} 名作答者中，{figure}选择{picked}"
    else:
        figure = say.pct(share)
        count = round(share * n / 100)
        detail = f"{n} 名作答者中有 {count} 人（{figure}）选择{picked}"
    return Problem(
        key=key,
        phrase=phrase,
        statement=f"{figure}{'' if hidden else ' '}的受访者{what}",
        basis=_short_basis(detail),
        n=n,
        wave=wave,
        evidence=f"“{question}”一题，{detail}{_wave_said(wave)}。",
        share=share,
        near=bool(share >= threshold and low < threshold),
        figure=figure,
    )


def _short_basis(detail: str) -> str:
    """``300 人中 201 人（67.0%）选“非常不同意/不同意”`` from the detail of an evidence
    sentence (``300 名作答者中有 201 人（67.0%）选择“非常不同意”或“不同意”``)."""
    text = detail.replace(" 名作答者中有 ", " 人中 ").replace(" 名作答者中，", " 人中 ")
    return text.replace("选择", "选").replace("”或“", "/")


def _wave_said(wave: str | None) -> str:
    return f"（{wave}调查）" if wave else ""


def _options(s: Survey, r: Results, wave: str | None, keep_all: bool = False) -> list[Problem]:
    """Rule 2: options of multiple-choice and unordered single questions."""
    out = []
    for q in s.bank.questions:
        if q.problem_when != "high" or q.type not in ("multi", "single") or q.scale:
            continue
        table = r.multi[r.multi["question"] == q.id] if q.type == "multi" else None
        if q.type == "single":
            table = r.frequencies[r.frequencies["field"] == q.id]
        if table is None or table.empty or int(table["valid"].iloc[0]) < r.k:
            continue
        n = int(table["valid"].iloc[0])
        options = {o.code: o for o in s.bank.question(q.id).options}
        for row in table.to_dict(orient="records"):
            o = options.get(int(row["option"]))
            if o is None or o.none or o.missing or bool(row.get("dont_know", False)):
                continue
            label = say.report_label(o.label)
            p = _share_problem(
                key=f"option:{q.id}:{o.code}",
                phrase=o.problem or "",
                what=f"选择了“{label}”",
                picked=f"“{label}”",
                question=q.text,
                share=float(row["percent"]),
                n=n,
                hidden=bool(row["suppressed"]),
                wave=wave,
                threshold=OPTION_SHARE,
                keep_all=keep_all,
                population=r.population,
            )
            out += [p] if p else []
    return out


def _groups(s: Survey, r: Results, wave: str | None) -> list[Problem]:
    """Rule 3: a group significantly at the problem end of a construct."""
    out: list[Problem] = []
    if r.group_tests.empty:
        return out
    directions = {
        q.construct: q.problem_when
        for q in s.bank.questions
        if q.type == "likert" and q.construct and q.problem_when
    }
    gt = r.group_tests
    sig = gt[(gt["p_adjusted"] < ALPHA) & (gt["kind"] == "construct")]
    for row in sig.to_dict(orient="records"):
        direction = directions.get(row["field"])
        if direction:
            p = group_problem(s, row, direction, wave)
            out += [p] if p else []
    return out


def worse_group(
    row: dict, direction: str, exclude: frozenset[int] = frozenset()
) -> tuple[int, list[int]] | None:
    """The group at the problem end of a significant comparison and the groups it is
    significantly beyond *in that direction* (pairs ordered by the mean ranks the test
    compared, see analysis.compare.ordered_pairs); None when no pair supports naming a group.

    Groups in ``exclude`` (其他, the merged small groups: no unit to hand a problem to) are
    neither named nor named against. Among several candidates, the one beyond the most
    groups is named (ties: the most extreme mean rank)."""
    pairs = [(a, b) for a, b in ordered_pairs(row, ALPHA) if a not in exclude and b not in exclude]
    if direction == "low":
        pairs = [(b, a) for a, b in pairs]  # (further at the problem end, other)
    beyond: dict[int, list[int]] = {}
    for worse, other in pairs:
        beyond.setdefault(worse, []).append(other)
    if not beyond:
        return None
    ranks = row.get("mean_ranks") or {}
    sign = 1 if direction == "high" else -1
    worst = max(beyond, key=lambda c: (len(beyond[c]), sign * ranks.get(c, 0.0)))
    return worst, sorted(beyond[worst])


def catch_all(options) -> frozenset[int]:
    """Codes of a breakdown's groups that are not a group to rank: 其他 (the form's
    其他（请注明） or an option labelled 其他…) and the merged small groups."""
    codes = {o.code for o in options if say.report_label(o.label).startswith(say.REPORT_OTHER)}
    return frozenset(codes | {MERGED_CODE})


def group_problem(s: Survey, row: dict, direction: str, wave: str | None) -> Problem | None:
    """The problem of the group at the problem end of one significant construct comparison."""
    g = s.bank.field(row["by"])
    found = worse_group(row, direction, catch_all(g.options))
    if found is None:
        return None
    worst, others = found
    labels = say.group_labels(g.options)
    name, construct = labels[worst], row["field"]
    agree = means_agree(row, ordered_pairs(row, ALPHA))
    shown = not row.get("group_means_suppressed", False) and agree
    mean = row["group_means"][worst]
    more = "高" if direction == "high" else "低"
    shown_mean = f"平均得分 {mean:.2f}" if shown else ""
    figure = f"{shown_mean}，" if shown else ""
    vs = "".join(f"“{labels[c]}”" for c in others)
    phrase = (
        f"“{name}”的{construct}问题更为突出"
        if direction == "high"
        else f"“{name}”对{construct}的评价偏低"
    )
    statement = f"{figure}明显{more}于{vs}"
    test = (
        "Mann–Whitney U 检验"
        if row["test"] == "mannwhitney"
        else "Kruskal–Wallis 检验和 Dunn 两两比较（Holm 校正）"
    )
    return Problem(
        key=f"group:{construct}:{row['by']}:{worst}",  # the code: labels get edited
        phrase=phrase,
        statement=statement,
        n=int(row["n"]),
        wave=wave,
        figure=shown_mean,
        basis=f"{statement}（差异在统计上可靠）",
        evidence=f"按{say.by_noun(s.bank.question(g.question).text)}分组比较“{construct}”维度得分"
        f"（1～5 分，分数越{'高' if direction == 'high' else '低'}问题越突出）：“{name}”{statement}"
        f"（{test}，多重比较校正后 p < 0.05）{_wave_said(wave)}。",
    )


def candidate_problems(s: Survey, r: Results, wave: str | None = None) -> list[Problem]:
    """Problems by the rule above: clear ones by share, then those near the line, then group
    problems; one per phrase (the first, strongest, kept); none from fewer than
    MIN_PROBLEM_BASE answers (the report and the lists both come here)."""
    found = [p for p in _scaled(s, r, wave) + _options(s, r, wave) if p.n >= MIN_PROBLEM_BASE]
    clear = sorted((p for p in found if not p.near), key=lambda p: -p.share)
    near = sorted((p for p in found if p.near), key=lambda p: -p.share)
    out, phrases = [], set()
    groups = [p for p in _groups(s, r, wave) if p.n >= MIN_PROBLEM_BASE]
    for p in [*clear, *near, *groups]:
        if p.phrase and p.phrase in phrases:
            continue
        phrases.add(p.phrase)
        out.append(p)
    return out


def measures(s: Survey, r: Results, wave: str | None = None) -> dict[str, Problem]:
    """Every item and option the rule looks at, whether or not it reaches its threshold, by
    key: what the lists show as 最新数据 for a problem the latest data no longer support."""
    return {p.key: p for p in _scaled(s, r, wave, True) + _options(s, r, wave, True)}


def for_lists(s: Survey, r: Results, wave: str | None) -> tuple[list[dict], dict[str, dict]]:
    """What ``followup.lists.make_lists`` takes: the candidate problems and, by key, the
    latest figure of every item and option (for problems no longer supported)."""
    found = [p.as_dict() for p in candidate_problems(s, r, wave)]
    return found, {k: p.as_dict() for k, p in measures(s, r, wave).items()}


__all__ = [
    "RULE",
    "Problem",
    "candidate_problems",
    "end_statement",
    "for_lists",
    "measures",
    "problem_end",
]
