"""``surveytool map``: propose how a platform export's questions map to a bank."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from surveytool.bank.model import Bank
from surveytool.errors import UsageError, problem
from surveytool.ingest import files as fs
from surveytool.ingest import platforms
from surveytool.ingest.platforms.mapping import (
    STATUS,
    match_export,
    too_many_questions,
    write_mapping,
)
from surveytool.ingest.table import FileRejectedError


def propose(path: Path, bank: Bank, source: str, out: Path) -> tuple[list[tuple], Path]:
    """(rows shown to the user: header, bank question, confidence, status; the YAML file).
    Raises UsageError (ours) for a file that cannot be read."""
    from surveytool.ingest.sandbox import read_rows

    if not path.is_file():
        raise UsageError(problem("file_not_found", path=str(path)))
    try:
        header, rows = read_rows(path)
    except FileRejectedError as exc:
        raise UsageError(exc.problems) from None
    platform = platforms.detect(header) if source == "auto" else source
    if platform is None:
        raise UsageError(
            problem("not_a_platform_export", file=fs.display_name(path.name), kind="文件")
        )
    export = platforms.parse(platform, header, rows, 2, "")
    wide = too_many_questions(bank, export)
    if wide is not None:
        name = fs.display_name(path.name)
        raise UsageError(problem("export_too_wide", file=name, kind="文件", **wide))
    maps = platforms.kobo_maps(bank, export) if platform == "kobo" else match_export(bank, export)
    shown = [(m.pq.header, m.qid, float(np.round(m.confidence, 2)), STATUS[m.status]) for m in maps]
    return shown, write_mapping(maps, export, bank, fs.display_name(path.name), out)
