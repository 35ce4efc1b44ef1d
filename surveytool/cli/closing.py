"""The campaign's last steps (issue 26): slides (成果交流), bulletin (通报), evaluate (综合评估)."""

from __future__ import annotations

import argparse
from pathlib import Path

from surveytool.bank import load_bank
from surveytool.cli.common import (
    bank_and_store,
    check_field,
    checked_k,
    echo,
    k_option,
    parse_today,
)
from surveytool.cli.steer import weights_options, where_option
from surveytool.errors import UsageError, os_detail, problem


def _topic_lists(args: argparse.Namespace):
    """(topics with their lists, campaign name or None) from --campaign or --lists."""
    from surveytool.followup.lists import read_lists
    from surveytool.report.bulletin import TopicLists

    if args.campaign:
        from surveytool.followup.campaign import load_campaign

        campaign = load_campaign(args.campaign)
        topics = []
        for t in campaign.topics:
            path = campaign.lists_of(t)
            lists = read_lists(path) if path.is_file() else None
            topics.append(TopicLists(t.topic, t.title, lists, path))
        return topics, campaign.name
    if not args.lists:
        raise UsageError(problem("bulletin_no_lists"))
    if not Path(args.lists).is_file():
        raise UsageError(problem("file_not_found", path=args.lists))
    return [TopicLists(None, Path(args.lists).stem, read_lists(args.lists), Path(args.lists))], None


def cmd_bulletin(args: argparse.Namespace) -> int:
    """Write the 通报 of problem-solving progress."""
    from surveytool.report.bulletin import bulletin_context, write_bulletin

    topics, name = _topic_lists(args)
    today = parse_today(args.today)
    since = parse_today(args.since) if args.since else None
    ctx = bulletin_context(topics, today, since, name)
    try:
        path = write_bulletin(ctx, args.output)
    except OSError as exc:
        raise UsageError(
            problem("output_not_writable", path=str(args.output), detail=os_detail(exc))
        ) from None
    counted = sum(t["progress"] is not None for t in ctx["topics"])
    echo(f"已生成通报：{path}（{counted} 个选题的三张清单，截至 {today.isoformat()}）")
    return 0


def cmd_slides(args: argparse.Namespace) -> int:
    """Write the 成果交流 slides from the report's model."""
    import tempfile

    from surveytool.report import report_context
    from surveytool.report.slides import write_slides

    bank = load_bank(args.bank)
    for b in args.by or []:
        check_field(bank, b)
    if not Path(args.store).is_file():
        raise UsageError(problem("file_not_found", path=args.store))
    from surveytool.cli.steer import unit_populations

    # the same subset and weights as the report they present, so every figure agrees
    weights = unit_populations(args.weights, bank, args.topic) if args.weights else None
    with tempfile.TemporaryDirectory(prefix="surveytool-slides-") as tmp:
        ctx = report_context(
            args.store,
            bank,
            tmp,
            wave=args.wave,
            waves=tuple(args.waves) if args.waves else None,
            lists=args.lists,
            today=parse_today(args.today),
            by=args.by,
            k=checked_k(args),
            where=args.where,
            weights=weights,
        )
        try:
            path = write_slides(ctx, tmp, args.output)
        except OSError as exc:
            raise UsageError(
                problem("output_not_writable", path=str(args.output), detail=os_detail(exc))
            ) from None
    echo(
        f"已生成成果交流演示文稿：{path}（{len(ctx['conclusions'])} 条主要结论，"
        "每页备注注明数据来源和基数）"
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Write the December 综合评估 of a campaign."""
    from surveytool.followup.campaign import load_campaign
    from surveytool.report.evaluate import write_evaluation

    campaign = load_campaign(args.campaign)
    today = parse_today(args.today)
    try:
        paths = write_evaluation(campaign, args.output, today, checked_k(args))
    except OSError as exc:
        raise UsageError(
            problem("output_not_writable", path=str(args.output), detail=os_detail(exc))
        ) from None
    topics = paths["context"]["topics"]
    compared = sum(t["compared"] is not None for t in topics)
    echo(
        f"已生成综合评估：{len(topics)} 个选题，其中 {compared} 个有两轮问卷可比较"
        f"（截至 {today.isoformat()}）。"
    )
    for kind in ("docx", "html"):
        echo(f"  {paths[kind]}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands."""
    p = sub.add_parser("evaluate", help="综合评估（各选题，.docx + .html）/ campaign evaluation")
    p.add_argument("--campaign", required=True, help="调研计划 campaign.yaml")
    p.add_argument("--today", help="以哪一天为准（默认今天），如 2026-12-20")
    k_option(p)
    p.add_argument("-o", "--output", required=True, help="输出文件夹（如 综合评估/）")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("slides", help="调研成果交流演示文稿（.pptx）/ slides from the report")
    bank_and_store(p)
    p.add_argument("--wave", default=None, help="只用某一轮次（默认全部）")
    p.add_argument(
        "--waves",
        nargs=2,
        metavar=("前一轮", "后一轮"),
        help="两个轮次：按后一轮统计，并加入“回访对比”一页，例如 --waves 首轮 回访",
    )
    p.add_argument("--lists", help="三张清单文件：加入“整改进展”一页")
    p.add_argument("--today", help="整改进展以哪一天为准（默认今天）")
    p.add_argument("--by", nargs="+", help="分组字段（默认：题库中标记为分组或单位的题目）")
    where_option(p)
    weights_options(p)
    k_option(p)
    p.add_argument("-o", "--output", required=True, help="输出的 .pptx 文件")
    p.set_defaults(func=cmd_slides)

    p = sub.add_parser("bulletin", help="问题整改进展通报（.docx）/ progress circular")
    p.add_argument("--lists", help="三张清单 .xlsx（单个选题）")
    p.add_argument("--campaign", help="调研计划 campaign.yaml：汇总各选题的三张清单")
    p.add_argument("--today", help="以哪一天为准（默认今天），如 2026-11-30")
    p.add_argument("--since", help="本期起始日：只列这天之后销号的问题（默认列出全部已销号）")
    p.add_argument("-o", "--output", required=True, help="输出的 .docx 文件")
    p.set_defaults(func=cmd_bulletin)
