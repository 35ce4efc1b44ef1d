"""The December 综合评估 across every topic of a campaign (issue 26).

Per topic: the methods used (questionnaire waves with n, coverage of the target units,
座谈/访谈/研讨 sessions, 实地察看 visits, Delphi rounds), the problems found, solved and overdue
(:func:`surveytool.followup.track.track`, the numbers of ``surveytool track``), what changed
between the first and the last wave (the verdicts of ``surveytool compare``: the same
:func:`~surveytool.analysis.waves.compare_waves` and
:func:`~surveytool.report.campaign.hide_wave_values`), and what remains. Where a topic has no
store, one wave only or no lists, the evaluation says so instead of guessing. Then a campaign
summary table and chart. The document is the report's plain model, written as 公文 .docx (by
:func:`surveytool.report.docx.write_docx`) and as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from surveytool.analysis import DEFAULT_K, Survey
from surveytool.analysis.waves import compare_waves
from surveytool.atomic import write_atomic
from surveytool.bank import load_bank
from surveytool.followup.campaign import Campaign, Topic
from surveytool.followup.lists import read_lists
from surveytool.followup.status import coverage, methods_counts
from surveytool.followup.track import Progress, track
from surveytool.report.campaign import VERDICT_SHORT, hide_wave_values
from surveytool.report.sentences import wave_change
from surveytool.store.answers import snapshot

VERDICTS = ("improved", "worsened", "increased", "decreased", "no_change")
MAX_CHANGES = 4  # changed items named per topic (constructs first)
MAX_OPEN = 4  # open problems named per topic


@dataclass
class TopicEvaluation:
    """What one topic did and achieved (see the module docstring)."""

    topic: Topic
    waves: dict[str, int] = field(default_factory=dict)  # wave -> valid answers
    units_reached: int = 0
    units_targeted: int = 0
    received: int = 0
    target: int = 0
    methods: dict[str, int] = field(default_factory=dict)
    progress: Progress | None = None
    compared: tuple[str, str] | None = None
    verdicts: dict[str, int] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    open_items: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON and tests."""
        p = self.progress
        return {
            "topic": self.topic.topic,
            "title": self.topic.title,
            "waves": self.waves,
            "units_reached": self.units_reached,
            "units_targeted": self.units_targeted,
            "received": self.received,
            "target": self.target,
            "methods": self.methods,
            "progress": p.to_dict() if p else None,
            "compared": list(self.compared) if self.compared else None,
            "verdicts": self.verdicts,
            "changes": self.changes,
            "notes": self.notes,
        }


def _questionnaire(ev: TopicEvaluation, store: Path, k: int) -> None:
    """Waves with their n and, with two or more, the first and last compared."""
    bank = load_bank(ev.topic.bank)
    with snapshot(store) as snap:
        waves = snap.summary(bank).get("waves", [])
        surveys = {w: Survey(snap.answers(bank, w), bank) for w in waves}
    ev.waves = {w: s.n for w, s in surveys.items()}
    if len(waves) < 2:
        ev.notes.append("只开展了一轮问卷调查，尚无回访数据，无法评估整改前后的变化。")
        return
    a, b = waves[0], waves[-1]
    sa, sb = surveys[a], surveys[b]
    res = hide_wave_values(compare_waves(sa, sb), sa, sb, k)
    ev.compared = (a, b)
    counts = res["verdict"].value_counts() if len(res) else pd.Series(dtype=int)
    ev.verdicts = {v: int(counts.get(v, 0)) for v in VERDICTS}
    moved = res[res["verdict"] != "no_change"]
    moved = pd.concat([moved[moved["kind"] == "construct"], moved[moved["kind"] != "construct"]])
    ev.changes = [
        wave_change(r["label"], r, a, b, values=not r["values_hidden"])
        for r in moved.head(MAX_CHANGES).to_dict(orient="records")
    ]


