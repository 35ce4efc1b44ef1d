"""How to read the returned files of one ingest run (from the command line or a notebook)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReadOptions:
    """``source``: auto (recognise by content), table, wjx, tencent, kobo, sav.
    ``mapping``: a mapping file from ``surveytool map`` (platform exports).
    ``encoding``: for 问卷星 downloads, text / code / score (default: from the file name,
    else from the values)."""

    source: str = "auto"
    mapping: Path | None = None
    encoding: str | None = None
