"""The ``surveytool`` command: a thin shell over the library.

Each sub-command parses its options, calls one library function and prints the result in
Chinese. A :class:`~surveytool.errors.SurveyToolError` becomes one line per problem on stderr
and exit code 1 — never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from surveytool import __version__
from surveytool.bank import bank_paths, builtin_dir, load_bank
from surveytool.errors import BankError, SurveyToolError, UsageError, problem

Handler = Callable[[argparse.Namespace], int]


def _out(text: str = "") -> None:
    print(text, flush=True)


def _bank_files(targets: Sequence[str]) -> list[str | Path]:
    """Expand folders into their bank files; keep ids and files as given."""
    out: list[str | Path] = []
    for t in targets:
        p = Path(t)
        out.extend(bank_paths(p) if p.is_dir() else [t])
    return out


def cmd_banks(args: argparse.Namespace) -> int:
    """List banks (built-in, or those in --dir)."""
    folder = Path(args.dir) if args.dir else builtin_dir()
    if not folder.is_dir():
        raise UsageError(problem("file_not_found", path=str(folder)))
    rows, failed = [], []
    for path in bank_paths(folder):
        try:
            bank = load_bank(path)
        except BankError as exc:
            failed.append((path.name, exc))
            continue
        rows.append(
            {
                "id": bank.id,
                "title": bank.title,
                "version": bank.version,
                "fields": len(bank.fields),
                "questions": len(bank.questions),
                "topic": bank.topic,
                "path": str(path),
            }
        )
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _out(f"{'编号':<26}{'版本':>4}{'题数':>6}{'字段':>6}  标题")
        for r in rows:
            _out(f"{r['id']:<28}{r['version']:>4}{r['questions']:>6}{r['fields']:>6}  {r['title']}")
        _out(f"共 {len(rows)} 个题库（{folder}）。")
    for name, exc in failed:
        print(
            f"题库 {name} 未通过检查（{len(exc.problems)} 个问题），"
            f"请运行 surveytool check {folder / name} 查看。",
            file=sys.stderr,
        )
    return 1 if failed else 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate banks; print every problem, located."""
    bad = 0
    for target in _bank_files(args.banks):
        try:
            bank = load_bank(target)
        except BankError as exc:
            bad += 1
            for p in exc.problems:
                print(p.message, file=sys.stderr)
            print(f"✗ {Path(str(target)).name}：发现 {len(exc.problems)} 个问题。", file=sys.stderr)
            continue
        _out(
            f"✓ {bank.id}（版本 {bank.version}）：{len(bank.questions)} 道题，"
            f"{len(bank.fields)} 个答案字段，检查通过。"
        )
    return 1 if bad else 0


def cmd_form(args: argparse.Namespace) -> int:
    """Export a bank as an Excel form."""
    from surveytool.forms import write_form

    bank = load_bank(args.bank)
    out = Path(args.output)
    structure = write_form(bank, out, layout=args.layout)
    kind = "问卷（每人一份）" if args.layout == "respondent" else "录入表（每行一人）"
    _out(f"已导出{kind}：{out}")
    _out(
        f"题库 {bank.id}（版本 {bank.version}），{len(structure.entries)} 个答案单元格，"
        f"结构校验码 {structure.checksum[:12]}。"
    )
    return 0


def cmd_xlsform(args: argparse.Namespace) -> int:
    """Export a bank as an XLSForm."""
    from surveytool.forms import write_xlsform

    bank = load_bank(args.bank)
    out = write_xlsform(bank, args.output)
    _out(f"已导出 XLSForm：{out}（可上传到 KoboToolbox 或用于 ODK Collect）")
    return 0


