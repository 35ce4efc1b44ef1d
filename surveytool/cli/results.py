"""Results: analyze, compare, report, demo, simulate."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from surveytool.bank import load_bank
from surveytool.cli.common import (
    bank_and_store,
    check_field,
    checked_k,
    echo,
    k_option,
    parse_today,
    whole,
    write_output,
)
from surveytool.cli.steer import (
    describe_steering,
    steered_survey,
    unit_populations,
    weights_options,
    where_option,
)
from surveytool.errors import UsageError, problem


def cmd_analyze(args: argparse.Namespace) -> int:
    """Run the analysis; write JSON; print a readable summary."""
    from surveytool.analysis import analyse

    bank = load_bank(args.bank)
    for b in args.by or []:
        check_field(bank, b)
    k = checked_k(args)
    s, design = steered_survey(args, bank, k)
    results = analyse(s, by=args.by, population=args.population, k=k, design=design)
    if args.json:
        write_output(args.json, results.to_json())
    for line in describe_steering(s, design, args.where):
        echo(line)
    _print_analysis(results, args)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """Disclosure audit of everything the analysis publishes (and so the report built on it)."""
    from surveytool.analysis import Survey, analyse
    from surveytool.analysis.audit import audit
    from surveytool.store import load_answers

    bank = load_bank(args.bank)
    for b in args.by or []:
        check_field(bank, b)
    frame = load_answers(args.store, bank, args.wave)
    if frame.empty:
        raise UsageError(problem("empty_store", store=args.store, action="做保密检查"))
    published = analyse(Survey(frame, bank), by=args.by, k=args.k).to_dict()
    findings = audit(published, args.k)
    released = _audit_release(args.store, bank.id, frame, args.k)
    if not findings:
        echo(
            f"保密检查通过：{published['n']} 份答卷的全部统计结果中，没有哪个被隐藏的人数能由其他"
            f"公开的数字推算到少于 {args.k} 人的范围。"
        )
        return 0 if released else 1
    echo(f"保密检查发现 {len(findings)} 处被隐藏的人数可由其他公开数字推算出来：")
    for f in findings:
        echo(f"  {f.table}，{f.cell}：只能在 {f.low:g}～{f.high:g} 之间")
    return 1


def _audit_release(store: str, bank_id: str, frame, k: int) -> bool:
    """Say how these answers stand against the earlier releases (nothing is recorded);
    False when publishing them would be refused (too close to an earlier release)."""
    from surveytool.analysis.releases import check_release, read_releases, response_ids

    earlier = read_releases(store)
    same, close = check_release(earlier, bank_id, set(response_ids(frame)), k)
    if same is not None:
        echo(f"发布检查：这些答卷就是第 {same} 次发布的内容，可以重新生成同样的结果。")
        return True
    if close:
        for r, diff in close:
            echo(
                f"发布检查未通过：与第 {r['number']} 次发布（{r['scope']}，{r['n']} 份）只相差 "
                f"{diff} 份答卷，两次结果相减可推出这 {diff} 人的回答；至少相差 {k} 份才能发布。"
            )
        return False
    mine = [r for r in earlier if r["bank"] == bank_id]
    echo(f"发布检查通过：与以前 {len(mine)} 次发布相比都至少相差 {k} 份答卷，可以作为新的发布。")
    return True


def _print_analysis(r, args: argparse.Namespace) -> None:
    wave = f"，轮次“{args.wave}”" if args.wave else ""
    echo(f"题库 {r.bank.id}{wave}：有效答卷 {r.n} 份。")
    if r.n == 0:
        echo("没有可分析的答卷。请先用 surveytool ingest 回收答卷。")
        return
    moe = r.margin_of_error.iloc[0]["moe"]
    if r.design is not None:
        from surveytool.analysis.weights import margin

        echo(
            f"整体抽样误差（按分层抽样设计计算，95% 置信度，最保守估计）：±{margin(r.design) * 100:.1f}%。"
        )
    else:
        echo(f"整体抽样误差（95% 置信度，最保守估计）：±{moe * 100:.1f}%。")
    for row in r.reliability.to_dict(orient="records"):
        alpha = row["alpha"]
        text = f"{alpha:.3f}" if alpha == alpha else row["note"]
        name, items, n = row["construct"], row["items"], row["n"]
        echo(f"  维度“{name}”：{items} 个题项，Cronbach α = {text}（n={n}）")
    if r.by:
        sig = 0
        for t in (r.crosstabs, r.group_tests):
            if len(t) and "p_adjusted" in t:
                sig += int((t["p_adjusted"] < 0.05).sum())
        total = len(r.crosstabs) + len(r.group_tests)
        by = "、".join(r.by)
        echo(f"分组比较（按 {by}）：共 {total} 项检验，经 BH 校正后差异显著的 {sig} 项。")
    if args.json:
        echo(f"完整结果已写入：{args.json}")


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare two waves."""
    from surveytool.analysis import Survey
    from surveytool.analysis.waves import compare_waves
    from surveytool.report.campaign import hide_wave_values
    from surveytool.report.sentences import wave_change
    from surveytool.store.answers import snapshot

    bank = load_bank(args.bank)
    k = checked_k(args)
    a, b = args.waves
    with snapshot(args.store) as snap:  # both waves from the same state of the store
        sa, sb = (Survey(snap.answers(bank, w), bank) for w in (a, b))
    for wave, s in ((a, sa), (b, sb)):
        if s.n == 0:
            raise UsageError(problem("empty_wave", wave=wave, store=args.store))
    if args.where:
        from surveytool.analysis.subset import select

        sa, sb = select(sa, args.where, k)[0], select(sb, args.where, k)[0]
        echo(f"筛选条件：{args.where}。")
    from surveytool.analysis.releases import publish_answers

    for wave, s in ((a, sa), (b, sb)):
        publish_answers(args.store, bank.id, wave, s.frame, k)
    res = compare_waves(sa, sb, args.link)
    if args.weights:
        res = _weighted_waves(args, bank, res, sa, sb, k)
    res = hide_wave_values(res, sa, sb, k)
    if args.weights:
        from surveytool.analysis.weighted import WAVE_COLUMNS

        for col in WAVE_COLUMNS:
            res[col] = res[col].mask(res["values_hidden"])
    if args.json:
        from surveytool.analysis.run import records

        write_output(args.json, json.dumps(records(res), ensure_ascii=False, indent=1))
    design = res["design"].iloc[0] if len(res) else "independent"
    pairs = int(res["n"].max()) if len(res) and design == "paired" else 0
    echo(
        f"“{a}”{sa.n} 份，“{b}”{sb.n} 份；"
        + (
            f"按自编代码配对比较（{pairs} 对）。"
            if design == "paired"
            else "两轮受访者无法一一对应，按独立样本比较。"
        )
    )
    for row in res.to_dict(orient="records"):
        if row["kind"] == "construct" or row["verdict"] != "no_change":
            echo("  " + wave_change(row["label"], row, a, b, values=not row["values_hidden"]))
    if args.json:
        echo(f"全部 {len(res)} 项比较已写入：{args.json}")
    return 0


