"""存在的主要问题（初稿）: candidate problems derived from the results by a stated rule.

The rule (also printed in the report's appendix):
1. a likert item of a question marked ``problem_when: high`` that at least half of the
   respondents answered at the top of the scale (the two highest options), or of a question
   marked ``problem_when: low`` that at least half answered at the bottom;
2. an option of a multiple-choice question marked ``problem_when: high`` picked by at least
   40% of those who answered;
3. a construct (or item) scored significantly differently by the groups of a breakdown
   (BH-adjusted p < 0.05): the group at the problem end is named.
Each problem carries its evidence (numbers with their bases) for the owner to edit.
"""

from __future__ import annotations

import numpy as np

from surveytool.analysis import Results, Survey
from surveytool.report import sentences as say

ITEM_SHARE = 50.0
OPTION_SHARE = 40.0
ALPHA = 0.05

RULE = [
    f"量表题（题库中标记为 problem_when）的单个题项中，至少 {ITEM_SHARE:.0f}% 的回答者选择了表示问题的一端"
    "（high：最高的两个选项；low：最低的两个选项）；",
    f"标记为 problem_when: high 的多选题中，被至少 {OPTION_SHARE:.0f}% 的回答者选择的选项；",
    f"分组比较中经 Benjamini–Hochberg 校正后 p < {ALPHA} 的维度（或题项）差异，指出处于问题一端的组。",
]


def _likert(s: Survey, r: Results) -> list[dict]:
    out = []
    lk = r.likert.set_index("field") if len(r.likert) else None
    for q in s.bank.questions:
        if q.type != "likert" or not q.problem_when or lk is None:
            continue
        scale = s.bank.scales[q.scale or ""]
        end = scale[-2:] if q.problem_when == "high" else scale[:2]
        col = "top2_percent" if q.problem_when == "high" else "bottom2_percent"
        words = "或".join(f"“{o.label}”" for o in end)
        for item in q.items:
            if item.id not in lk.index or lk.loc[item.id, "n"] < r.k:
                continue
            share = float(lk.loc[item.id, col])
            if share >= ITEM_SHARE:
                n = int(lk.loc[item.id, "n"])
                # the exact share would give hidden small cells away: say only the bound
                hidden = bool(lk.loc[item.id].get(f"{col}_suppressed", False))
                shown = f"{say.pct(ITEM_SHARE)} 及以上" if hidden else f"{say.pct(share)} "
                out.append(
                    {
                        "key": f"item:{item.id}",
                        "text": f"{item.text}（{shown}的回答者选择{words}）",
                        "evidence": f"题目 {q.id}“{q.text}”，题项 {item.id}，在 {n} 名回答者中，"
                        f"{shown}选择{words}。",
                        "share": share,
                    }
                )
    return out


def _multi(s: Survey, r: Results) -> list[dict]:
    out = []
    for q in s.bank.questions:
        if q.type != "multi" or q.problem_when != "high" or r.multi.empty:
            continue
        m = r.multi[r.multi["question"] == q.id]
        n = int(m["valid"].iloc[0]) if len(m) else 0
        if n < r.k:
            continue
        for row in m.itertuples(index=False):
            if row.percent >= OPTION_SHARE and "没有" not in row.label:
                out.append(
                    {
                        "key": f"option:{q.id}:{row.option}",
                        "text": f"{row.label}（{say.pct(row.percent)} 的回答者选择）",
                        "evidence": f"题目 {q.id}“{q.text}”（可多选），在 {n} 名回答者中，"
                        f"{say.pct(row.percent)} 选择了“{row.label}”。",
                        "share": float(row.percent),
                    }
                )
    return out


def _groups(s: Survey, r: Results) -> list[dict]:
    out = []
    if r.group_tests.empty:
        return out
    directions = {
        q.construct: q.problem_when
        for q in s.bank.questions
        if q.type == "likert" and q.construct and q.problem_when
    }
    sig = r.group_tests[
        (r.group_tests["p_adjusted"] < ALPHA) & (r.group_tests["kind"] == "construct")
    ]
    for row in sig.to_dict(orient="records"):
        direction = directions.get(row["field"])
        if not direction or not row["group_means"]:
            continue
        g = s.bank.field(row["by"])
        labels = {o.code: say.report_label(o.label) for o in g.options}
        means = {c: m for c, m in row["group_means"].items() if not np.isnan(m)}
        pick = max if direction == "high" else min
        code = pick(means, key=means.get)
        worst = labels[code]
        out.append(
            {
                "key": f"group:{row['field']}:{row['by']}:{code}",  # the code: labels get edited
                "text": f"“{worst}”在“{row['field']}”方面的问题更为突出",
                "evidence": f"按{s.bank.question(g.question).text}分组，“{worst}”的"
                f"“{row['field']}”平均得分为 {means[code]:.2f}"
                f"（各组最{'高' if direction == 'high' else '低'}）；" + say.test_note(row),
                "share": 0.0,
            }
        )
    return out


def candidate_problems(s: Survey, r: Results) -> list[dict]:
    """Problems by the rule above: ``{"key", "text", "evidence"}``, strongest first per rule.
    ``key`` identifies a problem across re-runs (the lists keep their 编号 by it)."""
    out = []
    for found in (_likert(s, r), _multi(s, r), _groups(s, r)):
        out.extend(sorted(found, key=lambda p: -p["share"]))
    return [{"key": p["key"], "text": p["text"], "evidence": p["evidence"]} for p in out]
