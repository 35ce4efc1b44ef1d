"""Helpers shared by the command modules."""

from __future__ import annotations

from surveytool.errors import UsageError, problem


def echo(text: str = "") -> None:
    """Print a line to standard output at once."""
    print(text, flush=True)


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