def _weighted_waves(args, bank, res, sa, sb, k: int):
    """The waves' weighted means (each wave its own stratified sample; --where applied)."""
    from surveytool.analysis import Survey
    from surveytool.analysis.subset import where_mask
    from surveytool.analysis.weighted import weighted_waves
    from surveytool.analysis.weights import unit_design
    from surveytool.store.answers import snapshot

    pops = unit_populations(args.weights, bank, args.topic)
    designs = []
    with snapshot(args.store) as snap:
        for wave in args.waves:
            whole = Survey(snap.answers(bank, wave), bank)
            d = unit_design(whole, pops)
            designs.append(d.subset(where_mask(whole, args.where)) if args.where else d)
    echo("两轮均按各单位人数加权（每轮按本轮各单位的答卷份数计算权数）；检验与结论按未加权数据。")
    return weighted_waves(res, sa, sb, *designs)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the draft report."""
    from surveytool.report import make_report

    bank = load_bank(args.bank)
    for b in args.by or []:
        check_field(bank, b)
    k = checked_k(args)
    formats = tuple(x.strip() for x in args.format.split(",") if x.strip())
    if args.per_unit:
        return _unit_reports(args, bank, k, formats)
    weights = _report_weights(args, bank)
    paths = make_report(
        args.store,
        bank,
        args.output,
        wave=args.wave,
        waves=tuple(args.waves) if args.waves else None,
        lists=args.lists,
        today=parse_today(args.today),
        link=args.link,
        by=args.by,
        formats=formats,
        templates=args.templates,
        k=k,
        **_campaign_figures(args),
        where=args.where,
        weights=weights,
    )
    echo("已生成调研报告初稿：")
    for kind, path in paths.items():
        echo(f"  {kind}: {path}")
    return 0


def _campaign_figures(args: argparse.Namespace) -> dict:
    """population / targets / populations for the report: ``--population``, and from
    ``--campaign`` the topic's units (targets, people asked); the campaign's total population
    when every unit gives one and ``--population`` does not."""
    out: dict = {"population": args.population}
    if not getattr(args, "campaign", None):
        return out
    from surveytool.cli.campaign import _topic
    from surveytool.followup.campaign import load_campaign

    topic = _topic(load_campaign(args.campaign), args.topic)
    out["targets"] = {u.name: u.target for u in topic.units if u.target}
    out["populations"] = {u.name: u.population for u in topic.units if u.population}
    if out["population"] is None and topic.units and all(u.population for u in topic.units):
        out["population"] = sum(u.population for u in topic.units)
    return out


def _report_weights(args: argparse.Namespace, bank) -> dict[str, int] | None:
    """The unit populations a report is weighted by: from ``--weights``, or from the
    campaign given to the report (``--campaign``) when its units have populations; none
    with ``--unweighted``."""
    if args.unweighted:
        return None
    source = args.weights or getattr(args, "campaign", None)
    if not source:
        return None
    from surveytool.followup.campaign import load_campaign

    if not args.weights and not any(
        u.population for t in load_campaign(source).topics for u in t.units
    ):
        return None  # a campaign without populations: nothing to weight by
    return unit_populations(source, bank, getattr(args, "topic", None))


def _unit_reports(args: argparse.Namespace, bank, k: int, formats) -> int:
    from surveytool.report.per_unit import make_unit_reports

    for option, value in (
        ("--waves", args.waves),
        ("--lists", args.lists),
        ("--where", args.where),
    ):
        if value:
            raise UsageError(problem("per_unit_with", option=option))
    done = make_unit_reports(
        args.store,
        bank,
        args.output,
        wave=args.wave,
        min_unit=args.min_unit,
        k=k,
        formats=formats,
        templates=args.templates,
    )
    made = [u for u in done if u.paths]
    echo(f"已生成 {len(made)} 个单位的本单位报告（每个单位一个文件夹）：{args.output}")
    for u in made:
        echo(f"  {u.unit}（{u.n} 份）：{', '.join(str(p) for p in u.paths.values())}")
    for u in done:
        if not u.paths:
            echo("  " + u.reason)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The whole pipeline on simulated returns."""
    from surveytool.demo import run_demo

    run_demo(args.output, n=args.n, seed=args.seed, say=echo)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """Simulated respondent forms for any bank."""
    from surveytool.demo import write_returns
    from surveytool.simulate import Simulator

    bank = load_bank(args.bank)
    answers = Simulator(bank, seed=args.seed).respondents(args.n)
    paths = write_returns(bank, answers, Path(args.output))
    echo(
        f"已生成 {len(paths)} 份模拟填写的问卷（题库 {bank.id}，随机种子 {args.seed}）：{args.output}"
    )
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands."""
    p = sub.add_parser("analyze", aliases=["analyse"], help="统计分析 / analyse answers")
    bank_and_store(p)
    p.add_argument("--wave", default=None, help="只分析某一轮次（默认全部）")
    p.add_argument("--by", nargs="+", help="分组字段（默认：题库中标记为分组或单位的题目）")
    p.add_argument(
        "--population", type=whole("--population", "总体人数"), help="总体规模，用于有限总体校正"
    )
    where_option(p)
    weights_options(p)
    k_option(p)
    p.add_argument("--json", metavar="OUT.json", help="把全部结果写入 JSON 文件")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("audit", help="保密检查：隐藏的小数字能否被推算 / disclosure audit")
    bank_and_store(p)
    p.add_argument("--wave", default=None, help="只检查某一轮次（默认全部）")
    p.add_argument("--by", nargs="+", help="分组字段（默认：题库中标记为分组或单位的题目）")
    p.add_argument("--k", type=int, default=5, help="少于 k 人不单独报告（默认 5）")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("compare", help="两轮调查对比（回访）/ compare two waves")
    bank_and_store(p)
    p.add_argument(
        "--waves",
        nargs=2,
        required=True,
        metavar=("基线", "回访"),
        help="两个轮次，例如 首轮 回访",
    )
    p.add_argument("--link", help="把两轮受访者对应起来的字段（默认：题库中的自编代码题）")
    where_option(p)
    weights_options(p)
    k_option(p, "类别")
    p.add_argument("--json", metavar="OUT.json", help="把全部比较结果写入 JSON 文件")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="生成调研报告初稿 / write the draft report")
    bank_and_store(p)
    p.add_argument("--wave", default=None, help="只用某一轮次（默认全部）")
    p.add_argument(
        "--waves",
        nargs=2,
        metavar=("前一轮", "后一轮"),
        help="两个轮次：正文按后一轮统计，并加入“回访对比”一节，例如 --waves 首轮 回访",
    )
    p.add_argument("--link", help="两轮受访者配对所用的字段（默认：题库中的自编代码题）")
    p.add_argument("--lists", help="三张清单文件（surveytool lists 生成）：加入“整改进展”一节")
    p.add_argument("--today", help="整改进展以哪一天为准（默认今天），如 2026-11-30")
    p.add_argument("--by", nargs="+", help="分组字段（默认：题库中标记为分组或单位的题目）")
    p.add_argument("--templates", help="自定义模板文件夹（report.html.j2 / report.md.j2）")
    p.add_argument(
        "--format", default="html,md,docx", help="输出格式，逗号分隔（默认 html,md,docx）"
    )
    p.add_argument(
        "--population", type=whole("--population", "总体人数"), help="总体规模，用于有限总体校正"
    )
    p.add_argument(
        "--campaign",
        help="调研计划文件 campaign.yaml：按其中各单位的目标份数和调查对象人数给出完成率、应答率，并作有限总体校正",
    )
    p.add_argument("--topic", type=int, default=1, help="调研计划中的选题编号（默认 1）")
    where_option(p)
    p.add_argument(
        "--weights",
        metavar="campaign.yaml",
        help="按调研计划中各单位的人数加权（给了调研计划时报告默认加权；--unweighted 不加权）",
    )
    p.add_argument(
        "--unweighted", action="store_true", help="给了 --weights 也不加权（报告用未加权的结果）"
    )
    p.add_argument(
        "--per-unit",
        action="store_true",
        help="每个单位生成一份本单位报告（本单位与全部对比，不出现其他单位）",
    )
    p.add_argument(
        "--min-unit",
        type=whole("--min-unit", "份数", 1),
        default=30,
        help="有效答卷不少于这个份数的单位才生成本单位报告（默认 30，不低于 k）",
    )
    k_option(p)
    p.add_argument("-o", "--output", required=True, help="输出文件夹")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo", help="一键演示：模拟回收→入库→分析→报告 / run the demo")
    p.add_argument(
        "-o", "--output", default="surveytool-demo", help="输出文件夹（默认 surveytool-demo）"
    )
    p.add_argument(
        "-n", type=whole("-n", "人数", 1, 100_000), default=360, help="模拟的受访者人数（默认 360）"
    )
    p.add_argument(
        "--seed", type=whole("--seed", "随机种子", 0), default=2023, help="随机种子（默认 2023）"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("simulate", help="模拟填写问卷 / simulate returned forms")
    p.add_argument("bank", metavar="题库", help="内置题库编号或 YAML 文件")
    p.add_argument("-n", type=whole("-n", "人数", 1, 100_000), default=100, help="人数（默认 100）")
    p.add_argument(
        "--seed", type=whole("--seed", "随机种子", 0), default=2023, help="随机种子（默认 2023）"
    )
    p.add_argument("-o", "--output", required=True, help="输出文件夹")
    p.set_defaults(func=cmd_simulate)
