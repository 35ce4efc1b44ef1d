"""分组比较 (section 三) and the appendix table of every test.

One test per item: ordered answers (scale items, scaled single questions, numbers, construct
scores) by a rank test; unordered choices by chi-square (Fisher for a sparse 2x2). The body
names a group better or worse only where a pairwise test (Dunn, Holm; for two groups the
Mann–Whitney test itself) is significant, and says 更好/更差 by the problem direction the
bank gives; without a direction it says only higher or lower. A test's sparse-cell caveat
travels with its result.
"""

from __future__ import annotations

import re

from surveytool.analysis import Results, Survey
from surveytool.analysis.compare import means_agree, ordered_pairs
from surveytool.bank.model import OTHER_LABEL
from surveytool.report import sentences as say
from surveytool.report.numbering import Numbering
from surveytool.report.problems import catch_all, problem_end, worse_group

MAX_COMPARISONS = 4
ALPHA = 0.05


def direction(s: Survey, name: str, kind: str) -> str | None:
    """Which end is the problem for a compared construct or field ('high', 'low', None)."""
    if kind == "construct":
        return next((q.problem_when for q in s.bank.questions if q.construct == name), None)
    if kind == "number":
        return None
    f = s.bank.field(name)
    q = s.bank.question(f.question)
    item = next((i for i in q.items if i.id == name), None)
    return problem_end(q, item)


def subject(s: Survey, name: str, kind: str) -> str:
    """What was compared, as a reader knows it: “行政负担”维度得分, an item's text."""
    if kind == "construct":
        return f"“{name}”维度得分"
    return f"“{field_label(s, name)}”"


def body_subject(s: Survey, name: str, kind: str) -> str:
    """What was compared, as the body names it: a question's wording said as its topic
    (never the form's 您), an item's statement or an option as they are."""
    if kind == "construct":
        return subject(s, name, kind)
    return f"“{body_label(s, name)}”"


def body_label(s: Survey, fid: str) -> str:
    """A field's label with the question's wording said as its topic (sentences.topic):
    「您认为目前最突出的负担是哪几项？（最多选三项）：报销」 -> 「目前最突出的负担：报销」."""
    label = field_label(s, fid)
    q = s.bank.question(s.bank.field(fid).question)
    if label.startswith(q.text):
        named = say.topic(q.text) or q.text
        return named + label[len(q.text) :]
    return label


def field_label(s: Survey, fid: str) -> str:
    """A field's label as a report shows it (其他（请注明） said as 其他)."""
    return s.bank.field(fid).label.replace(OTHER_LABEL, say.REPORT_OTHER)


def by_text(s: Survey, fid: str) -> str:
    """A grouping question as a noun (单位, 单位类型) or quoted whole."""
    return say.by_noun(s.bank.question(s.bank.field(fid).question).text)


def _labels(s: Survey, by: str) -> dict[int, str]:
    return say.group_labels(s.bank.field(by).options)


def pairwise_sentence(s: Survey, row: dict, kind: str) -> str:
    """The groups that differ, in the problem's direction where the bank gives one. A group is
    named only with pairs significant in the stated direction (by the mean ranks the test
    compared); 其他 and the merged small groups are never named; otherwise the groups are
    said to differ without ranking them."""
    labels = _labels(s, row["by"])
    exclude = catch_all(s.bank.field(row["by"]).options)
    means = row["group_means"]
    agree = means_agree(row, ordered_pairs(row, ALPHA))
    show = not row.get("group_means_suppressed", False) and agree

    def name(c: int) -> str:
        return f"“{labels[c]}”" + (f"（{means[c]:.2f}）" if show else "")

    way = direction(s, row["field"], kind)
    found = worse_group(row, way if way in ("high", "low") else "high", exclude)
    if found is None:
        return (
            "各组之间存在差异（整体检验显著），但两两比较未发现可以明确排序的两组，"
            "不宜据此指认某一组。"
        )
    top, others = found
    more = "低" if way == "low" else "高"
    text = f"{name(top)}明显{more}于{''.join(f'“{labels[c]}”' for c in others)}"
    if way in ("high", "low"):
        text += f"；分数越{more}问题越突出，即“{labels[top]}”的情况更差"
    else:
        low = worse_group(row, "low", exclude)
        above = [c for c in low[1] if c != top] if low and low[0] != top else []
        if above:
            text += f"，{name(low[0])}明显低于{''.join(f'“{labels[c]}”' for c in above)}"
    if not agree:
        text += "（按等级检验的秩次判断；各组平均分的高低与此不一致，故不列出）"
    return text + "。"


