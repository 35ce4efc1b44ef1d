"""Uploaded files: written only into the topic's inbox, under generated names, and logged.

A file name sent by a browser is never used as a path: only its suffix is kept (checked
against the kinds ingest reads), so ``../../etc/passwd.xlsx`` or ``C:\\x\\..\\y.csv`` lands as
``收件箱/选题1/20260610-101500-3fa2c1d0e4b5.xlsx``. The name as sent is kept for messages and
the upload log (``上传记录.csv``: when, who, topic, name, stored as, bytes, sha256, result).
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from surveytool.errors import display_name, problem
from surveytool.forms.xlsx import evaluated
from surveytool.web.site import generated_name

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".sav")  # what ingest reads (docs/ingest.md)
LOG_HEADER = ["时间", "用户", "选题", "文件名", "保存为", "字节", "sha256", "结果"]
_LOG_LOCK = threading.Lock()
CHUNK = 1 << 16


@dataclass
class Saved:
    """One uploaded file: its name as sent, where it was written (None: refused), its size
    and sha256, and why it was refused."""

    name: str
    path: Path | None
    size: int = 0
    sha256: str = ""
    refused: str | None = None


def sent_name(filename: str | None) -> str:
    """The last part of a browser-sent name, shown safely (no folders, no control chars)."""
    raw = filename or "（无文件名）"
    base = PureWindowsPath(PurePosixPath(raw).name).name or raw
    return display_name(base)[:120]


def save(
    uploads: Iterable[tuple[str | None, BinaryIO]], inbox: Path, suffixes=SUFFIXES
) -> list[Saved]:
    """Write each upload whose suffix is allowed into ``inbox`` under a generated name."""
    out = []
    for filename, stream in uploads:
        name = sent_name(filename)
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in suffixes:
            msg = problem("web_bad_suffix", file=name, kind="文件", suffix=suffix or "无扩展名")
            out.append(Saved(name, None, refused=msg.message))
            continue
        inbox.mkdir(parents=True, exist_ok=True)
        target = inbox / generated_name(suffix)
        digest, size = hashlib.sha256(), 0
        with target.open("xb") as f:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                f.write(chunk)
        out.append(Saved(name, target, size, digest.hexdigest()))
    return out


def log(path: Path, user: str, topic: int, saved: Saved, result: str) -> None:
    """Append one line to the upload log (a CSV Excel opens: UTF-8 with BOM)."""
    row = [
        datetime.now().isoformat(timespec="seconds"),
        user,
        topic,
        saved.name,
        saved.path.name if saved.path else "（未保存）",
        saved.size,
        saved.sha256,
        result,
    ]
    row = [f"'{v}" if evaluated(v) else v for v in row]  # Excel would run =… as a formula
    buf = io.StringIO()
    csv.writer(buf).writerow(row)
    with _LOG_LOCK:
        new = not path.is_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8-sig" if new else "utf-8", newline="") as f:
            if new:
                csv.writer(f).writerow(LOG_HEADER)
            f.write(buf.getvalue())


def read_log(path: Path, last: int = 50) -> list[dict[str, str]]:
    """The newest ``last`` lines of the upload log, newest first."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return rows[::-1][:last]