def _progress(done: int, total: int, name: str) -> None:
    if total >= 10 and sys.stderr.isatty():
        width = 30
        filled = width * done // total
        print(
            f"\r回收中 [{'█' * filled}{'·' * (width - filled)}] {done}/{total} {name[:30]:<30}",
            end="" if done < total else "\n",
            file=sys.stderr,
            flush=True,
        )


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest returned files into the store."""
    from surveytool.ingest import ingest
    from surveytool.ingest.options import ReadOptions

    bank = load_bank(args.bank)
    options = ReadOptions(args.source, Path(args.mapping) if args.mapping else None, args.encoding)
    if options.mapping is not None and not options.mapping.is_file():
        raise UsageError(problem("file_not_found", path=str(options.mapping)))
    summary = ingest(
        args.files, bank, args.store, wave=args.wave, progress=_progress, options=options
    )
    if args.json:
        _out(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(summary)
    return 1 if summary.failed else 0


def _print_summary(summary) -> None:
    d = summary.to_dict()
    shown = 0
    for f in summary.files:
        for p in f.problems:
            if f.status == "failed":
                print(p.message, file=sys.stderr)
            elif shown < 30:
                _out(p.message)
                shown += 1
    hidden = sum(len(f.problems) for f in summary.files if f.status != "failed") - shown
    if hidden > 0:
        _out(f"……另有 {hidden} 条提示未显示（完整内容见 --json 输出或数据库 issues 表）。")
    read = sum(f.status == "ingested" for f in summary.files)
    _out(f"题库 {summary.bank}，轮次“{summary.wave}”，数据库 {summary.store}")
    _out(
        f"读取文件 {read} 个，已回收过或重复的文件 {d['already_ingested']} 个（已跳过），"
        f"无法读取 {d['failed']} 个。"
    )
    _out(
        f"有效答卷 {d['accepted']} 份，未通过 {d['rejected']} 份，重复 {d['duplicates']} 份，"
        f"提示 {d['warnings']} 条。"
    )
    if summary.rejects_file:
        _out(f"未通过的答卷及原因已写入：{summary.rejects_file}（改正后可再次回收）")
    if d["units"]:
        _out("各单位有效答卷：" + "，".join(f"{k} {v} 份" for k, v in d["units"].items()))
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
    _out(f"{'平台题目':<40}{'题库':>6}{'把握':>6}  状态")
    for header, qid, conf, status in rows:
        _out(f"{header[:38]:<40}{qid or '—':>6}{conf:>6.2f}  {status}")
    _out(
        f"对应关系已写入：{written}。核对“需确认”“未对应”的行后，用 "
        f"surveytool ingest --bank {args.bank} --mapping {written} {path} 回收。"
    )
    return 0


def cmd_responses(args: argparse.Namespace) -> int:
    """Export clean answers."""
    from surveytool.ingest import export_responses, load_answers

    bank = load_bank(args.bank)
    frame = load_answers(args.store, bank, args.wave)
    if args.output:
        out = export_responses(frame, bank, args.output)
        _out(f"已导出 {len(frame)} 份答卷：{out}")
    else:
        _out(frame.to_string(max_rows=20, max_cols=12))
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    """Run the analysis; write JSON; print a readable summary."""
    from surveytool.analysis import Survey, analyse
    from surveytool.ingest import load_answers

    bank = load_bank(args.bank)
    for b in args.by or []:
        _check_field(bank, b)
    frame = load_answers(args.store, bank, args.wave)
    results = analyse(Survey(frame, bank), by=args.by, population=args.population, k=args.k)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(results.to_json(), encoding="utf-8")
    _print_analysis(results, args)
    return 0


def _check_field(bank, fid: str) -> None:
    from surveytool.bank.build import suggest

    try:
        f = bank.field(fid)
    except KeyError:
        raise UsageError(
            problem("unknown_by", value=fid, hint=suggest(fid, [x.id for x in bank.fields]) or "")
        ) from None
    if f.kind != "single":
        raise UsageError(problem("bad_by", value=fid))


def _print_analysis(r, args: argparse.Namespace) -> None:
    wave = f"，轮次“{args.wave}”" if args.wave else ""
    _out(f"题库 {r.bank.id}{wave}：有效答卷 {r.n} 份。")
    if r.n == 0:
        _out("没有可分析的答卷。请先用 surveytool ingest 回收答卷。")
        return
    moe = r.margin_of_error.iloc[0]["moe"]
    _out(f"整体抽样误差（95% 置信度，最保守估计）：±{moe * 100:.1f}%。")
    for row in r.reliability.to_dict(orient="records"):
        alpha = row["alpha"]
        text = f"{alpha:.3f}" if alpha == alpha else row["note"]
        name, items, n = row["construct"], row["items"], row["n"]
        _out(f"  维度“{name}”：{items} 个题项，Cronbach α = {text}（n={n}）")
    if r.by:
        sig = 0
        for t in (r.crosstabs, r.group_tests):
            if len(t) and "p_adjusted" in t:
                sig += int((t["p_adjusted"] < 0.05).sum())
        total = len(r.crosstabs) + len(r.group_tests)
        by = "、".join(r.by)
        _out(f"分组比较（按 {by}）：共 {total} 项检验，经 BH 校正后差异显著的 {sig} 项。")
    if args.json:
        _out(f"完整结果已写入：{args.json}")


def cmd_compare(args: argparse.Namespace) -> int:
    """Compare two waves."""
    from surveytool.analysis import Survey
    from surveytool.analysis.waves import compare_waves
    from surveytool.ingest import load_answers
    from surveytool.report.sentences import wave_change

    bank = load_bank(args.bank)
    a, b = args.waves
    sa = Survey(load_answers(args.store, bank, a), bank)
    sb = Survey(load_answers(args.store, bank, b), bank)
    for wave, s in ((a, sa), (b, sb)):
        if s.n == 0:
            raise UsageError(problem("empty_wave", wave=wave, store=args.store))
    res = compare_waves(sa, sb, args.link)
    if args.json:
        from surveytool.analysis.run import records

        Path(args.json).write_text(
            json.dumps(records(res), ensure_ascii=False, indent=1), encoding="utf-8"
        )
    design = res["design"].iloc[0] if len(res) else "independent"
    pairs = int(res["n"].max()) if len(res) and design == "paired" else 0
    _out(
        f"“{a}”{sa.n} 份，“{b}”{sb.n} 份；"
        + (
            f"按自编代码配对比较（{pairs} 对）。"
            if design == "paired"
            else "两轮受访者无法一一对应，按独立样本比较。"
        )
    )
    for row in res.to_dict(orient="records"):
        if row["kind"] == "construct" or row["verdict"] != "no_change":
            _out("  " + wave_change(row["label"], row, a, b))
    if args.json:
        _out(f"全部 {len(res)} 项比较已写入：{args.json}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the draft report."""
    from surveytool.report import make_report

    bank = load_bank(args.bank)
    for b in args.by or []:
        _check_field(bank, b)
    formats = tuple(x.strip() for x in args.format.split(",") if x.strip())
    paths = make_report(
        args.store,
        bank,
        args.output,
        wave=args.wave,
        by=args.by,
        formats=formats,
        templates=args.templates,
        k=args.k,
        population=args.population,
    )
    _out("已生成调研报告初稿：")
    for kind, path in paths.items():
        _out(f"  {kind}: {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The whole pipeline on simulated returns."""
    from surveytool.demo import run_demo

    run_demo(args.output, n=args.n, seed=args.seed, say=_out)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    """Simulated respondent forms for any bank."""
    from surveytool.demo import write_returns
    from surveytool.simulate import Simulator

    bank = load_bank(args.bank)
    answers = Simulator(bank, seed=args.seed).respondents(args.n)
    paths = write_returns(bank, answers, Path(args.output))
    _out(
        f"已生成 {len(paths)} 份模拟填写的问卷（题库 {bank.id}，随机种子 {args.seed}）：{args.output}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="surveytool",
        description="问卷设计、回收、统计与调研报告工具 / survey toolkit for research campaigns",
    )
    parser.add_argument("--version", action="version", version=f"surveytool {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    p = sub.add_parser("banks", help="列出题库 / list question banks")
    p.add_argument("--dir", help="列出此文件夹中的题库（默认：内置题库）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_banks)

    p = sub.add_parser("check", help="检查题库文件 / validate banks")
    p.add_argument("banks", nargs="+", metavar="题库", help="内置题库编号、YAML 文件或文件夹")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("form", help="导出 Excel 问卷 / export an Excel form")
    p.add_argument("bank", metavar="题库", help="内置题库编号或 YAML 文件")
    p.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
    p.add_argument(
        "--layout",
        default="respondent",
        choices=["respondent", "collection"],
        help="respondent：每人一份的问卷（默认）；collection：每行一人的录入表",
    )
    p.set_defaults(func=cmd_form)

    p = sub.add_parser("xlsform", help="导出 XLSForm（KoboToolbox/ODK）/ export an XLSForm")
    p.add_argument("bank", metavar="题库", help="内置题库编号或 YAML 文件")
    p.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")
    p.set_defaults(func=cmd_xlsform)

    p = sub.add_parser("ingest", help="回收答卷入库 / ingest returned files")
    p.add_argument(
        "files", nargs="+", metavar="文件或文件夹", help="回收的 .xlsx/.xls/.csv 文件或文件夹"
    )
    p.add_argument("--bank", required=True, help="内置题库编号或 YAML 文件")
    p.add_argument("--store", default="survey.db", help="数据库文件（默认 survey.db）")
    p.add_argument(
        "--wave", default="baseline", help="调查轮次（默认 baseline；回访可用 followup）"
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出汇总")
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
    p.add_argument("--bank", required=True, help="内置题库编号或 YAML 文件")
    p.add_argument(
        "--source",
        default="auto",
        choices=["auto", "wjx", "tencent", "kobo"],
        help="文件来源（默认自动识别）",
    )
    p.add_argument("-o", "--output", help="对应关系文件（默认：导出文件名.mapping.yaml）")
    p.set_defaults(func=cmd_map)

    p = sub.add_parser("responses", help="导出有效答卷 / export clean answers")
    p.add_argument("--bank", required=True, help="内置题库编号或 YAML 文件")
    p.add_argument("--store", default="survey.db", help="数据库文件（默认 survey.db）")
    p.add_argument("--wave", default=None, help="只导出某一轮次")
    p.add_argument("-o", "--output", help="输出 .xlsx 或 .csv（含编码说明）")
    p.set_defaults(func=cmd_responses)

    p = sub.add_parser("analyze", aliases=["analyse"], help="统计分析 / analyse answers")
    p.add_argument("--bank", required=True, help="内置题库编号或 YAML 文件")
    p.add_argument("--store", default="survey.db", help="数据库文件（默认 survey.db）")
    p.add_argument("--wave", default=None, help="只分析某一轮次（默认全部）")
    p.add_argument("--by", nargs="+", help="分组字段（默认：题库中标记为分组或单位的题目）")
    p.add_argument("--population", type=int, help="总体规模，用于有限总体校正")
    p.add_argument("--k", type=int, default=5, help="少于 k 人的小组不单独报告（默认 5）")
    p.add_argument("--json", metavar="OUT.json", help="把全部结果写入 JSON 文件")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("compare", help="两轮调查对比（回访）/ compare two waves")
    p.add_argument("--bank", required=True, help="内置题库编号或 YAML 文件")
    p.add_argument("--store", default="survey.db", help="数据库文件（默认 survey.db）")
    p.add_argument(
        "--waves",
        nargs=2,
        required=True,
        metavar=("基线", "回访"),
        help="两个轮次，例如 baseline followup",
    )
    p.add_argument("--link", help="把两轮受访者对应起来的字段（默认：题库中的自编代码题）")
    p.add_argument("--json", metavar="OUT.json", help="把全部比较结果写入 JSON 文件")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="生成调研报告初稿 / write the draft report")
    p.add_argument("--bank", required=True, help="内置题库编号或 YAML 文件")
    p.add_argument("--store", default="survey.db", help="数据库文件（默认 survey.db）")
    p.add_argument("--wave", default=None, help="只用某一轮次（默认全部）")
    p.add_argument("--by", nargs="+", help="分组字段（默认：题库中标记为分组或单位的题目）")
    p.add_argument("--templates", help="自定义模板文件夹（report.html.j2 / report.md.j2）")
    p.add_argument(
        "--format", default="html,md,docx", help="输出格式，逗号分隔（默认 html,md,docx）"
    )
    p.add_argument("--population", type=int, help="总体规模，用于有限总体校正")
    p.add_argument("--k", type=int, default=5, help="少于 k 人的小组不单独报告（默认 5）")
    p.add_argument("-o", "--output", required=True, help="输出文件夹")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo", help="一键演示：模拟回收→入库→分析→报告 / run the demo")
    p.add_argument(
        "-o", "--output", default="surveytool-demo", help="输出文件夹（默认 surveytool-demo）"
    )
    p.add_argument("-n", type=int, default=360, help="模拟的受访者人数（默认 360）")
    p.add_argument("--seed", type=int, default=2023, help="随机种子（默认 2023）")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("simulate", help="模拟填写问卷 / simulate returned forms")
    p.add_argument("bank", metavar="题库", help="内置题库编号或 YAML 文件")
    p.add_argument("-n", type=int, default=100, help="人数（默认 100）")
    p.add_argument("--seed", type=int, default=2023, help="随机种子（默认 2023）")
    p.add_argument("-o", "--output", required=True, help="输出文件夹")
    p.set_defaults(func=cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except SurveyToolError as exc:
        for p in exc.problems:
            print(p.message, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