def comparisons(s: Survey, r: Results, num: Numbering) -> list[dict]:
    """The blocks of 分组比较."""
    gt = r.group_tests
    ct = r.crosstabs
    tested = gt[gt["test"] != ""] if not gt.empty else gt
    sig = tested[tested["p_adjusted"] < ALPHA] if not tested.empty else tested
    ct_tested = ct[ct["test"] != ""] if not ct.empty else ct
    ct_sig = ct_tested[ct_tested["p_adjusted"] < ALPHA] if not ct_tested.empty else ct_tested
    total, n_sig = len(tested) + len(ct_tested), len(sig) + len(ct_sig)
    groups = "、".join(by_text(s, b) for b in r.by) or "（无分组字段）"
    intro = (
        f"本部分按{groups}对回答进行分组比较。量表题项、维度得分和数字题用等级检验，"
        f"分类题用卡方检验，每个指标只检验一次，共 {total} 项检验；人数少于 {r.k} 人的组不参加检验。"
    )
    if not n_sig:
        intro += (
            "没有发现统计上可靠的组间差异（已考虑同时比较多项带来的偶然差异）。"
            "这不代表各组完全相同，只说明在现有样本量下未能检出差异。"
        )
        return [{"para": intro}]
    intro += (
        f"其中 {n_sig} 项差异在统计上可靠（已考虑同时比较多项带来的偶然差异）。下面按差异从大到小"
        f"列出最多 {MAX_COMPARISONS} 项，全部检验结果见附录三。"
    )
    blocks: list[dict] = [{"para": intro}]
    ordered = sig.sort_values("effect_size", ascending=False).head(MAX_COMPARISONS)
    if not ordered.empty:
        blocks.append({"table": _rank_table(s, ordered, num)})
    if not ct_sig.empty:
        blocks.append({"table": _nominal_table(s, ct_sig.head(MAX_COMPARISONS), num)})
    return blocks


def _nominal_table(s: Survey, rows, num: Numbering) -> dict:
    """Significant differences in the answers to unordered choices (chi-square or Fisher),
    with each test's caveat (sparse cells, groups left out)."""
    body = []
    for c in rows.to_dict(orient="records"):
        body.append(
            [
                f"“{body_label(s, c['row'])}”",
                "结果仅供参考（部分组人数较少）" if c.get("warning") else "",
            ]
        )
    by = "、".join(dict.fromkeys(by_text(s, b) for b in rows["column"]))
    return num.table(
        f"回答分布因{by}不同而有显著差异的分类题",
        ["题目（选项）", "说明"],
        body,
        "注：分类题只说明各组的回答分布不同，不指认哪一组更好或更差；检验方法和结果见附录三。",
    )


def _rank_table(s: Survey, rows, num: Numbering) -> dict:
    """The strongest significant rank-test differences: what differs, between which groups
    (pairwise), the test's adjusted p and effect size."""
    body = []
    for row in rows.to_dict(orient="records"):
        body.append(
            [
                body_subject(s, row["field"], row["kind"]),
                pairwise_sentence(s, row, row["kind"]).removesuffix("。"),
            ]
        )
    by = "、".join(dict.fromkeys(by_text(s, b) for b in rows["by"]))
    return num.table(
        f"按{by}分组的主要差异",
        ["比较的指标", "差异所在（括号内为组平均分）"],
        body,
        "注：按差异大小排列；“差异所在”只列两两之间差异也在统计上可靠的组。"
        "检验方法和结果见附录三。",
    )


