"""The 通报 of problem-solving progress (问题解决情况通报, issue 26): one to two pages in the
register of a bureau's circular, from the three lists of one topic or of every topic of a
campaign.

Every count is :func:`surveytool.followup.track.track`'s (the same numbers as ``surveytool
track``); the items solved in the period are read from the 任务清单's 销号日期. Overdue items are
grouped by 责任单位, never by person: the 责任人 column is not read at all. The document is the
same plain model as the report (``{"title", "subtitle", "date", "sections"}``) and is written
by :func:`surveytool.report.docx.write_docx`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from surveytool.atomic import write_atomic
from surveytool.followup.lists import Lists
from surveytool.followup.track import NO_UNIT, Progress, parse_day, track

MAX_SOLVED = 8  # items named under 本期销号 (the rest counted), to stay within two pages
MAX_UNITS = 8
MAX_TITLE = 46  # characters of a problem's wording quoted in the circular


@dataclass
class TopicLists:
    """One topic's lists (``lists`` None when the topic has none yet)."""

    number: int | None
    title: str
    lists: Lists | None
    path: Path | None = None


def _cn_day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _short(text: Any) -> str:
    """A problem as a circular names it: its phrase (the lists' 问题 up to the first ：, where
    the figure begins), else its wording cut to :data:`MAX_TITLE` characters."""
    t = str(text or "").strip()
    phrase = t.split("：", 1)[0].strip()
    if phrase != t and 0 < len(phrase) <= MAX_TITLE:
        return phrase
    return t if len(t) <= MAX_TITLE else t[: MAX_TITLE - 1] + "……"


def _pct(x: float) -> str:
    return f"{x:.1f}%"


@dataclass
class TopicProgress:
    """A topic's progress (track's) and the items it solved in the period."""

    topic: TopicLists
    progress: Progress | None
    solved: list[dict]  # 编号, 问题, 责任单位, 销号日期 (ISO), within the period


def solved_in(lists: Lists, since: date | None, today: date) -> list[dict]:
    """The 任务清单's 已销号 items with a 销号日期 in (since, today] (every one up to today
    when ``since`` is None), oldest first; the unit from the 责任清单."""
    units = {r.get("编号"): str(r.get("责任单位") or "").strip() for r in lists.sheets["责任清单"]}
    out = []
    for r in lists.sheets["任务清单"]:
        if str(r.get("状态") or "").strip() != "已销号":
            continue
        day = parse_day(r.get("销号日期"))
        if day is None or day > today or (since is not None and day <= since):
            continue
        unit = units.get(r.get("编号")) or NO_UNIT
        out.append(
            {"编号": r.get("编号"), "问题": r.get("问题"), "责任单位": unit, "销号日期": day}
        )
    return sorted(out, key=lambda x: (x["销号日期"], str(x["编号"])))


def gather(topics: list[TopicLists], today: date, since: date | None) -> list[TopicProgress]:
    """Each topic's :func:`track` progress on ``today`` and what it solved in the period."""
    out = []
    for t in topics:
        if t.lists is None:
            out.append(TopicProgress(t, None, []))
            continue
        out.append(TopicProgress(t, track(t.lists, today), solved_in(t.lists, since, today)))
    return out


def _totals(rows: list[TopicProgress]) -> dict[str, int]:
    keys = ("total", "已销号", "推进中", "未启动", "overdue", "due_soon")
    tot = dict.fromkeys(keys, 0)
    for r in rows:
        p = r.progress
        if p is None:
            continue
        tot["total"] += p.total
        for s in ("已销号", "推进中", "未启动"):
            tot[s] += p.by_status[s]
        tot["overdue"] += len(p.overdue)
        tot["due_soon"] += len(p.due_soon)
    return tot


def _label(t: TopicLists) -> str:
    return f"选题（{t.number}）{t.title}" if t.number is not None else t.title


def _overall(rows: list[TopicProgress], today: date, campaign: bool) -> list[dict]:
    tot = _totals(rows)
    rate = 100 * tot["已销号"] / tot["total"] if tot["total"] else 0.0
    where = f"{sum(r.progress is not None for r in rows)} 个选题" if campaign else "本课题"
    text = (
        f"截至{_cn_day(today)}，{where}共梳理问题 {tot['total']} 项，已销号 {tot['已销号']} 项，"
        f"推进中 {tot['推进中']} 项，未启动 {tot['未启动']} 项，销号率 {_pct(rate)}。"
        f"已超过完成时限仍未销号 {tot['overdue']} 项，14 天内到期 {tot['due_soon']} 项。"
    )
    blocks: list[dict] = [{"para": text}]
    missing = [_label(r.topic) for r in rows if r.progress is None]
    if missing:
        blocks.append({"para": f"{'、'.join(missing)}尚未建立三张清单，未纳入本次统计。"})
    if campaign:
        body = []
        for r in rows:
            p = r.progress
            if p is None:
                body.append([_label(r.topic), "—", "—", "—", "—", "—", "未建立清单"])
                continue
            s = p.by_status
            body.append(
                [
                    _label(r.topic),
                    str(p.total),
                    str(s["已销号"]),
                    str(s["推进中"]),
                    str(s["未启动"]),
                    _pct(p.closed_rate),
                    str(len(p.overdue)),
                ]
            )
        table = {
            "caption": "表 1　各选题问题整改进展",
            "header": ["选题", "问题数", "已销号", "推进中", "未启动", "销号率", "超期"],
            "rows": body,
            "note": f"注：按各选题三张清单“任务清单”的状态和完成时限统计，截至{_cn_day(today)}。",
        }
        blocks.append({"table": table})
    return blocks


