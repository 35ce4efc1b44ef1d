"""Helpers shared by the command modules."""

from __future__ import annotations

from datetime import date

from surveytool.errors import UsageError, problem


def echo(text: str = "") -> None:
    """Print a line to standard output at once."""
    print(text, flush=True)


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
