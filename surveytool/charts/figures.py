"""Figure builders: result tables in, matplotlib Figures out (no counting here).

One sober style for all: grey bars with one accent, value labels ``n（x%）`` at the bar
ends, wrapped Chinese labels, no chart junk; diverging likert bars centred on the neutral
category, readable in black and white (lightness ordered, the neutral category mid-grey).
Figures are built with the object API (``matplotlib.figure.Figure``), never pyplot, so
nothing global leaks between charts.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from surveytool.charts.fonts import use_chinese_font
from surveytool.charts.labels import wrap

ACCENT = "#2F5597"
GREY = "#A6A6A6"
DARK = "#404040"
WRAP = 16  # characters per label line
WARM = ("#8C2D04", "#E6550D")  # the problem end of a scale: dark, light
COOL = ("#08519C", "#6BAED6")  # the other end: dark, light
CALM = ("#01665E", "#5AB4AC")  # an end of a scale with no problem direction
NEUTRAL = "#BDBDBD"


def _figure(n_bars: int, width: float = 6.4, per_bar: float = 0.42) -> tuple[Figure, object]:
    use_chinese_font()
    height = max(2.0, 0.9 + per_bar * n_bars)
    fig = Figure(figsize=(width, height), dpi=100)
    ax = fig.subplots()
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)
    return fig, ax


def text_width(text: str, size: float) -> float:
    """Approximate width in inches of one line (CJK and full-width characters count as one
    em, others as half)."""
    ems = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text)
    return ems * size / 72


def _title(ax, title: str, note: str = "", legend_rows: int = 0, xlabel: bool = True) -> None:
    """Title above the figure (left), the note (base, test) as the axes' small subtitle,
    then fixed margins from the label lengths: a layout engine would cost 3x the time."""
    fig = ax.figure
    title_text = wrap(title, 34)
    note_text = wrap(note, 60) if note else ""
    w, h = fig.get_size_inches()
    top = (
        0.12
        + 0.24 * (title_text.count("\n") + 1)
        + (0.2 * (note_text.count("\n") + 1) if note_text else 0.05)
    )
    fig.suptitle(title_text, fontsize=11, x=0.02, y=1 - 0.08 / h, ha="left", va="top", color=DARK)
    if note_text:
        ax.set_title(note_text, fontsize=7.5, loc="left", color="#666666")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    left = (
        max((text_width(line, 9) for lab in labels for line in lab.split("\n")), default=0.3) + 0.25
    )
    bottom = (0.5 if xlabel else 0.3) + 0.25 * legend_rows
    axes = fig.axes
    fig.subplots_adjust(
        left=min(left / w, 0.6),
        right=1 - 0.25 / w,
        top=1 - top / h,
        bottom=bottom / h,
        hspace=0.15 if len(axes) > 1 else None,
    )


def hbar(
    labels: Sequence[str],
    percents: Sequence[float],
    counts: Sequence[int],
    title: str,
    note: str = "",
    accent_first: bool = True,
    xlabel: str = "比例（%）",
) -> Figure:
    """Horizontal bars in the given order (top = first), labelled ``n（x%）``."""
    fig, ax = _figure(len(labels))
    y = np.arange(len(labels))[::-1]
    colors = [ACCENT if (i == 0 and accent_first) else GREY for i in range(len(labels))]
    pct = np.nan_to_num(np.asarray(percents, dtype=float))
    ax.barh(y, pct, color=colors, height=0.62)
    ax.set_yticks(y, [wrap(x) for x in labels])
    top = max(pct.max() if len(pct) else 0, 1)
    ax.set_xlim(0, top * 1.25)
    for yi, p, n in zip(y, pct, counts, strict=True):
        ax.text(p + top * 0.01, yi, f"{int(n)}（{p:.1f}%）", va="center", fontsize=8, color=DARK)
    ax.set_xlabel(xlabel, fontsize=9)
    _title(ax, title, note)
    return fig


def single_choice(freq: pd.DataFrame, title: str) -> Figure:
    """One single-choice field's frequencies, in the order of ``freq`` (the caller puts an
    ordered scale in scale order, unordered options by count with 其他 last); options counted
    as 不清楚 (``dont_know``) have no share and are left to the note."""
    dk = freq["dont_know"].astype(bool) if "dont_know" in freq else pd.Series(False, freq.index)
    f = freq[~dk]
    valid = int(f["valid"].iloc[0]) if len(f) else 0
    note = f"注：n = {valid}，百分比以作答人数为基数。"
    unknown = int(freq.loc[dk, "n"].sum())
    words = "、".join(freq.loc[dk, "label"])
    if unknown and "suppressed" in freq and freq.loc[dk, "suppressed"].any():
        note += f"选择“{words}”的少数受访者未计入（人数较少，不报告）。"
    elif unknown:
        note += f"另有 {unknown} 人选择“{words}”，未计入。"
    return hbar(f["label"].tolist(), f["percent"].tolist(), f["n"].tolist(), title, note=note)


def multi_choice(multi: pd.DataFrame, title: str) -> Figure:
    """Multiple response in the order of ``multi`` (ranked, 其他 last); percent of respondents
    who picked at least one option."""
    m = multi[~multi["dont_know"].astype(bool)] if "dont_know" in multi else multi
    valid = int(m["valid"].iloc[0]) if len(m) else 0
    return hbar(
        m["label"].tolist(),
        m["percent"].tolist(),
        m["n"].tolist(),
        title,
        note=f"注：多选题，n = {valid}，百分比以作答人数为基数，合计可超过 100%。",
    )


def ranking(rank: pd.DataFrame, title: str) -> Figure:
    """Share of respondents ranking each option first."""
    r = rank.sort_values(["percent", "mean_rank"], ascending=[False, True])
    valid = int(r["valid"].iloc[0]) if len(r) else 0
    return hbar(
        r["label"].tolist(),
        r["percent"].tolist(),
        r["first_n"].tolist(),
        title,
        note=f"注：排序题，图中为排在第一位的比例，n = {valid}。",
        xlabel="排第一位的比例（%）",
    )


def likert_diverging(
    freq: pd.DataFrame,
    items: Sequence[tuple[str, str]],
    title: str,
    problem_end: str | None = None,
    reversed_items: Collection[str] = (),
) -> Figure:
    """Diverging stacked bars of a likert battery, neutral category centred on 0.

    ``freq`` holds the frequencies of the items (rows per item x option, ``percent`` of
    valid); ``items`` gives (field id, label) in display order (top first). Colours carry
    meaning: each item's problem end is warm, the other end cool — the battery's
    ``problem_end`` ('high' or 'low'), the opposite end for the field ids in
    ``reversed_items`` (worded the other way round); with no problem direction both ends
    are calm. When the items' problem ends differ, the legend names the colours (问题一端 /
    另一端) and the axis label the order of the answers, since no one colour is one answer.
    Answers counted as 不清楚 are left out.
    Hidden (small) cells of an item are drawn hatched, sharing their combined width equally,
    so that no segment's width tells its count."""
    if "dont_know" in freq:
        freq = freq[~freq["dont_know"].astype(bool)]
    fig, ax = _figure(len(items), width=7.2, per_bar=0.38)
    codes = sorted(freq["option"].unique())
    labels = [freq[freq["option"] == c]["label"].iloc[0] for c in codes]
    colors = scale_colors(len(codes), problem_end)
    flipped = scale_colors(len(codes), _other_end(problem_end))
    mixed = bool(problem_end) and any(fid in reversed_items for fid, _ in items)
    mid = (len(codes) - 1) / 2
    y = np.arange(len(items))[::-1]
    hidden = freq["suppressed"] if "suppressed" in freq else pd.Series(False, index=freq.index)
    for yi, (fid, _) in zip(y, items, strict=True):
        shade = flipped if problem_end and fid in reversed_items else colors
        rows = freq[freq["field"] == fid].set_index("option")
        pct = rows["percent"].reindex(codes).fillna(0)
        secret = hidden[freq["field"] == fid].set_axis(rows.index).reindex(codes).fillna(False)
        secret = secret.astype(bool)
        if secret.any():
            pct = pct.where(~secret, pct[secret].sum() / secret.sum())
        neutral = pct.iloc[int(mid)] if len(codes) % 2 else 0.0
        left = -(pct.iloc[: int(np.ceil(mid))].sum() + neutral / 2)
        for j, c in enumerate(codes):
            w = float(pct.loc[c])
            ax.barh(
                yi,
                w,
                left=left,
                color=shade[j],
                height=0.62,
                edgecolor="white",
                linewidth=0.5,
                hatch="////" if secret.loc[c] else None,
            )
            if w >= 7 and not secret.loc[c]:  # no label on a suppressed (small) cell
                ax.text(
                    left + w / 2,
                    yi,
                    f"{w:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if j in (0, len(codes) - 1) else DARK,
                )
            left += w
    ax.axvline(0, color=DARK, linewidth=0.8)
    ax.set_yticks(y, [wrap(label, 18) for _, label in items])
    ax.set_xlim(-100, 100)
    ax.set_xticks([-100, -50, 0, 50, 100], ["100", "50", "0", "50", "100"])
    ends = f"左侧为“{labels[0]}”一端，右侧为“{labels[-1]}”一端"
    if problem_end:
        ends += "；暖色为各题项的问题一端" if mixed else "；暖色为问题一端"
    ax.set_xlabel(wrap(f"比例（%）；{ends}", 60), fontsize=8)
    handles = [Patch(facecolor=colors[j], label=labels[j]) for j in range(len(codes))]
    if mixed:
        handles = [
            Patch(facecolor=WARM[0], label="问题一端"),
            Patch(facecolor=COOL[0], label="另一端"),
        ]
        handles += [Patch(facecolor=NEUTRAL, label=labels[int(mid)])] if len(codes) % 2 else []
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=len(handles),
        fontsize=7.5,
        frameon=False,
        handlelength=1.2,
        columnspacing=0.8,
    )
    n = int(freq["valid"].max()) if len(freq) else 0
    note = f"注：n = {n}，条内数字为百分比（%）。"
    if bool(hidden.any()):
        note += "斜线部分为人数较少而隐藏的类别，按合计平均画出。"
    _title(ax, title, note, legend_rows=1)
    return fig