SHORT_TESTS = {
    "kruskal": "Kruskal–Wallis",
    "mannwhitney": "Mann–Whitney U",
    "chi2": "卡方",
    "fisher": "Fisher 精确",
    "fisher_ffh": "Fisher–Freeman–Halton",
    "rao_scott": "Rao–Scott 卡方（加权）",
}


def tests_table(s: Survey, r: Results) -> dict:
    """附录: every test of the run, labelled by question text and grouping, not by codes.
    With one grouping (the usual case) the grouping is named in the caption instead of a
    column, so the figures keep room on the page."""
    rows = []
    gt = r.group_tests
    for row in gt.sort_values("p_adjusted").to_dict(orient="records") if not gt.empty else []:
        if row["test"]:
            rows.append(
                _test_row(subject(s, row["field"], row["kind"]), by_text(s, row["by"]), row)
            )
    ct = r.crosstabs
    for c in ct.sort_values("p_adjusted").to_dict(orient="records") if not ct.empty else []:
        if c["test"]:
            c = {**c, "statistic": c["chi2"], "effect_size": c["cramers_v"]}
            c |= {"effect_low": c.get("cramers_v_low"), "effect_high": c.get("cramers_v_high")}
            rows.append(_test_row(f"“{field_label(s, c['row'])}”", by_text(s, c["column"]), c))
    header = ["指标", "分组", "检验", "统计量", "p", "校正后 p", "效应量", "人数", "说明"]
    caption = "附表　全部分组检验结果"
    groupings = {row[1] for row in rows}
    if len(groupings) == 1:
        caption += f"（按{groupings.pop()}分组）"
        header.pop(1)
        rows = [[row[0], *row[2:]] for row in rows]
    if not any(row[-1] for row in rows):
        header.pop()
        rows = [row[:-1] for row in rows]
    return {
        "caption": caption,
        "header": header,
        "rows": rows,
        "note": "注：先列等级检验，再列卡方检验，各按校正后 p 值排序；校正采用 Benjamini–Hochberg 方法，"
        "覆盖同一次分析的全部检验。效应量：Kruskal–Wallis 检验为 ε²，Mann–Whitney U 检验为秩二列相关，"
        "卡方检验为 Cramér's V，Fisher 精确检验为比值比（有单元格为 0 时各格加 0.5，即 Haldane–Anscombe "
        "校正）；方括号内为效应量的 95% 置信区间。“（精确）”表示小样本时采用的精确检验。",
    }


def _test_row(what: str, by: str, row: dict) -> list[str]:
    fisher = row["test"] == "fisher"
    return [
        what,
        by,
        SHORT_TESTS.get(row["test"], row["test"])
        + ("（精确）" if row.get("method") == "exact" else ""),
        "—" if fisher else f"{row['statistic']:.2f}",
        say.p_text(row["p_value"]).removeprefix("p "),
        say.p_text(row["p_adjusted"]).removeprefix("p "),
        say.odds_ratio_text(row)
        if fisher
        else say.with_ci(
            f"{row['effect_size']:.3f}", row.get("effect_low"), row.get("effect_high"), 3
        ),
        str(int(row["n"])),
        _short_warning(str(row.get("warning") or "")),
    ]


def _short_warning(text: str) -> str:
    """The chi-square caution in a few words for the appendix's narrow column: 「17% 的单元格
    期望频数小于 5（最小 3.6），卡方检验结果仅供参考。」 -> 「期望频数<5 的格 17%，仅供参考」."""
    m = re.match(r"(\d+%) 的单元格期望频数小于 5", text)
    return f"期望频数<5 的格 {m.group(1)}，仅供参考" if m else text


__all__ = ["comparisons", "direction", "pairwise_sentence", "tests_table"]
