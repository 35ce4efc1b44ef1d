"""既报喜又报忧 (issue 22 item 3): the follow-up's conclusions for the 摘要 name significant
worsenings beside improvements, and the respondents' own verdict, reconciled with the
scores when the two disagree."""

from __future__ import annotations

import pandas as pd

from surveytool.report.campaign import _conclusions, own_verdict_text

WAVES = ("首轮", "回访")


def shown(rows: list[dict]) -> pd.DataFrame:
    base = {"mean_a": 3.0, "mean_b": 3.0, "change": 0.0, "label": "", "field": ""}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_worsened_items_are_said_beside_the_improvement() -> None:
    res = shown(
        [
            {
                "kind": "construct",
                "field": "行政负担",
                "label": "行政负担",
                "verdict": "improved",
                "mean_a": 3.65,
                "mean_b": 2.92,
                "change": -0.73,
            },
            {"kind": "likert", "label": "职称评审周期过长", "verdict": "worsened"},
            {"kind": "likert", "label": "报销手续繁琐", "verdict": "improved"},
        ]
    )
    out = _conclusions(res, WAVES, "")
    assert out[0].startswith(
        "与“首轮”相比，“回访”中“行政负担”维度平均得分由 3.65 降至 2.92，有所改善"
    )
    assert out[1] == "同时，“职称评审周期过长”较“首轮”明显变差（变化在统计上可靠）。"


def test_the_respondents_verdict_is_reconciled_when_it_disagrees() -> None:
    res = shown([{"kind": "construct", "label": "行政负担", "verdict": "improved"}])
    verdict = {
        "question": "…",
        "valid": 160,
        "worse": 45.0,
        "better": 15.0,
        "worse_labels": ["明显加重", "有所加重"],
        "better_labels": ["有所减轻", "明显减轻"],
    }
    text = own_verdict_text(verdict, res)
    assert "160 人中，45.0% 认为上次调查反映的问题“明显加重”或“有所加重”，15.0%" in text
    assert "不一致" in text
    assert _conclusions(res, WAVES, text)[-1] == text  # in the 摘要 too
    agreeing = own_verdict_text({**verdict, "worse": 10.0, "better": 50.0}, res)
    assert "不一致" not in agreeing
    assert own_verdict_text(None, res) == ""
    brief = own_verdict_text(verdict, res, brief=True)
    assert brief.startswith(
        "但受访者自己的感受不同：此前填写过问卷的 160 人中，45.0% 认为上次反映的问题“加重”"
    )
