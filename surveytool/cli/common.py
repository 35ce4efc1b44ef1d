"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from surveytool.atomic import write_atomic
from surveytool.errors import UsageError, os_detail, problem


def echo(text: str = "") -> None:
    """Print a line to standard output at once."""
    print(text, flush=True)


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