def evaluate_topic(
    campaign: Campaign,
    t: Topic,
    cov: pd.DataFrame,
    methods: pd.DataFrame,
    today: date,
    k: int = DEFAULT_K,
) -> TopicEvaluation:
    """One topic's evaluation (``cov``, ``methods``: the campaign's coverage and methods
    tables from followup.status)."""
    ev = TopicEvaluation(t)
    rows = cov[cov["topic"] == t.topic]
    targeted = rows[rows["target"].notna() & (rows["target"] > 0)] if len(rows) else rows
    ev.units_targeted = len(targeted)
    ev.units_reached = (
        int((targeted["received"] >= targeted["target"]).sum()) if len(targeted) else 0
    )
    ev.received = int(rows["received"].sum()) if len(rows) else 0
    ev.target = int(targeted["target"].sum()) if len(targeted) else 0
    m = methods[methods["topic"] == t.topic].to_dict(orient="records")
    if m:
        keys = ("座谈", "访谈", "研讨", "participants", "delphi_rounds", "experts", "visits")
        ev.methods = {key: int(m[0][key]) for key in keys}
    store = campaign.store_of(t)
    if store.is_file():
        _questionnaire(ev, store, k)
    else:
        ev.notes.append(f"尚无回收数据库（{store.name}），问卷调查尚未开展或数据未入库。")
    lists = campaign.lists_of(t)
    if lists.is_file():
        ev.progress = track(read_lists(lists), today)
        open_rows = [
            r
            for r in read_lists(lists).sheets["任务清单"]
            if str(r.get("状态") or "未启动").strip() != "已销号"
        ]
        ev.open_items = [{"编号": r.get("编号"), "问题": r.get("问题")} for r in open_rows]
    else:
        ev.notes.append("尚未建立三张清单，无法评估问题整改情况。")
    return ev


def evaluate_campaign(campaign: Campaign, today: date, k: int = DEFAULT_K) -> list[TopicEvaluation]:
    """Every topic's evaluation, in the campaign's order."""
    cov, methods = coverage(campaign), methods_counts(campaign)
    return [evaluate_topic(campaign, t, cov, methods, today, k) for t in campaign.topics]


# --- the document ----------------------------------------------------------------------------


def _cn_day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _methods_text(ev: TopicEvaluation) -> str:
    parts = []
    if ev.waves:
        waves = "、".join(f"“{w}”{n} 份" for w, n in ev.waves.items())
        parts.append(f"问卷调查 {len(ev.waves)} 轮（有效答卷 {waves}）")
    if ev.units_targeted:
        parts.append(
            f"目标单位 {ev.units_targeted} 个，{ev.units_reached} 个达到目标份数"
            f"（这些单位共回收 {ev.received} 份，目标 {ev.target} 份）"
        )
    m = ev.methods
    sessions = [
        f"{kind} {m[kind]} {'次' if kind == '访谈' else '场'}"
        for kind in ("座谈", "访谈", "研讨")
        if m.get(kind)
    ]
    if sessions:
        parts.append("、".join(sessions) + f"（共 {m['participants']} 人）")
    if m.get("visits"):
        parts.append(f"实地察看 {m['visits']} 次")
    if m.get("delphi_rounds"):
        parts.append(f"专家咨询 {m['delphi_rounds']} 轮（最后一轮 {m['experts']} 位专家）")
    if not parts:
        return "尚未开展调研。"
    return "采用的调研方法：" + "；".join(parts) + "。"


def _problems_text(ev: TopicEvaluation) -> str:
    p = ev.progress
    if p is None:
        return ""
    s = p.by_status
    return (
        f"梳理问题 {p.total} 项，已销号 {s['已销号']} 项，推进中 {s['推进中']} 项，"
        f"未启动 {s['未启动']} 项，销号率 {p.closed_rate:.1f}%；超过完成时限仍未销号 {len(p.overdue)} 项。"
    )


def _changes_text(ev: TopicEvaluation) -> str:
    if not ev.compared:
        return ""
    a, b = ev.compared
    v = ev.verdicts
    counts = "，".join(f"{v[key]} 项{VERDICT_SHORT[key]}" for key in VERDICTS if v.get(key))
    total = sum(v.values())
    text = (
        f"“{a}”与“{b}”两轮问卷比较 {total} 项（经多重比较校正）：{counts}。"
        "“未检出变化”不等于确实没有变化。"
    )
    if ev.changes:
        text += "主要变化：" + "".join(c if c.endswith("。") else c + "。" for c in ev.changes)
    return text


