"""The campaign around the surveys: init-campaign, sample-size, status, lists, track."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from surveytool.bank import load_bank
from surveytool.cli.common import bank_and_store, echo, fraction, parse_today, whole
from surveytool.cli.steer import where_option
from surveytool.errors import UsageError, problem


def cmd_init_campaign(args: argparse.Namespace) -> int:
    """Write an example campaign file."""
    from surveytool.followup.init import init_campaign

    path = init_campaign(args.folder, args.year)
    echo(f"已生成调研计划示例：{path}（八个选题、各单位目标和时间节点，请按实际修改）")
    return 0


def cmd_sample_size(args: argparse.Namespace) -> int:
    """Sample size, margin of error, or a stratified allocation."""
    from surveytool.analysis.sampling import margin_of_error, sample_size
    from surveytool.followup.status import allocate

    if args.campaign:
        from surveytool.followup.campaign import load_campaign

        topic = _topic(load_campaign(args.campaign), args.topic)
        pops = {u.name: u.population or 0 for u in topic.units}
        total = args.total or sum(
            sample_size(p or None, args.margin, args.confidence) for p in pops.values()
        )
        if all(pops.values()) and total > sum(pops.values()):
            raise UsageError(
                problem("total_gt_population", total=total, population=sum(pops.values()))
            )
        alloc = allocate(total, pops, args.min)
        echo(
            f"选题（{topic.topic}）{topic.title}：共 {total} 份，按各单位人数比例分配（每单位至少 {args.min} 份）："
        )
        for unit, n in alloc.items():
            moe = margin_of_error(n, pops[unit] or None)
            echo(f"  {unit}：{n} 份（总体 {pops[unit]} 人，误差约 ±{moe * 100:.1f}%）")
        return 0
    if args.n is not None:
        if args.population is not None and args.n > args.population:
            raise UsageError(
                problem("sample_n_gt_population", n=args.n, population=args.population)
            )
        moe = margin_of_error(args.n, args.population, args.confidence, args.p)
        echo(
            f"{args.n} 份有效答卷的抽样误差约为 ±{moe * 100:.1f}%"
            f"（{args.confidence:.0%} 置信度，p = {args.p}"
            + (f"，总体 {args.population} 人" if args.population else "")
            + "）。"
        )
        return 0
    n = sample_size(args.population, args.margin, args.confidence, args.p)
    echo(
        f"需要有效答卷 {n} 份（误差 ±{args.margin:.0%}，{args.confidence:.0%} 置信度，p = {args.p}"
        + (f"，总体 {args.population} 人" if args.population else "，总体很大")
        + "）。"
    )
    return 0


def _topic(campaign, number: int):
    """The campaign's topic ``number``, or our error listing the topics it has."""
    try:
        return campaign.topic(number)
    except KeyError:
        topics = "、".join(str(t.topic) for t in campaign.topics) or "（无）"
        raise UsageError(problem("unknown_topic", value=number, topics=topics)) from None


