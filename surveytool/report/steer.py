"""What a report on a subset, or a weighted report, says about itself: the subset in the
title and 调查基本情况, the weighting in plain Chinese in 调查基本情况 and the appendix."""

from __future__ import annotations

from surveytool.analysis.data import Survey
from surveytool.analysis.subset import describe
from surveytool.analysis.weights import Design

WEIGHTED_BASICS = (
    "本报告中的百分比和平均值按各单位人数加权；未加权人数 n 同时列出。"
    "加权后，每个单位的答卷代表该单位的全体人员，回收份数多的单位不会因此在结果中占更大比重。"
)
WEIGHTED_METHOD = (
    "加权方法：以单位为层，按调研计划中各单位的总人数计算权数（单位人数 ÷ 该单位有效答卷份数）；"
    "百分比、平均值及其标准误、95% 置信区间按分层抽样的方法计算（与 R 语言 survey 包的 "
    "svydesign(id = ~1, strata = ~单位, fpc = ~人数) 相同）；分组差异的卡方检验采用 Rao–Scott "
    "校正（与 svychisq 相同）；等级检验（Mann–Whitney、Kruskal–Wallis）没有公认的加权做法，"
    "仍按未加权数据计算；中位数和信度系数也未加权。表中人数 n 均为实际答卷份数（未加权）。"
)


def subset_phrase(s: Survey, where: str) -> str:
    """``学校类型为“公立学校”的受访者`` for a ``--where`` expression."""
    return f"{describe(s, where)}的受访者"


def weighting_sentences(design: Design) -> list[str]:
    """The weighting in plain Chinese: units, people, units without answers."""
    out = [
        WEIGHTED_BASICS
        + f"加权涉及 {int((design.n_h > 0).sum())} 个有答卷的单位，共 {design.population} 人。"
    ]
    if design.absent:
        names = "、".join(f"{u}（{n} 人）" for u, n in design.absent)
        out.append(
            f"以下单位没有有效答卷：{names}，占调研计划各单位总人数的 "
            f"{100 * design.absent_share:.1f}%；本报告的估计只代表有答卷的单位。"
        )
    return out


def steer_context(ctx: dict, s: Survey, where: str | None, design: Design | None) -> None:
    """Add the subset and the weighting to a built report context (in place)."""
    lines = []
    if where:
        phrase = subset_phrase(s, where)
        ctx["title"] = f"{ctx['title']}——{phrase}"
        lines.append(f"本报告只统计{phrase}，共 {s.n} 份有效答卷（筛选条件：{where}）。")
    if design is not None:
        lines += weighting_sentences(design)
    if not lines:
        return
    for section in ctx["sections"]:
        if section["title"].endswith("调查基本情况"):
            section["blocks"][1:1] = [{"para": t} for t in lines]
        if section["title"] == "附录" and design is not None:
            section["blocks"].insert(1, {"para": WEIGHTED_METHOD})
