"""Drafted Chinese sentences with the numbers and bases in them.

Rules, so a draft never overstates:
- a proportion is only called 超过半数 above 50%, 大多数 from 75%, 绝大多数 from 90%;
- ties are said as ties (并列), equal shares as equal (均为);
- a figure about fewer than ``k`` respondents is not given (the sentence says why);
- with fewer than 30 respondents the sentence adds that the result is only indicative;
- every sentence names its base (在 N 名回答者中).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from surveytool.bank.model import OTHER_LABEL

SMALL_N = 30


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


def caution(n: int) -> str:
    """A note for small bases."""
    return "（回答人数较少，结论仅供参考）" if n < SMALL_N else ""


def not_reported(n: int, base: int, k: int) -> str | None:
    """The sentence for a question that cannot be described, else None."""
    if base == 0:
        return "本题没有受访者需要回答（均按跳题规则跳过）。"
    if n == 0:
        return "本题无人作答。"
    if n < k:
        return f"本题作答人数少于 {k} 人，为保护受访者，不报告具体比例。"
    return None


def _list(items: Sequence[str]) -> str:
    """“A”、“B”和“C”."""
    quoted = [f"“{x}”" for x in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return "、".join(quoted[:-1]) + "和" + quoted[-1]


def _groups_by_share(options: Sequence[tuple[str, float]]) -> list[tuple[list[str], float]]:
    """Options grouped by equal (rounded) share, highest first."""
    out: list[tuple[list[str], float]] = []
    for label, p in sorted(options, key=lambda o: -o[1]):
        if out and round(out[-1][1], 1) == round(p, 1):
            out[-1][0].append(label)
        else:
            out.append(([label], p))
    return out


def choice(
    options: Sequence[tuple[str, float]],
    n: int,
    base: int,
    k: int,
    verb: str = "选择",
    multi: bool = False,
    hidden: int = 0,
) -> str:
    """Single or multiple choice. ``options`` = (label, percent of n), any order, without
    the ``hidden`` options (suppressed small cells), which are never named."""
    skip = not_reported(n, base, k)
    if skip:
        return skip
    options = [o for o in options if o[1] > 0]
    if not options:
        if hidden:
            return protected(n, k)
        return f"在 {n} 名回答者中，没有人{verb}任何选项。"
    groups = _groups_by_share(options)
    intro = f"在 {n} 名回答者中{'（可多选）' if multi else ''}，"
    top, p = groups[0]
    if len(groups) == 1 and len(top) > 1:
        return f"{intro}各选项的{verb}比例相同（均为 {pct(p)}）。{caution(n)}".rstrip()
    if len(top) == 1 and p >= 100 - 1e-9 and not multi:
        return f"全部 {n} 名回答者均{verb}“{top[0]}”。{caution(n)}".rstrip()
    if len(top) > 1:
        head = f"{intro}{verb}{_list(top)}的比例并列最高（均为 {pct(p)}）"
    elif quantifier(p):
        head = f"{intro}{quantifier(p)}（{pct(p)}）的回答者{verb}了“{top[0]}”"
    else:
        head = f"{intro}{verb}“{top[0]}”的比例最高，为 {pct(p)}"
    rest = [
        f"“{'”“'.join(labels)}”（{'各' if len(labels) > 1 else ''}{pct(q)}）"
        for labels, q in groups[1:3]
    ]
    tail = f"，其次是{'和'.join(rest)}" if rest else ""
    return f"{head}{tail}。{caution(n)}"


def _left_out(k: int) -> str:
    """Said when some items' share may not be shown (and so were not compared)."""
    return f"（另有 {k} 个题项为保护个人未报告这一比例，未参与比较）" if k else ""


def likert_battery(
    items: Sequence[tuple[str, float, float]], n: int, k: int, agree_words: str, disagree_words: str
) -> str:
    """A battery of items: (item text, top-2 percent, bottom-2 percent); a share that may not
    be shown (NaN, see analysis.disclosure.likert_derived) leaves its item out of that ranking."""
    if n < k:
        return not_reported(n, n, k) or ""
    tops = [(t, a) for t, a, _ in items if a == a]
    bottoms = [(t, b) for t, _, b in items if b == b]
    parts = []
    if tops:
        by_top = _groups_by_share(tops)
        hi_labels, hi = by_top[0]
        lo_labels, lo = by_top[-1]
        part = f"{agree_words}比例最高的是{_list(hi_labels)}（{pct(hi)}）"
        if len(by_top) > 1:
            part += f"，最低的是{_list(lo_labels)}（{pct(lo)}）"
        parts.append(part + _left_out(len(items) - len(tops)) + "。")
    worst = max(bottoms, key=lambda i: i[1]) if bottoms else ("", 0.0)
    if worst[1] > 0:
        parts.append(
            f"{disagree_words}比例最高的是“{worst[0]}”（{pct(worst[1])}）"
            + _left_out(len(items) - len(bottoms))
            + "。"
        )
    return f"在 {n} 名回答者中，" + "".join(parts) + caution(n) if parts else ""