def cmd_status(args: argparse.Namespace) -> int:
    """Coverage and milestones of a campaign."""
    from surveytool.followup.burden import burden
    from surveytool.followup.campaign import load_campaign
    from surveytool.followup.status import coverage, methods_counts, milestones

    campaign = load_campaign(args.campaign)
    cov = coverage(campaign)
    ms = milestones(campaign, parse_today(args.today))
    methods = methods_counts(campaign)
    load, warnings = burden(campaign)
    if args.json:
        echo(
            json.dumps(
                {
                    "coverage": _records(cov),
                    "methods": _records(methods),
                    "milestones": _records(ms),
                    "burden": _records(load),
                    "burden_warnings": warnings,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        _print_status(campaign, cov, ms, methods)
        _print_burden(load, warnings)
    if args.output:
        from surveytool.followup.status_xlsx import write_status

        path = write_status(cov, ms, args.output, methods, (load, warnings))
        echo(f"已写入：{path}")
    return 0


def _print_burden(load, warnings: list[str]) -> None:
    """调研负担: per unit asked by more than one topic, then the warnings."""
    shared = load[load["topics"] > 1] if len(load) else load
    if len(shared):
        echo("调研负担（被两个及以上选题调研的单位）：")
        for r in shared.to_dict(orient="records"):
            sessions = f"，座谈走访 {r['sessions']} 场" if r["sessions"] else ""
            echo(
                f"    {r['unit']}：{r['topics']} 个选题（{r['topic_names']}），问卷 {r['questionnaires']} 份"
                f"（目标 {r['responses']} 人次，约 {r['minutes']} 分钟）{sessions}"
            )
    for w in warnings:
        echo(f"  ▲ {w}")


def _records(frame) -> list[dict]:
    from surveytool.analysis.run import records

    return records(frame)


def _present(value) -> bool:
    """True for a real, non-zero number (None, NaN and 0 print as nothing)."""
    return value is not None and value == value and bool(value)


def _methods_line(row: dict) -> str:
    """座谈 3 场、访谈 1 次（共 25 人），专家咨询 2 轮（最后一轮 14 位专家），实地察看 2 次."""
    parts = [
        f"{k} {row[k]} {'次' if k == '访谈' else '场'}" for k in ("座谈", "访谈", "研讨") if row[k]
    ]
    text = "、".join(parts) + (f"（共 {row['participants']} 人）" if parts else "")
    if row["delphi_rounds"]:
        text += f"{'，' if text else ''}专家咨询 {row['delphi_rounds']} 轮（最后一轮 {row['experts']} 位专家）"
    if row["visits"]:
        text += f"{'，' if text else ''}实地察看 {row['visits']} 次"
    return text


def _print_status(campaign, cov, ms, methods) -> None:
    echo(f"{campaign.name}")
    for t in campaign.topics:
        echo(f"选题（{t.topic}）{t.title}［{t.bank}］")
        for row in cov[cov["topic"] == t.topic].to_dict(orient="records"):
            target = f"/{int(row['target'])}" if _present(row["target"]) else ""
            moe = f"，误差 ±{row['moe'] * 100:.1f}%" if _present(row["moe"]) else ""
            if _present(row.get("response_rate")):
                moe = f"，应答率 {row['response_rate']:.0f}%{moe}"
            flag = "  ▲ 未达目标" if row["below_target"] else ""
            note = f"（{row['note']}）" if row["note"] else ""
            echo(f"    {row['unit']}：{row['received']}{target} 份{moe}{flag}{note}")
        for row in methods[methods["topic"] == t.topic].to_dict(orient="records"):
            line = _methods_line(row)
            if line:
                echo(f"    其他调研方法：{line}")
    echo("时间节点：")
    for row in ms.to_dict(orient="records"):
        days = row["days_left"]
        when = f"已过 {-days} 天" if days < 0 else f"还有 {days} 天"
        mark = "  ！" if row["state"] == "即将到期" else ""
        echo(f"    {row['due']} {row['milestone']}（{when}）{mark}")


def cmd_lists(args: argparse.Namespace) -> int:
    """Create or update the three lists from the data."""
    from surveytool.analysis import Survey, analyse
    from surveytool.analysis.run import DEFAULT_K
    from surveytool.followup.lists import make_lists, still_seen
    from surveytool.report.context import for_report
    from surveytool.report.problems import for_lists
    from surveytool.store import load_answers

    bank = load_bank(args.bank)
    s = Survey(load_answers(args.store, bank, args.wave), bank)
    if s.n == 0:
        if args.wave:
            raise UsageError(problem("empty_wave", wave=args.wave, store=args.store))
        raise UsageError(problem("empty_store", store=args.store, action="生成问题清单"))
    if args.where:
        from surveytool.analysis.subset import select

        s = select(s, args.where, DEFAULT_K)[0]
    from surveytool.analysis.releases import publish_answers

    publish_answers(args.store, bank.id, args.wave, s.frame, DEFAULT_K)  # 最新数据 published
    found, measured = for_lists(s, for_report(analyse(s, by=args.by)), args.wave)
    from surveytool.report.other_methods import lists_input

    found, evidence = lists_input(args.store, bank, found, measured)
    existed = Path(args.output).exists()
    path, lists = make_lists(
        found, args.output, bank.id, parse_today(args.today), measured, evidence
    )
    rows = lists.sheets["问题清单"]
    gone = sum(str(r.get("数据支持") or "").startswith("否") for r in rows)
    echo(
        f"{'已更新' if existed else '已生成'}三张清单：{path}（共 {len(rows)} 个问题，"
        f"其中数据已不再支持 {gone} 个）。请在“责任清单”“任务清单”中填写责任单位、措施和时限。"
    )
    for r in (r for r in rows if still_seen(r)):  # 防止纸上解决: said, and the row is shaded
        echo(f"需复核：{r['编号']} {r['问题']}——{str(r['数据支持']).removeprefix('是；')}")
    return 0


def cmd_track(args: argparse.Namespace) -> int:
    """Progress of the lists (问题销号)."""
    from surveytool.followup.lists import read_lists
    from surveytool.followup.track import track

    progress = track(read_lists(args.lists), parse_today(args.today))
    if args.json:
        echo(json.dumps(progress.to_dict(), ensure_ascii=False, indent=1))
        return 0
    s = progress.by_status
    echo(
        f"截至 {progress.today.isoformat()}：共 {progress.total} 项，已销号 {s['已销号']} 项，"
        f"推进中 {s['推进中']} 项，未启动 {s['未启动']} 项，销号率 {progress.closed_rate:.1f}%。"
    )
    echo(
        f"已超期 {len(progress.overdue)} 项，14 天内到期 {len(progress.due_soon)} 项，"
        f"尚未填写完成时限 {progress.no_deadline} 项。"
    )
    for item in progress.overdue:
        echo(
            f"  超期：{item['编号']} {item['问题']}（{item['责任单位']}，时限 {item['完成时限']}）"
        )
    for item in progress.reopened:  # 防止纸上解决: never silently
        echo(
            f"  需复核：{item['编号']} {item['问题']}——{str(item['数据支持']).removeprefix('是；')}"
        )
    for item in progress.bad_deadlines:
        echo(f"  无法识别的时限：{item['编号']}“{item['完成时限']}”，请改为日期（如 2026-08-31）")
    if args.campaign:
        _print_milestones(args.campaign, progress.today)
    if args.chart:
        from surveytool.charts import figures, save

        save(figures.track_status(progress.by_unit), args.chart)
        echo(f"图表已写入：{args.chart}")
    return 0


def _print_milestones(path: str, today) -> None:
    """The campaign's milestones from 集中解决一批问题 on, relative to ``today``."""
    from surveytool.followup.campaign import load_campaign
    from surveytool.followup.status import milestones

    ms = milestones(load_campaign(path), today).to_dict(orient="records")
    first = next((i for i, m in enumerate(ms) if "解决" in m["milestone"]), 0)
    echo("调研计划时间节点：")
    for m in ms[first:]:
        days = m["days_left"]
        when = f"已过 {-days} 天" if days < 0 else f"还有 {days} 天"
        echo(f"    {m['due']} {m['milestone']}（{when}）")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands."""
    p = sub.add_parser("init-campaign", help="生成调研计划示例 / write an example campaign.yaml")
    p.add_argument("folder", metavar="文件夹")
    p.add_argument("--year", type=whole("--year", "年份", 2000, 2100), help="年份（默认今年）")
    p.set_defaults(func=cmd_init_campaign)

    p = sub.add_parser("sample-size", help="样本量与抽样误差 / sample size and margin of error")
    p.add_argument(
        "--population", type=whole("--population", "总体人数"), help="总体人数（不填表示总体很大）"
    )
    p.add_argument(
        "--margin",
        type=fraction("--margin", "允许误差", "0.05 表示 ±5%"),
        default=0.05,
        help="允许误差（默认 0.05，即 ±5%%）",
    )
    p.add_argument(
        "--confidence",
        type=fraction("--confidence", "置信度", "0.95 表示 95%"),
        default=0.95,
        help="置信度（默认 0.95）",
    )
    p.add_argument(
        "--p",
        type=fraction("--p", "预计比例", "0.5 表示 50%，最保守"),
        default=0.5,
        help="预计比例（默认 0.5，最保守）",
    )
    p.add_argument("--n", type=whole("--n", "已有样本量"), help="已有样本量：计算它的抽样误差")
    p.add_argument("--campaign", help="调研计划文件：按单位分配样本")
    p.add_argument(
        "--topic",
        type=whole("--topic", "选题编号", 1, 8),
        default=1,
        help="选题编号（与 --campaign 一起用）",
    )
    p.add_argument(
        "--total", type=whole("--total", "总样本量"), help="总样本量（默认按各单位人数计算）"
    )
    p.add_argument(
        "--min", type=whole("--min", "每单位最少份数", 0), default=0, help="每个单位至少分配的份数"
    )
    p.set_defaults(func=cmd_sample_size)

    p = sub.add_parser("status", help="各选题回收进度与时间节点 / campaign status")
    p.add_argument("--campaign", required=True, help="调研计划文件 campaign.yaml")
    p.add_argument("--today", help="以哪一天为准（默认今天），如 2026-06-10")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("-o", "--output", help="同时写入 .xlsx")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("lists", help="生成或更新三张清单 / the three lists")
    bank_and_store(p)
    p.add_argument("--wave", default=None, help="只用某一轮次（默认全部）")
    p.add_argument("--by", nargs="+", help="分组字段")
    where_option(p)
    p.add_argument("--today", help="首次提出日期按哪一天记（默认今天）")
    p.add_argument("-o", "--output", required=True, help="清单文件 .xlsx（已存在时合并更新）")
    p.set_defaults(func=cmd_lists)

    p = sub.add_parser("track", help="问题销号进展 / progress of the lists")
    p.add_argument("lists", metavar="清单文件")
    p.add_argument("--campaign", help="调研计划文件（可选）")
    p.add_argument("--today", help="以哪一天为准（默认今天）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--chart", help="把各单位进展图写入该 .png 文件")
    p.set_defaults(func=cmd_track)
