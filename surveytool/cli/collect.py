"""Collecting answers: ingest, map, responses."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from surveytool.bank import load_bank
from surveytool.bank.model import OTHER_LABEL
from surveytool.cli.common import bank_and_store, collector_paused, echo
from surveytool.cli.steer import where_option
from surveytool.errors import UsageError, problem


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest returned files into the store."""
    from surveytool.ingest.options import ReadOptions
    from surveytool.ingest.workers import prestart

    bank = load_bank(args.bank)
    options = ReadOptions(args.source, Path(args.mapping) if args.mapping else None, args.encoding)
    if options.mapping is not None and not options.mapping.is_file():
        raise UsageError(problem("file_not_found", path=str(options.mapping)))
    prestart(sum(map(_files_in, args.files)))  # the workers import while this process does
    from surveytool.cli.progress import ProgressBar
    from surveytool.ingest import ingest

    bar = None if args.json else ProgressBar()  # on a terminal only
    collected = collected_range(args.collected) if args.collected else None
    with collector_paused():
        summary = ingest(
            args.files,
            bank,
            args.store,
            wave=args.wave,
            progress=bar,
            options=options,
            collected=collected,
            keep_identical=args.keep_identical,
        )
    if args.json:
        echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(summary)
    return 1 if summary.failed else 0


def _files_in(target: str) -> int:
    """How many files ``target`` may hold, for starting reader workers: many for a folder."""
    try:
        return 64 if Path(target).is_dir() else 1
    except (OSError, ValueError):  # a name the system refuses: ingest says so
        return 1


def collected_range(text: str) -> tuple[str, str]:
    """``2026-11-20..2026-11-28`` (or one date) -> (first, last) ISO dates; raises
    UsageError for anything else, or a range that ends before it starts."""
    parts = [p.strip() for p in text.split("..")]
    try:
        days = [date.fromisoformat(p) for p in parts]
    except ValueError:
        days = []
    if len(days) not in (1, 2) or days[-1] < days[0]:
        raise UsageError(problem("bad_collected", value=text))
    return days[0].isoformat(), days[-1].isoformat()


def _print_summary(summary) -> None:
    d = summary.to_dict()
    shown = 0
    for f in summary.files:
        for p in f.problems:
            if f.status == "failed":
                print(p.message, file=sys.stderr)
            elif shown < 30:
                echo(p.message)
                shown += 1
    hidden = sum(len(f.problems) for f in summary.files if f.status != "failed") - shown
    if hidden > 0:
        echo(f"……另有 {hidden} 条提示未显示（完整内容见 --json 输出或数据库 issues 表）。")
    read = sum(f.status == "ingested" for f in summary.files)
    echo(f"题库 {summary.bank}，轮次“{summary.wave}”，数据库 {summary.store}")
    echo(
        f"读取文件 {read} 个，已回收过或重复的文件 {d['already_ingested']} 个（已跳过），"
        f"无法读取 {d['failed']} 个。"
    )
    echo(
        f"有效答卷 {d['accepted']} 份，未通过 {d['rejected']} 份，重复 {d['duplicates']} 份，"
        f"提示 {d['warnings']} 条。"
    )
    if summary.rejects_file:
        echo(f"未通过的答卷及原因已写入：{summary.rejects_file}（改正后可再次回收）")
    if d["units"]:
        units = "，".join(f"{k.replace(OTHER_LABEL, '其他')} {v} 份" for k, v in d["units"].items())
        echo("各单位有效答卷：" + units)
    if summary.failed:
        print(
            f"有 {len(summary.failed)} 个文件无法读取，原因见上。其他文件已正常回收。",
            file=sys.stderr,
        )


def cmd_map(args: argparse.Namespace) -> int:
    """Propose a mapping of a platform export to the bank; write it for editing."""
    from surveytool.ingest.platform_map import propose

    bank = load_bank(args.bank)
    path = Path(args.file)
    out = Path(args.output) if args.output else path.with_name(path.name + ".mapping.yaml")
    rows, written = propose(path, bank, args.source, out)
    echo(f"{'平台题目':<40}{'题库':>6}{'把握':>6}  状态")
    for header, qid, conf, status in rows:
        echo(f"{header[:38]:<40}{qid or '—':>6}{conf:>6.2f}  {status}")
    echo(
        f"对应关系已写入：{written}。核对“需确认”“未对应”的行后，用 "
        f"surveytool ingest --bank {args.bank} --mapping {written} {path} 回收。"
    )
    return 0


