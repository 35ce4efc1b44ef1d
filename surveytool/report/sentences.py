"""Chinese wording shared by the report: numbers and p values as the report prints them,
the words a share deserves, option and group labels as a report names them, grouping
questions as nouns, Chinese numerals, and the follow-up's sentences.

Rules, so a draft never overstates: a proportion is only called 超过半数 above 50%, 大多数
from 75%, 绝大多数 from 90%; a change between waves is only called one when its test says so.
"""

from __future__ import annotations

import math
import re

from surveytool.bank.model import OTHER_LABEL

REPORT_OTHER = "其他"  # the form's 其他（请注明） is an instruction to fill in, not a result


def group_labels(options) -> dict[int, str]:
    """Code -> label of a breakdown's groups as a report names them, the merged small groups
    (code -1, see analysis.disclosure.merge_small_groups) included."""
    from surveytool.analysis.disclosure import MERGED_CODE, MERGED_LABEL

    return {o.code: report_label(o.label) for o in options} | {MERGED_CODE: MERGED_LABEL}


def report_label(label: str) -> str:
    """An option label as a report shows it (其他（请注明） -> 其他)."""
    return REPORT_OTHER if label == OTHER_LABEL else label


def pct(x: float, digits: int = 1) -> str:
    """``71.2%`` (one decimal by default)."""
    return f"{x:.{digits}f}%"


def num(x: float, digits: int = 1) -> str:
    """A number without a trailing ``.0`` for whole values: ``36``, ``36.5``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{float(x):.{digits}f}".rstrip("0").rstrip(".")


def quantifier(p: float) -> str:
    """The word a share deserves ('' below or at 50%)."""
    if p >= 90:
        return "绝大多数"
    if p >= 75:
        return "大多数"
    if p > 50:
        return "超过半数"
    return ""


def p_text(p: float) -> str:
    """``p < 0.001`` or ``p = 0.012``."""
    if p is None or math.isnan(p):
        return "p 不适用"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


TEST_NAMES = {
    "kruskal": "Kruskal–Wallis 检验",
    "mannwhitney": "Mann–Whitney U 检验",
    "chi2": "Pearson 卡方检验",
    "fisher": "Fisher 精确检验",
    "fisher_ffh": "Fisher–Freeman–Halton 精确检验",
    "rao_scott": "Rao–Scott 校正卡方检验（加权）",
}


def with_ci(text: str, low: float | None, high: float | None, digits: int = 2) -> str:
    """An effect size with its 95% interval: ``0.42［0.30, 0.53］`` (∞ for an unbounded end;
    the figure alone when there is no interval)."""
    if low is None or high is None or low != low or high != high:
        return text
    end = "∞" if math.isinf(high) else f"{high:.{digits}f}"
    return f"{text}［{low:.{digits}f}, {end}］"


def odds_ratio_text(row: dict) -> str:
    """A Fisher test's odds ratio as every output prints it: ``4.33``, ``4.33（零单元格校正）``
    for a Haldane–Anscombe corrected one, 「无法估计」 when there is none."""
    v = row.get("odds_ratio")
    if v is None or v != v or math.isinf(v):
        return "无法估计"
    shown = with_ci(f"{v:.2f}", row.get("odds_ratio_low"), row.get("odds_ratio_high"))
    return shown + ("（零单元格校正）" if row.get("odds_ratio_corrected") else "")


VERDICT_WORDS = {
    "improved": "有所改善",
    "worsened": "有所变差",
    "increased": "有所上升",
    "decreased": "有所下降",
}


def wave_change(label: str, row: dict, wave_a: str, wave_b: str, values: bool = True) -> str:
    """One compared item or construct between two waves, never claiming a change the test
    does not support; ``values=False`` leaves out the two waves' means (or shares)."""
    binary = row.get("kind") == "binary"

    def show(x: float) -> str:
        return pct(100 * x) if binary else f"{x:.2f}"

    a, b = row["mean_a"], row["mean_b"]
    if values and (a != a or b != b):
        return f"“{label}”在两轮中没有足够的回答，无法比较。"
    moved = f"（“{wave_a}”{show(a)} → “{wave_b}”{show(b)}）" if values else ""
    subject = label if label.startswith("“") else f"“{label}”"
    pairs = pair_shares(row) if values else ""
    if row["verdict"] == "no_change":
        return f"{subject}未发现统计上可检出的变化{moved}{'；' + pairs if pairs else ''}。"
    if pairs:  # the linked respondents' own changes are what the test compared
        return f"{subject}{moved}：{pairs}，变化在统计上可靠，{VERDICT_WORDS[row['verdict']]}。"
    way = "上升" if row.get("moved", row["change"]) > 0 else "下降"
    return f"{subject}{way}{moved}，变化在统计上可靠，{VERDICT_WORDS[row['verdict']]}。"


def pair_shares(row: dict) -> str:
    """For a paired comparison, what happened to the linked respondents: 「在两轮都作答的 30 人中，
    25 人（83.3%）改善、5 人（16.7%）不变、0 人变差」 (上升/下降 where the bank gives no problem
    direction); '' for independent samples or when withheld."""
    if row.get("design") != "paired" or row.get("values_hidden"):
        return ""
    up, down, same = (row.get(c) for c in ("n_up", "n_down", "n_same"))
    if any(x is None or x != x for x in (up, down, same)) or not (up + down + same):
        return ""
    total = int(up + down + same)
    way = row.get("direction")
    if way == "high":  # the problem end is high: going down is the improvement
        parts = [("改善", down), ("不变", same), ("变差", up)]
    elif way == "low":
        parts = [("改善", up), ("不变", same), ("变差", down)]
    else:
        parts = [("上升", up), ("不变", same), ("下降", down)]
    said = "、".join(f"{int(k)} 人（{pct(100 * k / total)}）{w}" for w, k in parts)
    return f"在两轮都作答的 {total} 人中，{said}"


