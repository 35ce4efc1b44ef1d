"""Finding returned files, fingerprinting them, and showing their names safely.

The cheap checks every xlsx gets before a reader touches it live in
:mod:`surveytool.ingest.xlsxcheck` (re-exported here).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from surveytool.errors import display_name
from surveytool.ingest.xlsxcheck import (  # re-exported: the checks live there
    BESIDE_FROM,
    DAMAGED,
    MAX_CELLS,
    MAX_RATIO,
    MAX_UNCOMPRESSED,
    OLE_MAGIC,
    WELLFORMED_MAX,
    Inspection,
    inspect_xlsx,
    large_parts_reason,
    precheck_xlsx,
    scan_extent,
)

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".sav")


def discover(targets: list[Path]) -> list[Path]:
    """Files to ingest: given files as they are, folders walked (sorted, no temp/hidden files)."""
    out: list[Path] = []
    for t in targets:
        if t.is_dir():
            for p in sorted(t.rglob("*")):
                if p.is_file() and p.suffix.lower() in SUFFIXES and not _hidden(p, t):
                    out.append(p)
        else:
            out.append(t)
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


_HTML = re.compile(rb"<(?:!doctype\s+html|html|head|body|table|meta)\b", re.IGNORECASE)
_XML2003 = b"urn:schemas-microsoft-com:office:spreadsheet"


def disguised_as_excel(path: Path) -> str | None:
    """The catalogue code when a file named .xls/.xlsx is really a web page (``file_is_html``:
    问卷星 and many systems export HTML tables as .xls) or an Excel 2003 XML spreadsheet
    (``file_is_xml2003``); None otherwise."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith((b"PK", OLE_MAGIC)):
        return None
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[2:].decode(enc, errors="ignore").encode("utf-8")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"<"):
        return None
    if _XML2003 in head:
        return "file_is_xml2003"
    return "file_is_html" if _HTML.search(head) else None


@contextmanager
def readable(path: Path) -> Iterator[Path]:
    """``path`` itself, or — when its name is not valid UTF-8, which some readers refuse
    (fastexcel: "source must be a string or bytes") — a symbolic link to it named by
    :func:`display_name` (so 问卷星's 按序号 is still in the name) in a temporary folder
    (a copy where links are not allowed, as for most Windows users), removed afterwards."""
    try:
        str(path).encode("utf-8")
        plain = True
    except UnicodeEncodeError:
        plain = False
    if plain:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="surveytool-") as tmp:
        link = Path(tmp) / display_name(path.name).replace("/", "_").replace("\\", "_")
        try:
            link.symlink_to(path.resolve())
        except OSError:  # Windows: symbolic links need a privilege most users lack
            shutil.copyfile(path, link)
        yield link


def _hidden(p: Path, root: Path) -> bool:
    parts = p.relative_to(root).parts
    return any(x.startswith((".", "~$")) for x in parts)


def sha256(path: Path) -> str:
    """Hex sha256 of the file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


__all__ = [
    "BESIDE_FROM",
    "DAMAGED",
    "MAX_CELLS",
    "MAX_RATIO",
    "MAX_UNCOMPRESSED",
    "OLE_MAGIC",
    "SUFFIXES",
    "WELLFORMED_MAX",
    "Inspection",
    "discover",
    "disguised_as_excel",
    "display_name",
    "inspect_xlsx",
    "large_parts_reason",
    "precheck_xlsx",
    "readable",
    "scan_extent",
    "sha256",
]