def cmd_responses(args: argparse.Namespace) -> int:
    """Export clean answers."""
    from surveytool.store import export_responses, load_answers

    bank = load_bank(args.bank)
    frame = load_answers(args.store, bank, args.wave)
    if args.where:
        from surveytool.analysis import Survey
        from surveytool.analysis.subset import select

        frame = select(Survey(frame, bank), args.where, 5)[0].frame
    if args.output:
        from surveytool.store.export import pii_columns

        out = export_responses(
            frame, bank, args.output, include_pii=args.include_pii, labels=args.labels
        )
        echo(f"已导出 {len(frame)} 份答卷：{out}")
        from surveytool.store.export import LONG_SHEET, overlong

        cut = overlong(frame)
        if cut and out.suffix.lower() == ".xlsx":
            echo(
                f"注意：有 {cut} 个回答超过 Excel 单元格的 32,767 个字符上限，答卷表中只放了开头，"
                f"全文分段写在“{LONG_SHEET}”工作表。"
            )
        hidden = pii_columns(bank)
        if hidden and not args.include_pii:
            echo(
                f"标为个人信息的 {len(hidden)} 个字段（{'、'.join(hidden)}）未导出；"
                "确需导出时加 --include-pii，并妥善保管导出的文件。"
            )
    else:
        echo(frame.to_string(max_rows=20, max_cols=12))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands."""
    p = sub.add_parser("ingest", help="回收答卷入库 / ingest returned files")
    p.add_argument(
        "files", nargs="+", metavar="文件或文件夹", help="回收的 .xlsx/.xls/.csv 文件或文件夹"
    )
    bank_and_store(p)
    p.add_argument("--wave", default="首轮", help="调查轮次（默认“首轮”；回访可用“回访”）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出汇总")
    p.add_argument(
        "--collected",
        metavar="起..止",
        help="纸质问卷的回收日期，如 2026-11-20..2026-11-28（平台导出自带提交日期；"
        "不写时按文件的保存日期）",
    )
    p.add_argument(
        "--keep-identical",
        action="store_true",
        help="不合并来自不同人的相同答卷（默认只在巧合极不可能时按重复合并，并逐一列出）",
    )
    p.add_argument(
        "--source",
        default="auto",
        choices=["auto", "table", "wjx", "tencent", "kobo", "sav"],
        help="文件来源（默认 auto 自动识别）：wjx 问卷星、tencent 腾讯问卷、kobo KoboToolbox/ODK、sav SPSS",
    )
    p.add_argument("--mapping", help="surveytool map 生成并核对过的对应关系文件")
    p.add_argument(
        "--encoding",
        choices=["text", "code", "score"],
        help="问卷星下载的编码：text 按文本、code 按序号、score 按分数（默认按文件名或内容判断）",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("map", help="平台导出文件与题库的对应关系 / map a platform export")
    p.add_argument("file", metavar="文件", help="问卷星、腾讯问卷或 KoboToolbox 的导出文件")
    bank_and_store(p, store=False)
    p.add_argument(
        "--source",
        default="auto",
        choices=["auto", "wjx", "tencent", "kobo"],
        help="文件来源（默认自动识别）",
    )
    p.add_argument("-o", "--output", help="对应关系文件（默认：导出文件名.mapping.yaml）")
    p.set_defaults(func=cmd_map)

    p = sub.add_parser("responses", help="导出有效答卷 / export clean answers")
    bank_and_store(p)
    p.add_argument("--wave", default=None, help="只导出某一轮次")
    where_option(p)
    p.add_argument("-o", "--output", help="输出 .xlsx、.csv 或 .sav（含编码说明）")
    p.add_argument("--labels", action="store_true", help="写选项文字而不是代码（.xlsx、.csv）")
    p.add_argument("--include-pii", action="store_true", help="同时导出标为个人信息（pii）的字段")
    p.set_defaults(func=cmd_responses)
