"""Question banks and forms: banks, check, form, xlsform."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from surveytool.bank import bank_paths, builtin_dir, load_bank
from surveytool.cli.common import echo
from surveytool.errors import BankError, UsageError, display_name, problem


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
        echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        echo(f"{'编号':<26}{'版本':>4}{'题数':>6}{'字段':>6}  标题")
        for r in rows:
            echo(f"{r['id']:<28}{r['version']:>4}{r['questions']:>6}{r['fields']:>6}  {r['title']}")
        echo(f"共 {len(rows)} 个题库（{folder}）。")
    for name, exc in failed:
        print(
            f"题库 {name} 未通过检查（{len(exc.problems)} 个问题），"
            f"请运行 surveytool check {folder / name} 查看。",
            file=sys.stderr,
        )
    return 1 if failed else 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate banks and lint the valid ones; print every problem, located. Quality
    warnings leave the exit code 0 unless --strict makes them errors."""
    from surveytool.bank.lint import lint, read_raw

    bad = 0
    for target in _bank_files(args.banks):
        try:
            bank = load_bank(target)
        except BankError as exc:
            bad += 1
            for p in exc.problems:
                print(p.message, file=sys.stderr)
            name = display_name(Path(str(target)).name)
            print(f"✗ {name}：发现 {len(exc.problems)} 个问题。", file=sys.stderr)
            continue
        warnings = lint(bank, read_raw(bank))
        passed = (
            f"✓ {bank.id}（版本 {bank.version}）：{len(bank.questions)} 道题，"
            f"{len(bank.fields)} 个答案字段，检查通过"
        )
        if not warnings:
            echo(passed + "。")
        elif args.strict:
            bad += 1
            for p in warnings:
                print(p.message, file=sys.stderr)
            print(
                f"✗ {Path(str(target)).name}：有 {len(warnings)} 条质量提示（--strict：按错误处理）。",
                file=sys.stderr,
            )
        else:
            echo(f"{passed}，另有 {len(warnings)} 条质量提示：")
            for p in warnings:
                echo(f"  {p.message}")
    return 1 if bad else 0


def cmd_form(args: argparse.Namespace) -> int:
    """Export a bank as an Excel form."""
    from surveytool.forms import write_form

    bank = load_bank(args.bank)
    out = Path(args.output)
    structure = write_form(bank, out, layout=args.layout)
    kind = "问卷（每人一份）" if args.layout == "respondent" else "录入表（每行一人）"
    echo(f"已导出{kind}：{out}")
    echo(
        f"题库 {bank.id}（版本 {bank.version}），{len(structure.entries)} 个答案单元格，"
        f"结构校验码 {structure.checksum[:12]}。"
    )
    return 0


def cmd_xlsform(args: argparse.Namespace) -> int:
    """Export a bank as an XLSForm."""
    from surveytool.forms import write_xlsform

    bank = load_bank(args.bank)
    out = write_xlsform(bank, args.output)
    echo(f"已导出 XLSForm：{out}（可上传到 KoboToolbox 或用于 ODK Collect）")
    return 0


def cmd_bank_from(args: argparse.Namespace) -> int:
    """Infer a bank from 问卷星/腾讯问卷 downloads, an XLSForm or an SPSS file; write it (and
    the mapping of a platform export); list what to check and which roles to add."""
    from surveytool.ingest.bank_from import SOURCE_NAMES, bank_from

    paths = [Path(f) for f in args.files]
    out = bank_from(paths, Path(args.output), args.id, args.title, args.lang)
    bank = out.bank
    echo(
        f"已生成题库：{out.bank_path}（编号 {bank.id}，来源：{SOURCE_NAMES[out.source]}），"
        f"{len(bank.questions)} 道题，{len(bank.fields)} 个答案字段，已通过 surveytool check。"
    )
    if out.notes:
        echo(f"请核对以下 {len(out.notes)} 处：")
        for note in out.notes:
            echo(f"  · {note}")
    if out.mapping_path is not None:
        files = " ".join(f'"{p}"' for p in paths)
        echo(
            f"平台导出与题库的对应关系已写入 {out.mapping_path}。回收这些文件：\n"
            f'  surveytool ingest {files} --bank "{out.bank_path}" --mapping "{out.mapping_path}"'
        )
    if out.hints:
        echo(f"surveytool check --strict 会提示以下 {len(out.hints)} 条，请补写后再发布问卷：")
        for p in out.hints:
            echo(f"  · {p.message}")
    roles = []
    if out.unit_candidates:
        roles.append(
            f"role: unit（受访者所在单位，用于分单位统计和回收进度），可能是 {'、'.join(out.unit_candidates)}"
        )
    if out.group_candidates:
        roles.append(f"role: group（分组比较），可能是 {'、'.join(out.group_candidates)}")
    echo("题库中还没有 role 和 problem_when（无法可靠推断）。请按需补写：")
    for line in roles or [
        "role: unit / group / respondent_code：未发现明显的单位或分组题，请按问卷自行判断"
    ]:
        echo(f"  · {line}")
    echo("  · problem_when: high/low：哪些题的答案说明存在问题（用于报告中的“存在的主要问题”）")
    return 0


def _bank_files(targets: Sequence[str]) -> list[str | Path]:
    """Expand folders into their bank files; keep ids and files as given."""
    out: list[str | Path] = []
    for t in targets:
        p = Path(t)
        out.extend(bank_paths(p) if p.is_dir() else [t])
    return out


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands."""
    p = sub.add_parser("banks", help="列出题库 / list question banks")
    p.add_argument("--dir", help="列出此文件夹中的题库（默认：内置题库）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=cmd_banks)

    p = sub.add_parser(
        "bank-from",
        help="从问卷星/腾讯问卷下载、XLSForm 或 SPSS 文件生成题库 / a bank from existing files",
    )
    p.add_argument(
        "files",
        nargs="+",
        metavar="文件",
        help="问卷星按文本（+按序号/按分数）下载、腾讯问卷导出、XLSForm .xlsx 或 SPSS .sav",
    )
    p.add_argument("-o", "--output", required=True, help="要写出的题库文件（.yaml）")
    p.add_argument("--id", help="题库编号（小写字母、数字、下划线；默认按文件名生成）")
    p.add_argument("--title", help="题库标题（默认取自文件）")
    p.add_argument("--lang", help="XLSForm 的标签语言（如 zh、Chinese；默认有中文时用中文）")
    p.set_defaults(func=cmd_bank_from)

    p = sub.add_parser("check", help="检查题库文件 / validate banks")
    p.add_argument("banks", nargs="+", metavar="题库", help="内置题库编号、YAML 文件或文件夹")
    p.add_argument(
        "--strict",
        action="store_true",
        help="质量提示（数值区间、一题两问、诱导性措辞、量表中点、说明和用时等）按错误处理",
    )
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
