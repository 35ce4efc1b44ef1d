"""The analysis the researcher steers: ``table``, and the ``--where`` / ``--weights``
options other commands share."""

from __future__ import annotations

import argparse
from pathlib import Path

from surveytool.bank import load_bank
from surveytool.cli.common import bank_and_store, checked_k, echo, k_option, whole, write_output
from surveytool.errors import UsageError, problem


def where_option(p: argparse.ArgumentParser) -> None:
    """Add --where."""
    p.add_argument(
        "--where",
        metavar="条件",
        help='只统计满足条件的答卷，写法同跳题条件，例如 "B1 == 1 and A2 in [1, 2]"',
    )


def weights_options(p: argparse.ArgumentParser) -> None:
    """Add --weights CAMPAIGN and --topic N."""
    p.add_argument(
        "--weights",
        metavar="campaign.yaml",
        help="按调研计划中各单位的人数加权（单位作为分层，给出加权比例、均值、标准误和置信区间）",
    )
    p.add_argument(
        "--topic",
        type=whole("--topic", "选题编号", 1),
        help="调研计划中的选题编号（默认：与题库相同的那个选题）",
    )


def unit_populations(campaign_path: str, bank, topic: int | None) -> dict[str, int]:
    """The unit populations of the campaign topic that uses ``bank`` (or topic ``topic``).
    Raises UsageError when the topic is unknown or has no populations."""
    from surveytool.followup.campaign import load_campaign

    campaign = load_campaign(campaign_path)
    if topic is not None:
        chosen = [t for t in campaign.topics if t.topic == topic]
    else:
        chosen = [t for t in campaign.topics if t.bank in (bank.id, str(bank.path or ""))]
        chosen = chosen or (campaign.topics if len(campaign.topics) == 1 else [])
    if not chosen:
        topics = "、".join(str(t.topic) for t in campaign.topics) or "（无）"
        raise UsageError(problem("unknown_topic", value=topic or bank.id, topics=topics))
    pops = {u.name: u.population for u in chosen[0].units if u.population}
    if not pops:
        raise UsageError(
            problem("weights_no_populations", campaign=campaign_path, topic=chosen[0].topic)
        )
    return pops  # type: ignore[return-value]


def design_for(s, populations: dict[str, int]):
    """The stratified design of ``s`` (units as strata) for these populations."""
    from surveytool.analysis.weights import unit_design

    return unit_design(s, populations)


def steered_survey(args: argparse.Namespace, bank, k: int):
    """The answers of ``bank`` in ``args.store`` (``args.wave``), restricted by
    ``args.where``, with the design of ``args.weights`` (None without it), published as a
    release (refused when too close to an earlier one). Returns (survey, design)."""
    from surveytool.analysis import Survey
    from surveytool.analysis.subset import select
    from surveytool.store import load_answers

    frame = load_answers(args.store, bank, args.wave)
    steered = getattr(args, "where", None) or getattr(args, "weights", None)
    if frame.empty and (steered or args.command == "table"):
        raise UsageError(problem("empty_store", store=args.store, action="统计"))
    s = Survey(frame, bank)
    design = None
    if getattr(args, "weights", None):
        design = design_for(s, unit_populations(args.weights, bank, args.topic))
    sub, mask = select(s, getattr(args, "where", None), k)
    if design is not None:
        design = design.subset(mask)
    if sub.n:  # the figures shown are a numbered release (analysis/releases.py)
        from surveytool.analysis.releases import publish_answers

        publish_answers(args.store, bank.id, args.wave, sub.frame, k)  # refused when too close
    return sub, design


def describe_steering(s, design, where: str | None) -> list[str]:
    """Lines saying which answers were counted and how they were weighted."""
    lines = []
    if where:
        lines.append(f"筛选条件：{where}（符合条件的答卷 {s.n} 份）。")
    if design is not None:
        lines.append(
            f"按各单位人数加权（{int((design.n_h > 0).sum())} 个单位，共 {design.population} 人）；"
            "未加权人数 n 同时列出。"
        )
        if design.absent:
            names = "、".join(f"{u}（{n} 人）" for u, n in design.absent)
            lines.append(
                f"没有答卷的单位：{names}，占各单位总人数的 {100 * design.absent_share:.1f}%；"
                "加权估计只代表有答卷的单位。"
            )
    return lines


def cmd_table(args: argparse.Namespace) -> int:
    """Any question by any other: counts, percents, CIs, the fitting test."""
    from surveytool.analysis.axes import parse_bands
    from surveytool.analysis.table import crosstable

    bank = load_bank(args.bank)
    k = checked_k(args)
    bands = parse_bands(args.bands)
    s, design = steered_survey(args, bank, k)
    t = crosstable(s, args.row, args.column, k=k, design=design, bands=bands, where=args.where)
    from surveytool.report.table_xlsx import posthoc_sentences

    t.notes[:0] = posthoc_sentences(s, t)
    if args.json:
        write_output(args.json, t.to_json())
    if args.output:
        from surveytool.report.table_xlsx import write_table

        write_table(t, Path(args.output))
    _print_table(t, args)
    return 0


def _print_table(t, args: argparse.Namespace) -> None:
    from surveytool.report.table_xlsx import sentences_of_tests

    subset = f"（筛选：{t.where}）" if t.where else ""
    by = f" × {t.column_title}" if t.column else ""
    echo(f"{t.row_title}{by}：{t.n} 份答卷{subset}。")
    for line in sentences_of_tests(t):
        echo("  " + line)
    for note in t.notes:
        echo("  " + note)
    for path in (args.json, args.output):
        if path:
            echo(f"已写入：{path}")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``table`` sub-command."""
    p = sub.add_parser("table", help="交叉表：任意两题交叉统计与检验 / ad-hoc table")
    bank_and_store(p)
    p.add_argument("row", metavar="行", help="行：题目或字段编号（多选题、量表题可用题号）")
    p.add_argument("column", metavar="列", nargs="?", help="列（分组）：单选题、量表题目或单位")
    p.add_argument("--wave", default=None, help="只统计某一轮次（默认全部）")
    where_option(p)
    weights_options(p)
    p.add_argument("--bands", metavar="30,40,50", help="把数字题按这些分段点分组")
    k_option(p)
    p.add_argument("--json", metavar="OUT.json", help="把结果写入 JSON 文件")
    p.add_argument("-o", "--output", metavar="OUT.xlsx", help="把表格写入 Excel 文件（给人看）")
    p.set_defaults(func=cmd_table)
