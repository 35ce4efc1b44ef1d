"""The ``surveytool`` command: a thin shell over the library.

Each sub-command parses its options, calls library functions and prints the result in
Chinese. A :class:`~surveytool.errors.SurveyToolError` becomes one line per problem on stderr
and exit code 1 — never a traceback. Commands live in modules by stage: ``banks``
(banks, check, form, xlsform), ``collect`` (ingest, map, responses), ``results`` (analyze,
compare, report, demo, simulate), ``campaign`` (init-campaign, sample-size, status, lists,
track), ``methods`` (outline, notes, delphi, visit-form, visits: the seed's other methods),
``closing`` (slides, bulletin, evaluate: the campaign's last steps), ``web`` (serve, user).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from surveytool import __version__
from surveytool.cli import banks, campaign, closing, collect, methods, results, steer, web
from surveytool.cli.common import Parser
from surveytool.errors import SurveyToolError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = Parser(
        prog="surveytool",
        description="问卷设计、回收、统计与调研报告工具 / survey toolkit for research campaigns",
    )
    parser.add_argument(
        "--version", action="version", version=f"surveytool {__version__}", help="显示版本号并退出"
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for module in (banks, collect, results, steer, campaign, methods, closing, web):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    for stream in (sys.stdout, sys.stderr):  # a name that is not UTF-8 never stops a run
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
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
    except BrokenPipeError:  # `surveytool … | head`: the reader of our output has gone
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def run() -> NoReturn:
    """The ``surveytool`` program: :func:`main`, then exit. The objects the command made are
    frozen first, so that the interpreter's last garbage collections do not walk them all
    (0.3-0.5 s after a report, whose tables and jieba's dictionary are still held): the
    process is ending, and the system takes its memory back."""
    code = main()
    gc.freeze()
    raise SystemExit(code)