def _other_end(end: str | None) -> str | None:
    return {"high": "low", "low": "high"}.get(end or "")


def scale_colors(k: int, problem_end: str | None = None) -> list[str]:
    """Colours of a k-point scale from its low end to its high end: the problem end warm
    (darkest at the extreme), the other end cool, the middle grey; without a problem
    direction, calm colours at both ends."""
    low, high = (WARM, COOL) if problem_end == "low" else (COOL, WARM)
    if problem_end is None:
        low = high = CALM
    half = k // 2
    shades = [low[0]] + [low[1]] * (half - 1)
    tail = [high[1]] * (half - 1) + [high[0]]
    return shades + ([NEUTRAL] if k % 2 else []) + tail


def crosstab(cells: pd.DataFrame, title: str) -> Figure:
    """100% stacked bars: the answer distribution within each group (suppressed groups
    are left out and named in the note)."""
    shown = cells[~cells["suppressed"]]
    groups = list(dict.fromkeys(shown["column_label"]))
    answers = list(dict.fromkeys(shown["row_label"]))
    fig, ax = _figure(len(groups), width=7.2, per_bar=0.5)
    colors = _grey_scale(len(answers))
    y = np.arange(len(groups))[::-1]
    for yi, g in zip(y, groups, strict=True):
        left = 0.0
        part = shown[shown["column_label"] == g].set_index("row_label")["column_percent"]
        for j, a in enumerate(answers):
            w = float(np.nan_to_num(part.get(a, 0.0)))
            ax.barh(
                yi,
                w,
                left=left,
                color=colors[j],
                height=0.62,
                edgecolor="white",
                linewidth=0.5,
                label=wrap(a, 10) if yi == y[0] else None,
            )
            if w >= 8:
                ax.text(
                    left + w / 2,
                    yi,
                    f"{w:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if j >= len(answers) / 2 else DARK,
                )
            left += w
    ax.set_yticks(y, [wrap(g, 12) for g in groups])
    ax.set_xlim(0, 100)
    ax.set_xlabel("组内比例（%）", fontsize=9)
    fig.legend(
        ncols=min(len(answers), 5),
        loc="lower center",
        bbox_to_anchor=(0.5, 0.0),
        fontsize=7.5,
        frameon=False,
    )
    hidden = sorted(set(cells[cells["suppressed"]]["column_label"]))
    note = "注：条内数字为组内百分比（%）。"
    if hidden:
        note += f"{'、'.join(hidden)} 人数少于 5 人，未单独显示。"
    _title(ax, title, note, legend_rows=(len(answers) + 4) // 5)
    return fig


def _grey_scale(k: int) -> list[str]:
    levels = np.linspace(0.85, 0.2, max(k, 1))
    return [
        f"#{int(v * 255):02x}{int(v * 255):02x}{int(min(1, v * 1.1) * 255):02x}" for v in levels
    ]


def number_distribution(counts: pd.DataFrame, summary: dict, title: str, unit: str) -> Figure:
    """Histogram (from binned counts) under a box plot of the quartiles (SPSS definition).

    Bins may differ in width (small ones merged for disclosure): a bar's area, not its
    height, is then its count — heights are counts per narrowest bin width, and the axis says so.
    """
    use_chinese_font()
    fig = Figure(figsize=(6.4, 3.6), dpi=100)
    ax_box, ax = fig.subplots(2, 1, sharex=True, height_ratios=[1, 3])
    width = (counts["right"] - counts["left"]).to_numpy(dtype=float)
    narrowest = width.min() if len(width) else 1.0
    ax.bar(
        counts["left"],
        counts["n"].to_numpy(dtype=float) * narrowest / width,
        width=width,
        align="edge",
        color=GREY,
        edgecolor="white",
        linewidth=0.5,
    )
    for a in (ax, ax_box):
        for side in ("top", "right"):
            a.spines[side].set_visible(False)
        a.tick_params(labelsize=8)
    merged = len(width) and not np.allclose(width, narrowest)
    ax.set_ylabel("人数（宽柱按组距折算）" if merged else "人数", fontsize=9)
    ax.set_xlabel(f"数值（{unit}）" if unit else "数值", fontsize=9)
    med = summary["median"]
    ax_box.bxp(
        [
            {
                "med": med,
                "q1": summary["q1"],
                "q3": summary["q3"],
                "whislo": summary["min"],
                "whishi": summary["max"],
                "fliers": [],
            }
        ],
        orientation="horizontal",
        widths=0.6,
        patch_artist=True,
        boxprops={"facecolor": "#DDE5F2", "edgecolor": ACCENT},
        medianprops={"color": ACCENT, "linewidth": 2},
    )
    ax_box.set_yticks([])
    ax_box.spines["left"].set_visible(False)
    note = (
        f"注：n = {summary['n']}，均值 {summary['mean']:.1f}，中位数 {med:g}，"
        "箱体为四分位数，须线为第 5 和第 95 百分位数。"
        + ("人数很少的区间已与相邻区间合并。" if merged else "")
    )
    _title(ax_box, title, note)
    return fig


def group_means(means: pd.DataFrame, title: str, scale_max: float = 5.0) -> Figure:
    """Composite (or item) means by group with 95% confidence intervals."""
    fig, ax = _figure(len(means), per_bar=0.45)
    m = means.reset_index(drop=True)
    y = np.arange(len(m))[::-1]
    err = np.vstack([m["mean"] - m["ci_low"], m["ci_high"] - m["mean"]])
    ax.errorbar(m["mean"], y, xerr=err, fmt="o", color=ACCENT, ecolor=DARK, capsize=3, markersize=5)
    for yi, (mean, n) in zip(y, zip(m["mean"], m["n"], strict=True), strict=True):
        ax.text(mean, yi + 0.22, f"{mean:.2f}（n={int(n)}）", ha="center", fontsize=7.5)
    ax.set_yticks(y, [wrap(g, 12) for g in m["group"]])
    ax.set_xlim(1, scale_max)
    ax.set_ylim(-0.7, len(m) - 0.3)
    ax.set_xlabel(f"平均得分（1～{scale_max:g}）", fontsize=9)
    _title(ax, title, "注：点为均值，线段为 95% 置信区间；人数少于 5 人的组未显示。")
    return fig


def track_status(by_unit: pd.DataFrame, title: str = "各责任单位问题销号进展") -> Figure:
    """Stacked bars per responsible unit: 已销号 / 推进中 / 未启动 (counts)."""
    fig, ax = _figure(max(len(by_unit), 1), width=6.4, per_bar=0.45)
    units = by_unit["unit"].tolist() if len(by_unit) else []
    y = np.arange(len(units))[::-1]
    left = np.zeros(len(units))
    for status, color in (("已销号", ACCENT), ("推进中", GREY), ("未启动", "#DDDDDD")):
        values = by_unit[status].to_numpy(dtype=float) if len(units) else np.array([])
        ax.barh(
            y,
            values,
            left=left,
            color=color,
            height=0.6,
            label=status,
            edgecolor="white",
            linewidth=0.5,
        )
        for yi, lft, v in zip(y, left, values, strict=True):
            if v:
                ax.text(
                    lft + v / 2,
                    yi,
                    f"{int(v)}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if status == "已销号" else DARK,
                )
        left = left + values
    ax.set_yticks(y, [wrap(u, 12) for u in units])
    ax.set_xlabel("问题数（项）", fontsize=9)
    fig.legend(ncols=3, loc="lower center", bbox_to_anchor=(0.5, 0.0), fontsize=8, frameon=False)
    _title(ax, title, "注：按任务清单中的状态统计。", legend_rows=1)
    return fig


def wave_means(
    rows: pd.DataFrame, wave_a: str, wave_b: str, title: str, scale_max: float = 5.0
) -> Figure:
    """Dumbbells: each construct's mean in two waves (grey → accent), an arrow between them;
    changes that are statistically significant are drawn solid and marked ＊.

    ``rows`` has columns label, mean_a, mean_b, verdict (as from ``compare_waves``)."""
    fig, ax = _figure(len(rows), per_bar=0.5)
    m = rows.reset_index(drop=True)
    y = np.arange(len(m))[::-1]
    for yi, r in zip(y, m.to_dict(orient="records"), strict=True):
        significant = r["verdict"] != "no_change"
        ax.annotate(
            "",
            xy=(r["mean_b"], yi),
            xytext=(r["mean_a"], yi),
            arrowprops={
                "arrowstyle": "->",
                "color": ACCENT if significant else GREY,
                "linestyle": "-" if significant else "--",
                "linewidth": 1.4,
                "shrinkA": 4,
                "shrinkB": 4,
            },
        )
        ax.plot([r["mean_a"]], [yi], "o", color=GREY, markersize=6)
        ax.plot([r["mean_b"]], [yi], "o", color=ACCENT, markersize=6)
        mark = "＊" if significant else ""
        ax.text(
            max(r["mean_a"], r["mean_b"]) + 0.08,
            yi,
            f"{r['mean_a']:.2f}→{r['mean_b']:.2f}{mark}",
            va="center",
            fontsize=8,
            color=DARK,
        )
    ax.plot([], [], "o", color=GREY, label=wave_a)
    ax.plot([], [], "o", color=ACCENT, label=wave_b)
    ax.set_yticks(y, [wrap(x, 12) for x in m["label"]])
    ax.set_xlim(1, scale_max + 0.9)
    ax.set_ylim(-0.7, len(m) - 0.3)
    ax.set_xlabel(f"平均得分（1～{scale_max:g}）", fontsize=9)
    fig.legend(ncols=2, loc="lower center", bbox_to_anchor=(0.5, 0.0), fontsize=8, frameon=False)
    _title(
        ax,
        title,
        "注：＊ 表示经 Benjamini–Hochberg 校正后变化显著（p < 0.05），虚线表示未检出变化。",
        legend_rows=1,
    )
    return fig
