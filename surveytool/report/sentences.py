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
        return f"{subject}{moved}：{pairs}，差异在统计上显著，{VERDICT_WORDS[row['verdict']]}。"
    way = "上升" if row.get("moved", row["change"]) > 0 else "下降"
    return f"{subject}{way}{moved}，差异在统计上显著，{VERDICT_WORDS[row['verdict']]}。"


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


def by_noun(text: str) -> str:
    """A grouping question's text as a short noun (您所在单位的类型 -> 单位类型, 贵企业的性质 ->
    企业性质) for “不同…的回答者” / “按…分组”; a question that is not one (是否…, 哪…, a long
    sentence, a phrase still holding 的) comes back whole, in quotation marks."""
    t = re.sub(r"[（(][^）)]*[）)]", "", text).rstrip("？?：: ")
    noun = re.sub(r"^您(的|目前的|现在的|所在的|所在|主要从事的|目前)?", "", t)
    noun = re.sub(r"^在(本|目前)(单位|企业)(担任)?的?", "", noun)
    noun = re.sub(r"^贵(\w{1,2}?)的", r"\1", noun).removeprefix("贵")
    noun = re.sub(r"的(类型|类别|级别|性质|规模)$", r"\1", noun)
    if len(noun) <= 12 and not re.search(r"[？?，,。：:的]|是否|哪|以下|是$|^该", noun):
        return noun
    return f"“{text.rstrip('？?：: ')}”"


CN_DIGITS = "〇一二三四五六七八九十"


def cn(n: int) -> str:
    """Chinese numeral for section numbers: 1 -> 一, 12 -> 十二, 20 -> 二十."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")
