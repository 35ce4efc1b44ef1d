"""Charts: Simplified-Chinese glyphs without warnings; figures checked through their Axes."""

from __future__ import annotations

import warnings

import matplotlib.colors
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager

from surveytool.charts import figures, labels, save
from surveytool.charts.fonts import chinese_font, use_chinese_font


def _freq(labels, counts, field="B1"):
    n = sum(counts)
    return pd.DataFrame(
        {
            "field": field,
            "option": range(1, len(labels) + 1),
            "label": labels,
            "n": counts,
            "percent": [100 * c / n for c in counts],
            "valid": n,
            "base": n,
        }
    )


def test_chinese_chart_has_no_missing_glyphs(tmp_path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = figures.single_choice(
            _freq(["广西科技大学", "柳州市人民医院", "其他（请注明）"], [30, 20, 10]),
            "您所在的单位：负担、減轻、減负",
        )
        save(fig, tmp_path / "c.png")
    missing = [
        str(w.message)
        for w in caught
        if "missing from" in str(w.message).lower() or "glyph" in str(w.message).lower()
    ]
    assert missing == []
    assert (tmp_path / "c.png").stat().st_size > 5000


def test_the_font_is_a_simplified_chinese_face() -> None:
    name = use_chinese_font()
    assert name == chinese_font()
    assert name in (
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "Microsoft YaHei",
        "SimHei",
        "PingFang SC",
        "WenQuanYi Zen Hei",
    )
    path = font_manager.findfont(
        font_manager.FontProperties(family=name), fallback_to_default=False
    )
    assert path


def test_single_choice_bars_in_the_order_given_with_labels() -> None:
    # the report orders the rows (a scale in scale order, options by count): the chart keeps it
    f = _freq(["甲", "乙", "丙"], [10, 30, 20])
    ax = figures.single_choice(f, "题目").axes[0]
    top_down = [
        t.get_text() for _, t in sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True))
    ]
    assert top_down[::-1] == ["甲", "乙", "丙"]  # the first row on top
    texts = [t.get_text() for t in ax.texts]
    assert "30（50.0%）" in texts and "10（16.7%）" in texts
    assert len(ax.patches) == 3


def test_long_labels_wrap() -> None:
    long = "单位配备的科研秘书或财务助理能够帮我分担事务性工作"
    ax = figures.single_choice(_freq([long, "短"], [5, 5]), "题目").axes[0]
    assert any("\n" in t.get_text() for t in ax.get_yticklabels())


def test_likert_diverging_is_centred_on_neutral() -> None:
    rows = []
    for fid, dist in (("X1", [10, 20, 40, 20, 10]), ("X2", [0, 0, 100, 0, 0])):
        for code, (label, p) in enumerate(
            zip(["非常不同意", "不同意", "一般", "同意", "非常同意"], dist, strict=True), start=1
        ):
            rows.append(
                {"field": fid, "option": code, "label": label, "percent": float(p), "valid": 100}
            )
    ax = figures.likert_diverging(
        pd.DataFrame(rows), [("X1", "说法一"), ("X2", "说法二")], "量表"
    ).axes[0]
    neutral = [p for p in ax.patches if np.isclose(p.get_width(), 100)]
    assert len(neutral) == 1 and np.isclose(neutral[0].get_x(), -50)  # 100% neutral: -50..50
    x1 = sorted(
        (p for p in ax.patches if np.isclose(p.get_y() + p.get_height() / 2, 1)),
        key=lambda p: p.get_x(),
    )
    assert np.isclose(x1[0].get_x(), -(10 + 20 + 20))  # disagree + half of neutral left of 0


def test_crosstab_leaves_out_suppressed_groups() -> None:
    cells = pd.DataFrame(
        {
            "row_label": ["是", "否", "是", "否"],
            "column_label": ["甲", "甲", "乙", "乙"],
            "column_percent": [60.0, 40.0, 50.0, 50.0],
            "suppressed": [False, False, True, True],
        }
    )
    fig = figures.crosstab(cells, "交叉")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["甲"]
    assert "乙 人数少于 5 人" in ax.get_title(loc="left")


def test_histogram_of_merged_bins_draws_area_not_height() -> None:
    # bins of width 5, and one merged bin of width 15 holding 6 people
    counts = pd.DataFrame(
        {"left": [20.0, 25.0, 30.0], "right": [25.0, 30.0, 45.0], "n": [10, 20, 6]}
    )
    summary = {"n": 36, "mean": 29.0, "median": 28.0, "q1": 25.0, "q3": 31.0, "min": 21, "max": 40}
    fig = figures.number_distribution(counts, summary, "年龄", "岁")
    ax = fig.axes[1]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [10, 20, 2]  # 6 people over three widths
    assert ax.get_ylabel() == "人数（宽柱按组距折算）"
    assert "已与相邻区间合并" in fig.axes[0].get_title(loc="left")
    same = counts.iloc[:2]
    plain = figures.number_distribution(same, summary, "年龄", "岁")
    assert plain.axes[1].get_ylabel() == "人数"