def number(
    n: int,
    base: int,
    k: int,
    mean: float,
    median: float,
    q1: float,
    q3: float,
    unit: str,
    outliers: int,
) -> str:
    """A number question (its text is the heading above the sentence)."""
    skip = not_reported(n, base, k)
    if skip:
        return skip
    # spacing as in Chinese typesetting: "43.4 小时", "35%", "32～55 小时之间", "24～44% 之间"
    u = f" {unit}" if unit and unit[0] not in "%‰°" else unit or ""
    after = "" if unit and ord(unit[-1]) > 0x2E80 else " "  # "小时之间", "kg 之间", "% 之间"
    s = (
        f"在 {n} 名回答者中，本题回答的平均值为 {num(mean)}{u}，中位数为 {num(median)}{u}，"
        f"中间一半回答者在 {num(q1)}～{num(q3)}{u}{after}之间。"
    )
    if outliers:
        s += f"另有 {outliers} 个明显偏离多数人的数值（已保留，未剔除）。"
    return s + caution(n)


def protected(n: int, k: int) -> str:
    """When every option is a suppressed small cell."""
    return (
        f"在 {n} 名回答者中，各选项的人数都较少（少于 {k} 人或需一并隐藏），为保护个人不逐项报告。"
    )


def ranking(options: Sequence[tuple[str, float, float]], n: int, base: int, k: int) -> str:
    """A ranking question: (label, percent ranked first, mean rank), suppressed options left
    out by the caller."""
    skip = not_reported(n, base, k)
    if skip:
        return skip
    if not options:
        return protected(n, k)
    groups = _groups_by_share([(label, p) for label, p, _ in options])
    top, p = groups[0]
    mean_rank = {label: r for label, _, r in options}
    if len(top) > 1:
        s = f"在 {n} 名回答者中，把{_list(top)}排在第一位的比例并列最高（均为 {pct(p)}）"
    else:
        s = (
            f"在 {n} 名回答者中，把“{top[0]}”排在第一位的比例最高（{pct(p)}），"
            f"其平均名次为 {num(mean_rank[top[0]], 2)}"
        )
    if len(groups) > 1:
        nxt, q = groups[1]
        s += f"；其次是{_list(nxt)}（{pct(q)}）"
    return s + "。" + caution(n)


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
}


def test_note(row: dict) -> str:
    """Test, statistic, df, p (and BH-adjusted p) and effect size, for a footnote; Fisher's
    test with its own figures (p and the odds ratio), never Pearson's χ²; the test's
    caveat (sparse cells, excluded groups) after it."""
    test = row.get("test", "")
    name = TEST_NAMES.get(test, test)
    caveat = f"{row['warning']}" if row.get("warning") else ""
    if test == "fisher":
        return (
            f"{name}，{p_text(row['p_value'])}（BH 校正后 {p_text(row['p_adjusted'])}），"
            f"比值比 OR = {row['odds_ratio']:.2f}，n = {int(row['n'])}。{caveat}"
        )
    if test == "chi2":
        stat = f"χ² = {row['chi2']:.2f}，df = {int(row['df'])}"
        effect = f"Cramér's V = {row['cramers_v']:.2f}"
    elif test == "kruskal":
        stat = f"H = {row['statistic']:.2f}，df = {int(row['df'])}"
        effect = f"ε² = {row['effect_size']:.3f}"
    else:
        stat = f"U = {row['statistic']:.1f}"
        effect = f"秩二列相关 r = {row['effect_size']:.2f}"
    return (
        f"{name}，{stat}，{p_text(row['p_value'])}"
        f"（BH 校正后 {p_text(row['p_adjusted'])}），{effect}，n = {int(row['n'])}。{caveat}"
    )


def groups_phrase(by_text: str) -> str:
    """“不同单位的回答者”, or for a grouping question quoted whole, “按“…”分组，各组回答者”."""
    return f"按{by_text}分组，各组回答者" if by_text.startswith("“") else f"不同{by_text}的回答者"


def group_difference(
    subject: str, by_text: str, means: dict[str, float], scale: str, values: bool = True
) -> str:
    """A significant rank-test difference: which groups score highest and lowest (without
    the means when ``values`` is False)."""
    ordered = sorted(means.items(), key=lambda kv: -kv[1])
    (hi_g, hi), (lo_g, lo) = ordered[0], ordered[-1]

    def show(x: float) -> str:  # scores as in the tables (3.00); other values as typed
        if not values:
            return ""
        return f"（{x:.2f}）" if scale == "得分" else f"（{num(x, 2)}）"

    return (
        f"{groups_phrase(by_text)}在“{subject}”上存在统计上显著的差异："
        f"“{hi_g}”的平均{scale}最高{show(hi)}，“{lo_g}”最低{show(lo)}。"
    )


def distribution_difference(subject: str, by_text: str) -> str:
    """A significant crosstab."""
    return f"{groups_phrase(by_text)}对“{subject}”的回答分布存在统计上显著的差异。"


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
    if row["verdict"] == "no_change":
        return f"{subject}未发现统计上可检出的变化{moved}。"
    way = "上升" if row.get("moved", row["change"]) > 0 else "下降"
    return f"{subject}{way}{moved}，差异在统计上显著，{VERDICT_WORDS[row['verdict']]}。"


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
    return (
        f"{WAVE_TESTS[row['test']]}，统计量 {row['statistic']:.2f}，{p_text(row['p_value'])}"
        f"（BH 校正后 {p_text(row['p_adjusted'])}），效应量 {row['effect_size']:.2f}，"
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
FORMATS = ("html", "md", "docx")


def cn(n: int) -> str:
    """Chinese numeral for section numbers: 1 -> 一, 12 -> 十二, 20 -> 二十."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")
