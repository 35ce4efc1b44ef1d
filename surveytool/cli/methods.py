"""The seed's other methods: outline, notes, delphi (form, ingest, analyze), visit-form, visits."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from surveytool.bank import load_bank
from surveytool.cli.common import bank_and_store, echo, fraction, whole, write_output
from surveytool.errors import UsageError, problem


def cmd_outline(args: argparse.Namespace) -> int:
    """Write a 座谈/访谈/研讨 outline (.docx) from a bank."""
    from surveytool.bank.interview import themes
    from surveytool.forms.outline import write_outline

    bank = load_bank(args.bank)
    path = write_outline(bank, args.output, args.kind)
    echo(
        f"已生成{args.kind}提纲：{path}（{len(themes(bank))} 个主题，含知情同意说明、时间安排和记录表）"
    )
    return 0


def _report(summary, what: str) -> int:
    """Print one line per problem (errors on stderr) and the counts; exit 1 when a file failed."""
    for f in summary.files:
        for p in f.problems:
            print(p.message, file=sys.stderr if f.status == "failed" else sys.stdout)
    echo(
        f"{what}：导入 {summary.count('ingested')} 个文件，已导入过或重复的 {summary.count('skipped')} 个"
        f"（已跳过），无法读取 {summary.count('failed')} 个。数据库：{summary.store}"
    )
    if summary.failed:
        print(
            f"有 {len(summary.failed)} 个文件无法读取，原因见上。其他文件已正常导入。",
            file=sys.stderr,
        )
    return 1 if summary.failed else 0


def cmd_notes(args: argparse.Namespace) -> int:
    """Ingest 座谈/访谈/研讨 notes."""
    from surveytool.ingest.notes import ingest_notes

    summary = ingest_notes(args.files, load_bank(args.bank), args.store, args.wave)
    if args.json:
        echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        return 1 if summary.failed else 0
    return _report(summary, f"座谈访谈记录（轮次“{args.wave}”）")


def cmd_visit_form(args: argparse.Namespace) -> int:
    """Write the field-visit record form."""
    from surveytool.forms.visit import write_visit_form

    path = write_visit_form(load_bank(args.bank), args.output)
    echo(f"已生成走访记录表：{path}（每次走访填写一份，用 surveytool visits 导入）")
    return 0


def cmd_visits(args: argparse.Namespace) -> int:
    """Ingest field-visit records."""
    from surveytool.ingest.visits import ingest_visits

    summary = ingest_visits(args.files, load_bank(args.bank), args.store, args.wave)
    if args.json:
        echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        return 1 if summary.failed else 0
    return _report(summary, f"走访记录（轮次“{args.wave}”）")


def cmd_delphi_form(args: argparse.Namespace) -> int:
    """Write the expert form of a round (one per expert from round 2 on)."""
    from surveytool.followup.delphi_items import load_items
    from surveytool.forms.delphi import write_delphi_form

    items = load_items(args.items, args.source)
    if args.round == 1:
        if args.experts:
            out = Path(args.output)
            for i in range(1, args.experts + 1):
                code = f"E{i:02d}"
                write_delphi_form(
                    items,
                    out.with_name(f"{out.stem}-{code}{out.suffix}"),
                    1,
                    expert=code,
                    feasibility=args.feasibility,
                    scale=args.scale,
                    subject=args.title,
                    deadline=args.deadline,
                )
            echo(
                f"已生成第 1 轮专家咨询表 {args.experts} 份（专家编号 E01～E{args.experts:02d}）：{out.parent}"
            )
        else:
            path = write_delphi_form(
                items,
                args.output,
                1,
                feasibility=args.feasibility,
                scale=args.scale,
                subject=args.title,
                deadline=args.deadline,
            )
            scale = f"，{args.scale.span} 分" if args.scale else ""
            echo(f"已生成第 1 轮专家咨询表：{path}（{len(items)} 个条目{scale}）")
        return 0
    paths = _feedback_forms(args, items)
    echo(
        f"已生成第 {args.round} 轮专家咨询表 {len(paths)} 份（每位专家一份，附上一轮均值和本人评分）：{Path(args.output).parent}"
    )
    return 0


def _feedback_forms(args: argparse.Namespace, items) -> list[Path]:
    from surveytool.analysis.delphi import ConsensusRule, Scale, item_stats
    from surveytool.forms.delphi import write_delphi_form
    from surveytool.store.db import Store
    from surveytool.store.methods import read_delphi

    if not Path(args.store).is_file():
        raise UsageError(problem("file_not_found", path=args.store))
    with Store(args.store) as store:
        before = read_delphi(store, args.round - 1)
    if before.experts.empty:
        hint = f"第 {args.round} 轮的咨询表需要第 {args.round - 1} 轮的结果，请先导入第 {args.round - 1} 轮。"
        raise UsageError(
            problem("delphi_round_missing", store=args.store, round=args.round - 1, hint=hint)
        )
    scale = args.scale or Scale(*before.scale)
    means = item_stats(before.ratings, before.items, ConsensusRule()).set_index("item")["mean"]
    out = Path(args.output)
    paths = []
    for expert in before.experts["expert"]:
        own = before.ratings[before.ratings["expert"] == expert].set_index("item")["importance"]
        previous = {i.id: (_num(means.get(i.id)), _num(own.get(i.id))) for i in items}
        target = out.with_name(f"{out.stem}-{expert}{out.suffix}")
        paths.append(
            write_delphi_form(
                items,
                target,
                args.round,
                expert=expert,
                feasibility=args.feasibility,
                previous=previous,
                scale=scale,
                subject=args.title,
                deadline=args.deadline,
            )
        )
    return paths


def _num(value) -> float | None:
    return None if value is None or value != value else float(value)


def cmd_delphi_ingest(args: argparse.Namespace) -> int:
    """Ingest returned expert forms or rating tables."""
    from surveytool.followup.delphi_items import load_items
    from surveytool.ingest.delphi import ingest_ratings

    items = load_items(args.items, args.source)
    scale = _ingest_scale(args)
    summary = ingest_ratings(args.files, items, args.store, args.round, scale)
    if args.json:
        echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
        return 1 if summary.failed else 0
    experts = sum(len(f.detail.get("experts", [])) for f in summary.files)
    return _report(summary, f"第 {args.round} 轮专家咨询表（{experts} 位专家，{scale.span} 分）")


def _ingest_scale(args: argparse.Namespace):
    """The round's scale: --scale, else the one stored for the round, else 1–5; a --scale
    other than the stored one is refused."""
    from surveytool.analysis.delphi_rules import Scale
    from surveytool.store.db import Store
    from surveytool.store.methods import round_scale

    stored = None
    if Path(args.store).is_file():
        with Store(args.store) as store:
            stored = round_scale(store, args.round)
    if stored and args.scale and (args.scale.low, args.scale.high) != stored:
        raise UsageError(
            problem(
                "delphi_scale_changed",
                store=args.store,
                round=args.round,
                stored=Scale(*stored).span,
                scale=args.scale.span,
            )
        )
    return args.scale or (Scale(*stored) if stored else Scale())


def cmd_delphi_analyze(args: argparse.Namespace) -> int:
    """Statistics of a Delphi round."""
    from surveytool.analysis.delphi_rules import ConsensusRule, RandRule
    from surveytool.report.other_methods import delphi_results
    from surveytool.store.db import Store

    if not Path(args.store).is_file():
        raise UsageError(problem("file_not_found", path=args.store))

    def rule(scale):
        if args.rule == "rand":
            return RandRule()
        return ConsensusRule.for_scale(scale, args.min_mean, args.max_cv, args.min_full)

    with Store(args.store) as store:
        results = delphi_results(store, rule)
    if not results:
        raise UsageError(problem("delphi_no_rounds", store=args.store))
    rounds = {r.round: r for r in results}
    rnd = args.round or results[-1].round
    if rnd not in rounds:
        hint = f"已有的轮次：{'、'.join(str(r) for r in rounds)}。"
        raise UsageError(problem("delphi_round_missing", store=args.store, round=rnd, hint=hint))
    result = rounds[rnd]
    if args.rule == "rand" and (result.scale.low, result.scale.high) != (1, 9):
        raise UsageError(problem("delphi_rand_scale", round=rnd, scale=result.scale.span))
    if args.json:
        write_output(args.json, json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    _print_round(result)
    if args.json:
        echo(f"完整结果已写入：{args.json}")
    return 0


def _print_round(r) -> None:
    k, a = r.kendall, r.authority
    echo(f"第 {r.round} 轮：{r.experts} 位专家，{len(r.items)} 个条目，{r.scale.span} 分。")
    if a["experts"]:
        echo(
            f"  权威系数 Cr = {a['cr']:.3f}（Ca = {a['ca']:.3f}，Cs = {a['cs']:.3f}，{a['experts']} 位专家）"
        )
    if k["w"] is not None:
        echo(
            f"  Kendall 协调系数 W = {k['w']:.3f}（未校正 {k['w_uncorrected']:.3f}），χ²({k['df']}) = {k['chi2']:.2f}，p = {k['p_value']:.4f}，完整评分的专家 {k['raters']} 位"
        )
    agreed = int(r.items["consensus"].sum())
    echo(f"  按“{r.rule.describe()}”：{agreed}/{len(r.items)} 个条目达成共识。")
    for row in r.items.sort_values("rank").to_dict(orient="records"):
        mark = "✓" if row["consensus"] else " "
        rand = ""
        if "median" in row:
            split = "，有分歧" if row["disagreement"] else ""
            rand = f"，中位数 {row['median']:g}，IPR {row['ipr']:.2f}/IPRAS {row['ipras']:.2f}{split}，{row['appropriateness']}"
        echo(
            f"  {mark} {row['rank']:>2}. {row['item']} {row['label'][:24]}：均值 {row['mean']:.2f}，CV {row['cv']:.2f}，满分比 {row['full_score_ratio']:.2f}{rand}（n = {row['n']}）"
        )


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands."""
    p = sub.add_parser("outline", help="座谈/访谈/研讨提纲 / interview outline (.docx)")
    p.add_argument("bank", metavar="题库", help="内置题库编号或 YAML 文件")
    p.add_argument("-o", "--output", required=True, help="输出的 .docx 文件")
    p.add_argument(
        "--kind", choices=("座谈", "访谈", "研讨"), default="座谈", help="形式（默认 座谈）"
    )
    p.set_defaults(func=cmd_outline)

    p = sub.add_parser("notes", help="导入座谈、访谈、研讨记录 / ingest interview notes")
    bank_and_store(p)
    p.add_argument("--wave", default="首轮", help="调查轮次（默认“首轮”）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument(
        "files", nargs="+", metavar="记录文件", help=".docx、.txt、.md 文件或文件夹，每场一个文件"
    )
    p.set_defaults(func=cmd_notes)

    p = sub.add_parser("visit-form", help="实地察看记录表 / field-visit record form")
    p.add_argument("bank", metavar="题库", help="内置题库编号或 YAML 文件")
    p.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
    p.set_defaults(func=cmd_visit_form)

    p = sub.add_parser("visits", help="导入实地察看记录 / ingest field-visit records")
    bank_and_store(p)
    p.add_argument("--wave", default="首轮", help="调查轮次（默认“首轮”）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("files", nargs="+", metavar="记录表", help="填好的走访记录表（.xlsx）或文件夹")
    p.set_defaults(func=cmd_visits)

    p = sub.add_parser("delphi", help="专家咨询（德尔菲法）/ Delphi rounds")
    dsub = p.add_subparsers(dest="delphi_command", metavar="子命令", required=True)
    f = dsub.add_parser("form", help="专家咨询表 / the expert form of a round")
    _items_options(f)
    f.add_argument(
        "-o",
        "--output",
        required=True,
        help="输出的 .xlsx 文件（第 2 轮起每位专家一份，文件名后加专家编号）",
    )
    f.add_argument(
        "--round", type=whole("--round", "轮次", 1, 10), default=1, help="轮次（默认 1）"
    )
    f.add_argument("--store", default="survey.db", help="数据库（第 2 轮起读取上一轮结果）")
    f.add_argument(
        "--experts",
        type=whole("--experts", "专家人数", 1, 200),
        help="第 1 轮：按人数生成带编号的咨询表（E01…）",
    )
    f.add_argument("--feasibility", action="store_true", help="同时评价可行性")
    _scale_option(f, "评分范围（默认 1-5；第 2 轮起默认沿用上一轮）")
    f.add_argument(
        "--title", help="咨询的内容，写进标题：关于…的专家咨询表（如 青年科技工作者减负问题）"
    )
    f.add_argument("--deadline", help="请专家发回的日期（如 2026年6月20日；不填则留空白日期手写）")
    f.set_defaults(func=cmd_delphi_form)

    f = dsub.add_parser("ingest", help="导入返回的咨询表或评分表 / ingest returned forms")
    _items_options(f)
    f.add_argument("--store", default="survey.db", help="数据库文件（默认 survey.db）")
    f.add_argument("--round", type=whole("--round", "轮次", 1, 10), required=True, help="轮次")
    f.add_argument("--json", action="store_true", help="以 JSON 输出")
    _scale_option(f, "本轮评分范围，如 1-5、1-7、1-9、0-10（默认 1-5，或本轮已导入时的范围）")
    f.add_argument("files", nargs="+", metavar="咨询表", help=".xlsx/.csv 文件或文件夹")
    f.set_defaults(func=cmd_delphi_ingest)

    f = dsub.add_parser(
        "analyze", aliases=["analyse"], help="统计一轮的结果 / statistics of a round"
    )
    f.add_argument("--store", default="survey.db", help="数据库文件（默认 survey.db）")
    f.add_argument("--round", type=whole("--round", "轮次", 1, 10), help="轮次（默认最后一轮）")
    f.add_argument("--json", metavar="OUT.json", help="把结果写入 JSON 文件")
    f.add_argument(
        "--min-mean",
        type=float,
        default=None,
        help="共识标准：均值不低于（默认随评分范围：1-5 为 3.5，1-7 为 4.75，1-9 为 6）",
    )
    f.add_argument(
        "--rule",
        choices=("mean-cv", "rand"),
        default="mean-cv",
        help="共识规则：mean-cv 均值与变异系数（默认）；rand 为 RAND/UCLA 适宜性（1-9 分，中位数与分歧）",
    )
    f.add_argument(
        "--max-cv",
        type=fraction("--max-cv", "变异系数上限", "0.25"),
        default=0.25,
        help="共识标准：变异系数不高于（默认 0.25）",
    )
    f.add_argument(
        "--min-full",
        type=fraction("--min-full", "满分比下限", "0.2"),
        default=None,
        help="共识标准：满分比不低于（默认不要求）",
    )
    f.set_defaults(func=cmd_delphi_analyze)


def _scale(text: str):
    from surveytool.analysis.delphi_rules import Scale

    try:
        return Scale.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            problem(
                "bad_option_value",
                option="--scale",
                value=text,
                what="评分范围",
                rule="“最低分-最高分”，如 1-5、1-7、1-9、0-10（整数，0～100）",
            ).message
        ) from None


def _scale_option(p: argparse.ArgumentParser, text: str) -> None:
    p.add_argument("--scale", type=_scale, default=None, metavar="最低-最高", help=text)


def _items_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--items", required=True, help="条目：YAML 列表（- {id: I1, text: …}）或三张清单 .xlsx"
    )
    p.add_argument(
        "--from",
        dest="source",
        choices=("问题", "任务"),
        default="问题",
        help="用三张清单时：以问题或任务为条目（默认 问题）",
    )