def _solved(rows: list[TopicProgress], since: date | None, today: date) -> list[dict]:
    items = [(r.topic, s) for r in rows for s in r.solved]
    span = f"{_cn_day(since)}以来" if since else f"截至{_cn_day(today)}"
    if not items:
        return [{"para": f"{span}没有新销号的问题。"}]
    head = f"{span}，共有 {len(items)} 项问题完成整改并销号："
    lines = []
    for t, s in items[:MAX_SOLVED]:
        where = f"（{_label(t)}）" if len(rows) > 1 else ""
        lines.append(
            f"{s['编号']} {_short(s['问题'])}{where}，责任单位{s['责任单位']}，"
            f"{_cn_day(s['销号日期'])}销号。"
        )
    blocks: list[dict] = [{"para": head}, {"items": lines, "ordered": True}]
    if len(items) > MAX_SOLVED:
        blocks.append({"note": f"另有 {len(items) - MAX_SOLVED} 项，详见各选题三张清单。"})
    return blocks


def _by_unit(rows: list[TopicProgress], key: str) -> dict[str, list[dict]]:
    """Open items per responsible unit: ``key`` "推进中" (from the lists) or "overdue"."""
    out: dict[str, list[dict]] = {}
    for r in rows:
        p = r.progress
        if p is None:
            continue
        if key == "overdue":
            for item in p.overdue:
                out.setdefault(item["责任单位"], []).append(item)
        else:
            for row in p.by_unit.to_dict(orient="records"):
                if row[key]:
                    out.setdefault(row["unit"], []).extend([{}] * int(row[key]))
    return dict(sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def _progressing(rows: list[TopicProgress]) -> list[dict]:
    units = _by_unit(rows, "推进中")
    if not units:
        return [{"para": "目前没有处于推进中的问题。"}]
    parts = [f"{u} {len(v)} 项" for u, v in list(units.items())[:MAX_UNITS]]
    more = f"等 {len(units)} 个单位" if len(units) > MAX_UNITS else ""
    total = sum(len(v) for v in units.values())
    return [
        {
            "para": f"正在推进的问题共 {total} 项，分别由{'、'.join(parts)}{more}牵头推进。"
            "请各责任单位按任务清单明确的措施和时限抓紧落实。"
        }
    ]


def _overdue(rows: list[TopicProgress]) -> list[dict]:
    units = _by_unit(rows, "overdue")
    if not units:
        return [{"para": "目前没有超过完成时限仍未销号的问题。"}]
    total = sum(len(v) for v in units.values())
    blocks: list[dict] = [
        {
            "para": f"已超过完成时限仍未销号的问题共 {total} 项，涉及 {len(units)} 个责任单位，"
            "按责任单位列示如下："
        }
    ]
    lines = []
    for unit, items in list(units.items())[:MAX_UNITS]:
        named = "；".join(
            f"{i['编号']} {_short(i['问题'])}（时限 {i['完成时限']}）" for i in items[:3]
        )
        rest = f"等 {len(items)} 项" if len(items) > 3 else ""
        lines.append(f"{unit}：超期 {len(items)} 项——{named}{rest}。")
    blocks.append({"items": lines, "ordered": False})
    return blocks


REQUIREMENTS = [
    "请各责任单位对照任务清单，对超期问题逐项说明原因、明确新的完成时限，抓紧整改到位；"
    "已销号的问题要巩固整改成效，防止反弹，督查回访时将结合回访调查结果核实。",
    "请各课题组及时更新三张清单的状态和销号日期，确保通报数据真实准确。",
]


def bulletin_context(
    topics: list[TopicLists],
    today: date,
    since: date | None = None,
    campaign: str | None = None,
) -> dict:
    """The 通报 as the report's plain document model (sections of blocks)."""
    rows = gather(topics, today, since)
    subject = f"{campaign}发现问题" if campaign else "调研发现问题"
    sections = [
        {"title": "一、总体情况", "blocks": _overall(rows, today, campaign is not None)},
        {"title": "二、本期销号的问题", "blocks": _solved(rows, since, today)},
        {"title": "三、正在推进的问题", "blocks": _progressing(rows)},
        {"title": "四、超期未销号的问题", "blocks": _overdue(rows)},
        {"title": "五、下一步工作要求", "blocks": [{"items": REQUIREMENTS, "ordered": True}]},
    ]
    intro = (
        f"按照调查研究工作安排，各课题组已将{subject}列入问题清单、责任清单、任务清单，"
        f"明确责任单位和完成时限，实行销号管理。现将截至{_cn_day(today)}的问题整改进展情况通报如下。"
    )
    return {
        "title": f"关于{subject}整改进展情况的通报",
        "subtitle": "",
        "date": "",
        "lead": [{"para": "各课题组、各有关责任单位：", "indent": False}, {"para": intro}],
        "sections": sections,
        "closing": ["（发文单位）", _cn_day(today)],
        "topics": [
            {
                "topic": r.topic.number,
                "title": r.topic.title,
                "progress": r.progress.to_dict() if r.progress else None,
                "solved": [{**s, "销号日期": s["销号日期"].isoformat()} for s in r.solved],
            }
            for r in rows
        ],
    }


def write_bulletin(ctx: dict, path: str | Path) -> Path:
    """Write the 通报 .docx (公文 style) atomically; returns the path."""
    from surveytool.report.docx import write_docx

    def write(tmp: Path) -> None:
        write_docx(ctx, tmp, tmp.parent)

    return write_atomic(path, write)


__all__ = ["TopicLists", "bulletin_context", "gather", "solved_in", "write_bulletin"]