WAVE_TESTS = {
    "wilcoxon": "Wilcoxon 符号秩检验（配对）",
    "mcnemar": "McNemar 检验（配对）",
    "mannwhitney": "Mann–Whitney U 检验",
    "chi2": "Pearson 卡方检验",
}


def wave_note(row: dict) -> str:
    """The test behind a wave comparison, for a footnote."""
    if not row.get("test"):
        return "未检验（没有可比较的回答或回答没有变化）。"
    if row.get("values_hidden"):
        return f"{WAVE_TESTS[row['test']]}；为保护个人，检验统计量和 p 值不予报告（某一轮有少于 5 人的类别）。"
    exact = "，精确检验" if row.get("method") == "exact" else ""
    effect = with_ci(f"{row['effect_size']:.2f}", row.get("effect_low"), row.get("effect_high"))
    return (
        f"{WAVE_TESTS[row['test']]}{exact}，统计量 {row['statistic']:.2f}，{p_text(row['p_value'])}"
        f"（BH 校正后 {p_text(row['p_adjusted'])}），效应量 {effect}（方括号内为 95% 置信区间），"
        f"n = {int(row['n'])}。"
    )


_TOPIC_STEPS = (
    (r"[（(][^）)]*[）)]", ""),  # asides: （可多选）, （截至填表时）
    (r"^([^？?]*)[？?].*$", r"\1"),  # the question, not a following instruction
    (r"[？?：:。；\s]+$", ""),
    (r"^请(根据[^，]*，)?对(以下)?(.+?)(作出(判断|评价)|表明.*程度)$", r"\3"),
    (r"^总体(而言|来看|上)，", ""),
    (r"^(以下)?(.+?)中，您?(.+?)的是哪[几一二三四五]?[项个种]$", r"\3的\2"),
    (r"^在(.+?)中，", r"\1中"),
    (r"以下各", "各"),
    (r"以下", "各"),
    (r"给您带来的", "带来的"),
    (r"^您认为", ""),
    (r"您(所在的?|目前的?|的)?", ""),
    (r"贵(单位|企业|机构|载体|院|校)", r"所在\1"),
    (r"^([^，]{2,6})，(?=[^，]*$)", r"\1"),
    (r"^对", ""),
    (r"^(所处|获得|享有|面临)的", ""),
    (r"有哪些(\w{1,2})$", r"的\1"),
    (r"(约为|约占|为|是|有|包括)?(多少\w{0,2}|百分之几|哪些|哪几项|哪[一二三]项|什么)$", ""),
    (r"(程度)?如何$", r"\1"),
    (r"^(关于[^，]+)，对各说法的同意程度$", r"\1"),
    (r"^与(.+?)相比，(.+)$", r"\2（与\1相比）"),
)
GENERIC_TOPICS = {"说法", "各说法", "各项", "情况"}  # nothing to name: callers say something else


def topic(text: str) -> str:
    """A question's wording as a topic a report can name without quoting the form: the
    respondent (您) and the question's ending taken out, e.g. 「您对…工作以下方面的满意程度
    如何？」 -> 「…工作各方面的满意程度」, 「请对您的生活保障情况作出判断」 -> 「生活保障情况」,
    「您未与柳州企业开展科研合作的主要原因是什么？（最多选三项）」 -> 「未与柳州企业开展科研合作的
    主要原因」."""
    t = text.strip()
    for pattern, repl in _TOPIC_STEPS:
        t = re.sub(pattern, repl, t)
    t = t.strip("，, ")
    return "" if t in GENERIC_TOPICS else t


def about(text: str, fallback: str = "") -> str:
    """「关于{topic}」, the way a report opens a sentence on a question (``fallback``, e.g.
    the section's title, when the wording names nothing but 说法)."""
    t = topic(text) or fallback
    return t if t.startswith("关于") else f"关于{t}"


def by_noun(text: str) -> str:
    """A grouping question's text as a short noun (您所在单位的类型 -> 单位类型, 贵企业的性质 ->
    企业性质) for “不同…的回答者” / “按…分组”; a question that is not one (是否…, 哪…, a long
    sentence, a phrase still holding 的) comes back as its topic (see :func:`topic`), or
    whole in quotation marks when even that would keep 您."""
    t = re.sub(r"[（(][^）)]*[）)]", "", text).rstrip("？?：: ")
    noun = re.sub(r"^您(的|目前的|现在的|所在的|所在|主要从事的|目前)?", "", t)
    noun = re.sub(r"^在(本|目前)(单位|企业)(担任)?的?", "", noun)
    noun = re.sub(r"^贵(\w{1,2}?)的", r"\1", noun).removeprefix("贵")
    noun = re.sub(r"的(类型|类别|级别|性质|规模)$", r"\1", noun)
    if len(noun) <= 12 and not re.search(r"[？?，,。：:的]|是否|哪|以下|是$|^该", noun):
        return noun
    named = topic(text)  # the question's topic, not its wording with 您
    return named if named and not re.search("[您你]", named) else f"“{text.rstrip('？?：: ')}”"


CN_DIGITS = "〇一二三四五六七八九十"


def cn(n: int) -> str:
    """Chinese numeral for section numbers: 1 -> 一, 12 -> 十二, 20 -> 二十."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")
