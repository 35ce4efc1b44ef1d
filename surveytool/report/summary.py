"""摘要: one page a reader above the topic owner reads first.

- 调查概况: who was asked, how many answered, when;
- 主要结论: 5–8 points, one figure each — the strongest fact of each part of the
  questionnaire, and the follow-up verdicts when two waves are compared;
- 主要问题: the candidate problems, ranked (clear ones before those near the line);
- 对策建议: placeholders for the owner (the tool does not invent measures).
"""

from __future__ import annotations

from surveytool.report.findings import Fact
from surveytool.report.problems import Problem

MIN_POINTS, MAX_POINTS = 5, 5
MAX_PROBLEMS = 5
ADVICE = 3


def picked_facts(facts_by_section: list[list[Fact]], extra: int) -> list[Fact]:
    """The facts the main conclusions state, in order, beside ``extra`` wave verdicts: the
    strongest fact of each section, then the next strongest overall until at least
    MIN_POINTS; at most MAX_POINTS in all."""
    picked: list[Fact] = []
    rest: list[Fact] = []
    for facts in facts_by_section:
        ranked = sorted(facts, key=lambda f: -f.weight)
        if ranked:
            picked.append(ranked[0])
            rest.extend(ranked[1:])
    for fact in sorted(rest, key=lambda f: -f.weight):
        if len(picked) >= MIN_POINTS:
            break
        picked.append(fact)
    room = MAX_POINTS - extra
    return picked[: max(room, MIN_POINTS - extra, 0)]


def conclusions(facts_by_section: list[list[Fact]], extra: list[str]) -> list[str]:
    """The main conclusions: :func:`picked_facts` as sentences, then ``extra`` (wave
    verdicts)."""
    return [f"{f.brief}。" for f in picked_facts(facts_by_section, len(extra))] + extra


def summary_blocks(
    overview: str,
    facts_by_section: list[list[Fact]],
    problems: list[Problem],
    extra: list[str],
) -> list[dict]:
    """The blocks of the 摘要 section."""
    blocks: list[dict] = [{"para": overview}, {"heading": "（一）主要结论", "level": 2}]
    points = conclusions(facts_by_section, extra)
    blocks.append({"items": points or ["（数据不足，未形成结论。）"], "ordered": True})
    blocks.append({"heading": "（二）主要问题", "level": 2})
    if problems:
        titles = [p.brief for p in problems[:MAX_PROBLEMS]]
        more = len(problems) - len(titles)
        blocks.append({"items": titles, "ordered": True})
        tail = f"另有 {more} 项，" if more > 0 else ""
        waves = {p.wave for p in problems[:MAX_PROBLEMS] if p.wave}
        basis = f"以上比例依据“{waves.pop()}”调查。" if len(waves) == 1 else ""
        blocks.append(
            {"note": f"{basis}{tail}详见第五部分“存在的主要问题”，其中列出了每个问题的数据依据。"}
        )
    else:
        blocks.append({"para": "按附录所列规则，未从数据中识别出突出问题。"})
    blocks.append({"heading": "（三）对策建议（待撰写人填写）", "level": 2})
    advice = [f"针对“{p.phrase or p.statement}”：（待填写）" for p in problems[:ADVICE]] or [
        "（请结合调查发现和原因分析填写。）"
    ]
    blocks.append({"note": "请结合原因分析，逐条写明措施、责任单位和完成时限。"})
    blocks.append({"items": advice, "ordered": True, "placeholder": True})
    return blocks
