"""Finding returned files, fingerprinting them, and cheap checks before any reader runs.

No spreadsheet reader may touch an untrusted file before :func:`precheck` has looked at it:
a zip bomb or a sheet declaring a cell millions of rows away can exhaust memory (and one
reader aborts the whole process). The checks here read only the zip directory and the first
bytes of each worksheet.
"""

from __future__ import annotations

import hashlib
import lzma
import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.parsers import expat

from openpyxl.utils import column_index_from_string

from surveytool.errors import display_name

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".sav")
MAX_UNCOMPRESSED = 512 * 1024 * 1024  # all zip entries together
MAX_RATIO = 200  # uncompressed / compressed, per entry larger than 1 MiB
MAX_CELLS = 60_000_000  # declared sheet area (rows x columns)
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')


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


@contextmanager
def readable(path: Path) -> Iterator[Path]:
    """``path`` itself, or — when its name is not valid UTF-8, which some readers refuse
    (fastexcel: "source must be a string or bytes") — a symbolic link to it named by
    :func:`display_name` (so 问卷星's 按序号 is still in the name) in a temporary folder,
    removed afterwards."""
    try:
        str(path).encode("utf-8")
        plain = True
    except UnicodeEncodeError:
        plain = False
    if plain:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="surveytool-") as tmp:
        link = Path(tmp) / display_name(path.name).replace("/", "_")
        link.symlink_to(path.resolve())
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


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # Compound File: encrypted xlsx, or old .xls


def _not_a_zip(path: Path) -> str:
    """Why a file named .xlsx is not a zip: a password, an old .xls, text, or damage."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(OLE_MAGIC):
        return (
            "文件设置了打开密码（或是旧版 Excel 97-2003 文件改了扩展名），无法读取。"
            "请在 Excel/WPS 中去掉密码后另存为 .xlsx"
        )
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = head.decode("gb18030")
        except UnicodeDecodeError:
            text = ""
    if text and "\0" not in text and any(sep in text for sep in (",", "\t", ";")):
        return "这其实是文本（CSV）文件，扩展名却是 .xlsx。请把扩展名改为 .csv 后再回收"
    return "不是有效的 xlsx 文件（文件已损坏、未下载完整，或其实是其他格式改了扩展名）"


DAMAGED = "文件已损坏（压缩数据无法解开或校验不符），可能未下载完整或被修改过"
WELLFORMED_MAX = 2 * 2**20  # XML parts up to this size are parsed strictly (all of our forms)
SMALLEST_LARGE = WELLFORMED_MAX // MAX_RATIO  # no smaller file holds a larger part (ratio check)


def precheck_xlsx(path: Path) -> str | None:
    """A Chinese reason why this xlsx must not be opened, or None when it looks safe."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            return _size_reason(infos) or next(
                (r for i in infos if i.filename.endswith(".xml") and (r := _part_reason(z, i))),
                None,
            )
    except zipfile.BadZipFile:
        return DAMAGED if zipfile.is_zipfile(path) else _not_a_zip(path)
    except (zlib.error, EOFError, lzma.LZMAError):
        return DAMAGED
    except (OSError, RuntimeError, NotImplementedError) as exc:
        return f"文件无法解压（{exc}）"


def _size_reason(infos: list[zipfile.ZipInfo]) -> str | None:
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        return f"解压后超过 {MAX_UNCOMPRESSED // 2**20} MB，疑似压缩炸弹或异常文件"
    for i in infos:
        if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            return f"其中 {i.filename} 的压缩比异常（{ratio} 倍），疑似压缩炸弹"
    return None


def _part_reason(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """Entity declarations, a sheet's declared size, and — for parts small enough — strict
    well-formedness (a damaged tag would otherwise be read leniently, losing a value)."""
    if _declares_entities(z, info):
        return (
            f"其中 {info.filename} 含有 XML 实体声明（DOCTYPE）。Excel 和 WPS 保存的文件"
            "从不含这种声明，这个文件可能被人为修改过，为安全起见不读取"
        )
    if info.filename.startswith("xl/worksheets/"):
        reason = _dimension_reason(z, info)
        if reason:
            return reason
    if info.file_size <= WELLFORMED_MAX:
        parser = expat.ParserCreate()
        try:
            parser.Parse(z.read(info), True)
        except expat.ExpatError as exc:
            return _broken_xml(info, exc)
    return None


def large_parts_reason(path: Path) -> str | None:
    """Strict well-formedness of the XML parts too big for :func:`precheck_xlsx` (a large
    collection sheet or platform export), streamed: a Chinese reason, or None. Run by the
    caller while the reader worker reads the same file, so on two cores it costs little."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.filename.endswith(".xml") and info.file_size > WELLFORMED_MAX:
                    reason = _stream_reason(z, info)
                    if reason:
                        return reason
    except Exception:  # any decompressor's error (zlib, lzma, bz2…) is damage
        return DAMAGED
    return None


def _stream_reason(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    parser = expat.ParserCreate()
    try:
        with z.open(info) as fh:
            while chunk := fh.read(1 << 20):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        return _broken_xml(info, exc)
    return None


def _broken_xml(info: zipfile.ZipInfo, exc: expat.ExpatError) -> str:
    return (
        f"其中 {info.filename} 的 XML 格式已损坏（第 {exc.lineno} 行第 {exc.offset} 列），"
        "文件可能被修改过或未保存完整"
    )


_CELL_REF = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})([0-9]{1,7})"')


def scan_extent(path: Path) -> str | None:
    """Exact but slower than :func:`precheck_xlsx` (reads every cell reference): a Chinese
    reason when a sheet's cells span more than MAX_CELLS, else None. Used to explain why a
    reader died."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    reason = _extent_reason(z, info)
                    if reason:
                        return reason
    except Exception:  # only an explanation: a file it cannot scan has none
        return None
    return None


def _extent_reason(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    rows, cols, far = 0, 0, ""
    tail = b""
    with z.open(info) as f:
        while chunk := f.read(1 << 22):
            data = tail + chunk
            for m in _CELL_REF.finditer(data):
                row, col = int(m.group(2)), column_index_from_string(m.group(1).decode())
                if row * col > rows * cols:
                    far = (m.group(1) + m.group(2)).decode()
                rows, cols = max(rows, row), max(cols, col)
            tail = data[-40:]
    if rows * cols > MAX_CELLS:
        return f"工作表中有位于 {far} 的单元格，表格范围远超正常问卷的大小"
    return None


_ROOT = re.compile(rb"<[A-Za-z_]")  # the first element: the prolog ends there


def _declares_entities(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A DOCTYPE in the XML prolog (entity expansion and XXE need one), or a prolog padded
    beyond 64 KB to hide one."""
    with z.open(info) as f:
        head = f.read(65536)
    root = _ROOT.search(head)
    if root is None:
        return len(head) == 65536
    return b"<!DOCTYPE" in head[: root.start()]


def _dimension_reason(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    with z.open(info) as f:
        head = f.read(4096)
    m = _DIMENSION.search(head)
    if not m:
        return None
    col = m.group(3) or m.group(1)
    row = m.group(4) or m.group(2)
    if not col or not row:
        return None
    area = int(row) * column_index_from_string(col.decode())
    if area > MAX_CELLS:
        return f"工作表声明的范围达到 {col.decode()}{int(row)}，远超正常问卷的大小"
    return None