def _remains_text(ev: TopicEvaluation) -> str:
    parts = []
    if ev.open_items:
        named = "；".join(
            f"{i['编号']} {str(i['问题']).split('：')[0]}" for i in ev.open_items[:MAX_OPEN]
        )
        more = f"等 {len(ev.open_items)} 项" if len(ev.open_items) > MAX_OPEN else ""
        parts.append(f"尚未销号的问题：{named}{more}")
    worse = ev.verdicts.get("worsened", 0)
    if worse:
        parts.append(f"回访中有 {worse} 项变差，需要关注")
    return ("仍需推进：" + "；".join(parts) + "。") if parts else ""


def _topic_blocks(ev: TopicEvaluation) -> list[dict]:
    blocks: list[dict] = [{"heading": f"（{_cn(ev.topic.topic)}）{ev.topic.title}", "level": 2}]
    for text in (_methods_text(ev), _problems_text(ev), _changes_text(ev), _remains_text(ev)):
        if text:
            blocks.append({"para": text})
    blocks.extend({"note": n} for n in ev.notes)
    return blocks


def _cn(n: int) -> str:
    from surveytool.docstyle import cn

    return cn(n)


SUMMARY_HEADER = [
    "选题",
    "问卷（份）",
    "座谈访谈",
    "实地察看",
    "专家咨询",
    "问题",
    "已销号",
    "销号率",
    "超期",
    "改善",
    "变差",
    "未检出变化",
]


def summary_rows(evs: list[TopicEvaluation]) -> list[list[str]]:
    """The campaign summary table's rows (header :data:`SUMMARY_HEADER`)."""
    rows = []
    for ev in evs:
        m, p, v = ev.methods, ev.progress, ev.verdicts
        sessions = sum(m.get(x, 0) for x in ("座谈", "访谈", "研讨"))
        rows.append(
            [
                f"（{ev.topic.topic}）{ev.topic.title}",
                "/".join(str(n) for n in ev.waves.values()) or "—",
                f"{sessions} 场" if sessions else "—",
                f"{m['visits']} 次" if m.get("visits") else "—",
                f"{m['delphi_rounds']} 轮" if m.get("delphi_rounds") else "—",
                str(p.total) if p else "—",
                str(p.by_status["已销号"]) if p else "—",
                f"{p.closed_rate:.1f}%" if p else "—",
                str(len(p.overdue)) if p else "—",
                str(v["improved"]) if ev.compared else "—",
                str(v["worsened"]) if ev.compared else "—",
                str(v["no_change"]) if ev.compared else "—",
            ]
        )
    return rows


def summary_chart(evs: list[TopicEvaluation], path: Path) -> Path | None:
    """Stacked bars per topic with lists: 已销号 / 推进中 / 未启动 (the track counts)."""
    from surveytool.charts import figures, save

    rows = [
        {"unit": f"（{ev.topic.topic}）{ev.topic.title}", **ev.progress.by_status}
        for ev in evs
        if ev.progress is not None
    ]
    if not rows:
        return None
    fig = figures.track_status(pd.DataFrame(rows), title="各选题问题销号情况")
    return save(fig, path)


def evaluation_context(
    campaign: Campaign, evs: list[TopicEvaluation], today: date, chart: str | None
) -> dict:
    """The 综合评估 as the report's plain document model."""
    with_lists = [ev for ev in evs if ev.progress is not None]
    total = sum(ev.progress.total for ev in with_lists)
    closed = sum(ev.progress.by_status["已销号"] for ev in with_lists)
    compared = [ev for ev in evs if ev.compared]
    rate = f"{100 * closed / total:.1f}%" if total else "—"
    overall = (
        f"{campaign.name}共 {len(evs)} 个选题。截至{_cn_day(today)}，{len(with_lists)} 个选题建立了三张清单，"
        f"共梳理问题 {total} 项，已销号 {closed} 项，销号率 {rate}；"
        f"{len(compared)} 个选题开展了回访调查，可以比较整改前后的变化。"
    )
    missing = [f"选题（{ev.topic.topic}）" for ev in evs if not ev.compared]
    blocks: list[dict] = [{"para": overall}]
    if missing:
        blocks.append(
            {
                "para": f"{'、'.join(missing)}尚无两轮问卷数据，本评估只报告其已开展的工作，不评价变化。"
            }
        )
    table = {
        "caption": "表 1　各选题调研与整改情况汇总",
        "header": SUMMARY_HEADER,
        "rows": summary_rows(evs),
        "note": "注：问卷为各轮有效答卷份数；问题、已销号、销号率、超期按各选题三张清单统计（同 surveytool track）；"
        "改善、变差、未检出变化为首轮与回访问卷比较的结论（同 surveytool compare，经 Benjamini–Hochberg 校正）；"
        "“—”表示该项工作尚未开展。",
    }
    blocks.append({"table": table})
    if chart:
        blocks.append({"figure": {"caption": "图 1　各选题问题销号情况", "path": chart}})
    sections = [
        {"title": "一、总体情况", "blocks": blocks},
        {"title": "二、各选题评估", "blocks": [b for ev in evs for b in _topic_blocks(ev)]},
        {
            "title": "三、下一步建议（待填写）",
            "blocks": [
                {"note": "请结合各选题评估结果，写明需要继续推进的问题、责任单位和完成时限。"},
                {"items": ["（待填写）"], "ordered": True},
            ],
        },
    ]
    return {
        "title": f"{campaign.name}综合评估报告",
        "subtitle": f"（截至{_cn_day(today)}，自动生成的初稿，请核实、修改后使用）",
        "date": _cn_day(today),
        "sections": sections,
        "topics": [ev.to_dict() for ev in evs],
    }


HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ ctx.title }}</title><style>
body{font-family:"Microsoft YaHei","微软雅黑","Noto Sans CJK SC",sans-serif;max-width:60em;margin:2em auto;line-height:1.7;color:#222}
h1{text-align:center;font-size:1.6em}p.sub{text-align:center;color:#555}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border-top:1px solid #999;border-bottom:1px solid #999;padding:.3em .6em}
th{background:#eee}caption{font-weight:bold;margin-bottom:.3em}.note{font-size:.85em;color:#555}img{max-width:100%}
</style></head><body>
<h1>{{ ctx.title }}</h1><p class="sub">{{ ctx.subtitle }}</p>
{% for s in ctx.sections %}<h2>{{ s.title }}</h2>
{% for b in s.blocks %}
{% if "para" in b %}<p>{{ b["para"] }}</p>
{% elif "note" in b %}<p class="note">{{ b["note"] }}</p>
{% elif "heading" in b %}<h3>{{ b["heading"] }}</h3>
{% elif "items" in b %}<ol>{% for i in b["items"] %}<li>{{ i }}</li>{% endfor %}</ol>
{% elif "table" in b %}{% set t = b["table"] %}<table><caption>{{ t["caption"] }}</caption><tr>{% for h in t["header"] %}<th>{{ h }}</th>{% endfor %}</tr>
{% for r in t["rows"] %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table><p class="note">{{ t["note"] }}</p>
{% elif "figure" in b %}{% set f = b["figure"] %}<figure><img src="{{ f["path"] }}" alt="{{ f["caption"] }}"><figcaption>{{ f["caption"] }}</figcaption></figure>
{% endif %}{% endfor %}{% endfor %}
</body></html>
"""


def write_evaluation(
    campaign: Campaign, out_dir: str | Path, today: date, k: int = DEFAULT_K
) -> dict[str, Any]:
    """Evaluate every topic and write 综合评估.docx and 综合评估.html (and the chart) into
    ``out_dir``; returns kind -> path and the context under ``"context"``."""
    from jinja2 import Environment

    from surveytool.report.docx import write_docx

    out = Path(out_dir)
    evs = evaluate_campaign(campaign, today, k)
    chart = summary_chart(evs, out / "charts" / "summary.png")
    ctx = evaluation_context(campaign, evs, today, "charts/summary.png" if chart else None)
    html = Environment(autoescape=True).from_string(HTML).render(ctx=ctx)
    paths = {
        "docx": write_atomic(out / "综合评估.docx", lambda tmp: write_docx(ctx, tmp, out)),
        "html": write_atomic(out / "综合评估.html", lambda tmp: tmp.write_text(html, "utf-8")),
    }
    if chart:
        paths["chart"] = chart
    return {**paths, "context": ctx}


__all__ = [
    "SUMMARY_HEADER",
    "TopicEvaluation",
    "evaluate_campaign",
    "evaluate_topic",
    "evaluation_context",
    "summary_rows",
    "write_evaluation",
]