def test_likert_hidden_cells_share_their_width_and_are_hatched() -> None:
    rows = [
        {"field": "X1", "option": c, "label": lab, "percent": p, "valid": 100, "suppressed": h}
        for c, lab, p, h in [
            (1, "非常不同意", 2.0, True),
            (2, "不同意", 18.0, True),
            (3, "一般", 40.0, False),
            (4, "同意", 25.0, False),
            (5, "非常同意", 15.0, False),
        ]
    ]
    fig = figures.likert_diverging(pd.DataFrame(rows), [("X1", "说法一")], "量表")
    ax = fig.axes[0]
    bars = sorted(ax.patches, key=lambda p: p.get_x())
    assert [round(p.get_width(), 6) for p in bars] == [10, 10, 40, 25, 15]  # 2 and 18 not drawn
    assert [bool(p.get_hatch()) for p in bars] == [True, True, False, False, False]
    assert np.isclose(bars[0].get_x(), -(20 + 20))  # the hidden total is still known
    assert [t.get_text() for t in ax.texts] == ["40", "25", "15"]
    assert [t.get_text() for t in fig.legends[0].get_texts()][:2] == ["非常不同意", "不同意"]
    assert not any(p.get_hatch() for p in fig.legends[0].get_patches())
    assert "斜线部分" in ax.get_title(loc="left")


def _battery(dists: dict[str, list[float]]) -> pd.DataFrame:
    labels = ["非常不同意", "不同意", "一般", "同意", "非常同意"]
    return pd.DataFrame(
        {"field": fid, "option": code, "label": lab, "percent": p, "valid": 100}
        for fid, dist in dists.items()
        for code, (lab, p) in enumerate(zip(labels, dist, strict=True), start=1)
    )


def test_a_reversed_item_is_coloured_by_its_own_problem_end() -> None:
    """Issue 22 item 6: in a battery whose problem end is 'low' (disagreeing is the
    problem), an item worded the other way round ('…存在较多障碍') has its problem at
    'agree': its 同意 side is drawn warm, the others' 不同意 side; the caption still says
    暖色为问题一端, and the legend names colours, not answers."""
    freq = _battery({"X1": [10, 20, 30, 25, 15], "X2": [5, 14, 20, 40, 21]})
    fig = figures.likert_diverging(
        freq, [("X1", "说法一"), ("X2", "存在较多障碍")], "量表", "low", reversed_items={"X2"}
    )
    ax = fig.axes[0]

    def colours(y: float) -> list[str]:
        bars = sorted(
            (p for p in ax.patches if np.isclose(p.get_y() + p.get_height() / 2, y)),
            key=lambda p: p.get_x(),
        )
        return [matplotlib.colors.to_hex(p.get_facecolor()) for p in bars]

    warm = {c.lower() for c in figures.WARM}
    cool = {c.lower() for c in figures.COOL}
    x1, x2 = colours(1), colours(0)  # X1 on top
    assert set(x1[:2]) <= warm and set(x1[3:]) <= cool
    assert set(x2[:2]) <= cool and set(x2[3:]) <= warm  # its problem end: 同意
    assert x2[4] == figures.WARM[0].lower()  # 非常同意: the darkest warm
    assert "暖色为各题项的问题一端" in ax.get_xlabel()
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["问题一端", "另一端", "一般"]
    assert "（反向表述）" not in " ".join(t.get_text() for t in ax.get_yticklabels())


def test_a_battery_without_reversed_items_keeps_its_answer_legend() -> None:
    freq = _battery({"X1": [10, 20, 30, 25, 15]})
    fig = figures.likert_diverging(freq, [("X1", "说法一")], "量表", "low", reversed_items=())
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["非常不同意", "不同意", "一般", "同意", "非常同意"]
    assert fig.axes[0].get_xlabel().endswith("暖色为问题一端")


@pytest.mark.parametrize(
    "text",
    [
        "在本单位开展跨学科合作（含跨院系、跨单位）存在较多障碍",
        "科研经费报销（差旅、劳务）手续繁琐",
        "我认为“放管服”改革落实到位",
        "（反向表述）" * 4,
    ],
)
def test_labels_wrap_without_breaking_a_bracket(text: str) -> None:
    lines = labels.wrap(text, 10).split("\n")
    assert "".join(lines) == text
    for line in lines:
        depth = 0
        for ch in line:
            depth += ch in labels.OPENING
            depth -= ch in labels.CLOSING
            assert depth >= 0, lines  # no line opens with the rest of a bracket
        assert depth == 0, lines  # and none ends inside one
