"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import contextlib
import gc
import re
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import NoReturn

from surveytool.atomic import write_atomic
from surveytool.errors import UsageError, os_detail, problem


def echo(text: str = "") -> None:
    """Print a line to standard output at once."""
    print(text, flush=True)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a command's bulk work, back as it was after.
    An ingest holds tables of millions of cells in object arrays, and every full collection
    walks them all: 0.2-0.3 s of a 100,000-row ingest, for no garbage (measured: the same
    peak memory without it). Reference counting still frees everything as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def write_output(path: str | Path, text: str) -> Path:
    """Write a UTF-8 text output whole (see surveytool.atomic); a folder or file that cannot
    be written is a Chinese error, not a traceback."""
    try:
        return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise UsageError(
            problem("output_not_writable", path=str(path), detail=os_detail(exc))
        ) from None


def parse_today(text: str | None) -> date:
    """--today as typed (2026-06-10); the real today when not given."""
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(problem("campaign_bad_date", value=text)) from None


def check_field(bank, fid: str) -> None:
    from surveytool.bank.build import suggest

    try:
        f = bank.field(fid)
    except KeyError:
        raise UsageError(
            problem("unknown_by", value=fid, hint=suggest(fid, [x.id for x in bank.fields]) or "")
        ) from None
    if f.kind != "single":
        raise UsageError(problem("bad_by", value=fid))


def bank_and_store(p: argparse.ArgumentParser, store: bool = True) -> None:
    """Add the --bank (and --store) options most commands share."""
    p.add_argument("--bank", required=True, help="内置题库编号或 YAML 文件")
    if store:
        p.add_argument("--store", default="survey.db", help="数据库文件（默认 survey.db）")


class ChineseHelp(argparse.HelpFormatter):
    """argparse's help in Chinese: 「用法：」 instead of 「usage: 」 (the group titles and the
    -h line are set by :class:`Parser`)."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # type: ignore[override]
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse with its help and errors in Chinese: 用法/位置参数/选项 and 「显示本帮助并退出」
    in ``--help``; errors on one line on stderr, exit code 2 — our own value checks
    (:func:`whole`, :func:`fraction`) say what is accepted; argparse's commonest English
    messages are translated. Sub-command parsers are of this class too."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", ChineseHelp)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出"
            )

    def error(self, message: str) -> NoReturn:
        text = _translate(message).rstrip("。")
        self.exit(2, f"{self.prog}：{text}。运行 {self.prog} --help 查看用法。\n")


_ARGPARSE = [
    (re.compile(r"^the following arguments are required: (.+)$"), "缺少必填的参数：{0}"),
    (re.compile(r"^unrecognized arguments: (.+)$"), "不认识的参数：{0}"),
    (
        re.compile(r"^argument (\S+): invalid choice: '(.*)' \(choose from (.+)\)$"),
        "{0} 的值“{1}”无效，可选：{2}",
    ),
    (re.compile(r"^argument (\S+): invalid int value: '(.*)'$"), "{0} 的值“{1}”不是整数"),
    (re.compile(r"^argument (\S+): invalid float value: '(.*)'$"), "{0} 的值“{1}”不是数字"),
    (re.compile(r"^argument (\S+): expected one argument$"), "{0} 后面缺少值"),
    (re.compile(r"^argument (\S+): expected (\d+) arguments?$"), "{0} 后面应有 {1} 个值"),
    (re.compile(r"^argument (\S+): (.*[\u4e00-\u9fff].*)$"), "{1}"),  # our own message
]


def _translate(message: str) -> str:
    for pattern, chinese in _ARGPARSE:
        m = pattern.match(message)
        if m:
            return chinese.format(*m.groups())
    return f"参数有误（{message}）"


def whole(
    option: str, what: str, minimum: int = 1, maximum: int | None = None
) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``minimum`` (to ``maximum``), else our
    Chinese message naming ``option`` and saying what is accepted."""
    if maximum is not None:
        rule = f" {minimum} 到 {maximum} 之间的整数"
    else:
        rule = "正整数" if minimum == 1 else f"不小于 {minimum} 的整数"

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(
                problem("bad_option_value", option=option, value=text, what=what, rule=rule).message
            )
        return value

    return parse


def fraction(option: str, what: str, example: str) -> Callable[[str], float]:
    """An argparse ``type``: a number strictly between 0 and 1 (``example`` says how one is
    written, e.g. 0.05 表示 ±5%), else our Chinese message."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = float("nan")
        if not 0 < value < 1:
            raise argparse.ArgumentTypeError(
                problem(
                    "bad_option_value",
                    option=option,
                    value=text,
                    what=what,
                    rule=f" 0 到 1 之间的小数（{example}）",
                ).message
            )
        return value

    return parse


def k_option(p: argparse.ArgumentParser, what: str = "小组") -> None:
    """Add --k (small-group threshold) and --allow-small-k."""
    p.add_argument(
        "--k",
        type=whole("--k", "k"),
        default=5,
        help=f"少于 k 人的{what}不单独报告（默认 5，不小于 3）",
    )
    p.add_argument(
        "--allow-small-k",
        action="store_true",
        help="明确允许 k 小于 3（终端和报告都会注明小组保护被削弱）",
    )


def checked_k(args: argparse.Namespace) -> int:
    """--k after :func:`~surveytool.analysis.limits.check_k`; its warning goes to stderr."""
    from surveytool.analysis.limits import check_k

    warning = check_k(args.k, args.allow_small_k)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    return args.k
